//! Classic models through `section9 import`: the scikit-learn, XGBoost and
//! LightGBM exports of `zoo/tests/tabular` (made by `tools/tabular`), their
//! float reading checked against the libraries' own predictions, the
//! integer models against both, and proofs in both weight modes.

use indicatif::ProgressBar;
use prost::Message;
use section9::graph::Model;
use section9::graph::Params;
use section9_zoo::import::tabular::{self, integer::FeatureScales, ml};
use section9_zoo::import::{self, data, onnx, AnyReport, DataFiles, Options, TreeLayout};
use std::path::{Path, PathBuf};
mod command;

use command::{section9, text};
use tract_onnx::pb::{self, attribute_proto::AttributeType};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tabular").join(name)
}

/// Every committed model and the data set it was trained on.
const MODELS: [(&str, &str); 19] = [
    ("cancer-logreg", "cancer"),
    ("cancer-forest", "cancer"),
    ("cancer-xgb", "cancer"),
    ("cancer-lgbm", "cancer"),
    ("cancer-gbdt", "cancer"),
    ("cancer-tree", "cancer"),
    ("wine-forest", "wine"),
    ("wine-logreg", "wine"),
    ("sybil-logreg", "sybil"),
    ("sybil-forest", "sybil"),
    ("sybil-xgb", "sybil"),
    ("cancer-scaled-forest", "cancer"),
    ("sybil-binarized-tree", "sybil"),
    ("sybil-binarized-logreg", "sybil"),
    ("cancer-normalized-logreg", "cancer"),
    ("wine-normalized-forest", "wine"),
    ("diabetes-linear", "diabetes"),
    ("diabetes-forest", "diabetes"),
    ("diabetes-xgb", "diabetes"),
];

fn read(model: &str) -> onnx::OnnxModel {
    onnx::read(&std::fs::read(fixture(&format!("{model}.onnx"))).unwrap()).unwrap()
}

fn rows(set: &str, what: &str, shape: &[usize]) -> Vec<Vec<f32>> {
    data::samples(&fixture(&format!("{set}-{what}.npy")), shape)
        .unwrap()
        .rows
}

/// The library's predictions on the held-out rows: classes, or values.
fn predictions(model: &str) -> Vec<f64> {
    let path = fixture(&format!("{model}-predictions.npy"));
    match data::labels(&path) {
        Ok(classes) => classes.into_iter().map(|c| c as f64).collect(),
        Err(_) => data::samples(&path, &[1, 1])
            .unwrap()
            .rows
            .into_iter()
            .map(|r| r[0] as f64)
            .collect(),
    }
}

/// The model imported in process with its trees laid out as `trees`: the
/// model, its parameters and the report.
fn import_laid_out(model: &str, set: &str, trees: TreeLayout) -> (Model, Params, tabular::report::TabularReport) {
    import_with(
        model,
        set,
        &Options {
            trees,
            ..Options::named(model)
        },
    )
}

/// The model imported in process with `opts`.
fn import_with(model: &str, set: &str, opts: &Options) -> (Model, Params, tabular::report::TabularReport) {
    let files = DataFiles {
        calibration: &fixture(&format!("{set}-calibration.npy")),
        eval: None,
    };
    let out = import::import_any(&fixture(&format!("{model}.onnx")), &files, opts, &ProgressBar::hidden()).unwrap();
    let AnyReport::Tabular(report) = out.report else {
        panic!("{model} imported as a network");
    };
    (Model::new(&out.file, &out.params).unwrap(), out.params, *report)
}

/// The model imported in process as `section9 import` does by default,
/// and the report.
fn import_model(model: &str, set: &str) -> (Model, tabular::report::TabularReport) {
    let (m, _, report) = import_laid_out(model, set, TreeLayout::Complete);
    (m, report)
}

/// What the integer model predicts for a float row: its label, or its
/// first score dequantized.
fn integer_prediction(m: &Model, scales: &FeatureScales, score_exp: i32, row: &[f32]) -> f64 {
    let out = m.run(&[scales.quantize(row).0]).unwrap();
    match out.get(1) {
        Some(class) => class[0] as f64,
        None => out[0][0] as f64 * f64::powi(2.0, score_exp),
    }
}

