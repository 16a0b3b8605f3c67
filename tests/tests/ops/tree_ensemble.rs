//! tree_ensemble: the sum of the leaves each row reaches in complete
//! trees, against a walk down each tree written here, with the model
//! public (thresholds and leaves constants) or committed (signals).

use crate::{config, values};
use proptest::prelude::*;
use section9::ops::TreeEnsemble;
use section9::ZkOp;
use section9_tests::harness::{check_all, max_of, reference};

/// The spec: walk each tree from the root, left while
/// `x[feature] <= threshold`, and add the leaf's values.
fn forest_spec(op: &TreeEnsemble, x: &[i64], feature: &[i64], threshold: &[i64], leaf: &[i64]) -> Vec<i64> {
    let mut y = vec![0; op.m * op.nc];
    for r in 0..op.m {
        for t in 0..op.trees {
            let mut i = 0;
            while i < op.nn {
                let f = feature[t * op.nn + i].clamp(0, op.nf as i64 - 1) as usize;
                let left = x[r * op.nf + f] <= threshold[t * op.nn + i];
                i = 2 * i + if left { 1 } else { 2 };
            }
            let l = i - op.nn;
            for c in 0..op.nc {
                y[r * op.nc + c] += leaf[(t * op.nl + l) * op.nc + c];
            }
        }
    }
    y
}

fn forest(m: usize, nf: usize, trees: usize, depth: u32, nc: usize) -> TreeEnsemble {
    TreeEnsemble {
        m,
        nf,
        px: 6,
        trees,
        nn: (1 << depth) - 1,
        pf: 5,
        pt: 7,
        nl: 1 << depth,
        nc,
        pl: 8,
    }
}

/// Public model, committed model, and the features themselves constant.
const MODES: [[bool; 4]; 3] = [
    [false, true, true, true],
    [false, true, false, false],
    [true, true, false, false],
];

#[test]
fn a_stump_decides_at_its_threshold() {
    let op = forest(1, 1, 1, 1, 1);
    let leaf = vec![-5, 9];
    for x in -max_of(6)..=max_of(6) {
        let want = if x <= 3 { -5 } else { 9 };
        let inputs = [vec![x], vec![0], vec![3], leaf.clone()];
        assert_eq!(reference(&op, &inputs).unwrap(), vec![vec![want]], "x = {x}");
        for constant in MODES {
            check_all(&op, &inputs, &constant).unwrap();
        }
    }
}

#[test]
fn every_path_of_a_depth_three_tree() {
    // Thresholds 0, -20, 20, ... : each of the 8 leaves holds its index, so
    // the output names the path taken.
    let op = forest(1, 3, 1, 3, 1);
    let feature = vec![0, 1, 2, 0, 1, 2, 0];
    let threshold = vec![0, -20, 20, -10, 10, -30, 30];
    let leaf: Vec<i64> = (0..8).collect();
    for a in [-31, -11, -1, 0, 1, 11, 31] {
        for b in [-21, -20, -19, 9, 10, 11] {
            for c in [-31, -30, 19, 20, 21, 30, 31] {
                let x = vec![a, b, c];
                let inputs = [x.clone(), feature.clone(), threshold.clone(), leaf.clone()];
                let want = forest_spec(&op, &x, &feature, &threshold, &leaf);
                assert_eq!(reference(&op, &inputs).unwrap(), vec![want]);
            }
        }
    }
    let inputs = [vec![5, 10, -30], feature, threshold, leaf];
    for constant in MODES {
        check_all(&op, &inputs, &constant).unwrap();
    }
}

#[test]
fn out_of_range_feature_indices_are_clamped() {
    let op = forest(1, 2, 1, 1, 1);
    let leaf = vec![1, 2];
    // -4 reads feature 0, 9 reads feature 1.
    assert_eq!(
        reference(&op, &[vec![5, -5], vec![-4], vec![0], leaf.clone()]).unwrap(),
        vec![vec![2]]
    );
    assert_eq!(
        reference(&op, &[vec![5, -5], vec![9], vec![0], leaf]).unwrap(),
        vec![vec![1]]
    );
}

#[test]
fn costs_follow_the_declaration() {
    // 100 trees of depth 4 on int16 features with 17-bit thresholds: each
    // of the 15 nodes is an 18-bit sign test (19 constraints); a public
    // model selects among the 7 nodes above the leaves' parents, a
    // committed one at every node.
    let op = TreeEnsemble {
        m: 1,
        nf: 30,
        px: 16,
        trees: 100,
        nn: 15,
        pf: 6,
        pt: 17,
        nl: 16,
        nc: 1,
        pl: 16,
    };
    assert_eq!(
        op.constraint_count(&[false, true, true, true]).unwrap(),
        100 * (15 * 19 + 7)
    );
    assert_eq!(
        op.constraint_count(&[false, true, false, false]).unwrap(),
        100 * (15 * 19 + 15)
    );
    let two = TreeEnsemble { nc: 2, ..op };
    assert_eq!(
        two.constraint_count(&[false, true, true, true]).unwrap(),
        100 * (15 * 19 + 14)
    );
}

#[test]
fn shapes_that_are_not_complete_trees_are_refused() {
    for (nn, nl) in [(2, 3), (3, 3), (5, 6), (0, 1)] {
        let op = TreeEnsemble {
            nn,
            nl,
            ..forest(1, 2, 1, 1, 1)
        };
        assert!(op.check().is_err(), "nn = {nn}, nl = {nl}");
    }
}

#[test]
fn feature_indices_must_be_constants() {
    let op = forest(1, 2, 1, 1, 1);
    let Err(err) = section9_tests::harness::check_agreement(&op, &[vec![1, 2], vec![0], vec![0], vec![1, 2]], &[])
    else {
        panic!("feature indices that are signals were accepted");
    };
    assert!(err.contains("`feature` must be a circuit constant"), "{err}");
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn forests_agree(
        (m, nf, trees, depth, nc, mode, x, feature, threshold, leaf) in
            (1usize..=2, 1usize..=4, 1usize..=3, 1u32..=3, 1usize..=2, 0usize..3)
            .prop_flat_map(|(m, nf, trees, depth, nc, mode)| {
                let nn = (1usize << depth) - 1;
                (
                    Just(m), Just(nf), Just(trees), Just(depth), Just(nc), Just(mode),
                    values(6, m * nf),
                    proptest::collection::vec(-1i64..=nf as i64, trees * nn),
                    values(7, trees * nn),
                    values(8, trees * (nn + 1) * nc),
                )
            })
    ) {
        let op = forest(m, nf, trees, depth, nc);
        let want = forest_spec(&op, &x, &feature, &threshold, &leaf);
        let inputs = [x, feature, threshold, leaf];
        prop_assert_eq!(reference(&op, &inputs).unwrap(), vec![want]);
        check_all(&op, &inputs, &MODES[mode]).map_err(TestCaseError::fail)?;
    }
}
