//! Linear combinations over wires, and the values generated code computes
//! with: a signal is a linear combination together with its value, in
//! either domain of [`Value`] (integers by default, or field elements).

use super::value::Value;
use crate::error::OpError;
use crate::field::Fr;
use smallvec::SmallVec;

/// Index of a wire in the constraint system; wire 0 is the constant one.
pub type Wire = u32;

/// A linear combination `constant + sum coeff * wire`. Integer terms may
/// repeat until the builder stores a row; field terms stay sorted by wire,
/// each wire once, no zero coefficient (see [`Value::MERGES`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lc<V: Value = i128> {
    pub terms: SmallVec<[(Wire, V); 2]>,
    pub constant: V,
}

/// `c * k`, without a multiplication when `k` is one (most sums).
fn times<V: Value>(c: V, k: V, one: bool) -> Result<V, OpError> {
    if one {
        Ok(c)
    } else {
        c.checked_mul(k)
    }
}

impl<V: Value> Lc<V> {
    pub fn constant(c: V) -> Lc<V> {
        Lc {
            terms: SmallVec::new(),
            constant: c,
        }
    }

    pub fn wire(w: Wire) -> Lc<V> {
        let mut terms = SmallVec::new();
        terms.push((w, V::ONE));
        Lc {
            terms,
            constant: V::ZERO,
        }
    }

    /// The constant value of a combination without wires.
    pub fn as_constant(&self) -> Option<V> {
        self.terms.iter().all(|(_, c)| *c == V::ZERO).then_some(self.constant)
    }

    /// `self + k * other`.
    fn add(&self, other: &Lc<V>, k: V) -> Result<Lc<V>, OpError> {
        if V::MERGES {
            return self.merge(other, k);
        }
        let mut sum = self.clone();
        sum.append(other, k)?;
        Ok(sum)
    }

    /// `self += k * other` by appending `other`'s terms.
    fn append(&mut self, other: &Lc<V>, k: V) -> Result<(), OpError> {
        let one = k == V::ONE;
        for &(w, c) in &other.terms {
            self.terms.push((w, times(c, k, one)?));
        }
        self.constant = self.constant.checked_add(times(other.constant, k, one)?)?;
        Ok(())
    }

    /// `self + k * other` with the terms of both merged by wire, so
    /// combinations of combinations stay as small as the wires they read.
    fn merge(&self, other: &Lc<V>, k: V) -> Result<Lc<V>, OpError> {
        let one = k == V::ONE;
        let (a, b) = (&self.terms, &other.terms);
        let mut terms = SmallVec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() || j < b.len() {
            let (w, c) = match (a.get(i), b.get(j)) {
                (Some(&(wa, ca)), Some(&(wb, cb))) if wa == wb => {
                    i += 1;
                    j += 1;
                    (wa, ca.checked_add(times(cb, k, one)?)?)
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
                    (wb, times(cb, k, one)?)
                }
                (None, None) => unreachable!("the loop runs while a term is left"),
            };
            if c != V::ZERO {
                terms.push((w, c));
            }
        }
        Ok(Lc {
            terms,
            constant: self.constant.checked_add(times(other.constant, k, one)?)?,
        })
    }

    /// `self += k * other`, in place: an accumulator grows by `other`'s
    /// terms instead of being copied at every step. Merging combinations
    /// append too when `other`'s wires all come after `self`'s (a sum over
    /// new wires), so their terms stay sorted and distinct.
    fn accumulate(&mut self, other: &Lc<V>, k: V) -> Result<(), OpError> {
        let after = match (self.terms.last(), other.terms.first()) {
            (Some(&(last, _)), Some(&(first, _))) => last < first,
            _ => true,
        };
        if V::MERGES && !after {
            *self = self.merge(other, k)?;
            return Ok(());
        }
        self.append(other, k)
    }

    fn scale(&self, k: V) -> Result<Lc<V>, OpError> {
        if k == V::ZERO {
            return Ok(Lc::constant(V::ZERO));
        }
        let mut terms = SmallVec::with_capacity(self.terms.len());
        for &(w, c) in &self.terms {
            terms.push((w, c.checked_mul(k)?));
        }
        Ok(Lc {
            terms,
            constant: self.constant.checked_mul(k)?,
        })
    }
}

/// A linear signal: a combination of wires and the value it evaluates to
/// in the current witness.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sig<V: Value = i128> {
    pub lc: Lc<V>,
    pub val: V,
}

impl<V: Value> Default for Sig<V> {
    fn default() -> Self {
        Sig::constant(V::ZERO)
    }
}

impl<V: Value> Sig<V> {
    pub fn constant(c: V) -> Sig<V> {
        Sig {
            lc: Lc::constant(c),
            val: c,
        }
    }

