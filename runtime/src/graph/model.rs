//! A validated model: nodes in evaluation order, each with its operator
//! instantiated and its output's shape and bound inferred.
//!
//! Everything a model file can get wrong is found here, before any value
//! is computed: later stages (engine, compiler) index without checking.

use super::axes::check_middle_axis;
use super::error::GraphError;
use super::file::{AttrValue, ModelFile, NodeSpec, Params, Visibility};
use super::fold::fold_batch_norms;
use super::fuse::fuse_requants;
use super::names::check_names;
use super::reads::check_structural_reads;
use super::registry::{self, OpKind};
use crate::bound::Bound;
use crate::op::{DynOp, ParamSource};
use std::collections::HashMap;

/// The most elements a tensor of a model may have: far beyond any model a
/// proof can cover, and small enough that a hostile model file cannot make
/// the engine allocate without bound.
pub const MAX_ELEMENTS: usize = 1 << 24;

/// The widest bound a tensor of a model may have: precision 62, `|x| <=
/// 2^61 - 1`. The engine computes in 64-bit integers, and some operators
/// look one or two bits beyond their inputs (a sign test adds `2^(p-1)`,
/// a comparison of two values needs `p + 1` bits, a rounding shift adds
/// `2^(s-1)`); with every tensor within 62 bits each of them fits, so the
/// engine and the circuit agree on every value a model can hold.
pub const MAX_PRECISION: u32 = 62;

/// What a node is.
pub enum NodeKind {
    /// A model input, supplied at run time.
    Input { visibility: Visibility },
    /// Weights from the parameter file. `structural` when an operator
    /// reads them where it needs a circuit constant (the indices of a
    /// `take`): they choose which values are read, like the graph's own
    /// wiring, so they stay circuit constants even when weights are
    /// committed.
    ///
    /// `public` when the model file declares it `"visibility": "public"`:
    /// part of the architecture (an activation's lookup table, a fixed
    /// rescaling factor) rather than a trained weight, so it is a circuit
    /// constant in every weight mode and never committed.
    Param {
        values: Vec<i64>,
        structural: bool,
        public: bool,
    },
    /// A new shape for the same data (`reshape`, `flatten`): free.
    View,
    /// An operator applied to the node's inputs.
    Op(Box<dyn DynOp>),
}

pub struct Node {
    pub name: String,
    /// The model-file op name (`input`, `param`, `dense`, ...).
    pub op: String,
    pub kind: NodeKind,
    /// Indices of the nodes feeding this one, all earlier in the model.
    pub inputs: Vec<usize>,
    pub shape: Vec<usize>,
    /// Every element of the node's output lies within this bound.
    pub bound: Bound,
}

impl Node {
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl NodeKind {
    /// A parameter that stays a circuit constant even when weights are
    /// committed: structural (read as indices) or declared public.
    pub fn is_fixed_param(&self) -> bool {
        matches!(self, NodeKind::Param { structural, public, .. } if *structural || *public)
    }
}

/// A model ready to run and compile.
pub struct Model {
    pub name: String,
    pub description: String,
    /// In evaluation order: every node after the nodes it reads.
    pub nodes: Vec<Node>,
    pub outputs: Vec<usize>,
    /// Whether the proof carries the outputs packed ([`ModelFile::pack_outputs`]).
    pub pack_outputs: bool,
}

impl Model {
    /// Validates a graph against its parameters and infers every shape and
    /// bound.
    pub fn new(file: &ModelFile, params: &Params) -> Result<Model, GraphError> {
        check_names(file)?;
        check_outputs(file)?;
        if let Some(r) = &file.params {
            let actual = params.sha256_hex();
            if r.sha256 != actual {
                return Err(GraphError::Params(format!(
                    "SHA-256 is {actual}, the model file names {} (weights and graph do not belong together)",
                    r.sha256
                )));
            }
        }
        // Folding multiplies weights together: each must first be what its
        // declaration says, or a folded product could pass for a valid one.
        for spec in file.nodes.iter().filter(|s| s.op == "param") {
            param_values(spec, params)?;
        }
        let (file, params) = &fold_batch_norms(file, params)?;
        // Built as written first, so a mistake is reported on the node the
        // file names; then with each layer fused into the requantization
        // after it, which proves the same values with fewer constraints.
        // A fused operator refuses accumulators too wide to pack (more than
        // 126 bits a digit); the model then stays as written.
        let model = Model::from_folded(file, params)?;
        Ok(fuse_requants(file, params)
            .and_then(|(fused, params)| Model::from_folded(&fused, &params).ok())
            .unwrap_or(model))
    }

