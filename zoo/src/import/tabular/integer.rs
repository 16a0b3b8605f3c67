//! A classic model in integers: each feature on its own power-of-two
//! scale, thresholds rounded so that every decision on an integer input is
//! the float model's decision on that input dequantized, and leaves or
//! coefficients on one power-of-two scale per model.
//!
//! Features are rounded toward the side that keeps ties: down for trees
//! that test `x <= t` (or `x > t`), up for trees that test `x < t` (or
//! `x >= t`). Then a float feature equal to a threshold, common in data
//! with few distinct values (XGBoost's thresholds are data values), goes
//! the float model's way, and a decision differs only for a feature
//! strictly between the threshold and the next grid point on its far side.

use super::ml::{Body, Classic, Rule, Task, Tree, TreeNode};
use super::normalize::Normalization;
use section9::graph::{AttrValue, ModelBuilder, ModelFile, Params, Visibility};
use serde::Serialize;

/// How finely the integers are cut.
#[derive(Clone, Copy, Debug)]
pub struct Widths {
    /// Feature precision: `|x| <= 2^(p-1) - 1`.
    pub feature: u32,
    /// Leaf values and coefficients: precision of each.
    pub weight: u32,
}

impl Default for Widths {
    fn default() -> Widths {
        Widths {
            feature: 16,
            weight: 16,
        }
    }
}

/// Feature `j` is the integer `x[j]` standing for `x[j] * 2^exp[j]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FeatureScales {
    pub exp: Vec<i32>,
    pub range: [i64; 2],
    /// How a float feature becomes its integer.
    pub rounding: Rounding,
}

/// The direction a float feature is rounded onto its grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Rounding {
    Nearest,
    Down,
    Up,
}

impl std::fmt::Display for Rounding {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(match self {
            Rounding::Nearest => "to nearest",
            Rounding::Down => "down",
            Rounding::Up => "up",
        })
    }
}

impl Rounding {
    /// Down when every test is `<=` or `>`, up when every test is `<` or
    /// `>=` (see the module's note); to nearest for a linear model and for
    /// trees that mix the two kinds.
    pub fn for_model(c: &Classic) -> Rounding {
        let Body::Trees { trees, .. } = &c.body else {
            return Rounding::Nearest;
        };
        let (mut down, mut up) = (false, false);
        for node in trees.iter().flat_map(|t| &t.nodes) {
            if let TreeNode::Branch { rule, .. } = node {
                match rule {
                    Rule::Leq | Rule::Gt => down = true,
                    Rule::Lt | Rule::Gte => up = true,
                }
            }
        }
        match (down, up) {
            (true, false) => Rounding::Down,
            (false, true) => Rounding::Up,
            _ => Rounding::Nearest,
        }
    }

    fn apply(self, v: f64) -> f64 {
        match self {
            Rounding::Nearest => v.round(),
            Rounding::Down => v.floor(),
            Rounding::Up => v.ceil(),
        }
    }
}

pub(super) fn max_int(prec: u32) -> i64 {
    (1i64 << (prec - 1)) - 1
}

/// The smallest `e` with `max_abs <= limit * 2^e` (0 for an all-zero
/// column, whose scale does not matter).
pub(super) fn exponent(max_abs: f64, limit: i64) -> i32 {
    if max_abs > 0.0 {
        let mut e = (max_abs / limit as f64).log2().ceil() as i32;
        // log2 rounds: step until the bound holds exactly.
        while max_abs > limit as f64 * f64::powi(2.0, e) {
            e += 1;
        }
        while e > i32::MIN / 2 && max_abs <= limit as f64 * f64::powi(2.0, e - 1) {
            e -= 1;
        }
        e
    } else {
        0
    }
}

impl FeatureScales {
    /// Per feature, the finest scale holding the calibration data's
    /// largest magnitude.
    pub fn from_rows(rows: &[Vec<f32>], features: usize, prec: u32, rounding: Rounding) -> FeatureScales {
        let m = max_int(prec);
        let exp = (0..features)
            .map(|j| exponent(rows.iter().fold(0f64, |a, r| a.max((r[j] as f64).abs())), m))
            .collect();
        FeatureScales {
            exp,
            range: [-m, m],
            rounding,
        }
    }

