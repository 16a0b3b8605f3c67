//! Every operator: agreement with the reference (proptest, and exhaustive
//! where the domain is small), the semantics of the spec, forged hints and
//! outputs rejected, and outputs proven determined.

// Spec oracles index several tensors by one loop variable, and cases pass
// owned copies of their inputs; both read best as written.
#![allow(clippy::needless_range_loop, clippy::cloned_ref_to_slice_refs)]

mod broadcast;
mod constants;
mod conv2d;
mod conv_transpose2d;
mod dense;
mod div_clip;
mod field;
mod fused;
mod in_range;
mod layout;
mod max_pool2d;
mod precision;
mod published_bugs;
mod reduce;
mod requant;
mod scalar;
mod shape;
mod sum_pool2d;
mod take;
mod tree_ensemble;
mod unary;
mod where_;

use proptest::prelude::*;

/// Values within precision `p`.
pub fn values(p: u32, n: usize) -> impl Strategy<Value = Vec<i64>> {
    let m = section9_tests::harness::max_of(p);
    proptest::collection::vec(-m..=m, n)
}

/// Few cases: each one synthesizes the operator once per forged hint.
pub fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 24,
        ..ProptestConfig::default()
    }
}
