//! A circuit's size, known before it is built.
//!
//! A model file of a few hundred bytes can ask for a circuit of billions
//! of constraints (a `relu` on a 2^24-element input, an `upsampling` by
//! 64 feeding an operator), which would take the machine's memory and
//! minutes before anything failed. So [`crate::compile::compile`] first
//! counts: the same synthesis on a builder that stores no rows and no
//! witness, stopped a bounded distance past the limit. Counting runs the
//! very code that builds, with the model's own weights (a zero weight can
//! spare a product), so the count is the built circuit's exactly.
//!
//! Wiring costs no constraint but still holds a signal per value
//! (`upsampling` by 64, `repeat` by 4096), so the values of all tensors
//! together are held to the same limit first, which takes no synthesis.

use super::{synthesize, Weights};
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
    let inputs = model.seeded_inputs(0);
    match synthesize(model, &inputs, weights, Builder::counting_up_to(limit)) {
        Ok(c) => Ok(Some(c.cs.num_constraints())),
        Err(GraphError::Op { source, .. }) if matches!(*source, OpError::TooManyConstraints { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The number of constraints of `model`'s circuit, or an error saying how
/// many it needs when that, or the number of values its tensors hold, is
/// more than `limit`.
pub fn check_size(model: &Model, weights: Weights, limit: usize) -> Result<usize, GraphError> {
    let values = model.nodes.iter().map(|n| n.len()).fold(0usize, usize::saturating_add);
    if values > limit {
        return Err(GraphError::TooManyValues {
            model: model.name.clone(),
            values,
            limit,
        });
    }
    let far = limit.saturating_mul(OVERSHOOT);
    match constraint_count(model, weights, far)? {
        Some(n) if n <= limit => Ok(n),
        Some(n) => Err(GraphError::TooLarge {
            model: model.name.clone(),
            needs: n.to_string(),
            limit,
        }),
        None => Err(GraphError::TooLarge {
            model: model.name.clone(),
            needs: format!("more than {far}"),
            limit,
        }),
    }
}
