//! tree_ensemble: the sum of the leaves each row reaches in trees given as
//! a branch list, a leaf list and a child table, against a walk down each
//! tree written here, with the model public (thresholds and leaves
//! constants) or committed (signals).

use crate::{config, values};
use proptest::prelude::*;
use section9::ops::TreeEnsemble;
use section9::ZkOp;
use section9_tests::harness::{check_all, max_of, reference, synthesize};

/// A forest's wiring: per branch its feature and children, per tree its
/// root, in the op's one index space (`nn + l` is leaf `l`).
#[derive(Clone, Debug)]
struct Wiring {
    nn: usize,
    nl: usize,
    feature: Vec<i64>,
    child: Vec<i64>,
    root: Vec<i64>,
}

/// The spec: walk each tree from its root, to the first child while
/// `x[feature] <= threshold`, each index clamped as the op documents.
fn forest_spec(op: &TreeEnsemble, x: &[i64], w: &Wiring, threshold: &[i64], leaf: &[i64]) -> Vec<i64> {
    let last = (op.nn + op.nl - 1) as i64;
    let mut y = vec![0; op.m * op.nc];
    for r in 0..op.m {
        for t in 0..op.trees {
            let mut i = w.root[t].clamp(0, last) as usize;
            while i < op.nn {
                let f = w.feature[i].clamp(0, op.nf as i64 - 1) as usize;
                let left = x[r * op.nf + f] <= threshold[i];
                let next = w.child[2 * i + usize::from(!left)];
                i = next.clamp(i as i64 + 1, last) as usize;
            }
            for c in 0..op.nc {
                y[r * op.nc + c] += leaf[(i - op.nn) * op.nc + c];
            }
        }
    }
    y
}

/// `trees` complete trees of `depth`, each in heap order, one after the
/// other: the layout an importer gives when the shapes stay hidden.
fn complete(trees: usize, depth: u32, features: &[i64]) -> Wiring {
    let (per_n, per_l) = ((1usize << depth) - 1, 1usize << depth);
    let (nn, nl) = (trees * per_n, trees * per_l);
    let mut child = Vec::new();
    for t in 0..trees {
        for a in 0..per_n {
            for b in [2 * a + 1, 2 * a + 2] {
                let to = if b < per_n {
                    t * per_n + b
                } else {
                    nn + t * per_l + b - per_n
                };
                child.push(to as i64);
            }
        }
    }
    Wiring {
        nn,
        nl,
        feature: features.iter().copied().cycle().take(nn).collect(),
        child,
        root: (0..trees).map(|t| (t * per_n) as i64).collect(),
    }
}

fn op_for(m: usize, nf: usize, w: &Wiring, nc: usize) -> TreeEnsemble {
    TreeEnsemble {
        m,
        nf,
        px: 6,
        nn: w.nn,
        pf: 5,
        pc: 8,
        trees: w.root.len(),
        pr: 8,
        pt: 7,
        nl: w.nl,
        nc,
        pl: 8,
    }
}

fn inputs(x: &[i64], w: &Wiring, threshold: &[i64], leaf: &[i64]) -> [Vec<i64>; 6] {
    [
        x.to_vec(),
        w.feature.clone(),
        w.child.clone(),
        w.root.clone(),
        threshold.to_vec(),
        leaf.to_vec(),
    ]
}

/// Public model, committed model, and the features themselves constant.
const MODES: [[bool; 6]; 3] = [
    [false, true, true, true, true, true],
    [false, true, true, true, false, false],
    [true, true, true, true, false, false],
];

