//! The engine runs every bound the loader accepts: at the widest
//! precision a model may hold, the engine and the circuit agree on extreme
//! values for every operator family that looks beyond its inputs' bits
//! (sign tests, comparisons, rounding shifts, clamps, division, selection),
//! and one bit more is refused when the model loads.

use section9::compile::{compile, Weights};
use section9::graph::{AttrValue, Model, ModelBuilder, MAX_PRECISION};
use section9::r1cs::Builder;

fn int(v: i64) -> AttrValue {
    v.into()
}

fn reduce_over_axis_1() -> Vec<(&'static str, AttrValue)> {
    ["r0", "r1", "r2", "r3"]
        .into_iter()
        .zip([false, true, false, false])
        .map(|(k, v)| (k, v.into()))
        .collect()
}

/// `op` on `x` (`[1, 4, 1]`, precision `p`) and, when given, a second input
/// of precision `q`.
fn model(p: u32, op: &str, attrs: &[(&str, AttrValue)], second: Option<u32>) -> Result<Model, String> {
    let mut m = ModelBuilder::new();
    m.input("x", &[1, 4, 1], p);
    let mut inputs = vec!["x"];
    if let Some(q) = second {
        m.input("y", &[1, 4, 1], q);
        inputs.push("y");
    }
    m.op("o", op, &inputs, attrs);
    let (file, params) = m.finish("widest", "", &["o"]);
    Model::new(&file, &params).map_err(|e| e.to_string())
}

fn max_of(p: u32) -> i64 {
    ((1i128 << (p - 1)) - 1) as i64
}

fn agree(p: u32, op: &str, attrs: &[(&str, AttrValue)], second: Option<u32>) {
    let what = format!("{op} {attrs:?} at precision {p}, second input {second:?}");
    let model = model(p, op, attrs, second).unwrap_or_else(|e| panic!("{what}: {e}"));
    let m = max_of(p);
    let mut inputs = vec![vec![m, -m, 0, -1]];
    if let Some(q) = second {
        let n = max_of(q);
        inputs.push(vec![-n, n, 3, 0]);
    }
    for x in [
        inputs.clone(),
        inputs.iter().map(|v| v.iter().rev().copied().collect()).collect(),
    ] {
        let run = model.run(&x).unwrap_or_else(|e| panic!("{what}: engine: {e}"));
        for weights in [Weights::Constant, Weights::Committed] {
            let c = compile(&model, &x, weights, Builder::new()).unwrap_or_else(|e| panic!("{what}: circuit: {e}"));
            assert_eq!(c.outputs, run, "{what}: engine and circuit disagree");
            assert!(c.cs.is_satisfied(), "{what}: {:?}", c.cs.which_unsatisfied());
        }
    }
}

#[test]
fn engine_and_circuit_agree_at_the_widest_accepted_precision() {
    let p = MAX_PRECISION;
    for op in ["relu", "abs", "negative", "argmax", "cvm_precision"] {
        agree(p, op, &[], None);
    }
    agree(p, "cvm_clip", &[("p", int(8))], None);
    agree(p, "clip", &[("a_min", int(-5)), ("a_max", int(9))], None);
    for s in [1, 8, 16, 31, 32] {
        agree(p, "requant", &[("s", int(s)), ("p", int(8))], None);
        agree(p, "cvm_right_shift", &[("s", int(s)), ("p", int(8))], None);
    }
    // A sum or difference grows by a bit, so its widest inputs are one
    // bit narrower.
    for op in ["broadcast_add", "broadcast_sub"] {
        agree(p - 1, op, &[], Some(p - 1));
        agree(p - 1, op, &[], Some(8));
    }
    for op in ["broadcast_max", "broadcast_greater", "broadcast_div"] {
        agree(p, op, &[], Some(p));
        agree(p, op, &[], Some(8));
    }
    agree(p / 2, "broadcast_mul", &[], Some(p / 2));
    agree(p, "take", &[], Some(p));
    agree(p, "take", &[], Some(4));
    // A sum of 4 values grows by bits(4) = 3.
    agree(p - 3, "sum", &reduce_over_axis_1(), None);
    agree(p, "max", &reduce_over_axis_1(), None);
}

#[test]
fn one_bit_more_is_refused_when_the_model_loads() {
    let err = model(MAX_PRECISION + 1, "relu", &[], None).err().unwrap();
    assert!(err.contains(&format!("`prec` (1 to {MAX_PRECISION})")), "{err}");
    // An operator whose output would need one bit more.
    let err = model(MAX_PRECISION, "broadcast_add", &[], Some(MAX_PRECISION))
        .err()
        .unwrap();
    assert!(
        err.contains("node `o`") && err.contains(&format!("wider than precision {MAX_PRECISION}")),
        "{err}"
    );
}
