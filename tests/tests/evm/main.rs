//! The generated Solidity verifier and minting contract, compiled by the
//! real solc and run in revm: valid proofs accepted, every kind of forgery
//! and malformed call refused, the same verdict as
//! `section9::prove::verify` and snarkjs, gas and code size measured.

mod calldata;
mod forgeries;
mod gas;
mod mint;
mod pieces;
mod storage;
mod verdict;
mod zoo;

use ark_bn254::Bn254;
use ark_ff::{BigInteger, PrimeField};
use ark_std::rand::SeedableRng;
use num_bigint::BigUint;
use rand_chacha::ChaCha20Rng;
use revm::primitives::Address;
use section9::compile::{compile, Compiled, Weights};
use section9::evm::{encode_verify_call, verifier_contract, CallArgs, Word, VERIFIER};
use section9::field::Fr;
use section9::graph::Model;
use section9::prove::{prove, public_inputs, setup, Keys, Proof};
use section9::r1cs::Builder;
use section9_tests::evm::{compile_solidity, Chain, Outcome};
use section9_tests::models;

/// EIP-170: the most code one contract may hold.
const CODE_LIMIT: usize = 24_576;

struct Proved {
    c: Compiled,
    keys: Keys,
    proof: Proof<Bn254>,
}

impl Proved {
    fn public(&self) -> Vec<Fr> {
        public_inputs(&self.c.cs)
    }

    fn args(&self) -> CallArgs {
        CallArgs::new(&self.proof, &self.public())
    }
}

/// A proof of `model` on its seeded inputs with committed weights, under
/// `keys` or under keys from a fresh setup.
fn proved(model: &Model, seed: u64, keys: Option<&Keys>) -> Proved {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let c = compile(model, &model.seeded_inputs(seed), Weights::Committed, Builder::new()).unwrap();
    let keys = keys.cloned().unwrap_or_else(|| setup(&c.cs, &mut rng).unwrap());
    let proof = prove(&c.cs, &keys.pk, &mut rng).unwrap();
    Proved { c, keys, proof }
}

/// The test generator graph with its picture packed into public values.
fn packed_generator() -> Model {
    let (mut file, params) = models::generator();
    file.pack_outputs = true;
    models::load(&(file, params))
}

/// The same generator with one bias changed: another model of the same
/// shapes, so the same number of public values but another commitment.
fn other_packed_generator() -> Model {
    let (mut file, mut params) = models::generator();
    file.pack_outputs = true;
    let bias = params.tensors.get_mut("c2.b").unwrap();
    bias[0] += if bias[0] < 0 { 1 } else { -1 };
    if let Some(r) = &mut file.params {
        r.sha256 = params.sha256_hex();
    }
    models::load(&(file, params))
}

fn deploy_verifier(chain: &mut Chain, keys: &Keys) -> Address {
    let code = compile_solidity(&verifier_contract(&keys.vk))
        .unwrap()
        .remove(VERIFIER)
        .unwrap();
    chain.deploy(code).unwrap()
}

fn verify_on_chain(chain: &mut Chain, verifier: Address, args: &CallArgs) -> Outcome {
    chain.call(verifier, encode_verify_call("verifyProof", args)).unwrap()
}

/// Whether a call ran to the end and returned false: the verifier's way to
/// refuse, as opposed to reverting.
fn refused(out: &Outcome) -> bool {
    out.success && out.output == [0u8; 32]
}

/// Whether a reverted call's data carries `reason` (`Error(string)`).
fn reverted_with(out: &Outcome, reason: &str) -> bool {
    !out.success && out.output.windows(reason.len()).any(|w| w == reason.as_bytes())
}

fn word(v: &BigUint) -> Word {
    let bytes = v.to_bytes_be();
    assert!(bytes.len() <= 32, "{v} needs more than 256 bits");
    let mut w = [0u8; 32];
    w[32 - bytes.len()..].copy_from_slice(&bytes);
    w
}

fn small(v: u64) -> Word {
    word(&BigUint::from(v))
}

/// `w + m`, where `m` is a modulus given in decimal: the same value modulo
/// `m`, but not its canonical spelling.
fn plus(w: &Word, m: &str) -> Word {
    let m = BigUint::parse_bytes(m.as_bytes(), 10).unwrap();
    word(&(BigUint::from_bytes_be(w) + m))
}

fn be_word(f: &Fr) -> Word {
    let mut w = [0u8; 32];
    w.copy_from_slice(&f.into_bigint().to_bytes_be());
    w
}

fn selector(signature: &str) -> Vec<u8> {
    use sha3::Digest;
    sha3::Keccak256::digest(signature.as_bytes())[..4].to_vec()
}