#[test]
fn a_stump_decides_at_its_threshold() {
    let w = complete(1, 1, &[0]);
    let op = op_for(1, 1, &w, 1);
    let leaf = vec![-5, 9];
    for x in -max_of(6)..=max_of(6) {
        let want = if x <= 3 { -5 } else { 9 };
        let inputs = inputs(&[x], &w, &[3], &leaf);
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
    let w = complete(1, 3, &[0, 1, 2]);
    let op = op_for(1, 3, &w, 1);
    let threshold = [0, -20, 20, -10, 10, -30, 30];
    let leaf: Vec<i64> = (0..8).collect();
    for a in [-31, -11, -1, 0, 1, 11, 31] {
        for b in [-21, -20, -19, 9, 10, 11] {
            for c in [-31, -30, 19, 20, 21, 30, 31] {
                let x = [a, b, c];
                let want = forest_spec(&op, &x, &w, &threshold, &leaf);
                assert_eq!(reference(&op, &inputs(&x, &w, &threshold, &leaf)).unwrap(), vec![want]);
            }
        }
    }
    for constant in MODES {
        check_all(&op, &inputs(&[5, 10, -30], &w, &threshold, &leaf), &constant).unwrap();
    }
}

/// Tree 0: a branch whose left child is a leaf and whose right child is a
/// stump; tree 1: a single leaf.
fn ragged() -> Wiring {
    Wiring {
        nn: 2,
        nl: 4,
        feature: vec![0, 1],
        child: vec![2, 1, 3, 4],
        root: vec![0, 5],
    }
}

#[test]
fn trees_of_any_shape_and_a_tree_that_is_one_leaf() {
    let w = ragged();
    let op = op_for(1, 2, &w, 1);
    let (threshold, leaf) = ([0, 5], [10, 20, 30, 1]);
    for (x, want) in [([0, 30], 11), ([1, 5], 21), ([1, 6], 31), ([-9, -9], 11)] {
        assert_eq!(
            reference(&op, &inputs(&x, &w, &threshold, &leaf)).unwrap(),
            vec![vec![want]]
        );
        for constant in MODES {
            check_all(&op, &inputs(&x, &w, &threshold, &leaf), &constant).unwrap();
        }
    }
}

#[test]
fn out_of_range_indices_are_clamped() {
    // Feature -4 reads feature 0 and 9 feature 1; a child before its
    // branch is the next index, one past the end is the last leaf, and so
    // is a root past the end.
    let w = Wiring {
        nn: 2,
        nl: 2,
        feature: vec![-4, 9],
        child: vec![-7, 9, 0, 2],
        root: vec![0, 40],
    };
    let op = op_for(1, 2, &w, 1);
    let leaf = [100, 7];
    // Branch 0 (x0 = 5 > 0) goes to index 9, clamped to leaf 1; the second
    // tree's root is leaf 1 as well.
    assert_eq!(
        reference(&op, &inputs(&[5, -5], &w, &[0, 0], &leaf)).unwrap(),
        vec![vec![14]]
    );
    // x0 = -5 <= 0: child -7 is clamped to branch 1, where x1 = -5 <= 0
    // goes to child 0, clamped to leaf 0 (index 2).
    assert_eq!(
        reference(&op, &inputs(&[-5, -5], &w, &[0, 0], &leaf)).unwrap(),
        vec![vec![107]]
    );
    for x in [[5, -5], [-5, -5], [-5, 5]] {
        assert_eq!(
            reference(&op, &inputs(&x, &w, &[0, 0], &leaf)).unwrap(),
            vec![forest_spec(&op, &x, &w, &[0, 0], &leaf)]
        );
        for constant in MODES {
            check_all(&op, &inputs(&x, &w, &[0, 0], &leaf), &constant).unwrap();
        }
    }
}

/// Constraints of `op` on these tables, thresholds and leaves constant
/// (`public`) or signals.
fn count(op: &TreeEnsemble, w: &Wiring, public: bool) -> usize {
    let (threshold, leaf) = (vec![0; w.nn], (1..=(w.nl * op.nc) as i64).collect::<Vec<_>>());
    let x = vec![0; op.m * op.nf];
    let constant = [false, true, true, true, public, public];
    synthesize(op, &inputs(&x, w, &threshold, &leaf), &constant, &[])
        .unwrap()
        .cs
        .num_constraints()
}

#[test]
fn costs_follow_the_declaration() {
    // 100 complete trees of depth 4 on int16 features with 17-bit
    // thresholds: each of the 15 branches is an 18-bit sign test (19
    // constraints); a public model selects among the 7 branches above the
    // leaves' parents, a committed one at every branch.
    let w = complete(100, 4, &[0, 7, 29]);
    let op = TreeEnsemble {
        nf: 30,
        px: 16,
        pt: 17,
        pl: 16,
        ..op_for(1, 30, &w, 1)
    };
    assert_eq!(count(&op, &w, true), 100 * (15 * 19 + 7));
    assert_eq!(count(&op, &w, false), 100 * (15 * 19 + 15));
    let two = TreeEnsemble { nc: 2, ..op };
    assert_eq!(count(&two, &w, true), 100 * (15 * 19 + 14));
    // A ragged tree pays for its real branches only: two sign tests, and
    // one product at the branch whose child is a branch.
    let r = ragged();
    let ragged_op = TreeEnsemble {
        px: 16,
        pt: 17,
        ..op_for(1, 2, &r, 1)
    };
    assert_eq!(count(&ragged_op, &r, true), 2 * 19 + 1);
    // A branch whose children are one index is that child: no test.
    let same = Wiring {
        nn: 2,
        nl: 2,
        feature: vec![0, 0],
        child: vec![1, 1, 2, 3],
        root: vec![0],
    };
    let same_op = TreeEnsemble {
        px: 16,
        pt: 17,
        ..op_for(1, 2, &same, 1)
    };
    assert_eq!(count(&same_op, &same, true), 19);
    assert_eq!(count(&same_op, &same, false), 20);
    // The catalogue's distinct constants are one complete tree in heap
    // order: the same count as its real table.
    let one = complete(1, 4, &[0]);
    let one_op = op_for(1, 30, &one, 1);
    assert_eq!(one_op.constraint_count(&MODES[0]).unwrap(), count(&one_op, &one, true));
    assert_eq!(one_op.constraint_count(&MODES[1]).unwrap(), count(&one_op, &one, false));
}

#[test]
fn empty_forests_are_refused() {
    for (nn, nl, trees) in [(0, 1, 1), (1, 0, 1), (1, 2, 0)] {
        let op = TreeEnsemble {
            nn,
            nl,
            trees,
            ..op_for(1, 2, &complete(1, 1, &[0]), 1)
        };
        assert!(op.check().is_err(), "nn = {nn}, nl = {nl}, trees = {trees}");
    }
}

#[test]
fn the_wiring_must_be_constant() {
    let w = complete(1, 1, &[0]);
    let op = op_for(1, 2, &w, 1);
    let inputs = inputs(&[1, 2], &w, &[0], &[1, 2]);
    for (k, name) in [(1, "feature"), (2, "child"), (3, "root")] {
        let mut constant = [true; 6];
        constant[0] = false;
        constant[k] = false;
        let Err(err) = section9_tests::harness::check_agreement(&op, &inputs, &constant) else {
            panic!("`{name}` as signals was accepted");
        };
        assert!(err.contains(&format!("`{name}` must be a circuit constant")), "{err}");
    }
}

/// Any wiring at all, indices partly out of range: what an importer might
/// write, and what an attacker might.
fn any_wiring(nf: usize) -> impl Strategy<Value = Wiring> {
    (1usize..=6, 1usize..=6, 1usize..=3).prop_flat_map(move |(nn, nl, trees)| {
        let last = (nn + nl) as i64;
        (
            proptest::collection::vec(-1i64..=nf as i64, nn),
            proptest::collection::vec(-1i64..=last, 2 * nn),
            proptest::collection::vec(-1i64..=last, trees),
        )
            .prop_map(move |(feature, child, root)| Wiring {
                nn,
                nl,
                feature,
                child,
                root,
            })
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn forests_agree(
        (m, nf, nc, mode, w, x, threshold, leaf) in
            (1usize..=2, 1usize..=4, 1usize..=2, 0usize..3)
            .prop_flat_map(|(m, nf, nc, mode)| (Just(m), Just(nf), Just(nc), Just(mode), any_wiring(nf)))
            .prop_flat_map(|(m, nf, nc, mode, w)| {
                let (nn, nl) = (w.nn, w.nl);
                (
                    Just(m), Just(nf), Just(nc), Just(mode), Just(w),
                    values(6, m * nf),
                    values(7, nn),
                    values(8, nl * nc),
                )
            })
    ) {
        let op = op_for(m, nf, &w, nc);
        let want = forest_spec(&op, &x, &w, &threshold, &leaf);
        let inputs = inputs(&x, &w, &threshold, &leaf);
        prop_assert_eq!(reference(&op, &inputs).unwrap(), vec![want]);
        check_all(&op, &inputs, &MODES[mode]).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn complete_forests_agree(
        (trees, depth, x, threshold, leaf) in (1usize..=3, 1u32..=3)
            .prop_flat_map(|(trees, depth)| {
                let nn = trees * ((1usize << depth) - 1);
                (Just(trees), Just(depth), values(6, 3), values(7, nn), values(8, nn + trees))
            })
    ) {
        let w = complete(trees, depth, &[2, 0, 1]);
        let op = op_for(1, 3, &w, 1);
        let want = forest_spec(&op, &x, &w, &threshold, &leaf);
        let inputs = inputs(&x, &w, &threshold, &leaf);
        prop_assert_eq!(reference(&op, &inputs).unwrap(), vec![want]);
        check_all(&op, &inputs, &MODES[1]).map_err(TestCaseError::fail)?;
    }
}