    /// A row rounded onto the scales and clamped; how many values the
    /// clamp changed.
    pub fn quantize(&self, row: &[f32]) -> (Vec<i64>, usize) {
        let mut clipped = 0;
        let q = row
            .iter()
            .zip(&self.exp)
            .map(|(&v, &e)| {
                let q = self.rounding.apply(v as f64 * f64::powi(2.0, -e));
                let c = q.clamp(self.range[0] as f64, self.range[1] as f64);
                clipped += usize::from(c != q);
                c as i64
            })
            .collect();
        (q, clipped)
    }

    /// The float each integer stands for: exact in float32, since the
    /// integers have at most 24 bits.
    pub fn dequantize(&self, q: &[i64]) -> Vec<f32> {
        q.iter().enumerate().map(|(j, &v)| self.dequantize_one(j, v)).collect()
    }

    /// The integer `T` with `q <= T` exactly when `rule` sends the float
    /// `prepare(q * 2^e)` (the feature after any scaler or binarizer) to
    /// the left branch, and whether the branches swap (the left branch is
    /// then the rule's `no`).
    ///
    /// `prepare` is monotone (a scaler with a positive or negative scale, a
    /// binarizer) and the dequantized feature exact in float32, so the
    /// rule's answer over the integers in range changes at most once: a
    /// binary search finds where, evaluating the rule exactly as ONNX
    /// Runtime does. An answer that never changes gives `T = hi` (all
    /// left) or `T = lo - 1` (all right).
    fn threshold(&self, feature: usize, t: f32, rule: Rule, prepare: impl Fn(f32) -> f32) -> (i64, bool) {
        let yes = |q: i64| rule.holds(prepare(self.dequantize_one(feature, q)), t);
        let [lo, hi] = self.range;
        match (yes(lo), yes(hi)) {
            (true, true) => (hi, false),
            (false, false) => (lo - 1, false),
            (true, false) => (last_where(lo, hi, yes), false),
            (false, true) => (last_where(lo, hi, |q| !yes(q)), true),
        }
    }

    fn dequantize_one(&self, feature: usize, q: i64) -> f32 {
        (q as f64 * f64::powi(2.0, self.exp[feature])) as f32
    }
}

