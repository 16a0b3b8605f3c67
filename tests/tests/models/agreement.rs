//! The engine's outputs equal the circuit's output wires on generated
//! inputs, the determinism checker proves every output wire fixed by the
//! inputs and weights, and a changed output breaks the circuit.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use section9::compile::{compile, Weights};
use section9::field::fr_from_i128;
use section9::gadgets::InRange;
use section9::graph::{Model, ModelFile, Params};
use section9::r1cs::Builder;
use section9::ZkOp;
use section9_tests::models;

/// Inputs within each input node's declared bound.
fn inputs(model: &Model) -> BoxedStrategy<Vec<Vec<i64>>> {
    let per_input: Vec<BoxedStrategy<Vec<i64>>> = model
        .inputs()
        .map(|(_, n)| proptest::collection::vec(n.bound.lo as i64..=n.bound.hi as i64, n.len()).boxed())
        .collect();
    per_input.boxed()
}

fn check(model: &Model, inputs: &[Vec<i64>], weights: Weights) -> Result<(), TestCaseError> {
    let name = &model.name;
    let expected = model
        .run(inputs)
        .map_err(|e| TestCaseError::fail(format!("{name}: {e}")))?;
    let c = compile(model, inputs, weights, Builder::new()).map_err(|e| TestCaseError::fail(format!("{name}: {e}")))?;
    prop_assert_eq!(&c.outputs, &expected, "{}: circuit and engine disagree", name);
    prop_assert!(c.cs.is_satisfied(), "{}: {:?}", name, c.cs.which_unsatisfied());
    Ok(())
}

fn models() -> Vec<Model> {
    let mut all: Vec<Model> = models::all().iter().map(models::load).collect();
    all.push(section9_zoo::builtin("mlp-fixture").unwrap().unwrap());
    all
}

#[test]
fn engine_and_circuit_agree_on_generated_inputs() {
    for model in models() {
        let mut runner = TestRunner::new(Config {
            cases: 12,
            ..Config::default()
        });
        runner
            .run(&inputs(&model), |x| {
                check(&model, &x, Weights::Constant)?;
                check(&model, &x, Weights::Committed)
            })
            .unwrap_or_else(|e| panic!("{}: {e}", model.name));
    }
}

#[test]
fn every_output_is_determined_and_pinned() {
    for (model, weights) in models()
        .into_iter()
        .zip(std::iter::repeat(Weights::Constant))
        .chain(models().into_iter().zip(std::iter::repeat(Weights::Committed)))
    {
        let inputs = model.seeded_inputs(3);
        let mut c = compile(&model, &inputs, weights, Builder::with_names()).unwrap();
        let report = c.check_determinism();
        assert!(report.is_ok(), "{}: {}", model.name, report.describe(&c.cs));
        assert!(!c.output_wires.is_empty());
        for &w in &[c.output_wires[0], *c.output_wires.last().unwrap()] {
            let honest = c.cs.value(w);
            c.cs.set_value(w, honest + fr_from_i128(1));
            assert!(
                !c.cs.is_satisfied(),
                "{}: a changed output {} was accepted",
                model.name,
                c.cs.wire_name(w)
            );
            c.cs.set_value(w, honest);
        }
        assert!(c.cs.is_satisfied());
    }
}

#[test]
fn inputs_are_range_checked_where_they_enter() {
    // The gadget's own suite shows it accepts exactly its interval; here,
    // that every input element of a model goes through it.
    let model = section9_zoo::builtin("mlp-fixture").unwrap().unwrap();
    let c = compile(&model, &model.seeded_inputs(5), Weights::Constant, Builder::new()).unwrap();
    let (x, node) = model.inputs().next().unwrap();
    let per_element = InRange { lo: -127, hi: 127 }.constraint_count(&[]).unwrap();
    assert_eq!(c.costs[x], node.len() * per_element);
}

#[test]
fn take_by_parameter_indices_is_free_in_both_weight_modes() {
    let model = models::load(&models::shape_chain());
    let gather = model.node("gather").unwrap();
    assert_eq!(model.nodes[gather].op, "take");
    for weights in [Weights::Constant, Weights::Committed] {
        let c = compile(&model, &model.seeded_inputs(1), weights, Builder::new()).unwrap();
        assert_eq!(c.costs[gather], 0, "{weights:?}");
        assert_ne!(
            c.costs[model.node("pick").unwrap()],
            0,
            "private indices are a proven selection"
        );
        assert_eq!(c.commitment, None, "index tensors are structure, not committed weights");
    }
}

