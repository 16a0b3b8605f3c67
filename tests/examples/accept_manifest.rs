//! The one EVM call that accepts a run proved in pieces, on any run's
//! folder: `cargo run --release -p section9-tests --example accept_manifest
//! -- DIR` deploys each piece's verifier and the aggregator in revm, calls
//! `accept` with the run's proofs, and prints its gas beside the gas of one
//! `verifyProof` transaction per piece. What BENCHMARKS.md records for the
//! 1M-weight model; the tests (`tests/tests/evm/pieces.rs`) check the
//! contract itself.

use section9::evm::{encode_pieces_call, encode_verify_call, pieces_contracts, CallArgs, PIECES};
use section9::pieces::Manifest;
use section9::prove::snarkjs::{proof_from_json, public_from_json, vk_from_json};
use section9_tests::evm::{compile_solidity, Chain};
use std::path::Path;

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(name).display()))
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .expect("usage: accept_manifest DIR (a run proved in pieces)");
    let dir = Path::new(&dir);
    let manifest: Manifest = serde_json::from_str(&read(dir, "manifest.json")).expect("a manifest");
    let vks: Vec<_> = manifest
        .model
        .pieces
        .iter()
        .map(|p| vk_from_json(&read(dir, &p.verification_key)).expect("a key"))
        .collect();
    let args: Vec<CallArgs> = manifest
        .proofs
        .iter()
        .map(|f| {
            let proof = proof_from_json(&read(dir, &f.proof)).expect("a proof");
            CallArgs::new(&proof, &public_from_json(&read(dir, &f.public)).expect("public values"))
        })
        .collect();
    let contracts = pieces_contracts(&manifest.model, &vks).expect("contracts for the manifest");
    let (pieces, aggregator) = contracts.split_at(vks.len());
    let mut chain = Chain::new();
    let verifiers: Vec<_> = pieces
        .iter()
        .map(|(name, source)| {
            chain
                .deploy(compile_solidity(source).unwrap().remove(name).unwrap())
                .unwrap()
        })
        .collect();
    let mut code = compile_solidity(&aggregator[0].1).unwrap().remove(PIECES).unwrap();
    for v in &verifiers {
        code.extend_from_slice(&[0u8; 12]);
        code.extend_from_slice(v.as_slice());
    }
    let at = chain.deploy(code).unwrap();
    let one = chain.call(at, encode_pieces_call(&args)).unwrap();
    let separate: u64 = verifiers
        .iter()
        .zip(&args)
        .map(|(&v, a)| {
            let out = chain.call(v, encode_verify_call("verifyProof", a)).unwrap();
            assert!(out.returned_true(), "a piece's own verifier refused it");
            out.gas
        })
        .sum();
    println!(
        "{} pieces: accept {} ({} gas); {} verifyProof transactions {} gas",
        args.len(),
        if one.returned_true() {
            "returned true"
        } else {
            "REFUSED"
        },
        one.gas,
        args.len(),
        separate
    );
    std::process::exit(if one.returned_true() { 0 } else { 1 });
}
