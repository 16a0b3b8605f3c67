//! Models written in Rust: what tests, examples and the training code use
//! to produce model files.

use super::file::{AttrValue, ModelFile, NodeSpec, Params, ParamsRef, Visibility, FORMAT, VERSION};

impl From<i64> for AttrValue {
    fn from(v: i64) -> AttrValue {
        AttrValue::Int(v)
    }
}

impl From<bool> for AttrValue {
    fn from(v: bool) -> AttrValue {
        AttrValue::Bool(v)
    }
}

impl From<Vec<i64>> for AttrValue {
    fn from(v: Vec<i64>) -> AttrValue {
        AttrValue::List(v)
    }
}

/// Collects nodes and weights into a [`ModelFile`] and its [`Params`].
#[derive(Clone, Debug, Default)]
pub struct ModelBuilder {
    file_nodes: Vec<NodeSpec>,
    params: Params,
    pack_outputs: bool,
}

fn spec(name: &str, op: &str) -> NodeSpec {
    NodeSpec {
        name: name.into(),
        op: op.into(),
        inputs: Vec::new(),
        attrs: Default::default(),
        shape: None,
        prec: None,
        range: None,
        visibility: None,
    }
}

impl ModelBuilder {
    pub fn new() -> ModelBuilder {
        ModelBuilder::default()
    }

    /// A private model input of precision `prec`.
    pub fn input(&mut self, name: &str, shape: &[usize], prec: u32) -> String {
        self.file_nodes.push(NodeSpec {
            shape: Some(shape.to_vec()),
            prec: Some(prec),
            ..spec(name, "input")
        });
        name.into()
    }

    /// A model input within `[lo, hi]`, private or public.
    pub fn input_range(&mut self, name: &str, shape: &[usize], lo: i64, hi: i64, visibility: Visibility) -> String {
        self.file_nodes.push(NodeSpec {
            shape: Some(shape.to_vec()),
            range: Some([lo, hi]),
            visibility: Some(visibility),
            ..spec(name, "input")
        });
        name.into()
    }

    /// Weights of precision `prec`.
    pub fn param(&mut self, name: &str, shape: &[usize], prec: u32, values: Vec<i64>) -> String {
        self.file_nodes.push(NodeSpec {
            shape: Some(shape.to_vec()),
            prec: Some(prec),
            ..spec(name, "param")
        });
        self.params.tensors.insert(name.into(), values);
        name.into()
    }

    /// Values that belong to the architecture rather than the trained
    /// weights: circuit constants in every weight mode, never committed.
    pub fn public_param(&mut self, name: &str, shape: &[usize], prec: u32, values: Vec<i64>) -> String {
        self.param(name, shape, prec, values);
        if let Some(node) = self.file_nodes.last_mut() {
            node.visibility = Some(Visibility::Public);
        }
        name.into()
    }

    /// An operator (or `reshape` / `flatten`) applied to earlier nodes.
    pub fn op(&mut self, name: &str, op: &str, inputs: &[&str], attrs: &[(&str, AttrValue)]) -> String {
        self.file_nodes.push(NodeSpec {
            inputs: inputs.iter().map(|s| s.to_string()).collect(),
            attrs: attrs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
            ..spec(name, op)
        });
        name.into()
    }

    /// Packs the outputs into as few public values as their bounds allow.
    pub fn pack_outputs(&mut self) {
        self.pack_outputs = true;
    }

    /// The model file (naming `<name>.params` beside it) and its weights.
    pub fn finish(self, name: &str, description: &str, outputs: &[&str]) -> (ModelFile, Params) {
        let file = ModelFile {
            format: FORMAT.into(),
            version: VERSION,
            name: name.into(),
            description: description.into(),
            params: (!self.params.tensors.is_empty()).then(|| ParamsRef {
                file: format!("{name}.params"),
                sha256: self.params.sha256_hex(),
            }),
            nodes: self.file_nodes,
            outputs: outputs.iter().map(|s| s.to_string()).collect(),
            pack_outputs: self.pack_outputs,
        };
        (file, self.params)
    }
}
