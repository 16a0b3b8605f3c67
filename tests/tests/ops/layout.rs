//! transpose, pad, concatenate, strided_slice, repeat and tile: index maps that cost no
//! constraint, checked against numpy-style oracles.

use crate::{config, values};
use proptest::prelude::*;
use section9::ops::{Concatenate, Pad, Repeat, StridedSlice, Tile, Transpose};
use section9::ZkOp;
use section9_tests::harness::{check_all, reference};

/// Flat offset of a rank-4 index.
fn at(d: [usize; 4], i: [usize; 4]) -> usize {
    ((i[0] * d[1] + i[1]) * d[2] + i[2]) * d[3] + i[3]
}

/// Every index of a rank-4 shape, in row-major order.
fn indices(d: [usize; 4]) -> Vec<[usize; 4]> {
    let mut out = Vec::new();
    for i0 in 0..d[0] {
        for i1 in 0..d[1] {
            for i2 in 0..d[2] {
                for i3 in 0..d[3] {
                    out.push([i0, i1, i2, i3]);
                }
            }
        }
    }
    out
}

fn dims() -> impl Strategy<Value = [usize; 4]> {
    proptest::array::uniform4(1usize..=3)
}

#[test]
fn index_maps_are_free() {
    let t = Transpose {
        p0: 0,
        p1: 2,
        p2: 3,
        p3: 1,
        n0: 1,
        n1: 4,
        n2: 8,
        n3: 8,
        px: 8,
    };
    assert_eq!(t.constraint_count(&[]).unwrap(), 0);
    let p = Pad {
        top: 1,
        bottom: 1,
        left: 1,
        right: 1,
        value: 0,
        nb: 1,
        c: 4,
        h: 8,
        w: 8,
        px: 8,
    };
    assert_eq!(p.constraint_count(&[]).unwrap(), 0);
}

