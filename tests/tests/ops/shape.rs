//! Wiring operators: reshape and nearest upsampling cost nothing.

use crate::{config, values};
use proptest::prelude::*;
use section9::ops::{Reshape, Upsampling};
use section9::ZkOp;
use section9_tests::harness::{check_all, reference};

#[test]
fn wiring_is_free() {
    assert_eq!(Reshape { n: 100, px: 8 }.constraint_count(&[]).unwrap(), 0);
    let up = Upsampling {
        scale: 2,
        nb: 1,
        c: 3,
        h: 8,
        w: 8,
        px: 8,
    };
    assert_eq!(up.constraint_count(&[]).unwrap(), 0);
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn reshape_is_the_identity(x in values(8, 6)) {
        let op = Reshape { n: 6, px: 8 };
        prop_assert_eq!(reference(&op, &[x.clone()]).unwrap(), vec![x.clone()]);
        check_all(&op, &[x], &[]).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn upsampling_repeats_nearest(
        (scale, h, w, x) in (1usize..=3, 1usize..=3, 1usize..=3)
            .prop_flat_map(|(s, h, w)| (Just(s), Just(h), Just(w), values(8, 2 * h * w)))
    ) {
        let op = Upsampling { scale, nb: 1, c: 2, h, w, px: 8 };
        let (oh, ow) = (h * scale, w * scale);
        let want: Vec<i64> = (0..2 * oh * ow)
            .map(|i| {
                let (c, r) = (i / (oh * ow), i % (oh * ow));
                x[(c * h + (r / ow) / scale) * w + (r % ow) / scale]
            })
            .collect();
        prop_assert_eq!(reference(&op, &[x.clone()]).unwrap(), vec![want]);
        check_all(&op, &[x], &[]).map_err(TestCaseError::fail)?;
    }
}
