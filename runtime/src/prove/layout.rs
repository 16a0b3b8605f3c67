//! Where each of our wires sits in arkworks' variable vector.
//!
//! Groth16 splits the variables into an instance `[1, public...]`, which the
//! verifier multiplies into its key, and a witness, which only the prover
//! sees. Our builder allocates public inputs wherever a circuit declares them,
//! so the two orders differ by a permutation. It depends only on the wire
//! kinds, so setup and proving derive the same one from the same builder.
//!
//! The order is also circom's signal order (one, public values, private
//! inputs, the rest), so the exported `.r1cs`/`.wtns` and a `.zkey` index
//! wires exactly as section9's keys do.

use super::ProveError;
use crate::field::Fr;
use crate::r1cs::{Builder, Matrix, Wire, WireKind};
use ark_relations::gr1cs::Matrix as ArkMatrix;

/// The permutation from our wires to arkworks' variables: the instance is wire
/// 0 followed by every public input, the witness the private inputs and then
/// every other wire; each group in allocation order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CircuitLayout {
    /// arkworks index of each wire.
    position: Vec<u32>,
    /// Wire at each arkworks index.
    order: Vec<Wire>,
    num_instance: usize,
    num_private_inputs: usize,
}

fn is_instance(kind: WireKind) -> bool {
    matches!(kind, WireKind::One | WireKind::Input { public: true })
}

fn rank(kind: WireKind) -> u8 {
    match kind {
        WireKind::One => 0,
        WireKind::Input { public: true } => 1,
        WireKind::Input { public: false } => 2,
        WireKind::Hint | WireKind::Internal => 3,
    }
}

impl CircuitLayout {
    pub fn new(cs: &Builder) -> CircuitLayout {
        let kinds = cs.kinds();
        let mut order: Vec<Wire> = (0..kinds.len() as Wire).collect();
        // Stable: allocation order within each group.
        order.sort_by_key(|&w| rank(kinds[w as usize]));
        let count = |r: u8| kinds.iter().filter(|&&k| rank(k) == r).count();
        let num_instance = count(0) + count(1);
        let num_private_inputs = count(2);
        let mut position = vec![0u32; kinds.len()];
        for (i, &w) in order.iter().enumerate() {
            position[w as usize] = i as u32;
        }
        CircuitLayout {
            position,
            order,
            num_instance,
            num_private_inputs,
        }
    }

    /// Public values: the instance without the leading one.
    pub fn num_public(&self) -> usize {
        self.num_instance - 1
    }

    /// Private inputs, which follow the instance.
    pub fn num_private_inputs(&self) -> usize {
        self.num_private_inputs
    }

    /// Every wire, in this order.
    pub fn wires(&self) -> &[Wire] {
        &self.order
    }

    /// Instance variables, counting the leading one.
    pub fn num_instance(&self) -> usize {
        self.num_instance
    }

    pub fn num_witness(&self) -> usize {
        self.order.len() - self.num_instance
    }

    pub fn num_variables(&self) -> usize {
        self.order.len()
    }

    /// The index of a wire of the builder this layout was made from.
    pub(crate) fn index(&self, w: Wire) -> u32 {
        self.position[w as usize]
    }

    /// The arkworks index of a wire.
    pub fn position(&self, w: Wire) -> Option<usize> {
        self.position.get(w as usize).map(|&p| p as usize)
    }

    /// Instance wires in instance order, the leading one included.
    pub fn instance_wires(&self) -> &[Wire] {
        &self.order[..self.num_instance]
    }

    /// Whether `cs` has the wires this layout was computed from; a layout
    /// applied to another builder would scramble or overrun its witness.
    pub fn fits(&self, cs: &Builder) -> bool {
        let kinds = cs.kinds();
        kinds.len() == self.order.len()
            && self.order.iter().all(|&w| (w as usize) < kinds.len())
            && self
                .order
                .windows(2)
                .all(|p| (rank(kinds[p[0] as usize]), p[0]) < (rank(kinds[p[1] as usize]), p[1]))
            && self.order.iter().filter(|&&w| is_instance(kinds[w as usize])).count() == self.num_instance
    }

    pub(super) fn check(&self, cs: &Builder) -> Result<(), ProveError> {
        if !self.fits(cs) {
            return Err(ProveError::LayoutMismatch);
        }
        let (a, _, _) = cs.matrices();
        if a.rows() != cs.num_constraints() {
            return Err(ProveError::NotRecorded);
        }
        Ok(())
    }

    /// The circuit's `A`, `B`, `C` in arkworks' form and variable order, as
    /// Groth16 setup and proving read them.
    pub fn matrices(&self, cs: &Builder) -> Result<Vec<ArkMatrix<Fr>>, ProveError> {
        self.check(cs)?;
        Ok(self.matrices_unchecked(cs))
    }

    pub(super) fn matrices_unchecked(&self, cs: &Builder) -> Vec<ArkMatrix<Fr>> {
        let (a, b, c) = cs.matrices();
        [a, b, c].into_iter().map(|m| self.convert(m)).collect()
    }

    fn convert(&self, m: &Matrix) -> ArkMatrix<Fr> {
        (0..m.rows())
            .map(|i| {
                m.row(i)
                    .iter()
                    .map(|&(w, c)| (c, self.position[w as usize] as usize))
                    .collect()
            })
            .collect()
    }

    /// The full assignment `[1, public..., witness...]` in arkworks' order.
    pub fn assignment(&self, cs: &Builder) -> Result<Vec<Fr>, ProveError> {
        self.check(cs)?;
        if cs.values().len() != self.order.len() {
            return Err(ProveError::NotRecorded);
        }
        Ok(self.assignment_unchecked(cs))
    }

    pub(super) fn assignment_unchecked(&self, cs: &Builder) -> Vec<Fr> {
        let values = cs.values();
        self.order.iter().map(|&w| values[w as usize]).collect()
    }
}
