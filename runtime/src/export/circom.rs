//! A model as a circom 2 program: each operator node becomes a component
//! of the template its `#[zk_op]` declaration generates, wired the way
//! [`crate::compile`] wires the builder. Weights are circuit constants, or
//! private inputs bound by the Poseidon commitment of [`crate::commit`]
//! (the same chain, with section9's circomlib-compatible Poseidon
//! template), which is then the last output signal.
//!
//! Every node's value is one flat signal array; an operator's ports keep
//! their declared shapes, so wiring copies element by element through the
//! row-major index, which is how the graph adapts ranks too. Views
//! (`reshape`, `flatten`) are the same array under another shape and cost
//! nothing. Model inputs are range-checked by the `in_range` template where
//! they enter, as in the builder, so the two circuits count the same
//! non-linear constraints.

use crate::bound::Bound;
use crate::circom::{library, CircomTemplate};
use crate::commit::{Packing, GROUP};
use crate::compile::Weights;
use crate::field::{fr_from_i128, fr_to_decimal};
use crate::gadgets::InRange;
use crate::graph::{GraphError, Model, NodeKind, Visibility};
use crate::poseidon::{hash, Poseidon};
use crate::ZkOp;
use std::fmt::Write;

/// The main template's name for a model.
pub const MAIN: &str = "Model";

