//! The verdict contract on a Sybil scorer imported with a hashed input: a
//! feature vector is cleared, by hash, only with a valid proof of the
//! committed model whose score is below the contract's threshold.

use super::*;
use indicatif::ProgressBar;
use section9::evm::{verdict_contract, Verdict, VERDICT};
use section9::graph::{ModelFile, Params, Visibility};
use section9_zoo::import::{self, data, AnyReport, DataFiles, Options};
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../zoo/tests/tabular")).join(name)
}

/// The Sybil logistic regression imported with its features hashed, and
/// the first held-out rows as its integer inputs.
fn sybil_scorer() -> (ModelFile, Params, Vec<Vec<i64>>) {
    let files = DataFiles {
        calibration: &fixture("sybil-calibration.npy"),
        eval: None,
    };
    let opts = Options {
        input: Visibility::Hashed,
        ..Options::named("sybil")
    };
    let out = import::import_any(&fixture("sybil-logreg.onnx"), &files, &opts, &ProgressBar::hidden()).unwrap();
    let AnyReport::Tabular(report) = out.report else {
        panic!("the Sybil scorer imported as a network");
    };
    let features = [1, report.features.exp.len()];
    let rows = data::samples(&fixture("sybil-eval.npy"), &features).unwrap().rows;
    let inputs = rows.iter().take(40).map(|r| report.features.quantize(r).0).collect();
    (out.file, out.params, inputs)
}

/// The same scorer with its first coefficient changed: the same circuit
/// and keys, another commitment.
fn other_scorer(file: &ModelFile, params: &Params) -> Model {
    let (mut file, mut params) = (file.clone(), params.clone());
    let w = params.tensors.get_mut("linear.w").unwrap();
    w[0] += if w[0] < 0 { 1 } else { -1 };
    if let Some(r) = &mut file.params {
        r.sha256 = params.sha256_hex();
    }
    Model::new(&file, &params).unwrap()
}

fn prove_row(model: &Model, x: &[i64], keys: Option<&Keys>) -> Proved {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let c = compile(model, &[x.to_vec()], Weights::Committed, Builder::new()).unwrap();
    let keys = keys.cloned().unwrap_or_else(|| setup(&c.cs, &mut rng).unwrap());
    let proof = prove(&c.cs, &keys.pk, &mut rng).unwrap();
    Proved { c, keys, proof }
}

fn deploy_verdict(chain: &mut Chain, model: &Model, verifier: Address, commitment: &Fr, threshold: i64) -> Address {
    let mut code = compile_solidity(&verdict_contract(Verdict::of(model).unwrap()))
        .unwrap()
        .remove(VERDICT)
        .unwrap();
    // Constructor arguments: verifier, commitment, threshold (int256).
    code.extend_from_slice(&[0u8; 12]);
    code.extend_from_slice(verifier.as_slice());
    code.extend_from_slice(&be_word(commitment));
    code.extend_from_slice(&int_word(threshold));
    chain.deploy(code).unwrap()
}

fn int_word(v: i64) -> Word {
    let mut w = [if v < 0 { 0xff } else { 0 }; 32];
    w[24..].copy_from_slice(&v.to_be_bytes());
    w
}

fn is_cleared(chain: &mut Chain, at: Address, hash: &Fr) -> bool {
    let mut data = selector("cleared(uint256)");
    data.extend_from_slice(&be_word(hash));
    chain.call(at, data).unwrap().returned_true()
}

fn clear(chain: &mut Chain, at: Address, args: &CallArgs) -> Outcome {
    chain.call(at, encode_verify_call("clear", args)).unwrap()
}

#[test]
fn a_low_score_clears_its_hashed_features_and_nothing_else_does() {
    let (file, params, inputs) = sybil_scorer();
    let model = Model::new(&file, &params).unwrap();
    let layout = Verdict::of(&model).unwrap();
    // A row the model scores negative: the contract must read the field
    // element as a signed score.
    let (x, score) = inputs
        .iter()
        .map(|x| (x, model.run(std::slice::from_ref(x)).unwrap()[0][0]))
        .find(|(_, s)| *s < 0)
        .expect("a held-out row with a negative score");
    let p = prove_row(&model, x, None);
    let public = p.public();
    assert_eq!((public.len(), layout.public, layout.features), (4, 4, 2));
    let (hash, commitment) = (public[2], public[3]);
    assert_eq!(p.c.input_hashes, vec![("x".to_string(), hash)]);
    let mut chain = Chain::new();
    let verifier = deploy_verifier(&mut chain, &p.keys);

    // The threshold just above the score: cleared, and the score returned.
    let lenient = deploy_verdict(&mut chain, &model, verifier, &commitment, score + 1);
    assert!(!is_cleared(&mut chain, lenient, &hash));
    let out = clear(&mut chain, lenient, &p.args());
    assert!(out.success, "{out:?}");
    assert_eq!(out.output, int_word(score));
    assert!(is_cleared(&mut chain, lenient, &hash));
    eprintln!(
        "verdict contract {} bytes; clear {} gas",
        chain.code_len(lenient),
        out.gas
    );
    assert!(out.gas < 300_000, "clear took {} gas", out.gas);

    // The threshold at the score: not below, refused.
    let strict = deploy_verdict(&mut chain, &model, verifier, &commitment, score);
    assert!(reverted_with(
        &clear(&mut chain, strict, &p.args()),
        "score not below the threshold"
    ));
    assert!(!is_cleared(&mut chain, strict, &hash));

    // A lower score or another hash under the same proof: refused.
    for (at, delta) in [(0, -1i64), (2, 1)] {
        let mut forged = public.clone();
        forged[at] += Fr::from(delta);
        let out = clear(&mut chain, strict, &CallArgs::new(&p.proof, &forged));
        assert!(reverted_with(&out, "invalid proof"), "value {at}: {out:?}");
    }

    // A valid proof of another model, under the same keys: the verifier
    // accepts it, the contract does not.
    let other = prove_row(&other_scorer(&file, &params), x, Some(&p.keys));
    assert!(verify_on_chain(&mut chain, verifier, &other.args()).returned_true());
    assert!(reverted_with(
        &clear(&mut chain, strict, &other.args()),
        "proof of another model"
    ));
}

#[test]
fn a_model_without_one_hashed_input_and_one_score_has_no_verdict_layout() {
    let (mut file, params, _) = sybil_scorer();
    let x = file.nodes.iter().position(|n| n.op == "input").unwrap();
    file.nodes[x].visibility = None;
    let private = Model::new(&file, &params).unwrap();
    assert!(Verdict::of(&private).unwrap_err().to_string().contains("hashed"));
    file.nodes[x].visibility = Some(Visibility::Hashed);
    file.pack_outputs = true;
    let packed = Model::new(&file, &params).unwrap();
    assert!(Verdict::of(&packed).unwrap_err().to_string().contains("packed"));
}
