//! Truncating division clamped to a precision: the gadget's clamped form
//! and `div_clip`, which divides each row by its own divisor.

use crate::{config, values};
use proptest::prelude::*;
use section9::gadgets::DivTrunc;
use section9::ops::DivClip;
use section9::ZkOp;
use section9_tests::harness::{check_all, max_of, reference};

/// `trunc(u / v)` clamped to `|q| <= 2^(p-1) - 1`, and 0 for `v == 0`.
fn spec(u: i64, v: i64, p: u32) -> i64 {
    if v == 0 {
        0
    } else {
        (u / v).clamp(-max_of(p), max_of(p))
    }
}

/// Every pair at small precisions, for every clamp from 2 bits to none:
/// quotients just below, at and above the saturation point, zero and
/// negative divisors; every hint and output forged.
#[test]
fn the_clamped_division_on_every_small_pair_resists_forgery() {
    for (ka, kb) in [(5, 3), (6, 2), (4, 4)] {
        for kq in 2..=ka + 1 {
            let op = DivTrunc { ka, kb, kq };
            for u in -max_of(ka)..=max_of(ka) {
                for v in -max_of(kb)..=max_of(kb) {
                    let want = vec![vec![spec(u, v, kq)]];
                    assert_eq!(
                        reference(&op, &[vec![u], vec![v]]).unwrap(),
                        want,
                        "{u} / {v}, kq = {kq}"
                    );
                    check_all(&op, &[vec![u], vec![v]], &[]).unwrap();
                }
            }
        }
    }
}

/// At the widths a Normalizer uses: a 47-bit numerator over a 31-bit norm
/// to 16 bits, at the edges of saturation.
#[test]
fn wide_numerators_saturate_exactly_at_the_clamp() {
    let (ka, kb, kq) = (47, 31, 16);
    let d = max_of(kb) - 5;
    let edge = max_of(kq) * d;
    let mut cases = vec![];
    for u in [edge - 1, edge, edge + d - 1, edge + d, max_of(ka), 0, d - 1, d] {
        cases.extend([(u, d), (-u, d), (u, -d), (u, 1), (u, 0)]);
    }
    let op = DivTrunc { ka, kb, kq };
    for (u, v) in cases {
        let want = vec![vec![spec(u, v, kq)]];
        assert_eq!(reference(&op, &[vec![u], vec![v]]).unwrap(), want, "{u} / {v}");
    }
    check_all(&op, &[vec![edge + d], vec![d]], &[]).unwrap();
    check_all(&op, &[vec![-(edge - 1)], vec![d]], &[]).unwrap();
}

/// Clamped to `kq` bits, the quotient's high digits cost one zero test and
/// the saturation one product: 3 constraints over the unclamped division.
#[test]
fn the_clamp_costs_what_its_doc_says() {
    for (ka, kb, kq) in [(47, 31, 16), (20, 8, 8), (8, 8, 7)] {
        let full = DivTrunc { ka, kb, kq: ka }.constraint_count(&[]).unwrap();
        let clamped = DivTrunc { ka, kb, kq }.constraint_count(&[]).unwrap();
        assert_eq!(clamped, full + 3, "ka = {ka}, kb = {kb}, kq = {kq}");
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn div_clip_agrees(
        (p, pa, pb, m, n, a, b) in (2u32..=10, 2u32..=12, 2u32..=6, 1usize..=2, 1usize..=3)
            .prop_flat_map(|(p, pa, pb, m, n)| {
                (Just(p), Just(pa), Just(pb), Just(m), Just(n), values(pa, m * n), values(pb, m))
            })
    ) {
        let op = DivClip { p, m, n, pa, pb };
        let want: Vec<i64> = (0..m * n).map(|k| spec(a[k], b[k / n], p)).collect();
        prop_assert_eq!(reference(&op, &[a.clone(), b.clone()]).unwrap(), vec![want]);
        check_all(&op, &[a, b], &[]).map_err(TestCaseError::fail)?;
    }
}
