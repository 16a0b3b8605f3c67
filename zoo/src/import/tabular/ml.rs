//! Classic models in ONNX-ML (`ai.onnx.ml`): linear models and tree
//! ensembles read from their nodes' attributes, checked, and evaluated in
//! float with ONNX Runtime's rules for the class label.

use crate::import::error::OnnxError;
use crate::import::onnx::{Node, OnnxModel, Values};
use std::collections::HashMap;

/// Deepest tree accepted: a tree becomes a complete tree of its ensemble's
/// depth in the circuit, `2^depth - 1` comparisons each.
pub const MAX_DEPTH: usize = 12;

/// A classic model: optional scaling of the features, then a linear map or
/// a sum of trees giving one score per target, then what the label is.
#[derive(Clone, Debug)]
pub struct Classic {
    pub features: usize,
    /// A Normalizer's norm: each row divided by it, before the scaler.
    pub normalizer: Option<Norm>,
    pub scaler: Option<Scaler>,
    /// A Binarizer's threshold, after the scaler: a feature becomes 1 when
    /// above it, else 0.
    pub binarizer: Option<f32>,
    pub body: Body,
    pub task: Task,
    /// A binary classifier whose one score is a logit: its post_transform
    /// is LOGISTIC, so its probability of class 1 is `sigmoid(score)`.
    pub logit: bool,
    /// The ONNX node holding the model.
    pub node: String,
    pub op: String,
}

/// The norm a Normalizer divides each row by (a zero row stays zero).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Norm {
    /// The sum of magnitudes.
    L1,
    /// The square root of the sum of squares.
    L2,
}

impl Norm {
    fn parse(n: &Node) -> Result<Norm, OnnxError> {
        match n.string("norm")?.as_deref() {
            Some("L1") => Ok(Norm::L1),
            Some("L2") => Ok(Norm::L2),
            // scikit-learn's "max" divides by the largest magnitude, ONNX
            // Runtime by the largest value: on a row with negative values
            // the exported model is not the trained one.
            Some("MAX") => Err(OnnxError::node(
                n,
                "norm `MAX`: ONNX Runtime divides each row by its largest value, scikit-learn by its largest magnitude, so the file and the trained model disagree on rows with negative values; L1 and L2 are supported",
            )),
            Some(other) => Err(OnnxError::node(n, format!("norm `{other}`; L1 and L2 are supported"))),
            None => Err(OnnxError::node(n, "missing attribute `norm`")),
        }
    }

    /// `row` divided by its norm, as ONNX Runtime does it: in float32.
    pub fn apply(self, row: &[f32]) -> Vec<f32> {
        let norm = match self {
            Norm::L1 => row.iter().map(|v| v.abs()).sum(),
            Norm::L2 => row.iter().map(|v| v * v).sum::<f32>().sqrt(),
        };
        row.iter().map(|v| v / norm.max(1e-30)).collect()
    }
}

/// `(x - offset) * scale`, per feature.
#[derive(Clone, Debug)]
pub struct Scaler {
    pub offset: Vec<f64>,
    pub scale: Vec<f64>,
}

#[derive(Clone, Debug)]
pub enum Body {
    /// `score[c] = sum_j coef[c][j] x[j] + intercept[c]`.
    Linear { coef: Vec<Vec<f64>>, intercept: Vec<f64> },
    /// `score[c]` the sum of the leaves reached; averaging and base values
    /// are already folded into the leaves (base values into the first tree).
    Trees { trees: Vec<Tree>, targets: usize },
}

/// What the label is, from the scores.
#[derive(Clone, Debug, PartialEq)]
pub enum Task {
    /// No label: the scores are the prediction.
    Regression,
    /// Class 1 when `score[column] > cut`, else class 0.
    Binary { column: usize, cut: f64 },
    /// The first class of largest score.
    Multiclass,
}

#[derive(Clone, Debug)]
pub struct Tree {
    /// Node 0 is the root.
    pub nodes: Vec<TreeNode>,
}

#[derive(Clone, Debug)]
pub enum TreeNode {
    Branch {
        feature: usize,
        threshold: f32,
        rule: Rule,
        /// Taken when the rule holds.
        yes: usize,
        no: usize,
    },
    /// One value per score.
    Leaf(Vec<f64>),
}

