//! cvm_right_shift and the fused requantization: the rounding of the spec
//! (half toward +inf), exhaustively at every shift's rounding boundaries;
//! the packed signed shift on every value of small digits.

use crate::{config, values};
use proptest::prelude::*;
use section9::gadgets::RequantPacked;
use section9::ops::{CvmRightShift, Requant};
use section9::ZkOp;
use section9_tests::harness::{check_agreement, check_all, max_of, reference};

/// `floor((x + 2^(s-1)) / 2^s)`, clipped to precision `p`.
fn shift_spec(x: i64, s: u32, p: u32) -> i64 {
    let q = (x as i128 + (1i128 << (s - 1))).div_euclid(1i128 << s);
    q.clamp(-(max_of(p) as i128), max_of(p) as i128) as i64
}

/// Values around every rounding boundary `k*2^s +- 2^(s-1)` and around the
/// quotients where a clip to `p` bits starts.
fn boundaries(s: u32, p: u32, px: u32) -> Vec<i64> {
    let lim = max_of(px) as i128;
    let step = 1i128 << s;
    let half = step / 2;
    let mut qs: Vec<i128> = (-3..=3).collect();
    let m = max_of(p) as i128;
    qs.extend([m - 1, m, m + 1, -m - 1, -m, -m + 1]);
    let mut xs: Vec<i64> = qs
        .iter()
        .flat_map(|&q| [q * step - half, q * step + half].map(|b| [b - 1, b, b + 1]))
        .flatten()
        .filter(|x| x.abs() <= lim)
        .map(|x| x as i64)
        .collect();
    xs.sort_unstable();
    xs.dedup();
    xs
}

#[test]
fn rounding_examples_from_the_spec() {
    // -1.5 -> -1, -2.5 -> -2, 1.5 -> 2, 2.5 -> 3 at s = 1.
    let op = CvmRightShift {
        s: 1,
        p: 8,
        n: 4,
        px: 8,
    };
    assert_eq!(reference(&op, &[vec![-3, -5, 3, 5]]).unwrap(), vec![vec![-1, -2, 2, 3]]);
}

#[test]
fn every_shift_at_its_boundaries() {
    for s in 1..=32 {
        for p in [2, 8, 16] {
            let px = 48;
            let xs = boundaries(s, p, px);
            let op = CvmRightShift { s, p, n: xs.len(), px };
            check_agreement(&op, &[xs.clone()], &[]).unwrap();
            let want: Vec<i64> = xs.iter().map(|&x| shift_spec(x, s, p)).collect();
            assert_eq!(reference(&op, &[xs.clone()]).unwrap(), vec![want], "s = {s}, p = {p}");
            let rq = Requant { s, p, n: xs.len(), px };
            check_agreement(&rq, &[xs.clone()], &[]).unwrap();
            let want: Vec<i64> = xs.iter().map(|&x| shift_spec(x.max(0), s, p)).collect();
            assert_eq!(reference(&rq, &[xs]).unwrap(), vec![want], "requant s = {s}, p = {p}");
        }
    }
}

#[test]
fn every_int8_at_every_small_shift() {
    let xs: Vec<i64> = (-127..=127).collect();
    for s in 1..=9 {
        for p in 2..=8 {
            let op = CvmRightShift {
                s,
                p,
                n: xs.len(),
                px: 8,
            };
            check_agreement(&op, &[xs.clone()], &[]).unwrap();
            let want: Vec<i64> = xs.iter().map(|&x| shift_spec(x, s, p)).collect();
            assert_eq!(reference(&op, &[xs.clone()]).unwrap(), vec![want]);
        }
    }
}

#[test]
fn the_packed_signed_shift_clips_every_digit() {
    // Every packed value of two digits, for each case of the clip: no clip
    // possible (kq < p), the one edge value -2^(p-1) (kq = p), and high bits
    // to test (kq > p, p = 1 included: every output is then 0).
    for (s, p, kq) in [(1, 4, 3), (2, 3, 3), (1, 3, 4), (2, 2, 4), (1, 1, 3)] {
        let d = s + kq;
        let op = RequantPacked {
            s,
            p,
            kq,
            g: 2,
            signed: 1,
        };
        let m = max_of(p) as i128;
        for v in 0..1i64 << (2 * d) {
            let want: Vec<i64> = (0..2)
                .map(|j| {
                    let q = ((v >> (j * d)) & ((1 << d) - 1)) as i128 >> s;
                    (q - (1 << (kq - 1))).clamp(-m, m) as i64
                })
                .collect();
            assert_eq!(
                reference(&op, &[vec![v]]).unwrap(),
                vec![want],
                "s {s} p {p} kq {kq} v {v}"
            );
            check_agreement(&op, &[vec![v]], &[]).unwrap();
        }
        for v in [0, 1, (1 << d) - 1, 1 << (2 * d - 1), (1 << (2 * d)) - 1] {
            check_all(&op, &[vec![v]], &[]).unwrap();
        }
    }
}

