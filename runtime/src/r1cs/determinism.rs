//! Which wires the inputs determine: a static check in the spirit of Ecne
//! (Wang, Ozdemir et al., "Automated Detection of Under-Constrained
//! Circuits in Zero-Knowledge Proofs", PLDI 2023).
//!
//! Starting from wires known to be fixed (the constant one and the inputs),
//! the checker applies rules that are sound over BN254 until nothing changes.
//! A wire it marks takes the same value in every satisfying assignment that
//! agrees on the starting wires. The rules are incomplete, so an unmarked
//! wire need not be free; but an unmarked hint is where under-constrained
//! circuits forge proofs (spec section 3), so it deserves a look.
//!
//! The rules:
//! 1. a row that is linear in its unknown wires and has one of them fixes it;
//! 2. `A * B = C` with `A` and `B` fixed is linear in `C`'s wires;
//! 3. a row in one wire that reads `b * (b - 1) = 0` makes `b` boolean;
//! 4. a linear row whose unknowns are booleans weighted by distinct powers of
//!    two, up to one common factor and spanning at most `2^250`, fixes them
//!    all, since the weighted sum stays below the modulus and is injective;
//! 5. `x * y = c * out + known` with `x` fixed, together with a guard
//!    `x' * (t * out + t0) = u * x'` where `x'` is a non-zero multiple of `x`,
//!    fixes `out`: when `x = 0` the first row pins it, otherwise the guard.
//! 6. `q * d = f - r` with `d` and `f` fixed, where bit decompositions prove
//!    `q`, `r` and `d - 1 - r` non-negative and below `2^kq`, `2^kr` and
//!    `2^ks`, fixes `q` and `r` when `kq + max(kr, ks) + 1 <= 253`: then `d`
//!    is the integer `1 + r + (d - 1 - r)`, at least 1 and more than `r`,
//!    `q d + r` stays below the modulus, and Euclid's division of `f` by `d`
//!    has one quotient and one remainder in `[0, d)`.
//!
//! Each wire lists the rows it occurs in and each row counts its unknowns,
//! so a row is looked at again only when one of its unknowns gets fixed,
//! and a system of a million rows takes about a second.

use super::{Builder, Matrix, Wire, WireKind};
use crate::field::Fr;
use ark_ff::{Field, One, Zero};
use std::collections::HashMap;
use std::fmt::Write;

/// The outcome of a determinism check.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Targets the rules could not prove determined, in the order given.
    pub undetermined: Vec<Wire>,
    /// How many wires were proven determined, the starting ones included.
    pub determined: usize,
}

impl Report {
    pub fn is_ok(&self) -> bool {
        self.undetermined.is_empty()
    }

    /// The undetermined targets by name, one a line.
    pub fn describe(&self, cs: &Builder) -> String {
        if self.is_ok() {
            return format!(
                "every target is determined by the inputs ({} wires proven)",
                self.determined
            );
        }
        let mut s = format!(
            "{} target wire(s) not proven determined by the inputs:",
            self.undetermined.len()
        );
        for &w in &self.undetermined {
            let kind = match cs.kinds().get(w as usize) {
                Some(WireKind::One) => "constant",
                Some(WireKind::Input { .. }) => "input",
                Some(WireKind::Hint) => "hint",
                Some(WireKind::Internal) => "internal",
                None => "unallocated",
            };
            let _ = write!(s, "\n  {} ({kind})", cs.wire_name(w));
        }
        s
    }
}

/// Checks that every target is determined by the circuit's inputs (every
/// [`WireKind::Input`] wire) in every satisfying assignment. The builder
/// must keep its rows: a counting builder has none, so nothing beyond the
/// inputs can be proven.
pub fn check_determinism(cs: &Builder, targets: &[Wire]) -> Report {
    let inputs: Vec<Wire> = cs
        .kinds()
        .iter()
        .enumerate()
        .filter(|(_, k)| matches!(k, WireKind::Input { .. }))
        .map(|(w, _)| w as Wire)
        .collect();
    check_determinism_from(cs, &inputs, targets)
}

/// Like [`check_determinism`], but starting from `known` (and wire 0)
/// instead of the inputs: to ask, say, what a layer's inputs alone fix.
pub fn check_determinism_from(cs: &Builder, known: &[Wire], targets: &[Wire]) -> Report {
    let mut solver = Solver::new(cs, known);
    solver.run();
    let undetermined = targets
        .iter()
        .copied()
        .filter(|&t| match solver.det.get(t as usize) {
            Some(&d) => !d,
            // A wire no row mentions is fixed only if it was given.
            None => !known.contains(&t),
        })
        .collect();
    Report {
        undetermined,
        determined: solver.det.iter().filter(|&&d| d).count(),
    }
}

/// Exponents of the powers of two rule 4 accepts: `2^251 - 1` is the
/// largest sum of such powers, below the modulus (about `2^253.6`).
const MAX_EXP: i32 = 250;
/// At most this many distinct exponents fit in `0..=MAX_EXP`.
const MAX_BITS: u32 = MAX_EXP as u32 + 1;

/// Rule 6's width: `2^253` is below the modulus, so a quotient times a
/// divisor plus a remainder within it cannot wrap.
const MAX_DIVISION_BITS: u32 = 253;

/// Counter slots of a row: the two factors of a product, and its linear part.
const A: usize = 0;
const B: usize = 1;
const EQ: usize = 2;