#[test]
fn transpose_refuses_a_repeated_axis() {
    let t = Transpose {
        p0: 0,
        p1: 1,
        p2: 1,
        p3: 3,
        n0: 1,
        n1: 2,
        n2: 2,
        n3: 2,
        px: 8,
    };
    assert!(t.check().is_err());
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn transpose_permutes_axes(
        (n, perm, x) in (dims(), Just([0usize, 1, 2, 3]).prop_shuffle())
            .prop_flat_map(|(n, p)| (Just(n), Just(p), values(8, n.iter().product())))
    ) {
        let op = Transpose { p0: perm[0] as u32, p1: perm[1] as u32, p2: perm[2] as u32, p3: perm[3] as u32,
            n0: n[0], n1: n[1], n2: n[2], n3: n[3], px: 8 };
        let o = perm.map(|p| n[p]);
        let want: Vec<i64> = indices(o)
            .into_iter()
            .map(|i| {
                let mut j = [0; 4];
                for k in 0..4 {
                    j[perm[k]] = i[k];
                }
                x[at(n, j)]
            })
            .collect();
        prop_assert_eq!(reference(&op, &[x.clone()]).unwrap(), vec![want]);
        check_all(&op, &[x], &[]).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn pad_surrounds_with_a_constant(
        (h, w, t, b, l, r, value, x) in (1usize..=3, 1usize..=3, 0usize..=2, 0usize..=2, 0usize..=2, 0usize..=2, -200i64..=200)
            .prop_flat_map(|(h, w, t, b, l, r, v)| (Just(h), Just(w), Just(t), Just(b), Just(l), Just(r), Just(v), values(8, 2 * h * w)))
    ) {
        let op = Pad { top: t, bottom: b, left: l, right: r, value, nb: 1, c: 2, h, w, px: 8 };
        let o = [1, 2, h + t + b, w + l + r];
        let want: Vec<i64> = indices(o)
            .into_iter()
            .map(|[_, c, i, j]| {
                if i < t || i >= t + h || j < l || j >= l + w {
                    value
                } else {
                    x[at([1, 2, h, w], [0, c, i - t, j - l])]
                }
            })
            .collect();
        prop_assert_eq!(reference(&op, &[x.clone()]).unwrap(), vec![want]);
        check_all(&op, &[x], &[]).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn concatenate_joins_along_an_axis(
        (axis, ad, extra, a, b) in (0usize..4, dims(), 1usize..=3).prop_flat_map(|(axis, ad, extra)| {
            let mut bd = ad;
            bd[axis] = extra;
            (Just(axis), Just(ad), Just(extra), values(8, ad.iter().product()), values(6, bd.iter().product()))
        })
    ) {
        let mut bd = ad;
        bd[axis] = extra;
        let op = Concatenate { axis: axis as u32, a0: ad[0], a1: ad[1], a2: ad[2], a3: ad[3],
            b0: bd[0], b1: bd[1], b2: bd[2], b3: bd[3], pa: 8, pb: 6 };
        let mut o = ad;
        o[axis] += extra;
        let want: Vec<i64> = indices(o)
            .into_iter()
            .map(|i| {
                if i[axis] < ad[axis] {
                    a[at(ad, i)]
                } else {
                    let mut j = i;
                    j[axis] -= ad[axis];
                    b[at(bd, j)]
                }
            })
            .collect();
        prop_assert_eq!(reference(&op, &[a.clone(), b.clone()]).unwrap(), vec![want]);
        check_all(&op, &[a, b], &[]).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn strided_slice_takes_every_stride(
        (n, begin, len, stride, x) in dims().prop_flat_map(|n| {
            let b = n.map(|d| 0..d);
            (Just(n), b, proptest::array::uniform4(1usize..=3), proptest::array::uniform4(1usize..=2), values(8, n.iter().product()))
        })
    ) {
        let end: [usize; 4] = std::array::from_fn(|k| (begin[k] + len[k]).min(n[k]));
        let op = StridedSlice {
            b0: begin[0], b1: begin[1], b2: begin[2], b3: begin[3],
            e0: end[0], e1: end[1], e2: end[2], e3: end[3],
            s0: stride[0], s1: stride[1], s2: stride[2], s3: stride[3],
            n0: n[0], n1: n[1], n2: n[2], n3: n[3], px: 8,
        };
        let o: [usize; 4] = std::array::from_fn(|k| (end[k] - begin[k]).div_ceil(stride[k]));
        let want: Vec<i64> = indices(o)
            .into_iter()
            .map(|i| x[at(n, std::array::from_fn(|k| begin[k] + i[k] * stride[k]))])
            .collect();
        prop_assert_eq!(reference(&op, &[x.clone()]).unwrap(), vec![want]);
        check_all(&op, &[x], &[]).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn repeat_repeats_each_element(
        (n, axis, times, x) in (dims(), 0usize..4, 1usize..=3)
            .prop_flat_map(|(n, a, t)| (Just(n), Just(a), Just(t), values(8, n.iter().product())))
    ) {
        let op = Repeat { axis: axis as u32, times, n0: n[0], n1: n[1], n2: n[2], n3: n[3], px: 8 };
        let mut o = n;
        o[axis] *= times;
        let want: Vec<i64> = indices(o)
            .into_iter()
            .map(|mut i| {
                i[axis] /= times;
                x[at(n, i)]
            })
            .collect();
        prop_assert_eq!(reference(&op, &[x.clone()]).unwrap(), vec![want]);
        check_all(&op, &[x], &[]).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn tile_repeats_the_whole(
        (n, reps, x) in (dims(), proptest::array::uniform4(1usize..=2))
            .prop_flat_map(|(n, r)| (Just(n), Just(r), values(8, n.iter().product())))
    ) {
        let op = Tile { r0: reps[0], r1: reps[1], r2: reps[2], r3: reps[3], n0: n[0], n1: n[1], n2: n[2], n3: n[3], px: 8 };
        let o: [usize; 4] = std::array::from_fn(|k| n[k] * reps[k]);
        let want: Vec<i64> = indices(o).into_iter().map(|i| x[at(n, std::array::from_fn(|k| i[k] % n[k]))]).collect();
        prop_assert_eq!(reference(&op, &[x.clone()]).unwrap(), vec![want]);
        check_all(&op, &[x], &[]).map_err(TestCaseError::fail)?;
    }
}
