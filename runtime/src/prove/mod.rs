//! Groth16 proofs over BN254 of a synthesized [`Builder`].
//!
//! Setup and proving read the builder's stored matrices and witness
//! directly; no gadget runs again.
//!
//! ```
//! use ark_std::rand::{rngs::StdRng, SeedableRng};
//! use section9::prove::{prove, public_inputs, setup, verify};
//! use section9::r1cs::{Builder, Quad};
//!
//! // A fixed seed only for the example: setup's randomness is toxic waste.
//! let mut rng = StdRng::seed_from_u64(0);
//! let mut cs = Builder::new();
//! let x = cs.input("x", &[], 3, false);
//! let y = cs.input("y", &[], 4, false);
//! let z = cs.input("z", &[], 12, true);
//! cs.enforce("xy", &[], Quad::mul(x, y).unwrap(), Quad::lin(z)).unwrap();
//!
//! let keys = setup(&cs, &mut rng).unwrap();
//! let proof = prove(&cs, &keys.pk, &mut rng).unwrap();
//! assert!(verify(&keys.vk, &public_inputs(&cs), &proof).unwrap());
//! ```
//!
//! Functions used from ark-groth16 0.6: [`prepare_verifying_key`] and
//! [`Groth16::verify_proof`] (verification). Keys use snarkjs's
//! R1CS-to-QAP map ([`CircomReduction`]), so that a key section9 makes is a
//! `.zkey` snarkjs and rapidsnark prove with, and a key from a circom
//! ceremony is one section9 proves with ([`zkey`]). Setup makes the keys
//! ark-groth16's `generate_random_parameters_with_reduction` makes with that
//! map, for the same randomness (`setup`; a test holds them equal).
//! Proving follows ark-groth16's `create_proof_with_reduction_and_matrices`
//! and returns the same proof for the same randomness, with faster
//! multi-scalar multiplications (`prover`, `msm`; a test holds the two
//! equal).

pub mod cache;
pub mod estimate;
mod fft;
mod fixed_base;
mod layout;
mod limbs;
mod msm;
mod prover;
mod qap;
mod setup;
pub mod snarkjs;
#[cfg(test)]
mod tests;
pub mod zkey;

pub use layout::CircuitLayout;
pub use qap::CircomReduction;
pub use setup::setup;

pub use ark_groth16::{Proof, ProvingKey, VerifyingKey};

use crate::field::Fr;
use crate::r1cs::Builder;
use ark_bn254::Bn254;
use ark_groth16::{prepare_verifying_key, Groth16};
use ark_poly::{EvaluationDomain, GeneralEvaluationDomain};
use ark_relations::gr1cs::SynthesisError;
use ark_std::rand::{CryptoRng, RngCore};
use ark_std::UniformRand;

/// Groth16 over BN254 with the R1CS-to-QAP map of snarkjs and rapidsnark.
type G16 = Groth16<Bn254, CircomReduction>;

/// What can stop setup, proving or verification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProveError {
    #[error("the builder kept no constraints or witness to prove from (a counting builder?)")]
    NotRecorded,
    #[error("the layout was computed for a builder with other wires")]
    LayoutMismatch,
    #[error("the witness violates constraint `{0}`")]
    Unsatisfied(String),
    #[error("the proving key does not fit this circuit: its {what} has {found} entries, the circuit needs {expected}")]
    KeyMismatch {
        what: &'static str,
        expected: usize,
        found: usize,
    },
    #[error("expected {expected} public inputs, got {got}")]
    PublicInputCount { expected: usize, got: usize },
    #[error("{constraints} constraints and {instance} instance variables exceed BN254's largest FFT domain")]
    TooLarge { constraints: usize, instance: usize },
    #[error("the proving key's B query has points outside the prime-order subgroup")]
    KeyOutsideSubgroup,
    #[error("arkworks: {0}")]
    Synthesis(#[from] SynthesisError),
}