const QUADRATIC: u8 = 1;
const QUEUED: u8 = 2;
/// Rule 5 is tried once per fixed factor: once a factor is fixed and `C` has
/// one unknown left, nothing it depends on changes until that unknown is fixed.
const TRIED: [u8; 2] = [4, 8];
/// Rule 6 likewise, once per fixed factor whose other factor has one unknown.
const DIVIDED: [u8; 2] = [16, 32];

type Terms = Vec<(Wire, Fr)>;

#[derive(Clone, Copy, Default)]
struct RowState {
    /// Unknown wires in A, in B (products only) and in the linear part.
    unknown: [u32; 3],
    /// Unknown wires of the linear part that are not boolean.
    non_boolean: u32,
    /// XOR of the linear part's unknown wires: the last one when one is left.
    xor: Wire,
    flags: u8,
}

#[derive(Clone, Copy)]
struct Occurrence {
    row: usize,
    slot: u8,
}

/// Sorts by wire, merges repeated wires and drops zero coefficients, so
/// that counting, XOR and proportionality see each wire once.
fn normalize(t: &mut Terms) {
    if !t.windows(2).all(|p| p[0].0 < p[1].0) {
        t.sort_unstable_by_key(|p| p.0);
        t.dedup_by(|next, kept| {
            let same = next.0 == kept.0;
            if same {
                kept.1 += next.1;
            }
            same
        });
    }
    t.retain(|p| !p.1.is_zero());
}

fn fill(out: &mut Terms, row: &[(Wire, Fr)]) {
    out.clear();
    out.extend_from_slice(row);
    normalize(out);
}

/// The value of a normalized combination without wires.
fn constant(lc: &[(Wire, Fr)]) -> Option<Fr> {
    match lc {
        [] => Some(Fr::zero()),
        [(0, k)] => Some(*k),
        _ => None,
    }
}

/// `k * other - c`: the linear row `k * other = c`.
fn linear_row(out: &mut Terms, k: Fr, other: &[(Wire, Fr)], c: &[(Wire, Fr)]) {
    out.clear();
    out.extend(other.iter().map(|&(w, x)| (w, k * x)));
    out.extend(c.iter().map(|&(w, x)| (w, -x)));
    normalize(out);
}

/// `k * other - c` without its constant term.
fn linear_part(out: &mut Terms, k: Fr, other: &[(Wire, Fr)], c: &[(Wire, Fr)]) {
    linear_row(out, k, other, c);
    out.retain(|p| p.0 != 0);
}

/// Whether two normalized combinations are non-zero multiples of each other.
fn proportional(x: &[(Wire, Fr)], y: &[(Wire, Fr)]) -> bool {
    let (Some(&(_, x0)), Some(&(_, y0))) = (x.first(), y.first()) else {
        return false;
    };
    x.len() == y.len()
        && x.iter()
            .zip(y)
            .all(|(&(wx, cx), &(wy, cy))| wx == wy && cx * y0 == cy * x0)
}

/// The wire a row proves boolean: a row in one wire `v` whose polynomial
/// `A(v) * B(v) - C(v)` is a non-zero multiple of `v^2 - v`, which covers
/// `b * (b - 1) = 0`, `b * (1 - b) = 0`, `b * b = b` and their scalings.
fn boolean_wire(a: &[(Wire, Fr)], b: &[(Wire, Fr)], c: &[(Wire, Fr)]) -> Option<Wire> {
    let mut v = None;
    for &(w, _) in a.iter().chain(b).chain(c) {
        if w != 0 && v.replace(w).is_some_and(|u| u != w) {
            return None;
        }
    }
    let v = v?;
    let split = |lc: &[(Wire, Fr)]| {
        lc.iter().fold(
            (Fr::zero(), Fr::zero()),
            |(k, l), &(w, x)| {
                if w == 0 {
                    (k + x, l)
                } else {
                    (k, l + x)
                }
            },
        )
    };
    let (a0, s) = split(a);
    let (b0, t) = split(b);
    let (c0, u) = split(c);
    let lead = s * t;
    (!lead.is_zero() && s * b0 + a0 * t - u == -lead && a0 * b0 == c0).then_some(v)
}

/// The wire of a factor `t * out + t0`, `t != 0`.
fn single_wire(lc: &[(Wire, Fr)]) -> Option<Wire> {
    match lc {
        [(w, _)] | [(0, _), (w, _)] if *w != 0 => Some(*w),
        _ => None,
    }
}

/// `2^e -> e` for `|e| <= MAX_EXP`: ratios of rule 4's coefficients.
fn powers_of_two() -> HashMap<Fr, i32> {
    let two = Fr::one() + Fr::one();
    let half = two.inverse().expect("2 is a unit in a field of odd order");
    let mut table = HashMap::with_capacity(2 * MAX_EXP as usize + 1);
    let (mut up, mut down) = (Fr::one(), Fr::one());
    table.insert(up, 0);
    for e in 1..=MAX_EXP {
        up *= two;
        down *= half;
        table.insert(up, e);
        table.insert(down, -e);
    }
    table
}

/// A row's factors, normalized, and its linear part.
#[derive(Default)]
struct Loaded {
    a: Terms,
    b: Terms,
    c: Terms,
    eq: Terms,
}

impl Loaded {
    /// Loads row `i`; returns whether it is a genuine product. A row with a
    /// constant factor is the linear equation `k * other - C = 0`; a product
    /// is linear in `C` only once both factors are fixed.
    fn load(&mut self, (ma, mb, mc): (&Matrix, &Matrix, &Matrix), i: usize) -> bool {
        fill(&mut self.a, ma.row(i));
        fill(&mut self.b, mb.row(i));
        fill(&mut self.c, mc.row(i));
        match (constant(&self.a), constant(&self.b)) {
            (Some(k), _) => {
                linear_part(&mut self.eq, k, &self.b, &self.c);
                false
            }
            (None, Some(k)) => {
                linear_part(&mut self.eq, k, &self.a, &self.c);
                false
            }
            (None, None) => {
                self.eq.clear();
                self.eq.extend(self.c.iter().filter(|p| p.0 != 0));
                true
            }
        }
    }
}

