//! Poseidon (`#[zk_op(field)]`) against circomlib's published test vectors,
//! reference against circuit on random inputs, outputs proven determined,
//! forged outputs rejected, and the cost of every width.

use ark_ff::Field;
use ark_std::UniformRand;
use num_bigint::BigUint;
use proptest::prelude::*;
use section9::compile::circuit_digest;
use section9::dsl::Table;
use section9::field::{fr_to_decimal, Fr};
use section9::poseidon::{
    hash, params, sparse, Poseidon, FULL_ROUNDS, PARTIAL_ROUNDS, POSEIDON_MDS, POSEIDON_PARTIAL, WIDTHS,
};
use section9::r1cs::{Builder, Sig};
use section9::{zk_op, ZkOp};
use section9_tests::harness::{check_all, reference};
use std::str::FromStr;

fn fr(text: &str) -> Fr {
    let n = match text.strip_prefix("0x") {
        Some(hex) => BigUint::parse_bytes(hex.as_bytes(), 16).unwrap(),
        None => BigUint::from_str(text).unwrap(),
    };
    Fr::from_str(&n.to_string()).unwrap()
}

/// circomlibjs's `test/poseidon.js` (the `nOut = 1` and first-output cases,
/// initial state 0): inputs and `poseidon(inputs)`.
const VECTORS: &[(&[u64], &str)] = &[
    (
        &[1],
        "18586133768512220936620570745912940619677854269274689475585506675881198879027",
    ),
    (
        &[1, 2],
        "0x115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189a",
    ),
    (
        &[1, 2, 3, 4],
        "0x299c867db6c1fdd79dcefa40e4510b9837e60ebb1ce0663dbaa525df65250465",
    ),
    (
        &[1, 2, 0, 0, 0],
        "1018317224307729531995786483840663576608797660851238720571059489595066344487",
    ),
    (
        &[1, 2, 3, 4, 5, 6],
        "20400040500897583745843009878988256314335038853985262692600694741116813247201",
    ),
    (
        &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
        "9989051620750914585850546081941653841776809718687451684622678807385399211877",
    ),
    (
        &[1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 0, 0, 0, 0, 0, 0],
        "11882816200654282475720830292386643970958445617880627439994635298904836126497",
    ),
];

#[test]
fn published_vectors_reference_and_circuit() {
    for (inputs, expected) in VECTORS {
        let inputs: Vec<Fr> = inputs.iter().map(|&v| Fr::from(v)).collect();
        let want = fr(expected);
        assert_eq!(hash(&inputs), want, "native hash of {inputs:?}");
        let op = Poseidon { n: inputs.len() };
        check_all(&op, std::slice::from_ref(&inputs), &[]).unwrap();
        let out = reference(&op, std::slice::from_ref(&inputs)).unwrap();
        assert_eq!(
            out[0][0],
            want,
            "declared reference and circuit of {} inputs",
            inputs.len()
        );
    }
}

/// `3 (8 t + partial) - 3` for every width: the first round's power of the
/// constant cell 0 is free. circomlib's optimized template costs 240 for
/// `t = 3`, as here.
#[test]
fn constraints_per_width() {
    for n in 1..=16usize {
        let t = n + 1;
        let count = Poseidon { n }.constraint_count(&[]).unwrap();
        assert_eq!(count, 3 * (8 * t + PARTIAL_ROUNDS[t - 2] as usize) - 3, "n = {n}");
    }
    assert_eq!(Poseidon { n: 2 }.constraint_count(&[]).unwrap(), 240);
}

#[test]
fn widths_outside_circomlib_are_refused() {
    assert!(Poseidon { n: 0 }.check().is_err());
    assert!(Poseidon { n: 17 }.check().is_err());
}

