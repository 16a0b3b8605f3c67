//! A circuit's size, known before it is built.
//!
//! A model file of a few hundred bytes can ask for a circuit of billions
//! of constraints (a `relu` on a 2^24-element input, an `upsampling` by
//! 64 feeding an operator), which would take the machine's memory and
//! minutes before anything failed. So [`crate::compile::compile`] builds
//! with a limit: the builder refuses the first row past it, which bounds
//! memory and time by the limit, and only then is the circuit counted (the
//! same synthesis on a builder that stores no rows and no witness, stopped
//! at twice the limit) to say how large it is. Counting first would cost
//! every proof a second synthesis. Counting runs the very code that
//! builds, with the model's own weights (a zero weight can spare a
//! product), so the count is the built circuit's exactly; `section9 info`
//! counts without building.
//!
//! Wiring costs no constraint but still holds a signal per value
//! (`upsampling` by 64, `repeat` by 4096), so the values of all tensors
//! together are held to the same limit first, which takes no synthesis.

use super::{synthesize, Ends, Piece, Weights};
use crate::error::OpError;
use crate::graph::{GraphError, Model};
use crate::r1cs::Builder;

/// The most constraints a model's circuit may have unless the builder
/// allows more ([`Builder::with_limit`], `--max-constraints`): about a
/// gigabyte of proving key and witness, twenty times the largest built-in
/// model.
pub const DEFAULT_MAX_CONSTRAINTS: usize = 1 << 22;

/// How many times the limit counting goes on for: a refusal gives the
/// exact size of a circuit up to twice the limit (the size to ask for),
/// and a far larger one costs at most twice the limit's rows to refuse.
const OVERSHOOT: usize = 2;

/// The exact number of constraints [`crate::compile::compile`] makes for
/// `model`, or `None` when it is more than `limit`.
pub fn constraint_count(model: &Model, weights: Weights, limit: usize) -> Result<Option<usize>, GraphError> {
    piece_constraint_count(model, &Piece::whole(model), weights, limit)
}

/// The exact number of constraints of one piece of `model` (on seeded
/// values: a piece's size does not depend on them), or `None` when it is
/// more than `limit`.
pub fn piece_constraint_count(
    model: &Model,
    piece: &Piece,
    weights: Weights,
    limit: usize,
) -> Result<Option<usize>, GraphError> {
    let inputs = crate::op::seeded_values(
        piece
            .inputs(model)
            .map(|at| (model.nodes[at].len(), model.nodes[at].bound)),
        0,
    );
    let link_in = crate::op::seeded_values(
        piece
            .link_in
            .iter()
            .map(|&at| (model.nodes[at].len(), model.nodes[at].bound)),
        1,
    );
    let ends = Ends {
        inputs: &inputs,
        link_in: &link_in,
        ..Ends::whole(&[])
    };
    match synthesize(model, piece, &ends, weights, Builder::counting_up_to(limit)) {
        Ok(c) => Ok(Some(c.cs.num_constraints())),
        Err(e) if is_over_limit(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The number of values `model`'s tensors hold, or an error when it is more
/// than `limit`: a check that needs no synthesis.
pub fn check_values(model: &Model, limit: usize) -> Result<usize, GraphError> {
    check_piece_values(model, &Piece::whole(model), limit)
}

/// [`check_values`] for the tensors one piece holds (its own and those it
/// reads through its link).
pub fn check_piece_values(model: &Model, piece: &Piece, limit: usize) -> Result<usize, GraphError> {
    let values = piece
        .nodes
        .iter()
        .chain(&piece.link_in)
        .map(|&at| model.nodes[at].len())
        .fold(0usize, usize::saturating_add);
    if values > limit {
        return Err(GraphError::TooManyValues {
            model: model.name.clone(),
            values,
            limit,
        });
    }
    Ok(values)
}

/// Whether an error is a builder's refusal of a row beyond its limit.
pub(crate) fn is_over_limit(e: &GraphError) -> bool {
    matches!(e, GraphError::Op { source, .. } if matches!(**source, OpError::TooManyConstraints { .. }))
}

/// The error for a circuit over `limit`, saying how many constraints it
/// needs: counted exactly up to twice the limit.
pub(crate) fn too_large(model: &Model, piece: &Piece, weights: Weights, limit: usize) -> GraphError {
    let far = limit.saturating_mul(OVERSHOOT);
    let needs = match piece_constraint_count(model, piece, weights, far) {
        Ok(Some(n)) => n.to_string(),
        Ok(None) => format!("more than {far}"),
        Err(e) => return e,
    };
    GraphError::TooLarge {
        model: model.name.clone(),
        needs,
        limit,
    }
}

/// The number of constraints of `model`'s circuit, or an error saying how
/// many it needs when that, or the number of values its tensors hold, is
/// more than `limit`.
pub fn check_size(model: &Model, weights: Weights, limit: usize) -> Result<usize, GraphError> {
    check_values(model, limit)?;
    match constraint_count(model, weights, limit)? {
        Some(n) => Ok(n),
        None => Err(too_large(model, &Piece::whole(model), weights, limit)),
    }
}
