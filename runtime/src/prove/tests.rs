use super::*;
use crate::field::fr_from_i128;
use crate::r1cs::{Lc, Quad, Sig, Wire};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef, LinearCombination, OptimizationGoal, SynthesisMode,
    Variable, R1CS_PREDICATE_LABEL,
};
use ark_std::rand::Rng;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// Public inputs interleaved with private ones, and every wire kind, so the
/// layout is not the identity.
fn small(cs: &mut Builder, x: i128, y: i128, square_x: bool) {
    let xs = cs.input("x", &[], x, false);
    let z = cs.input("z", &[], if square_x { x * x } else { x * y }, true);
    let ys = cs.input("y", &[], y, false);
    let other = if square_x { xs.clone() } else { ys.clone() };
    cs.enforce("prod", &[], Quad::mul(xs.clone(), other).unwrap(), Quad::lin(z))
        .unwrap();
    let s = cs.input("s", &[], x + y, true);
    cs.enforce("sum", &[], Quad::lin(xs.add(&ys).unwrap()), Quad::lin(s.clone()))
        .unwrap();
    let d = cs.hint("d", &[], x - y);
    let d2y = d.add(&ys.scale(2).unwrap()).unwrap();
    cs.enforce("diff", &[], Quad::lin(d2y), Quad::lin(s)).unwrap();
    cs.wire("sq", &[], Quad::mul(d.clone(), d).unwrap()).unwrap();
}

fn small_named(x: i128, y: i128) -> Builder {
    let mut cs = Builder::with_names();
    small(&mut cs, x, y, false);
    cs
}

/// `n` products of int8 values summed into one public output:
/// `n + 1` constraints.
fn dot(n: usize, seed: u64) -> Builder {
    let mut r = rng(seed);
    let mut cs = Builder::new();
    let mut terms = Vec::with_capacity(n);
    let mut total = 0i128;
    for i in 0..n {
        let a = cs.input("a", &[i as i128], r.gen_range(-128..=127), false);
        let b = cs.input("b", &[i as i128], r.gen_range(-128..=127), false);
        let p = cs.wire("p", &[i as i128], Quad::mul(a, b).unwrap()).unwrap();
        total += p.val;
        terms.push((p.lc.terms[0].0, 1));
    }
    let sum = Sig {
        lc: Lc {
            terms: terms.into_iter().collect(),
            constant: 0,
        },
        val: total,
    };
    let out = cs.input("out", &[], total, true);
    cs.enforce("sum", &[], Quad::lin(sum), Quad::lin(out)).unwrap();
    cs
}

fn wire_of(s: &Sig) -> Wire {
    s.lc.terms[0].0
}

#[test]
fn the_layout_puts_public_inputs_first_in_allocation_order() {
    let cs = small_named(3, -4);
    let layout = CircuitLayout::new(&cs);
    assert_eq!(layout.instance_wires(), &[0, 2, 4]);
    assert_eq!(layout.num_instance(), 3);
    assert_eq!(layout.num_witness(), cs.num_wires() - 3);
    let positions: Vec<usize> = (0..cs.num_wires() as Wire)
        .map(|w| layout.position(w).unwrap())
        .collect();
    assert_eq!(positions, vec![0, 3, 1, 4, 2, 5, 6]);
    assert_eq!(public_inputs(&cs), vec![fr_from_i128(-12), fr_from_i128(-1)]);
    let assignment = layout.assignment(&cs).unwrap();
    for w in 0..cs.num_wires() as Wire {
        assert_eq!(assignment[layout.position(w).unwrap()], cs.value(w));
    }
}

/// Feeds the stored rows to an arkworks constraint system, which is what
/// ark-groth16's own generator reads.
struct Replay<'a> {
    cs: &'a Builder,
    layout: &'a CircuitLayout,
}

impl Replay<'_> {
    fn variable(&self, w: Wire) -> Variable {
        match self.layout.position(w).unwrap() {
            0 => Variable::One,
            p if p < self.layout.num_instance() => Variable::instance(p),
            p => Variable::witness(p - self.layout.num_instance()),
        }
    }

    fn lc(&self, row: &[(Wire, Fr)]) -> LinearCombination<Fr> {
        LinearCombination(row.iter().map(|&(w, c)| (c, self.variable(w))).collect())
    }
}