/// The largest `q` in `[lo, hi]` with `holds(q)`, for `holds` true at `lo`,
/// false at `hi` and changing once between.
fn last_where(mut lo: i64, mut hi: i64, holds: impl Fn(i64) -> bool) -> i64 {
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if holds(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

/// The integer model and the scale of its scores.
pub struct IntegerModel {
    pub file: ModelFile,
    pub params: Params,
    /// A score `s` stands for `s * 2^score_exp`.
    pub score_exp: i32,
    /// Depth of the circuit's trees (0 for a linear model).
    pub depth: usize,
    /// Branches the circuit tests (0 for a linear model).
    pub branches: usize,
}

/// The naming and shape of the emitted graph.
pub struct Names<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub pack_outputs: bool,
    pub trees: TreeLayout,
    /// A binary model's probability of class 1 as a third output.
    pub probability: bool,
}

/// Emits the graph: the features, the model's scores, and for a
/// classifier its label.
pub fn emit(
    c: &Classic,
    scales: &FeatureScales,
    normalization: Option<&Normalization>,
    w: Widths,
    names: &Names,
) -> IntegerModel {
    let mut m = ModelBuilder::new();
    let x = m.input_range(
        "x",
        &[1, c.features],
        scales.range[0],
        scales.range[1],
        Visibility::Private,
    );
    // The body reads the normalized features on their own grid.
    let (x, scales) = match normalization {
        Some(n) => (n.emit(&mut m, &x), &n.body),
        None => (x, scales),
    };
    let (score, score_exp, depth, branches) = match &c.body {
        Body::Linear { coef, intercept } => {
            let (score, exp) = linear(&mut m, &x, c, coef, intercept, scales, w);
            (score, exp, 0, 0)
        }
        Body::Trees { .. } => trees_node(&mut m, &x, c, scales, w, names.trees),
    };
    let mut outputs = vec![score.clone()];
    match c.task {
        Task::Regression => {}
        Task::Binary { cut, .. } => {
            // Class 1 when score * 2^e > cut, that is score > floor(cut / 2^e).
            let bound = (cut * f64::powi(2.0, -score_exp)).floor() as i64;
            let cut = m.param("cut", &[1], bits_for(bound), vec![bound]);
            outputs.push(m.op("class", "broadcast_greater", &[&score, &cut], &[]));
            if names.probability {
                outputs.push(probability(&mut m, &score, score_exp));
            }
        }
        Task::Multiclass => {
            let n = c.targets() as i64;
            let column = m.op(
                "classes",
                "reshape",
                &[&score],
                &[("shape", AttrValue::List(vec![1, n, 1]))],
            );
            outputs.push(m.op("class", "argmax", &[&column], &[]));
        }
    }
    if names.pack_outputs {
        m.pack_outputs();
    }
    let outputs: Vec<&str> = outputs.iter().map(String::as_str).collect();
    let (file, params) = m.finish(names.name, names.description, &outputs);
    IntegerModel {
        file,
        params,
        score_exp,
        depth,
        branches,
    }
}

/// A probability `v` stands for `v * 2^PROBABILITY_EXP`.
pub const PROBABILITY_EXP: i32 = -8;

/// The logit's scale as the table's index: int8 at `2^-4` covers logits
/// within 7.9, past which the sigmoid is within 0.0004 of 0 or 1.
const LOGIT_EXP: i32 = -4;

/// `sigmoid(score)` for a score at `2^score_exp`: the score rounded to an
/// int8 logit (clamped), then read from a table of the 255 probabilities.
fn probability(m: &mut ModelBuilder, score: &str, score_exp: i32) -> String {
    let index_exp = score_exp.max(LOGIT_EXP);
    let mut logit = score.to_string();
    let mut shift = index_exp - score_exp;
    while shift > 32 {
        let wide = AttrValue::Int(64);
        logit = m.op(
            &format!("{logit}.down"),
            "cvm_right_shift",
            &[&logit],
            &[("s", AttrValue::Int(32)), ("p", wide)],
        );
        shift -= 32;
    }
    let int8 = if shift > 0 {
        let attrs = [("s", AttrValue::Int(shift as i64)), ("p", AttrValue::Int(8))];
        m.op("probability.logit", "cvm_right_shift", &[&logit], &attrs)
    } else {
        let attrs = [("a_min", AttrValue::Int(-127)), ("a_max", AttrValue::Int(127))];
        m.op("probability.logit", "clip", &[&logit], &attrs)
    };
    let unit = f64::powi(2.0, index_exp);
    let values: Vec<i64> = (-127..=127)
        .map(|q| (f64::powi(2.0, -PROBABILITY_EXP) / (1.0 + (-(q as f64) * unit).exp())).round() as i64)
        .collect();
    let offset = m.public_param("probability.offset", &[1], 9, vec![127]);
    let table = m.public_param("probability.table", &[1, 255, 1], 10, values);
    let index = m.op("probability.index", "broadcast_add", &[&int8, &offset], &[]);
    let looked = m.op("probability.lookup", "take", &[&table, &index], &[]);
    m.op(
        "probability",
        "reshape",
        &[&looked],
        &[("shape", AttrValue::List(vec![1, 1]))],
    )
}

/// The scores the circuit computes: a binary classifier needs only the
/// one its label reads.
fn columns(c: &Classic, targets: usize) -> Vec<usize> {
    match c.task {
        Task::Binary { column, .. } => vec![column],
        _ => (0..targets).collect(),
    }
}

/// The precision that holds `v`.
pub(super) fn bits_for(v: i64) -> u32 {
    65 - v.unsigned_abs().leading_zeros()
}

fn quantize_all(values: &[f64], exp: i32) -> Vec<i64> {
    values
        .iter()
        .map(|&v| (v * f64::powi(2.0, -exp)).round() as i64)
        .collect()
}

/// `dense` over the features: each coefficient (scaler folded in) times its
/// feature's scale, then one power-of-two scale for the whole matrix; the
/// intercepts at the accumulator's scale.
fn linear(
    m: &mut ModelBuilder,
    x: &str,
    c: &Classic,
    coef: &[Vec<f64>],
    intercept: &[f64],
    scales: &FeatureScales,
    w: Widths,
) -> (String, i32) {
    let (mut a, mut b) = (coef.to_vec(), intercept.to_vec());
    if let Some(s) = &c.scaler {
        for (row, bias) in a.iter_mut().zip(b.iter_mut()) {
            for ((v, scale), offset) in row.iter_mut().zip(&s.scale).zip(&s.offset) {
                *v *= scale;
                *bias -= *v * offset;
            }
        }
    }
    for row in &mut a {
        for (v, &e) in row.iter_mut().zip(&scales.exp) {
            *v *= f64::powi(2.0, e);
        }
    }
    let flat: Vec<f64> = a.concat();
    let exp = exponent(flat.iter().fold(0f64, |m, v| m.max(v.abs())), max_int(w.weight));
    let weights = quantize_all(&flat, exp);
    let bias = quantize_all(&b, exp);
    let bias_prec = bias.iter().map(|&v| bits_for(v)).max().unwrap_or(1);
    let rows = coef.len();
    let wn = m.param("linear.w", &[rows, c.features], w.weight, weights);
    let bn = m.param("linear.b", &[rows], bias_prec, bias);
    (m.op("score", "dense", &[x, &wn, &bn], &[]), exp)
}

/// How an ensemble's trees enter the circuit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum TreeLayout {
    /// Every tree complete, of the ensemble's depth: a leaf above the last
    /// level becomes a subtree whose every leaf holds its value. The
    /// circuit's wiring then says only how many trees there are and how
    /// deep.
    #[default]
    Complete,
    /// Each tree as it is: only its real branches are tested and
    /// committed, and its shape is part of the circuit.
    Exact,
    /// Complete trees whose branches read their features by indices that
    /// are weights: committed, the circuit shows only the tree count, the
    /// depth and the feature count, at a proven selection per branch.
    Hidden,
}