#[test]
fn requantization_costs_at_most_30_constraints_per_element() {
    // A dense 64x64 int8 accumulator has precision 8 + 8 + bits(64) + 1.
    for (px, s) in [(24, 8), (24, 10), (24, 12), (23, 9), (22, 7)] {
        let per = Requant { s, p: 8, n: 1, px }.constraint_count(&[]).unwrap();
        assert!(per <= 30, "px = {px}, s = {s}: {per} constraints");
        let signed = CvmRightShift { s, p: 8, n: 1, px }.constraint_count(&[]).unwrap();
        assert!(
            signed <= (px + 9) as usize,
            "px = {px}, s = {s}: {signed} constraints signed"
        );
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn cvm_right_shift_agrees(
        (px, s, p, xs) in (2u32..=40, 1u32..=32, 1u32..=24)
            .prop_flat_map(|(px, s, p)| (Just(px), Just(s), Just(p), values(px, 2)))
    ) {
        let op = CvmRightShift { s, p, n: xs.len(), px };
        let want: Vec<i64> = xs.iter().map(|&x| shift_spec(x, s, p)).collect();
        prop_assert_eq!(reference(&op, &[xs.clone()]).unwrap(), vec![want]);
        check_all(&op, &[xs], &[]).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn requant_agrees(
        (px, s, p, xs) in (2u32..=40, 1u32..=32, 2u32..=24)
            .prop_flat_map(|(px, s, p)| (Just(px), Just(s), Just(p), values(px, 2)))
    ) {
        let op = Requant { s, p, n: xs.len(), px };
        let want: Vec<i64> = xs.iter().map(|&x| shift_spec(x.max(0), s, p)).collect();
        prop_assert_eq!(reference(&op, &[xs.clone()]).unwrap(), vec![want]);
        check_all(&op, &[xs], &[]).map_err(TestCaseError::fail)?;
    }
}

/// The cheating prover's classic moves against a division by `2^s`, played
/// directly on the witness of the bit decomposition that proves it. Each
/// must break a constraint, reported by name.
#[test]
fn classic_division_forgeries_are_rejected_by_name() {
    use section9::field::{fr_from_i128, Fr};
    use section9_tests::harness::synthesize;

    let (s, x) = (4u32, 45i64); // 45 + 8 = 3 * 16 + 5: q = 3, r = 5
    let op = CvmRightShift { s, p: 8, n: 1, px: 8 };
    let wire = |cs: &section9::r1cs::Builder, name: &str| {
        (0..cs.num_wires() as u32)
            .find(|&w| cs.wire_name(w) == name)
            .unwrap_or_else(|| panic!("no wire {name}"))
    };
    let bit = |j: u32| format!("q[0]/b/bi[{j}]");
    let kq = 8 - s + 1;
    let q_bits = |q: i128| -> Vec<(String, Fr)> {
        let u = q + (1 << (kq - 1));
        (0..kq).map(|j| (bit(s + j), fr_from_i128((u >> j) & 1))).collect()
    };
    let r_bits = |r: i128| -> Vec<(String, Fr)> { (0..s).map(|j| (bit(j), fr_from_i128((r >> j) & 1))).collect() };
    let with_low = |low: Fr| -> Vec<(String, Fr)> {
        let mut v = vec![(bit(0), low)];
        v.extend((1..s).map(|j| (bit(j), Fr::from(0u64))));
        v
    };
    // A remainder outside [0, 2^s) cannot be written in s bits; a consistent
    // set of bits must sum to x + 2^(s-1) + 2^(s+kq-1).
    let not_a_bit = "q[0]/b/(bi * (bi - 1) == 0)[0]";
    let wrong_sum = "q[0]/b/(acc == x)";
    type Changes = Vec<(String, Fr)>;
    let cases: Vec<(&str, Changes, &str)> = vec![
        (
            "quotient + 1 with remainder - 2^s",
            [q_bits(4), with_low(fr_from_i128(5 - 16))].concat(),
            not_a_bit,
        ),
        (
            "remainder of 2^s with quotient - 1",
            [q_bits(2), with_low(fr_from_i128(16 + 5))].concat(),
            not_a_bit,
        ),
        (
            "negative remainder stored as r - |x|",
            [q_bits(3), with_low(fr_from_i128(-5))].concat(),
            not_a_bit,
        ),
        ("flipped sign bit", vec![(bit(s + kq - 1), Fr::from(0u64))], wrong_sum),
        ("quotient + 1 alone", [q_bits(4), r_bits(5)].concat(), wrong_sum),
    ];
    for (label, changes, expected) in cases {
        let mut cs = synthesize(&op, &[vec![x]], &[], &[]).unwrap().cs;
        assert!(cs.is_satisfied());
        for (name, v) in &changes {
            let w = wire(&cs, name);
            cs.set_value(w, *v);
        }
        assert_eq!(cs.which_unsatisfied().as_deref(), Some(expected), "{label}");
    }
}
