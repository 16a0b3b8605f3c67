//! Elementwise add, sub, mul, max, greater and div with numpy broadcasting,
//! and the truncating division gadget behind div.

use crate::{config, values};
use proptest::prelude::*;
use section9::gadgets::DivTrunc;
use section9::ops::{
    Broadcast, BROADCAST_ADD, BROADCAST_DIV, BROADCAST_GREATER, BROADCAST_MAX, BROADCAST_MUL, BROADCAST_SUB,
};
use section9::ZkOp;
use section9_tests::harness::{check_agreement, check_all, max_of, reference};

/// broadcast_div: truncation toward zero, and 0 for a zero divisor.
fn div_spec(u: i64, v: i64) -> i64 {
    if v == 0 {
        0
    } else {
        u / v
    }
}

fn elem_spec(op: u32, u: i64, v: i64) -> i64 {
    match op {
        BROADCAST_ADD => u + v,
        BROADCAST_SUB => u - v,
        BROADCAST_MUL => u * v,
        BROADCAST_MAX => u.max(v),
        BROADCAST_GREATER => i64::from(u > v),
        _ => div_spec(u, v),
    }
}

fn spec(op: u32, a: &[i64], ad: [usize; 4], b: &[i64], bd: [usize; 4]) -> Vec<i64> {
    let od: Vec<usize> = (0..4).map(|i| ad[i].max(bd[i])).collect();
    let at = |d: [usize; 4], i: [usize; 4]| (0..4).fold(0, |acc, k| acc * d[k] + if d[k] == 1 { 0 } else { i[k] });
    let mut y = Vec::new();
    for i0 in 0..od[0] {
        for i1 in 0..od[1] {
            for i2 in 0..od[2] {
                for i3 in 0..od[3] {
                    let i = [i0, i1, i2, i3];
                    y.push(elem_spec(op, a[at(ad, i)], b[at(bd, i)]));
                }
            }
        }
    }
    y
}

/// Shapes of up to `n[k]` along axis `k`, each axis equal or stretched on
/// one side.
fn dims(n: [usize; 4]) -> impl Strategy<Value = ([usize; 4], [usize; 4])> {
    n.map(|n| (1usize..=n, 0u8..3)).prop_map(|d| {
        let a = d.map(|(n, m)| if m == 1 { 1 } else { n });
        let b = d.map(|(n, m)| if m == 2 { 1 } else { n });
        (a, b)
    })
}

/// Every value of precision `pa` against every value of precision `pb`,
/// as one broadcast.
fn every_pair(op: u32, pa: u32, pb: u32) -> (Broadcast, Vec<i64>, Vec<i64>) {
    let a: Vec<i64> = (-max_of(pa)..=max_of(pa)).collect();
    let b: Vec<i64> = (-max_of(pb)..=max_of(pb)).collect();
    let o = Broadcast {
        op,
        a0: 1,
        a1: 1,
        a2: a.len(),
        a3: 1,
        b0: 1,
        b1: 1,
        b2: 1,
        b3: b.len(),
        pa,
        pb,
    };
    (o, a, b)
}

/// The reference on every int8 pair; the circuit on every pair of 5-bit
/// values and of mixed 3- and 6-bit ones.
/// `op` on one element each, with the given precisions.
fn scalars(op: u32, pa: u32, pb: u32) -> Broadcast {
    Broadcast {
        op,
        a0: 1,
        a1: 1,
        a2: 1,
        a3: 1,
        b0: 1,
        b1: 1,
        b2: 1,
        b3: 1,
        pa,
        pb,
    }
}