/// The float reading of each file predicts what the library predicted,
/// row for row (for regressors within float32 rounding); the integer
/// model predicts the same class on at least 99.5% of the held-out rows,
/// and a regressor's value within 1% of the targets' spread on 99%.
#[test]
fn every_model_agrees_with_the_library_that_trained_it() {
    for (name, set) in MODELS {
        let onnx = read(name);
        let classic = ml::read(&onnx).unwrap();
        let eval = rows(set, "eval", &onnx.input_shape);
        let want = predictions(name);
        assert_eq!(want.len(), eval.len(), "{name}");
        let (model, report) = import_model(name, set);
        let regression = classic.task == ml::Task::Regression;
        let spread = want.iter().fold(0f64, |m, v| m.max(v.abs()));
        let mut agree = 0;
        for (row, &w) in eval.iter().zip(&want) {
            let scores = classic.scores(row);
            let int = integer_prediction(&model, &report.features, report.score_exp, row);
            if regression {
                assert!(
                    (scores[0] - w).abs() <= 1e-5 * spread.max(1.0),
                    "{name}: {} vs {w}",
                    scores[0]
                );
                agree += usize::from((int - w).abs() <= 0.01 * spread);
            } else {
                assert_eq!(classic.label(&scores).map(|l| l as f64), Some(w), "{name}: {scores:?}");
                agree += usize::from(int == w);
            }
        }
        // A regressor's value moves whenever a feature within one grid
        // step of a threshold crosses it, which a class rarely notices.
        let share = agree as f64 / eval.len() as f64;
        let need = if regression { 0.99 } else { 0.995 };
        assert!(share >= need, "{name}: the integer model agrees on {share}");
    }
}

/// Trees as they are compute exactly what complete trees compute, row for
/// row, testing only the real branches; complete trees of one count and
/// depth are wired alike whatever the model.
#[test]
fn exact_and_hidden_trees_score_as_complete_trees() {
    let mut wirings = Vec::new();
    for (name, set) in MODELS {
        let onnx = read(name);
        let ml::Body::Trees { trees, .. } = ml::read(&onnx).unwrap().body else {
            continue;
        };
        let real = trees
            .iter()
            .flat_map(|t| &t.nodes)
            .filter(|n| matches!(n, ml::TreeNode::Branch { .. }))
            .count();
        let (complete, params, report) = import_laid_out(name, set, TreeLayout::Complete);
        let (exact, _, lean) = import_laid_out(name, set, TreeLayout::Exact);
        let (hidden, hidden_params, _) = import_laid_out(name, set, TreeLayout::Hidden);
        let (full, lean) = (report.trees.clone().unwrap(), lean.trees.unwrap());
        assert_eq!(lean.branches, real, "{name}");
        assert_eq!(full.branches, trees.len() * ((1 << full.depth) - 1), "{name}");
        assert_eq!(
            hidden_params.tensors["trees.feature_index"], params.tensors["trees.feature"],
            "{name}"
        );
        for row in rows(set, "eval", &onnx.input_shape) {
            let x = [report.features.quantize(&row).0];
            let want = complete.run(&x).unwrap();
            assert_eq!(exact.run(&x).unwrap(), want, "{name}");
            assert_eq!(hidden.run(&x).unwrap(), want, "{name}");
        }
        let wiring = ["trees.child", "trees.root"].map(|t| params.tensors[t].clone());
        wirings.push(((trees.len(), full.depth), wiring));
    }
    for (a, wa) in &wirings {
        for (b, wb) in &wirings {
            if a == b {
                assert_eq!(wa, wb, "{a:?}");
            }
        }
    }
}

