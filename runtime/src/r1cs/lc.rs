//! Linear combinations over wires, and the values generated code computes
//! with: a signal is a linear combination together with its integer value.

use crate::error::{OpError, OVERFLOW};
use smallvec::SmallVec;

/// Index of a wire in the constraint system; wire 0 is the constant one.
pub type Wire = u32;

/// A linear combination `constant + sum coeff * wire` with integer
/// coefficients. Terms may repeat until the builder stores a row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lc {
    pub terms: SmallVec<[(Wire, i128); 2]>,
    pub constant: i128,
}

impl Lc {
    pub fn constant(c: i128) -> Lc {
        Lc {
            terms: SmallVec::new(),
            constant: c,
        }
    }

    pub fn wire(w: Wire) -> Lc {
        let mut terms = SmallVec::new();
        terms.push((w, 1));
        Lc { terms, constant: 0 }
    }

    /// The constant value of a combination without wires.
    pub fn as_constant(&self) -> Option<i128> {
        self.terms.iter().all(|&(_, c)| c == 0).then_some(self.constant)
    }

    fn add(&self, other: &Lc, sign: i128) -> Result<Lc, OpError> {
        let mut terms = self.terms.clone();
        for &(w, c) in &other.terms {
            terms.push((w, c.checked_mul(sign).ok_or(OVERFLOW)?));
        }
        let constant = other
            .constant
            .checked_mul(sign)
            .and_then(|c| c.checked_add(self.constant))
            .ok_or(OVERFLOW)?;
        Ok(Lc { terms, constant })
    }

    /// `self += sign * other`, in place: an accumulator grows by `other`'s
    /// terms instead of being copied at every step.
    fn accumulate(&mut self, other: &Lc, sign: i128) -> Result<(), OpError> {
        for &(w, c) in &other.terms {
            self.terms.push((w, c.checked_mul(sign).ok_or(OVERFLOW)?));
        }
        self.constant = other
            .constant
            .checked_mul(sign)
            .and_then(|c| c.checked_add(self.constant))
            .ok_or(OVERFLOW)?;
        Ok(())
    }

    fn scale(&self, k: i128) -> Result<Lc, OpError> {
        if k == 0 {
            return Ok(Lc::constant(0));
        }
        let mut terms = SmallVec::with_capacity(self.terms.len());
        for &(w, c) in &self.terms {
            terms.push((w, c.checked_mul(k).ok_or(OVERFLOW)?));
        }
        Ok(Lc {
            terms,
            constant: self.constant.checked_mul(k).ok_or(OVERFLOW)?,
        })
    }
}

/// A linear signal: a combination of wires and the integer it evaluates to
/// in the current witness.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sig {
    pub lc: Lc,
    pub val: i128,
}

impl Sig {
    pub fn constant(c: i128) -> Sig {
        Sig {
            lc: Lc::constant(c),
            val: c,
        }
    }

    pub fn add(&self, o: &Sig) -> Result<Sig, OpError> {
        Ok(Sig {
            lc: self.lc.add(&o.lc, 1)?,
            val: self.val.checked_add(o.val).ok_or(OVERFLOW)?,
        })
    }

    pub fn sub(&self, o: &Sig) -> Result<Sig, OpError> {
        Ok(Sig {
            lc: self.lc.add(&o.lc, -1)?,
            val: self.val.checked_sub(o.val).ok_or(OVERFLOW)?,
        })
    }

    /// `self += o` in place (`acc += x` in an operator's body).
    pub fn add_assign(&mut self, o: &Sig) -> Result<(), OpError> {
        self.lc.accumulate(&o.lc, 1)?;
        self.val = self.val.checked_add(o.val).ok_or(OVERFLOW)?;
        Ok(())
    }

    /// `self -= o` in place.
    pub fn sub_assign(&mut self, o: &Sig) -> Result<(), OpError> {
        self.lc.accumulate(&o.lc, -1)?;
        self.val = self.val.checked_sub(o.val).ok_or(OVERFLOW)?;
        Ok(())
    }

    pub fn scale(&self, k: i128) -> Result<Sig, OpError> {
        Ok(Sig {
            lc: self.lc.scale(k)?,
            val: self.val.checked_mul(k).ok_or(OVERFLOW)?,
        })
    }

    pub fn neg(&self) -> Result<Sig, OpError> {
        self.scale(-1)
    }
}

/// `a * b + c`: the most a single constraint can hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quad {
    pub product: Option<(Sig, Sig)>,
    pub linear: Sig,
}

impl Quad {
    pub fn lin(s: Sig) -> Quad {
        Quad {
            product: None,
            linear: s,
        }
    }

    /// A product; folds into a linear term when a factor is constant, so
    /// circuit constants (public weights) cost no constraint.
    pub fn mul(a: Sig, b: Sig) -> Result<Quad, OpError> {
        if let Some(k) = a.lc.as_constant() {
            return Ok(Quad::lin(b.scale(k)?));
        }
        if let Some(k) = b.lc.as_constant() {
            return Ok(Quad::lin(a.scale(k)?));
        }
        Ok(Quad {
            product: Some((a, b)),
            linear: Sig::constant(0),
        })
    }

    pub fn val(&self) -> Result<i128, OpError> {
        let p = match &self.product {
            Some((a, b)) => a.val.checked_mul(b.val).ok_or(OVERFLOW)?,
            None => 0,
        };
        p.checked_add(self.linear.val).ok_or(OVERFLOW)
    }

    pub fn checked_add(self, o: Quad) -> Result<Quad, OpError> {
        let product = match (self.product, o.product) {
            (Some(_), Some(_)) => return Err(OpError::NonQuadratic { op: "" }),
            (p, None) | (None, p) => p,
        };
        Ok(Quad {
            product,
            linear: self.linear.add(&o.linear)?,
        })
    }

    pub fn checked_neg(self) -> Result<Quad, OpError> {
        self.scale(-1)
    }

    pub fn checked_sub(self, o: Quad) -> Result<Quad, OpError> {
        self.checked_add(o.checked_neg()?)
    }

    pub fn scale(self, k: i128) -> Result<Quad, OpError> {
        Ok(Quad {
            product: match self.product {
                Some((a, b)) => Some((a.scale(k)?, b)),
                None => None,
            },
            linear: self.linear.scale(k)?,
        })
    }
}