    fn from_folded(file: &ModelFile, params: &Params) -> Result<Model, GraphError> {
        let order = evaluation_order(&file.nodes)?;
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut nodes: Vec<Node> = Vec::with_capacity(order.len());
        let mut used_params = 0;
        for &k in &order {
            let spec = &file.nodes[k];
            let inputs: Vec<usize> = spec.inputs.iter().map(|i| index[i.as_str()]).collect();
            let node = match spec.op.as_str() {
                "input" => input_node(spec)?,
                "param" => {
                    used_params += 1;
                    param_node(spec, params)?
                }
                "reshape" | "flatten" => view_node(spec, &nodes, &inputs)?,
                _ => op_node(spec, &nodes, &inputs)?,
            };
            if let NodeKind::Op(op) = &node.kind {
                for (&i, _) in inputs.iter().zip(op.constant_inputs()).filter(|(_, &c)| c) {
                    if let NodeKind::Param { structural, .. } = &mut nodes[i].kind {
                        *structural = true;
                    }
                }
            }
            index.insert(&spec.name, nodes.len());
            nodes.push(Node { inputs, ..node });
        }
        check_structural_reads(&nodes)?;
        if used_params != params.tensors.len() {
            let unused: Vec<&String> = params
                .tensors
                .keys()
                .filter(|n| !file.nodes.iter().any(|s| s.op == "param" && s.name == **n))
                .collect();
            return Err(GraphError::Params(format!(
                "tensors {unused:?} belong to no `param` node"
            )));
        }
        let outputs = file
            .outputs
            .iter()
            .map(|o| {
                index
                    .get(o.as_str())
                    .copied()
                    .ok_or_else(|| GraphError::Format(format!("output `{o}` is not a node")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Model {
            name: file.name.clone(),
            description: file.description.clone(),
            nodes,
            outputs,
            pack_outputs: file.pack_outputs,
        })
    }

    /// The model's inputs, in node order.
    pub fn inputs(&self) -> impl Iterator<Item = (usize, &Node)> {
        self.nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| matches!(n.kind, NodeKind::Input { .. }))
    }

    /// The node called `name`.
    pub fn node(&self, name: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.name == name)
    }

    /// Total number of weights: parameters that are not part of the
    /// architecture (public or structural ones are not).
    pub fn num_params(&self) -> usize {
        self.nodes
            .iter()
            .map(|n| match &n.kind {
                NodeKind::Param { values, .. } if !n.kind.is_fixed_param() => values.len(),
                _ => 0,
            })
            .sum()
    }
}

/// Orders nodes so each follows its inputs; refuses repeated names,
/// dangling inputs and cycles.
fn evaluation_order(specs: &[NodeSpec]) -> Result<Vec<usize>, GraphError> {
    let mut by_name: HashMap<&str, usize> = HashMap::new();
    for (k, s) in specs.iter().enumerate() {
        if s.name.is_empty() {
            return Err(GraphError::Format(format!("node {k} has an empty name")));
        }
        if by_name.insert(&s.name, k).is_some() {
            return Err(GraphError::node(&s.name, "the name is used by more than one node"));
        }
    }
    let mut waiting: Vec<usize> = vec![0; specs.len()];
    let mut readers: Vec<Vec<usize>> = vec![Vec::new(); specs.len()];
    for (k, s) in specs.iter().enumerate() {
        for i in &s.inputs {
            let Some(&src) = by_name.get(i.as_str()) else {
                return Err(GraphError::node(
                    &s.name,
                    format!("input `{i}` is not a node of the model"),
                ));
            };
            waiting[k] += 1;
            readers[src].push(k);
        }
    }
    let mut ready: Vec<usize> = (0..specs.len()).rev().filter(|&k| waiting[k] == 0).collect();
    let mut order = Vec::with_capacity(specs.len());
    while let Some(k) = ready.pop() {
        order.push(k);
        for &r in readers[k].iter().rev() {
            waiting[r] -= 1;
            if waiting[r] == 0 {
                ready.push(r);
            }
        }
    }
    if let Some(k) = (0..specs.len()).find(|&k| waiting[k] > 0) {
        return Err(GraphError::node(&specs[k].name, "is part of a cycle"));
    }
    Ok(order)
}

/// Refuses a model without outputs or with an output listed twice (the
/// engine returns each output once, the proof would publish it twice).
fn check_outputs(file: &ModelFile) -> Result<(), GraphError> {
    if file.outputs.is_empty() {
        return Err(GraphError::Format("the model names no outputs".into()));
    }
    for (k, o) in file.outputs.iter().enumerate() {
        if file.outputs[..k].contains(o) {
            return Err(GraphError::Format(format!("output `{o}` is listed more than once")));
        }
    }
    Ok(())
}

fn no_inputs(spec: &NodeSpec) -> Result<(), GraphError> {
    if !spec.inputs.is_empty() || !spec.attrs.is_empty() {
        return Err(GraphError::node(
            &spec.name,
            format!("an `{}` node takes no inputs or attributes", spec.op),
        ));
    }
    Ok(())
}

fn declared_shape(spec: &NodeSpec) -> Result<Vec<usize>, GraphError> {
    let shape = spec
        .shape
        .clone()
        .ok_or_else(|| GraphError::node(&spec.name, "needs a `shape`"))?;
    let n = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
    match n {
        Some(n) if n > 0 && n <= MAX_ELEMENTS => Ok(shape),
        _ => Err(GraphError::node(
            &spec.name,
            format!("shape {shape:?} is empty or too large"),
        )),
    }
}

fn input_node(spec: &NodeSpec) -> Result<Node, GraphError> {
    no_inputs(spec)?;
    let bound = match (spec.prec, spec.range) {
        (Some(p), None) if (1..=MAX_PRECISION).contains(&p) => Bound::prec(p),
        (None, Some([lo, hi])) if lo <= hi => Bound::range(lo as i128, hi as i128),
        _ => {
            return Err(GraphError::node(
                &spec.name,
                format!("an input needs either `prec` (1 to {MAX_PRECISION}) or `range` [lo, hi] with lo <= hi"),
            ))
        }
    };
    within_engine(&spec.name, bound)?;
    Ok(Node {
        name: spec.name.clone(),
        op: spec.op.clone(),
        kind: NodeKind::Input {
            visibility: spec.visibility.unwrap_or(Visibility::Private),
        },
        inputs: Vec::new(),
        shape: declared_shape(spec)?,
        bound,
    })
}

/// A parameter's shape, bound and values, each checked against its
/// declaration.
fn param_values<'a>(spec: &NodeSpec, params: &'a Params) -> Result<(Vec<usize>, Bound, &'a Vec<i64>), GraphError> {
    no_inputs(spec)?;
    if spec.range.is_some() || spec.visibility.is_some_and(|v| v != Visibility::Public) {
        return Err(GraphError::node(
            &spec.name,
            "a `param` node takes `shape`, `prec` and `\"visibility\": \"public\"` only",
        ));
    }
    let shape = declared_shape(spec)?;
    let bound = match spec.prec {
        Some(p) if (1..=MAX_PRECISION).contains(&p) => Bound::prec(p),
        _ => {
            return Err(GraphError::node(
                &spec.name,
                format!("a `param` node needs `prec` (1 to {MAX_PRECISION})"),
            ))
        }
    };
    let values = params
        .tensors
        .get(&spec.name)
        .ok_or_else(|| GraphError::node(&spec.name, "the parameter file has no tensor of this name"))?;
    let n: usize = shape.iter().product();
    if values.len() != n {
        return Err(GraphError::node(
            &spec.name,
            format!(
                "shape {shape:?} needs {n} values, the parameter file has {}",
                values.len()
            ),
        ));
    }
    if let Some((i, v)) = values.iter().enumerate().find(|(_, &v)| !bound.contains(v as i128)) {
        return Err(GraphError::node(
            &spec.name,
            format!("value {v} at index {i} is outside the declared {bound}"),
        ));
    }
    Ok((shape, bound, values))
}

fn param_node(spec: &NodeSpec, params: &Params) -> Result<Node, GraphError> {
    let (shape, bound, values) = param_values(spec, params)?;
    Ok(Node {
        name: spec.name.clone(),
        op: spec.op.clone(),
        kind: NodeKind::Param {
            values: values.clone(),
            structural: false,
            public: spec.visibility == Some(Visibility::Public),
        },
        inputs: Vec::new(),
        shape,
        bound,
    })
}

/// Refuses a bound wider than [`MAX_PRECISION`].
fn within_engine(node: &str, bound: Bound) -> Result<(), GraphError> {
    if bound.precision() <= MAX_PRECISION {
        return Ok(());
    }
    Err(GraphError::node(
        node,
        format!(
            "its bound, {bound}, is wider than precision {MAX_PRECISION}, the widest the engine computes \
             (|x| <= 2^{} - 1)",
            MAX_PRECISION - 1
        ),
    ))
}

fn one_input<'a>(spec: &NodeSpec, nodes: &'a [Node], inputs: &[usize]) -> Result<&'a Node, GraphError> {
    match inputs {
        [i] => Ok(&nodes[*i]),
        _ => Err(GraphError::node(
            &spec.name,
            format!("`{}` takes one input, got {}", spec.op, inputs.len()),
        )),
    }
}