/// With `--trees hidden` and committed weights, which features the trees
/// read is not part of the circuit: a model whose branches read other
/// features has the same circuit (and keys), told apart only by the
/// commitment; with constant weights the circuits differ.
#[test]
fn hidden_feature_indices_leave_the_circuit_unchanged() {
    use section9::compile::{circuit_digest, compile, Weights};
    use section9::r1cs::Builder;
    let files = DataFiles {
        calibration: &fixture("cancer-calibration.npy"),
        eval: None,
    };
    let opts = Options {
        trees: TreeLayout::Hidden,
        ..Options::named("cancer-tree")
    };
    let out = import::import_any(&fixture("cancer-tree.onnx"), &files, &opts, &ProgressBar::hidden()).unwrap();
    let AnyReport::Tabular(report) = out.report else {
        panic!("imported as a network");
    };
    let mut other = out.params.clone();
    for f in other.tensors.get_mut("trees.feature_index").unwrap().iter_mut() {
        *f = (*f + 1) % 30;
    }
    let mut file = out.file.clone();
    file.params.as_mut().unwrap().sha256 = other.sha256_hex();
    let (model, moved) = (
        Model::new(&out.file, &out.params).unwrap(),
        Model::new(&file, &other).unwrap(),
    );
    let rows = rows("cancer", "eval", &read("cancer-tree").input_shape);
    let inputs: Vec<Vec<Vec<i64>>> = rows.iter().map(|r| vec![report.features.quantize(r).0]).collect();
    assert!(
        inputs.iter().any(|x| model.run(x).unwrap() != moved.run(x).unwrap()),
        "the indices are read"
    );
    let circuit = |m: &Model, weights| {
        let c = compile(m, &inputs[0], weights, Builder::new()).unwrap();
        assert!(c.cs.is_satisfied());
        assert_eq!(c.outputs, m.run(&inputs[0]).unwrap());
        (circuit_digest(&c.cs), c.commitment)
    };
    let (a, b) = (circuit(&model, Weights::Committed), circuit(&moved, Weights::Committed));
    assert_eq!(a.0, b.0);
    assert_ne!(a.1, b.1);
    assert_ne!(
        circuit(&model, Weights::Constant).0,
        circuit(&moved, Weights::Constant).0
    );
}

/// One held-out value of the breast-cancer rows (row 83's "worst area")
/// lies beyond the calibration rows' range: the report counts it, which
/// is what makes its score error larger than rounding.
#[test]
fn held_out_values_beyond_the_calibration_range_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let report = import_command("cancer-logreg", "cancer", dir.path(), &[]);
    assert_eq!(report["calibration"]["clipped_values"], 0);
    assert_eq!(report["eval"]["clipped_values"], 1);
    assert!(report["eval"]["score_error"].as_f64().unwrap() > 1.0);
    assert!(report["calibration"]["score_error"].as_f64().unwrap() < 0.01);
}

