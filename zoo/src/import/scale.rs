//! The integer input: its power-of-two scale from the calibration data,
//! and float samples rounded onto it.

use serde::Serialize;

/// The input `x` stands for the float `x * 2^exp`, within `range`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct InputScale {
    pub exp: i32,
    pub range: [i64; 2],
}

impl InputScale {
    /// The finest scale that holds the calibration data's largest
    /// magnitude in int8; unsigned (`0..127`) when no value is negative.
    pub fn from_samples(rows: &[Vec<f32>]) -> InputScale {
        let values = rows.iter().flatten();
        let max = values.clone().fold(0f32, |a, v| a.max(v.abs()));
        let signed = values.clone().any(|&v| v < 0.0);
        // An all-zero calibration set still needs some scale: 2^-7 reads
        // [-1, 1], the usual range of normalised inputs.
        let exp = if max > 0.0 {
            (max / 127.0).log2().ceil() as i32
        } else {
            -7
        };
        InputScale {
            exp,
            range: [if signed { -127 } else { 0 }, 127],
        }
    }

    /// A sample rounded to the scale and clamped to the range, and how
    /// many of its values the clamp changed.
    pub fn quantize(&self, sample: &[f32]) -> (Vec<i64>, usize) {
        let k = (-self.exp as f32).exp2();
        let mut clipped = 0;
        let ints = sample
            .iter()
            .map(|&v| {
                let q = (v * k).round() as i64;
                let c = q.clamp(self.range[0], self.range[1]);
                clipped += usize::from(c != q);
                c
            })
            .collect();
        (ints, clipped)
    }
}
