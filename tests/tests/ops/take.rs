//! take with signal indices (and cvm_lut, the same operator): each index
//! clipped into range as CVM does, the selection proven whether the data
//! and the indices are private or constant.

use crate::{config, values};
use proptest::prelude::*;
use section9::ops::{CvmLut, Take, TakeConstant};
use section9::ZkOp;
use section9_tests::harness::{check_agreement, check_all, max_of, reference};

/// `y[o][j][i] = x[o][clip(idx[j], 0, n - 1)][i]`.
fn take_spec(x: &[i64], outer: usize, n: usize, inner: usize, idx: &[i64]) -> Vec<i64> {
    let mut y = Vec::new();
    for o in 0..outer {
        for &t in idx {
            let t = t.clamp(0, n as i64 - 1) as usize;
            for i in 0..inner {
                y.push(x[(o * n + t) * inner + i]);
            }
        }
    }
    y
}

fn take(outer: usize, n: usize, inner: usize, ni: usize, pi: u32) -> Take {
    Take {
        outer,
        n,
        inner,
        px: 8,
        ni,
        pi,
    }
}

#[test]
fn every_index_of_every_small_table() {
    let pi = 6;
    let m = max_of(pi);
    let idx: Vec<i64> = (-m..=m).collect();
    for n in 1..=40 {
        let x: Vec<i64> = (0..n as i64).map(|t| 3 * t - 50).collect();
        let op = take(1, n, 1, idx.len(), pi);
        for constant in [[false, false], [true, false]] {
            check_agreement(&op, &[x.clone(), idx.clone()], &constant).unwrap();
        }
        let want = take_spec(&x, 1, n, 1, &idx);
        assert_eq!(reference(&op, &[x, idx.clone()]).unwrap(), vec![want], "n = {n}");
    }
}

#[test]
fn cvm_lut_reads_a_table_and_clips() {
    let table: Vec<i64> = (0..16).map(|t| t * t - 100).collect();
    let op: CvmLut = take(1, 16, 1, 5, 8);
    let idx = vec![-5, 0, 7, 15, 100];
    assert_eq!(
        reference(&op, &[table, idx]).unwrap(),
        vec![vec![-100, -100, -51, 125, 125]]
    );
}

#[test]
fn a_constant_table_of_256_costs_58_per_lookup() {
    // Clamp at 0 (a 9-bit sign test and a product; 255 is out of an int8's
    // reach), 8 index bits, two indicators of 16 from 4 bits each (11
    // products each), 16 products.
    let op = take(1, 256, 1, 64, 8);
    assert_eq!(op.constraint_count(&[true, false]).unwrap(), 64 * 58);
    // A private table adds one product per entry.
    assert_eq!(op.constraint_count(&[false, false]).unwrap(), 64 * (58 + 256));
    assert_eq!(take(2, 1, 3, 4, 8).constraint_count(&[false, false]).unwrap(), 0);
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn take_agrees(
        (outer, n, inner, pi, constant, x, idx) in (1usize..=2, 1usize..=9, 1usize..=2, 2u32..=6, 1usize..=3, any::<[bool; 2]>())
            .prop_flat_map(|(outer, n, inner, pi, ni, constant)| {
                (Just(outer), Just(n), Just(inner), Just(pi), Just(constant), values(8, outer * n * inner), values(pi, ni))
            })
    ) {
        let op = take(outer, n, inner, idx.len(), pi);
        prop_assert_eq!(reference(&op, &[x.clone(), idx.clone()]).unwrap(), vec![take_spec(&x, outer, n, inner, &idx)]);
        check_all(&op, &[x, idx], &constant).map_err(TestCaseError::fail)?;
    }
}

fn take_constant(outer: usize, n: usize, inner: usize, ni: usize, pi: u32) -> TakeConstant {
    TakeConstant {
        outer,
        n,
        inner,
        px: 8,
        ni,
        pi,
    }
}

proptest! {
    #![proptest_config(config())]

    /// Constant indices: the same values as the spec and as `take`, and no
    /// constraint at all.
    #[test]
    fn take_constant_agrees_and_is_free(
        (outer, n, inner) in (1usize..=2, 1usize..=9, 1usize..=3),
        idx in values(5, 4),
        seed in any::<u64>(),
    ) {
        let op = take_constant(outer, n, inner, idx.len(), 5);
        let x = section9::op::seeded_values([(outer * n * inner, section9::Bound::prec(8))], seed).remove(0);
        let want = take_spec(&x, outer, n, inner, &idx);
        prop_assert_eq!(reference(&op, &[x.clone(), idx.clone()]).unwrap(), vec![want.clone()]);
        prop_assert_eq!(
            reference(&take(outer, n, inner, idx.len(), 5), &[x.clone(), idx.clone()]).unwrap(),
            vec![want]
        );
        check_all(&op, &[x, idx], &[false, true]).map_err(TestCaseError::fail)?;
        prop_assert_eq!(op.constraint_count(&[]).unwrap(), 0);
    }
}

#[test]
fn take_constant_refuses_indices_that_are_signals() {
    let op = take_constant(1, 4, 1, 2, 4);
    let mut cs = section9::r1cs::Builder::new();
    let x: Vec<_> = (0..4).map(|i| cs.input("x", &[i], i, false)).collect();
    let idx: Vec<_> = (0..2).map(|i| cs.input("idx", &[i], 1, false)).collect();
    let err = op.synthesize(&mut cs, &[&x, &idx]).unwrap_err().to_string();
    assert!(err.contains("`indices` must be a circuit constant"), "{err}");
}