#[test]
fn a_tree_with_hidden_features_imports_proves_and_verifies() {
    let report = end_to_end("cancer-tree", "cancer", &["--trees", "hidden"]);
    assert_eq!(report["trees"]["layout"], "hidden");
    assert_every_label_agrees(&report);
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `section9 import` as a user runs it, with evaluation data and `extra`
/// options; the report.
fn import_command(name: &str, set: &str, out: &Path, extra: &[&str]) -> serde_json::Value {
    let truth = if set == "diabetes" { "targets" } else { "labels" };
    let files = [
        fixture(&format!("{name}.onnx")),
        fixture(&format!("{set}-calibration.npy")),
        fixture(&format!("{set}-eval.npy")),
        fixture(&format!("{set}-{truth}.npy")),
    ];
    let [onnx, cal, x, y] = files.each_ref().map(|f| path(f));
    let mut args = vec![
        "import",
        onnx,
        "--calibration",
        cal,
        "--eval",
        x,
        "--labels",
        y,
        "--out",
        path(out),
        "--json",
    ];
    args.extend(extra);
    let o = section9(&args);
    assert!(o.status.success(), "{}", text(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Import (with `extra` options), run, prove and verify with the weights
/// constant and committed; snarkjs accepts both proofs.
fn end_to_end(name: &str, set: &str, extra: &[&str]) -> serde_json::Value {
    section9_tests::circom::ensure_tools().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join(name);
    let report = import_command(name, set, &out, extra);
    let model = out.join(format!("{name}.json"));
    let input = out.join("input.json");
    let o = section9(&["run", path(&model), path(&input)]);
    assert!(o.status.success(), "{}", text(&o));
    for weights in ["constant", "committed"] {
        let proof = dir.path().join(format!("proof-{weights}"));
        let keys = dir.path().join("keys");
        let o = section9(&[
            "prove",
            path(&model),
            path(&input),
            "--weights",
            weights,
            "--out",
            path(&proof),
            "--keys",
            path(&keys),
        ]);
        assert!(o.status.success(), "{weights}: {}", text(&o));
        let files = ["verification_key.json", "proof.json", "public.json"].map(|f| proof.join(f));
        let [vk, p, public] = files.each_ref().map(|f| path(f));
        let o = section9(&["verify", vk, p, public]);
        assert_eq!(o.status.code(), Some(0), "{weights}: {}", text(&o));
        let [vk, p, public] = files.each_ref().map(|f| std::fs::read_to_string(f).unwrap());
        assert!(
            section9_tests::circom::snarkjs_verify(dir.path(), &vk, &public, &p),
            "{name} {weights}: snarkjs refuses the proof"
        );
    }
    report
}

#[test]
fn a_hundred_tree_forest_imports_proves_and_verifies() {
    let report = end_to_end("cancer-forest", "cancer", &[]);
    assert_eq!(report["kind"], "TreeEnsembleClassifier");
    assert_eq!(report["trees"]["count"], 100);
    assert_eq!(report["trees"]["depth"], 4);
    let eval = &report["eval"];
    assert!(eval["label_agreement"].as_f64().unwrap() >= 0.995, "{eval}");
    assert!(eval["int_accuracy"].as_f64().unwrap() >= 0.9, "{eval}");
}

#[test]
fn scaled_multiclass_logistic_regression_imports_proves_and_verifies() {
    let report = end_to_end("wine-logreg", "wine", &[]);
    assert_eq!(report["task"], "multiclass");
    assert!(report["eval"]["label_agreement"].as_f64().unwrap() >= 0.995);
}

#[test]
fn boosted_regression_trees_as_they_are_import_prove_and_verify() {
    let report = end_to_end("diabetes-xgb", "diabetes", &["--trees", "exact"]);
    assert_eq!(report["task"], "regression");
    assert_eq!(report["trees"]["layout"], "exact");
    let eval = &report["eval"];
    let (float, int) = (eval["float_r2"].as_f64().unwrap(), eval["int_r2"].as_f64().unwrap());
    assert!((float - int).abs() < 0.01, "{eval}");
}

/// Every held-out label of the report is the library's.
fn assert_every_label_agrees(report: &serde_json::Value) {
    let eval = &report["eval"];
    assert_eq!(eval["label_agreement"].as_f64(), Some(1.0), "{eval}");
}

/// A scaler and a binarizer before a tree fold into its thresholds: the
/// integer tree reads the raw features and agrees with the library on
/// every held-out row.
#[test]
fn a_scaled_and_binarized_tree_imports_proves_and_verifies() {
    let report = end_to_end("sybil-binarized-tree", "sybil", &[]);
    assert_eq!(report["kind"], "TreeEnsembleClassifier");
    assert_every_label_agrees(&report);
}

/// A linear model over binarized features becomes one stump per feature
/// (leaves 0 and its coefficient), so the binarizer folds into each
/// stump's threshold as it does into a tree's: the same label as the
/// library on every held-out row, in both weight modes.
#[test]
fn a_binarized_logistic_regression_imports_as_stumps_proves_and_verifies() {
    let report = end_to_end("sybil-binarized-logreg", "sybil", &[]);
    assert_eq!(report["kind"], "LinearClassifier");
    assert_eq!(report["trees"]["count"], 12);
    assert_eq!(report["trees"]["depth"], 1);
    assert_every_label_agrees(&report);
}

/// A Normalizer before the model: each row divided by its L2 norm (an
/// integer square root in the circuit) or its L1 norm, each normalized
/// feature on its own grid; the labels agree with the library's on every held-out row here
/// (the rule is 99.5%: a normalized feature within a grid step of a
/// threshold may go the other way), and the L2 model proves and verifies
/// in both weight modes.
#[test]
fn normalized_rows_import_prove_and_verify() {
    for (name, set) in [
        ("cancer-normalized-logreg", "cancer"),
        ("wine-normalized-forest", "wine"),
    ] {
        let (_, report) = import_model(name, set);
        assert_eq!(report.calibration.label_agreement, Some(1.0), "{name}");
    }
    let report = end_to_end("cancer-normalized-logreg", "cancer", &[]);
    assert_eq!(report["kind"], "LinearClassifier");
    assert_every_label_agrees(&report);
}

// ---- bad ONNX-ML files, made by editing the committed exports ----

/// What reading `model` says after `edit` changes its classic node.
fn read_edited(model: &str, edit: impl FnOnce(&mut pb::NodeProto)) -> Result<ml::Classic, String> {
    read_graph_edited(model, |graph| {
        let node = graph
            .node
            .iter_mut()
            .find(|n| n.domain == "ai.onnx.ml" && (n.op_type.starts_with("Tree") || n.op_type.starts_with("Linear")))
            .unwrap();
        edit(node)
    })
}

/// What reading `model` says after `edit` changes its graph.
fn read_graph_edited(model: &str, edit: impl FnOnce(&mut pb::GraphProto)) -> Result<ml::Classic, String> {
    let bytes = std::fs::read(fixture(&format!("{model}.onnx"))).unwrap();
    let mut proto = pb::ModelProto::decode(&bytes[..]).unwrap();
    edit(proto.graph.as_mut().unwrap());
    onnx::read(&proto.encode_to_vec())
        .and_then(|m| ml::read(&m))
        .map_err(|e| e.to_string())
}

/// The norm a file's Normalizer names, set to `norm`.
fn renormed(model: &str, norm: &str) -> Result<ml::Classic, String> {
    read_graph_edited(model, |graph| {
        let n = graph.node.iter_mut().find(|n| n.op_type == "Normalizer").unwrap();
        attribute(n, "norm").s = norm.as_bytes().to_vec();
    })
}

/// ONNX Runtime's MAX norm is the largest value, scikit-learn's the
/// largest magnitude: a file that says MAX is refused rather than read as
/// either; an unknown norm and a Normalizer after a Scaler are refused.
#[test]
fn a_max_norm_an_unknown_norm_and_a_late_normalizer_are_refused() {
    assert!(renormed("wine-normalized-forest", "L1").is_ok());
    refused(
        renormed("wine-normalized-forest", "MAX"),
        "norm `MAX`: ONNX Runtime divides",
    );
    refused(renormed("wine-normalized-forest", "L3"), "norm `L3`");
    let late = read_graph_edited("cancer-normalized-logreg", |graph| {
        let [normalize, scale] = [0, 1].map(|i| graph.node[i].clone());
        assert_eq!(
            (normalize.op_type.as_str(), scale.op_type.as_str()),
            ("Normalizer", "Scaler")
        );
        let (input, between, output) = (
            normalize.input[0].clone(),
            normalize.output[0].clone(),
            scale.output[0].clone(),
        );
        graph.node[0] = pb::NodeProto {
            input: vec![input],
            output: vec![between.clone()],
            ..scale
        };
        graph.node[1] = pb::NodeProto {
            input: vec![between],
            output: vec![output],
            ..normalize
        };
    });
    refused(late, "a Normalizer is supported as the first step");
}

fn attribute<'a>(n: &'a mut pb::NodeProto, name: &str) -> &'a mut pb::AttributeProto {
    n.attribute.iter_mut().find(|a| a.name == name).unwrap()
}

fn refused(result: Result<ml::Classic, String>, words: &str) {
    match result {
        Ok(_) => panic!("accepted; expected an error naming {words:?}"),
        Err(e) => assert!(e.contains(words), "{e:?} does not say {words:?}"),
    }
}

#[test]
fn a_transform_a_regressor_would_lose_is_refused() {
    refused(
        read_edited("diabetes-linear", |n| {
            n.attribute.push(pb::AttributeProto {
                name: "post_transform".into(),
                r#type: AttributeType::String as i32,
                s: b"SOFTMAX".to_vec(),
                ..Default::default()
            })
        }),
        "post_transform `SOFTMAX`",
    );
}

/// `--bias-correction` corrects a network's linear layers; on a classic
/// model it would do nothing, so it is refused rather than ignored, and
/// `--probability` on a logistic regression and on XGBoost: the integer
/// probability of class 1 (`v / 256`, from the logit at `2^-4` through a
/// 255-entry table) against the library's own `predict_proba`, every
/// held-out row: within half an index step times the sigmoid's largest
/// slope (1/128) plus half a table step (1/512), and a little for the
/// integer score's own rounding.
#[test]
fn a_logit_model_gives_its_probability_within_a_table_step() {
    for model in ["cancer-logreg", "cancer-xgb"] {
        let opts = Options {
            probability: true,
            ..Options::named(model)
        };
        let (m, _, report) = import_with(model, "cancer", &opts);
        let proba = data::samples(&fixture(&format!("{model}-scores.npy")), &[1, 2])
            .unwrap()
            .rows;
        let eval = rows("cancer", "eval", &[1, 30]);
        assert_eq!(proba.len(), eval.len());
        let mut worst = 0f64;
        for (row, p) in eval.iter().zip(&proba) {
            let out = m.run(&[report.features.quantize(row).0]).unwrap();
            let int = out[2][0] as f64 / 256.0;
            worst = worst.max((int - p[1] as f64).abs());
        }
        assert!(worst <= 0.0125, "{model}: probability off by {worst}");
        assert!(report.calibration.probability_error.unwrap() <= 0.0125, "{model}");
    }
}

#[test]
fn a_logistic_regression_with_its_probability_imports_proves_and_verifies() {
    let report = end_to_end("cancer-logreg", "cancer", &["--probability"]);
    assert!(
        report["eval"]["probability_error"].as_f64().unwrap() <= 0.0125,
        "{report}"
    );
}

/// A forest's score is a vote share, not a logit, and a network has its
/// own Sigmoid or Softmax: `--probability` is refused by name, nothing
/// written.
#[test]
fn probability_without_a_logit_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let network = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/onnx");
    let cases = [
        (fixture("cancer-forest.onnx"), fixture("cancer-calibration.npy")),
        (network.join("digits-mlp.onnx"), network.join("calibration.npy")),
    ];
    for (model, calibration) in cases {
        let out = tmp.path().join("out");
        let args = [
            "import",
            path(&model),
            "--calibration",
            path(&calibration),
            "--out",
            path(&out),
            "--probability",
        ];
        let o = section9(&args);
        assert!(!o.status.success());
        let t = text(&o);
        assert!(t.contains("`--probability` does not apply"), "{t}");
        assert!(!out.exists(), "nothing written");
    }
}

/// nothing is written.
#[test]
fn bias_correction_on_a_classic_model_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let (model, calibration) = (fixture("cancer-logreg.onnx"), fixture("cancer-calibration.npy"));
    let args = [
        "import",
        model.to_str().unwrap(),
        "--calibration",
        calibration.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--bias-correction",
    ];
    let o = section9(&args);
    assert!(!o.status.success());
    let t = text(&o);
    assert!(
        t.contains("`--bias-correction` does not apply") && t.contains("cancer-logreg.onnx"),
        "{t}"
    );
    assert!(!out.exists(), "nothing written");
}

