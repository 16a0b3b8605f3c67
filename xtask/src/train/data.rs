//! Training data derived from scikit-learn's digits, in the integer
//! encodings the models take.

use section9_zoo::data::Digit;

/// The digits training may see: all but the held-out fifth.
pub fn training_digits() -> Result<Vec<Digit>, String> {
    Ok(section9_zoo::data::digits()?
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !section9_zoo::trained::is_held_out(*i))
        .map(|(_, d)| d)
        .collect())
}

pub use section9_zoo::data::image_input;

/// The float value of an integer input at scale `2^-7`.
pub fn dequantize(x: &[i64]) -> Vec<f32> {
    x.iter().map(|&v| v as f32 / 128.0).collect()
}

/// Tints that turn a grey digit into an RGB picture for `s9-gan`.
const TINTS: [[f32; 3]; 6] = [
    [1.0, 0.35, 0.3],
    [0.3, 1.0, 0.4],
    [0.35, 0.5, 1.0],
    [1.0, 0.8, 0.25],
    [0.8, 0.35, 1.0],
    [0.25, 1.0, 1.0],
];

/// A 3x32x32 picture in `[-1, 1]`: the digit upscaled 4x with bilinear
/// interpolation, tinted by one of six colours chosen by `index`.
pub fn tinted_32(digit: &Digit, index: usize) -> Vec<f32> {
    let grey: Vec<f32> = dequantize(&image_input(&digit.pixels));
    let at = |y: isize, x: isize| grey[(y.clamp(0, 7) * 8 + x.clamp(0, 7)) as usize];
    let tint = TINTS[index % TINTS.len()];
    let mut out = vec![0f32; 3 * 32 * 32];
    for y in 0..32 {
        for x in 0..32 {
            // Sample centres of the 8x8 grid sit at 4k + 1.5 in the 32x32 one.
            let (fy, fx) = ((y as f32 - 1.5) / 4.0, (x as f32 - 1.5) / 4.0);
            let (y0, x0) = (fy.floor(), fx.floor());
            let (ty, tx) = (fy - y0, fx - x0);
            let (y0, x0) = (y0 as isize, x0 as isize);
            let v = (1.0 - ty) * ((1.0 - tx) * at(y0, x0) + tx * at(y0, x0 + 1))
                + ty * ((1.0 - tx) * at(y0 + 1, x0) + tx * at(y0 + 1, x0 + 1));
            for c in 0..3 {
                out[(c * 32 + y) * 32 + x] = v * tint[c] * 2.0 - 1.0;
            }
        }
    }
    out
}