/// A node's test of its feature `x` against its threshold `t`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rule {
    Leq,
    Lt,
    Gte,
    Gt,
}

impl Rule {
    fn parse(mode: &str) -> Option<Rule> {
        Some(match mode {
            "BRANCH_LEQ" => Rule::Leq,
            "BRANCH_LT" => Rule::Lt,
            "BRANCH_GTE" => Rule::Gte,
            "BRANCH_GT" => Rule::Gt,
            _ => return None,
        })
    }

    /// ONNX Runtime compares in float32; a dequantized feature is exact
    /// there, so this is the decision the runtime makes.
    pub fn holds(self, x: f32, t: f32) -> bool {
        match self {
            Rule::Leq => x <= t,
            Rule::Lt => x < t,
            Rule::Gte => x >= t,
            Rule::Gt => x > t,
        }
    }
}

impl Tree {
    pub fn leaf(&self, x: &[f32]) -> &[f64] {
        let mut i = 0;
        loop {
            match &self.nodes[i] {
                TreeNode::Branch {
                    feature,
                    threshold,
                    rule,
                    yes,
                    no,
                } => i = if rule.holds(x[*feature], *threshold) { *yes } else { *no },
                TreeNode::Leaf(v) => return v,
            }
        }
    }

    /// Branches on the longest path from the root.
    pub fn depth(&self) -> usize {
        fn at(t: &Tree, i: usize) -> usize {
            match &t.nodes[i] {
                TreeNode::Branch { yes, no, .. } => 1 + at(t, *yes).max(at(t, *no)),
                TreeNode::Leaf(_) => 0,
            }
        }
        at(self, 0)
    }
}

impl Classic {
    /// Feature `j` of value `v` as the model's body reads it, after the
    /// scaler and binarizer.
    pub fn prepare(&self, j: usize, v: f32) -> f32 {
        let v = match &self.scaler {
            Some(s) => ((v as f64 - s.offset[j]) * s.scale[j]) as f32,
            None => v,
        };
        match self.binarizer {
            Some(t) => f32::from(u8::from(v > t)),
            None => v,
        }
    }

    pub fn scores(&self, x: &[f32]) -> Vec<f64> {
        let normalized = self.normalizer.map(|n| n.apply(x));
        let x = normalized.as_deref().unwrap_or(x);
        let x: Vec<f32> = x.iter().enumerate().map(|(j, &v)| self.prepare(j, v)).collect();
        match &self.body {
            Body::Linear { coef, intercept } => coef
                .iter()
                .zip(intercept)
                .map(|(row, b)| row.iter().zip(&x).map(|(w, &v)| w * v as f64).sum::<f64>() + b)
                .collect(),
            Body::Trees { trees, targets } => {
                let mut sum = vec![0f64; *targets];
                for t in trees {
                    sum.iter_mut().zip(t.leaf(&x)).for_each(|(s, v)| *s += v);
                }
                sum
            }
        }
    }

    /// How many scores the model gives.
    pub fn targets(&self) -> usize {
        match &self.body {
            Body::Linear { intercept, .. } => intercept.len(),
            Body::Trees { targets, .. } => *targets,
        }
    }

    /// The label for `scores`, by [`Task`]; `None` for a regressor.
    pub fn label(&self, scores: &[f64]) -> Option<usize> {
        match self.task {
            Task::Regression => None,
            Task::Binary { column, cut } => Some(usize::from(scores[column] > cut)),
            Task::Multiclass => Some(first_max(scores)),
        }
    }
}

/// The index of the first largest value (later equal values lose).
pub fn first_max<T: PartialOrd + Copy>(v: &[T]) -> usize {
    let mut best = 0;
    for (i, x) in v.iter().enumerate() {
        if *x > v[best] {
            best = i;
        }
    }
    best
}