    pub fn add(&self, o: &Sig<V>) -> Result<Sig<V>, OpError> {
        Ok(Sig {
            lc: self.lc.add(&o.lc, V::ONE)?,
            val: self.val.checked_add(o.val)?,
        })
    }

    pub fn sub(&self, o: &Sig<V>) -> Result<Sig<V>, OpError> {
        Ok(Sig {
            lc: self.lc.add(&o.lc, V::from_i128(-1))?,
            val: self.val.checked_sub(o.val)?,
        })
    }

    /// `self += o` in place (`acc += x` in an operator's body).
    pub fn add_assign(&mut self, o: &Sig<V>) -> Result<(), OpError> {
        self.lc.accumulate(&o.lc, V::ONE)?;
        self.val = self.val.checked_add(o.val)?;
        Ok(())
    }

    /// `self -= o` in place.
    pub fn sub_assign(&mut self, o: &Sig<V>) -> Result<(), OpError> {
        self.lc.accumulate(&o.lc, V::from_i128(-1))?;
        self.val = self.val.checked_sub(o.val)?;
        Ok(())
    }

    pub fn scale(&self, k: V) -> Result<Sig<V>, OpError> {
        Ok(Sig {
            lc: self.lc.scale(k)?,
            val: self.val.checked_mul(k)?,
        })
    }

    pub fn neg(&self) -> Result<Sig<V>, OpError> {
        self.scale(V::from_i128(-1))
    }
}

impl Sig {
    /// The same signal seen as a field signal (same wires, same value):
    /// where integers enter a hash.
    pub fn to_field(&self) -> Result<Sig<Fr>, OpError> {
        // Integer terms may repeat and come in any order; field terms are
        // sorted, each wire once, none zero.
        let mut terms: SmallVec<[(Wire, Fr); 2]> = self.lc.terms.iter().map(|&(w, c)| (w, Fr::from_i128(c))).collect();
        if !terms.windows(2).all(|pair| pair[0].0 < pair[1].0) {
            terms.sort_by_key(|&(w, _)| w);
            let mut summed: SmallVec<[(Wire, Fr); 2]> = SmallVec::with_capacity(terms.len());
            for (w, c) in terms {
                match summed.last_mut() {
                    Some((last, sum)) if *last == w => *sum += c,
                    _ => summed.push((w, c)),
                }
            }
            terms = summed;
        }
        terms.retain(|(_, c)| *c != Fr::ZERO);
        Ok(Sig {
            lc: Lc {
                terms,
                constant: Fr::from_i128(self.lc.constant),
            },
            val: Fr::from_i128(self.val),
        })
    }
}

/// `a * b + c`: the most a single constraint can hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quad<V: Value = i128> {
    pub product: Option<(Sig<V>, Sig<V>)>,
    pub linear: Sig<V>,
}

impl<V: Value> Quad<V> {
    pub fn lin(s: Sig<V>) -> Quad<V> {
        Quad {
            product: None,
            linear: s,
        }
    }

    /// A product; folds into a linear term when a factor is constant, so
    /// circuit constants (public weights) cost no constraint.
    pub fn mul(a: Sig<V>, b: Sig<V>) -> Result<Quad<V>, OpError> {
        if let Some(k) = a.lc.as_constant() {
            return Ok(Quad::lin(b.scale(k)?));
        }
        if let Some(k) = b.lc.as_constant() {
            return Ok(Quad::lin(a.scale(k)?));
        }
        Ok(Quad {
            product: Some((a, b)),
            linear: Sig::default(),
        })
    }

    pub fn val(&self) -> Result<V, OpError> {
        let p = match &self.product {
            Some((a, b)) => a.val.checked_mul(b.val)?,
            None => V::ZERO,
        };
        p.checked_add(self.linear.val)
    }

    pub fn checked_add(self, o: Quad<V>) -> Result<Quad<V>, OpError> {
        let product = match (self.product, o.product) {
            (Some(_), Some(_)) => return Err(OpError::NonQuadratic { op: "" }),
            (p, None) | (None, p) => p,
        };
        Ok(Quad {
            product,
            linear: self.linear.add(&o.linear)?,
        })
    }

    pub fn checked_neg(self) -> Result<Quad<V>, OpError> {
        self.scale(V::from_i128(-1))
    }

    pub fn checked_sub(self, o: Quad<V>) -> Result<Quad<V>, OpError> {
        self.checked_add(o.checked_neg()?)
    }

    pub fn scale(self, k: V) -> Result<Quad<V>, OpError> {
        Ok(Quad {
            product: match self.product {
                Some((a, b)) => Some((a.scale(k)?, b)),
                None => None,
            },
            linear: self.linear.scale(k)?,
        })
    }
}
