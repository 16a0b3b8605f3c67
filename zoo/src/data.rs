//! scikit-learn's 8x8 handwritten digits, embedded (see `zoo/data/README.md`).

use flate2::read::GzDecoder;
use std::io::Read;

/// The file as committed: 1,797 rows of 64 pixels (0..16) and a label.
pub const DIGITS_CSV_GZ: &[u8] = include_bytes!("../data/digits.csv.gz");
/// SHA-256 of [`DIGITS_CSV_GZ`], as published in the scikit-learn wheel.
pub const DIGITS_SHA256: &str = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22";

/// One image: pixels row by row, each 0..=16, and the digit it shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Digit {
    pub pixels: [u8; 64],
    pub label: u8,
}

/// Every image of the dataset, in file order.
pub fn digits() -> Result<Vec<Digit>, String> {
    let mut text = String::new();
    GzDecoder::new(DIGITS_CSV_GZ)
        .read_to_string(&mut text)
        .map_err(|e| format!("digits.csv.gz: {e}"))?;
    text.lines()
        .enumerate()
        .map(|(row, line)| {
            let fields: Vec<u8> = line
                .split(',')
                .map(|f| f.trim().parse::<u8>())
                .collect::<Result<_, _>>()
                .map_err(|e| format!("digits.csv.gz row {row}: {e}"))?;
            match fields.as_slice() {
                [pixels @ .., label] if pixels.len() == 64 && *label <= 9 && pixels.iter().all(|&p| p <= 16) => {
                    Ok(Digit {
                        pixels: pixels.try_into().expect("64 values"),
                        label: *label,
                    })
                }
                _ => Err(format!(
                    "digits.csv.gz row {row}: expected 64 pixels in 0..=16 and a label"
                )),
            }
        })
        .collect()
}

/// A digit as the classifiers take it: pixels `0..16` times 8, clipped to
/// 127, standing for `pixel / 16` at scale `2^-7`.
pub fn image_input(pixels: &[u8; 64]) -> Vec<i64> {
    pixels.iter().map(|&p| (i64::from(p) * 8).min(127)).collect()
}
