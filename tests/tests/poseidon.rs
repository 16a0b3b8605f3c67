//! Poseidon (`#[zk_op(field)]`) against circomlib's published test vectors,
//! reference against circuit on random inputs, outputs proven determined,
//! forged outputs rejected, and the cost of every width.

use num_bigint::BigUint;
use proptest::prelude::*;
use section9::field::{fr_to_decimal, Fr};
use section9::poseidon::{hash, Poseidon, PARTIAL_ROUNDS};
use section9::FieldOp;
use section9_tests::harness::check_field_op;
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
        let out = check_field_op(&op, std::slice::from_ref(&inputs)).unwrap();
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
        let count = Poseidon { n }.constraint_count().unwrap();
        assert_eq!(count, 3 * (8 * t + PARTIAL_ROUNDS[t - 2]) - 3, "n = {n}");
    }
    assert_eq!(Poseidon { n: 2 }.constraint_count().unwrap(), 240);
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
        let out = check_field_op(&op, std::slice::from_ref(&inputs)).map_err(TestCaseError::fail)?;
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
