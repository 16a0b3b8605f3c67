//! The constraint-system builder: wires, sparse rows, witness, names.
//!
//! Rows are stored compactly (one coefficient array per matrix with row
//! offsets), so a model of millions of constraints is a few flat vectors
//! that the prover reads without synthesizing again. Names are optional: a
//! builder made with [`Builder::with_names`] remembers a path for every wire
//! and row (`dense/acc[3]`), so a failing constraint is reported by name.

use super::lc::{Lc, Quad, Sig, Wire};
use super::value::Value;
use crate::error::OpError;
use crate::field::Fr;

use smallvec::SmallVec;

mod fork;

/// Who supplies a wire's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WireKind {
    /// Wire 0, the constant one.
    One,
    /// An input of the circuit, public or private.
    Input { public: bool },
    /// A value the prover supplies; constraints must pin it.
    Hint,
    /// A value defined by the constraint that allocates it (a product).
    Internal,
}

/// One sparse matrix: row `i` holds `terms[starts[i]..starts[i + 1]]`.
#[derive(Clone, Debug, Default)]
pub struct Matrix {
    starts: Vec<usize>,
    terms: Vec<(Wire, Fr)>,
}

/// A row as stored: the constant (wire 0) and the terms, by wire, repeats
/// summed and zeros dropped. Rows mostly arrive sorted and short, so this
/// neither sorts nor allocates for them.
fn canonical<C>(terms: &[(Wire, C)], constant: C, zero: C) -> SmallVec<[(Wire, C); 8]>
where
    C: Copy + PartialEq + std::ops::AddAssign,
{
    let mut row: SmallVec<[(Wire, C); 8]> = SmallVec::with_capacity(terms.len() + 1);
    row.push((0, constant));
    row.extend_from_slice(terms);
    if !row.windows(2).all(|p| p[0].0 < p[1].0) {
        row.sort_by_key(|&(w, _)| w);
        row.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                kept.1 += later.1;
            }
            same
        });
    }
    row.retain(|(_, c)| *c != zero);
    row
}

impl Matrix {
    fn new() -> Matrix {
        Matrix {
            starts: vec![0],
            terms: Vec::new(),
        }
    }

    /// Appends `other`'s rows, each wire renumbered.
    fn append(&mut self, other: Matrix, renumber: impl Fn(Wire) -> Wire) {
        let offset = self.terms.len();
        self.terms
            .extend(other.terms.into_iter().map(|(w, c)| (renumber(w), c)));
        self.starts.extend(other.starts[1..].iter().map(|s| s + offset));
    }

    fn push<V: Value>(&mut self, lc: &Lc<V>) {
        let row = canonical(&lc.terms, lc.constant, V::ZERO);
        self.terms.extend(row.into_iter().map(|(w, c)| (w, c.to_fr())));
        self.starts.push(self.terms.len());
    }

    pub fn row(&self, i: usize) -> &[(Wire, Fr)] {
        &self.terms[self.starts[i]..self.starts[i + 1]]
    }

    pub fn rows(&self) -> usize {
        self.starts.len() - 1
    }

    /// Number of non-zero coefficients.
    pub fn nnz(&self) -> usize {
        self.terms.len()
    }
}

/// What a builder keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Keep {
    /// Only counts: wires and rows are numbered, nothing is stored.
    Count,
    /// Rows and witness.
    Full,
    /// Rows, witness, and a name for every wire and row.
    Named,
}

type Forgery = (String, Box<dyn Fn(i128) -> i128 + Send + Sync>);

/// Builds a rank-1 constraint system `A w . B w = C w` together with its
/// witness `w`.
pub struct Builder {
    keep: Keep,
    values: Vec<Fr>,
    kinds: Vec<WireKind>,
    a: Matrix,
    b: Matrix,
    c: Matrix,
    rows: usize,
    wire_names: Vec<String>,
    row_names: Vec<String>,
    scope: Vec<String>,
    hints: Vec<Wire>,
    forgeries: Vec<Forgery>,
    /// The most rows this builder takes before it refuses the next one.
    limit: usize,
    /// Whether [`Builder::with_limit`] set the limit.
    limited: bool,
    /// The number of this builder's first wire: 0, or [`fork::FORK_BASE`]
    /// for a fork until it joins.
    base: Wire,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

fn label(name: &str, index: &[i128]) -> String {
    let mut s = String::from(name);
    for i in index {
        s.push('[');
        s.push_str(&i.to_string());
        s.push(']');
    }
    s
}

impl Builder {
    fn with_keep(keep: Keep) -> Builder {
        let mut b = Builder {
            keep,
            values: Vec::new(),
            kinds: Vec::new(),
            a: Matrix::new(),
            b: Matrix::new(),
            c: Matrix::new(),
            rows: 0,
            wire_names: Vec::new(),
            row_names: Vec::new(),
            scope: Vec::new(),
            hints: Vec::new(),
            forgeries: Vec::new(),
            limit: usize::MAX,
            limited: false,
            base: 0,
        };
        b.alloc(WireKind::One, Fr::from(1u64), || "one".to_string());
        b
    }