impl ConstraintSynthesizer<Fr> for Replay<'_> {
    fn generate_constraints(self, ark: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        for _ in 1..self.layout.num_instance() {
            let _ = ark.new_input_variable(|| Err(SynthesisError::AssignmentMissing))?;
        }
        for _ in 0..self.layout.num_witness() {
            let _ = ark.new_witness_variable(|| Err(SynthesisError::AssignmentMissing))?;
        }
        let (a, b, c) = self.cs.matrices();
        for i in 0..a.rows() {
            ark.enforce_r1cs_constraint(|| self.lc(a.row(i)), || self.lc(b.row(i)), || self.lc(c.row(i)))?;
        }
        Ok(())
    }
}

/// section9's setup is ark-groth16's generator with snarkjs's map: the
/// same randomness gives the same keys, on circuits with public inputs
/// interleaved, with none, and large enough for several table blocks.
#[test]
fn keys_equal_ark_groth16s_for_the_same_randomness() {
    let mut none_public = Builder::new();
    let x = none_public.input("x", &[], 3, false);
    none_public.wire("x2", &[], Quad::mul(x.clone(), x).unwrap()).unwrap();
    for (i, cs) in [small_named(5, -3), dot(1500, 4), none_public].iter().enumerate() {
        let layout = CircuitLayout::new(cs);
        let ours = setup(cs, &mut rng(40 + i as u64)).unwrap();
        let theirs =
            G16::generate_random_parameters_with_reduction(Replay { cs, layout: &layout }, &mut rng(40 + i as u64))
                .unwrap();
        assert_eq!(ours.pk, theirs, "circuit {i}");
        assert_eq!(ours.vk, theirs.vk, "circuit {i}");
    }
}

/// The arkworks replay the comparison above relies on holds exactly the
/// matrices proving reads.
#[test]
fn setup_replays_exactly_the_matrices_proving_reads() {
    let cs = small_named(3, -4);
    let layout = CircuitLayout::new(&cs);
    let ark = ConstraintSystem::<Fr>::new_ref();
    ark.set_optimization_goal(OptimizationGoal::Constraints);
    ark.set_mode(SynthesisMode::Setup);
    Replay {
        cs: &cs,
        layout: &layout,
    }
    .generate_constraints(ark.clone())
    .unwrap();
    ark.finalize();
    assert_eq!(ark.num_instance_variables(), layout.num_instance());
    assert_eq!(ark.num_witness_variables(), layout.num_witness());
    assert_eq!(ark.num_constraints(), cs.num_constraints());
    let sorted = |ms: &[ArkMatrixF]| -> Vec<ArkMatrixF> {
        ms.iter()
            .map(|m| {
                m.iter()
                    .map(|row| {
                        let mut row = row.clone();
                        row.sort_by_key(|&(_, i)| i);
                        row
                    })
                    .collect()
            })
            .collect()
    };
    let theirs = ark.to_matrices().unwrap()[R1CS_PREDICATE_LABEL].clone();
    let ours = layout.matrices(&cs).unwrap();
    assert_eq!(sorted(&theirs), sorted(&ours));
}

type ArkMatrixF = ark_relations::gr1cs::Matrix<Fr>;

#[test]
fn a_small_circuit_proves_and_verifies() {
    let cs = small_named(3, -4);
    assert!(cs.is_satisfied());
    let keys = setup(&cs, &mut rng(1)).unwrap();
    let proof = prove(&cs, &keys.pk, &mut rng(2)).unwrap();
    assert_eq!(verify(&keys.vk, &public_inputs(&cs), &proof), Ok(true));
}

#[test]
fn keys_serve_every_witness_of_the_circuit() {
    let keys = setup(&small_named(3, -4), &mut rng(1)).unwrap();
    let cs = small_named(-100, 57);
    let proof = prove(&cs, &keys.pk, &mut rng(2)).unwrap();
    assert_eq!(verify(&keys.vk, &public_inputs(&cs), &proof), Ok(true));
}

