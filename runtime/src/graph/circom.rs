//! A model as a circom 2 program: each operator node becomes a component
//! of the template its `#[zk_op]` declaration generates, wired the way
//! [`crate::compile`] wires the builder, with the weights as circuit
//! constants.
//!
//! Every node's value is one flat signal array; an operator's ports keep
//! their declared shapes, so wiring copies element by element through the
//! row-major index, which is how the graph adapts ranks too. Views
//! (`reshape`, `flatten`) are the same array under another shape and cost
//! nothing. Model inputs are range-checked by the `in_range` template where
//! they enter, as in the builder, so the two circuits count the same
//! non-linear constraints.

use super::error::GraphError;
use super::file::Visibility;
use super::model::{Model, NodeKind};
use crate::circom::{library, CircomTemplate};
use crate::gadgets::InRange;
use crate::ZkOp;
use std::fmt::Write;

/// The main template's name for a model.
pub const MAIN: &str = "Model";

/// Nested array text `[[..], ..]` of a flat tensor, a bare number at rank 0.
fn literal(values: &[i64], shape: &[usize]) -> String {
    match shape.split_first() {
        None => values.first().map(i64::to_string).unwrap_or_default(),
        Some((&n, rest)) => {
            let chunk = rest.iter().product::<usize>().max(1);
            let parts: Vec<String> = (0..n)
                .map(|i| literal(&values[i * chunk..(i + 1) * chunk], rest))
                .collect();
            format!("[{}]", parts.join(","))
        }
    }
}

/// Loops over every index of `shape`, yielding `(subscripts, flat index)`
/// as circom text, around `body`.
fn for_each_index(out: &mut String, indent: &str, shape: &[usize], body: impl Fn(&str, &str) -> String) {
    let vars: Vec<String> = (0..shape.len()).map(|d| format!("i{d}")).collect();
    let mut pad = indent.to_string();
    for (v, n) in vars.iter().zip(shape) {
        let _ = writeln!(out, "{pad}for (var {v} = 0; {v} < {n}; {v}++) {{");
        pad.push_str("    ");
    }
    let subscripts: String = vars.iter().map(|v| format!("[{v}]")).collect();
    let mut flat = String::from("0");
    for (v, n) in vars.iter().zip(shape) {
        flat = if flat == "0" {
            v.clone()
        } else {
            format!("({flat}) * {n} + {v}")
        };
    }
    let _ = writeln!(out, "{pad}{}", body(&subscripts, &flat));
    for _ in &vars {
        pad.truncate(pad.len() - 4);
        let _ = writeln!(out, "{pad}}}");
    }
}

/// A circom identifier for node `i` (node names may hold dots).
fn signal(model: &Model, i: usize) -> String {
    let clean: String = model.nodes[i]
        .name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("n{i}_{clean}")
}

/// The node a view reads through, followed to its source.
fn source(model: &Model, mut i: usize) -> usize {
    while matches!(model.nodes[i].kind, NodeKind::View) {
        i = model.nodes[i].inputs[0];
    }
    i
}

