//! Models proved in pieces: a cut of the graph, the values each piece
//! needs, and the manifest that ties the pieces' proofs together.
//!
//! # What the pieces prove together
//!
//! Piece `k` of `K` is a circuit of its own ([`crate::compile::compile_piece`])
//! whose public values are, in order: the model's outputs (last piece) or
//! the link commitment of the values it hands on (every other piece); the
//! link commitment of the values it reads from earlier pieces (every piece
//! but the first); its public and hashed inputs; and the commitment to
//! its own weights, when it has committed weights.
//!
//! A verifier holding the model's [`ModelPart`] (verifying keys, where
//! each link and commitment sits, and the combined weight commitment; one
//! SHA-256, its *identity*, names it) accepts the pieces when
//!
//! 1. every piece's proof verifies under its key;
//! 2. for every `k`, piece `k`'s link-out value equals piece `k + 1`'s
//!    link-in value;
//! 3. the pieces' weight commitments combine ([`combined_commitment`]) to
//!    the model's.
//!
//! Then the last piece's outputs are the model's outputs on the first
//! pieces' inputs: each circuit is the model's own synthesis of its nodes,
//! and equal link values mean equal linked tensors (collision resistance of
//! Poseidon over an injective packing). A piece from another run fails 2
//! (its link values differ: the salt alone makes them differ), a piece of
//! another model fails 1 (another key) or 3 (other weights), a missing or
//! reordered piece fails 1 or 2.

use crate::compile::{is_constant, piece_constraint_count, Piece, Salt, Weights};
use crate::field::{fr_to_decimal, Fr};
use crate::gadgets::InRange;
use crate::graph::{GraphError, Model, NodeKind};
use crate::poseidon::hash;
use crate::ZkOp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How a model is cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Chunks {
    /// Into this many pieces of about equal size (fewer when the model
    /// has fewer operators).
    Count(usize),
    /// Into as few pieces as keep each within this many constraints
    /// (estimated), a single operator over it being a piece alone.
    Budget(usize),
}

/// The estimated constraints each node adds where it is synthesized:
/// exact for operators, the range checks and hashing of a committed
/// tensor or an input otherwise. Links are not counted.
pub fn node_costs(model: &Model, weights: Weights) -> Result<Vec<usize>, GraphError> {
    model
        .nodes
        .iter()
        .enumerate()
        .map(|(at, node)| {
            let fail = GraphError::op(&node.name);
            Ok(match &node.kind {
                NodeKind::Op(op) => {
                    let constant: Vec<bool> = node.inputs.iter().map(|&i| is_constant(model, i, weights)).collect();
                    op.constraint_count(&constant).map_err(fail)?
                }
                NodeKind::Param { .. } if is_constant(model, at, weights) => 0,
                NodeKind::Param { .. } | NodeKind::Input { .. } => {
                    let check = InRange {
                        lo: node.bound.lo as i64,
                        hi: node.bound.hi as i64,
                    };
                    let per_value = check.constraint_count(&[]).map_err(&fail)?;
                    // 609 constraints hash 15 packed elements of the chain.
                    let packing = crate::commit::Packing::new(node.bound).map_err(fail)?;
                    node.len() * per_value + packing.elements(node.len()).div_ceil(15) * 609
                }
                NodeKind::View => 0,
            })
        })
        .collect()
}

