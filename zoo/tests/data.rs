//! The embedded digits are scikit-learn's file, whole.

use section9_zoo::data::{digits, DIGITS_CSV_GZ, DIGITS_SHA256};
use sha2::{Digest, Sha256};

#[test]
fn digits_are_the_published_file() {
    assert_eq!(hex::encode(Sha256::digest(DIGITS_CSV_GZ)), DIGITS_SHA256);
    let all = digits().unwrap();
    assert_eq!(all.len(), 1797);
    for d in 0..10u8 {
        let n = all.iter().filter(|x| x.label == d).count();
        assert!((170..=190).contains(&n), "digit {d}: {n} images");
    }
    assert!(all.iter().any(|d| d.pixels.contains(&16)));
}