#[test]
fn changing_a_public_input_fails_verification() {
    let cs = small_named(3, -4);
    let keys = setup(&cs, &mut rng(1)).unwrap();
    let proof = prove(&cs, &keys.pk, &mut rng(2)).unwrap();
    let public = public_inputs(&cs);
    for i in 0..public.len() {
        let mut forged = public.clone();
        forged[i] += Fr::from(1u64);
        assert_eq!(verify(&keys.vk, &forged, &proof), Ok(false), "input {i}");
    }
    assert_eq!(verify(&keys.vk, &public, &Proof::default()), Ok(false));
    let mut swapped = public.clone();
    swapped.swap(0, 1);
    assert_eq!(verify(&keys.vk, &swapped, &proof), Ok(false));
}

#[test]
fn a_wrong_number_of_public_inputs_is_an_error() {
    let cs = small_named(3, -4);
    let keys = setup(&cs, &mut rng(1)).unwrap();
    let proof = prove(&cs, &keys.pk, &mut rng(2)).unwrap();
    let mut public = public_inputs(&cs);
    public.push(Fr::from(0u64));
    assert_eq!(
        verify(&keys.vk, &public, &proof),
        Err(ProveError::PublicInputCount { expected: 2, got: 3 })
    );
    assert_eq!(
        verify(&keys.vk, &public[..1], &proof),
        Err(ProveError::PublicInputCount { expected: 2, got: 1 })
    );
    let empty = VerifyingKey::<Bn254>::default();
    assert!(matches!(
        verify(&empty, &[], &proof),
        Err(ProveError::PublicInputCount { .. })
    ));
}

#[test]
fn a_proof_fails_against_another_circuits_key() {
    let cs = small_named(3, -4);
    let keys = setup(&cs, &mut rng(1)).unwrap();
    let proof = prove(&cs, &keys.pk, &mut rng(2)).unwrap();

    // Same shape, different constraint.
    let mut other = Builder::new();
    small(&mut other, 3, -4, true);
    let other_keys = setup(&other, &mut rng(3)).unwrap();
    assert_eq!(verify(&other_keys.vk, &public_inputs(&cs), &proof), Ok(false));

    // The same shape also passes the key check, so the proof is made but
    // is worthless.
    let forged = prove(&cs, &other_keys.pk, &mut rng(4)).unwrap();
    assert_eq!(verify(&keys.vk, &public_inputs(&cs), &forged), Ok(false));
    assert_eq!(verify(&other_keys.vk, &public_inputs(&cs), &forged), Ok(false));

    // Same circuit, another setup: the toxic waste differs.
    let again = setup(&cs, &mut rng(5)).unwrap();
    assert_eq!(verify(&again.vk, &public_inputs(&cs), &proof), Ok(false));
}

#[test]
fn a_key_of_another_shape_is_refused() {
    let cs = small_named(3, -4);
    let keys = setup(&dot(3, 0), &mut rng(1)).unwrap();
    assert!(matches!(
        prove(&cs, &keys.pk, &mut rng(2)),
        Err(ProveError::KeyMismatch { .. })
    ));
    let empty = ProvingKey::<Bn254> {
        vk: VerifyingKey::default(),
        beta_g1: Default::default(),
        delta_g1: Default::default(),
        a_query: Vec::new(),
        b_g1_query: Vec::new(),
        b_g2_query: Vec::new(),
        h_query: Vec::new(),
        l_query: Vec::new(),
    };
    assert!(matches!(
        prove(&cs, &empty, &mut rng(2)),
        Err(ProveError::KeyMismatch { .. })
    ));
}

#[test]
fn an_unsatisfied_witness_is_named_before_proving() {
    let mut cs = Builder::with_names();
    let x = cs.input("x", &[], 3, false);
    let y = cs.input("y", &[], -4, false);
    let z = cs.input("z", &[], -12, true);
    cs.enter("layer", &[1]);
    cs.enforce("prod", &[], Quad::mul(x, y).unwrap(), Quad::lin(z.clone()))
        .unwrap();
    cs.leave();
    let keys = setup(&cs, &mut rng(1)).unwrap();
    cs.set_value(wire_of(&z), fr_from_i128(-11));
    assert_eq!(
        prove(&cs, &keys.pk, &mut rng(2)),
        Err(ProveError::Unsatisfied("layer[1]/(prod)".into()))
    );
}

