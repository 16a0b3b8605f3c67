//! Helpers shared by the cross-crate test suites.
pub mod circom;
pub mod evm;
pub mod harness;
pub mod models;
