//! The `section9` command as a shell user meets it: outputs, exit status,
//! messages.

use std::path::Path;
use std::process::{Command, Output};

fn section9(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_section9"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn every_verb_has_help() {
    for verb in [
        "calldata",
        "demo",
        "export-r1cs",
        "export-solidity",
        "import",
        "info",
        "run",
        "prove",
        "serve",
        "verify",
    ] {
        let o = section9(&[verb, "--help"]);
        assert!(o.status.success(), "{verb}: {}", stderr(&o));
        assert!(stdout(&o).contains("Usage: section9 "), "{verb}");
    }
}

#[test]
fn info_ends_with_the_total() {
    let o = section9(&["info", "mlp-fixture"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let total = out.lines().find(|l| l.starts_with("total ")).expect("a `total` line");
    let n: usize = total.split_whitespace().nth(1).unwrap().parse().unwrap();
    assert!(n > 0);
    assert!(out.contains("requant"));
}

/// `--json` gives scripts the same table: the nodes' constraints, the
/// outputs' bindings and the commitment add up to the total the text
/// prints; `--quiet` prints nothing.
#[test]
fn info_speaks_json_to_scripts_and_nothing_when_quiet() {
    let o = section9(&["info", "mlp-fixture", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let nodes: u64 = v["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["constraints"].as_u64().unwrap())
        .sum();
    let parts = nodes + v["outputs"].as_u64().unwrap() + v["commitment"]["constraints"].as_u64().unwrap();
    assert_eq!(Some(parts), v["constraints"].as_u64());
    let text = stdout(&section9(&["info", "mlp-fixture"]));
    assert!(text.contains(&format!("total {parts} constraints")), "{text}");
    let o = section9(&["info", "mlp-fixture", "--weights", "constant", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        (v["mode"].as_str(), v["commitment"].is_null()),
        (Some("constant"), true)
    );
    let o = section9(&["info", "mlp-fixture", "--chunks", "2", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let pieces = v["pieces"].as_array().unwrap();
    assert_eq!(pieces.len(), 2);
    assert!(pieces
        .iter()
        .all(|p| p["constraints"].as_u64() > Some(0) && p["peak_bytes_estimate"].as_u64() > Some(0)));
    let o = section9(&["info", "mlp-fixture", "--quiet"]);
    assert!(o.status.success() && o.stdout.is_empty(), "{}", stdout(&o));
}

#[test]
fn run_prints_the_engine_outputs_as_json() {
    let o = section9(&["run", "mlp-fixture", "--seed", "3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["fc2"][0].as_array().unwrap().len(), 10);
}

#[test]
fn bad_input_is_an_error_that_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input.json");
    let mut x = vec![0; 64];
    x[5] = 300;
    std::fs::write(&input, serde_json::json!({ "x": x }).to_string()).unwrap();
    let o = section9(&["run", "mlp-fixture", input.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("`x`") && err.contains("300") && err.contains("index 5"),
        "{err}"
    );

    let o = section9(&["run", "no-such-model"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("neither a built-in model"));

    // A key is mapped: a directory, an empty file and a cut one are each
    // refused by name, and nothing is written.
    let cut = dir.path().join("cut.zkey");
    std::fs::write(&cut, b"zkey\x01\x00\x00\x00\x0a").unwrap();
    let empty = dir.path().join("empty.zkey");
    std::fs::write(&empty, b"").unwrap();
    let out = dir.path().join("out");
    for (key, says) in [
        (dir.path(), "not a regular file"),
        (&empty, "not a .zkey file"),
        (&cut, "truncated"),
    ] {
        let o = section9(&[
            "prove",
            "mlp-fixture",
            "--zkey",
            key.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2));
        let err = stderr(&o);
        assert!(err.contains(key.to_str().unwrap()) && err.contains(says), "{err}");
        assert!(!out.join("proof.json").exists());
    }
}

#[test]
fn prove_then_verify_from_the_written_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("proof");
    let keys = dir.path().join("keys");
    let (out_s, keys_s) = (out.to_str().unwrap(), keys.to_str().unwrap());
    let o = section9(&["prove", "mlp-fixture", "--out", out_s, "--keys", keys_s, "--seed", "2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary = stdout(&o);
    assert!(
        summary.contains("commitment") && summary.contains("constraints"),
        "{summary}"
    );
    let files = ["verification_key.json", "proof.json", "public.json"].map(|f| out.join(f));
    let args: Vec<&str> = files.iter().map(|p| p.to_str().unwrap()).collect();
    let o = section9(&["verify", args[0], args[1], args[2]]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    // The second proof of the same circuit reuses the cached keys.
    let o = section9(&["prove", "mlp-fixture", "--out", out_s, "--keys", keys_s, "--seed", "3"]);
    assert!(stdout(&o).contains("cached keys"), "{}", stdout(&o));

    // One public value changed: the proof no longer verifies (exit 1).
    let public: Vec<String> = serde_json::from_str(&std::fs::read_to_string(&files[2]).unwrap()).unwrap();
    let mut forged = public.clone();
    forged[0] = if forged[0] == "1" { "2".into() } else { "1".into() };
    let forged_path = dir.path().join("forged.json");
    std::fs::write(&forged_path, serde_json::to_string(&forged).unwrap()).unwrap();
    let o = section9(&["verify", args[0], args[1], forged_path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));

    // A truncated proof file is an error that names the file (exit 2).
    let proof_text = std::fs::read_to_string(&files[1]).unwrap();
    let cut = dir.path().join("cut.json");
    std::fs::write(&cut, &proof_text[..proof_text.len() / 2]).unwrap();
    let o = section9(&["verify", args[0], cut.to_str().unwrap(), args[2]]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cut.json"), "{}", stderr(&o));
}

#[test]
fn demo_draws_proves_and_verifies_and_snarkjs_agrees() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    let keys = dir.path().join("keys");
    let (out_s, keys_s) = (out.to_str().unwrap(), keys.to_str().unwrap());
    let o = section9(&["demo", "--seed", "5", "--out", out_s, "--keys", keys_s]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    for line in ["model        digits-gan", "commitment", "verify       OK", "image.png"] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    let png = std::fs::read(out.join("image.png")).unwrap();
    let reader = png::Decoder::new(std::io::Cursor::new(png)).read_info().unwrap();
    assert_eq!((reader.info().width, reader.info().height), (256, 256));

    let files = ["verification_key.json", "proof.json", "public.json"].map(|f| out.join(f));
    let [vk, proof, public] = files.each_ref().map(|p| p.to_str().unwrap());
    let o = section9(&["verify", vk, proof, public]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(snarkjs_accepts(dir.path(), vk, public, proof));

    // A picture only a generator can draw, and that is known before any
    // work: nothing is written.
    let elsewhere = dir.path().join("classifier");
    let o = section9(&[
        "demo",
        "--model",
        "digits-cnn",
        "--out",
        elsewhere.to_str().unwrap(),
        "--keys",
        keys_s,
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("does not draw pictures"), "{}", stderr(&o));
    assert!(!elsewhere.exists(), "a refused demo wrote {}", elsewhere.display());
}

#[test]
fn export_r1cs_writes_the_three_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r1cs");
    let o = section9(&[
        "export-r1cs",
        "mlp-fixture",
        "--weights",
        "constant",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("constraints     1457"), "{}", stdout(&o));
    for f in ["circuit.r1cs", "witness.wtns", "circuit.sym"] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let sym = std::fs::read_to_string(out.join("circuit.sym")).unwrap();
    assert!(sym.starts_with("1,1,0,main.out/fc2"), "{}", &sym[..80.min(sym.len())]);
}

/// The pinned snarkjs (installed on first use), run in `dir`; success and
/// everything it printed.
fn snarkjs(dir: &Path, args: &[&str]) -> (bool, String) {
    section9_tests::circom::ensure_tools().unwrap();
    let bin = section9_tests::circom::tool_bin("snarkjs");
    let o = Command::new(&bin).args(args).current_dir(dir).output().unwrap();
    (o.status.success(), stdout(&o) + &stderr(&o))
}

fn snarkjs_accepts(dir: &Path, vk: &str, public: &str, proof: &str) -> bool {
    let (ok, text) = snarkjs(dir, &["groth16", "verify", vk, public, proof]);
    ok && text.contains("OK")
}

fn verify_exit(dir: &Path, vk: &str, proof: &str, public: &str) -> Option<i32> {
    let path = |f: &str| dir.join(f).to_str().unwrap().to_string();
    section9(&["verify", &path(vk), &path(proof), &path(public)])
        .status
        .code()
}

/// Writes `public` with its first value changed.
fn forge_public(dir: &Path, public: &str) -> &'static str {
    let mut v: Vec<String> = serde_json::from_str(&std::fs::read_to_string(dir.join(public)).unwrap()).unwrap();
    v[0] = if v[0] == "1" { "2".into() } else { "1".into() };
    std::fs::write(dir.join("forged.json"), serde_json::to_string(&v).unwrap()).unwrap();
    "forged.json"
}

/// The documented ceremony: snarkjs's phase 2 on section9's exported
/// `.r1cs` (a committed powers-of-tau file of power 11), then proofs
/// across the two provers, each verified by the other side.
#[test]
fn a_ceremony_key_proves_in_section9_and_each_side_verifies_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let at = |f: &str| d.join(f).to_str().unwrap().to_string();
    let run = ["mlp-fixture", "--weights", "constant", "--seed", "4"];
    let o = section9(&[&["export-r1cs"][..], &run, &["--out", &at("r1cs")]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let ptau = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/pot11_final.ptau");
    let ptau = ptau.to_str().unwrap();
    let beacon = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    for step in [
        &["groth16", "setup", "r1cs/circuit.r1cs", ptau, "c0.zkey"][..],
        &[
            "zkey",
            "contribute",
            "c0.zkey",
            "c1.zkey",
            "--name=alice",
            "-e=alice's entropy",
        ],
        &["zkey", "beacon", "c1.zkey", "final.zkey", beacon, "10", "-n=beacon"],
        &["zkey", "export", "verificationkey", "final.zkey", "vk.json"],
    ] {
        let (ok, text) = snarkjs(d, step);
        assert!(ok, "snarkjs {step:?}:\n{text}");
    }

    // section9 proves with the ceremony's key; snarkjs and section9 accept.
    let o = section9(&[&["prove"][..], &run, &["--zkey", &at("final.zkey"), "--out", &at("p")]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("final.zkey"), "{}", stdout(&o));
    assert!(snarkjs_accepts(d, "vk.json", "p/public.json", "p/proof.json"));
    assert_eq!(verify_exit(d, "vk.json", "p/proof.json", "p/public.json"), Some(0));
    let forged = forge_public(d, "p/public.json");
    assert!(!snarkjs_accepts(d, "vk.json", forged, "p/proof.json"));

    // snarkjs proves from section9's witness; section9 accepts.
    let (ok, text) = snarkjs(
        d,
        &[
            "groth16",
            "prove",
            "final.zkey",
            "r1cs/witness.wtns",
            "sp.json",
            "spub.json",
        ],
    );
    assert!(ok, "{text}");
    assert_eq!(
        std::fs::read_to_string(d.join("spub.json"))
            .unwrap()
            .split_whitespace()
            .collect::<String>(),
        std::fs::read_to_string(d.join("p/public.json"))
            .unwrap()
            .split_whitespace()
            .collect::<String>(),
        "snarkjs's public values are section9's"
    );
    assert_eq!(verify_exit(d, "vk.json", "sp.json", "spub.json"), Some(0));
    let forged = forge_public(d, "spub.json");
    assert_eq!(verify_exit(d, "vk.json", "sp.json", forged), Some(1));

    // The key refuses another circuit by name, before any proving.
    let o = section9(&["prove", "mlp-fixture", "--zkey", &at("final.zkey"), "--out", &at("q")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("does not fit this circuit"), "{}", stderr(&o));
}

/// The other way: section9's own proving key as a `.zkey`, which snarkjs
/// proves with from section9's witness.
#[test]
fn section9_keys_export_as_a_zkey_snarkjs_proves_with() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let at = |f: &str| d.join(f).to_str().unwrap().to_string();
    let run = ["mlp-fixture", "--weights", "constant", "--keys", &at("keys")];
    let o = section9(&[&["export-r1cs"][..], &run, &["--zkey", "--out", &at("r1cs")]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let (ok, text) = snarkjs(
        d,
        &[
            "groth16",
            "prove",
            "r1cs/circuit.zkey",
            "r1cs/witness.wtns",
            "sp.json",
            "spub.json",
        ],
    );
    assert!(ok, "{text}");
    let (ok, text) = snarkjs(
        d,
        &["zkey", "export", "verificationkey", "r1cs/circuit.zkey", "vk.json"],
    );
    assert!(ok, "{text}");
    // section9's own verifying key for the cached keys is the one snarkjs
    // reads from the .zkey.
    let o = section9(&[&["prove"][..], &run, &["--out", &at("p")]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let read = |f: &str| section9::prove::snarkjs::vk_from_json(&std::fs::read_to_string(d.join(f)).unwrap()).unwrap();
    assert_eq!(read("vk.json"), read("p/verification_key.json"));
    assert_eq!(verify_exit(d, "vk.json", "sp.json", "spub.json"), Some(0));
    assert_eq!(
        verify_exit(d, "p/verification_key.json", "sp.json", "spub.json"),
        Some(0)
    );
    assert!(snarkjs_accepts(d, "vk.json", "spub.json", "sp.json"));
    let forged = forge_public(d, "spub.json");
    assert_eq!(verify_exit(d, "vk.json", "sp.json", forged), Some(1));
}

#[test]
fn export_solidity_and_calldata_from_the_proof_files() {
    let dir = tempfile::tempdir().unwrap();
    let (out, keys, sol) = (dir.path().join("p"), dir.path().join("k"), dir.path().join("sol"));
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let o = section9(&[
        "prove",
        "mlp-fixture",
        "--weights",
        "constant",
        "--out",
        &s(&out),
        "--keys",
        &s(&keys),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = section9(&[
        "export-solidity",
        &s(&out.join("verification_key.json")),
        "--out",
        &s(&sol),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let verifier = std::fs::read_to_string(sol.join("Groth16Verifier.sol")).unwrap();
    assert!(
        verifier.contains("uint256[10] calldata input"),
        "the fixture has 10 public values"
    );
    assert!(
        !sol.join("Section9Mint.sol").exists(),
        "no picture model, no minting contract"
    );
    // The fixture's key has 10 public values, none a commitment: a minting
    // contract for s9-gan built on it would read a logit as the commitment.
    let vk = s(&out.join("verification_key.json"));
    let o = section9(&["export-solidity", &vk, "--out", &s(&sol), "--model", "s9-gan"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("takes 10 public values") && stderr(&o).contains("publish 87"),
        "{}",
        stderr(&o)
    );
    // A key with s9-gan's 87 public values (86 picture words and the
    // commitment) fits.
    let mut wide: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&vk).unwrap()).unwrap();
    let ic = wide["IC"][0].clone();
    wide["IC"] = vec![ic; 88].into();
    wide["nPublic"] = 87.into();
    let wide_vk = s(&dir.path().join("wide_vk.json"));
    std::fs::write(&wide_vk, wide.to_string()).unwrap();
    let o = section9(&["export-solidity", &wide_vk, "--out", &s(&sol), "--model", "s9-gan"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read_to_string(sol.join("Section9Mint.sol"))
        .unwrap()
        .contains("pictureBMP"));
    let o = section9(&["export-solidity", &vk, "--out", &s(&sol), "--model", "mlp"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is not a packed picture"), "{}", stderr(&o));

    let (proof, public) = (s(&out.join("proof.json")), s(&out.join("public.json")));
    let o = section9(&["calldata", &proof, &public]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).matches("\"0x").count(), 8 + 10);
    let o = section9(&["calldata", &proof, &public, "--abi", "verifyProof"]);
    let hex = stdout(&o);
    assert_eq!(hex.trim().len(), 2 + 2 * (4 + 32 * (8 + 10)), "{hex}");

    // A public value at the scalar field modulus is refused by name, not
    // encoded into a call the verifier would have to reject.
    let good = std::fs::read_to_string(out.join("public.json")).unwrap();
    let r = "21888242871839275222246405745257275088548364400416034343698204186575808495617";
    let first = good.split('"').nth(1).unwrap();
    std::fs::write(out.join("public.json"), good.replacen(first, r, 1)).unwrap();
    let o = section9(&["calldata", &proof, &public]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("public.json") && e.contains("not below the"), "{e}");
    std::fs::write(out.join("public.json"), good).unwrap();
    assert!(section9(&["calldata", &proof, &public]).status.success());

    // A truncated proof is an error that names the file.
    std::fs::write(out.join("proof.json"), "{\"pi_a\": [").unwrap();
    let o = section9(&["calldata", &proof, &public]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("proof.json"), "{}", stderr(&o));
}

#[test]
fn export_solidity_and_calldata_from_a_manifest_of_pieces() {
    let dir = tempfile::tempdir().unwrap();
    let (out, keys, sol) = (dir.path().join("p"), dir.path().join("k"), dir.path().join("sol"));
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let o = section9(&[
        "prove",
        "mlp-fixture",
        "--chunks",
        "2",
        "--out",
        &s(&out),
        "--keys",
        &s(&keys),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let manifest = s(&out.join("manifest.json"));
    let o = section9(&["export-solidity", "--manifest", &manifest, "--out", &s(&sol)]);
    assert!(o.status.success(), "{}", stderr(&o));
    for name in ["Groth16Verifier0", "Groth16Verifier1"] {
        let text = std::fs::read_to_string(sol.join(format!("{name}.sol"))).unwrap();
        assert!(text.contains(&format!("contract {name} {{")), "{name}");
    }
    let aggregator = std::fs::read_to_string(sol.join("Section9Pieces.sol")).unwrap();
    // Piece 0 publishes its link and commitment, piece 1 the ten outputs,
    // its link in and its commitment.
    assert!(
        aggregator.contains("uint256[8][2] calldata proofs, uint256[14] calldata input"),
        "{aggregator}"
    );
    assert!(aggregator.contains("if (input[0] != input[12]) revert BrokenLink(0);"));
    assert!(!sol.join("Groth16Verifier.sol").exists());

    let o = section9(&["calldata", "--manifest", &manifest]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).matches("\"0x").count(), 2 * 8 + 14);
    let o = section9(&["calldata", "--manifest", &manifest, "--abi", "accept"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim().len(), 2 + 2 * (4 + 32 * (2 * 8 + 14)));
    let o = section9(&["calldata", "--manifest", &manifest, "--abi", "verifyProof"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));

    // A key file other than the one the manifest names is refused.
    std::fs::write(out.join("piece-1/verification_key.json"), "{}").unwrap();
    let o = section9(&["export-solidity", "--manifest", &manifest, "--out", &s(&sol)]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("is not the key the manifest names"),
        "{}",
        stderr(&o)
    );
}

/// `section9 info m | head -1`: a reader that goes away ends the program
/// quietly, never with a panic.
#[test]
fn a_closed_stdout_is_no_panic() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_section9"))
        .args(["info", "mlp-fixture"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_ne!(o.status.code(), Some(101), "{}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
}

#[test]
fn arguments_are_checked_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "not a directory").unwrap();
    let keys = dir.path().join("keys");
    let o = section9(&[
        "prove",
        "mlp-fixture",
        "--out",
        file.to_str().unwrap(),
        "--keys",
        keys.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("a-file"), "{}", stderr(&o));
    assert!(!keys.exists(), "setup ran before the output directory was checked");

    // An input file and a seed: the seed would be ignored, so it is refused.
    let input = dir.path().join("input.json");
    std::fs::write(&input, serde_json::json!({ "x": vec![0; 64] }).to_string()).unwrap();
    let o = section9(&["run", "mlp-fixture", input.to_str().unwrap(), "--seed", "3"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--seed"), "{}", stderr(&o));
}

#[test]
fn input_files_are_read_strictly_and_named_in_errors() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.json");
    let zeros = format!("[{}]", vec!["0"; 64].join(","));
    let nested = format!("[[{}]]", vec!["0"; 64].join(","));
    let ragged = format!("[[{}],[0]]", vec!["0"; 63].join(","));
    let cases = [
        (format!("{{\"x\": {zeros}, \"x\": {zeros}}}"), "given twice"),
        (format!("{{\"x\": [{zeros}, {zeros}]}}"), "not nested as its shape"),
        (format!("{{\"x\": {ragged}}}"), "not nested as its shape"),
        ("{\"x\": ".to_string(), "input file"),
    ];
    for (text, want) in cases {
        std::fs::write(&input, &text).unwrap();
        let o = section9(&["run", "mlp-fixture", input.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{text}");
        let err = stderr(&o);
        assert!(err.contains("in.json") && err.contains(want), "{text}: {err}");
        assert!(!err.contains("model file"), "{err}");
    }
    for good in [format!("{{\"x\": {zeros}}}"), format!("{{\"x\": {nested}}}")] {
        std::fs::write(&input, &good).unwrap();
        let o = section9(&["run", "mlp-fixture", input.to_str().unwrap()]);
        assert!(o.status.success(), "{good}: {}", stderr(&o));
    }
}

/// `--json` gives scripts one document: what was written (the private
/// input apart) and the time of each step; `-q` prints nothing.
#[test]
fn prove_speaks_json_or_keeps_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let (out, keys) = (dir.path().join("p"), dir.path().join("k"));
    let run = |extra: &str| {
        section9(&[
            "prove",
            "mlp-fixture",
            "--weights",
            "constant",
            "--out",
            out.to_str().unwrap(),
            "--keys",
            keys.to_str().unwrap(),
            extra,
        ])
    };
    let o = run("--json");
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(v["times"]["setup"].as_f64().is_some(), "{v}");
    assert!(v["times"]["prove"].as_f64().is_some(), "{v}");
    let written: Vec<&str> = v["written"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(written.iter().any(|p| p.ends_with("proof.json")), "{written:?}");
    assert!(!written.iter().any(|p| p.ends_with("input.json")), "{written:?}");
    let private = v["private"][0].as_str().unwrap();
    assert!(Path::new(private).ends_with("private/input.json"), "{private}");
    assert!(Path::new(private).is_file());

    let o = run("-q");
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    let o = run("--json");
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(
        v["times"]["setup"].is_null(),
        "the second run reads the cached keys: {v}"
    );
}

/// Two first proofs of one circuit at once: one setup, one key, and each
/// run's verification key accepts the other's proof.
#[test]
fn concurrent_first_proofs_share_one_key() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    let runs: Vec<_> = ["a", "b"]
        .map(|name| {
            Command::new(env!("CARGO_BIN_EXE_section9"))
                .args(["prove", "mlp-fixture", "--weights", "constant", "--json", "--out"])
                .arg(dir.path().join(name))
                .arg("--keys")
                .arg(&keys)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    for o in &runs {
        assert!(o.status.success(), "{}", stderr(o));
    }
    let setups = runs
        .iter()
        .filter(|o| {
            let v: serde_json::Value = serde_json::from_str(&stdout(o)).unwrap();
            !v["times"]["setup"].is_null()
        })
        .count();
    assert_eq!(setups, 1, "exactly one of the two runs sets up");
    let vk = |name: &str| std::fs::read_to_string(dir.path().join(name).join("verification_key.json")).unwrap();
    assert_eq!(vk("a"), vk("b"));
}

#[test]
fn max_constraints_sets_the_limit_a_circuit_is_held_to() {
    // mlp-fixture with committed weights has about 30,000 constraints.
    let o = section9(&["info", "mlp-fixture", "--max-constraints", "1000"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("more than the limit of 1000") && err.contains("--max-constraints"),
        "{err}"
    );
    let o = section9(&["info", "mlp-fixture", "--max-constraints", "1000000"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // prove builds up to the limit, then names the size the circuit needs;
    // the directories it made for its output, parents too, are removed.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p").join("nested");
    let o = section9(&[
        "prove",
        "mlp-fixture",
        "--max-constraints",
        "20000",
        "--out",
        out.to_str().unwrap(),
        "--keys",
        dir.path().join("k").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("28140") && err.contains("20000"), "{err}");
    assert!(
        !dir.path().join("p").exists(),
        "a refused proof left its output directory"
    );
}

/// A cached run reads the keys its model compiled to last time while it
/// synthesizes; a note pointing at another circuit's keys, or at nothing
/// readable, must not change the proof, only the head start.
#[test]
fn keys_read_ahead_are_used_only_for_their_own_circuit() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    let out = dir.path().join("out");
    let prove = |model: &str| -> serde_json::Value {
        let o = section9(&[
            "prove",
            model,
            "--weights",
            "constant",
            "--json",
            "--out",
            out.to_str().unwrap(),
            "--keys",
            keys.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        serde_json::from_str(&stdout(&o)).unwrap()
    };
    let notes = || -> Vec<std::path::PathBuf> {
        let mut n: Vec<_> = std::fs::read_dir(&keys)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "circuit"))
            .collect();
        n.sort();
        n
    };
    let first = prove("mlp-fixture");
    let [note] = notes().try_into().unwrap();
    assert_eq!(
        std::fs::read_to_string(&note).unwrap(),
        first["circuit"].as_str().unwrap()
    );
    let other = prove("mlp");
    assert_ne!(other["circuit"], first["circuit"]);
    assert_eq!(notes().len(), 2);
    let verifies = || {
        let f = |name: &str| out.join(name).to_str().unwrap().to_string();
        let o = section9(&[
            "verify",
            &f("verification_key.json"),
            &f("proof.json"),
            &f("public.json"),
        ]);
        o.status.code() == Some(0)
    };
    for wrong in [other["circuit"].as_str().unwrap(), "not a digest", ""] {
        std::fs::write(&note, wrong).unwrap();
        let again = prove("mlp-fixture");
        assert!(again["times"]["setup"].is_null(), "cached keys: {again}");
        assert_eq!(again["circuit"], first["circuit"]);
        assert!(verifies(), "with the note {wrong:?}");
        assert_eq!(
            std::fs::read_to_string(&note).unwrap(),
            first["circuit"].as_str().unwrap()
        );
    }
}