fn view_node(spec: &NodeSpec, nodes: &[Node], inputs: &[usize]) -> Result<Node, GraphError> {
    let x = one_input(spec, nodes, inputs)?;
    let n = x.len();
    let allowed: &[&str] = if spec.op == "reshape" { &["shape"] } else { &["axis"] };
    if let Some(k) = spec.attrs.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(GraphError::node(
            &spec.name,
            format!("`{}` has no attribute `{k}`", spec.op),
        ));
    }
    let shape = if spec.op == "reshape" {
        let Some(AttrValue::List(dims)) = spec.attrs.get("shape") else {
            return Err(GraphError::node(
                &spec.name,
                "`reshape` needs `shape`, a list of dimensions",
            ));
        };
        reshaped(dims, n).ok_or_else(|| {
            GraphError::node(
                &spec.name,
                format!("cannot reshape {:?} ({n} elements) to {dims:?}", x.shape),
            )
        })?
    } else {
        let axis = match spec.attrs.get("axis") {
            None => 1,
            Some(AttrValue::Int(a)) if *a >= 0 && (*a as usize) <= x.shape.len() => *a as usize,
            Some(v) => return Err(GraphError::node(&spec.name, format!("`axis` {v:?} is not an axis"))),
        };
        let lead: usize = x.shape[..axis].iter().product();
        vec![lead, n / lead.max(1)]
    };
    Ok(Node {
        name: spec.name.clone(),
        op: spec.op.clone(),
        kind: NodeKind::View,
        inputs: Vec::new(),
        shape,
        bound: x.bound,
    })
}

