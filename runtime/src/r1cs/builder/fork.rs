//! A part of a circuit built beside the rest, on another thread, and
//! appended as if it had been built in place.
//!
//! A fork starts empty and numbers its wires from [`FORK_BASE`]; its rows
//! may read the wires its parent held when it forked. [`Builder::join`]
//! appends its wires after the parent's (renumbered), its rows after the
//! parent's and its hints after the parent's, so a fork joined where the
//! sequential synthesis would have built the same part gives the same
//! constraint system and witness, wire for wire and row for row. A wire of
//! the fork reads as nothing until it joins.

use super::{Builder, Keep, Matrix};
use crate::error::OpError;
use crate::r1cs::Wire;

/// The first wire number of a fork; a parent holds fewer wires than this
/// (the constraint limit keeps circuits far below it).
pub const FORK_BASE: Wire = 1 << 31;

impl Builder {
    /// An empty builder for a part of the circuit that reads only wires this
    /// one holds now, to be built beside it and appended by
    /// [`Builder::join`], within what is left of this builder's limit.
    /// `None` for a builder that counts, names or forges: tests and sizing
    /// build in one piece.
    pub fn fork(&self) -> Option<Builder> {
        if self.keep != Keep::Full || !self.forgeries.is_empty() || self.base != 0 {
            return None;
        }
        let mut child = Builder {
            kinds: Vec::new(),
            values: Vec::new(),
            base: FORK_BASE,
            ..Builder::with_keep(Keep::Full)
        };
        child.limit = self.limit.saturating_sub(self.rows);
        child.limited = self.limited;
        Some(child)
    }

    /// Appends a [`Builder::fork`]: its wires after this builder's,
    /// renumbered, then its rows and its hints; refused past this builder's
    /// limit.
    pub fn join(&mut self, fork: Builder) -> Result<(), OpError> {
        assert_eq!(fork.base, FORK_BASE, "only a fork joins");
        let at = self.kinds.len() as Wire;
        let total = self.rows.saturating_add(fork.rows);
        if total > self.limit || at >= FORK_BASE {
            return Err(OpError::TooManyConstraints {
                op: "",
                limit: self.limit,
            });
        }
        let renumber = |w: Wire| if w >= FORK_BASE { w - FORK_BASE + at } else { w };
        self.kinds.extend(fork.kinds);
        self.values.extend(fork.values);
        let Builder { a, b, c, hints, .. } = fork;
        for (mine, theirs) in [(&mut self.a, a), (&mut self.b, b), (&mut self.c, c)] {
            Matrix::append(mine, theirs, renumber);
        }
        self.hints.extend(hints.into_iter().map(renumber));
        self.rows = total;
        Ok(())
    }
}
