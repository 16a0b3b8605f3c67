//! where(c, a, b) = c != 0 ? a : b, with a condition per element or per row.

use crate::{config, values};
use proptest::prelude::*;
use section9::ops::Where;
use section9::ZkOp;
use section9_tests::harness::{check_all, reference};

/// CVM's where on `[m, n]` operands: `c` has their shape, or holds one
/// value per row.
fn where_spec(c: &[i64], a: &[i64], b: &[i64], n: usize) -> Vec<i64> {
    (0..a.len())
        .map(|i| {
            let cond = if c.len() == a.len() { c[i] } else { c[i / n] };
            if cond != 0 {
                a[i]
            } else {
                b[i]
            }
        })
        .collect()
}

#[test]
fn where_picks_by_element_and_by_row() {
    let (a, b) = (vec![1, 2, 3, 4, 5, 6], vec![-1, -2, -3, -4, -5, -6]);
    let each = Where {
        m: 2,
        nc: 3,
        pc: 8,
        n: 3,
        pa: 8,
        pb: 8,
    };
    let c = vec![0, 7, -1, 0, 0, 127];
    assert_eq!(
        reference(&each, &[c.clone(), a.clone(), b.clone()]).unwrap(),
        vec![vec![-1, 2, 3, -4, -5, 6]]
    );
    check_all(&each, &[c, a.clone(), b.clone()], &[]).unwrap();
    let rows = Where { nc: 1, ..each };
    let c = vec![-3, 0];
    assert_eq!(
        reference(&rows, &[c.clone(), a.clone(), b.clone()]).unwrap(),
        vec![vec![1, 2, 3, -4, -5, -6]]
    );
    check_all(&rows, &[c, a, b], &[]).unwrap();
}

#[test]
fn a_row_shares_its_zero_test() {
    let rows = Where {
        m: 4,
        nc: 1,
        pc: 8,
        n: 16,
        pa: 8,
        pb: 8,
    };
    assert_eq!(rows.constraint_count(&[]).unwrap(), 4 * 2 + 64);
    let each = Where { nc: 16, ..rows };
    assert_eq!(each.constraint_count(&[]).unwrap(), 64 * 3);
}

#[test]
fn a_condition_of_another_shape_is_refused() {
    let op = Where {
        m: 2,
        nc: 2,
        pc: 8,
        n: 3,
        pa: 8,
        pb: 8,
    };
    let err = op.check().unwrap_err();
    assert!(err.to_string().contains("nc == n || nc == 1"), "{err}");
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn where_agrees(
        (m, n, nc, pc, pa, pb, c, a, b) in (1usize..=3, 1usize..=3, any::<bool>(), 2u32..=3, 2u32..=16, 2u32..=16)
            .prop_flat_map(|(m, n, per_row, pc, pa, pb)| {
                let nc = if per_row { 1 } else { n };
                // Small conditions, so a third or more of them are zero.
                (Just(m), Just(n), Just(nc), Just(pc), Just(pa), Just(pb), values(pc, m * nc), values(pa, m * n), values(pb, m * n))
            })
    ) {
        let op = Where { m, nc, pc, n, pa, pb };
        prop_assert_eq!(reference(&op, &[c.clone(), a.clone(), b.clone()]).unwrap(), vec![where_spec(&c, &a, &b, n)]);
        check_all(&op, &[c, a, b], &[]).map_err(TestCaseError::fail)?;
    }
}
