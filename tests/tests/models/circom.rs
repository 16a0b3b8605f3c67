//! Whole models as circom programs (`section9::export::circom::circom_program`),
//! compiled by the real circom compiler: its witness calculator gives the
//! engine's outputs on seeded inputs, and it counts the non-linear
//! constraints the builder counts with constant weights.

use section9::compile::{compile, weight_commitment, Weights};
use section9::export::circom::{circom_input_json, circom_program, circom_project, MAIN};
use section9::field::fr_to_decimal;
use section9::graph::{Model, NodeKind};
use section9::r1cs::Builder;
use section9_tests::circom::{compile as circom_compile, field_decimal};
use section9_tests::models;

/// Constraints circom spends (at `--O0`, where the harness counts) that
/// the builder folds: the first-round S-box (`x^2`, `x^4`, `x^5`, three
/// constraints) of each Poseidon input that is a known constant. The
/// commitment has one: the first group's header hash entering the chain;
/// every further group adds three: the count and bounds in its header.
fn constant_sboxes(model: &Model, weights: Weights) -> usize {
    if weights == Weights::Constant {
        return 0;
    }
    let mut bounds = Vec::new();
    for node in &model.nodes {
        if matches!(node.kind, NodeKind::Param { .. }) && !node.kind.is_fixed_param() && !bounds.contains(&node.bound) {
            bounds.push(node.bound);
        }
    }
    match bounds.len() {
        0 => 0,
        groups => 3 * (1 + 3 * (groups - 1)),
    }
}

/// Selections circom multiplies out that the builder folds: in a tree
/// ensemble with constant leaves, a branch whose children are both known
/// constants (subtrees whose leaves are all equal, as where the importer
/// pads a shallow branch to the full depth) selects linearly in the
/// builder, while circom knows only the leaves themselves as constants.
fn constant_selections(model: &Model, weights: Weights) -> usize {
    if weights != Weights::Constant {
        return 0;
    }
    let mut count = 0;
    for node in model.nodes.iter().filter(|n| n.op == "tree_ensemble") {
        let values = |k: usize| match &model.nodes[node.inputs[k]].kind {
            NodeKind::Param { values, .. } => values.clone(),
            _ => panic!("{}: input {k} is not a parameter", node.name),
        };
        let (child, leaf) = (values(2), values(5));
        let (rows, nc) = (
            model.nodes[node.inputs[0]].shape[0],
            model.nodes[node.inputs[5]].shape[1],
        );
        let (nn, nl) = (child.len() / 2, leaf.len() / nc);
        for c in 0..nc {
            let mut known: Vec<Option<i64>> = vec![None; nn];
            known.extend((0..nl).map(|l| Some(leaf[l * nc + c])));
            for i in (0..nn).rev() {
                let [a, b] =
                    [child[2 * i], child[2 * i + 1]].map(|to| to.clamp(i as i64 + 1, (nn + nl - 1) as i64) as usize);
                if a != b && (a < nn || b < nn) && known[a].is_some() && known[b].is_some() {
                    count += rows;
                }
                known[i] = if known[a] == known[b] { known[a] } else { None };
            }
        }
    }
    count
}

fn check(model: &Model, weights: Weights, seeds: std::ops::Range<u64>) {
    let program = circom_program(model, weights).unwrap();
    let compiled = circom_compile(&program, MAIN).unwrap_or_else(|e| panic!("{}: {e}", model.name));
    for seed in seeds {
        let inputs = model.seeded_inputs(seed);
        let built = compile(model, &inputs, weights, Builder::new()).unwrap();
        let run = compiled
            .run(&circom_input_json(model, &inputs, weights).unwrap())
            .unwrap();
        if seed == 0 {
            assert_eq!(
                run.nonlinear,
                built.cs.num_nonlinear() + constant_sboxes(model, weights) + constant_selections(model, weights),
                "{}: circom's non-linear constraints differ from the builder's",
                model.name
            );
        }
        let mut want: Vec<String> = model
            .run(&inputs)
            .unwrap()
            .iter()
            .flatten()
            .map(|&v| field_decimal(v as i128))
            .collect();
        if weights == Weights::Committed {
            want.push(fr_to_decimal(&weight_commitment(model).unwrap()));
        }
        let got: Vec<String> = run.outputs.iter().map(|(_, v)| v.clone()).collect();
        assert_eq!(got, want, "{} seed {seed}", model.name);
    }
}

#[test]
fn test_graphs_compile_and_agree_with_the_engine() {
    for m in models::all() {
        check(&models::load(&m), Weights::Constant, 0..2);
    }
}

#[test]
fn every_zoo_model_compiles_and_agrees() {
    for b in section9_zoo::BUILTINS {
        let name = b.name;
        check(&section9_zoo::builtin(name).unwrap().unwrap(), Weights::Constant, 0..2);
    }
}

