//! The calldata `section9 calldata` prints: the same text as snarkjs's
//! `zkey export soliditycalldata` for the same files, and, read back from
//! those files, a call the verifier accepts.

use super::*;
use section9::evm::calldata_text;
use section9::prove::snarkjs::{proof_from_json, proof_to_json, public_from_json, public_to_json};
use section9_tests::circom::{ensure_tools, snarkjs};
use std::process::Command;

#[test]
fn calldata_text_is_what_snarkjs_prints_and_the_files_verify_on_chain() {
    ensure_tools().unwrap();
    let p = proved(&packed_generator(), 21, None);
    let dir = tempfile::tempdir().unwrap();
    let (proof, public) = (proof_to_json(&p.proof), public_to_json(&p.public()));
    std::fs::write(dir.path().join("proof.json"), &proof).unwrap();
    std::fs::write(dir.path().join("public.json"), &public).unwrap();
    let out = Command::new(snarkjs())
        .args(["zkey", "export", "soliditycalldata", "public.json", "proof.json"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let theirs = String::from_utf8(out.stdout).unwrap();

    // What the command does: the files, read by section9's readers.
    let args = CallArgs::new(&proof_from_json(&proof).unwrap(), &public_from_json(&public).unwrap());
    assert_eq!(calldata_text(&args), theirs.trim_end());
    assert_eq!(args, p.args());

    let mut chain = Chain::new();
    let at = deploy_verifier(&mut chain, &p.keys);
    assert!(verify_on_chain(&mut chain, at, &args).returned_true());
    // The same text for a changed public value differs, and is refused.
    let mut forged = p.public();
    forged[0] += Fr::from(1u64);
    let forged = CallArgs::new(&p.proof, &forged);
    assert_ne!(calldata_text(&forged), calldata_text(&args));
    assert!(refused(&verify_on_chain(&mut chain, at, &forged)));
}
