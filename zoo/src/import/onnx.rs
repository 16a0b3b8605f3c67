//! The parts of an ONNX file the importer reads: nodes, constant tensors
//! (initializers and `Constant` nodes), the one input and the one output.
//! Decoding is tract-onnx's; this module only checks and collects.

use super::error::OnnxError;
use std::collections::HashMap;
use tract_onnx::pb::{self, attribute_proto::AttributeType, tensor_proto::DataType};
use tract_onnx::prelude::Framework;

/// Opsets of the default domain the operator table was checked against.
pub const OPSETS: std::ops::RangeInclusive<i64> = 7..=22;
/// Largest constant tensor accepted (elements): far beyond the models a
/// circuit can hold, small enough that a corrupt size cannot exhaust memory.
const MAX_ELEMENTS: usize = 1 << 24;

/// A parsed model, validated as far as the file alone allows.
pub struct OnnxModel {
    pub proto: pb::ModelProto,
    pub nodes: Vec<Node>,
    pub consts: HashMap<String, Const>,
    pub input: String,
    /// The input's shape, a dynamic batch axis fixed to 1.
    pub input_shape: Vec<usize>,
    /// The graph's outputs, in order.
    pub outputs: Vec<String>,
    pub notes: Vec<String>,
}

/// One node: its name (or a made-up one when the file has none), operator
/// and tensors.
#[derive(Clone, Debug)]
pub struct Node {
    pub name: String,
    pub op: String,
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
    pub attrs: Vec<pb::AttributeProto>,
}