/// The classic model in `model`, if it holds one: the nodes before the
/// model node may only cast or scale the input, the nodes after it only
/// reshape its outputs (probabilities into maps, labels into other types),
/// which change no label.
pub fn read(model: &OnnxModel) -> Result<Classic, OnnxError> {
    let [_, features] = model.input_shape.as_slice() else {
        return Err(OnnxError::Model(format!(
            "input shape {:?}; a tabular model reads rows [n, features]",
            model.input_shape
        )));
    };
    let features = *features;
    let mut current = model.input.clone();
    let mut normalizer = None;
    let mut scaler = None;
    let mut binarizer = None;
    let mut nodes = model.nodes.iter();
    let main = loop {
        let Some(n) = nodes.next() else {
            return Err(OnnxError::Model("no linear model or tree ensemble in the graph".into()));
        };
        if n.inputs.first() != Some(&current) {
            return Err(OnnxError::node(
                n,
                format!("reads `{:?}`, not the chain's `{current}`", n.inputs),
            ));
        }
        match n.op.as_str() {
            "Cast" | "Identity" => {}
            "ai.onnx.ml.Scaler" if scaler.is_none() && binarizer.is_none() => scaler = Some(read_scaler(n, features)?),
            "ai.onnx.ml.Binarizer" if binarizer.is_none() => {
                let t = n.float("threshold", 0.0)?;
                finite(n, "threshold", &[t])?;
                binarizer = Some(t);
            }
            op if MODELS.contains(&op) => break n,
            "ai.onnx.ml.Normalizer" if normalizer.is_none() && scaler.is_none() && binarizer.is_none() => {
                only_known(n, &["norm"])?;
                normalizer = Some(Norm::parse(n)?);
            }
            "ai.onnx.ml.Normalizer" => {
                return Err(OnnxError::node(
                    n,
                    "a Normalizer is supported as the first step before the model (it reads the raw features), once",
                ))
            }
            _ => return Err(OnnxError::node(n, "not supported before a classic model")),
        }
        current = n.outputs.first().cloned().unwrap_or_default();
    };
    let (body, task) = match main.op.as_str() {
        "ai.onnx.ml.LinearClassifier" => linear_classifier(main, features)?,
        "ai.onnx.ml.LinearRegressor" => linear_regressor(main, features)?,
        "ai.onnx.ml.TreeEnsembleClassifier" => trees(main, features, true)?,
        _ => trees(main, features, false)?,
    };
    let body = match body {
        Body::Linear { coef, intercept } if binarizer.is_some() => stumps(&coef, &intercept, features),
        body => body,
    };
    check_after(model, main, nodes.as_slice())?;
    let logit = is_logit(main, features, &task)?;
    Ok(Classic {
        features,
        normalizer,
        scaler,
        binarizer,
        body,
        task,
        logit,
        node: main.name.clone(),
        op: main.op.clone(),
    })
}

/// A linear model over binarized features as a forest of one-branch
/// trees: feature `j`'s term `coef[c][j] * b[j]`, with `b[j]` 0 or 1, is a
/// stump whose leaves are 0 and `coef[c][j]`, and the intercepts join the
/// first stump's leaves. The sum is the linear model's, and each stump's
/// test folds the scaler and binarizer into its integer threshold as any
/// tree's does, so every decision on a quantized row is exact.
fn stumps(coef: &[Vec<f64>], intercept: &[f64], features: usize) -> Body {
    let column = |j: usize| coef.iter().map(|row| row[j]).collect::<Vec<f64>>();
    let with_intercept = |j: usize, v: Vec<f64>| match j {
        0 => v.iter().zip(intercept).map(|(a, b)| a + b).collect(),
        _ => v,
    };
    let stump = |j: usize| Tree {
        nodes: vec![
            TreeNode::Branch {
                feature: j,
                // A binarized feature is 0 or 1: at most one half is 0.
                threshold: 0.5,
                rule: Rule::Leq,
                yes: 1,
                no: 2,
            },
            TreeNode::Leaf(with_intercept(j, vec![0.0; intercept.len()])),
            TreeNode::Leaf(with_intercept(j, column(j))),
        ],
    };
    let mut trees: Vec<Tree> = (0..features).map(stump).collect();
    if trees.is_empty() {
        trees.push(Tree {
            nodes: vec![TreeNode::Leaf(intercept.to_vec())],
        });
    }
    Body::Trees {
        trees,
        targets: intercept.len(),
    }
}

