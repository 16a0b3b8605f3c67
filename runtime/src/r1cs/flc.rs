//! Field-valued signals, for operators declared with `#[zk_op(field)]`:
//! the same shapes as [`Lc`](super::Lc), [`Sig`](super::Sig) and
//! [`Quad`](super::Quad), with coefficients and values in `Fr`.
//!
//! The integer types stay as they are (i128 arithmetic, overflow checked),
//! so the integer operators pay nothing for field mode. The methods return
//! `Result` only so generated code treats both kinds alike; field
//! arithmetic cannot overflow.

use super::lc::{Sig, Wire};
use crate::error::OpError;
use crate::field::{fr_from_i128, Fr};
use ark_ff::Zero;
use smallvec::SmallVec;

/// A linear combination `constant + sum coeff * wire` over `Fr`, its terms
/// sorted by wire, each wire once, no zero coefficient.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FLc {
    pub terms: SmallVec<[(Wire, Fr); 2]>,
    pub constant: Fr,
}

impl FLc {
    pub fn constant(c: Fr) -> FLc {
        FLc {
            terms: SmallVec::new(),
            constant: c,
        }
    }

    pub fn wire(w: Wire) -> FLc {
        let mut terms = SmallVec::new();
        terms.push((w, Fr::from(1u64)));
        FLc {
            terms,
            constant: Fr::zero(),
        }
    }

    /// The constant value of a combination without wires.
    pub fn as_constant(&self) -> Option<Fr> {
        self.terms.iter().all(|(_, c)| c.is_zero()).then_some(self.constant)
    }

    /// `self + k * other`. Terms are kept sorted by wire and merged, so
    /// combinations of combinations (a hash's linear layers) stay as small
    /// as the wires they read.
    fn add(&self, other: &FLc, k: Fr) -> FLc {
        // Most merges add (k = 1): no multiplication per term for them.
        if k == Fr::from(1u64) {
            self.merge(other, |c| c)
        } else {
            self.merge(other, |c| c * k)
        }
    }

    /// `self + times(other)`, `times` a multiplication by a constant.
    fn merge(&self, other: &FLc, times: impl Fn(Fr) -> Fr) -> FLc {
        let (a, b) = (&self.terms, &other.terms);
        let mut terms = SmallVec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() || j < b.len() {
            let (w, c) = match (a.get(i), b.get(j)) {
                (Some(&(wa, ca)), Some(&(wb, cb))) if wa == wb => {
                    i += 1;
                    j += 1;
                    (wa, ca + times(cb))
                }
                (Some(&(wa, ca)), Some(&(wb, _))) if wa < wb => {
                    i += 1;
                    (wa, ca)
                }
                (Some(&(wa, ca)), None) => {
                    i += 1;
                    (wa, ca)
                }
                (_, Some(&(wb, cb))) => {
                    j += 1;
                    (wb, times(cb))
                }
                (None, None) => unreachable!("the loop runs while a term is left"),
            };
            if !c.is_zero() {
                terms.push((w, c));
            }
        }
        FLc {
            terms,
            constant: self.constant + times(other.constant),
        }
    }

    /// `self += k * other`, in place: appended when `other`'s wires all
    /// come after `self`'s (an accumulator over new wires), merged otherwise,
    /// so the terms stay sorted and distinct either way.
    fn accumulate(&mut self, other: &FLc, k: Fr) {
        let after = match (self.terms.last(), other.terms.first()) {
            (Some(&(last, _)), Some(&(first, _))) => last < first,
            _ => true,
        };
        if !after {
            *self = self.add(other, k);
            return;
        }
        let one = k == Fr::from(1u64);
        self.terms
            .extend(other.terms.iter().map(|&(w, c)| (w, if one { c } else { c * k })));
        self.constant += other.constant * k;
    }

    fn scale(&self, k: Fr) -> FLc {
        if k.is_zero() {
            return FLc::default();
        }
        FLc {
            terms: self.terms.iter().map(|&(w, c)| (w, c * k)).collect(),
            constant: self.constant * k,
        }
    }
}