#[test]
fn committed_weights_compile_and_agree_commitment_included() {
    for name in ["mlp-fixture", "digits-cnn"] {
        check(&section9_zoo::builtin(name).unwrap().unwrap(), Weights::Committed, 0..1);
    }
}

/// `take_private` is meant for committed indices (with constant ones the
/// builder folds products of known values that circom keeps, as the
/// counts above allow for elsewhere).
#[test]
fn committed_indices_of_take_private_compile_and_agree() {
    let model = models::load(&models::private_take(vec![3, -1, 7, 2]));
    check(&model, Weights::Committed, 0..2);
}

#[test]
fn hashed_inputs_are_refused_by_name() {
    use section9::graph::{ModelBuilder, Visibility};
    let mut m = ModelBuilder::new();
    m.input_range("z", &[1, 2], -3, 3, Visibility::Hashed);
    m.op("r", "relu", &["z"], &[]);
    let model = models::load(&m.finish("hashed", "", &["r"]));
    let err = circom_program(&model, Weights::Constant).unwrap_err().to_string();
    assert!(err.contains("input `z` is hashed"), "{err}");
}

#[test]
fn the_fixture_project_is_pinned() {
    let model = section9_zoo::builtin("mlp-fixture").unwrap().unwrap();
    let files = circom_project(&model, Weights::Constant).unwrap();
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["mlp_fixture.circom", "input.json", "README.md"]);
    for (name, text) in &files {
        insta::assert_snapshot!(format!("circom_project__{}", name.replace('.', "_")), text);
    }
    // Deterministic: a second generation is the same text.
    assert_eq!(circom_project(&model, Weights::Constant).unwrap(), files);
}

/// circomspect's warning headline with every backticked name blanked, so
/// the same kind of warning reads the same wherever it is.
fn warning_kind(line: &str) -> String {
    let parts: Vec<&str> = line
        .split('`')
        .enumerate()
        .map(|(i, p)| if i % 2 == 1 { "_" } else { p })
        .collect();
    parts.join("`")
}

#[test]
fn circomspect_warnings_are_each_explained_in_the_docs() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let doc = std::fs::read_to_string(root.join("docs/circom.md")).unwrap();
    let explained: Vec<String> = doc
        .lines()
        .filter_map(|l| l.strip_prefix("| "))
        .filter_map(|l| l.split(" | ").next())
        .map(warning_kind)
        .collect();
    section9_tests::circom::ensure_tools().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for (b, weights) in section9_zoo::BUILTINS
        .iter()
        .flat_map(|b| [(b, Weights::Constant), (b, Weights::Committed)])
    {
        let model = section9_zoo::builtin(b.name).unwrap().unwrap();
        let path = dir.path().join(format!("{}.circom", b.name));
        std::fs::write(&path, circom_program(&model, weights).unwrap()).unwrap();
        let out = std::process::Command::new(section9_tests::circom::circomspect())
            .arg(&path)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
        assert!(
            text.contains("analyzing template 'Model'"),
            "circomspect did not run:\n{text}"
        );
        for line in text
            .lines()
            .filter(|l| l.starts_with("warning: ") || l.starts_with("error: "))
        {
            let kind = warning_kind(line.trim_start_matches("warning: "));
            assert!(!line.starts_with("error"), "{}: {line}", b.name);
            assert!(
                explained.iter().any(|e| e == &kind),
                "{}: circomspect warning not explained in docs/circom.md: {line}",
                b.name
            );
            seen.insert(kind);
        }
    }
    // The analyser really looked: the hints' `<--` are always reported.
    assert!(
        seen.iter()
            .any(|k| k.starts_with("Using the signal assignment operator")),
        "{seen:?}"
    );
}

/// Models `section9 import` makes from the committed ONNX fixtures: the
/// generator (tables declared public, left out of the commitment) with
/// committed weights, the residual CNN (add, concatenate) with constant ones.
#[test]
fn imported_onnx_models_compile_and_agree() {
    use section9_zoo::import::{import, DataFiles, Options};
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../zoo/tests/onnx");
    for (name, calibration, weights) in [
        ("digits-gan", "gan-latent.npy", Weights::Committed),
        ("digits-res", "calibration.npy", Weights::Constant),
    ] {
        let files = DataFiles {
            calibration: &dir.join(calibration),
            eval: None,
        };
        let onnx = dir.join(format!("{name}.onnx"));
        let imported = import(&onnx, &files, &Options::named(name), &indicatif::ProgressBar::hidden()).unwrap();
        let q = &imported.quantized;
        check(&Model::new(&q.file, &q.params).unwrap(), weights, 0..1);
    }
}