struct Solver<'a> {
    matrices: (&'a Matrix, &'a Matrix, &'a Matrix),
    det: Vec<bool>,
    boolean: Vec<bool>,
    rows: Vec<RowState>,
    /// Occurrences of wire `w`: `occ[occ_start[w]..occ_start[w + 1]]`.
    occ_start: Vec<usize>,
    occ: Vec<Occurrence>,
    /// Rule 5's guards `(out, row, slot of x')`, sorted by `out`.
    guards: Vec<(Wire, usize, usize)>,
    queue: Vec<usize>,
    loaded: Loaded,
    guard_x: Terms,
    powers: HashMap<Fr, i32>,
}

impl<'a> Solver<'a> {
    fn new(cs: &'a Builder, known: &[Wire]) -> Solver<'a> {
        let matrices = cs.matrices();
        let (ma, mb, mc) = matrices;
        let m = ma.rows().min(mb.rows()).min(mc.rows());
        // Rows may name wires the builder never allocated (a hand-made `Lc`).
        let mut n = cs.num_wires().max(1);
        for i in 0..m {
            for row in [ma.row(i), mb.row(i), mc.row(i)] {
                for &(w, _) in row {
                    n = n.max(w as usize + 1);
                }
            }
        }
        let mut det = vec![false; n];
        det[0] = true;
        for &w in known {
            if let Some(d) = det.get_mut(w as usize) {
                *d = true;
            }
        }

        let mut boolean = vec![false; n];
        let mut rows = vec![RowState::default(); m];
        let mut guards = Vec::new();
        let mut pending: Vec<(Wire, Occurrence)> = Vec::new();
        let mut l = Loaded::default();
        for (i, st) in rows.iter_mut().enumerate() {
            let quadratic = l.load(matrices, i);
            if let Some(v) = boolean_wire(&l.a, &l.b, &l.c) {
                boolean[v as usize] = true;
            }
            if quadratic {
                st.flags |= QUADRATIC;
                for (side, x, x_slot) in [(&l.a, &l.b, B), (&l.b, &l.a, A)] {
                    if let Some(out) = single_wire(side) {
                        if l.c.is_empty() || proportional(&l.c, x) {
                            guards.push((out, i, x_slot));
                        }
                    }
                }
            }
            let parts: [(usize, &Terms); 3] = [(A, &l.a), (B, &l.b), (EQ, &l.eq)];
            for (slot, lc) in parts {
                if slot != EQ && !quadratic {
                    continue;
                }
                for &(w, _) in lc {
                    if w != 0 && !det[w as usize] {
                        st.unknown[slot] += 1;
                        if slot == EQ {
                            st.xor ^= w;
                        }
                        pending.push((
                            w,
                            Occurrence {
                                row: i,
                                slot: slot as u8,
                            },
                        ));
                    }
                }
            }
        }
        guards.sort_unstable_by_key(|g| g.0);

        let mut occ_start = vec![0usize; n + 1];
        for &(w, o) in &pending {
            occ_start[w as usize + 1] += 1;
            if o.slot as usize == EQ && !boolean[w as usize] {
                rows[o.row].non_boolean += 1;
            }
        }
        for w in 0..n {
            occ_start[w + 1] += occ_start[w];
        }
        let mut next = occ_start.clone();
        let mut occ = vec![Occurrence { row: 0, slot: 0 }; pending.len()];
        for (w, o) in pending {
            occ[next[w as usize]] = o;
            next[w as usize] += 1;
        }

        Solver {
            matrices,
            det,
            boolean,
            rows,
            occ_start,
            occ,
            guards,
            queue: Vec::new(),
            loaded: l,
            guard_x: Vec::new(),
            powers: powers_of_two(),
        }
    }

    /// Visits every row once, then each row again whenever one of its
    /// counters drops; the explicit queue keeps deep chains off the stack.
    fn run(&mut self) {
        self.queue = (0..self.rows.len()).rev().collect();
        for st in &mut self.rows {
            st.flags |= QUEUED;
        }
        while let Some(i) = self.queue.pop() {
            self.rows[i].flags &= !QUEUED;
            self.visit(i);
        }
    }

    fn determine(&mut self, w: Wire) {
        let wi = w as usize;
        if self.det[wi] {
            return;
        }
        self.det[wi] = true;
        for k in self.occ_start[wi]..self.occ_start[wi + 1] {
            let o = self.occ[k];
            let st = &mut self.rows[o.row];
            let slot = o.slot as usize;
            st.unknown[slot] -= 1;
            if slot == EQ {
                st.xor ^= w;
                if !self.boolean[wi] {
                    st.non_boolean -= 1;
                }
            }
            if st.flags & QUEUED == 0 {
                st.flags |= QUEUED;
                self.queue.push(o.row);
            }
        }
    }

    fn visit(&mut self, i: usize) {
        let st = self.rows[i];
        if st.unknown[A] == 0 && st.unknown[B] == 0 {
            match st.unknown[EQ] {
                0 => {}
                1 => self.determine(st.xor),
                u if st.non_boolean == 0 && u <= MAX_BITS => self.try_bits(i),
                _ => {}
            }
        } else if st.flags & QUADRATIC != 0 && st.unknown[EQ] == 1 {
            for side in [A, B] {
                if st.unknown[side] == 0 && st.flags & TRIED[side] == 0 {
                    self.rows[i].flags |= TRIED[side];
                    self.try_is_zero(i, side, st.xor);
                }
                if st.unknown[side] == 0 && st.unknown[A + B - side] == 1 && st.flags & DIVIDED[side] == 0 {
                    self.rows[i].flags |= DIVIDED[side];
                    self.try_division(i, side, st.xor);
                }
            }
        }
    }

    /// Rule 4 on row `i`, whose factors are fixed and whose unknowns are
    /// all boolean (its `non_boolean` count is zero).
    fn try_bits(&mut self, i: usize) {
        self.loaded.load(self.matrices, i);
        let unknown: Vec<(Wire, Fr)> = self
            .loaded
            .eq
            .iter()
            .copied()
            .filter(|&(w, _)| !self.det[w as usize])
            .collect();
        let Some(inv) = unknown.first().and_then(|&(_, c)| c.inverse()) else {
            return;
        };
        let mut exps = Vec::with_capacity(unknown.len());
        for &(_, c) in &unknown {
            match self.powers.get(&(c * inv)) {
                Some(&e) => exps.push(e),
                None => return,
            }
        }
        exps.sort_unstable();
        let (Some(&lo), Some(&hi)) = (exps.first(), exps.last()) else {
            return;
        };
        if hi - lo > MAX_EXP || exps.windows(2).any(|p| p[0] == p[1]) {
            return;
        }
        for (w, _) in unknown {
            self.determine(w);
        }
    }

    /// Rule 5 on row `i`, whose factor `side` is fixed and whose `C` has the
    /// single unknown `out`.
    fn try_is_zero(&mut self, i: usize, side: usize, out: Wire) {
        self.loaded.load(self.matrices, i);
        let x = if side == A { &self.loaded.a } else { &self.loaded.b };
        let (ma, mb, _) = self.matrices;
        let first = self.guards.partition_point(|g| g.0 < out);
        let mut found = false;
        for &(_, g, x_slot) in self.guards[first..].iter().take_while(|g| g.0 == out) {
            fill(&mut self.guard_x, if x_slot == A { ma.row(g) } else { mb.row(g) });
            if proportional(x, &self.guard_x) {
                found = true;
                break;
            }
        }
        if found {
            self.determine(out);
        }
    }

    /// Rule 6 on row `i`, whose factor `side` (the divisor `d`) is fixed,
    /// whose other factor has one unknown and whose `C` has the single
    /// unknown `r`.
    fn try_division(&mut self, i: usize, side: usize, r: Wire) {
        if self.det[r as usize] {
            return;
        }
        self.loaded.load(self.matrices, i);
        let (d, q) = if side == A {
            (&self.loaded.a, &self.loaded.b)
        } else {
            (&self.loaded.b, &self.loaded.a)
        };
        let &[(q, unit)] = q.as_slice() else { return };
        let minus_one = -Fr::one();
        let r_in_c = self.loaded.c.iter().find(|p| p.0 == r).map(|p| p.1);
        if q == 0 || q == r || !unit.is_one() || r_in_c != Some(minus_one) {
            return;
        }
        let mut slack = d.clone();
        slack.extend([(0, minus_one), (r, minus_one)]);
        normalize(&mut slack);
        let kq = self.bound(&[(q, Fr::one())], q);
        let kr = self.bound(&[(r, Fr::one())], r);
        let ks = self.bound(&slack, r);
        if let (Some(kq), Some(kr), Some(ks)) = (kq, kr, ks) {
            if kq + kr.max(ks) < MAX_DIVISION_BITS {
                self.determine(q);
                self.determine(r);
            }
        }
    }

    /// The smallest `k` for which a linear row mentioning `via` proves
    /// `0 <= lc < 2^k`: a row that is a non-zero multiple of
    /// `sum 2^e_j b_j - lc`, the `b_j` boolean and the `e_j` distinct.
    fn bound(&mut self, lc: &[(Wire, Fr)], via: Wire) -> Option<u32> {
        let lc_via = lc.iter().find(|p| p.0 == via)?.1;
        let (ma, mb, mc) = self.matrices;
        let mut best = None;
        let mut row = Terms::new();
        let mut sum = Terms::new();
        for k in self.occ_start[via as usize]..self.occ_start[via as usize + 1] {
            let o = self.occ[k];
            if o.slot as usize != EQ || self.rows[o.row].flags & QUADRATIC != 0 {
                continue;
            }
            fill(&mut self.loaded.a, ma.row(o.row));
            fill(&mut self.loaded.b, mb.row(o.row));
            fill(&mut self.loaded.c, mc.row(o.row));
            let l = &self.loaded;
            match (constant(&l.a), constant(&l.b)) {
                (Some(k), _) => linear_row(&mut row, k, &l.b, &l.c),
                (None, Some(k)) => linear_row(&mut row, k, &l.a, &l.c),
                (None, None) => continue,
            }
            let Some(inv_row_via) = row.iter().find(|p| p.0 == via).and_then(|p| p.1.inverse()) else {
                continue;
            };
            // A satisfied row is zero, so `sum = row / mu + lc` equals `lc`
            // for any `mu`; `mu = -row_via / lc_via` cancels `via`.
            let inv_mu = -lc_via * inv_row_via;
            sum.clear();
            sum.extend(row.iter().map(|&(w, x)| (w, x * inv_mu)));
            sum.extend_from_slice(lc);
            normalize(&mut sum);
            if let Some(k) = self.width_of_bits(&sum) {
                best = Some(best.map_or(k, |b: u32| b.min(k)));
            }
        }
        best
    }

    /// `Some(max e + 1)` when `sum` is `sum 2^e_j b_j` over boolean wires
    /// with distinct `e_j >= 0`, without a constant term.
    fn width_of_bits(&self, sum: &[(Wire, Fr)]) -> Option<u32> {
        let mut exps = Vec::with_capacity(sum.len());
        for &(w, x) in sum {
            if w == 0 || !self.boolean[w as usize] {
                return None;
            }
            match self.powers.get(&x) {
                Some(&e) if e >= 0 => exps.push(e),
                _ => return None,
            }
        }
        exps.sort_unstable();
        if exps.windows(2).any(|p| p[0] == p[1]) {
            return None;
        }
        Some(exps.last().map_or(0, |&e| e as u32 + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::r1cs::{Quad, Sig};
    use std::time::Instant;

    fn wire_of(s: &Sig) -> Wire {
        s.lc.terms[0].0
    }

    fn lin(s: &Sig) -> Quad {
        Quad::lin(s.clone())
    }

    fn boolean(cs: &mut Builder, name: &str, i: i128, b: &Sig) {
        let minus_one = b.sub(&Sig::constant(1)).unwrap();
        cs.enforce(
            name,
            &[i],
            Quad::mul(b.clone(), minus_one).unwrap(),
            lin(&Sig::constant(0)),
        )
        .unwrap();
    }

    /// Hints for the `k` low bits of `v`, each checked boolean unless its
    /// index is `unchecked`, and their weighted sum with weights `weight(i)`.
    fn bits(
        cs: &mut Builder,
        name: &str,
        v: i128,
        k: usize,
        unchecked: Option<usize>,
        weight: impl Fn(usize) -> i128,
    ) -> (Vec<Sig>, Sig) {
        let mut sum = Sig::constant(0);
        let mut out = Vec::new();
        for i in 0..k {
            let b = cs.hint(name, &[i as i128], (v >> i) & 1);
            if unchecked != Some(i) {
                boolean(cs, &format!("{name}_bool"), i as i128, &b);
            }
            sum = sum.add(&b.scale(weight(i)).unwrap()).unwrap();
            out.push(b);
        }
        (out, sum)
    }

    trait Check {
        fn report(&self, targets: &[Wire]) -> Report;
    }

    impl Check for Builder {
        fn report(&self, targets: &[Wire]) -> Report {
            assert!(self.is_satisfied(), "{:?}", self.which_unsatisfied());
            check_determinism(self, targets)
        }
    }

    fn wires(sigs: &[Sig]) -> Vec<Wire> {
        sigs.iter().map(wire_of).collect()
    }

    #[test]
    fn products_of_inputs_are_determined() {
        let mut cs = Builder::with_names();
        let x = cs.input("x", &[], 3, false);
        let y = cs.input("y", &[], 5, true);
        let p = cs.wire("p", &[], Quad::mul(x.clone(), y).unwrap()).unwrap();
        let q = cs
            .wire(
                "q",
                &[],
                Quad::mul(p.clone(), x.add(&Sig::constant(1)).unwrap()).unwrap(),
            )
            .unwrap();
        let r = cs.report(&[wire_of(&p), wire_of(&q)]);
        assert!(r.is_ok(), "{}", r.describe(&cs));
    }

    #[test]
    fn a_free_hint_is_reported_by_name() {
        let mut cs = Builder::with_names();
        let x = cs.input("x", &[], 4, false);
        cs.enter("layer", &[1]);
        // h * h = x has two roots.
        let h = cs.hint("h", &[0], 2);
        cs.enforce("sq", &[], Quad::mul(h.clone(), h.clone()).unwrap(), lin(&x))
            .unwrap();
        cs.leave();
        let r = cs.report(&[wire_of(&h)]);
        assert_eq!(r.undetermined, vec![wire_of(&h)]);
        let text = r.describe(&cs);
        assert!(text.contains("layer[1]/h[0] (hint)"), "{text}");
    }

    #[test]
    fn a_linear_row_with_two_unknowns_fixes_neither() {
        let mut cs = Builder::with_names();
        let x = cs.input("x", &[], 4, false);
        let h1 = cs.hint("h1", &[], 1);
        let h2 = cs.hint("h2", &[], 3);
        cs.enforce("sum", &[], lin(&h1.add(&h2).unwrap()), lin(&x)).unwrap();
        let r = cs.report(&[wire_of(&h1), wire_of(&h2)]);
        assert_eq!(r.undetermined, vec![wire_of(&h1), wire_of(&h2)]);
        // Once one is pinned the other follows.
        cs.enforce("pin", &[], lin(&h1.scale(3).unwrap()), lin(&Sig::constant(3)))
            .unwrap();
        assert!(cs.report(&[wire_of(&h1), wire_of(&h2)]).is_ok());
    }

    #[test]
    fn a_wire_that_cancels_out_is_not_determined() {
        let mut cs = Builder::with_names();
        let x = cs.input("x", &[], 4, false);
        let h = cs.hint("h", &[], 7);
        cs.enforce("void", &[], lin(&h.add(&x).unwrap()), lin(&h.add(&x).unwrap()))
            .unwrap();
        assert_eq!(cs.report(&[wire_of(&h)]).undetermined, vec![wire_of(&h)]);
    }

    #[test]
    fn a_known_product_does_not_fix_its_other_factor() {
        let mut cs = Builder::with_names();
        let x = cs.input("x", &[], 0, false);
        let y = cs.input("y", &[], 0, false);
        let h = cs.hint("h", &[], 9);
        cs.enforce("div", &[], Quad::mul(x, h.clone()).unwrap(), lin(&y))
            .unwrap();
        assert_eq!(cs.report(&[wire_of(&h)]).undetermined, vec![wire_of(&h)]);
    }

    #[test]
    fn a_bit_decomposition_fixes_its_bits() {
        let mut cs = Builder::with_names();
        let x = cs.input("x", &[], 0b1011_0110, false);
        let (b, sum) = bits(&mut cs, "b", 0b1011_0110, 8, None, |i| 1 << i);
        cs.enforce("sum", &[], lin(&sum), lin(&x)).unwrap();
        let r = cs.report(&wires(&b));
        assert!(r.is_ok(), "{}", r.describe(&cs));
    }

    #[test]
    fn bits_written_as_b_times_b_with_a_common_factor_are_fixed() {
        let mut cs = Builder::with_names();
        let x = cs.input("x", &[], -3 * 0b101, false);
        let mut sum = Sig::constant(0);
        let mut ws = Vec::new();
        for i in 0..3 {
            let b = cs.hint("b", &[i], (0b101 >> i) & 1);
            // b * b == b, the other way to say boolean.
            cs.enforce("bool", &[i], Quad::mul(b.clone(), b.clone()).unwrap(), lin(&b))
                .unwrap();
            sum = sum.add(&b.scale(-3 << i).unwrap()).unwrap();
            ws.push(wire_of(&b));
        }
        cs.enforce("sum", &[], lin(&sum), lin(&x)).unwrap();
        assert!(cs.report(&ws).is_ok());
    }

    #[test]
    fn a_bit_without_its_boolean_check_fixes_nothing() {
        let mut cs = Builder::with_names();
        let x = cs.input("x", &[], 0b1011, false);
        let (b, sum) = bits(&mut cs, "b", 0b1011, 4, Some(2), |i| 1 << i);
        cs.enforce("sum", &[], lin(&sum), lin(&x)).unwrap();
        let r = cs.report(&wires(&b));
        assert_eq!(r.undetermined, wires(&b));
        assert!(r.describe(&cs).contains("b[2]"));
    }

    /// `f = q d + r` with `q` given `kq` bits and, when `top` is set, one
    /// more (zero) at `2^top`, and `r` and (when `slack`) `d - 1 - r` each
    /// `kr` bits; returns `q`, `r` and every bit.
    fn division(
        cs: &mut Builder,
        (f, d): (i128, i128),
        (kq, kr): (usize, usize),
        top: Option<u32>,
        slack: bool,
    ) -> Vec<Wire> {
        let fs = cs.input("f", &[], f, false);
        let ds = cs.input("d", &[], d, false);
        let (qv, rv) = (f.div_euclid(d), f.rem_euclid(d));
        let q = cs.hint("q", &[], qv);
        let r = cs.hint("r", &[], rv);
        let mut targets = vec![wire_of(&q), wire_of(&r)];
        let (qb, qsum) = bits(cs, "qb", qv, kq, None, |i| 1 << i);
        targets.extend(wires(&qb));
        let mut qsum = qsum.to_field().unwrap();
        if let Some(e) = top {
            let b = cs.hint("top", &[], Fr::zero());
            let minus_one = b.sub(&Sig::constant(Fr::one())).unwrap();
            let zero = Quad::lin(Sig::constant(Fr::zero()));
            cs.enforce("top_bool", &[], Quad::mul(b.clone(), minus_one).unwrap(), zero)
                .unwrap();
            let weight = (Fr::one() + Fr::one()).pow([u64::from(e)]);
            qsum = qsum.add(&b.scale(weight).unwrap()).unwrap();
            targets.push(b.lc.terms[0].0);
        }
        cs.enforce("qb", &[], Quad::lin(qsum), Quad::lin(q.to_field().unwrap()))
            .unwrap();
        let mut ranged = vec![("rb", r.clone(), rv)];
        if slack {
            let s = ds.sub(&r).unwrap().sub(&Sig::constant(1)).unwrap();
            ranged.push(("sb", s, d - 1 - rv));
        }
        for (name, v, value) in ranged {
            let (b, sum) = bits(cs, name, value, kr, None, |i| 1 << i);
            cs.enforce(name, &[], lin(&sum), lin(&v)).unwrap();
            targets.extend(wires(&b));
        }
        cs.enforce("div", &[], Quad::mul(q, ds).unwrap(), lin(&fs.sub(&r).unwrap()))
            .unwrap();
        targets
    }

    #[test]
    fn a_bounded_division_fixes_its_quotient_remainder_and_bits() {
        let mut cs = Builder::with_names();
        let targets = division(&mut cs, (1000, 7), (8, 3), None, true);
        let r = cs.report(&targets);
        assert!(r.is_ok(), "{}", r.describe(&cs));
    }

    #[test]
    fn a_remainder_not_proven_below_the_divisor_fixes_nothing() {
        // 1000 = 142 * 7 + 6 = 141 * 7 + 13: without r < d both hold.
        let mut cs = Builder::with_names();
        let targets = division(&mut cs, (1000, 7), (8, 4), None, false);
        assert_eq!(cs.report(&targets[..2]).undetermined, targets[..2]);
    }

    #[test]
    fn a_division_that_could_wrap_fixes_nothing() {
        // q < 2^(e + 1) and r, d - 1 - r < 2^3: fixed only when
        // e + 1 + 3 + 1 <= 253.
        for (e, fixed) in [(248, true), (249, false)] {
            let mut cs = Builder::with_names();
            let targets = division(&mut cs, (1000, 7), (8, 3), Some(e), true);
            let r = cs.report(&targets[..2]);
            assert_eq!(r.is_ok(), fixed, "e = {e}: {}", r.describe(&cs));
        }
    }

    #[test]
    fn a_square_with_other_roots_is_no_bit() {
        let mut cs = Builder::with_names();
        let x = cs.input("x", &[], 2, false);
        // b * (b - 2) = 0 lets b be 0 or 2, so b + 2c = 2 has two solutions.
        let b = cs.hint("b", &[], 2);
        let two_less = b.sub(&Sig::constant(2)).unwrap();
        cs.enforce(
            "b_sq",
            &[],
            Quad::mul(b.clone(), two_less).unwrap(),
            lin(&Sig::constant(0)),
        )
        .unwrap();
        let c = cs.hint("c", &[], 0);
        boolean(&mut cs, "c_bool", 0, &c);
        let sum = b.add(&c.scale(2).unwrap()).unwrap();
        cs.enforce("sum", &[], lin(&sum), lin(&x)).unwrap();
        let targets = vec![wire_of(&b), wire_of(&c)];
        assert_eq!(cs.report(&targets).undetermined, targets);
    }

    #[test]
    fn colliding_weights_fix_nothing() {
        let mut cs = Builder::with_names();
        let x = cs.input("x", &[], 0b0011, false);
        // Weights 1, 2, 2, 8: bits 1 and 2 can swap.
        let (b, sum) = bits(&mut cs, "b", 0b0011, 4, None, |i| if i == 2 { 2 } else { 1 << i });
        cs.enforce("sum", &[], lin(&sum), lin(&x)).unwrap();
        let r = cs.report(&wires(&b));
        assert_eq!(r.undetermined, wires(&b));
    }

    #[test]
    fn weights_spanning_more_than_2_pow_250_fix_nothing() {
        let mut cs = Builder::with_names();
        let x = cs.input("x", &[], 1, false);
        let lo = cs.hint("lo", &[], 1);
        boolean(&mut cs, "lo_bool", 0, &lo);
        let hi = cs.hint("hi", &[], 0);
        boolean(&mut cs, "hi_bool", 0, &hi);
        // lo + 2^251 * hi == x: the weight is too wide for an i128, so it
        // comes from a product with a constant factor, which Quad::mul
        // would fold.
        let wide = Quad {
            product: Some((hi.scale(1 << 126).unwrap(), Sig::constant(1 << 125))),
            linear: lo.clone(),
        };
        cs.enforce("sum", &[], wide, lin(&x)).unwrap();
        let targets = vec![wire_of(&lo), wire_of(&hi)];
        assert_eq!(cs.report(&targets).undetermined, targets);
    }

    #[test]
    fn is_zero_fixes_its_output_but_not_the_inverse() {
        let mut cs = Builder::with_names();
        let x1 = cs.input("x1", &[], 2, false);
        let x2 = cs.input("x2", &[], -1, false);
        let x = x1.add(&x2.scale(2).unwrap()).unwrap();
        let inv = cs.hint_field("inv", &[], Fr::zero());
        let out = cs.wire("out", &[], Quad::mul(x.clone(), inv.clone()).unwrap()).unwrap();
        // The guard on 3x (a multiple), as x * (1 - out) = 0.
        let one_minus = Sig::constant(1).sub(&out).unwrap();
        cs.enforce(
            "guard",
            &[],
            Quad::mul(x.scale(3).unwrap(), one_minus).unwrap(),
            lin(&Sig::constant(0)),
        )
        .unwrap();
        let r = cs.report(&[wire_of(&out), wire_of(&inv)]);
        assert_eq!(r.undetermined, vec![wire_of(&inv)]);
    }

    #[test]
    fn the_is_zero_gadget_fixes_its_output() {
        let mut cs = Builder::with_names();
        let x = cs.input("x", &[], 5, false);
        let inv = cs.hint_field("inv", &[], fr_inverse(5));
        let z = cs.hint("z", &[], 0);
        let one_minus = Sig::constant(1).sub(&z).unwrap();
        cs.enforce("inv", &[], Quad::mul(x.clone(), inv.clone()).unwrap(), lin(&one_minus))
            .unwrap();
        cs.enforce("zero", &[], Quad::mul(x, z.clone()).unwrap(), lin(&Sig::constant(0)))
            .unwrap();
        let r = cs.report(&[wire_of(&z), wire_of(&inv)]);
        assert_eq!(r.undetermined, vec![wire_of(&inv)]);
    }

    fn fr_inverse(v: i128) -> Fr {
        crate::field::fr_from_i128(v).inverse().unwrap()
    }

    #[test]
    fn is_zero_needs_the_same_fixed_x_in_both_rows() {
        // The guard tests y, not x.
        let mut cs = Builder::with_names();
        let x = cs.input("x", &[], 5, false);
        let y = cs.input("y", &[], 0, false);
        let inv = cs.hint_field("inv", &[], fr_inverse(5));
        let z = cs.hint("z", &[], 0);
        let one_minus = Sig::constant(1).sub(&z).unwrap();
        cs.enforce("inv", &[], Quad::mul(x, inv).unwrap(), lin(&one_minus))
            .unwrap();
        cs.enforce("zero", &[], Quad::mul(y, z.clone()).unwrap(), lin(&Sig::constant(0)))
            .unwrap();
        assert_eq!(cs.report(&[wire_of(&z)]).undetermined, vec![wire_of(&z)]);

        // x itself a free hint.
        let mut cs = Builder::with_names();
        let x = cs.hint("x", &[], 5);
        let inv = cs.hint_field("inv", &[], fr_inverse(5));
        let z = cs.hint("z", &[], 0);
        let one_minus = Sig::constant(1).sub(&z).unwrap();
        cs.enforce("inv", &[], Quad::mul(x.clone(), inv).unwrap(), lin(&one_minus))
            .unwrap();
        cs.enforce("zero", &[], Quad::mul(x, z.clone()).unwrap(), lin(&Sig::constant(0)))
            .unwrap();
        assert_eq!(cs.report(&[wire_of(&z)]).undetermined, vec![wire_of(&z)]);
    }

    /// `x + 2^(s-1) = (sum q_i 2^i - 2^(k-1)) * 2^s + sum r_j 2^j`.
    fn rescale(x: i128, s: usize, k: usize, q_checked: bool) -> (Builder, Vec<Wire>) {
        let mut cs = Builder::with_names();
        let xs = cs.input("x", &[], x, false);
        let shifted = x + (1 << (s - 1));
        let q = shifted >> s;
        let r = shifted - (q << s);
        let (rb, rsum) = bits(&mut cs, "r", r, s, None, |j| 1 << j);
        let mut targets = wires(&rb);
        let qsum = if q_checked {
            let (qb, qsum) = bits(&mut cs, "q", q + (1 << (k - 1)), k, None, |i| 1 << i);
            targets.extend(wires(&qb));
            qsum.sub(&Sig::constant(1 << (k - 1))).unwrap()
        } else {
            let qh = cs.hint("q", &[], q);
            targets.push(wire_of(&qh));
            qh
        };
        let lhs = xs.add(&Sig::constant(1 << (s - 1))).unwrap();
        let rhs = qsum.scale(1 << s).unwrap().add(&rsum).unwrap();
        cs.enforce("div", &[], lin(&lhs), lin(&rhs)).unwrap();
        (cs, targets)
    }

    #[test]
    fn a_checked_quotient_and_remainder_are_fixed() {
        for x in [-37, 0, 37, 1000] {
            let (cs, targets) = rescale(x, 3, 12, true);
            let r = cs.report(&targets);
            assert!(r.is_ok(), "x = {x}: {}", r.describe(&cs));
        }
    }

    #[test]
    fn an_unchecked_quotient_is_not_claimed() {
        // x = q * 4 + r with r's bits checked but q free: q can absorb a
        // change of r, so neither is fixed.
        let (cs, targets) = rescale(37, 2, 8, false);
        let r = cs.report(&targets);
        assert_eq!(r.undetermined, targets);
        assert!(r.describe(&cs).contains("q (hint)"));
    }

    #[test]
    fn an_explicit_starting_set_replaces_the_inputs() {
        let mut cs = Builder::with_names();
        let x = cs.input("x", &[], 2, false);
        let y = cs.input("y", &[], 3, false);
        let h = cs.hint("h", &[], 4);
        cs.enforce("double", &[], lin(&h), lin(&x.scale(2).unwrap())).unwrap();
        let targets = [wire_of(&h), wire_of(&y)];
        assert_eq!(
            check_determinism_from(&cs, &[], &targets).undetermined,
            targets.to_vec()
        );
        let r = check_determinism_from(&cs, &[wire_of(&x)], &targets);
        assert_eq!(r.undetermined, vec![wire_of(&y)]);
        // Wire 0 is always known; a wire beyond the system only if given.
        assert!(check_determinism_from(&cs, &[], &[0]).is_ok());
        assert!(!check_determinism_from(&cs, &[], &[1000]).is_ok());
        assert!(check_determinism_from(&cs, &[1000], &[1000]).is_ok());
    }

    #[test]
    fn powers_of_two_are_distinct_in_the_field() {
        // Distinct entries mean a ratio names one exponent only, and that no
        // power of two in range is -1 times another.
        assert_eq!(powers_of_two().len(), 2 * MAX_EXP as usize + 1);
    }

    #[test]
    fn large_systems_are_checked_quickly() {
        let mut cs = Builder::new();
        let mut targets = Vec::new();
        // 25,000 seven-bit decompositions: 200,000 rows.
        for d in 0..25_000 {
            let v = d % 128;
            let x = cs.input("x", &[], v, false);
            let (b, sum) = bits(&mut cs, "b", v, 7, None, |i| 1 << i);
            cs.enforce("sum", &[], lin(&sum), lin(&x)).unwrap();
            targets.extend(wires(&b));
        }
        // A chain 100,000 products deep, listed last-first so that only the
        // worklist, not the row order, carries it.
        let seed = cs.input("seed", &[], 1, false);
        let mut links = vec![seed];
        for i in 0..100_000 {
            let h = cs.hint("link", &[i], 1);
            links.push(h);
        }
        for i in (0..100_000).rev() {
            let prev = links[i].clone();
            cs.enforce(
                "link",
                &[i as i128],
                Quad::mul(prev.clone(), prev).unwrap(),
                lin(&links[i + 1]),
            )
            .unwrap();
        }
        targets.extend(links[1..].iter().map(wire_of));
        assert_eq!(cs.num_constraints(), 300_000);
        let start = Instant::now();
        let r = check_determinism(&cs, &targets);
        assert!(r.is_ok(), "{}", r.describe(&cs));
        eprintln!("300,000 rows checked in {:?}", start.elapsed());
    }
}