/// The circuit's trees: branches (feature, threshold, children) and
/// leaves in the order they are placed, each tree in preorder, so every
/// branch's children come after it.
#[derive(Default)]
struct Forest {
    feature: Vec<i64>,
    threshold: Vec<i64>,
    child: Vec<[Slot; 2]>,
    leaf: Vec<f64>,
}

/// A place in the forest before the branches are counted.
#[derive(Clone, Copy)]
enum Slot {
    Branch(usize),
    Leaf(usize),
}

impl Forest {
    fn branches(&self) -> usize {
        self.feature.len()
    }

    /// The op's one index space: branches, then leaves.
    fn index(&self, s: Slot) -> i64 {
        match s {
            Slot::Branch(i) => i as i64,
            Slot::Leaf(l) => (self.branches() + l) as i64,
        }
    }
}

/// The ensemble as one `tree_ensemble`: complete trees of the ensemble's
/// depth, or each tree as it is (`layout`). Returns the score node, its
/// exponent, the depth of the circuit's trees and their branch count.
fn trees_node(
    m: &mut ModelBuilder,
    x: &str,
    c: &Classic,
    scales: &FeatureScales,
    w: Widths,
    layout: TreeLayout,
) -> (String, i32, usize, usize) {
    let Body::Trees { trees, targets } = &c.body else {
        unreachable!("called on tree ensembles only")
    };
    let columns = &columns(c, *targets);
    let deepest = trees.iter().map(Tree::depth).max().unwrap_or(0);
    // The op needs one branch: a forest of single leaves is padded.
    let pad_to = (layout != TreeLayout::Exact || deepest == 0).then_some(deepest.max(1));
    let mut forest = Forest::default();
    let roots: Vec<Slot> = trees
        .iter()
        .map(|tree| {
            Placement {
                classic: c,
                tree,
                columns,
                scales,
                hi: scales.range[1],
                forest: &mut forest,
            }
            .node(0, pad_to)
        })
        .collect();
    let (nn, nc) = (forest.branches(), columns.len());
    let nl = forest.leaf.len() / nc;
    let child: Vec<i64> = forest.child.iter().flatten().map(|&s| forest.index(s)).collect();
    let root: Vec<i64> = roots.iter().map(|&s| forest.index(s)).collect();
    let exp = exponent(forest.leaf.iter().fold(0f64, |a, v| a.max(v.abs())), max_int(w.weight));
    let leaf_q = quantize_all(&forest.leaf, exp);
    let wiring = |name: &str, shape: &[usize], values: Vec<i64>| {
        let prec = bits_for(values.iter().copied().max().unwrap_or(0));
        (name.to_string(), shape.to_vec(), prec, values)
    };
    let (x, feature) = match layout {
        TreeLayout::Hidden => (read_hidden(m, x, c.features, forest.feature), (0..nn as i64).collect()),
        _ => (x.to_string(), forest.feature),
    };
    let mut inputs = vec![x];
    for (name, shape, prec, values) in [
        wiring("trees.feature", &[nn], feature),
        wiring("trees.child", &[nn, 2], child),
        wiring("trees.root", &[trees.len()], root),
        (
            "trees.threshold".into(),
            vec![nn],
            bits_for(scales.range[0] - 1),
            forest.threshold,
        ),
        ("trees.leaf".into(), vec![nl, nc], w.weight, leaf_q),
    ] {
        inputs.push(m.param(&name, &shape, prec, values));
    }
    let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
    let depth = pad_to.unwrap_or(deepest);
    (m.op("score", "tree_ensemble", &inputs, &[]), exp, depth, nn)
}