fn field_element() -> impl Strategy<Value = Fr> {
    any::<[u8; 32]>().prop_map(|b| {
        use ark_ff::PrimeField;
        Fr::from_le_bytes_mod_order(&b)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn reference_equals_circuit(inputs in prop::collection::vec(field_element(), 1..=16)) {
        let op = Poseidon { n: inputs.len() };
        check_all(&op, std::slice::from_ref(&inputs), &[]).map_err(TestCaseError::fail)?;
        let out = reference(&op, std::slice::from_ref(&inputs)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(out[0][0], hash(&inputs));
    }
}

#[test]
fn decimal_of_the_two_input_vector() {
    assert_eq!(
        fr_to_decimal(&hash(&[Fr::from(1u64), Fr::from(2u64)])),
        "7853200120776062878684798364095072458815029376092732009249414926327459813530"
    );
}

// The optimized form against the plain one. The circuit's body uses the
// optimized form (`section9::poseidon::Sparse`); the plain form lives here
// only to check that the rewrite changes nothing.

fn plain_round_constants(t: i128) -> &'static [Fr] {
    &params(t as usize).round_constants
}

/// circomlib's own round constants, `t` per round.
const PLAIN_RC: Table = Table {
    name: "plain_poseidon_rc",
    keys: (2, 17),
    row: plain_round_constants,
};

/// The plain form: every round adds `t` constants and multiplies by the
/// dense MDS matrix.
#[zk_op(
    field,
    derive(
        t = n + 1,
        rp = partial[t - 2],
        rounds = 8 + rp
    ),
    tables(rc = PLAIN_RC, mds = POSEIDON_MDS),
    ints(partial = POSEIDON_PARTIAL)
)]
fn plain_poseidon(#[attr(range = [1, 16])] n: usize, #[input(shape = [n])] inputs: Tensor, #[output] out: Scalar) {
    let mut s = [[0; t]; rounds + 1];
    for i in 0..n {
        s[0][i + 1] = inputs[i];
    }
    for r in 0..rounds {
        let mut x = [0; t];
        for i in 0..t {
            let a = s[r][i] + rc[t][r * t + i];
            if r == 0 && i == 0 {
                x[0] = rc[t][0] * rc[t][0] * rc[t][0] * rc[t][0] * rc[t][0];
            } else if i == 0 || r < 4 || r >= 4 + rp {
                let a2 = wire!(a * a);
                let a4 = wire!(a2 * a2);
                let a5 = wire!(a4 * a);
                x[i] = a5;
            } else {
                x[i] = a;
            }
        }
        for i in 0..t {
            for j in 0..t {
                s[r + 1][i] += mds[t][i * t + j] * x[j];
            }
        }
    }
    out = s[rounds][0];
}

/// The plain permutation of any state of width `t`.
fn permute_plain(mut s: Vec<Fr>) -> Vec<Fr> {
    let t = s.len();
    let p = params(t);
    let half = FULL_ROUNDS / 2;
    for r in 0..FULL_ROUNDS + p.partial {
        for (i, x) in s.iter_mut().enumerate() {
            *x += p.round_constants[r * t + i];
        }
        let full = r < half || r >= half + p.partial;
        for x in s.iter_mut().take(if full { t } else { 1 }) {
            *x = x.pow([5u64]);
        }
        s = (0..t).map(|i| (0..t).map(|j| p.mds[i * t + j] * s[j]).sum()).collect();
    }
    s
}

/// The same permutation in the optimized form, from [`sparse`]'s constants
/// as the circuit reads them; also returns every S-box input, in order.
fn permute_optimized(mut s: Vec<Fr>) -> (Vec<Fr>, Vec<Fr>) {
    let t = s.len();
    let o = sparse(t);
    let half = FULL_ROUNDS / 2;
    let mut c = o.round_constants.iter();
    let mut sbox_inputs = Vec::new();
    let dense = |m: &[Fr], s: &[Fr]| -> Vec<Fr> { (0..t).map(|i| (0..t).map(|j| m[i * t + j] * s[j]).sum()).collect() };
    // The fifth powers of the last full round before the partial ones, and
    // of each partial round: new cell 0 is read over them.
    let (mut y, mut powers) = (Vec::new(), Vec::new());
    for r in 0..FULL_ROUNDS + o.partial {
        if r < half || r >= half + o.partial {
            for x in s.iter_mut() {
                *x += c.next().unwrap();
                sbox_inputs.push(*x);
                *x = x.pow([5u64]);
            }
            if r == half - 1 {
                y = s.clone();
            }
            s = dense(if r == half - 1 { &o.pre } else { &params(t).mds }, &s);
        } else {
            let k = r - half;
            s[0] += c.next().unwrap();
            sbox_inputs.push(s[0]);
            powers.push(s[0].pow([5u64]));
            let b = &o.mixing[k * (2 * t - 1)..(k + 1) * (2 * t - 1)];
            let cell0 =
                (0..t).map(|i| b[i] * y[i]).sum::<Fr>() + (0..=k).map(|j| o.history[k - j] * powers[j]).sum::<Fr>();
            for i in 1..t {
                s[i] += b[t - 1 + i] * powers[k];
            }
            s[0] = cell0;
        }
    }
    assert!(c.next().is_none(), "every constant is used");
    (s, sbox_inputs)
}