/// Which piece each node goes to: operators and views in model order,
/// a new piece started where the current one would pass the budget;
/// weights and inputs with their first reader.
pub fn cut(model: &Model, weights: Weights, chunks: Chunks) -> Result<Vec<Piece>, GraphError> {
    let costs = node_costs(model, weights)?;
    let owns_work = |at: usize| matches!(model.nodes[at].kind, NodeKind::Op(_) | NodeKind::View);
    let first_reader: Vec<Option<usize>> = (0..model.nodes.len())
        .map(|at| (at..model.nodes.len()).find(|&j| model.nodes[j].inputs.contains(&at)))
        .collect();
    // An operator's cost with the weights and inputs it reads first.
    let mut cost = costs.clone();
    for at in (0..model.nodes.len()).filter(|&at| !owns_work(at)) {
        if let Some(j) = first_reader[at] {
            cost[j] += costs[at];
            cost[at] = 0;
        }
    }
    let total: usize = cost.iter().sum();
    let budget = match chunks {
        Chunks::Budget(b) => b.max(1),
        Chunks::Count(n) => total.div_ceil(n.max(1)).max(1),
    };
    let mut owner = vec![0usize; model.nodes.len()];
    let (mut piece, mut used, mut has_work) = (0, 0usize, false);
    for at in (0..model.nodes.len()).filter(|&at| owns_work(at)) {
        let may_start = match chunks {
            Chunks::Count(n) => piece + 1 < n,
            Chunks::Budget(_) => true,
        };
        if has_work && cost[at] > 0 && used + cost[at] > budget && may_start {
            (piece, used) = (piece + 1, 0);
        }
        owner[at] = piece;
        used += cost[at];
        has_work = true;
    }
    // Weights and inputs go with their first reader; an unread one with
    // the piece before it.
    for at in (0..model.nodes.len()).rev().filter(|&at| !owns_work(at)) {
        owner[at] = match first_reader[at] {
            Some(j) => owner[j],
            None => (0..at).rev().find(|&j| owns_work(j)).map_or(0, |j| owner[j]),
        };
    }
    let count = owner.iter().max().map_or(1, |m| m + 1);
    Ok((0..count)
        .map(|k| Piece::from_owners(model, &owner, k, weights))
        .collect())
}

/// The exact constraints of each piece (counted, not built), or `None`
/// for a piece over `limit`.
pub fn piece_sizes(
    model: &Model,
    pieces: &[Piece],
    weights: Weights,
    limit: usize,
) -> Result<Vec<Option<usize>>, GraphError> {
    pieces
        .iter()
        .map(|p| piece_constraint_count(model, p, weights, limit))
        .collect()
}

/// What one piece needs to be proved: its inputs, the values it reads
/// from earlier pieces, and the salts of its links. Private: it holds the
/// model's activations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    pub piece: usize,
    pub inputs: Vec<Vec<i64>>,
    pub link_in: Vec<Vec<i64>>,
    pub salt_in: Salt,
    pub salt_out: Salt,
}

/// Every piece's job for a run of `model` on `inputs`: the model is run
/// once, and each link gets a fresh salt from `rng`.
pub fn jobs(
    model: &Model,
    pieces: &[Piece],
    inputs: &[Vec<i64>],
    rng: &mut impl ark_std::rand::RngCore,
) -> Result<Vec<Job>, GraphError> {
    let values = model.evaluate(inputs)?;
    let salts: Vec<Salt> = (0..pieces.len()).map(|_| Salt::random(rng)).collect();
    Ok(pieces
        .iter()
        .map(|p| Job {
            piece: p.index,
            inputs: p.inputs(model).map(|at| values[at].clone()).collect(),
            link_in: p.link_in.iter().map(|&at| values[at].clone()).collect(),
            salt_in: if p.index == 0 {
                Salt::default()
            } else {
                salts[p.index - 1]
            },
            salt_out: salts[p.index],
        })
        .collect())
}

/// The combined weight commitment of a model proved in pieces: a
/// Poseidon chain over the pieces' commitments, 0 for a piece without
/// committed weights: `h = Poseidon([K])`, then `h = Poseidon([h, c_k])`
/// for each piece in order.
pub fn combined_commitment(commitments: &[Option<Fr>]) -> Fr {
    commitments
        .iter()
        .fold(hash(&[Fr::from(commitments.len() as u64)]), |h, c| {
            hash(&[h, c.unwrap_or(Fr::from(0u64))])
        })
}

/// Where a piece's public values sit, and which key it is proved with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PieceKey {
    /// The first and last operator the piece holds.
    pub first: String,
    pub last: String,
    /// The circuit digest the key was made for.
    pub circuit: String,
    /// SHA-256 of the verification key file, beside the manifest.
    pub verification_key_sha256: String,
    /// The verification key file, relative to the manifest.
    pub verification_key: String,
    pub public_values: usize,
    /// Index of the link commitment to the next piece (all but the last).
    pub link_out: Option<usize>,
    /// Index of the link commitment from the previous piece (all but the
    /// first).
    pub link_in: Option<usize>,
    /// Index of the piece's weight commitment, when it has one.
    pub commitment: Option<usize>,
    /// The piece's weight commitment (decimal): the value a proof of this
    /// model must carry there.
    pub weights: Option<String>,
}

