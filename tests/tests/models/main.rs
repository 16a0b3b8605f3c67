//! Whole models: the engine and the circuit agree, every output is
//! determined, proofs verify and bind model, input and output.

mod agreement;
mod batch_norm;
mod circom;
mod files;
mod pieces;
mod proving;
mod size;
mod widest;
