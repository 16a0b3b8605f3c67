//! Errors an operator reports: bad inputs, bad parameters, and the (never
//! expected) overflow of the reference engine's integers.

use crate::bound::Bound;

/// What went wrong while instantiating, evaluating or synthesizing an operator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpError {
    #[error("{op}: input `{tensor}` element {index} is {value}, outside its declared bound {bound}")]
    OutOfBound {
        op: &'static str,
        tensor: &'static str,
        index: usize,
        value: i128,
        bound: Bound,
    },
    #[error("{op}: input `{tensor}` has {got} elements, its declared shape {shape:?} needs {expected}")]
    Shape {
        op: &'static str,
        tensor: &'static str,
        shape: Vec<i128>,
        expected: usize,
        got: usize,
    },
    #[error("{op}: expected {expected} input tensors, got {got}")]
    Arity {
        op: &'static str,
        expected: usize,
        got: usize,
    },
    #[error("{op}: expected {expected} parameter values, got {got}")]
    ParamCount {
        op: &'static str,
        expected: usize,
        got: usize,
    },
    #[error("{op}: parameter `{param}` {why}")]
    Param {
        op: &'static str,
        param: &'static str,
        why: String,
    },
    #[error("{op}: the bound of `{tensor}` is {bound}, wider than the 64-bit reference engine allows")]
    BoundTooWide {
        op: &'static str,
        tensor: &'static str,
        bound: Bound,
    },
    #[error("{op}: integer overflow while computing a value")]
    Overflow { op: &'static str },
    #[error("{op}: index {index:?} of `{tensor}` is outside its shape {shape:?}")]
    Index {
        op: &'static str,
        tensor: &'static str,
        index: Vec<i128>,
        shape: Vec<i128>,
    },
    #[error("{op}: output `{tensor}` element {index} was {problem}")]
    Assignment {
        op: &'static str,
        tensor: &'static str,
        index: usize,
        problem: &'static str,
    },
    #[error("{op}: input `{tensor}` must be a circuit constant (it selects which values are read)")]
    NotConstant { op: &'static str, tensor: &'static str },
    #[error("{op}: a constraint has more than one product of signals")]
    NonQuadratic { op: &'static str },
    #[error("{op}: the circuit reaches its limit of {limit} constraints")]
    TooManyConstraints { op: &'static str, limit: usize },
}

impl OpError {
    /// Names the operator an error came from, unless a nested operator
    /// already did.
    pub fn in_op(mut self, name: &'static str) -> OpError {
        let op = match &mut self {
            OpError::OutOfBound { op, .. }
            | OpError::Shape { op, .. }
            | OpError::Arity { op, .. }
            | OpError::ParamCount { op, .. }
            | OpError::Param { op, .. }
            | OpError::BoundTooWide { op, .. }
            | OpError::Overflow { op }
            | OpError::Index { op, .. }
            | OpError::Assignment { op, .. }
            | OpError::NotConstant { op, .. }
            | OpError::NonQuadratic { op }
            | OpError::TooManyConstraints { op, .. } => op,
        };
        if op.is_empty() {
            *op = name;
        }
        self
    }
}

/// An integer overflow inside generated code; the operator's name is added
/// where it surfaces.
pub const OVERFLOW: OpError = OpError::Overflow { op: "" };

/// A checked operation's result, or [`OVERFLOW`]. A match, not
/// `ok_or(OVERFLOW)`: that builds the error, a type with a destructor, on
/// every call and drops it where the optimizer does not see through the
/// drop, which measured a fifth of a conv2d reference.
#[inline]
pub fn or_overflow<T>(v: Option<T>) -> Result<T, OpError> {
    match v {
        Some(v) => Ok(v),
        None => Err(OVERFLOW),
    }
}
