//! `prove --chunks` and `verify MANIFEST`: a run proved in pieces verifies,
//! agrees with the whole model's proof, and is refused when any piece comes
//! from another run or another model, or is missing or out of order.

use section9::graph::{ModelFile, Params};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

fn section9(keys: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_section9"))
        .args(args)
        .env("SECTION9_KEYS", keys)
        .output()
        .expect("section9 runs")
}

fn ok(o: Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Proves `model` on input `seed` in 2 pieces into `dir`.
fn prove_pieces(keys: &Path, model: &str, seed: &str, dir: &Path) -> Value {
    let out = ok(section9(
        keys,
        &[
            "--json",
            "prove",
            model,
            "--seed",
            seed,
            "--chunks",
            "2",
            "--out",
            path(dir),
        ],
    ));
    serde_json::from_str(&out).unwrap()
}

/// `verify` on a manifest: its exit status and what it printed.
fn verify(keys: &Path, manifest: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let mut args = vec!["verify", path(manifest)];
    args.extend(extra);
    let o = section9(keys, &args);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.code(), text)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// mlp-fixture with one weight of its last layer changed, as model files.
fn other_weights(dir: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    let mut file = ModelFile::from_json(&std::fs::read_to_string(root.join("mlp-fixture.json")).unwrap()).unwrap();
    let mut params = Params::from_bytes(&std::fs::read(root.join("mlp-fixture.params")).unwrap()).unwrap();
    let (_, last) = params.tensors.iter_mut().next_back().unwrap();
    last[0] = if last[0] == 0 { 1 } else { 0 };
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("other.params"), params.to_bytes()).unwrap();
    let r = file.params.as_mut().unwrap();
    r.file = "other.params".into();
    r.sha256 = params.sha256_hex();
    let model = dir.join("other.json");
    std::fs::write(&model, file.to_json()).unwrap();
    model
}

fn manifest(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap()
}

fn write_manifest(dir: &Path, m: &Value) {
    std::fs::write(dir.join("manifest.json"), m.to_string()).unwrap();
}

#[test]
fn pieces_verify_agree_with_the_whole_model_and_refuse_any_stranger() {
    let tmp = tempfile::tempdir().unwrap();
    let keys = tmp.path().join("keys");
    let a = tmp.path().join("a");
    let summary = prove_pieces(&keys, "mlp-fixture", "1", &a);
    assert_eq!(summary["pieces"], 2, "{summary}");
    let identity = summary["identity"].as_str().unwrap().to_string();
    let m = a.join("manifest.json");
    let (code, text) = verify(&keys, &m, &[]);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(verify(&keys, &m, &["--identity", &identity]).0, Some(0));

    // The last piece publishes the whole model's outputs, and the whole
    // model's proof of the same input publishes the same.
    let whole = tmp.path().join("whole");
    ok(section9(
        &keys,
        &["prove", "mlp-fixture", "--seed", "1", "--out", path(&whole)],
    ));
    let public = |p: PathBuf| -> Vec<String> { serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap() };
    let whole_public = public(whole.join("public.json"));
    let last_public = public(a.join("piece-1/public.json"));
    assert_eq!(whole_public[..10], last_public[..10], "the outputs of mlp-fixture");

    // Another run of the same model (another input): each of its pieces
    // verifies alone, but mixed into this run a link breaks.
    let b = tmp.path().join("b");
    prove_pieces(&keys, "mlp-fixture", "2", &b);
    for k in 0..2 {
        let mixed = tmp.path().join(format!("mixed-{k}"));
        copy_dir(&a, &mixed);
        for f in ["proof.json", "public.json"] {
            std::fs::copy(b.join(format!("piece-{k}/{f}")), mixed.join(format!("piece-{k}/{f}"))).unwrap();
        }
        let (code, text) = verify(&keys, &mixed.join("manifest.json"), &[]);
        assert_eq!(code, Some(1), "piece {k} of another run: {text}");
        assert!(text.contains("link"), "{text}");
    }

    // Another model (one weight changed), cut the same way: same keys,
    // other weight commitment.
    let other = other_weights(&tmp.path().join("other-model"));
    let c = tmp.path().join("c");
    prove_pieces(&keys, path(&other), "1", &c);
    let mixed = tmp.path().join("mixed-model");
    copy_dir(&a, &mixed);
    for f in ["proof.json", "public.json"] {
        std::fs::copy(c.join(format!("piece-1/{f}")), mixed.join(format!("piece-1/{f}"))).unwrap();
    }
    // Its own link would not hold either (another salt); the weights are
    // what the test is about, so take the run's own piece 0 too.
    for f in ["proof.json", "public.json"] {
        std::fs::copy(c.join(format!("piece-0/{f}")), mixed.join(format!("piece-0/{f}"))).unwrap();
    }
    let (code, text) = verify(&keys, &mixed.join("manifest.json"), &[]);
    assert_eq!(code, Some(1), "another model's pieces: {text}");
    assert!(text.contains("weight commitment"), "{text}");
    // Its own manifest verifies, but names another model.
    assert_eq!(verify(&keys, &c.join("manifest.json"), &[]).0, Some(0));
    let (code, text) = verify(&keys, &c.join("manifest.json"), &["--identity", &identity]);
    assert_eq!(code, Some(1), "{text}");

    // Pieces reordered or missing.
    let mut reordered = manifest(&a);
    reordered["model"]["pieces"].as_array_mut().unwrap().swap(0, 1);
    reordered["proofs"].as_array_mut().unwrap().swap(0, 1);
    let r = tmp.path().join("reordered");
    copy_dir(&a, &r);
    write_manifest(&r, &reordered);
    let (code, text) = verify(&keys, &r.join("manifest.json"), &[]);
    assert_eq!(code, Some(1), "reordered: {text}");
    let identity_fixed = {
        let part: section9::pieces::ModelPart = serde_json::from_value(reordered["model"].clone()).unwrap();
        reordered["identity"] = Value::String(part.identity());
        write_manifest(&r, &reordered);
        verify(&keys, &r.join("manifest.json"), &[])
    };
    assert_eq!(
        identity_fixed.0,
        Some(1),
        "reordered, identity recomputed: {}",
        identity_fixed.1
    );
    for drop in 0..2 {
        let mut missing = manifest(&a);
        missing["model"]["pieces"].as_array_mut().unwrap().remove(drop);
        missing["proofs"].as_array_mut().unwrap().remove(drop);
        let part: section9::pieces::ModelPart = serde_json::from_value(missing["model"].clone()).unwrap();
        missing["identity"] = Value::String(part.identity());
        let d = tmp.path().join(format!("missing-{drop}"));
        copy_dir(&a, &d);
        write_manifest(&d, &missing);
        let (code, text) = verify(&keys, &d.join("manifest.json"), &[]);
        assert_eq!(code, Some(1), "piece {drop} missing: {text}");
    }

    // A tampered proof, and a manifest naming files outside its folder.
    let t = tmp.path().join("tampered");
    copy_dir(&a, &t);
    std::fs::copy(b.join("piece-1/proof.json"), t.join("piece-1/proof.json")).unwrap();
    assert_eq!(verify(&keys, &t.join("manifest.json"), &[]).0, Some(1));
    let mut outside = manifest(&a);
    outside["proofs"][0]["proof"] = Value::String("../b/piece-0/proof.json".into());
    write_manifest(&t, &outside);
    let (code, text) = verify(&keys, &t.join("manifest.json"), &[]);
    assert_eq!(code, Some(2), "{text}");
}

