//! The Groth16 prover's arithmetic: ark-groth16's formulas, with section9's
//! multi-scalar multiplication ([`msm`](super::msm)) and its parts run side
//! by side.
//!
//! Given the same `r` and `s`, the proof is the one
//! `Groth16::create_proof_with_reduction_and_matrices` returns, point for
//! point (a test compares them): only the order of work differs. The
//! witness's five multiplications share one recoding of its scalars, and
//! run while the witness map's FFTs ([`fft`](super::fft)) run.

use super::fft::CosetShift;
use super::msm::Recoded;
use super::qap::odd_point_values;
use super::ProveError;
use crate::field::Fr;
use ark_bn254::{Bn254, G1Projective};
use ark_ec::CurveGroup;
use ark_ff::FftField;
use ark_groth16::{Proof, ProvingKey};
use rayon::prelude::*;

/// A proof from A's and B's values on the domain of a satisfied circuit
/// (see [`checked_a_and_b_values`](super::qap::checked_a_and_b_values)) and
/// the full assignment (instance first, `assignment[0] = 1`). The key's
/// shapes must already match.
pub(crate) fn create_proof(
    pk: &ProvingKey<Bn254>,
    r: Fr,
    s: Fr,
    (a, b): (Vec<Fr>, Vec<Fr>),
    num_instance: usize,
    num_constraints: usize,
    assignment: &[Fr],
) -> Result<Proof<Bn254>, ProveError> {
    let size = a.len();
    let (h_acc, ((a_acc, b1_acc), (b2_acc, l_acc))) = rayon::join(
        || -> Result<G1Projective, ProveError> {
            let odd = Fr::get_root_of_unity(2 * size as u64)
                .and_then(|g| CosetShift::new(size, g))
                .ok_or(ProveError::TooLarge {
                    constraints: num_constraints,
                    instance: num_instance,
                })?;
            // Every row is satisfied, so C's values on the domain are A's
            // times B's; instance rows and padding are zero in B and C alike.
            let c = a.par_iter().zip(&b).map(|(a, b)| *a * b).collect();
            let h = odd_point_values([a, b, c], |v| odd.apply(v));
            Ok(Recoded::new(&h).msm(0..h.len(), &pk.h_query))
        },
        || {
            // Wire 0 is the constant one: its query points are added below.
            let wires = Recoded::new(&assignment[1..]);
            let all = 0..assignment.len() - 1;
            let witness = num_instance - 1..all.end;
            rayon::join(
                || {
                    rayon::join(
                        || wires.msm(all.clone(), &pk.a_query[1..]),
                        || wires.msm(all.clone(), &pk.b_g1_query[1..]),
                    )
                },
                || {
                    rayon::join(
                        || wires.msm(all.clone(), &pk.b_g2_query[1..]),
                        || wires.msm(witness.clone(), &pk.l_query),
                    )
                },
            )
        },
    );
    let vk = &pk.vk;
    let g_a = a_acc + pk.a_query[0] + vk.alpha_g1 + pk.delta_g1 * r;
    let g1_b = b1_acc + pk.b_g1_query[0] + pk.beta_g1 + pk.delta_g1 * s;
    let g2_b = b2_acc + pk.b_g2_query[0] + vk.beta_g2 + vk.delta_g2 * s;
    let g_c = g_a * s + g1_b * r - pk.delta_g1 * (r * s) + l_acc + h_acc?;
    Ok(Proof {
        a: g_a.into_affine(),
        b: g2_b.into_affine(),
        c: g_c.into_affine(),
    })
}
