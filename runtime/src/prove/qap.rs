//! The R1CS-to-QAP map of snarkjs and rapidsnark, so that section9's keys
//! and the keys of a circom ceremony are interchangeable.
//!
//! Groth16's prover needs `h(x) = (A(x)B(x) - C(x)) / Z(x)` committed as
//! `h(tau)Z(tau)/delta`. libsnark (arkworks' default) divides on a coset and
//! keys `tau^i Z(tau)/delta`. snarkjs never divides: `A(x)B(x) - C(x)` has
//! degree below `2n` and vanishes on the `n`-point domain, which is every
//! even point of the `2n`-point domain, so it is fixed by its values at the
//! odd points `w_2n^(2i+1)`. Its keys are the Lagrange polynomials of those
//! points, `L_(2i+1)(tau)/delta` over the `2n` domain, and the prover's
//! vector is `A*B - C` evaluated there. Every other part of the key is the
//! same as libsnark's, instance rows included.

use super::ProveError;
use crate::field::Fr;
use crate::r1cs::{Builder, Wire};
use ark_ff::{AdditiveGroup, PrimeField};
use ark_groth16::r1cs_to_qap::{evaluate_constraint, LibsnarkReduction, R1CSToQAP};
use ark_poly::EvaluationDomain;
use ark_relations::gr1cs::{ConstraintSystemRef, Matrix, SynthesisError};
use rayon::prelude::*;

/// snarkjs's reduction (see the module docs). `h` has one entry per domain
/// point, as the `.zkey` H section has.
pub struct CircomReduction;

/// The odd points of the doubled domain: the domain shifted by `w_2n`.
fn odd_coset<F: PrimeField, D: EvaluationDomain<F>>(domain: &D) -> Result<D, SynthesisError> {
    let doubled = D::new(2 * domain.size()).ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
    domain
        .get_coset(doubled.group_gen())
        .ok_or(SynthesisError::PolynomialDegreeTooLarge)
}

/// The values of `A z` and `B z` on the domain: one per constraint, then
/// the instance rows (`A` takes each instance variable, `B` nothing), then
/// zeros.
pub(crate) fn a_and_b_values<F: PrimeField>(
    matrices: &[Matrix<F>],
    num_inputs: usize,
    num_constraints: usize,
    full_assignment: &[F],
    size: usize,
) -> (Vec<F>, Vec<F>) {
    let mut a = values(&matrices[0], full_assignment, size);
    a[num_constraints..num_constraints + num_inputs].copy_from_slice(&full_assignment[..num_inputs]);
    (a, values(&matrices[1], full_assignment, size))
}

fn values<F: PrimeField>(matrix: &Matrix<F>, full_assignment: &[F], size: usize) -> Vec<F> {
    let mut v = vec![F::zero(); size];
    v.par_iter_mut()
        .zip(matrix)
        .for_each(|(x, row)| *x = evaluate_constraint(row, full_assignment));
    v
}

/// A's and B's values on the domain straight from the builder's rows (the
/// layout only renames wires, so no converted matrices are needed), checking
/// on the way that each row's A times B is its C; the lowest violated row is
/// the error. `instance`: the instance values in layout order, which A takes
/// on the rows after the constraints.
pub(crate) fn checked_a_and_b_values(
    cs: &Builder,
    instance: &[Fr],
    size: usize,
) -> Result<(Vec<Fr>, Vec<Fr>), ProveError> {
    let (ma, mb, mc) = cs.matrices();
    let values = cs.values();
    let eval = |row: &[(Wire, Fr)]| -> Fr { row.iter().map(|&(w, c)| values[w as usize] * c).sum() };
    let rows = cs.num_constraints();
    let (mut a, mut b) = (vec![Fr::ZERO; size], vec![Fr::ZERO; size]);
    let violated = a[..rows]
        .par_iter_mut()
        .zip(&mut b[..rows])
        .enumerate()
        .filter_map(|(i, (a, b))| {
            *a = eval(ma.row(i));
            *b = eval(mb.row(i));
            (*a * *b != eval(mc.row(i))).then_some(i)
        })
        .min();
    if let Some(i) = violated {
        return Err(ProveError::Unsatisfied(cs.row_name(i)));
    }
    a[rows..rows + instance.len()].copy_from_slice(instance);
    Ok((a, b))
}

/// `A*B - C` at the odd points from the three polynomials' values on the
/// domain, given a map from values on the domain to values at the odd
/// points.
pub(crate) fn odd_point_values<F: PrimeField>(
    mut abc: [Vec<F>; 3],
    to_odd_points: impl Fn(&mut Vec<F>) + Sync,
) -> Vec<F> {
    abc.par_iter_mut().for_each(&to_odd_points);
    let [mut a, b, c] = abc;
    a.par_iter_mut().zip(&b).zip(&c).for_each(|((a, b), c)| *a = *a * b - c);
    a
}

impl R1CSToQAP for CircomReduction {
    #[allow(clippy::type_complexity)]
    fn instance_map_with_evaluation<F: PrimeField, D: EvaluationDomain<F>>(
        cs: ConstraintSystemRef<F>,
        t: &F,
    ) -> Result<(Vec<F>, Vec<F>, Vec<F>, F, usize, usize), SynthesisError> {
        // A, B and C queries are libsnark's; only H differs.
        LibsnarkReduction::instance_map_with_evaluation::<F, D>(cs, t)
    }

    fn witness_map_from_matrices<F: PrimeField, D: EvaluationDomain<F>>(
        matrices: &[Matrix<F>],
        num_inputs: usize,
        num_constraints: usize,
        full_assignment: &[F],
    ) -> Result<Vec<F>, SynthesisError> {
        let domain = D::new(num_constraints + num_inputs).ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
        let coset = odd_coset(&domain)?;
        let (a, b) = a_and_b_values(matrices, num_inputs, num_constraints, full_assignment, domain.size());
        let c = values(&matrices[2], full_assignment, domain.size());
        Ok(odd_point_values([a, b, c], |v| {
            domain.ifft_in_place(v);
            coset.fft_in_place(v);
        }))
    }

    fn h_query_scalars<F: PrimeField, D: EvaluationDomain<F>>(
        max_power: usize,
        t: F,
        _zt: F,
        delta_inverse: F,
    ) -> Result<Vec<F>, SynthesisError> {
        // arkworks passes the domain size less one.
        let doubled = D::new(2 * (max_power + 1)).ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
        let lagrange = doubled.evaluate_all_lagrange_coefficients(t);
        Ok(lagrange
            .into_iter()
            .skip(1)
            .step_by(2)
            .map(|l| l * delta_inverse)
            .collect())
    }
}