#[test]
fn chunk_arguments_are_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let keys = tmp.path().join("keys");
    for bad in ["0", "-1", "many"] {
        let chunks = format!("--chunks={bad}");
        let o = section9(&keys, &["prove", "mlp-fixture", &chunks, "--out", path(tmp.path())]);
        assert_eq!(o.status.code(), Some(2), "--chunks {bad}");
        assert!(String::from_utf8_lossy(&o.stderr).contains("auto"), "--chunks {bad}");
    }
    // One piece is the whole model, proved like any run in pieces.
    let one = tmp.path().join("one");
    let s: Value = serde_json::from_str(&ok(section9(
        &keys,
        &["--json", "prove", "mlp-fixture", "--chunks", "1", "--out", path(&one)],
    )))
    .unwrap();
    assert_eq!(s["pieces"], 1);
    assert_eq!(verify(&keys, &one.join("manifest.json"), &[]).0, Some(0));
    // A worker that must not make keys says so when it lacks them.
    let empty = tmp.path().join("empty-keys");
    let o = section9(
        &keys,
        &[
            "pieces",
            "prove",
            path(&one),
            "--piece",
            "0",
            "--no-setup",
            "--keys",
            path(&empty),
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("has no keys"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = section9(&keys, &["pieces", "prove", path(&one), "--piece", "0", "--no-setup"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // A piece that is not in the plan is named.
    let o = section9(&keys, &["pieces", "prove", path(&one), "--piece", "3"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("piece 3"));
}

#[test]
fn a_model_beyond_the_machines_memory_is_refused_whole_and_proved_in_pieces() {
    let tmp = tempfile::tempdir().unwrap();
    let keys = tmp.path().join("keys");
    // mlp-fixture with committed weights is about 37k constraints: more
    // than 60 MiB by the estimate.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_section9"))
        .args(["prove", "mlp-fixture", "--out", path(&tmp.path().join("w"))])
        .env("SECTION9_KEYS", &keys)
        .env("SECTION9_MEMORY", (60u64 << 20).to_string())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--chunks auto") && err.contains("MiB"), "{err}");
    assert!(!tmp.path().join("w").exists(), "nothing written before the refusal");
    let info = ok(section9(&keys, &["info", "mlp-fixture", "--chunks", "2"]));
    assert!(info.contains("proving        whole: about"), "{info}");
    assert_eq!(info.matches("\npiece ").count(), 2, "{info}");
}