/// A circuit's Groth16 keys. The proving key embeds a copy of the verifying
/// key; the separate copy is what a verifier is given.
#[derive(Clone, Debug, PartialEq)]
pub struct Keys {
    pub pk: ProvingKey<Bn254>,
    pub vk: VerifyingKey<Bn254>,
}

/// Size of the evaluation domain Groth16 interpolates over: one point per
/// constraint plus one per instance variable, which the reduction adds so
/// that the instance polynomials are linearly independent.
pub fn domain_size(constraints: usize, instance: usize) -> Result<usize, ProveError> {
    GeneralEvaluationDomain::<Fr>::compute_size_of_domain(constraints + instance)
        .ok_or(ProveError::TooLarge { constraints, instance })
}

/// A key made for another circuit would make arkworks panic (empty queries)
/// or silently produce a proof that cannot verify.
fn check_key(pk: &ProvingKey<Bn254>, layout: &CircuitLayout, rows: usize) -> Result<(), ProveError> {
    let vars = layout.num_variables();
    let shapes = [
        ("instance", pk.vk.gamma_abc_g1.len(), layout.num_instance()),
        ("A query", pk.a_query.len(), vars),
        ("B query in G1", pk.b_g1_query.len(), vars),
        ("B query in G2", pk.b_g2_query.len(), vars),
        ("L query", pk.l_query.len(), layout.num_witness()),
        ("H query", pk.h_query.len(), domain_size(rows, layout.num_instance())?),
    ];
    for (what, found, expected) in shapes {
        if found != expected {
            return Err(ProveError::KeyMismatch { what, expected, found });
        }
    }
    Ok(())
}

/// Proves that the builder's witness satisfies its constraints, reading the
/// stored matrices and values. The witness is checked first, so a violated
/// constraint is reported by name instead of yielding a proof that fails.
pub fn prove<R: RngCore + CryptoRng>(
    cs: &Builder,
    pk: &ProvingKey<Bn254>,
    rng: &mut R,
) -> Result<Proof<Bn254>, ProveError> {
    let layout = CircuitLayout::new(cs);
    layout.check(cs)?;
    if cs.values().len() != cs.num_wires() {
        return Err(ProveError::NotRecorded);
    }
    let rows = cs.num_constraints();
    check_key(pk, &layout, rows)?;
    let assignment = layout.assignment_unchecked(cs);
    let ni = layout.num_instance();
    let values = qap::checked_a_and_b_values(cs, &assignment[..ni], domain_size(rows, ni)?)?;
    let r = Fr::rand(rng);
    let s = Fr::rand(rng);
    let proof = prover::create_proof(pk, r, s, values, ni, rows, &assignment)?;
    // A key read from a file has its B query checked on the curve only
    // (see `zkey`); a part outside the subgroup would show here, and
    // publishing it could leak witness bits.
    if !proof.b.is_in_correct_subgroup_assuming_on_curve() {
        return Err(ProveError::KeyOutsideSubgroup);
    }
    Ok(proof)
}

/// The values a verifier is given: the public inputs in allocation order.
/// Empty for a builder that kept no witness.
pub fn public_inputs(cs: &Builder) -> Vec<Fr> {
    let values = cs.values();
    if values.len() != cs.num_wires() {
        return Vec::new();
    }
    CircuitLayout::new(cs).instance_wires()[1..]
        .iter()
        .map(|&w| values[w as usize])
        .collect()
}

/// Checks a proof against the public inputs, in [`public_inputs`] order.
/// A wrong number of inputs is an error: arkworks would silently ignore the
/// extra ones or treat the missing ones as zero.
pub fn verify(vk: &VerifyingKey<Bn254>, public: &[Fr], proof: &Proof<Bn254>) -> Result<bool, ProveError> {
    let expected = vk.gamma_abc_g1.len().saturating_sub(1);
    if public.len() != expected || vk.gamma_abc_g1.is_empty() {
        return Err(ProveError::PublicInputCount {
            expected,
            got: public.len(),
        });
    }
    let pvk = prepare_verifying_key(vk);
    Ok(G16::verify_proof(&pvk, proof, public)?)
}