/// A reshape's target with at most one `-1` resolved.
fn reshaped(dims: &[i64], n: usize) -> Option<Vec<usize>> {
    let known: i64 = dims
        .iter()
        .filter(|&&d| d != -1)
        .try_fold(1i64, |a, &d| if d <= 0 { None } else { a.checked_mul(d) })?;
    let free = dims.iter().filter(|&&d| d == -1).count();
    let out: Vec<usize> = match free {
        0 => dims.iter().map(|&d| d as usize).collect(),
        1 if known > 0 && n as i64 % known == 0 => dims
            .iter()
            .map(|&d| if d == -1 { n / known as usize } else { d as usize })
            .collect(),
        _ => return None,
    };
    (out.iter().product::<usize>() == n).then_some(out)
}

/// A tensor's shape seen with the rank an operator declares: rank 1 sees
/// the flat data, a higher rank gets leading axes of length 1, a lower one
/// folds the leading axes together (a batch of rows for `dense`).
fn adapt(shape: &[usize], rank: usize) -> Vec<usize> {
    use std::cmp::Ordering::*;
    match shape.len().cmp(&rank) {
        Equal => shape.to_vec(),
        _ if rank == 1 => vec![shape.iter().product()],
        Less => std::iter::repeat_n(1, rank - shape.len())
            .chain(shape.iter().copied())
            .collect(),
        Greater => {
            let cut = shape.len() - rank + 1;
            std::iter::once(shape[..cut].iter().product())
                .chain(shape[cut..].iter().copied())
                .collect()
        }
    }
}

