//! Groth16 key generation from the builder's stored rows.
//!
//! The keys are ark-groth16's (`generate_random_parameters_with_reduction`
//! with [`CircomReduction`](super::CircomReduction)): the same toxic waste
//! is drawn from the generator in the same order, so for the same
//! randomness the keys are equal point for point (a test holds them
//! equal). Two things differ. The QAP's polynomials are evaluated at `tau`
//! straight from the rows, without replaying them into an arkworks
//! constraint system; and every query is computed by
//! [`FixedBase`](super::fixed_base::FixedBase), whose affine additions share
//! inversions, instead of projective ones.

use super::fixed_base::FixedBase;
use super::{domain_size, CircuitLayout, Keys, ProveError};
use crate::field::Fr;
use crate::r1cs::{Builder, Matrix};
use ark_bn254::{Bn254, G1Projective, G2Projective};
use ark_ec::CurveGroup;
use ark_ff::{Field, Zero};
use ark_groth16::{ProvingKey, VerifyingKey};
use ark_poly::{EvaluationDomain, GeneralEvaluationDomain};
use ark_std::rand::{CryptoRng, RngCore};
use ark_std::UniformRand;
use rayon::prelude::*;

type Domain = GeneralEvaluationDomain<Fr>;

/// The secret scalars of a setup and the two group generators.
struct Toxic {
    alpha: Fr,
    beta: Fr,
    gamma: Fr,
    delta: Fr,
    g1: G1Projective,
    g2: G2Projective,
}

impl Toxic {
    /// ark-groth16's draws, in its order.
    fn draw<R: RngCore + CryptoRng>(rng: &mut R) -> Toxic {
        Toxic {
            alpha: Fr::rand(rng),
            beta: Fr::rand(rng),
            gamma: Fr::rand(rng),
            delta: Fr::rand(rng),
            g1: G1Projective::rand(rng),
            g2: G2Projective::rand(rng),
        }
    }
}

/// Generates a circuit's keys from its stored rows. Values are not read, so
/// any builder that kept its rows will do, whatever witness it holds.
///
/// This is a trusted setup: whoever knows `rng`'s output can forge proofs.
pub fn setup<R: RngCore + CryptoRng>(cs: &Builder, rng: &mut R) -> Result<Keys, ProveError> {
    let layout = CircuitLayout::new(cs);
    layout.check(cs)?;
    let (rows, ni) = (cs.num_constraints(), layout.num_instance());
    let size = domain_size(rows, ni)?;
    let too_large = ProveError::TooLarge {
        constraints: rows,
        instance: ni,
    };
    let toxic = Toxic::draw(rng);
    let domain = Domain::new(size).ok_or(too_large.clone())?;
    let tau = domain.sample_element_outside_domain(rng);
    let doubled = Domain::new(2 * size).ok_or(too_large)?;

    let lagrange = domain.evaluate_all_lagrange_coefficients(tau);
    let [a, b, c] = qap_at_tau(cs, &layout, &lagrange);
    let (gamma_inv, delta_inv) = (inverse(toxic.gamma), inverse(toxic.delta));
    // Each variable's share of the C side of the pairing, over gamma for
    // the instance and over delta for the witness.
    let abc = |range: std::ops::Range<usize>, over: Fr| -> Vec<Fr> {
        range
            .into_par_iter()
            .map(|i| (toxic.beta * a[i] + toxic.alpha * b[i] + c[i]) * over)
            .collect()
    };
    let gamma_abc = abc(0..ni, gamma_inv);
    let l = abc(ni..a.len(), delta_inv);
    // snarkjs's H query: the odd Lagrange polynomials of the doubled domain.
    let h: Vec<Fr> = doubled
        .evaluate_all_lagrange_coefficients(tau)
        .into_par_iter()
        .skip(1)
        .step_by(2)
        .map(|x| x * delta_inv)
        .collect();

    let nonzero_b = b.iter().filter(|x| !x.is_zero()).count();
    let g2_table = FixedBase::new(toxic.g2, nonzero_b);
    let g1_table = FixedBase::new(toxic.g1, a.len() * 2 + l.len() + h.len());
    let vk = VerifyingKey::<Bn254> {
        alpha_g1: (toxic.g1 * toxic.alpha).into_affine(),
        beta_g2: (toxic.g2 * toxic.beta).into_affine(),
        gamma_g2: (toxic.g2 * toxic.gamma).into_affine(),
        delta_g2: (toxic.g2 * toxic.delta).into_affine(),
        gamma_abc_g1: g1_table.mul(&gamma_abc),
    };
    let pk = ProvingKey {
        beta_g1: (toxic.g1 * toxic.beta).into_affine(),
        delta_g1: (toxic.g1 * toxic.delta).into_affine(),
        a_query: g1_table.mul(&a),
        b_g1_query: g1_table.mul(&b),
        b_g2_query: g2_table.mul(&b),
        h_query: g1_table.mul(&h),
        l_query: g1_table.mul(&l),
        vk: vk.clone(),
    };
    Ok(Keys { pk, vk })
}

fn inverse(x: Fr) -> Fr {
    // A zero draw has probability 1/r; arkworks unwraps it too.
    x.inverse().expect("a non-zero toxic scalar")
}

/// Every variable's `A`, `B` and `C` polynomials at `tau`, in the layout's
/// variable order, from the Lagrange polynomials at `tau`: constraint `i`
/// is domain point `i`, and instance variable `j` also has `A` equal to one
/// at point `rows + j` (libsnark's reduction keeps the instance linearly
/// independent that way).
fn qap_at_tau(cs: &Builder, layout: &CircuitLayout, lagrange: &[Fr]) -> [Vec<Fr>; 3] {
    let rows = cs.num_constraints();
    let (ma, mb, mc) = cs.matrices();
    let at = |m: &Matrix| evaluate(m, layout, &lagrange[..rows]);
    let (mut a, (b, c)) = rayon::join(|| at(ma), || rayon::join(|| at(mb), || at(mc)));
    for (j, x) in a[..layout.num_instance()].iter_mut().enumerate() {
        *x += lagrange[rows + j];
    }
    [a, b, c]
}

/// `sum_i m[i][v] * lagrange[i]` for every variable `v`.
fn evaluate(m: &Matrix, layout: &CircuitLayout, lagrange: &[Fr]) -> Vec<Fr> {
    let mut out = vec![Fr::zero(); layout.num_variables()];
    for (i, l) in lagrange.iter().enumerate() {
        for &(w, coeff) in m.row(i) {
            out[layout.index(w) as usize] += *l * coeff;
        }
    }
    out
}