#[test]
fn missing_and_unknown_attributes_are_refused_by_name() {
    refused(
        read_edited("cancer-logreg", |n| n.attribute.retain(|a| a.name != "coefficients")),
        "missing attribute `coefficients`",
    );
    refused(
        read_edited("cancer-forest", |n| n.attribute.retain(|a| a.name != "nodes_modes")),
        "missing attribute `nodes_modes`",
    );
    refused(
        read_edited("cancer-xgb", |n| {
            attribute(n, "nodes_values").name = "nodes_values_as_tensor".into()
        }),
        "nodes_values_as_tensor",
    );
}

#[test]
fn inconsistent_node_lists_are_refused() {
    refused(
        read_edited("cancer-tree", |n| {
            attribute(n, "nodes_truenodeids").ints.pop();
        }),
        "differ in length",
    );
    // A branch pointing back at the root: a cycle, not a tree.
    refused(
        read_edited("cancer-tree", |n| attribute(n, "nodes_truenodeids").ints[0] = 0),
        "reached twice",
    );
    refused(
        read_edited("cancer-forest", |n| attribute(n, "nodes_featureids").ints[0] = 30),
        "feature 30 of 30",
    );
    refused(
        read_edited("cancer-lgbm", |n| {
            attribute(n, "nodes_modes").strings[0] = b"BRANCH_EQ".to_vec()
        }),
        "mode `BRANCH_EQ`",
    );
}

