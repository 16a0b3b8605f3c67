//! Contracts for a model proved in pieces ([`crate::pieces`]): one
//! verifier per piece, made by [`verifier_contract_named`] from the
//! piece's key, and an aggregator whose one function `accept` verifies
//! every piece, checks every link and every piece's weight commitment
//! against the model's, and emits the last piece's outputs.
//!
//! Why one verifier contract per piece rather than one contract holding
//! every key: each verifier carries its key's input points in its code
//! (64 bytes per public value), so one contract would reach the
//! 24,576-byte limit after a handful of pieces; the aggregator holds
//! only addresses, and grows by about a hundred bytes per piece.
//!
//! Why one pairing check per piece (no batching): see docs/evm.md,
//! "A model proved in pieces". In short, the pieces have independent
//! keys, so a merged check would only be sound with random coefficients,
//! and with nothing shared between the keys those save about 20,000 gas
//! of a piece's 181,000 for the pairing.

use super::calldata::{quoted, selector, CallArgs, Word};
use super::verifier::verifier_contract_named;
use crate::field::{fr_to_decimal, Fr};
use crate::pieces::{combined_commitment, LinkError, ModelPart};
use ark_bn254::Bn254;
use ark_groth16::VerifyingKey;
use std::fmt::Write;
use std::str::FromStr;

/// The aggregator's name.
pub const PIECES: &str = "Section9Pieces";

/// The name of piece `k`'s verifier contract.
pub fn piece_verifier(k: usize) -> String {
    format!("Groth16Verifier{k}")
}

/// The signature of the aggregator's function for `pieces` pieces and
/// `public` public values in all.
fn accept_signature(pieces: usize, public: usize) -> String {
    format!("accept(uint256[8][{pieces}],uint256[{public}])")
}

/// Where piece `k`'s values sit in the call's one input array (all pieces'
/// public values, in piece order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PiecesLayout {
    /// The index of each piece's first value.
    pub from: Vec<usize>,
    /// Each piece's number of public values.
    pub count: Vec<usize>,
    /// How many of the last piece's leading values the event carries: the
    /// model's outputs (for a single piece, every value before its weight
    /// commitment, its public inputs included).
    pub outputs: usize,
    /// Each piece's expected weight commitment, checked as a field element.
    pub weights: Vec<Option<Fr>>,
}

impl PiecesLayout {
    /// The layout of `part`, checked to be one the contract can bind: each
    /// key takes the public values the part says, the links sit where a
    /// chain of pieces has them, and the pieces' weight commitments
    /// combine to the model's.
    pub fn of(part: &ModelPart, keys: &[VerifyingKey<Bn254>]) -> Result<PiecesLayout, LinkError> {
        let count = part.pieces.len();
        if count == 0 || keys.len() != count {
            return Err(LinkError::Count {
                keys: count,
                proofs: keys.len(),
            });
        }
        let bad = |piece: usize, why: String| LinkError::Piece { piece, why };
        let (mut from, mut at, mut weights) = (Vec::new(), 0, Vec::new());
        for (k, (piece, vk)) in part.pieces.iter().zip(keys).enumerate() {
            let takes = vk.gamma_abc_g1.len().saturating_sub(1);
            if takes != piece.public_values {
                return Err(bad(
                    k,
                    format!(
                        "its key takes {takes} public values, the manifest says {}",
                        piece.public_values
                    ),
                ));
            }
            if piece.link_in.is_some() != (k > 0) || piece.link_out.is_some() != (k + 1 < count) {
                return Err(bad(k, "its links do not fit its place in the order".into()));
            }
            let places = [piece.link_in, piece.link_out, piece.commitment];
            if places.iter().flatten().any(|&i| i >= piece.public_values) {
                return Err(bad(k, "a link or commitment sits past its public values".into()));
            }
            let expected = match (piece.commitment, &piece.weights) {
                (None, None) => None,
                (Some(_), Some(w)) => Some(canonical(w).ok_or_else(|| {
                    bad(
                        k,
                        format!("its weight commitment `{w}` is not a field element in decimal"),
                    )
                })?),
                _ => return Err(bad(k, "it names a weight commitment without its place or value".into())),
            };
            weights.push(expected);
            from.push(at);
            at += piece.public_values;
        }
        // The contract checks each piece's commitment; the model's
        // combined one must then follow, or the part names other weights
        // than its pieces.
        let combined = fr_to_decimal(&combined_commitment(&weights));
        if part.commitment.as_ref().is_some_and(|c| *c != combined) {
            return Err(LinkError::Commitment {
                found: combined,
                expected: part.commitment.clone().unwrap_or_default(),
            });
        }
        let last = &part.pieces[count - 1];
        Ok(PiecesLayout {
            from,
            count: part.pieces.iter().map(|p| p.public_values).collect(),
            outputs: last.link_in.or(last.commitment).unwrap_or(last.public_values),
            weights,
        })
    }

