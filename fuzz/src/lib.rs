//! Fuzz targets as plain functions: libFuzzer drives them under
//! `cargo fuzz`, and `tests/replay.rs` replays their corpora on stable.

mod files;
mod model;
mod onnx;

pub use files::{key_file, proof, verifying_key, zkey};
pub use model::model;
pub use onnx::onnx;

use section9::ops::{CvmRightShift, Requant};
use section9_tests::harness::{check_agreement, max_of};

/// Reads parameters and in-bound values from arbitrary bytes.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> u8 {
        let (first, rest) = self.0.split_first().unwrap_or((&0, &[]));
        self.0 = rest;
        *first
    }

    fn within(&mut self, m: i64) -> i64 {
        let raw = i64::from_le_bytes(std::array::from_fn(|_| self.byte()));
        raw.rem_euclid(2 * m + 1) - m
    }
}

/// The shift and the fused requantization on arbitrary parameters and
/// values: the reference and the circuit must agree and the witness satisfy
/// every constraint.
pub fn shift(data: &[u8]) {
    let mut b = Bytes(data);
    let s = 1 + (b.byte() % 32) as u32;
    let p = 2 + (b.byte() % 31) as u32;
    let px = 2 + (b.byte() % 47) as u32;
    let n = 1 + (b.byte() % 4) as usize;
    let xs: Vec<i64> = (0..n).map(|_| b.within(max_of(px))).collect();
    let shift = CvmRightShift { s, p, n, px };
    if let Err(e) = check_agreement(&shift, std::slice::from_ref(&xs), &[]) {
        panic!("{e}");
    }
    let requant = Requant { s, p, n, px };
    if let Err(e) = check_agreement(&requant, &[xs], &[]) {
        panic!("{e}");
    }
}