#[test]
fn a_counting_builder_cannot_be_proven() {
    let mut cs = Builder::counting();
    small(&mut cs, 3, -4, false);
    assert_eq!(setup(&cs, &mut rng(1)).err(), Some(ProveError::NotRecorded));
    let keys = setup(&small_named(3, -4), &mut rng(1)).unwrap();
    assert_eq!(prove(&cs, &keys.pk, &mut rng(2)), Err(ProveError::NotRecorded));
    assert!(public_inputs(&cs).is_empty());
}

#[test]
fn a_layout_refuses_a_builder_it_was_not_made_for() {
    let layout = CircuitLayout::new(&small_named(3, -4));
    let other = dot(3, 0);
    assert!(!layout.fits(&other));
    assert_eq!(layout.matrices(&other), Err(ProveError::LayoutMismatch));
    assert_eq!(layout.assignment(&other), Err(ProveError::LayoutMismatch));
}

#[test]
fn degenerate_circuits_prove() {
    // Public inputs only, no constraints.
    let mut cs = Builder::new();
    cs.input("a", &[], 5, true);
    cs.input("b", &[], -5, false);
    let keys = setup(&cs, &mut rng(1)).unwrap();
    let proof = prove(&cs, &keys.pk, &mut rng(2)).unwrap();
    assert_eq!(verify(&keys.vk, &public_inputs(&cs), &proof), Ok(true));
    assert_eq!(verify(&keys.vk, &[fr_from_i128(6)], &proof), Ok(false));

    // No public inputs.
    let mut cs = Builder::new();
    let x = cs.input("x", &[], 7, false);
    cs.wire("sq", &[], Quad::mul(x.clone(), x).unwrap()).unwrap();
    let keys = setup(&cs, &mut rng(1)).unwrap();
    let proof = prove(&cs, &keys.pk, &mut rng(2)).unwrap();
    assert_eq!(verify(&keys.vk, &[], &proof), Ok(true));
}

#[test]
fn a_circuit_of_4096_int8_constraints_proves() {
    // 4093 products and their sum: with the two instance variables the QAP
    // domain is exactly 2^12.
    let cs = dot(4093, 7);
    assert_eq!(cs.num_constraints() + 2, 1 << 12);
    let keys = setup(&cs, &mut rng(1)).unwrap();
    // snarkjs's H: one point per domain point.
    assert_eq!(keys.pk.h_query.len(), 1 << 12);
    let proof = prove(&cs, &keys.pk, &mut rng(2)).unwrap();
    let public = public_inputs(&cs);
    assert_eq!(verify(&keys.vk, &public, &proof), Ok(true));
    let wrong = [public[0] + Fr::from(1u64)];
    assert_eq!(verify(&keys.vk, &wrong, &proof), Ok(false));
}

/// section9's prover is ark-groth16's arithmetic: for the same `r` and `s`
/// both give the same points, on circuits with zero, one, small positive
/// and negative witness values (those are near the modulus as field
/// elements); the witness map's values are full-size.
#[test]
fn proofs_equal_ark_groth16s_for_the_same_randomness() {
    let mut circuits = vec![small_named(5, -3), dot(700, 3)];
    let mut big = Builder::new();
    let x = big.input("x", &[], 3, false);
    let y = big.hint("y", &[], -7);
    let p = big.wire("p", &[], Quad::mul(x, y).unwrap()).unwrap();
    let out = big.input("out", &[], -21, true);
    big.enforce("out", &[], Quad::lin(p), Quad::lin(out)).unwrap();
    circuits.push(big);
    for (i, cs) in circuits.iter().enumerate() {
        let keys = setup(cs, &mut rng(i as u64)).unwrap();
        let layout = CircuitLayout::new(cs);
        let matrices = layout.matrices(cs).unwrap();
        let assignment = layout.assignment(cs).unwrap();
        let mut r = rng(100 + i as u64);
        let (a, b) = (Fr::rand(&mut r), Fr::rand(&mut r));
        let (ni, rows) = (layout.num_instance(), cs.num_constraints());
        let values = qap::checked_a_and_b_values(cs, &assignment[..ni], domain_size(rows, ni).unwrap()).unwrap();
        let ours = prover::create_proof(&keys.pk, a, b, values, ni, rows, &assignment).unwrap();
        let theirs =
            G16::create_proof_with_reduction_and_matrices(&keys.pk, a, b, &matrices, ni, rows, &assignment).unwrap();
        assert_eq!(ours, theirs, "circuit {i}");
    }
}
