//! section9's own constraint system and witness as `.r1cs` / `.wtns`,
//! judged by the real snarkjs: `r1cs info` reads the counts we wrote,
//! `wtns check` accepts the witness and refuses a forged one.

use section9::compile::{compile, Compiled, Weights};
use section9::export::{r1cs_bytes, wtns_bytes, CircuitLayout};
use section9::field::{fr_to_decimal, Fr};
use section9::graph::Model;
use section9::prove::public_inputs;
use section9::r1cs::Builder;
use section9_tests::circom::{ensure_tools, snarkjs};
use section9_tests::models;
use std::path::Path;
use std::process::Command;

fn snarkjs_run(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(snarkjs()).args(args).current_dir(dir).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

fn exported(model: &Model, weights: Weights, dir: &Path) -> Compiled {
    let c = compile(model, &model.seeded_inputs(3), weights, Builder::new()).unwrap();
    std::fs::write(dir.join("circuit.r1cs"), r1cs_bytes(&c.cs).unwrap()).unwrap();
    std::fs::write(dir.join("witness.wtns"), wtns_bytes(&c.cs).unwrap()).unwrap();
    c
}

/// The value of exported wire `i` in a `.wtns` file.
fn wtns_value(bytes: &[u8], i: usize) -> Fr {
    use ark_ff::PrimeField;
    let start = 12 + 12 + 40 + 12 + 32 * i;
    Fr::from_le_bytes_mod_order(&bytes[start..start + 32])
}

fn check(model: &Model, weights: Weights) {
    ensure_tools().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let c = exported(model, weights, dir.path());
    let order = CircuitLayout::new(&c.cs);

    let (ok, info) = snarkjs_run(dir.path(), &["r1cs", "info", "circuit.r1cs"]);
    assert!(ok, "{info}");
    for line in [
        format!("# of Wires: {}", c.cs.num_wires()),
        format!("# of Constraints: {}", c.cs.num_constraints()),
        format!("# of Private Inputs: {}", order.num_private_inputs()),
        format!("# of Outputs: {}", order.num_public()),
    ] {
        assert!(info.contains(&line), "{}: `{line}` missing from\n{info}", model.name);
    }

    let (ok, text) = snarkjs_run(dir.path(), &["wtns", "check", "circuit.r1cs", "witness.wtns"]);
    assert!(ok && text.contains("WITNESS IS CORRECT"), "{}: {text}", model.name);

    // The public values sit right after the one, in public.json's order.
    let wtns = std::fs::read(dir.path().join("witness.wtns")).unwrap();
    let public: Vec<String> = (1..=order.num_public())
        .map(|i| fr_to_decimal(&wtns_value(&wtns, i)))
        .collect();
    let want: Vec<String> = public_inputs(&c.cs).iter().map(fr_to_decimal).collect();
    assert_eq!(public, want, "{}", model.name);

    // One internal value changed: the witness no longer satisfies it.
    let mut forged = wtns.clone();
    let last = forged.len() - 32;
    forged[last] ^= 1;
    std::fs::write(dir.path().join("forged.wtns"), forged).unwrap();
    let (ok, text) = snarkjs_run(dir.path(), &["wtns", "check", "circuit.r1cs", "forged.wtns"]);
    assert!(
        !(ok && text.contains("WITNESS IS CORRECT")),
        "{}: a forged witness passed\n{text}",
        model.name
    );
}

#[test]
fn snarkjs_reads_our_r1cs_and_checks_our_witness() {
    let fixture = section9_zoo::builtin("mlp-fixture").unwrap().unwrap();
    check(&fixture, Weights::Constant);
    check(&fixture, Weights::Committed);
    check(&models::load(&models::generator()), Weights::Committed);
}