/// Whether the one score a binary classifier keeps is the logit its ONNX
/// probability is the sigmoid of: a LOGISTIC post_transform on one score
/// (one coefficient row, or skl2onnx's two opposite rows; trees voting for
/// one class) compared with 0.
fn is_logit(n: &Node, features: usize, task: &Task) -> Result<bool, OnnxError> {
    let binary_at_zero = matches!(task, Task::Binary { cut, .. } if *cut == 0.0);
    if !binary_at_zero || n.string("post_transform")?.as_deref() != Some("LOGISTIC") {
        return Ok(false);
    }
    if n.op == "ai.onnx.ml.LinearClassifier" {
        let coef = n.floats("coefficients")?.unwrap_or_default();
        let intercept = n.floats("intercepts")?.unwrap_or_default();
        let rows: Vec<&[f32]> = coef.chunks(features.max(1)).collect();
        return Ok(match rows.as_slice() {
            [_] => true,
            [a, b] => {
                a.iter().zip(b.iter()).all(|(x, y)| *x == -y) && intercept.len() == 2 && intercept[0] == -intercept[1]
            }
            _ => false,
        });
    }
    let mut voted = n.ints("class_ids")?.unwrap_or_default();
    voted.sort_unstable();
    voted.dedup();
    Ok(voted.len() == 1)
}

/// The classic models' operators: a file holding one is imported by
/// [`super`], not as a network.
pub const MODELS: [&str; 4] = [
    "ai.onnx.ml.LinearClassifier",
    "ai.onnx.ml.LinearRegressor",
    "ai.onnx.ml.TreeEnsembleClassifier",
    "ai.onnx.ml.TreeEnsembleRegressor",
];

/// Nodes after the model only convert its outputs: they must read only
/// the model's or each other's outputs, and be of a kind that changes no
/// label or score order.
fn check_after(model: &OnnxModel, main: &Node, rest: &[Node]) -> Result<(), OnnxError> {
    const AFTER: [&str; 5] = [
        "ai.onnx.ml.ZipMap",
        "ai.onnx.ml.Normalizer",
        "Cast",
        "Identity",
        "ArgMax",
    ];
    let mut made: Vec<&String> = main.outputs.iter().collect();
    for n in rest {
        let positive_factor = n.op == "Mul" && n.inputs.iter().any(|i| is_positive_scalar(model, i));
        if !AFTER.contains(&n.op.as_str()) && !positive_factor {
            return Err(OnnxError::node(n, "not supported after a classic model"));
        }
        let mut data = n.inputs.iter().filter(|i| !model.consts.contains_key(*i));
        if let Some(i) = data.find(|i| !made.contains(i)) {
            return Err(OnnxError::node(
                n,
                format!("reads `{i}`, which the model does not make"),
            ));
        }
        made.extend(&n.outputs);
    }
    match model.outputs.iter().find(|o| !made.contains(o)) {
        Some(o) => Err(OnnxError::Model(format!(
            "graph output `{o}` does not come from the model"
        ))),
        None => Ok(()),
    }
}

/// A constant scalar above zero: multiplying by it keeps every order
/// (LightGBM's converter scales its probabilities by 1).
fn is_positive_scalar(model: &OnnxModel, name: &str) -> bool {
    match model.consts.get(name).map(|c| &c.values) {
        Some(Values::F32(v)) => matches!(v.as_slice(), [x] if *x > 0.0),
        _ => false,
    }
}

fn read_scaler(n: &Node, features: usize) -> Result<Scaler, OnnxError> {
    let per_feature = |name: &str, default: f32| -> Result<Vec<f64>, OnnxError> {
        let v = n.floats(name)?.unwrap_or_else(|| vec![default]);
        finite(n, name, &v)?;
        match v.len() {
            1 => Ok(vec![v[0] as f64; features]),
            k if k == features => Ok(v.iter().map(|&x| x as f64).collect()),
            k => Err(OnnxError::node(
                n,
                format!("`{name}` has {k} values for {features} features"),
            )),
        }
    };
    Ok(Scaler {
        offset: per_feature("offset", 0.0)?,
        scale: per_feature("scale", 1.0)?,
    })
}

fn finite(n: &Node, name: &str, v: &[f32]) -> Result<(), OnnxError> {
    match v.iter().position(|x| !x.is_finite()) {
        Some(i) => Err(OnnxError::node(n, format!("`{name}[{i}]` is {}", v[i]))),
        None => Ok(()),
    }
}

fn required<T>(n: &Node, name: &str, v: Option<T>) -> Result<T, OnnxError> {
    v.ok_or_else(|| OnnxError::node(n, format!("missing attribute `{name}`")))
}

