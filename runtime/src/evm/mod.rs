//! Ethereum: a Solidity Groth16 verifier generated from a verifying key,
//! an image-minting contract and a verdict contract built on it, the
//! contracts that accept a model proved in pieces in one call, and the
//! calldata that calls them, so a section9 proof can be checked on chain.
//!
//! The verifier uses the BN254 precompiles (0x06 addition, 0x07 scalar
//! multiplication, 0x08 pairing). Its interface is snarkjs's:
//! `verifyProof(uint256[2] a, uint256[2][2] b, uint256[2] c, uint256[n] input)`
//! with `b`'s coordinates in the precompile's order (`x.c1, x.c0, y.c1,
//! y.c0`). Every coordinate must be below the base field modulus and every
//! public input below the scalar field modulus, or the answer is false.

mod calldata;
mod mint;
mod pieces;
mod verdict;
mod verifier;

pub use calldata::{calldata_text, encode_verify_call, CallArgs, Word};
pub use mint::{mint_contract, Picture, MINT};
pub use pieces::{encode_pieces_call, piece_verifier, pieces_calldata_text, pieces_contracts, PiecesLayout, PIECES};
pub use verdict::{verdict_contract, Verdict, VERDICT};
pub use verifier::{verifier_contract, verifier_contract_named, VERIFIER};

/// BN254's base field modulus, as the contracts write it.
pub const P: &str = "21888242871839275222246405745257275088696311157297823662689037894645226208583";
/// BN254's scalar field modulus.
pub const R: &str = "21888242871839275222246405745257275088548364400416034343698204186575808495617";