    /// A builder for proving: rows and witness, no names.
    pub fn new() -> Builder {
        Builder::with_keep(Keep::Full)
    }

    /// A builder for tests and diagnosis: every wire and row is named.
    pub fn with_names() -> Builder {
        Builder::with_keep(Keep::Named)
    }

    /// A builder that only counts wires and constraints.
    pub fn counting() -> Builder {
        Builder::with_keep(Keep::Count)
    }

    /// A counting builder that stops at the first row beyond `limit`
    /// ([`OpError::TooManyConstraints`]): sizing a circuit then costs at
    /// most `limit` rows of work, however large the circuit would be.
    pub fn counting_up_to(limit: usize) -> Builder {
        Builder::counting().with_limit(limit)
    }

    /// This builder, refusing every row beyond the first `limit`.
    pub fn with_limit(mut self, limit: usize) -> Builder {
        self.limit = limit;
        self.limited = true;
        self
    }

    /// The limit [`Builder::with_limit`] set, if any.
    pub fn limit(&self) -> Option<usize> {
        self.limited.then_some(self.limit)
    }

    fn path(&self, leaf: String) -> String {
        let mut s = self.scope.join("/");
        if !s.is_empty() {
            s.push('/');
        }
        s.push_str(&leaf);
        s
    }

    fn alloc(&mut self, kind: WireKind, value: Fr, name: impl FnOnce() -> String) -> Wire {
        let w = self.base + self.kinds.len() as Wire;
        self.kinds.push(kind);
        if self.keep != Keep::Count {
            self.values.push(value);
        }
        if self.keep == Keep::Named {
            let n = self.path(name());
            self.wire_names.push(n);
        }
        w
    }

    /// Opens a namespace for the wires and rows that follow (`conv/acc[2]`).
    pub fn enter(&mut self, name: &str, index: &[i128]) {
        if self.keep == Keep::Named {
            self.scope.push(label(name, index));
        }
    }

    /// Closes the namespace [`Builder::enter`] opened.
    pub fn leave(&mut self) {
        self.scope.pop();
    }

    /// A new input wire (public inputs such as a commitment hold field
    /// elements).
    pub fn input<V: Value>(&mut self, name: &str, index: &[i128], value: V, public: bool) -> Sig<V> {
        let w = self.alloc(WireKind::Input { public }, value.to_fr(), || label(name, index));
        Sig {
            lc: Lc::wire(w),
            val: value,
        }
    }

    /// A hint: a wire whose value the prover supplies. In a named builder a
    /// registered forgery may replace the honest value, so tests can play
    /// the cheating prover.
    pub fn hint<V: Value>(&mut self, name: &str, index: &[i128], value: V) -> Sig<V> {
        let value = self.forged(name, index, value);
        let w = self.alloc(WireKind::Hint, value.to_fr(), || label(name, index));
        self.hints.push(w);
        Sig {
            lc: Lc::wire(w),
            val: value,
        }
    }

    /// An integer operator's hint whose value is a field element rather
    /// than an integer (an inverse). Its integer value is meaningless and
    /// reads as 0; generated code only lets such hints appear in
    /// constraints. Forgeries apply as to field hints.
    pub fn hint_field(&mut self, name: &str, index: &[i128], value: Fr) -> Sig {
        let value = self.forged(name, index, value);
        let w = self.alloc(WireKind::Hint, value, || label(name, index));
        self.hints.push(w);
        Sig {
            lc: Lc::wire(w),
            val: 0,
        }
    }

    /// A hint's value after the forgery registered at its path, if any
    /// ([`Value::forged`]).
    fn forged<V: Value>(&self, name: &str, index: &[i128], value: V) -> V {
        if self.keep != Keep::Named || self.forgeries.is_empty() {
            return value;
        }
        let path = self.path(label(name, index));
        match self.forgeries.iter().find(|(p, _)| *p == path) {
            Some((_, f)) => value.forged(f),
            None => value,
        }
    }

