//! The page's prover and verifier, natively: a proof made from a key file
//! verifies, a changed public value or proof is rejected, and a key of
//! another circuit, or files that are not what they should be, are refused
//! in words.

use ark_std::rand::{rngs::StdRng, SeedableRng};
use section9::compile::{circuit_digest, compile, Weights};
use section9::graph::{Model, ModelFile, Params};
use section9::prove::cache::encode_keys;
use section9::prove::setup;
use section9::r1cs::Builder;
use section9_web::run::{verify_files, Circuit, ProvingKey};
use serde_json::Value;

const MODEL: &str = "mlp-fixture";

fn files() -> (&'static str, &'static [u8]) {
    let b = section9_zoo::BUILTINS.iter().find(|b| b.name == MODEL).unwrap();
    (b.json, b.params)
}

fn model() -> Model {
    let (json, params) = files();
    Model::new(
        &ModelFile::from_json(json).unwrap(),
        &Params::from_bytes(params).unwrap(),
    )
    .unwrap()
}

/// A key file for the model's circuit in a weight mode, as the server
/// sends it.
fn key_file(weights: Weights) -> Vec<u8> {
    let m = model();
    let c = compile(&m, &m.seeded_inputs(0), weights, Builder::new()).unwrap();
    let keys = setup(&c.cs, &mut StdRng::seed_from_u64(1)).unwrap();
    encode_keys(&circuit_digest(&c.cs), &keys).unwrap()
}

fn circuit(seed: u64, weights: &str) -> Result<Circuit, String> {
    let m = model();
    let (json, params) = files();
    Circuit::new(json, params, &m.inputs_to_json(&m.seeded_inputs(seed)), weights)
}

#[test]
fn a_proof_made_from_a_key_file_verifies_and_a_changed_one_does_not() {
    let key = ProvingKey::from_bytes(&key_file(Weights::Committed)).unwrap();
    // Another latent, the same circuit: the key fits.
    let c = circuit(7, "committed").unwrap();
    assert_eq!(c.digest(), key.digest());
    assert!(c.commitment().is_some());
    let out = c.prove(&key).unwrap();
    let vk = key.verification_key();
    let proof = out["proof"].to_string();
    let public = out["public"].to_string();
    assert_eq!(out["proof_bytes"], 128);
    assert_eq!(verify_files(&vk, &proof, &public), Ok(true));

    let mut values: Vec<Value> = serde_json::from_str(&public).unwrap();
    values[0] = Value::String("12345".into());
    assert_eq!(verify_files(&vk, &proof, &Value::from(values).to_string()), Ok(false));

    let mut forged: Value = serde_json::from_str(&proof).unwrap();
    forged["pi_c"] = forged["pi_a"].clone();
    assert_eq!(verify_files(&vk, &forged.to_string(), &public), Ok(false));
}

#[test]
fn a_key_of_another_circuit_is_refused_by_name() {
    let key = ProvingKey::from_bytes(&key_file(Weights::Constant)).unwrap();
    let c = circuit(0, "committed").unwrap();
    let e = c.prove(&key).unwrap_err();
    assert!(e.contains(&key.digest()) && e.contains(&c.digest()), "{e}");
}

#[test]
fn files_that_are_not_what_they_should_be_are_refused_in_words() {
    let e = circuit(0, "private").err().unwrap();
    assert!(e.contains("`committed` or `constant`"), "{e}");
    let (json, params) = files();
    let e = Circuit::new(json, &params[..params.len() - 1], "{}", "committed")
        .err()
        .unwrap();
    assert!(e.starts_with("the model's parameters"), "{e}");
    let e = Circuit::new("{", params, "{}", "committed").err().unwrap();
    assert!(e.starts_with("the model file"), "{e}");
    let e = Circuit::new(json, params, r#"{"nope": [1]}"#, "committed")
        .err()
        .unwrap();
    assert!(e.contains("nope"), "{e}");

    let mut bytes = key_file(Weights::Committed);
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let e = ProvingKey::from_bytes(&bytes).err().unwrap();
    assert!(e.starts_with("the key file"), "{e}");
    assert!(ProvingKey::from_bytes(b"not a key").is_err());

    let e = verify_files("{}", "{}", "[]").unwrap_err();
    assert!(e.starts_with("the verification key"), "{e}");
}