/// Nested array text `[[..], ..]` of a flat tensor, a bare number at rank 0:
/// circom's array literal, and JSON.
pub fn literal(values: &[i64], shape: &[usize]) -> String {
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

/// Whether node `i` is a circuit constant: a parameter, unless weights are
/// committed and it is neither structural (indices stay constants) nor
/// declared public.
fn is_constant(model: &Model, i: usize, weights: Weights) -> bool {
    match model.nodes[i].kind {
        ref kind @ NodeKind::Param { .. } => kind.is_fixed_param() || weights == Weights::Constant,
        _ => false,
    }
}

/// The node a view reads through, followed to its source.
fn source(model: &Model, mut i: usize) -> usize {
    while matches!(model.nodes[i].kind, NodeKind::View) {
        i = model.nodes[i].inputs[0];
    }
    i
}

/// The model as one circom file ending in `component main`. Constant
/// weights are template arguments; committed weights are private input
/// signals and the commitment is the last output. Outputs are unpacked, one
/// signal per value; public inputs are listed in `main`'s `public` clause
/// (circom puts them after every output, the commitment included).
pub fn circom_program(model: &Model, weights: Weights) -> Result<String, GraphError> {
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
            NodeKind::Param { .. } if !is_constant(model, i, weights) => {
                let _ = writeln!(body, "{ind}// weights `{}`, private, committed", node.name);
                let _ = writeln!(body, "{ind}signal input {name}[{}];", node.len());
            }
            NodeKind::Param { .. } | NodeKind::View => {}
            NodeKind::Op(op) => {
                let sources: Vec<usize> = node.inputs.iter().map(|&s| source(model, s)).collect();
                let constant: Vec<bool> = sources.iter().map(|&s| is_constant(model, s, weights)).collect();
                let shapes = op.input_shapes().map_err(GraphError::op(&node.name))?;
                let out_shape = op.output_shapes().map_err(GraphError::op(&node.name))?.swap_remove(0);
                let template = op.circom_template(&constant);
                let mut args: Vec<String> = op.params().iter().map(i128::to_string).collect();
                for (k, &s) in sources.iter().enumerate() {
                    if let (true, NodeKind::Param { values, .. }) = (constant[k], &model.nodes[s].kind) {
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
        if is_constant(model, s, weights) {
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
    if weights == Weights::Committed {
        commit(model, &mut templates, &mut outputs)?;
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

/// A circom input file for `inputs`: one flat array per input node, and
/// per committed weight tensor.
pub fn circom_input_json(model: &Model, inputs: &[Vec<i64>], weights: Weights) -> Result<String, GraphError> {
    model.check_inputs(inputs)?;
    let mut map: serde_json::Map<String, serde_json::Value> = model
        .inputs()
        .zip(inputs)
        .map(|((i, _), v)| (signal(model, i), serde_json::Value::from(v.clone())))
        .collect();
    for (i, node) in model.nodes.iter().enumerate() {
        if let NodeKind::Param { values, .. } = &node.kind {
            if !is_constant(model, i, weights) {
                map.insert(signal(model, i), serde_json::Value::from(values.clone()));
            }
        }
    }
    Ok(format!("{}\n", serde_json::Value::Object(map)))
}

/// The committed weights by declared bound, groups in order of first
/// appearance, as [`crate::compile::weight_commitment`] groups them.
fn weight_groups(model: &Model) -> Vec<(Bound, Vec<usize>)> {
    let mut groups: Vec<(Bound, Vec<usize>)> = Vec::new();
    for (i, node) in model.nodes.iter().enumerate() {
        if matches!(node.kind, NodeKind::Param { .. }) && !is_constant(model, i, Weights::Committed) {
            match groups.iter_mut().find(|(b, _)| *b == node.bound) {
                Some((_, members)) => members.push(i),
                None => groups.push((node.bound, vec![i])),
            }
        }
    }
    groups
}

/// Appends the weight commitment to `out` (see [`crate::commit`]): each
/// group range-checked, offset, packed `floor(253 / w)` values per element
/// and absorbed 15 elements per Poseidon after its header, one chain, its
/// end the output signal `commitment`. The first header hashes constants
/// only, so it is written as its value.
fn commit(model: &Model, templates: &mut Vec<CircomTemplate>, out: &mut String) -> Result<(), GraphError> {
    let groups = weight_groups(model);
    if groups.is_empty() {
        return Ok(());
    }
    let fail = GraphError::op("commitment");
    let range = InRange::circom_template(&[]);
    let poseidon = Poseidon::circom_template(&[]);
    let (pin, pout) = (Poseidon::INPUTS[0], Poseidon::OUTPUTS[0]);
    let ind = "    ";
    let mut chain = String::new();
    for (g, (bound, members)) in groups.iter().enumerate() {
        let packing = Packing::new(*bound).map_err(&fail)?;
        let n: usize = members.iter().map(|&m| model.nodes[m].len()).sum();
        let (lo, hi) = (bound.lo, bound.hi);
        let _ = writeln!(out, "{ind}// commitment group {g}: {n} values within [{lo}, {hi}]");
        let _ = writeln!(out, "{ind}component c{g}_range[{n}];");
        let _ = writeln!(out, "{ind}signal c{g}_u[{n}];");
        let mut offset = 0;
        for &m in members {
            let (len, name) = (model.nodes[m].len(), signal(model, m));
            let _ = writeln!(out, "{ind}for (var i = 0; i < {len}; i++) {{");
            let _ = writeln!(out, "{ind}    c{g}_range[{offset} + i] = {}({lo}, {hi});", range.name);
            let _ = writeln!(out, "{ind}    c{g}_range[{offset} + i].x <== {name}[i];");
            let _ = writeln!(
                out,
                "{ind}    c{g}_u[{offset} + i] <== c{g}_range[{offset} + i].y - ({lo});"
            );
            let _ = writeln!(out, "{ind}}}");
            offset += len;
        }
        let head = if g == 0 {
            fr_to_decimal(&hash(&[fr_from_i128(n as i128), fr_from_i128(lo), fr_from_i128(hi)]))
        } else {
            let _ = writeln!(out, "{ind}component c{g}_head = {}(4);", poseidon.name);
            let _ = writeln!(out, "{ind}c{g}_head.{pin}[0] <== {chain};");
            for (t, v) in [n as i128, lo, hi].iter().enumerate() {
                let _ = writeln!(out, "{ind}c{g}_head.{pin}[{}] <== {v};", t + 1);
            }
            format!("c{g}_head.{pout}")
        };
        chain = head;
        let (k, w) = (packing.per_element, packing.width);
        let elements = packing.elements(n);
        let links = elements.div_ceil(GROUP);
        if links > 0 {
            let _ = writeln!(out, "{ind}component c{g}_chain[{links}];");
        }
        for c in 0..links {
            let size = GROUP.min(elements - c * GROUP);
            let _ = writeln!(out, "{ind}c{g}_chain[{c}] = {}({});", poseidon.name, size + 1);
            let _ = writeln!(out, "{ind}c{g}_chain[{c}].{pin}[0] <== {chain};");
            let _ = writeln!(out, "{ind}for (var t = 0; t < {size}; t++) {{");
            let _ = writeln!(out, "{ind}    var packed = 0;");
            let _ = writeln!(out, "{ind}    for (var i = 0; i < {k}; i++) {{");
            let _ = writeln!(out, "{ind}        if (({c} * {GROUP} + t) * {k} + i < {n}) {{");
            let _ = writeln!(
                out,
                "{ind}            packed += c{g}_u[({c} * {GROUP} + t) * {k} + i] * 2 ** ({w} * i);"
            );
            let _ = writeln!(out, "{ind}        }}");
            let _ = writeln!(out, "{ind}    }}");
            let _ = writeln!(out, "{ind}    c{g}_chain[{c}].{pin}[1 + t] <== packed;");
            let _ = writeln!(out, "{ind}}}");
            chain = format!("c{g}_chain[{c}].{pout}");
        }
    }
    let _ = writeln!(out, "{ind}signal output commitment;");
    let _ = writeln!(out, "{ind}commitment <== {chain};");
    templates.push(range);
    templates.push(poseidon);
    Ok(())
}

/// A circom project for `model`: `<name>.circom`, a sample `input.json`
/// (the seeded input of seed 0) and a README saying how to compile and
/// prove it with circom and snarkjs. Deterministic.
pub fn circom_project(model: &Model, weights: Weights) -> Result<Vec<(String, String)>, GraphError> {
    let stem: String = model
        .name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let program = circom_program(model, weights)?;
    let input = circom_input_json(model, &model.seeded_inputs(0), weights)?;
    let readme = format!(
        "# `{name}` as a circom program\n\n\
         Generated by `cargo xtask gen-circom {name}` from section9's `#[zk_op]` declarations: one \
         component per operator node, {how}, model inputs range-checked where they enter, outputs \
         unpacked (one output signal per value). section9's engine gives the same outputs.\n\n\
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
        name = model.name,
        how = match weights {
            Weights::Constant => "weights as circuit constants",
            Weights::Committed => {
                "weights as private inputs bound by section9's Poseidon commitment (the output `commitment`)"
            }
        }
    );
    Ok(vec![
        (format!("{stem}.circom"), program),
        ("input.json".into(), input),
        ("README.md".into(), readme),
    ])
}
