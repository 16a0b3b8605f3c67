//! Where each of our wires sits in arkworks' variable vector.
//!
//! Groth16 splits the variables into an instance `[1, public...]`, which the
//! verifier multiplies into its key, and a witness, which only the prover
//! sees. Our builder allocates public inputs wherever a circuit declares them,
//! so the two orders differ by a permutation. It depends only on the wire
//! kinds, so setup and proving derive the same one from the same builder.

use super::ProveError;
use crate::field::Fr;
use crate::r1cs::{Builder, Matrix, Wire, WireKind};
use ark_relations::gr1cs::{LinearCombination, Matrix as ArkMatrix, Variable};

/// The permutation from our wires to arkworks' variables: the instance is wire
/// 0 followed by every public input in allocation order, the witness every
/// other wire in allocation order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CircuitLayout {
    /// arkworks index of each wire.
    position: Vec<u32>,
    /// Wire at each arkworks index.
    order: Vec<Wire>,
    num_instance: usize,
}

fn is_instance(kind: WireKind) -> bool {
    matches!(kind, WireKind::One | WireKind::Input { public: true })
}

impl CircuitLayout {
    pub fn new(cs: &Builder) -> CircuitLayout {
        let kinds = cs.kinds();
        let mut order: Vec<Wire> = Vec::with_capacity(kinds.len());
        order.extend((0..kinds.len() as Wire).filter(|&w| is_instance(kinds[w as usize])));
        let num_instance = order.len();
        order.extend((0..kinds.len() as Wire).filter(|&w| !is_instance(kinds[w as usize])));
        let mut position = vec![0u32; kinds.len()];
        for (i, &w) in order.iter().enumerate() {
            position[w as usize] = i as u32;
        }
        CircuitLayout {
            position,
            order,
            num_instance,
        }
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
        cs.num_wires() == self.position.len()
            && cs
                .kinds()
                .iter()
                .zip(&self.position)
                .all(|(&k, &p)| is_instance(k) == ((p as usize) < self.num_instance))
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

    /// The arkworks variable a wire becomes during setup.
    pub(super) fn variable(&self, w: Wire) -> Variable {
        let p = self.position[w as usize] as usize;
        if p == 0 {
            Variable::One
        } else if p < self.num_instance {
            Variable::instance(p)
        } else {
            Variable::witness(p - self.num_instance)
        }
    }

    pub(super) fn lc(&self, row: &[(Wire, Fr)]) -> LinearCombination<Fr> {
        LinearCombination(row.iter().map(|&(w, c)| (c, self.variable(w))).collect())
    }
}
