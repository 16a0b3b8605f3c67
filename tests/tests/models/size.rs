//! A circuit's size is counted before it is built: the count is the built
//! circuit's exactly, and a circuit over the limit is refused with its
//! size, before any row is stored.

use section9::catalogue::examples;
use section9::compile::{check_size, circuit_digest, compile, constraint_count, Weights, DEFAULT_MAX_CONSTRAINTS};
use section9::graph::{self, AttrValue, Model, ModelBuilder, Visibility};
use section9::op::seeded_values;
use section9::r1cs::Builder;
use section9::ParamSource;
use section9_tests::models;

/// Counted and built sizes of `model` in both weight modes agree.
fn assert_exact(model: &Model) {
    for weights in [Weights::Constant, Weights::Committed] {
        let counted = constraint_count(model, weights, usize::MAX).unwrap();
        let unlimited = Builder::new().with_limit(usize::MAX);
        let built = compile(model, &model.seeded_inputs(7), weights, unlimited).unwrap();
        assert_eq!(
            counted,
            Some(built.cs.num_constraints()),
            "{} ({weights:?})",
            model.name
        );
    }
}

#[test]
fn the_count_is_exact_for_every_zoo_and_test_model() {
    for b in section9_zoo::BUILTINS {
        assert_exact(&section9_zoo::builtin(b.name).unwrap().unwrap());
    }
    for m in models::all() {
        assert_exact(&models::load(&m));
    }
}

/// A proving builder builds the weight commitment on another thread beside
/// the last layers ([`Builder::fork`]); a naming builder builds everything
/// in order. Both give the same circuit: every row, wire kind, witness
/// value and hint, so the digest and the keys are the same.
#[test]
fn the_commitment_built_beside_the_layers_is_the_one_built_in_order() {
    // The comparison is only worth something if one side forks and the
    // other does not.
    assert!(Builder::new().fork().is_some(), "a proving builder forks");
    assert!(
        Builder::with_names().fork().is_none(),
        "a naming builder builds in order"
    );
    let test_models = models::all();
    let all = section9_zoo::BUILTINS
        .iter()
        .map(|b| section9_zoo::builtin(b.name).unwrap().unwrap())
        .chain(test_models.iter().map(models::load));
    for model in all {
        let inputs = model.seeded_inputs(3);
        let forked = compile(&model, &inputs, Weights::Committed, Builder::new()).unwrap();
        let ordered = compile(&model, &inputs, Weights::Committed, Builder::with_names()).unwrap();
        let (a, b) = (&forked.cs, &ordered.cs);
        let name = &model.name;
        assert_eq!(a.num_constraints(), b.num_constraints(), "{name}");
        assert_eq!(a.kinds(), b.kinds(), "{name}");
        assert_eq!(a.values(), b.values(), "{name}");
        assert_eq!(a.hints(), b.hints(), "{name}");
        assert_eq!(circuit_digest(a), circuit_digest(b), "{name}");
        assert_eq!(forked.commitment, ordered.commitment, "{name}");
        assert_eq!(forked.commitment_cost, ordered.commitment_cost, "{name}");
        assert_eq!(a.which_unsatisfied(), None, "{name}");
    }
}

/// The catalogue instance as a one-operator model: constant inputs are
/// parameters, the others model inputs of the declared shape and bound.
fn one_op_model(ex: &section9::catalogue::Example) -> Model {
    let op = &ex.op;
    let shapes = op.input_shapes().unwrap();
    let bounds = op.input_bounds().unwrap();
    let mut m = ModelBuilder::new();
    let mut names = Vec::new();
    for (k, (shape, bound)) in shapes.iter().zip(&bounds).enumerate() {
        let name = format!("in{k}");
        if ex.constant[k] {
            let values = seeded_values([(shape.iter().product(), *bound)], k as u64).remove(0);
            m.param(&name, shape, bound.precision(), values);
        } else {
            m.input_range(&name, shape, bound.lo as i64, bound.hi as i64, Visibility::Private);
        }
        names.push(name);
    }
    let attrs: Vec<(&str, AttrValue)> = op
        .param_names()
        .iter()
        .zip(op.params())
        .zip(op.param_sources())
        .filter(|(_, s)| **s == ParamSource::Attr)
        .map(|((n, v), _)| (*n, AttrValue::Int(v as i64)))
        .collect();
    let inputs: Vec<&str> = names.iter().map(String::as_str).collect();
    m.op("op", op.name(), &inputs, &attrs);
    let (file, params) = m.finish("one-op", &ex.instance, &["op"]);
    Model::new(&file, &params).unwrap_or_else(|e| panic!("{} ({}): {e}", op.name(), ex.instance))
}

