//! Elementwise add, sub and mul with numpy broadcasting.

use crate::{config, values};
use proptest::prelude::*;
use section9::ops::{Broadcast, BROADCAST_ADD, BROADCAST_SUB};
use section9_tests::harness::{check_all, reference};

fn spec(op: u32, a: &[i64], ad: [usize; 4], b: &[i64], bd: [usize; 4]) -> Vec<i64> {
    let od: Vec<usize> = (0..4).map(|i| ad[i].max(bd[i])).collect();
    let at = |d: [usize; 4], i: [usize; 4]| (0..4).fold(0, |acc, k| acc * d[k] + if d[k] == 1 { 0 } else { i[k] });
    let mut y = Vec::new();
    for i0 in 0..od[0] {
        for i1 in 0..od[1] {
            for i2 in 0..od[2] {
                for i3 in 0..od[3] {
                    let i = [i0, i1, i2, i3];
                    let (u, v) = (a[at(ad, i)], b[at(bd, i)]);
                    y.push(match op {
                        BROADCAST_ADD => u + v,
                        BROADCAST_SUB => u - v,
                        _ => u * v,
                    });
                }
            }
        }
    }
    y
}

fn dims() -> impl Strategy<Value = ([usize; 4], [usize; 4])> {
    proptest::array::uniform4((1usize..=3, 0u8..3)).prop_map(|d| {
        let a = d.map(|(n, m)| if m == 1 { 1 } else { n });
        let b = d.map(|(n, m)| if m == 2 { 1 } else { n });
        (a, b)
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn broadcast_agrees(
        (op, (ad, bd), a, b) in (0u32..=2, dims()).prop_flat_map(|(op, (ad, bd))| {
            (Just(op), Just((ad, bd)), values(8, ad.iter().product()), values(8, bd.iter().product()))
        })
    ) {
        let o = Broadcast {
            op,
            a0: ad[0], a1: ad[1], a2: ad[2], a3: ad[3],
            b0: bd[0], b1: bd[1], b2: bd[2], b3: bd[3],
            pa: 8,
            pb: 8,
        };
        prop_assert_eq!(reference(&o, &[a.clone(), b.clone()]).unwrap(), vec![spec(op, &a, ad, &b, bd)]);
        check_all(&o, &[a, b], &[]).map_err(TestCaseError::fail)?;
    }
}