    /// The value of a combination in the current witness.
    pub fn eval<V: Value>(&self, lc: &Lc<V>) -> Fr {
        let mut acc = lc.constant.to_fr();
        for &(w, c) in &lc.terms {
            acc += self.values[w as usize] * c.to_fr();
        }
        acc
    }

    /// Gives a quadratic expression a wire of its own, with the one
    /// constraint that defines it. A linear expression, or a product with a
    /// constant factor, needs no wire and costs nothing.
    pub fn wire<V: Value>(&mut self, name: &str, index: &[i128], q: Quad<V>) -> Result<Sig<V>, OpError> {
        match q.product {
            None => Ok(q.linear),
            Some((a, b)) => {
                let val = a.val.checked_mul(b.val)?.checked_add(q.linear.val)?;
                // An integer operator's field hints (inverses) never reach
                // a wire, so the value is the wire's value.
                let w = self.alloc(WireKind::Internal, val.to_fr(), || label(name, index));
                let out = Sig { lc: Lc::wire(w), val };
                let c = out.sub(&q.linear)?;
                self.push_row(&a.lc, &b.lc, &c.lc, || label(name, index))?;
                Ok(out)
            }
        }
    }

    /// Constrains `lhs == rhs`; together the two sides may hold one product.
    /// The row is named by the equation's text and the loop indices it was
    /// made at: `(acc == x)[3]`.
    pub fn enforce<V: Value>(&mut self, name: &str, index: &[i128], lhs: Quad<V>, rhs: Quad<V>) -> Result<(), OpError> {
        let d = lhs.checked_sub(rhs)?;
        let (a, b, c) = match d.product {
            // a*b + l == 0  <=>  a*b == -l
            Some((a, b)) => (a.lc, b.lc, d.linear.neg()?.lc),
            None => (d.linear.lc, Lc::constant(V::ONE), Lc::constant(V::ZERO)),
        };
        self.push_row(&a, &b, &c, || label(&format!("({name})"), index))
    }

    /// Counts a row, or refuses it beyond the builder's limit.
    fn count_row(&mut self) -> Result<(), OpError> {
        if self.rows == self.limit {
            return Err(OpError::TooManyConstraints {
                op: "",
                limit: self.limit,
            });
        }
        self.rows += 1;
        Ok(())
    }

    fn push_row<V: Value>(
        &mut self,
        a: &Lc<V>,
        b: &Lc<V>,
        c: &Lc<V>,
        name: impl FnOnce() -> String,
    ) -> Result<(), OpError> {
        self.count_row()?;
        if self.keep == Keep::Count {
            return Ok(());
        }
        self.a.push(a);
        self.b.push(b);
        self.c.push(c);
        if self.keep == Keep::Named {
            let n = self.path(name());
            self.row_names.push(n);
        }
        Ok(())
    }

    /// Registers a forgery before synthesis: the hint at `path` gets
    /// `f(honest value)`, and later hints are computed from the forged one.
    pub fn forge(&mut self, path: impl Into<String>, f: impl Fn(i128) -> i128 + Send + Sync + 'static) {
        assert_eq!(self.keep, Keep::Named, "forgeries need a named builder");
        self.forgeries.push((path.into(), Box::new(f)));
    }

    /// Overwrites a wire's value; a counting builder keeps none.
    pub fn set_value(&mut self, w: Wire, v: Fr) {
        if let Some(slot) = self.values.get_mut(w as usize) {
            *slot = v;
        }
    }

    pub fn value(&self, w: Wire) -> Fr {
        self.values[w as usize]
    }

    pub fn num_constraints(&self) -> usize {
        self.rows
    }

    pub fn num_wires(&self) -> usize {
        self.kinds.len()
    }

    /// Constraints whose two factors both contain a wire: what circom counts
    /// as non-linear.
    pub fn num_nonlinear(&self) -> usize {
        let varying = |m: &Matrix, i: usize| m.row(i).iter().any(|&(w, _)| w != 0);
        (0..self.a.rows())
            .filter(|&i| varying(&self.a, i) && varying(&self.b, i))
            .count()
    }

    pub fn kind(&self, w: Wire) -> WireKind {
        self.kinds[w as usize]
    }

    pub fn kinds(&self) -> &[WireKind] {
        &self.kinds
    }

    pub fn values(&self) -> &[Fr] {
        &self.values
    }

    pub fn matrices(&self) -> (&Matrix, &Matrix, &Matrix) {
        (&self.a, &self.b, &self.c)
    }

    /// Hint wires in allocation order.
    pub fn hints(&self) -> &[Wire] {
        &self.hints
    }