    /// Public values of every piece together: the length of the call's
    /// input array.
    pub fn public_values(&self) -> usize {
        self.count.iter().sum()
    }
}

/// A model name as it may sit in a comment: a name with a line break
/// could otherwise end the comment and write code.
fn comment_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '?'
            }
        })
        .collect()
}

/// A decimal field element, only in its canonical spelling (below `r`).
fn canonical(decimal: &str) -> Option<Fr> {
    Fr::from_str(decimal).ok().filter(|f| fr_to_decimal(f) == decimal)
}

/// Solidity of every contract for `part`, as `(name, source)`: piece
/// `k`'s verifier ([`piece_verifier`]) for each piece, then the aggregator
/// ([`PIECES`]). Deploy the verifiers, then the aggregator with their
/// addresses in piece order.
pub fn pieces_contracts(part: &ModelPart, keys: &[VerifyingKey<Bn254>]) -> Result<Vec<(String, String)>, LinkError> {
    let layout = PiecesLayout::of(part, keys)?;
    let mut out: Vec<(String, String)> = keys
        .iter()
        .enumerate()
        .map(|(k, vk)| (piece_verifier(k), verifier_contract_named(vk, &piece_verifier(k))))
        .collect();
    out.push((PIECES.to_string(), aggregator(part, &layout)));
    Ok(out)
}

/// The aggregator's source: the checks are unrolled, one line per link,
/// commitment and piece, with every index a constant.
fn aggregator(part: &ModelPart, layout: &PiecesLayout) -> String {
    let k_count = part.pieces.len();
    let mut links = String::new();
    for (k, pair) in part.pieces.windows(2).enumerate() {
        if let (Some(out), Some(inp)) = (pair[0].link_out, pair[1].link_in) {
            let (a, b) = (layout.from[k] + out, layout.from[k + 1] + inp);
            let _ = writeln!(links, "        if (input[{a}] != input[{b}]) revert BrokenLink({k});");
        }
    }
    let mut weights = String::new();
    for (k, (piece, w)) in part.pieces.iter().zip(&layout.weights).enumerate() {
        if let (Some(at), Some(w)) = (piece.commitment, w) {
            let at = layout.from[k] + at;
            let w = fr_to_decimal(w);
            let _ = writeln!(weights, "        if (input[{at}] != {w}) revert OtherWeights({k});");
        }
    }
    let mut verify = String::new();
    for k in 0..k_count {
        let n = layout.count[k];
        let signature = format!("verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[{n}])");
        let sel = hex::encode(selector(&signature));
        let from = layout.from[k];
        let _ = writeln!(
            verify,
            "        verifyPiece(verifier{k}, 0x{sel}, {k}, proofs[{k}], input, {from}, {n});"
        );
    }
    let immutables: String = (0..k_count)
        .map(|k| format!("    address public immutable verifier{k};\n"))
        .collect();
    let assign: String = (0..k_count)
        .map(|k| format!("        verifier{k} = verifiers[{k}];\n"))
        .collect();
    let commitment = match &part.commitment {
        Some(c) => format!(
            "    /// The model's combined weight commitment (`section9 verify` prints it).\n    uint256 public constant COMMITMENT = {c};\n"
        ),
        None => String::new(),
    };
    let first_output = layout.from[k_count - 1];
    BODY.replace("__NAME__", PIECES)
        .replace("__MODEL__", &comment_safe(&part.name))
        .replace("__K__", &k_count.to_string())
        .replace("__N__", &layout.public_values().to_string())
        .replace("__IDENTITY__", &part.identity())
        .replace("__COMMITMENT__", &commitment)
        .replace("__IMMUTABLES__", &immutables)
        .replace("__ASSIGN__", &assign)
        .replace("__LINKS__", &links)
        .replace("__WEIGHTS__", &weights)
        .replace("__VERIFY__", &verify)
        .replace("__OUTPUTS__", &layout.outputs.to_string())
        .replace("__FIRST_OUTPUT__", &first_output.to_string())
}

const BODY: &str = r#"// SPDX-License-Identifier: MIT
// Generated by section9 from the model part of a manifest.
pragma solidity ^0.8.20;