/// The model as one circom file ending in `component main`. Weights are
/// template arguments (constants); outputs are unpacked, one signal per
/// value; public inputs are listed in `main`'s `public` clause.
pub fn circom_program(model: &Model) -> Result<String, GraphError> {
    let unsupported = |why: String| GraphError::Format(format!("circom export: {why}"));
    let mut templates: Vec<CircomTemplate> = Vec::new();
    let mut body = String::new();
    let mut public = Vec::new();
    let ind = "    ";
    for (i, node) in model.nodes.iter().enumerate() {
        let name = signal(model, i);
        match &node.kind {
            NodeKind::Input { visibility } => {
                if *visibility == Visibility::Hashed {
                    return Err(unsupported(format!(
                        "input `{}` is hashed; only private and public inputs are exported",
                        node.name
                    )));
                }
                if *visibility == Visibility::Public {
                    public.push(name.clone());
                }
                let gadget = InRange {
                    lo: node.bound.lo as i64,
                    hi: node.bound.hi as i64,
                };
                let range = InRange::circom_template(&[]);
                let n = node.len();
                let _ = writeln!(body, "{ind}// input `{}`, proven within {}", node.name, node.bound);
                let _ = writeln!(body, "{ind}signal input {name}[{n}];");
                let _ = writeln!(body, "{ind}signal {name}_in[{n}];");
                let _ = writeln!(body, "{ind}component {name}_range[{n}];");
                let args: Vec<String> = gadget.params().iter().map(i128::to_string).collect();
                let _ = writeln!(body, "{ind}for (var i = 0; i < {n}; i++) {{");
                let _ = writeln!(body, "{ind}    {name}_range[i] = {}({});", range.name, args.join(", "));
                let _ = writeln!(body, "{ind}    {name}_range[i].x <== {name}[i];");
                let _ = writeln!(body, "{ind}    {name}_in[i] <== {name}_range[i].y;");
                let _ = writeln!(body, "{ind}}}");
                templates.push(range);
            }
            NodeKind::Param { .. } | NodeKind::View => {}
            NodeKind::Op(op) => {
                let sources: Vec<usize> = node.inputs.iter().map(|&s| source(model, s)).collect();
                let constant: Vec<bool> = sources
                    .iter()
                    .map(|&s| matches!(model.nodes[s].kind, NodeKind::Param { .. }))
                    .collect();
                let shapes = op.input_shapes().map_err(GraphError::op(&node.name))?;
                let out_shape = op.output_shapes().map_err(GraphError::op(&node.name))?.swap_remove(0);
                let template = op.circom_template(&constant);
                let mut args: Vec<String> = op.params().iter().map(i128::to_string).collect();
                for (k, &s) in sources.iter().enumerate() {
                    if let NodeKind::Param { values, .. } = &model.nodes[s].kind {
                        args.push(literal(values, &shapes[k]));
                    }
                }
                let _ = writeln!(body, "{ind}// `{}`: {}", node.name, op.name());
                let _ = writeln!(
                    body,
                    "{ind}component {name}_op = {}({});",
                    template.name,
                    args.join(", ")
                );
                for (k, &s) in sources.iter().enumerate() {
                    if constant[k] {
                        continue;
                    }
                    let port = op.input_names()[k];
                    let from = value_of(model, s);
                    for_each_index(&mut body, ind, &shapes[k], |sub, flat| {
                        format!("{name}_op.{port}{sub} <== {from}[{flat}];")
                    });
                }
                let port = op.output_names()[0];
                let _ = writeln!(body, "{ind}signal {name}[{}];", node.len());
                for_each_index(&mut body, ind, &out_shape, |sub, flat| {
                    format!("{name}[{flat}] <== {name}_op.{port}{sub};")
                });
                templates.push(template);
            }
        }
    }
    let mut outputs = String::new();
    for &o in &model.outputs {
        let s = source(model, o);
        if matches!(model.nodes[s].kind, NodeKind::Param { .. }) {
            return Err(unsupported(format!("output `{}` is a constant", model.nodes[o].name)));
        }
        let (out, from, n) = (
            format!("out_{}", signal(model, o)),
            value_of(model, s),
            model.nodes[o].len(),
        );
        let _ = writeln!(outputs, "{ind}signal output {out}[{n}];");
        let _ = writeln!(outputs, "{ind}for (var i = 0; i < {n}; i++) {{");
        let _ = writeln!(outputs, "{ind}    {out}[i] <== {from}[i];");
        let _ = writeln!(outputs, "{ind}}}");
    }
    let mut text = library(&templates);
    let _ = writeln!(text, "\n// The model `{}`: {}", model.name, model.description);
    let _ = writeln!(text, "template {MAIN}() {{\n{body}{outputs}}}\n");
    let clause = if public.is_empty() {
        String::new()
    } else {
        format!(" {{public [{}]}}", public.join(", "))
    };
    let _ = writeln!(text, "component main{clause} = {MAIN}();");
    Ok(text)
}

/// The signal array holding node `s`'s value (an input's range-checked copy).
fn value_of(model: &Model, s: usize) -> String {
    match model.nodes[s].kind {
        NodeKind::Input { .. } => format!("{}_in", signal(model, s)),
        _ => signal(model, s),
    }
}

/// A circom input file for `inputs`: one flat array per input node.
pub fn circom_input_json(model: &Model, inputs: &[Vec<i64>]) -> Result<String, GraphError> {
    model.check_inputs(inputs)?;
    let map: serde_json::Map<String, serde_json::Value> = model
        .inputs()
        .zip(inputs)
        .map(|((i, _), v)| (signal(model, i), serde_json::Value::from(v.clone())))
        .collect();
    Ok(format!("{}\n", serde_json::Value::Object(map)))
}

/// A circom project for `model`: `<name>.circom`, a sample `input.json`
/// (the seeded input of seed 0) and a README saying how to compile and
/// prove it with circom and snarkjs. Deterministic.
pub fn circom_project(model: &Model) -> Result<Vec<(String, String)>, GraphError> {
    let stem: String = model
        .name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let program = circom_program(model)?;
    let input = circom_input_json(model, &model.seeded_inputs(0))?;
    let readme = format!(
        "# `{name}` as a circom program\n\n\
         Generated by `cargo xtask gen-circom {name}` from section9's `#[zk_op]` declarations: one \
         component per operator node, weights as circuit constants, model inputs range-checked where \
         they enter, outputs unpacked (one output signal per value). section9's engine gives the same \
         outputs, and this program has as many non-linear constraints as section9's own circuit with \
         constant weights.\n\n\
         ```sh\n\
         circom2 {stem}.circom --r1cs --wasm --sym -o .\n\
         snarkjs wtns calculate {stem}_js/{stem}.wasm input.json witness.wtns\n\
         snarkjs wtns check {stem}.r1cs witness.wtns\n\
         # a Groth16 key needs a powers-of-tau file of at least 2^k >= constraints\n\
         snarkjs groth16 setup {stem}.r1cs pot.ptau {stem}.zkey\n\
         snarkjs zkey export verificationkey {stem}.zkey verification_key.json\n\
         snarkjs groth16 prove {stem}.zkey witness.wtns proof.json public.json\n\
         snarkjs groth16 verify verification_key.json public.json proof.json\n\
         ```\n\n\
         `input.json` holds a sample input (section9's seeded input 0); each model input is one flat \
         array named after its node.\n",
        name = model.name
    );
    Ok(vec![
        (format!("{stem}.circom"), program),
        ("input.json".into(), input),
        ("README.md".into(), readme),
    ])
}