    /// The name of a wire (named builders only; otherwise its number).
    pub fn wire_name(&self, w: Wire) -> String {
        self.wire_names
            .get(w as usize)
            .cloned()
            .unwrap_or_else(|| format!("w{w}"))
    }

    /// The name of a row (named builders only; otherwise its number).
    pub fn row_name(&self, i: usize) -> String {
        self.row_names
            .get(i)
            .cloned()
            .unwrap_or_else(|| format!("constraint {i}"))
    }

    fn eval_row(&self, row: &[(Wire, Fr)]) -> Fr {
        row.iter().map(|&(w, c)| self.values[w as usize] * c).sum()
    }

    /// The first constraint the witness violates, by name.
    pub fn which_unsatisfied(&self) -> Option<String> {
        (0..self.a.rows())
            .find(|&i| self.eval_row(self.a.row(i)) * self.eval_row(self.b.row(i)) != self.eval_row(self.c.row(i)))
            .map(|i| self.row_name(i))
    }

    pub fn is_satisfied(&self) -> bool {
        self.which_unsatisfied().is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::fr_from_i128;

    #[test]
    fn linear_work_is_free_and_products_cost_one() {
        let mut cs = Builder::with_names();
        let x = cs.input("x", &[], 3, false);
        let y = cs.input("y", &[], -4, false);
        let s = x.add(&y).unwrap().scale(5).unwrap();
        assert_eq!(cs.num_constraints(), 0);
        assert_eq!(s.val, -5);
        let p = cs.wire("p", &[], Quad::mul(x.clone(), y).unwrap()).unwrap();
        assert_eq!(p.val, -12);
        let q = cs.wire("q", &[], Quad::mul(x, Sig::constant(7)).unwrap()).unwrap();
        assert_eq!(q.val, 21);
        assert_eq!(cs.num_constraints(), 1);
        assert!(cs.is_satisfied());
    }

    #[test]
    fn a_violated_constraint_is_reported_by_path() {
        let mut cs = Builder::with_names();
        cs.enter("layer", &[2]);
        let x = cs.input("x", &[], 3, false);
        let h = cs.hint("h", &[0], 3);
        cs.enforce("same", &[0], Quad::lin(x), Quad::lin(h.clone())).unwrap();
        cs.leave();
        assert!(cs.is_satisfied());
        let w = h.lc.terms[0].0;
        assert_eq!(cs.wire_name(w), "layer[2]/h[0]");
        cs.set_value(w, fr_from_i128(4));
        assert_eq!(cs.which_unsatisfied().as_deref(), Some("layer[2]/(same)[0]"));
    }

    /// An integer combination's terms repeat and come in any order; its
    /// field form sums them by wire, sorted, and drops the zeros.
    #[test]
    fn integer_combinations_become_canonical_field_combinations() {
        let mut cs = Builder::with_names();
        let x = cs.input("x", &[], 3, false);
        let y = cs.input("y", &[], -4, false);
        let s = (y.scale(2).and_then(|t| t.add(&x)))
            .and_then(|t| t.sub(&y.scale(2)?))
            .and_then(|t| t.add(&x.scale(-5)?))
            .and_then(|t| t.add(&Sig::constant(7)))
            .unwrap();
        let f = s.to_field().unwrap();
        let (wx, wy) = (x.lc.terms[0].0, y.lc.terms[0].0);
        assert!(wx < wy);
        assert_eq!(f.lc.terms.as_slice(), &[(wx, fr_from_i128(-4))]);
        assert_eq!(f.lc.constant, fr_from_i128(7));
        assert_eq!((f.val, cs.eval(&f.lc)), (fr_from_i128(-5), fr_from_i128(-5)));
    }

    #[test]
    fn forged_hints_replace_honest_values() {
        let mut cs = Builder::with_names();
        cs.forge("h", |v| v + 1);
        let h = cs.hint("h", &[], 10);
        assert_eq!(h.val, 11);
    }

    /// An integer operator's field hint (an inverse) is forged too, by the
    /// forgery's affine extension.
    #[test]
    fn forged_field_hints_replace_honest_values() {
        let mut cs = Builder::with_names();
        cs.forge("inv", |v| 1 - v);
        let inv = cs.hint_field("inv", &[], Fr::from(7u64));
        assert_eq!(cs.eval(&inv.lc), Fr::from(1u64) - Fr::from(7u64));
        let other = cs.hint_field("other", &[], Fr::from(7u64));
        assert_eq!(cs.eval(&other.lc), Fr::from(7u64));
    }
}
