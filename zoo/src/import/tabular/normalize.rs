//! A Normalizer before a classic model in integers: each row divided by
//! its L1 or L2 norm, each normalized feature on its own power-of-two grid.
//!
//! The norm adds features together, so they are first aligned onto one
//! grid, `a[j] = x[j] * 2^(e[j] - E)` with `E` the finest feature exponent:
//! exact, since every exponent is an integer. To keep `a` (and for L2 its
//! squares) inside the engine's 62 bits, no feature grid is finer than
//! `2^(e_max - spread)`: a feature far smaller than the largest keeps
//! fewer digits, but it counts for as little in the norm.
//!
//! Normalized features are small where their raw feature is small next to
//! the others, and a scaler after the Normalizer can magnify them again, so
//! each gets its own grid from the calibration rows normalized in float,
//! as raw features do: `y[j] = trunc(x[j] * 2^(e[j] - E + k[j]) / norm)`,
//! clamped to the grid's range (a normalized value beyond the
//! calibration's, as a raw one beyond it, is clipped) by `div_clip`, which
//! divides out only the quotient digits the grid can hold.

use super::integer::{bits_for, exponent, max_int, FeatureScales, Rounding};
use super::ml::Norm;
use section9::graph::{AttrValue, ModelBuilder};

/// The engine's widest value: `|v| <= 2^(PREC - 1) - 1`.
const PREC: u32 = 62;

/// How a Normalizer's rows become integers.
pub struct Normalization {
    pub norm: Norm,
    /// The raw features' grids.
    pub input: FeatureScales,
    /// The normalized features' grids, which the model's body reads.
    pub body: FeatureScales,
}

impl Normalization {
    /// Grids for `rows` (calibration data) at precision `prec` per
    /// feature.
    pub fn from_rows(norm: Norm, rows: &[Vec<f32>], features: usize, prec: u32) -> Normalization {
        let mut input = FeatureScales::from_rows(rows, features, prec, Rounding::Nearest);
        let spread = spread(features, prec) as i32;
        // The largest feature's grid, from the data: an all-zero column's
        // exponent (0) says nothing, and is clamped like any other.
        let largest = rows.iter().flatten().fold(0f64, |m, v| m.max((*v as f64).abs()));
        let top = exponent(largest, max_int(prec));
        input.exp.iter_mut().for_each(|e| *e = (*e).clamp(top - spread, top));
        let normalized: Vec<Vec<f32>> = rows.iter().map(|r| norm.apply(r)).collect();
        let mut body = FeatureScales::from_rows(&normalized, features, prec, Rounding::Down);
        // The numerator x * 2^(e - E + k) must fit: k at most what is left.
        let finest = -((PREC - 3 - prec) as i32 - spread);
        body.exp.iter_mut().for_each(|e| *e = (*e).max(finest));
        Normalization { norm, input, body }
    }

    /// The graph from the raw features `x` to the normalized ones.
    pub fn emit(&self, m: &mut ModelBuilder, x: &str) -> String {
        let finest = self.input.exp.iter().copied().min().unwrap_or(0);
        let mut powers = |name: &str, exp: Vec<i32>| {
            let values: Vec<i64> = exp.iter().map(|&e| 1i64 << e).collect();
            let prec = bits_for(values.iter().copied().max().unwrap_or(1));
            m.public_param(name, &[exp.len()], prec, values)
        };
        let align = powers("norm.align", self.input.exp.iter().map(|e| e - finest).collect());
        let unit = powers(
            "norm.unit",
            (self.input.exp.iter().zip(&self.body.exp))
                .map(|(e, k)| e - finest - k)
                .collect(),
        );
        let aligned = m.op("norm.aligned", "broadcast_mul", &[x, &align], &[]);
        let row = [false, false, false, true].map(AttrValue::from);
        // [1, features] is read as [1, 1, 1, features]: sum the last axis.
        let row: Vec<(&str, AttrValue)> = ["r0", "r1", "r2", "r3"].into_iter().zip(row).collect();
        let n = match self.norm {
            Norm::L1 => {
                let magnitude = m.op("norm.abs", "abs", &[&aligned], &[]);
                m.op("norm", "sum", &[&magnitude], &row)
            }
            Norm::L2 => {
                let square = m.op("norm.square", "broadcast_mul", &[&aligned, &aligned], &[]);
                let sum = m.op("norm.sum", "sum", &[&square], &row);
                m.op("norm", "isqrt", &[&sum], &[])
            }
        };
        let scaled = m.op("norm.scaled", "broadcast_mul", &[x, &unit], &[]);
        // The body's grid holds `|y| <= 2^(p-1) - 1`.
        let p = bits_for(self.body.range[1]) as i64;
        m.op("normalized", "div_clip", &[&scaled, &n], &[("p", AttrValue::Int(p))])
    }
}

/// How many bits finer than the largest feature's grid the smallest may
/// be. Precisions add as the operators declare them: the aligned features
/// take `prec + spread + 2` (a product adds its factors' precisions, and
/// `2^spread` has `spread + 2`), their squares twice that, and their sum
/// `bits(features)` more, within 62.
fn spread(features: usize, prec: u32) -> u32 {
    let sum_bits = bits_for(features as i64);
    ((PREC - sum_bits) / 2).saturating_sub(prec + 2).min(12)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A feature far smaller than the largest, and one that is always
    /// zero, both get grids within the spread of the largest's.
    #[test]
    fn every_grid_lies_within_the_spread_of_the_largest() {
        let rows: Vec<Vec<f32>> = (1..=8)
            .map(|k| vec![1000.0 * k as f32, 0.001 / k as f32, 0.0])
            .collect();
        let n = Normalization::from_rows(Norm::L2, &rows, 3, 16);
        let s = spread(3, 16) as i32;
        let top = n.input.exp[0];
        assert_eq!(n.input.exp, vec![top, top - s, top], "{:?}", n.input.exp);
    }

    #[test]
    fn the_sum_of_squares_fits_the_engine_as_declared() {
        for features in [1, 2, 30, 1000, 100_000] {
            let prec = 16;
            let aligned = prec + spread(features, prec) + 2;
            assert!(2 * aligned + bits_for(features as i64) <= PREC, "{features} features");
        }
    }
}