fn attr_value(spec: &NodeSpec, kind: &OpKind, name: &str) -> Result<i128, GraphError> {
    if let Some(&(_, v)) = kind.fixed.iter().find(|(n, _)| *n == name) {
        return Ok(v);
    }
    match spec.attrs.get(name) {
        Some(AttrValue::Int(v)) => Ok(*v as i128),
        Some(AttrValue::Bool(b)) => Ok(*b as i128),
        Some(AttrValue::List(_)) => Err(GraphError::node(
            &spec.name,
            format!("attribute `{name}` must be a number"),
        )),
        None => Err(GraphError::node(
            &spec.name,
            format!("`{}` needs attribute `{name}`", spec.op),
        )),
    }
}

fn op_node(spec: &NodeSpec, nodes: &[Node], inputs: &[usize]) -> Result<Node, GraphError> {
    let Some(mut kind) = registry::lookup(&spec.op) else {
        return Err(GraphError::node(&spec.name, format!("unknown op `{}`", spec.op)));
    };
    // A `take` whose indices are parameters selects by constants, for free.
    let param = |k: usize| {
        inputs
            .get(k)
            .is_some_and(|&i| matches!(nodes[i].kind, NodeKind::Param { .. }))
    };
    if kind.name == "take" && param(1) {
        kind = registry::lookup("take_constant").expect("registered");
    }
    if let Some(k) = (0..inputs.len()).find(|&k| kind.constant_inputs.get(k) == Some(&true) && !param(k)) {
        return Err(GraphError::node(
            &spec.name,
            format!(
                "input `{}` of `{}` must be a `param` node (a circuit constant)",
                kind.inputs[k], kind.name
            ),
        ));
    }
    let attrs: Vec<&str> = kind
        .params
        .iter()
        .zip(kind.sources)
        .filter(|(n, s)| **s == ParamSource::Attr && !kind.fixed.iter().any(|(f, _)| f == *n))
        .map(|(n, _)| *n)
        .collect();
    if let Some(k) = spec.attrs.keys().find(|k| !attrs.contains(&k.as_str())) {
        return Err(GraphError::node(
            &spec.name,
            format!("`{}` has no attribute `{k}` (its attributes: {attrs:?})", spec.op),
        ));
    }
    if inputs.len() != kind.inputs.len() {
        return Err(GraphError::node(
            &spec.name,
            format!(
                "`{}` takes {} inputs {:?}, got {}",
                spec.op,
                kind.inputs.len(),
                kind.inputs,
                inputs.len()
            ),
        ));
    }
    if spec.shape.is_some() || spec.prec.is_some() || spec.range.is_some() || spec.visibility.is_some() {
        return Err(GraphError::node(
            &spec.name,
            "an operator's shape and bound are inferred, not declared",
        ));
    }
    let shapes: Vec<Vec<usize>> = inputs
        .iter()
        .zip(kind.input_ranks)
        .map(|(&i, &r)| adapt(&nodes[i].shape, r))
        .collect();
    if let (Some(&x), Some(seen)) = (inputs.first(), shapes.first()) {
        check_middle_axis(&spec.name, kind.name, &nodes[x].name, &nodes[x].shape, seen)?;
    }
    let values = kind
        .params
        .iter()
        .zip(kind.sources)
        .map(|(name, source)| match *source {
            ParamSource::Attr => attr_value(spec, &kind, name),
            ParamSource::Dim { input, axis } => Ok(shapes[input][axis] as i128),
            ParamSource::Prec { input } => Ok(nodes[inputs[input]].bound.precision() as i128),
        })
        .collect::<Result<Vec<i128>, _>>()?;
    let op = (kind.build)(&values).map_err(GraphError::op(&spec.name))?;
    op.check().map_err(GraphError::op(&spec.name))?;
    let want = op.input_shapes().map_err(GraphError::op(&spec.name))?;
    let bounds = op.input_bounds().map_err(GraphError::op(&spec.name))?;
    for (t, &i) in inputs.iter().enumerate() {
        if want[t] != shapes[t] {
            return Err(GraphError::node(
                &spec.name,
                format!(
                    "input `{}` ({}) has shape {:?}, `{}` needs {:?}",
                    kind.inputs[t], nodes[i].name, nodes[i].shape, spec.op, want[t]
                ),
            ));
        }
        let b = nodes[i].bound;
        if b.lo < bounds[t].lo || b.hi > bounds[t].hi {
            return Err(GraphError::node(
                &spec.name,
                format!(
                    "input `{}` ({}) lies in {b}, `{}` accepts only {}",
                    kind.inputs[t], nodes[i].name, spec.op, bounds[t]
                ),
            ));
        }
    }
    if kind.output_ranks.len() != 1 {
        return Err(GraphError::node(
            &spec.name,
            format!("`{}` has several outputs", spec.op),
        ));
    }
    let declared = op.output_shapes().map_err(GraphError::op(&spec.name))?.remove(0);
    let n = declared.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
    if n.is_none_or(|n| n > MAX_ELEMENTS) {
        return Err(GraphError::node(
            &spec.name,
            format!("its output of shape {declared:?} has more than {MAX_ELEMENTS} elements"),
        ));
    }
    let bound = op.output_bounds().map_err(GraphError::op(&spec.name))?[0];
    within_engine(&spec.name, bound)?;
    let shape = output_shape(&nodes[inputs[0]].shape, kind.input_ranks[0], declared);
    Ok(Node {
        name: spec.name.clone(),
        op: spec.op.clone(),
        kind: NodeKind::Op(op),
        inputs: Vec::new(),
        shape,
        bound,
    })
}

