//! The inference engine: every node's reference implementation on native
//! integers, in evaluation order.

use super::error::GraphError;
use super::model::{Model, NodeKind};
use serde_json::Value;
use std::collections::BTreeMap;

impl Model {
    /// Checks model inputs (one per input node, in node order) against
    /// their declared shapes and bounds.
    pub fn check_inputs(&self, inputs: &[Vec<i64>]) -> Result<(), GraphError> {
        let nodes: Vec<usize> = self.inputs().map(|(at, _)| at).collect();
        self.check_node_values(&nodes, inputs, "inputs")
    }

    /// Checks the values of `nodes` (one tensor per node, in that order)
    /// against their shapes and bounds; `what` names them in the count
    /// error.
    pub fn check_node_values(&self, nodes: &[usize], values: &[Vec<i64>], what: &str) -> Result<(), GraphError> {
        if nodes.len() != values.len() {
            return Err(GraphError::Format(format!(
                "{} {what} are needed, {} were given",
                nodes.len(),
                values.len()
            )));
        }
        for (&at, values) in nodes.iter().zip(values) {
            let node = &self.nodes[at];
            let why = |why: String| GraphError::Input {
                input: node.name.clone(),
                why,
            };
            if values.len() != node.len() {
                return Err(why(format!(
                    "has {} values, its shape {:?} needs {}",
                    values.len(),
                    node.shape,
                    node.len()
                )));
            }
            if let Some((i, v)) = values
                .iter()
                .enumerate()
                .find(|(_, &v)| !node.bound.contains(v as i128))
            {
                return Err(why(format!(
                    "value {v} at index {i} is outside the declared {}",
                    node.bound
                )));
            }
        }
        Ok(())
    }

    /// Every node's value, indexed like [`Model::nodes`].
    pub fn evaluate(&self, inputs: &[Vec<i64>]) -> Result<Vec<Vec<i64>>, GraphError> {
        self.check_inputs(inputs)?;
        let mut given = inputs.iter();
        let mut values: Vec<Vec<i64>> = Vec::with_capacity(self.nodes.len());
        for node in &self.nodes {
            let v = match &node.kind {
                NodeKind::Input { .. } => given.next().expect("counted by check_inputs").clone(),
                NodeKind::Param { values, .. } => values.clone(),
                NodeKind::View => values[node.inputs[0]].clone(),
                NodeKind::Op(op) => {
                    let args: Vec<&[i64]> = node.inputs.iter().map(|&i| values[i].as_slice()).collect();
                    op.reference(&args).map_err(GraphError::op(&node.name))?.swap_remove(0)
                }
            };
            values.push(v);
        }
        Ok(values)
    }

    /// The model's outputs for these inputs.
    pub fn run(&self, inputs: &[Vec<i64>]) -> Result<Vec<Vec<i64>>, GraphError> {
        let mut values = self.evaluate(inputs)?;
        Ok(self.outputs.iter().map(|&o| std::mem::take(&mut values[o])).collect())
    }

    /// Inputs from JSON: an object with one array (nested as the shape,
    /// or flat) per input node.
    pub fn inputs_from_json(&self, text: &str) -> Result<Vec<Vec<i64>>, GraphError> {
        let map = unique_keys(text).map_err(|e| GraphError::InputFile(e.to_string()))?;
        let names: Vec<&str> = self.inputs().map(|(_, n)| n.name.as_str()).collect();
        if let Some(k) = map.keys().find(|k| !names.contains(&k.as_str())) {
            return Err(GraphError::Input {
                input: k.clone(),
                why: format!("is not an input of the model (its inputs: {names:?})"),
            });
        }
        self.inputs()
            .map(|(_, node)| {
                let fail = |why: String| GraphError::Input {
                    input: node.name.clone(),
                    why,
                };
                let v = map
                    .get(&node.name)
                    .ok_or_else(|| fail("is missing from the input file".into()))?;
                let mut flat = Vec::with_capacity(node.len());
                match v {
                    // One flat array of every element, or arrays nested
                    // exactly as the shape is.
                    Value::Array(items) if items.iter().all(Value::is_number) => flatten(v, &[items.len()], &mut flat),
                    _ => flatten(v, &node.shape, &mut flat),
                }
                .map_err(fail)?;
                Ok(flat)
            })
            .collect()
    }

    /// Inputs as JSON, each nested to its shape.
    pub fn inputs_to_json(&self, inputs: &[Vec<i64>]) -> String {
        let map: serde_json::Map<String, Value> = self
            .inputs()
            .zip(inputs)
            .map(|((_, node), values)| (node.name.clone(), nested(&node.shape, values)))
            .collect();
        let mut s = serde_json::to_string(&Value::Object(map)).expect("JSON values serialize");
        s.push('\n');
        s
    }
}

/// A JSON object's fields, refusing a name given twice (serde_json keeps
/// the last one silently).
fn unique_keys(text: &str) -> Result<BTreeMap<String, Value>, serde_json::Error> {
    struct Unique(BTreeMap<String, Value>);
    impl<'de> serde::Deserialize<'de> for Unique {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_map(UniqueVisitor)
        }
    }
    struct UniqueVisitor;
    impl<'de> serde::de::Visitor<'de> for UniqueVisitor {
        type Value = Unique;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object of input names and their values")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Unique, A::Error> {
            let mut map = BTreeMap::new();
            while let Some((k, v)) = a.next_entry::<String, Value>()? {
                if map.contains_key(&k) {
                    return Err(serde::de::Error::custom(format!("`{k}` is given twice")));
                }
                map.insert(k, v);
            }
            Ok(Unique(map))
        }
    }
    serde_json::from_str::<Unique>(text).map(|u| u.0)
}

/// Appends the integers of `v`, which must be arrays nested as `shape`
/// (a scalar as an array of one).
fn flatten(v: &Value, shape: &[usize], out: &mut Vec<i64>) -> Result<(), String> {
    match (v, shape) {
        (Value::Array(items), [] | [_]) if items.len() == shape.first().copied().unwrap_or(1) => {
            items.iter().try_for_each(|i| match i {
                Value::Number(n) => {
                    out.push(n.as_i64().ok_or_else(|| format!("{n} is not a 64-bit integer"))?);
                    Ok(())
                }
                other => Err(format!("{other} is not an integer")),
            })
        }
        (Value::Array(items), [d, rest @ ..]) if items.len() == *d && !rest.is_empty() => {
            items.iter().try_for_each(|i| flatten(i, rest, out))
        }
        _ => Err(format!(
            "is not nested as its shape {shape:?} (nor a flat array of its elements)"
        )),
    }
}

/// `values` as nested JSON arrays of `shape`.
pub fn nested(shape: &[usize], values: &[i64]) -> Value {
    match shape {
        [] | [_] => Value::Array(values.iter().map(|&v| Value::from(v)).collect()),
        [_, rest @ ..] => {
            let step: usize = rest.iter().product();
            Value::Array(values.chunks(step.max(1)).map(|c| nested(rest, c)).collect())
        }
    }
}

impl Model {
    /// Seeded inputs within their declared bounds, for examples and tests
    /// that need some input.
    pub fn seeded_inputs(&self, seed: u64) -> Vec<Vec<i64>> {
        crate::op::seeded_values(self.inputs().map(|(_, n)| (n.len(), n.bound)), seed)
    }
}
