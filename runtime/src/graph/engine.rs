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
        let nodes: Vec<_> = self.inputs().collect();
        if nodes.len() != inputs.len() {
            return Err(GraphError::Format(format!(
                "the model takes {} inputs, {} were given",
                nodes.len(),
                inputs.len()
            )));
        }
        for ((_, node), values) in nodes.iter().zip(inputs) {
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
        let map: BTreeMap<String, Value> =
            serde_json::from_str(text).map_err(|e| GraphError::Json(format!("input file: {e}")))?;
        let names: Vec<&str> = self.inputs().map(|(_, n)| n.name.as_str()).collect();
        if let Some(k) = map.keys().find(|k| !names.contains(&k.as_str())) {
            return Err(GraphError::Input {
                input: k.clone(),
                why: format!("is not an input of the model (its inputs: {names:?})"),
            });
        }
        names
            .iter()
            .map(|&name| {
                let v = map.get(name).ok_or_else(|| GraphError::Input {
                    input: name.to_string(),
                    why: "is missing from the input file".into(),
                })?;
                let mut flat = Vec::new();
                flatten(v, &mut flat).map_err(|why| GraphError::Input {
                    input: name.to_string(),
                    why,
                })?;
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

fn flatten(v: &Value, out: &mut Vec<i64>) -> Result<(), String> {
    match v {
        Value::Array(items) => items.iter().try_for_each(|i| flatten(i, out)),
        Value::Number(n) => {
            let i = n.as_i64().ok_or_else(|| format!("{n} is not a 64-bit integer"))?;
            out.push(i);
            Ok(())
        }
        other => Err(format!("{other} is not an integer")),
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