/// A linear signal over `Fr`: a combination of wires and its value in the
/// current witness.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FSig {
    pub lc: FLc,
    pub val: Fr,
}

impl FSig {
    pub fn constant(c: Fr) -> FSig {
        FSig {
            lc: FLc::constant(c),
            val: c,
        }
    }

    /// An integer signal seen as a field signal (same wires, same value).
    pub fn from_sig(s: &Sig) -> FSig {
        FSig {
            lc: s
                .lc
                .terms
                .iter()
                .fold(FLc::constant(fr_from_i128(s.lc.constant)), |acc, &(w, c)| {
                    acc.add(&FLc::wire(w), fr_from_i128(c))
                }),
            val: fr_from_i128(s.val),
        }
    }

    pub fn add(&self, o: &FSig) -> Result<FSig, OpError> {
        Ok(FSig {
            lc: self.lc.add(&o.lc, Fr::from(1u64)),
            val: self.val + o.val,
        })
    }

    pub fn sub(&self, o: &FSig) -> Result<FSig, OpError> {
        Ok(FSig {
            lc: self.lc.add(&o.lc, -Fr::from(1u64)),
            val: self.val - o.val,
        })
    }

    /// `self += o` in place (`acc += x` in a field operator's body).
    pub fn add_assign(&mut self, o: &FSig) -> Result<(), OpError> {
        self.lc.accumulate(&o.lc, Fr::from(1u64));
        self.val += o.val;
        Ok(())
    }

    /// `self -= o` in place.
    pub fn sub_assign(&mut self, o: &FSig) -> Result<(), OpError> {
        self.lc.accumulate(&o.lc, -Fr::from(1u64));
        self.val -= o.val;
        Ok(())
    }

    pub fn scale(&self, k: Fr) -> Result<FSig, OpError> {
        Ok(FSig {
            lc: self.lc.scale(k),
            val: self.val * k,
        })
    }

    pub fn neg(&self) -> Result<FSig, OpError> {
        self.scale(-Fr::from(1u64))
    }
}

impl Default for FSig {
    fn default() -> Self {
        FSig::constant(Fr::zero())
    }
}

/// `a * b + c` over `Fr`: the most a single constraint can hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FQuad {
    pub product: Option<(FSig, FSig)>,
    pub linear: FSig,
}

impl FQuad {
    pub fn lin(s: FSig) -> FQuad {
        FQuad {
            product: None,
            linear: s,
        }
    }

    /// A product; folds into a linear term when a factor is constant.
    pub fn mul(a: FSig, b: FSig) -> Result<FQuad, OpError> {
        if let Some(k) = a.lc.as_constant() {
            return Ok(FQuad::lin(b.scale(k)?));
        }
        if let Some(k) = b.lc.as_constant() {
            return Ok(FQuad::lin(a.scale(k)?));
        }
        Ok(FQuad {
            product: Some((a, b)),
            linear: FSig::default(),
        })
    }

    pub fn val(&self) -> Fr {
        let p = match &self.product {
            Some((a, b)) => a.val * b.val,
            None => Fr::zero(),
        };
        p + self.linear.val
    }

    pub fn checked_add(self, o: FQuad) -> Result<FQuad, OpError> {
        let product = match (self.product, o.product) {
            (Some(_), Some(_)) => return Err(OpError::NonQuadratic { op: "" }),
            (p, None) | (None, p) => p,
        };
        Ok(FQuad {
            product,
            linear: self.linear.add(&o.linear)?,
        })
    }

    pub fn checked_neg(self) -> Result<FQuad, OpError> {
        self.scale(-Fr::from(1u64))
    }

    pub fn checked_sub(self, o: FQuad) -> Result<FQuad, OpError> {
        self.checked_add(o.checked_neg()?)
    }

    pub fn scale(self, k: Fr) -> Result<FQuad, OpError> {
        Ok(FQuad {
            product: match self.product {
                Some((a, b)) => Some((a.scale(k)?, b)),
                None => None,
            },
            linear: self.linear.scale(k)?,
        })
    }
}