#[test]
fn non_finite_thresholds_and_weights_are_refused() {
    refused(
        read_edited("cancer-forest", |n| attribute(n, "nodes_values").floats[0] = f32::NAN),
        "threshold NaN",
    );
    refused(
        read_edited("sybil-xgb", |n| attribute(n, "class_weights").floats[3] = f32::INFINITY),
        "inf",
    );
}

/// One tree whose true branch goes `depth` levels down: node `i < depth`
/// branches to `i + 1` (or the last leaf) and to leaf `depth + i`.
fn chain_tree(n: &mut pb::NodeProto, depth: i64) {
    let branches = 0..depth;
    let leaves = depth..=2 * depth;
    let all = 2 * depth + 1;
    let set_ints = |n: &mut pb::NodeProto, name: &str, v: Vec<i64>| attribute(n, name).ints = v;
    set_ints(n, "nodes_treeids", vec![0; all as usize]);
    set_ints(n, "nodes_nodeids", (0..all).collect());
    set_ints(n, "nodes_featureids", vec![0; all as usize]);
    let yes = branches.clone().map(|i| if i + 1 < depth { i + 1 } else { 2 * depth });
    set_ints(n, "nodes_truenodeids", yes.chain(leaves.clone().map(|_| 0)).collect());
    let no = branches.clone().map(|i| depth + i);
    set_ints(n, "nodes_falsenodeids", no.chain(leaves.clone().map(|_| 0)).collect());
    attribute(n, "nodes_values").floats = (0..all).map(|i| i as f32).collect();
    attribute(n, "nodes_modes").strings = (0..all)
        .map(|i| {
            if i < depth {
                b"BRANCH_LEQ".to_vec()
            } else {
                b"LEAF".to_vec()
            }
        })
        .collect();
    n.attribute
        .retain(|a| !["nodes_hitrates", "nodes_missing_value_tracks_true"].contains(&a.name.as_str()));
    set_ints(n, "class_treeids", vec![0; leaves.clone().count()]);
    set_ints(n, "class_nodeids", leaves.clone().collect());
    set_ints(n, "class_ids", vec![1; leaves.clone().count()]);
    attribute(n, "class_weights").floats = leaves.map(|i| (i % 2) as f32).collect();
}

