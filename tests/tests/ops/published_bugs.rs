//! The soundness bugs of earlier zkML circuits, each declared here the way
//! it was shipped. The forgery checks must catch every one, which shows
//! they can fail; the library's own operators pass the same checks.

use section9::field::{fr_from_i128, Fr};
use section9::gadgets::IsNonneg;
use section9::r1cs::{Builder, Quad, Sig};
use section9::zk_op;
use section9_tests::harness::{check_hint_forgeries, synthesize};

/// circomlib-ml v2 and ZEN: the remainder is bounded only while the witness
/// is computed (circom's `assert`), which constrains nothing.
#[zk_op]
fn shift_remainder_unbounded(#[attr] s: u32, #[input(prec = px)] x: Scalar, #[output(prec = px)] y: Scalar) {
    let q = hint!(div_floor(x + (1 << (s - 1)), 1 << s));
    let r = hint!(x + (1 << (s - 1)) - q * (1 << s));
    enforce!(x + (1 << (s - 1)) == q * (1 << s) + r);
    y = q;
}

/// ZK Section 9: the remainder is bounded from above only, so a negative
/// remainder lets the quotient grow.
#[zk_op]
fn shift_remainder_bounded_above(#[attr] s: u32, #[input(prec = px)] x: Scalar, #[output(prec = px)] y: Scalar) {
    let q = hint!(div_floor(x + (1 << (s - 1)), 1 << s));
    let r = hint!(x + (1 << (s - 1)) - q * (1 << s));
    enforce!(x + (1 << (s - 1)) == q * (1 << s) + r);
    let below = call!(IsNonneg { k: 64 }, (1 << s) - 1 - r);
    enforce!(below == 1);
    y = q;
}

/// ZEN's ReLU: the comparison bit comes from the prover, constrained only
/// to be a bit.
#[zk_op]
fn relu_sign_from_prover(#[input(prec = px)] x: Scalar, #[output(prec = px)] y: Scalar) {
    let pos = hint!(if x >= 0 { 1 } else { 0 });
    enforce!(pos * (pos - 1) == 0);
    y = pos * x;
}

fn caught(result: Result<Vec<section9_tests::harness::Rejection>, String>) -> String {
    result.expect_err("the forgery checks must catch this circuit")
}

#[test]
fn remainder_bounded_only_in_the_witness_is_caught() {
    let op = ShiftRemainderUnbounded { s: 3, px: 8 };
    let msg = caught(check_hint_forgeries(&op, &[vec![21]], &[]));
    assert!(msg.contains("forging `q`"), "{msg}");
}

#[test]
fn remainder_bounded_from_above_only_is_caught() {
    let op = ShiftRemainderBoundedAbove { s: 3, px: 8 };
    let msg = caught(check_hint_forgeries(&op, &[vec![21]], &[]));
    assert!(msg.contains("forging `q`"), "{msg}");
}

#[test]
fn sign_bit_from_the_prover_is_caught() {
    let op = ReluSignFromProver { px: 8 };
    let msg = caught(check_hint_forgeries(&op, &[vec![-5]], &[]));
    assert!(msg.contains("forging `pos`"), "{msg}");
}

/// A sign read from a 254-bit decomposition without the alias check: the
/// bits of `x + r` also sum to `x` in the field, and their top bit says
/// "negative" for a positive `x`.
#[test]
fn a_254_bit_sign_test_without_alias_check_accepts_both_signs() {
    let modulus = num_bigint::BigUint::parse_bytes(section9::field::modulus_decimal().as_bytes(), 10).unwrap();
    let build = |value: &num_bigint::BigUint| {
        let mut cs = Builder::with_names();
        let x = cs.input("x", &[], 5, false);
        let mut bits = Vec::new();
        for i in 0..254u64 {
            let bit = if value.bit(i) { Fr::from(1u64) } else { Fr::from(0u64) };
            let b = cs.hint_field("bit", &[i as i128], bit);
            cs.enforce(
                "boolean",
                &[i as i128],
                Quad::mul(b.clone(), b.sub(&Sig::constant(1)).unwrap()).unwrap(),
                Quad::lin(Sig::constant(0)),
            )
            .unwrap();
            let w = Fr::from(num_bigint::BigUint::from(1u8) << i);
            bits.push((b, w));
        }
        // The sum constraint has coefficients up to 2^253, beyond the
        // builder's integer coefficients, so it is checked directly.
        let total: Fr = bits.iter().map(|(b, w)| cs.eval(&b.lc) * w).sum();
        (cs.is_satisfied() && total == cs.eval(&x.lc), value.bit(253))
    };
    let honest = num_bigint::BigUint::from(5u8);
    let alias = &honest + &modulus;
    assert_eq!(build(&honest), (true, false));
    assert_eq!(build(&alias), (true, true), "the alias passes and flips the sign");
    // The library's sign test decomposes x + 2^(k-1) into k bits: no alias
    // fits, and every forged sign bit is rejected.
    let op = IsNonneg { k: 8 };
    let rejections = check_hint_forgeries(&op, &[vec![5]], &[]).unwrap();
    assert!(rejections.iter().any(|r| r.forged.contains("bi[7]")), "{rejections:?}");
    let run = synthesize(&op, &[vec![5]], &[], &[]).unwrap();
    assert_eq!(run.output_values(), vec![vec![fr_from_i128(1)]]);
}

#[test]
fn the_determinism_checker_flags_every_published_bug() {
    use section9_tests::harness::check_determined;
    for (name, run) in [
        (
            "unbounded remainder",
            synthesize(&ShiftRemainderUnbounded { s: 3, px: 8 }, &[vec![21]], &[], &[]),
        ),
        (
            "remainder bounded above",
            synthesize(&ShiftRemainderBoundedAbove { s: 3, px: 8 }, &[vec![21]], &[], &[]),
        ),
        (
            "sign from the prover",
            synthesize(&ReluSignFromProver { px: 8 }, &[vec![-5]], &[], &[]),
        ),
    ] {
        let run = run.unwrap();
        assert!(check_determined(name, &run).is_err(), "{name} passed the checker");
    }
}