/// What names a model proved in pieces: a verifier trusts this part (by
/// its [`ModelPart::identity`]) as it would trust a verification key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelPart {
    pub name: String,
    /// `committed` or `constant`.
    pub weights: String,
    /// [`combined_commitment`], in decimal (committed weights).
    pub commitment: Option<String>,
    pub pieces: Vec<PieceKey>,
}

/// SHA-256 of a file's bytes, in hex: how the manifest names a key file.
pub fn file_digest(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl ModelPart {
    /// SHA-256 of the part's JSON: one value naming the model, its cut,
    /// its keys and (committed) its weights.
    pub fn identity(&self) -> String {
        file_digest(&serde_json::to_vec(self).expect("plain data serializes"))
    }
}

/// One run's files, relative to the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PieceProof {
    pub proof: String,
    pub public: String,
}

/// The manifest of a run proved in pieces (`manifest.json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    /// [`ModelPart::identity`] of `model`, for a person to compare.
    pub identity: String,
    pub model: ModelPart,
    pub proofs: Vec<PieceProof>,
}

/// The manifest's format name and version.
pub const MANIFEST_FORMAT: &str = "section9-pieces";
pub const MANIFEST_VERSION: u32 = 1;

/// Why pieces do not prove a model together.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LinkError {
    #[error("the manifest lists {keys} pieces but {proofs} proofs")]
    Count { keys: usize, proofs: usize },
    #[error("piece {piece}: {why}")]
    Piece { piece: usize, why: String },
    #[error(
        "the link from piece {from} to piece {to} does not hold: piece {to} read other values than piece {from} made"
    )]
    Link { from: usize, to: usize },
    #[error("the pieces' weight commitments combine to {found}, the model's is {expected}")]
    Commitment { found: String, expected: String },
    #[error("the manifest's identity {found} is not its model part's ({actual})")]
    Identity { found: String, actual: String },
}

/// Checks the links and commitments of a run's public values against the
/// model part (the proofs themselves are checked by the caller, with the
/// keys the part names).
pub fn check_links(manifest: &Manifest, public: &[Vec<Fr>]) -> Result<(), LinkError> {
    let model = &manifest.model;
    let actual = model.identity();
    if manifest.identity != actual {
        return Err(LinkError::Identity {
            found: manifest.identity.clone(),
            actual,
        });
    }
    let count = model.pieces.len();
    if count == 0 || count != public.len() || count != manifest.proofs.len() {
        return Err(LinkError::Count {
            keys: count,
            proofs: manifest.proofs.len().min(public.len()),
        });
    }
    let value = |k: usize, at: Option<usize>, what: &str| -> Result<Fr, LinkError> {
        let why = |why: String| LinkError::Piece { piece: k, why };
        let at = at.ok_or_else(|| why(format!("has no {what}")))?;
        if public[k].len() != model.pieces[k].public_values {
            return Err(why(format!(
                "has {} public values, its key takes {}",
                public[k].len(),
                model.pieces[k].public_values
            )));
        }
        public[k]
            .get(at)
            .copied()
            .ok_or_else(|| why(format!("has no public value {at}")))
    };
    for k in 0..count {
        let key = &model.pieces[k];
        let ends_ok = (key.link_in.is_some() == (k > 0)) && (key.link_out.is_some() == (k + 1 < count));
        if !ends_ok {
            return Err(LinkError::Piece {
                piece: k,
                why: "its links do not fit its place in the order".into(),
            });
        }
        if k + 1 < count && value(k, key.link_out, "link out")? != value(k + 1, model.pieces[k + 1].link_in, "link in")?
        {
            return Err(LinkError::Link { from: k, to: k + 1 });
        }
    }
    let mut commitments = Vec::with_capacity(count);
    for (k, key) in model.pieces.iter().enumerate() {
        let found = match key.commitment {
            Some(at) => Some(value(k, Some(at), "commitment")?),
            None => None,
        };
        if found.map(|c| fr_to_decimal(&c)) != key.weights {
            return Err(LinkError::Piece {
                piece: k,
                why: "its weight commitment is not the model's: these are other weights".into(),
            });
        }
        commitments.push(found);
    }
    let found = fr_to_decimal(&combined_commitment(&commitments));
    if model.commitment.as_ref().is_some_and(|expected| *expected != found) {
        return Err(LinkError::Commitment {
            found,
            expected: model.commitment.clone().unwrap_or_default(),
        });
    }
    Ok(())
}