#[test]
fn the_count_is_exact_for_every_catalogue_operator() {
    let mut seen = 0;
    for ex in examples().unwrap() {
        // Gadgets are parts of operators, not nodes a model can name.
        if graph::lookup(ex.op.name()).is_none() {
            continue;
        }
        assert_exact(&one_op_model(&ex));
        seen += 1;
    }
    assert!(seen >= 20, "only {seen} catalogue operators were counted");
}

/// `relu` on an int8 input of `n` elements.
fn relu(n: usize) -> Model {
    let mut m = ModelBuilder::new();
    m.input("x", &[1, n], 8);
    m.op("r", "relu", &["x"], &[]);
    let (file, params) = m.finish("relu", "", &["r"]);
    Model::new(&file, &params).unwrap()
}

#[test]
fn a_circuit_over_the_limit_is_refused_with_its_size() {
    let model = relu(100);
    let n = constraint_count(&model, Weights::Constant, usize::MAX)
        .unwrap()
        .unwrap();
    assert_eq!(check_size(&model, Weights::Constant, n).unwrap(), n);
    let err = compile(
        &model,
        &model.seeded_inputs(0),
        Weights::Constant,
        Builder::new().with_limit(n - 1),
    )
    .err()
    .unwrap()
    .to_string();
    assert!(
        err.contains(&format!("needs {n} constraints, more than the limit of {}", n - 1))
            && err.contains("--max-constraints"),
        "{err}"
    );
    // Far over the limit, counting stops early and says so.
    let limit = n / 5;
    assert!(limit >= 200, "the model's 200 values stay within the limit");
    let err = check_size(&model, Weights::Constant, limit).unwrap_err().to_string();
    assert!(
        err.contains(&format!(
            "needs more than {} constraints, more than the limit of {limit}",
            2 * limit
        )),
        "{err}"
    );
}

#[test]
fn a_huge_circuit_is_refused_without_being_built() {
    // A few hundred bytes of model file asking for millions of constraints
    // from few values: counting stops a bounded distance past the limit.
    let mut m = ModelBuilder::new();
    m.input("x", &[1, 1 << 14], 62);
    m.op("r", "relu", &["x"], &[]);
    let (file, params) = m.finish("huge", "", &["r"]);
    let model = Model::new(&file, &params).unwrap();
    let limit = 100_000;
    let err = compile(
        &model,
        &model.seeded_inputs(0),
        Weights::Constant,
        Builder::new().with_limit(limit),
    )
    .err()
    .unwrap()
    .to_string();
    assert!(
        err.contains(&format!(
            "needs more than {} constraints, more than the limit of {limit}",
            2 * limit
        )),
        "{err}"
    );
}

#[test]
fn wiring_that_holds_too_many_values_is_refused_before_counting() {
    // Free operators still hold a signal per value: an upsampling by 64 of
    // a 64x64 image, or a repeat by 4096, is 2^24 values.
    let mut m = ModelBuilder::new();
    m.input("x", &[1, 1, 64, 64], 8);
    m.op("up", "upsampling", &["x"], &[("scale", AttrValue::Int(64))]);
    m.op(
        "rep",
        "repeat",
        &["x"],
        &[("axis", AttrValue::Int(3)), ("times", AttrValue::Int(4096))],
    );
    let (file, params) = m.finish("wide", "", &["up", "rep"]);
    let model = Model::new(&file, &params).unwrap();
    let err = compile(&model, &model.seeded_inputs(0), Weights::Constant, Builder::new())
        .err()
        .unwrap()
        .to_string();
    let values = 4096 + 2 * (1 << 24);
    assert!(
        err.contains(&format!(
            "its tensors hold {values} values in all, more than the limit of {DEFAULT_MAX_CONSTRAINTS}"
        )),
        "{err}"
    );
}

#[test]
fn hashed_inputs_are_counted_exactly() {
    let mut m = ModelBuilder::new();
    m.input_range("x", &[1, 40], -100, 100, Visibility::Hashed);
    m.input_range("y", &[1, 40], 0, 9, Visibility::Public);
    m.op("s", "broadcast_add", &["x", "y"], &[]);
    m.op("r", "relu", &["s"], &[]);
    let (file, params) = m.finish("hashed", "", &["r"]);
    assert_exact(&Model::new(&file, &params).unwrap());
}
