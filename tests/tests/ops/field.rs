//! Field operators (`#[zk_op(field)]`) go through the same checks as
//! integer ones: agreement, determinism, every hint and every output
//! forged. A sound field gadget passes them; a field gadget whose hint is
//! pinned too loosely is caught by them.

use ark_std::UniformRand;
use section9::field::Fr;
use section9::zk_op;
use section9_tests::harness::{check_all, check_hint_forgeries};

/// 1 when `x` is 0, else 0, over the field: the is-zero gadget with both
/// its witnesses (the inverse and the result) supplied by the prover.
#[zk_op(field)]
fn field_is_zero(#[input] x: Scalar, #[output] z: Scalar) {
    let inv = hint!(field_inv(x));
    let zh = hint!(1 - x * inv);
    enforce!(x * inv == 1 - zh);
    enforce!(x * zh == 0);
    z = zh;
}

/// A selection whose bit is only proven to be a bit: the prover picks it.
#[zk_op(field)]
fn field_choice_from_prover(#[input] x: Scalar, #[output] y: Scalar) {
    let b = hint!(1 + 0 * x);
    enforce!(b * (b - 1) == 0);
    y = b * x;
}

fn cases() -> Vec<Fr> {
    let mut rng = ark_std::test_rng();
    let mut v = vec![Fr::from(0u64), Fr::from(1u64), -Fr::from(1u64)];
    v.extend((0..4).map(|_| Fr::rand(&mut rng)));
    v
}

#[test]
fn field_is_zero_passes_every_check() {
    for x in cases() {
        check_all(&FieldIsZero {}, &[vec![x]], &[]).unwrap();
    }
}

/// Forging the result hint is rejected by a named constraint, so the hint
/// forgeries do reach field operators.
#[test]
fn field_hints_are_forged_and_rejected() {
    let rejected = check_hint_forgeries(&FieldIsZero {}, &[vec![Fr::from(5u64)]], &[]).unwrap();
    assert!(rejected.iter().any(|r| r.forged.starts_with("zh")), "{rejected:?}");
    assert!(rejected.iter().any(|r| r.forged.starts_with("inv")), "{rejected:?}");
}

#[test]
fn a_field_hint_pinned_only_to_a_bit_is_caught() {
    let msg = check_hint_forgeries(&FieldChoiceFromProver {}, &[vec![Fr::from(7u64)]], &[])
        .expect_err("the forgery checks must catch this circuit");
    assert!(msg.contains("forging `b`"), "{msg}");
}