/// A constant tensor's values.
#[derive(Clone, Debug, PartialEq)]
pub enum Values {
    F32(Vec<f32>),
    I64(Vec<i64>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Const {
    pub dims: Vec<usize>,
    pub values: Values,
}

/// Decodes and checks an ONNX file's bytes.
pub fn read(bytes: &[u8]) -> Result<OnnxModel, OnnxError> {
    let proto = tract_onnx::onnx()
        .proto_model_for_read(&mut &bytes[..])
        .map_err(|e| OnnxError::Parse(format!("{e:#}")))?;
    check_opset(&proto)?;
    let graph = proto
        .graph
        .as_ref()
        .ok_or_else(|| OnnxError::Model("the file holds no graph".into()))?;
    let mut consts = HashMap::new();
    for t in &graph.initializer {
        consts.insert(t.name.clone(), tensor(t)?);
    }
    let nodes: Vec<Node> = graph.node.iter().enumerate().map(|(i, n)| node(i, n)).collect();
    for n in &nodes {
        if n.op == "Constant" {
            consts.insert(n.outputs.first().cloned().unwrap_or_default(), constant(n)?);
        }
    }
    let mut notes = Vec::new();
    let (input, input_shape) = input(graph, &consts, &mut notes)?;
    if graph.output.is_empty() {
        return Err(OnnxError::Model("the graph has no output".into()));
    }
    let outputs = graph.output.iter().map(|o| o.name.clone()).collect();
    Ok(OnnxModel {
        proto,
        nodes,
        consts,
        input,
        input_shape,
        outputs,
        notes,
    })
}

fn check_opset(proto: &pb::ModelProto) -> Result<(), OnnxError> {
    for set in &proto.opset_import {
        let default = set.domain.is_empty() || set.domain == "ai.onnx";
        if default && !OPSETS.contains(&set.version) {
            return Err(OnnxError::Model(format!(
                "opset {} of the default domain; supported are {}..={}",
                set.version,
                OPSETS.start(),
                OPSETS.end()
            )));
        }
    }
    Ok(())
}

fn node(i: usize, n: &pb::NodeProto) -> Node {
    let name = if n.name.is_empty() {
        format!("#{i}")
    } else {
        n.name.clone()
    };
    let op = match n.domain.as_str() {
        "" | "ai.onnx" => n.op_type.clone(),
        domain => format!("{domain}.{}", n.op_type),
    };
    Node {
        name,
        op,
        inputs: n.input.clone(),
        outputs: n.output.clone(),
        attrs: n.attribute.clone(),
    }
}

/// The graph's one data input (initializers listed as inputs by older
/// exporters are skipped) and its static shape.
fn input(
    graph: &pb::GraphProto,
    consts: &HashMap<String, Const>,
    notes: &mut Vec<String>,
) -> Result<(String, Vec<usize>), OnnxError> {
    let data: Vec<&pb::ValueInfoProto> = graph.input.iter().filter(|i| !consts.contains_key(&i.name)).collect();
    let [info] = data.as_slice() else {
        return Err(OnnxError::Model(format!(
            "{} graph inputs; one is supported",
            data.len()
        )));
    };
    let bad = |why: String| OnnxError::Tensor {
        tensor: info.name.clone(),
        why,
    };
    let Some(pb::type_proto::Value::TensorType(t)) = info.r#type.as_ref().and_then(|t| t.value.as_ref()) else {
        return Err(bad("not a tensor".into()));
    };
    if t.elem_type != DataType::Float as i32 {
        return Err(bad(format!("element type {}; float32 is supported", t.elem_type)));
    }
    let dims = t.shape.as_ref().map(|s| s.dim.as_slice()).unwrap_or_default();
    let mut shape = Vec::with_capacity(dims.len());
    for (axis, d) in dims.iter().enumerate() {
        use pb::tensor_shape_proto::dimension::Value;
        match (axis, &d.value) {
            (_, Some(Value::DimValue(v))) if *v > 0 => shape.push(*v as usize),
            (0, _) => {
                notes.push(format!("input `{}`: the dynamic batch axis is fixed to 1", info.name));
                shape.push(1);
            }
            _ => {
                return Err(bad(format!(
                    "axis {axis} has no static size; only the batch axis may be dynamic"
                )))
            }
        }
    }
    if shape.first() != Some(&1) {
        return Err(bad(format!("shape {shape:?}; a batch of one, [1, ...], is supported")));
    }
    if shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .is_none_or(|n| n > MAX_ELEMENTS)
    {
        return Err(bad(format!("shape {shape:?} exceeds {MAX_ELEMENTS} elements")));
    }
    Ok((info.name.clone(), shape))
}

/// A `Constant` node's tensor.
fn constant(n: &Node) -> Result<Const, OnnxError> {
    match n.attrs.as_slice() {
        [a] if a.name == "value" => match &a.t {
            Some(t) => tensor(t),
            None => Err(OnnxError::node(n, "`value` holds no tensor")),
        },
        attrs => {
            let names: Vec<&str> = attrs.iter().map(|a| a.name.as_str()).collect();
            Err(OnnxError::node(
                n,
                format!("attributes {names:?}; only `value` is supported"),
            ))
        }
    }
}

/// A float32 or int64 tensor held in the file (external data is refused).
fn tensor(t: &pb::TensorProto) -> Result<Const, OnnxError> {
    let bad = |why: String| OnnxError::Tensor {
        tensor: t.name.clone(),
        why,
    };
    if t.data_location == Some(pb::tensor_proto::DataLocation::External as i32) {
        return Err(bad("external data is not supported; save the model as one file".into()));
    }
    let mut count: usize = 1;
    let mut dims = Vec::with_capacity(t.dims.len());
    for &d in &t.dims {
        let d = usize::try_from(d).map_err(|_| bad(format!("negative dimension {d}")))?;
        count = count
            .checked_mul(d)
            .filter(|&c| c <= MAX_ELEMENTS)
            .ok_or_else(|| bad(format!("dimensions {:?} exceed {MAX_ELEMENTS} elements", t.dims)))?;
        dims.push(d);
    }
    let raw = &t.raw_data;
    let kind = DataType::try_from(t.data_type);
    let width = match kind {
        Ok(DataType::Float | DataType::Int32) => 4,
        Ok(DataType::Int64) => 8,
        _ => {
            return Err(bad(format!(
                "element type {}; float32, int32 and int64 are supported",
                t.data_type
            )))
        }
    };
    // Raw bytes, when present, must hold exactly the elements the
    // dimensions announce.
    if !raw.is_empty() && raw.len() != width * count {
        return Err(bad(format!("{} bytes for dimensions {:?}", raw.len(), t.dims)));
    }
    let words = |n: usize| {
        raw.chunks_exact(n)
            .map(move |c| c.iter().rev().fold(0u64, |a, &b| (a << 8) | b as u64))
    };
    let values = match kind {
        Ok(DataType::Float) => {
            let v: Vec<f32> = if raw.is_empty() {
                t.float_data.clone()
            } else {
                words(4).map(|w| f32::from_bits(w as u32)).collect()
            };
            if let Some(i) = v.iter().position(|x| !x.is_finite()) {
                return Err(bad(format!("value {i} is {}; weights must be finite", v[i])));
            }
            Values::F32(v)
        }
        // int32 (labels, indices) widened to int64.
        Ok(DataType::Int32) if raw.is_empty() => Values::I64(t.int32_data.iter().map(|&v| v as i64).collect()),
        Ok(DataType::Int32) => Values::I64(words(4).map(|w| w as u32 as i32 as i64).collect()),
        _ if raw.is_empty() => Values::I64(t.int64_data.clone()),
        _ => Values::I64(words(8).map(|w| w as i64).collect()),
    };
    let len = match &values {
        Values::F32(v) => v.len(),
        Values::I64(v) => v.len(),
    };
    if len != count {
        return Err(bad(format!("{len} values for dimensions {:?}", t.dims)));
    }
    Ok(Const { dims, values })
}

/// Attribute lookups by name, typed as the operator table needs them.
impl Node {
    fn attr(&self, name: &str) -> Option<&pb::AttributeProto> {
        self.attrs.iter().find(|a| a.name == name)
    }