/// Accepts a run of `__MODEL__` proved in __K__ pieces: every piece's
/// proof under its own verifier, every link between consecutive pieces,
/// and every piece's weight commitment equal to the model's.
contract __NAME__ {
    uint256 public constant PIECES = __K__;
    uint256 public constant PUBLIC_VALUES = __N__;
    /// The model part's identity (SHA-256 of its JSON), as the manifest
    /// and `section9 verify` name it.
    bytes32 public constant IDENTITY = 0x__IDENTITY__;
__COMMITMENT____IMMUTABLES__
    /// Piece `piece`'s proof does not verify under its key.
    error InvalidProof(uint256 piece);
    /// Piece `from + 1` read other values than piece `from` handed on.
    error BrokenLink(uint256 from);
    /// Piece `piece` was proved with other weights than the model's.
    error OtherWeights(uint256 piece);

    /// `run` is keccak256 of every public value of the call; `outputs` are
    /// the last piece's leading public values, the model's outputs.
    event Accepted(bytes32 indexed run, uint256[] outputs);

    constructor(address[__K__] memory verifiers) {
__ASSIGN__    }

    /// Verifies a run: `proofs[k]` is piece k's `a, b, c` (8 words, as
    /// `verifyProof` takes them), `input` every piece's public values in
    /// piece order. Reverts with the first check that fails; emits
    /// `Accepted` and returns true otherwise.
    function accept(uint256[8][__K__] calldata proofs, uint256[__N__] calldata input) external returns (bool) {
        // Equal words are equal field elements: each verifier refuses a
        // value >= r. The comparisons go first, as they are cheap.
__LINKS____WEIGHTS____VERIFY__        uint256[] memory outputs = new uint256[](__OUTPUTS__);
        for (uint256 i = 0; i < __OUTPUTS__; i++) {
            outputs[i] = input[__FIRST_OUTPUT__ + i];
        }
        emit Accepted(keccak256(abi.encodePacked(input)), outputs);
        return true;
    }

    /// Calls `verifier`'s `verifyProof` (named by `selector`, which holds
    /// the piece's input count) with `proof` and the `count` values of
    /// `input` from `from`; reverts unless it returns exactly true.
    function verifyPiece(
        address verifier,
        bytes4 selector,
        uint256 piece,
        uint256[8] calldata proof,
        uint256[__N__] calldata input,
        uint256 from,
        uint256 count
    ) internal view {
        bool ok;
        assembly ("memory-safe") {
            // Scratch past the free memory pointer: the call's arguments
            // are copied straight from calldata, without decoding.
            let m := mload(0x40)
            mstore(m, selector)
            calldatacopy(add(m, 0x04), proof, 0x100)
            calldatacopy(add(m, 0x104), add(input, mul(from, 0x20)), mul(count, 0x20))
            ok := staticcall(gas(), verifier, m, add(0x104, mul(count, 0x20)), 0x00, 0x20)
            // An account without code returns nothing: not a yes.
            ok := and(ok, and(eq(returndatasize(), 0x20), eq(mload(0x00), 1)))
        }
        if (!ok) revert InvalidProof(piece);
    }
}
"#;

/// The one call's arguments as text, in the style of `calldata_text`:
/// `[[piece 0's 8 words],...],[every public value]`.
pub fn pieces_calldata_text(args: &[CallArgs]) -> String {
    let proofs: Vec<String> = args
        .iter()
        .map(|a| {
            let words: Vec<String> = proof_words(a).iter().map(quoted).collect();
            format!("[{}]", words.join(","))
        })
        .collect();
    let input: Vec<String> = args.iter().flat_map(|a| a.input.iter()).map(quoted).collect();
    format!("[{}],[{}]", proofs.join(","), input.join(","))
}

/// The ABI-encoded call of `accept` with each piece's proof and public
/// values (both arrays are static, so encoded in place).
pub fn encode_pieces_call(args: &[CallArgs]) -> Vec<u8> {
    let public: usize = args.iter().map(|a| a.input.len()).sum();
    let mut out = selector(&accept_signature(args.len(), public)).to_vec();
    for a in args {
        for w in proof_words(a) {
            out.extend_from_slice(&w);
        }
    }
    for w in args.iter().flat_map(|a| a.input.iter()) {
        out.extend_from_slice(w);
    }
    out
}

/// A proof's eight words: `a`, `b` (the precompile's order), `c`.
fn proof_words(a: &CallArgs) -> Vec<Word> {
    a.words().take(8).copied().collect()
}