#[test]
fn max_greater_and_div_on_every_pair() {
    for op in [BROADCAST_MAX, BROADCAST_GREATER, BROADCAST_DIV] {
        for (pa, pb, circuit) in [(8, 8, false), (5, 5, true), (3, 6, true), (6, 3, true)] {
            let (o, a, b) = every_pair(op, pa, pb);
            let want: Vec<i64> = a
                .iter()
                .flat_map(|&u| b.iter().map(move |&v| elem_spec(op, u, v)))
                .collect();
            assert_eq!(reference(&o, &[a.clone(), b.clone()]).unwrap(), vec![want], "op {op}");
            if circuit {
                check_agreement(&o, &[a, b], &[]).unwrap();
            }
        }
    }
}

#[test]
fn div_truncates_toward_zero_and_a_zero_divisor_gives_zero() {
    let cases = [
        (-7, 2, -3),
        (7, -2, -3),
        (-7, -2, 3),
        (7, 2, 3),
        (-1, 2, 0),
        (1, -2, 0),
        (6, -3, -2),
        (-127, 1, -127),
        (127, -1, -127),
        (-127, -127, 1),
        (-126, 127, 0),
        (0, -5, 0),
        (0, 0, 0),
        (5, 0, 0),
        (-127, 0, 0),
    ];
    for (u, v, q) in cases {
        let (o, a, b) = (scalars(BROADCAST_DIV, 8, 8), vec![u], vec![v]);
        assert_eq!(
            reference(&o, &[a.clone(), b.clone()]).unwrap(),
            vec![vec![q]],
            "{u} / {v}"
        );
        check_all(&o, &[a, b], &[]).unwrap();
    }
}

/// The gadget alone on every pair of its smallest interesting precisions,
/// zero divisors and precisions that differ included, with every hint and
/// output forged.
#[test]
fn div_trunc_on_every_small_pair_resists_forgery() {
    for (ka, kb) in [(4, 4), (2, 5), (5, 2)] {
        let op = DivTrunc { ka, kb, kq: ka };
        for u in -max_of(ka)..=max_of(ka) {
            for v in -max_of(kb)..=max_of(kb) {
                assert_eq!(reference(&op, &[vec![u], vec![v]]).unwrap(), vec![vec![div_spec(u, v)]]);
                check_all(&op, &[vec![u], vec![v]], &[]).unwrap();
            }
        }
    }
}

#[test]
fn div_costs_what_its_doc_says() {
    for (ka, kb) in [(8, 8), (3, 10), (16, 2)] {
        let n = DivTrunc { ka, kb, kq: ka }.constraint_count(&[]).unwrap();
        assert_eq!(n, (2 * ka + 3 * kb + 10) as usize, "ka = {ka}, kb = {kb}");
    }
}

#[test]
fn div_by_a_one_bit_divisor_is_refused() {
    let o = scalars(BROADCAST_DIV, 8, 1);
    let err = o.check().unwrap_err();
    assert!(err.to_string().contains("pb >= 2"), "{err}");
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn broadcast_agrees(
        (op, pa, pb, (ad, bd), a, b) in (0u32..=5, 2u32..=8, 2u32..=8)
            // Compare and divide forge many hints per element: smaller shapes.
            .prop_flat_map(|(op, pa, pb)| {
                let n = if op >= BROADCAST_MAX { [1, 1, 2, 2] } else { [3; 4] };
                (Just(op), Just(pa), Just(pb), dims(n))
            })
            .prop_flat_map(|(op, pa, pb, (ad, bd))| {
                let (na, nb) = (ad.iter().product(), bd.iter().product());
                (Just(op), Just(pa), Just(pb), Just((ad, bd)), values(pa, na), values(pb, nb))
            })
    ) {
        let o = Broadcast {
            op,
            a0: ad[0], a1: ad[1], a2: ad[2], a3: ad[3],
            b0: bd[0], b1: bd[1], b2: bd[2], b3: bd[3],
            pa,
            pb,
        };
        prop_assert_eq!(reference(&o, &[a.clone(), b.clone()]).unwrap(), vec![spec(op, &a, ad, &b, bd)]);
        check_all(&o, &[a, b], &[]).map_err(TestCaseError::fail)?;
    }
}