    fn typed(&self, name: &str, want: AttributeType) -> Result<Option<&pb::AttributeProto>, OnnxError> {
        match self.attr(name) {
            Some(a) if a.r#type != want as i32 => Err(OnnxError::node(
                self,
                format!("attribute `{name}` has type {}, expected {want:?}", a.r#type),
            )),
            a => Ok(a),
        }
    }

    pub fn int(&self, name: &str, default: i64) -> Result<i64, OnnxError> {
        Ok(self.typed(name, AttributeType::Int)?.map_or(default, |a| a.i))
    }

    pub fn float(&self, name: &str, default: f32) -> Result<f32, OnnxError> {
        Ok(self.typed(name, AttributeType::Float)?.map_or(default, |a| a.f))
    }

    pub fn ints(&self, name: &str) -> Result<Option<Vec<i64>>, OnnxError> {
        Ok(self.typed(name, AttributeType::Ints)?.map(|a| a.ints.clone()))
    }

    pub fn string(&self, name: &str) -> Result<Option<String>, OnnxError> {
        Ok(self
            .typed(name, AttributeType::String)?
            .map(|a| String::from_utf8_lossy(&a.s).into_owned()))
    }

    pub fn floats(&self, name: &str) -> Result<Option<Vec<f32>>, OnnxError> {
        Ok(self.typed(name, AttributeType::Floats)?.map(|a| a.floats.clone()))
    }

    pub fn strings(&self, name: &str) -> Result<Option<Vec<String>>, OnnxError> {
        Ok(self.typed(name, AttributeType::Strings)?.map(|a| {
            a.strings
                .iter()
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect()
        }))
    }

    /// Every attribute's name, for refusing the ones a mapping ignores.
    pub fn attr_names(&self) -> impl Iterator<Item = &str> {
        self.attrs.iter().map(|a| a.name.as_str())
    }
}