/// Refuses attributes a reading ignores: a model that set them would
/// compute something else.
fn only_known(n: &Node, known: &[&str]) -> Result<(), OnnxError> {
    match n.attr_names().find(|a| !known.contains(a)) {
        Some(a) if a.ends_with("_as_tensor") => Err(OnnxError::node(
            n,
            format!("attribute `{a}` (double precision) is not supported; export with float32 attributes"),
        )),
        Some(a) => Err(OnnxError::node(n, format!("attribute `{a}` is not supported"))),
        None => Ok(()),
    }
}

/// The number of classes from `classlabels_ints` or `classlabels_strings`.
fn class_count(n: &Node) -> Result<usize, OnnxError> {
    let ints = n.ints("classlabels_ints")?.or(n.ints("classlabels_int64s")?);
    let strings = n.strings("classlabels_strings")?;
    match (ints, strings) {
        (Some(v), None) if v.len() >= 2 => Ok(v.len()),
        (None, Some(v)) if v.len() >= 2 => Ok(v.len()),
        (None, None) => Err(OnnxError::node(n, "no class labels")),
        _ => Err(OnnxError::node(n, "needs one list of at least two class labels")),
    }
}

fn matrix(n: &Node, coef: &[f32], rows: usize, features: usize) -> Result<Vec<Vec<f64>>, OnnxError> {
    if rows == 0 || coef.len() != rows * features {
        return Err(OnnxError::node(
            n,
            format!("{} coefficients for {rows} targets of {features} features", coef.len()),
        ));
    }
    Ok(coef
        .chunks(features)
        .map(|r| r.iter().map(|&v| v as f64).collect())
        .collect())
}

fn linear_classifier(n: &Node, features: usize) -> Result<(Body, Task), OnnxError> {
    only_known(
        n,
        &[
            "coefficients",
            "intercepts",
            "classlabels_ints",
            "classlabels_strings",
            "multi_class",
            "post_transform",
        ],
    )?;
    let classes = class_count(n)?;
    let coef = required(n, "coefficients", n.floats("coefficients")?)?;
    finite(n, "coefficients", &coef)?;
    let rows = coef.len() / features.max(1);
    let intercept = n.floats("intercepts")?.unwrap_or_else(|| vec![0.0; rows]);
    finite(n, "intercepts", &intercept)?;
    if intercept.len() != rows {
        return Err(OnnxError::node(
            n,
            format!("{} intercepts for {rows} targets", intercept.len()),
        ));
    }
    // One score: class 1 when it is positive (ONNX Runtime's rule, whatever
    // the post transform); otherwise one score per class.
    let task = match (rows, classes) {
        (1, 2) | (2, 2) => Task::Binary { column: 0, cut: 0.0 },
        (r, c) if r == c => Task::Multiclass,
        (r, c) => return Err(OnnxError::node(n, format!("{r} score rows for {c} classes"))),
    };
    let coef = matrix(n, &coef, rows, features)?;
    let intercept: Vec<f64> = intercept.iter().map(|&v| v as f64).collect();
    let (coef, intercept) = match rows {
        2 => one_binary_score(coef, intercept),
        _ => (coef, intercept),
    };
    Ok((Body::Linear { coef, intercept }, task))
}

/// Two classes scored by two rows: class 1 exactly when its score is the
/// larger (a tie goes to class 0, the first largest), that is when
/// `s1 - s0 > 0`, so one row does. When the rows are opposite, as
/// skl2onnx writes a binary logistic regression, row 1 alone is that
/// score halved, and it is the logit the user knows.
fn one_binary_score(coef: Vec<Vec<f64>>, intercept: Vec<f64>) -> (Vec<Vec<f64>>, Vec<f64>) {
    let opposite = coef[0].iter().zip(&coef[1]).all(|(a, b)| *a == -b) && intercept[0] == -intercept[1];
    let row: Vec<f64> = match opposite {
        true => coef[1].clone(),
        false => coef[1].iter().zip(&coef[0]).map(|(b, a)| b - a).collect(),
    };
    let bias = if opposite {
        intercept[1]
    } else {
        intercept[1] - intercept[0]
    };
    (vec![row], vec![bias])
}