/// The feature each branch reads, `[1, branches]`, selected from `x` by
/// indices that are weights (`take_private`), so that committed weights
/// hide them. Their precision holds any feature index, so it says nothing
/// about which ones the trees read.
fn read_hidden(m: &mut ModelBuilder, x: &str, features: usize, feature: Vec<i64>) -> String {
    let nn = feature.len() as i64;
    let prec = bits_for(features as i64 - 1);
    let index = m.param("trees.feature_index", &[feature.len()], prec, feature);
    let shape = |v: Vec<i64>| [("shape", AttrValue::List(v))];
    let column = m.op("trees.column", "reshape", &[x], &shape(vec![1, features as i64, 1]));
    let picked = m.op("trees.read", "take_private", &[&column, &index], &[]);
    m.op("trees.features", "reshape", &[&picked], &shape(vec![1, nn]))
}

/// Places one tree into the forest.
struct Placement<'a> {
    classic: &'a Classic,
    tree: &'a Tree,
    columns: &'a [usize],
    scales: &'a FeatureScales,
    /// The largest feature value: a threshold there sends every input left.
    hi: i64,
    forest: &'a mut Forest,
}

impl Placement<'_> {
    /// Places tree node `node` and what is below it; `levels`, when the
    /// tree is made complete, is how many branch levels are left.
    fn node(&mut self, node: usize, levels: Option<usize>) -> Slot {
        match &self.tree.nodes[node] {
            TreeNode::Branch {
                feature,
                threshold,
                rule,
                yes,
                no,
            } => {
                let prepare = |v| self.classic.prepare(*feature, v);
                let (t, swap) = self.scales.threshold(*feature, *threshold, *rule, prepare);
                let (left, right) = if swap { (*no, *yes) } else { (*yes, *no) };
                let below = levels.map(|d| d.saturating_sub(1));
                self.branch(*feature as i64, t, |p| [p.node(left, below), p.node(right, below)])
            }
            TreeNode::Leaf(v) => self.leaf(v, levels),
        }
    }

    /// A leaf; above the last level of a complete tree, a subtree whose
    /// every leaf holds its value and whose branches all go left.
    fn leaf(&mut self, v: &[f64], levels: Option<usize>) -> Slot {
        match levels {
            Some(d) if d > 0 => self.branch(0, self.hi, |p| [p.leaf(v, Some(d - 1)), p.leaf(v, Some(d - 1))]),
            _ => {
                let at = self.forest.leaf.len() / self.columns.len();
                self.forest.leaf.extend(self.columns.iter().map(|&c| v[c]));
                Slot::Leaf(at)
            }
        }
    }

    /// A branch, numbered before the children `below` places.
    fn branch(&mut self, feature: i64, threshold: i64, below: impl FnOnce(&mut Self) -> [Slot; 2]) -> Slot {
        let at = self.forest.branches();
        self.forest.feature.push(feature);
        self.forest.threshold.push(threshold);
        self.forest.child.push([Slot::Leaf(0); 2]);
        self.forest.child[at] = below(self);
        Slot::Branch(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn scales(exp: i32, prec: u32) -> FeatureScales {
        FeatureScales {
            exp: vec![exp],
            range: [-max_int(prec), max_int(prec)],
            rounding: Rounding::Nearest,
        }
    }

    /// The rounding [`Rounding::for_model`] gives a tree of `rule`s.
    fn rounding_for(rule: Rule) -> Rounding {
        match rule {
            Rule::Leq | Rule::Gt => Rounding::Down,
            Rule::Lt | Rule::Gte => Rounding::Up,
        }
    }

    proptest! {
        /// The statement the import rests on: for every integer `q` in
        /// range, `q <= T` (left) exactly when the float rule, applied to
        /// `q * 2^e` as ONNX Runtime applies it in float32 (after a scaler
        /// of either sign, or a binarizer, when the model has one), takes
        /// the branch placed left.
        #[test]
        fn every_decision_on_the_grid_is_the_float_decision(
            exp in -20i32..=6,
            t in prop_oneof![any::<f32>().prop_filter("finite", |t| t.is_finite()), -300f32..300f32],
            rule in prop_oneof![Just(Rule::Leq), Just(Rule::Lt), Just(Rule::Gte), Just(Rule::Gt)],
            pre in 0..4,
            offset in -50f64..50.0,
            scale in 0.01f64..20.0,
        ) {
            let prepare = |v: f32| match pre {
                0 => v,
                1 => ((v as f64 - offset) * scale) as f32,
                2 => ((v as f64 - offset) * -scale) as f32,
                _ => f32::from(u8::from(v > offset as f32)),
            };
            let s = scales(exp, 10);
            let (bound, swap) = s.threshold(0, t, rule, prepare);
            for q in s.range[0]..=s.range[1] {
                let x = s.dequantize(&[q])[0];
                let yes = rule.holds(prepare(x), t);
                let left = if swap { !yes } else { yes };
                prop_assert_eq!(q <= bound, left, "q = {}, x = {}, t = {}", q, x, t);
            }
        }
    }

    proptest! {
        /// With features rounded as [`Rounding::for_model`] says, a float
        /// feature takes the float model's branch when it equals the
        /// threshold, and whenever the threshold is not strictly between
        /// it and its grid point.
        #[test]
        fn ties_and_features_beyond_the_thresholds_cell_decide_as_the_float_rule(
            exp in -16i32..=0,
            t in -100f32..100f32,
            near in -64i64..=64,
            raw in -100f32..100f32,
            tie in any::<bool>(),
            rule in prop_oneof![Just(Rule::Leq), Just(Rule::Lt), Just(Rule::Gte), Just(Rule::Gt)],
        ) {
            let mut s = scales(exp, 24);
            s.rounding = rounding_for(rule);
            // A feature equal to the threshold, a few grid steps from it,
            // or anywhere.
            let step = f64::powi(2.0, exp);
            let x = match (tie, near % 2 == 0) {
                (true, _) => t,
                (false, true) => (t as f64 + near as f64 * step / 3.0) as f32,
                (false, false) => raw,
            };
            let (q, clipped) = s.quantize(&[x]);
            prop_assume!(clipped == 0);
            let grid = s.dequantize(&q)[0];
            let between = (grid.min(x) < t && t < grid.max(x)) || (t == grid && t != x);
            let (bound, swap) = s.threshold(0, t, rule, |v| v);
            let yes = rule.holds(x, t);
            let left = if swap { !yes } else { yes };
            prop_assert!(
                between || (q[0] <= bound) == left,
                "x = {}, q = {}, t = {}, rule {:?}", x, q[0], t, rule
            );
            if x == t {
                prop_assert_eq!(q[0] <= bound, left);
            }
        }
    }

    #[test]
    fn thresholds_on_the_grid_and_between_it() {
        let s = scales(-2, 8);
        let same = |v: f32| v;
        // 1.25 is the integer 5 on a 2^-2 grid.
        assert_eq!(s.threshold(0, 1.25, Rule::Leq, same), (5, false));
        assert_eq!(s.threshold(0, 1.25, Rule::Lt, same), (4, false));
        assert_eq!(s.threshold(0, 1.25, Rule::Gt, same), (5, true));
        assert_eq!(s.threshold(0, 1.25, Rule::Gte, same), (4, true));
        assert_eq!(s.threshold(0, 1.3, Rule::Leq, same), (5, false));
        assert_eq!(s.threshold(0, 1.3, Rule::Lt, same), (5, false));
        // Beyond the range: every input on one side.
        assert_eq!(s.threshold(0, 1e9, Rule::Leq, same), (127, false));
        assert_eq!(s.threshold(0, -1e9, Rule::Leq, same), (-128, false));
    }

    #[test]
    fn feature_scales_hold_the_largest_value() {
        let rows = vec![vec![0.5, -300.0, 0.0], vec![0.25, 7.0, 0.0]];
        let s = FeatureScales::from_rows(&rows, 3, 16, Rounding::Nearest);
        assert_eq!(s.exp, vec![-15, -6, 0]);
        let (q, clipped) = s.quantize(&rows[0]);
        assert_eq!((q, clipped), (vec![16384, -19200, 0], 0));
        assert_eq!(exponent(32767.0, 32767), 0);
        assert_eq!(exponent(32768.0, 32767), 1);
    }
}