/// The output's shape in the model's terms: an elementwise operator keeps
/// its first input's shape; leading axes added by [`adapt`] are removed
/// again.
fn output_shape(first: &[usize], rank: usize, declared: Vec<usize>) -> Vec<usize> {
    let n: usize = declared.iter().product();
    if rank == 1 && declared.len() == 1 && n == first.iter().product::<usize>() {
        return first.to_vec();
    }
    if first.len() < rank && declared.len() == rank {
        let extra = rank - first.len();
        if declared[..extra].iter().all(|&d| d == 1) {
            return declared[extra..].to_vec();
        }
    }
    declared
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adapt_flattens_pads_and_folds() {
        assert_eq!(adapt(&[2, 3, 4], 1), vec![24]);
        assert_eq!(adapt(&[8, 8], 4), vec![1, 1, 8, 8]);
        assert_eq!(adapt(&[2, 3, 4], 2), vec![6, 4]);
        assert_eq!(adapt(&[3, 4], 2), vec![3, 4]);
    }

    #[test]
    fn reshape_resolves_one_free_axis() {
        assert_eq!(reshaped(&[1, -1], 12), Some(vec![1, 12]));
        assert_eq!(reshaped(&[-1, -1], 12), None);
        assert_eq!(reshaped(&[5, -1], 12), None);
        assert_eq!(reshaped(&[0, 12], 12), None);
        assert_eq!(reshaped(&[3, 4], 12), Some(vec![3, 4]));
    }
}