fn linear_regressor(n: &Node, features: usize) -> Result<(Body, Task), OnnxError> {
    only_known(n, &["coefficients", "intercepts", "targets", "post_transform"])?;
    no_transform(n)?;
    let targets = usize::try_from(n.int("targets", 1)?).map_err(|_| OnnxError::node(n, "negative `targets`"))?;
    let coef = required(n, "coefficients", n.floats("coefficients")?)?;
    finite(n, "coefficients", &coef)?;
    let intercept = n.floats("intercepts")?.unwrap_or_else(|| vec![0.0; targets]);
    finite(n, "intercepts", &intercept)?;
    if intercept.len() != targets {
        return Err(OnnxError::node(
            n,
            format!("{} intercepts for {targets} targets", intercept.len()),
        ));
    }
    Ok((
        Body::Linear {
            coef: matrix(n, &coef, targets, features)?,
            intercept: intercept.iter().map(|&v| v as f64).collect(),
        },
        Task::Regression,
    ))
}

/// A regressor's scores are its prediction: a transform after them would
/// be left out of the circuit, so only `NONE` is accepted.
fn no_transform(n: &Node) -> Result<(), OnnxError> {
    match n.string("post_transform")?.as_deref() {
        None | Some("NONE") => Ok(()),
        Some(t) => Err(OnnxError::node(
            n,
            format!("post_transform `{t}` on a regressor; only NONE is supported"),
        )),
    }
}

/// The attribute names of a tree ensemble's votes: `class_*` or `target_*`.
struct Votes {
    prefix: &'static str,
}

impl Votes {
    fn ints(&self, n: &Node, what: &str) -> Result<Vec<i64>, OnnxError> {
        let name = format!("{}_{what}", self.prefix);
        required(n, &name, n.ints(&name)?)
    }
}

fn trees(n: &Node, features: usize, classifier: bool) -> Result<(Body, Task), OnnxError> {
    let votes = Votes {
        prefix: if classifier { "class" } else { "target" },
    };
    let mut known = vec![
        "nodes_treeids",
        "nodes_nodeids",
        "nodes_featureids",
        "nodes_modes",
        "nodes_values",
        "nodes_truenodeids",
        "nodes_falsenodeids",
        "nodes_missing_value_tracks_true",
        "nodes_hitrates",
        "base_values",
        "post_transform",
    ];
    if classifier {
        known.extend([
            "class_treeids",
            "class_nodeids",
            "class_ids",
            "class_weights",
            "classlabels_int64s",
            "classlabels_strings",
        ]);
    } else {
        known.extend([
            "target_treeids",
            "target_nodeids",
            "target_ids",
            "target_weights",
            "n_targets",
            "aggregate_function",
        ]);
        no_transform(n)?;
    }
    only_known(n, &known)?;
    let targets = if classifier {
        class_count(n)?
    } else {
        usize::try_from(n.int("n_targets", 1)?)
            .ok()
            .filter(|&t| t >= 1)
            .ok_or_else(|| OnnxError::node(n, "`n_targets` must be at least 1"))?
    };
    let ids = votes.ints(n, "ids")?;
    let weights = required(
        n,
        &format!("{}_weights", votes.prefix),
        n.floats(&format!("{}_weights", votes.prefix))?,
    )?;
    finite(n, "weights", &weights)?;
    let mut trees = structure(n, features)?;
    let columns: Vec<usize> = ids
        .iter()
        .map(|&c| usize::try_from(c).ok().filter(|&c| c < targets))
        .collect::<Option<_>>()
        .ok_or_else(|| OnnxError::node(n, format!("a vote for a class or target outside 0..{targets}")))?;
    add_votes(n, &mut trees, &votes, &columns, &weights, targets)?;
    let base = n.floats("base_values")?.unwrap_or_default();
    finite(n, "base_values", &base)?;
    let average = match n.string("aggregate_function")?.as_deref() {
        None | Some("SUM") => false,
        Some("AVERAGE") => true,
        Some(f) => {
            return Err(OnnxError::node(
                n,
                format!("aggregate_function `{f}`; SUM and AVERAGE are supported"),
            ))
        }
    };
    let task = if classifier {
        classifier_task(n, &columns, &weights, &base, targets)?
    } else {
        Task::Regression
    };
    fold_base(n, &mut trees, &base, targets, average, &task)?;
    Ok((
        Body::Trees {
            trees: trees.into_values().collect(),
            targets,
        },
        task,
    ))
}