#[test]
fn take_private_by_parameter_indices_is_a_proven_selection_of_committed_indices() {
    use section9::compile::circuit_digest;
    let digest = |indices: Vec<i64>, weights| {
        let model = models::load(&models::private_take(indices));
        let c = compile(&model, &model.seeded_inputs(3), weights, Builder::new()).unwrap();
        assert!(c.cs.is_satisfied());
        let report = c.check_determinism();
        assert!(report.is_ok(), "{}", report.describe(&c.cs));
        assert_ne!(c.costs[model.node("pick").unwrap()], 0, "{weights:?}");
        assert_eq!(c.outputs[0], model.run(&model.seeded_inputs(3)).unwrap()[0]);
        (circuit_digest(&c.cs), c.commitment)
    };
    // Indices out of range are clamped, as `take` clamps them.
    let (a, b) = (vec![2, 0, 7], vec![1, -3, 3]);
    let model = models::load(&models::private_take(a.clone()));
    let rows = vec![1, 2, 11, 12, 21, 22, 31, -31];
    assert_eq!(model.run(&[rows]).unwrap()[0], vec![21, 22, 1, 2, 31, -31]);
    // Committed, the indices are weights: the circuit is the same for
    // both, the commitment tells them apart. Constant, they are part of
    // the circuit.
    let ((da, ca), (db, cb)) = (
        digest(a.clone(), Weights::Committed),
        digest(b.clone(), Weights::Committed),
    );
    assert_eq!(da, db);
    assert!(ca.is_some() && ca != cb);
    assert_ne!(digest(a, Weights::Constant).0, digest(b, Weights::Constant).0);
}

/// Loads `(file, params)` twice: as written, where the loader fuses, and
/// with `layers` listed as outputs too, which keeps them apart. Checks
/// `fused` names the op each listed requant became, and that both forms
/// give the same model outputs while the fused one, with committed
/// weights, has fewer rows.
fn check_fusion((file, params): (ModelFile, Params), layers: &[&str], fused_ops: &[(&str, &str)]) {
    let fused = models::load(&(file.clone(), params.clone()));
    for (node, op) in fused_ops {
        assert_eq!(fused.nodes[fused.node(node).unwrap()].op, *op, "{node}");
    }
    assert!(layers.iter().all(|l| fused.node(l).is_none()));
    let mut apart_file = file;
    let outputs = apart_file.outputs.len();
    apart_file.outputs.extend(layers.iter().map(|l| l.to_string()));
    let apart = models::load(&(apart_file, params));
    for (node, _) in fused_ops {
        assert!(
            !apart.nodes[apart.node(node).unwrap()].op.ends_with("_requant"),
            "{node}"
        );
    }
    let count = |m: &Model, inputs: &[Vec<i64>]| {
        compile(m, inputs, Weights::Committed, Builder::new())
            .unwrap()
            .cs
            .num_constraints()
    };
    for seed in 0..4 {
        let inputs = fused.seeded_inputs(seed);
        let (want, got) = (apart.run(&inputs).unwrap(), fused.run(&inputs).unwrap());
        assert_eq!(got[..outputs], want[..outputs], "seed {seed}");
        assert!(count(&fused, &inputs) < count(&apart, &inputs));
    }
}

#[test]
fn a_transposed_convolution_fuses_with_its_requantization() {
    // The generator's `t1` is read by `t1.q` alone.
    check_fusion(models::generator(), &["t1"], &[("t1.q", "conv_transpose2d_requant")]);
}

#[test]
fn a_layer_scaled_by_public_constants_fuses_with_its_requantization() {
    check_fusion(
        models::scaled_layers(true),
        &["fc", "c"],
        &[("fc.q", "dense_requant"), ("c.q", "conv2d_requant")],
    );
    assert!(models::load(&models::scaled_layers(true)).node("fc.scaled").is_none());
}

#[test]
fn a_private_scale_stays_a_committed_weight() {
    // A private parameter read as a fused operator's constant would leave
    // the commitment and show in the circuit: the chain must stay apart.
    let model = models::load(&models::scaled_layers(false));
    assert_eq!(model.nodes[model.node("fc.scaled").unwrap()].op, "broadcast_mul");
    assert_eq!(model.nodes[model.node("c.q").unwrap()].op, "requant");
    assert_eq!(model.nodes[model.node("fc.q").unwrap()].op, "cvm_right_shift");
    let public = models::load(&models::scaled_layers(true));
    assert_eq!(model.num_params(), public.num_params() + 9);
    let c = compile(&model, &model.seeded_inputs(1), Weights::Committed, Builder::new()).unwrap();
    assert!(c.commitment.is_some());
}
