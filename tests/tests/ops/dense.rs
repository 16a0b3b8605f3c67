//! dense with constant (public model) and private weights.

use crate::{config, values};
use proptest::prelude::*;
use section9::ops::Dense;
use section9::ZkOp;
use section9_tests::harness::{check_all, reference};

fn dense_spec(x: &[i64], w: &[i64], b: &[i64], m: usize, k: usize, n: usize) -> Vec<i64> {
    let mut y = Vec::new();
    for i in 0..m {
        for j in 0..n {
            y.push(b[j] + (0..k).map(|t| x[i * k + t] * w[j * k + t]).sum::<i64>());
        }
    }
    y
}

#[test]
fn constant_weights_cost_nothing_and_private_weights_one_per_product() {
    let op = Dense {
        m: 1,
        k: 64,
        n: 64,
        px: 8,
        pw: 8,
        pb: 8,
    };
    assert_eq!(op.constraint_count(&[false, true, true]).unwrap(), 0);
    assert_eq!(op.constraint_count(&[false, false, false]).unwrap(), 64 * 64);
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn dense_agrees(
        (m, k, n, x, w, b, constant) in (1usize..=2, 1usize..=4, 1usize..=3, any::<bool>())
            .prop_flat_map(|(m, k, n, c)| (Just(m), Just(k), Just(n), values(8, m * k), values(8, n * k), values(8, n), Just(c)))
    ) {
        let op = Dense { m, k, n, px: 8, pw: 8, pb: 8 };
        let want = dense_spec(&x, &w, &b, m, k, n);
        prop_assert_eq!(reference(&op, &[x.clone(), w.clone(), b.clone()]).unwrap(), vec![want]);
        check_all(&op, &[x, w, b], &[false, constant, constant]).map_err(TestCaseError::fail)?;
    }
}