/// ONNX Runtime's label rule for a classifier: with two classes and votes
/// for one of them, that score against 0.5 (all votes non-negative, as
/// probabilities) or 0; with two classes both voted, class 1's score
/// against 0; otherwise the first largest score.
fn classifier_task(
    n: &Node,
    columns: &[usize],
    weights: &[f32],
    base: &[f32],
    classes: usize,
) -> Result<Task, OnnxError> {
    let mut voted: Vec<usize> = columns.to_vec();
    voted.sort_unstable();
    voted.dedup();
    if classes > 2 {
        return Ok(Task::Multiclass);
    }
    match voted.as_slice() {
        [one] => {
            if base.len() == 2 {
                return Err(OnnxError::node(
                    n,
                    "two base values for a binary classifier voting for one class; ONNX leaves that case open",
                ));
            }
            let cut = if weights.iter().all(|&w| w >= 0.0) { 0.5 } else { 0.0 };
            Ok(Task::Binary { column: *one, cut })
        }
        _ => {
            if base.iter().any(|&b| b != 0.0) {
                return Err(OnnxError::node(
                    n,
                    "base values for a binary classifier voting for both classes; ONNX leaves that case open",
                ));
            }
            Ok(Task::Binary { column: 1, cut: 0.0 })
        }
    }
}

/// Averaging divides every leaf by the number of trees; base values are
/// added to the first tree's leaves (every path passes one leaf of it).
fn fold_base(
    n: &Node,
    trees: &mut Trees,
    base: &[f32],
    targets: usize,
    average: bool,
    task: &Task,
) -> Result<(), OnnxError> {
    let count = trees.len() as f64;
    let add: Vec<f64> = match (base.len(), task) {
        (0, _) => vec![0.0; targets],
        (1, Task::Binary { column, .. }) => (0..targets)
            .map(|c| if c == *column { base[0] as f64 } else { 0.0 })
            .collect(),
        (k, _) if k == targets => base.iter().map(|&b| b as f64).collect(),
        (k, _) => return Err(OnnxError::node(n, format!("{k} base values for {targets} scores"))),
    };
    for (i, tree) in trees.values_mut().enumerate() {
        for node in &mut tree.nodes {
            if let TreeNode::Leaf(v) = node {
                for (c, x) in v.iter_mut().enumerate() {
                    if average {
                        *x /= count;
                    }
                    if i == 0 {
                        *x += add[c];
                    }
                }
            }
        }
    }
    Ok(())
}

type Trees = std::collections::BTreeMap<i64, Tree>;