#[test]
fn trees_deeper_than_the_limit_are_refused() {
    let deepest = ml::MAX_DEPTH as i64;
    let ok = read_edited("cancer-tree", |n| chain_tree(n, deepest)).unwrap();
    let ml::Body::Trees { trees, .. } = &ok.body else {
        panic!("not a tree ensemble")
    };
    assert_eq!(trees[0].depth(), ml::MAX_DEPTH);
    refused(
        read_edited("cancer-tree", |n| chain_tree(n, deepest + 1)),
        &format!("deeper than {deepest}"),
    );
}

/// The built-in classic models are the committed exports imported now, bit
/// for bit (`cargo xtask classic` writes them).
#[test]
fn the_built_in_classic_models_are_the_committed_exports_imported() {
    use section9_zoo::{classic, BUILTINS};
    for (name, set) in classic::CLASSIC {
        let (file, params, _) = classic::import(name, set, TreeLayout::Complete).unwrap();
        let b = BUILTINS.iter().find(|b| b.name == name).unwrap();
        assert_eq!(b.json, file.to_json(), "{name}: run `cargo xtask classic`");
        assert_eq!(b.params, params.to_bytes(), "{name}: run `cargo xtask classic`");
    }
}

/// The verdict flow as a user types it: import with the features hashed,
/// prove, write the verdict contract, print the `clear` call.
#[test]
fn a_hashed_input_scorer_gets_a_verdict_contract_and_its_call() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sybil");
    let files = ["sybil-logreg.onnx", "sybil-calibration.npy"].map(fixture);
    let o = section9(&[
        "import",
        path(&files[0]),
        "--calibration",
        path(&files[1]),
        "--input",
        "hashed",
        "--out",
        path(&out),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let model = out.join("sybil-logreg.json");
    let run = dir.path().join("run");
    let o = section9(&[
        "prove",
        path(&model),
        path(&out.join("input.json")),
        "--out",
        path(&run),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let public: Vec<String> = serde_json::from_str(&std::fs::read_to_string(run.join("public.json")).unwrap()).unwrap();
    assert_eq!(public.len(), 4, "score, class, features' hash, commitment: {public:?}");
    let contracts = dir.path().join("contracts");
    let vk = run.join("verification_key.json");
    let o = section9(&[
        "export-solidity",
        path(&vk),
        "--model",
        path(&model),
        "--verdict",
        "--out",
        path(&contracts),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let sol = std::fs::read_to_string(contracts.join("Section9Verdict.sol")).unwrap();
    assert!(sol.contains("uint256[4] calldata input"), "{sol}");
    let o = section9(&[
        "calldata",
        path(&run.join("proof.json")),
        path(&run.join("public.json")),
        "--abi",
        "clear",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    // The selector of clear(uint256[2],uint256[2][2],uint256[2],uint256[4]), then 12 words.
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim().len(), 2 + 8 + 12 * 64);

    // A model whose input is private has no verdict layout: said, not panicked.
    let o = section9(&[
        "export-solidity",
        path(&vk),
        "--model",
        "sybil-logreg",
        "--verdict",
        "--out",
        path(&contracts),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("hashed"), "{}", text(&o));
}