/// The plain permutation's S-box inputs, in the optimized form's order.
fn plain_sbox_inputs(mut s: Vec<Fr>) -> Vec<Fr> {
    let t = s.len();
    let p = params(t);
    let half = FULL_ROUNDS / 2;
    let mut out = Vec::new();
    for r in 0..FULL_ROUNDS + p.partial {
        for (i, x) in s.iter_mut().enumerate() {
            *x += p.round_constants[r * t + i];
        }
        let full = r < half || r >= half + p.partial;
        for x in s.iter_mut().take(if full { t } else { 1 }) {
            out.push(*x);
            *x = x.pow([5u64]);
        }
        s = (0..t).map(|i| (0..t).map(|j| p.mds[i * t + j] * s[j]).sum()).collect();
    }
    out
}

#[test]
fn optimized_constants_reproduce_the_plain_permutation() {
    let mut rng = ark_std::test_rng();
    for t in WIDTHS {
        let o = sparse(t);
        assert_eq!(o.round_constants.len(), FULL_ROUNDS * t + o.partial, "t = {t}");
        assert_eq!(o.pre.len(), t * t, "t = {t}");
        assert_eq!(o.mixing.len(), o.partial * (2 * t - 1), "t = {t}");
        assert_eq!(o.history.len(), o.partial, "t = {t}");
        for _ in 0..4 {
            let state: Vec<Fr> = (0..t).map(|_| Fr::rand(&mut rng)).collect();
            let (out, inputs) = permute_optimized(state.clone());
            assert_eq!(out, permute_plain(state.clone()), "t = {t}");
            assert_eq!(inputs, plain_sbox_inputs(state), "t = {t}: S-box inputs");
        }
    }
    // The plain permutation is the hash.
    let inputs = [Fr::from(1u64), Fr::from(2u64)];
    assert_eq!(
        permute_plain(vec![Fr::from(0u64), inputs[0], inputs[1]])[0],
        hash(&inputs)
    );
}

/// An operator's circuit on private inputs, without names.
fn build<O: ZkOp<Value = Fr>>(op: &O, inputs: &[Fr]) -> (Builder, Vec<Vec<Sig<Fr>>>) {
    let mut cs = Builder::new();
    let sigs: Vec<Sig<Fr>> = inputs
        .iter()
        .enumerate()
        .map(|(i, &v)| cs.input("inputs", &[i as i128], v, false))
        .collect();
    let out = op.synthesize(&mut cs, &[&sigs]).unwrap();
    (cs, out)
}

/// Both forms synthesize the same circuit: the same wires with the same
/// values, and every row of `A`, `B` and `C` the same linear form.
#[test]
fn optimized_circuit_rows_equal_the_plain_rows() {
    let mut rng = ark_std::test_rng();
    for n in 1..=16usize {
        let inputs: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let (opt, opt_out) = build(&Poseidon { n }, &inputs);
        let (plain, plain_out) = build(&PlainPoseidon { n }, &inputs);
        assert_eq!(opt_out, plain_out, "n = {n}: the output signal");
        assert_eq!(opt.kinds(), plain.kinds(), "n = {n}");
        assert_eq!(opt.values(), plain.values(), "n = {n}: the witness");
        assert_eq!(opt.num_constraints(), plain.num_constraints(), "n = {n}");
        let (oa, ob, oc) = opt.matrices();
        let (pa, pb, pc) = plain.matrices();
        for (name, o, p) in [("A", oa, pa), ("B", ob, pb), ("C", oc, pc)] {
            assert_eq!(o.rows(), p.rows(), "n = {n}: rows of {name}");
            for r in 0..o.rows() {
                assert_eq!(o.row(r), p.row(r), "n = {n}: row {r} of {name}");
            }
        }
        assert_eq!(circuit_digest(&opt), circuit_digest(&plain), "n = {n}");
    }
}
