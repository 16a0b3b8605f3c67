//! Which nodes one circuit proves, and what crosses its ends.
//!
//! A model proved whole is one piece. A model cut into pieces
//! ([`crate::pieces`]) gives every node to one piece: operators and views
//! by position, weights and inputs to the piece of their first reader. A
//! piece then synthesizes its own nodes plus the circuit constants it
//! reads (constant weights, structural or public parameters), and reads
//! every other value made by an earlier piece through its *link*: the
//! values that cross the cut, committed in both circuits.

use super::link::{Salt, SALT_BOUND};
use super::Weights;
use crate::graph::{GraphError, Model, NodeKind};

/// One circuit's share of a model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piece {
    /// Position among the model's pieces, from 0.
    pub index: usize,
    /// How many pieces the model is cut into.
    pub count: usize,
    /// The nodes this circuit synthesizes, in model order: its own and
    /// the circuit constants it reads.
    pub nodes: Vec<usize>,
    /// Nodes of earlier pieces whose values this piece reads, in model
    /// order: committed by its link-in value.
    pub link_in: Vec<usize>,
    /// Nodes whose values later pieces read (the model's outputs among
    /// them), in model order; empty for the last piece, which publishes
    /// the model's outputs instead.
    pub link_out: Vec<usize>,
}

/// The values that enter a piece from outside.
#[derive(Clone, Copy, Debug)]
pub struct Ends<'a> {
    /// The values of the model inputs this piece holds, in node order.
    pub inputs: &'a [Vec<i64>],
    /// The values of [`Piece::link_in`]'s nodes, in that order.
    pub link_in: &'a [Vec<i64>],
    /// The salt of the link into this piece (ignored without one).
    pub salt_in: Salt,
    /// The salt of the link out of this piece (ignored without one).
    pub salt_out: Salt,
}

impl<'a> Ends<'a> {
    /// What enters a model proved whole: its inputs.
    pub fn whole(inputs: &'a [Vec<i64>]) -> Ends<'a> {
        Ends {
            inputs,
            link_in: &[],
            salt_in: Salt::default(),
            salt_out: Salt::default(),
        }
    }
}

/// Whether node `at` is a circuit constant under `weights`: then every
/// piece that reads it makes it itself, and no link carries it.
pub fn is_constant(model: &Model, at: usize, weights: Weights) -> bool {
    let kind = &model.nodes[at].kind;
    matches!(kind, NodeKind::Param { .. }) && (kind.is_fixed_param() || weights == Weights::Constant)
}

impl Piece {
    /// The whole model as one piece.
    pub fn whole(model: &Model) -> Piece {
        Piece {
            index: 0,
            count: 1,
            nodes: (0..model.nodes.len()).collect(),
            link_in: Vec::new(),
            link_out: Vec::new(),
        }
    }

    /// Piece `index` of the cut that gives node `i` to piece `owner[i]`;
    /// every node must read only nodes of its own or earlier pieces.
    pub fn from_owners(model: &Model, owner: &[usize], index: usize, weights: Weights) -> Piece {
        let count = owner.iter().max().map_or(1, |m| m + 1);
        let constant = |at: usize| is_constant(model, at, weights);
        // Whether each node is read by a piece in `pieces` (the model's
        // outputs count as read after the last piece).
        let read_by = |pieces: std::ops::Range<usize>| {
            let mut read = vec![false; model.nodes.len()];
            for (at, node) in model.nodes.iter().enumerate() {
                if pieces.contains(&owner[at]) {
                    node.inputs.iter().for_each(|&i| read[i] = true);
                }
            }
            if pieces.end >= count {
                model.outputs.iter().for_each(|&o| read[o] = true);
            }
            read
        };
        let crossing = |k: usize| -> Vec<usize> {
            let read = read_by(k..count + 1);
            (0..model.nodes.len())
                .filter(|&at| owner[at] < k && read[at] && !constant(at))
                .collect()
        };
        let read_here = read_by(index..index + 1);
        Piece {
            index,
            count,
            nodes: (0..model.nodes.len())
                .filter(|&at| owner[at] == index || (constant(at) && read_here[at]))
                .collect(),
            link_in: if index == 0 { Vec::new() } else { crossing(index) },
            link_out: if index + 1 == count {
                Vec::new()
            } else {
                crossing(index + 1)
            },
        }
    }

    /// The model inputs this piece holds, in node order.
    pub fn inputs<'m>(&'m self, model: &'m Model) -> impl Iterator<Item = usize> + 'm {
        self.nodes
            .iter()
            .copied()
            .filter(|&at| matches!(model.nodes[at].kind, NodeKind::Input { .. }))
    }

    /// Checks what enters the piece against the nodes it stands for.
    pub fn check_ends(&self, model: &Model, ends: &Ends) -> Result<(), GraphError> {
        let inputs: Vec<usize> = self.inputs(model).collect();
        model.check_node_values(&inputs, ends.inputs, "inputs")?;
        model.check_node_values(&self.link_in, ends.link_in, "linked values")?;
        for (salt, used) in [
            (&ends.salt_in, !self.link_in.is_empty()),
            (&ends.salt_out, !self.link_out.is_empty()),
        ] {
            if used && salt.0.iter().any(|&s| !SALT_BOUND.contains(s as i128)) {
                return Err(GraphError::Format(format!("a link's salt is outside {SALT_BOUND}")));
            }
        }
        Ok(())
    }
}