/// The trees' branches and leaves (leaves without values yet), each tree
/// checked to be one: node ids `0..n`, every node reached exactly once
/// from node 0, no deeper than [`MAX_DEPTH`].
fn structure(n: &Node, features: usize) -> Result<Trees, OnnxError> {
    let tree_ids = required(n, "nodes_treeids", n.ints("nodes_treeids")?)?;
    let node_ids = required(n, "nodes_nodeids", n.ints("nodes_nodeids")?)?;
    let feature_ids = required(n, "nodes_featureids", n.ints("nodes_featureids")?)?;
    let modes = required(n, "nodes_modes", n.strings("nodes_modes")?)?;
    let values = required(n, "nodes_values", n.floats("nodes_values")?)?;
    let yes = required(n, "nodes_truenodeids", n.ints("nodes_truenodeids")?)?;
    let no = required(n, "nodes_falsenodeids", n.ints("nodes_falsenodeids")?)?;
    let len = tree_ids.len();
    if [
        node_ids.len(),
        feature_ids.len(),
        modes.len(),
        values.len(),
        yes.len(),
        no.len(),
    ]
    .iter()
    .any(|&l| l != len)
        || len == 0
    {
        return Err(OnnxError::node(n, "the nodes_* lists differ in length (or are empty)"));
    }
    let mut slots: HashMap<i64, Vec<Option<TreeNode>>> = HashMap::new();
    let index = |t: i64, id: i64, count: usize| -> Result<usize, OnnxError> {
        usize::try_from(id)
            .ok()
            .filter(|&i| i < count)
            .ok_or_else(|| OnnxError::node(n, format!("tree {t}: node id {id} outside 0..{count}")))
    };
    let mut counts: HashMap<i64, usize> = HashMap::new();
    for &t in &tree_ids {
        *counts.entry(t).or_default() += 1;
    }
    for k in 0..len {
        let (t, count) = (tree_ids[k], counts[&tree_ids[k]]);
        let slot = slots.entry(t).or_insert_with(|| vec![None; count]);
        let at = index(t, node_ids[k], count)?;
        if slot[at].is_some() {
            return Err(OnnxError::node(n, format!("tree {t}: node {at} given twice")));
        }
        slot[at] = Some(if modes[k] == "LEAF" {
            TreeNode::Leaf(Vec::new())
        } else {
            let rule = Rule::parse(&modes[k]).ok_or_else(|| {
                OnnxError::node(n, format!("tree {t} node {at}: mode `{}` is not supported", modes[k]))
            })?;
            if !values[k].is_finite() {
                return Err(OnnxError::node(
                    n,
                    format!("tree {t} node {at}: threshold {}", values[k]),
                ));
            }
            let feature = usize::try_from(feature_ids[k])
                .ok()
                .filter(|&f| f < features)
                .ok_or_else(|| {
                    OnnxError::node(
                        n,
                        format!("tree {t} node {at}: feature {} of {features}", feature_ids[k]),
                    )
                })?;
            TreeNode::Branch {
                feature,
                threshold: values[k],
                rule,
                yes: index(t, yes[k], count)?,
                no: index(t, no[k], count)?,
            }
        });
    }
    let mut trees = Trees::new();
    for (t, slot) in slots {
        let tree = Tree {
            nodes: slot
                .into_iter()
                .map(|s| s.expect("every id in 0..count given once"))
                .collect(),
        };
        check_shape(n, t, &tree)?;
        trees.insert(t, tree);
    }
    Ok(trees)
}

/// Every node reached once from the root (so no cycle, no stray node),
/// within [`MAX_DEPTH`].
fn check_shape(n: &Node, t: i64, tree: &Tree) -> Result<(), OnnxError> {
    let mut seen = vec![false; tree.nodes.len()];
    let mut stack = vec![(0usize, 0usize)];
    while let Some((i, depth)) = stack.pop() {
        if seen[i] {
            return Err(OnnxError::node(n, format!("tree {t}: node {i} is reached twice")));
        }
        seen[i] = true;
        if let TreeNode::Branch { yes, no, .. } = tree.nodes[i] {
            if depth >= MAX_DEPTH {
                return Err(OnnxError::node(
                    n,
                    format!("tree {t} is deeper than {MAX_DEPTH}, the deepest supported"),
                ));
            }
            stack.push((yes, depth + 1));
            stack.push((no, depth + 1));
        }
    }
    match seen.iter().position(|s| !s) {
        Some(i) => Err(OnnxError::node(
            n,
            format!("tree {t}: node {i} is not reached from node 0"),
        )),
        None => Ok(()),
    }
}

/// Adds each vote to its leaf's value for its class or target.
fn add_votes(
    n: &Node,
    trees: &mut Trees,
    votes: &Votes,
    columns: &[usize],
    weights: &[f32],
    targets: usize,
) -> Result<(), OnnxError> {
    let tree_ids = votes.ints(n, "treeids")?;
    let node_ids = votes.ints(n, "nodeids")?;
    if tree_ids.len() != columns.len() || node_ids.len() != columns.len() || weights.len() != columns.len() {
        return Err(OnnxError::node(
            n,
            format!("the {}_* lists differ in length", votes.prefix),
        ));
    }
    for tree in trees.values_mut() {
        for node in &mut tree.nodes {
            if let TreeNode::Leaf(v) = node {
                *v = vec![0.0; targets];
            }
        }
    }
    for k in 0..columns.len() {
        let (t, id) = (tree_ids[k], node_ids[k]);
        let leaf = trees
            .get_mut(&t)
            .and_then(|tree| usize::try_from(id).ok().and_then(|i| tree.nodes.get_mut(i)));
        match leaf {
            Some(TreeNode::Leaf(v)) => v[columns[k]] += weights[k] as f64,
            _ => {
                return Err(OnnxError::node(
                    n,
                    format!("a vote for tree {t} node {id}, which is no leaf"),
                ))
            }
        }
    }
    Ok(())
}
