//! Checks a declaration before anything is generated: every name known and
//! bound once, every hint pinned by a constraint, every constraint at most
//! quadratic, indices matching shapes, loops and conditions known when the
//! circuit is built. Computes the kind of every name for the expanders.

use crate::errors::Errors;
use crate::ir::{AssignOp, BinaryOp, Decl, Expression, Statement, UnaryOp};
use proc_macro2::Span;
use std::collections::{HashMap, HashSet};
use syn::Ident;

/// What a name denotes in the body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Parameters, derived values, loop variables and constant locals: known
    /// when the circuit is built.
    Const {
        mutable: bool,
    },
    /// A local holding a linear combination of signals.
    Lin {
        mutable: bool,
    },
    Input {
        index: usize,
        dims: usize,
        /// Declared `constant = true`: its elements are known when the
        /// circuit is built.
        constant: bool,
    },
    Output {
        index: usize,
        dims: usize,
    },
    /// A prover-supplied value; `field` when it is a field element (an
    /// inverse) rather than an integer.
    Hint {
        field: bool,
        loops: Vec<Ident>,
    },
    Wire {
        loops: Vec<Ident>,
    },
    /// Output `out` of the nested operator instance `comp`.
    CallOut {
        comp: Ident,
        out: usize,
        loops: Vec<Ident>,
    },
    /// A local array of linear combinations (`let mut s = [0; n];`).
    Array {
        dims: usize,
    },
    /// A constant table of a field operator, read as `name[key][i]`.
    Table,
    /// A list of integer constants, read as `name[i]`.
    Ints,
}

/// The degree of an expression in signals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Ty {
    Const,
    Lin,
    /// One product of two linear factors plus a linear part.
    Quad,
    /// More than a constraint can hold.
    Bad,
}

pub struct Info {
    pub kinds: HashMap<String, Kind>,
    /// A field operator (`#[zk_op(field)]`).
    pub field: bool,
}

impl Info {
    pub fn kind(&self, i: &Ident) -> Option<&Kind> {
        self.kinds.get(&i.to_string())
    }

    pub fn is_const(&self, i: &Ident) -> bool {
        matches!(self.kind(i), Some(Kind::Const { .. }))
    }

    /// Whether an expression reads a table: its value is then a field
    /// element even where it is constant.
    pub fn reads_table(&self, e: &Expression) -> bool {
        let mut names = Vec::new();
        e.names(&mut names);
        names.iter().any(|n| matches!(self.kind(n), Some(Kind::Table)))
    }

    /// A constant integer: known when the circuit is built, no table entry.
    pub fn is_int_const(&self, e: &Expression) -> bool {
        self.ty(e) == Ty::Const && !self.reads_table(e)
    }

    /// A field element in a field operator: signals and table entries.
    pub fn is_field_value(&self, e: &Expression) -> bool {
        self.field && !self.is_int_const(e)
    }

    pub fn ty(&self, e: &Expression) -> Ty {
        match e {
            Expression::Lit(..) => Ty::Const,
            Expression::Name(i) | Expression::Index(i, _) => match self.kind(i) {
                Some(Kind::Const { .. }) | Some(Kind::Input { constant: true, .. }) => Ty::Const,
                Some(Kind::Table | Kind::Ints) if matches!(e, Expression::Index(..)) => Ty::Const,
                Some(Kind::Table | Kind::Ints) | None => Ty::Bad,
                Some(_) => Ty::Lin,
            },
            Expression::Bin(op, l, r, _) => {
                let (a, b) = (self.ty(l), self.ty(r));
                match op {
                    BinaryOp::Add | BinaryOp::Sub => match (a, b) {
                        (Ty::Quad, Ty::Quad) => Ty::Bad,
                        _ => a.max(b),
                    },
                    BinaryOp::Mul => match (a, b) {
                        (Ty::Const, t) | (t, Ty::Const) => t,
                        (Ty::Lin, Ty::Lin) => Ty::Quad,
                        _ => Ty::Bad,
                    },
                    _ if a == Ty::Const && b == Ty::Const => Ty::Const,
                    _ => Ty::Bad,
                }
            }
            Expression::Un(UnaryOp::Neg, e, _) => self.ty(e),
            Expression::Un(UnaryOp::Not, e, _) => match self.ty(e) {
                Ty::Const => Ty::Const,
                _ => Ty::Bad,
            },
            Expression::Call(_, args) => {
                if args.iter().all(|a| self.ty(a) == Ty::Const) {
                    Ty::Const
                } else {
                    Ty::Bad
                }
            }
            Expression::Cond(c, a, b, _) => {
                if [c, a, b].iter().all(|x| self.ty(x) == Ty::Const) {
                    Ty::Const
                } else {
                    Ty::Bad
                }
            }
        }
    }
}

const CIRCOM_WORDS: &[&str] = &[
    "signal",
    "input",
    "output",
    "var",
    "component",
    "template",
    "function",
    "include",
    "pragma",
    "circom",
    "for",
    "while",
    "if",
    "else",
    "return",
    "log",
    "assert",
    "main",
    "public",
    "parallel",
    "custom",
    "bus",
    "do",
    "self",
];

pub fn validate(decl: &Decl, errors: &mut Errors) -> Info {
    let mut v = Validator {
        errors,
        info: Info {
            kinds: HashMap::new(),
            field: decl.field,
        },
        constrained: HashSet::new(),
        enforce_names: HashSet::new(),
        loops: Vec::new(),
        loop_vars: HashSet::new(),
        hints: Vec::new(),
    };
    for p in &decl.params {
        v.bind(&p.ident, Kind::Const { mutable: false });
    }
    for (i, _) in &decl.derived {
        v.bind(i, Kind::Const { mutable: false });
    }
    for (i, _) in &decl.tables {
        v.bind(i, Kind::Table);
    }
    for (i, _) in &decl.ints {
        v.bind(i, Kind::Ints);
    }
    for (index, p) in decl.inputs.iter().enumerate() {
        v.bind(
            &p.ident,
            Kind::Input {
                index,
                dims: p.shape.len(),
                constant: p.constant,
            },
        );
    }
    for (index, p) in decl.outputs.iter().enumerate() {
        v.bind(
            &p.ident,
            Kind::Output {
                index,
                dims: p.shape.len(),
            },
        );
    }
    v.declare(&decl.body);
    v.widen(&decl.body);
    for p in &decl.params {
        if let Some((lo, hi)) = &p.range {
            v.need_const(lo, "a range bound");
            v.need_const(hi, "a range bound");
        }
    }
    for (_, e) in &decl.derived {
        v.need_const(e, "a derived value");
    }
    for (e, _) in &decl.requires {
        v.need_const(e, "a requirement");
    }
    for p in decl.inputs.iter().chain(&decl.outputs) {
        for d in &p.shape {
            v.need_const(d, "a dimension");
        }
        match &p.bound {
            crate::ir::BoundSpec::Prec(e) => v.need_const(e, "a precision"),
            crate::ir::BoundSpec::Range(lo, hi) => {
                v.need_const(lo, "a bound");
                v.need_const(hi, "a bound");
            }
            crate::ir::BoundSpec::Field => {}
        }
    }
    v.check(&decl.body);
    for (name, span) in std::mem::take(&mut v.hints) {
        if !v.constrained.contains(&name) {
            v.errors.push(syn::Error::new(
                span,
                format!("hint `{name}` takes part in no constraint: pin it with `enforce!` or pass it to a `call!`"),
            ));
        }
    }
    v.info
}

struct Validator<'a> {
    errors: &'a mut Errors,
    info: Info,
    /// Names that occur in a constraint or a nested operator's inputs.
    constrained: HashSet<String>,
    /// Names that occur in an `enforce!`.
    enforce_names: HashSet<String>,
    loops: Vec<Ident>,
    loop_vars: HashSet<String>,
    hints: Vec<(String, Span)>,
}

impl Validator<'_> {
    fn err(&mut self, span: Span, msg: impl std::fmt::Display) {
        self.errors.push(syn::Error::new(span, msg));
    }

    fn bind(&mut self, i: &Ident, kind: Kind) {
        let name = i.to_string();
        if CIRCOM_WORDS.contains(&name.as_str()) || name.starts_with("s9_") || name.starts_with("__") {
            self.err(
                i.span(),
                format!("`{name}` is reserved in the generated circom; choose another name"),
            );
        }
        if self.info.kinds.insert(name.clone(), kind).is_some() {
            self.err(
                i.span(),
                format!("`{name}` is already bound in this operator; every name is bound once"),
            );
        }
    }

    /// Binds every name the body introduces, with its first-guess kind.
    fn declare(&mut self, body: &[Statement]) {
        for s in body {
            match s {
                Statement::Let { name, mutable, init } => {
                    let kind = if self.info.is_int_const(init) {
                        Kind::Const { mutable: *mutable }
                    } else {
                        Kind::Lin { mutable: *mutable }
                    };
                    self.bind(name, kind);
                }
                Statement::Array { name, dims } => self.bind(name, Kind::Array { dims: dims.len() }),
                Statement::Hint { name, expr } => {
                    // In a field operator every value is a field element, so
                    // an inverse is a value like any other.
                    let field = !self.info.field && matches!(expr, Expression::Call(f, _) if f == "field_inv");
                    self.hints.push((name.to_string(), name.span()));
                    self.bind(
                        name,
                        Kind::Hint {
                            field,
                            loops: self.loops.clone(),
                        },
                    );
                }
                Statement::Wire { name, .. } => self.bind(
                    name,
                    Kind::Wire {
                        loops: self.loops.clone(),
                    },
                ),
                Statement::Call { binds, comp, .. } => {
                    for (out, b) in binds.iter().enumerate() {
                        self.bind(
                            b,
                            Kind::CallOut {
                                comp: comp.clone(),
                                out,
                                loops: self.loops.clone(),
                            },
                        );
                    }
                }
                Statement::For { var, body, .. } => {
                    // Sibling loops may reuse a variable; nested ones may not.
                    let name = var.to_string();
                    if self.loop_vars.contains(&name) && !self.loops.contains(var) {
                        self.info.kinds.remove(&name);
                    }
                    self.loop_vars.insert(name);
                    self.bind(var, Kind::Const { mutable: false });
                    self.loops.push(var.clone());
                    self.declare(body);
                    self.loops.pop();
                }
                Statement::If { then, els, .. } => {
                    self.declare(then);
                    self.declare(els);
                }
                Statement::Enforce { .. } | Statement::Assign { .. } => {}
            }
        }
    }

    /// A mutable constant that is ever assigned a signal holds signals.
    fn widen(&mut self, body: &[Statement]) {
        loop {
            let mut changed = false;
            self.widen_pass(body, &mut changed);
            if !changed {
                break;
            }
        }
    }

    fn widen_pass(&mut self, body: &[Statement], changed: &mut bool) {
        for s in body {
            match s {
                Statement::Assign { target, value, .. }
                    if self.info.kind(target) == Some(&Kind::Const { mutable: true })
                        && !self.info.is_int_const(value) =>
                {
                    self.info.kinds.insert(target.to_string(), Kind::Lin { mutable: true });
                    *changed = true;
                }
                Statement::Let { name, init, .. } if self.info.is_const(name) && !self.info.is_int_const(init) => {
                    let mutable = matches!(self.info.kind(name), Some(Kind::Const { mutable: true }));
                    self.info.kinds.insert(name.to_string(), Kind::Lin { mutable });
                    *changed = true;
                }
                Statement::For { body, .. } => self.widen_pass(body, changed),
                Statement::If { then, els, .. } => {
                    self.widen_pass(then, changed);
                    self.widen_pass(els, changed);
                }
                _ => {}
            }
        }
    }

    /// Every name known, every index well-formed.
    fn names(&mut self, e: &Expression) {
        match e {
            Expression::Lit(..) => {}
            Expression::Name(i) => match self.info.kind(i).cloned() {
                None => self.err(i.span(), format!("unknown name `{i}`")),
                Some(Kind::Table) => self.err(i.span(), format!("`{i}` is a table: read it as `{i}[key][i]`")),
                Some(Kind::Ints) => self.err(i.span(), format!("`{i}` is a list of integers: read it as `{i}[i]`")),
                Some(Kind::Array { dims }) => self.err(
                    i.span(),
                    format!("`{i}` is an array: index it with {dims} subscript(s)"),
                ),
                Some(Kind::Input { dims, .. }) if dims > 0 => self.err(
                    i.span(),
                    format!("`{i}` is a tensor: index it with {dims} subscript(s)"),
                ),
                Some(Kind::Output { .. }) => self.err(i.span(), format!("output `{i}` can be assigned but not read")),
                _ => {}
            },
            Expression::Index(i, idx) => {
                for x in idx {
                    self.names(x);
                    self.need_const(x, "an index");
                }
                match self.info.kind(i).cloned() {
                    None => self.err(i.span(), format!("unknown name `{i}`")),
                    Some(Kind::Input { dims, .. }) if dims != idx.len() => self.err(
                        i.span(),
                        format!("`{i}` has {dims} dimension(s) but {} subscript(s)", idx.len()),
                    ),
                    Some(Kind::Input { .. }) => {}
                    Some(Kind::Table) if idx.len() == 2 => {}
                    Some(Kind::Table) => self.err(i.span(), format!("`{i}` is a table: read it as `{i}[key][i]`")),
                    Some(Kind::Ints) if idx.len() == 1 => {}
                    Some(Kind::Ints) => self.err(i.span(), format!("`{i}` is a list of integers: read it as `{i}[i]`")),
                    Some(Kind::Array { dims }) if dims == idx.len() => {}
                    Some(Kind::Array { dims }) => self.err(
                        i.span(),
                        format!("`{i}` has {dims} dimension(s) but {} subscript(s)", idx.len()),
                    ),
                    Some(Kind::CallOut { .. }) if idx.len() == 1 => {}
                    Some(Kind::CallOut { .. }) => {
                        self.err(i.span(), format!("`{i}` is a nested operator's output: one subscript"))
                    }
                    Some(Kind::Output { .. }) => {
                        self.err(i.span(), format!("output `{i}` can be assigned but not read"))
                    }
                    Some(_) => self.err(i.span(), format!("`{i}` is not a tensor")),
                }
            }
            Expression::Bin(_, l, r, _) => {
                self.names(l);
                self.names(r);
            }
            Expression::Un(_, x, _) => self.names(x),
            Expression::Call(f, args) => {
                if f == "field_inv" {
                    self.err(
                        f.span(),
                        "`field_inv` is a whole hint: `let inv = hint!(field_inv(x));`",
                    );
                }
                args.iter().for_each(|a| self.names(a));
            }
            Expression::Cond(c, a, b, _) => {
                self.names(c);
                self.names(a);
                self.names(b);
            }
        }
    }

    fn need_const(&mut self, e: &Expression, what: &str) {
        if self.info.ty(e) != Ty::Const {
            self.err(
                e.span(),
                format!(
                    "{what} must be known when the circuit is built: parameters, loop variables and constants only"
                ),
            );
        } else if self.info.reads_table(e) {
            self.err(
                e.span(),
                format!("{what} is an integer, and a table entry is a field element"),
            );
        }
    }

    /// In a field operator, signals and table entries are field elements:
    /// `+`, `-`, `*` and `field_inv` apply to them, integer operators
    /// (division, comparisons, shifts, `min`, ...) do not.
    fn field_arith(&mut self, e: &Expression) {
        if !self.info.field || !self.info.is_field_value(e) {
            return;
        }
        const MSG: &str = "works on integers; in a field operator signals and table entries are field elements: use `+`, `-`, `*` or `field_inv`";
        match e {
            Expression::Bin(op, l, r, span) => {
                if !matches!(op, BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul) {
                    self.err(*span, format!("this operator {MSG}"));
                    return;
                }
                self.field_arith(l);
                self.field_arith(r);
            }
            Expression::Un(UnaryOp::Not, _, span) => self.err(*span, format!("`!` {MSG}")),
            Expression::Un(UnaryOp::Neg, x, _) => self.field_arith(x),
            Expression::Call(f, args) if f == "field_inv" => args.iter().for_each(|a| self.field_arith(a)),
            Expression::Call(f, _) => self.err(f.span(), format!("`{f}` {MSG}")),
            Expression::Cond(_, _, _, span) => {
                self.err(*span, format!("an `if` expression {MSG}; use an `if` statement"))
            }
            Expression::Lit(..) | Expression::Name(_) | Expression::Index(..) => {}
        }
    }

    fn need_degree(&mut self, e: &Expression, max: Ty, what: &str) {
        let t = self.info.ty(e);
        if t == Ty::Bad {
            self.bad_expr(e);
        } else if t > max {
            let msg = if max == Ty::Lin {
                format!("{what} must be linear in signals: give the product a wire with `let p = wire!(..);`")
            } else {
                format!("{what} holds more than one product of signals")
            };
            self.err(e.span(), msg);
        }
    }

    /// Points at the smallest part of an expression that breaks the rules.
    fn bad_expr(&mut self, e: &Expression) {
        match e {
            Expression::Bin(op, l, r, span) => {
                for side in [l, r] {
                    if self.info.ty(side) == Ty::Bad {
                        return self.bad_expr(side);
                    }
                }
                let msg = match op {
                    BinaryOp::Add | BinaryOp::Sub => {
                        "a constraint can hold one product of signals; give one a wire with `wire!`"
                    }
                    BinaryOp::Mul => "the product has degree above two; give a factor a wire with `wire!`",
                    _ => "this operator works on constants; on signals use it inside `hint!` and constrain the result",
                };
                self.err(*span, msg);
            }
            Expression::Un(_, x, span) => {
                if self.info.ty(x) == Ty::Bad {
                    return self.bad_expr(x);
                }
                self.err(*span, "`!` works on constants only");
            }
            Expression::Call(f, _) => self.err(
                f.span(),
                format!("`{f}` works on constants; on signals use it inside `hint!` and constrain the result"),
            ),
            Expression::Cond(_, _, _, span) => self.err(*span, "an `if` expression on signals belongs inside `hint!`"),
            Expression::Lit(..) | Expression::Name(_) | Expression::Index(..) => {}
        }
    }

    /// A hint's expression: any arithmetic on values, but the operators
    /// whose circom meaning differs for negative field elements only on
    /// constants.
    fn native(&mut self, e: &Expression) {
        match e {
            Expression::Bin(op, l, r, span) => {
                let on_signals = self.info.ty(l) != Ty::Const || self.info.ty(r) != Ty::Const;
                if on_signals
                    && matches!(
                        op,
                        BinaryOp::Div
                            | BinaryOp::Rem
                            | BinaryOp::Shl
                            | BinaryOp::Shr
                            | BinaryOp::BitAnd
                            | BinaryOp::BitOr
                            | BinaryOp::BitXor
                    )
                {
                    self.err(
                        *span,
                        "on signal values use div_floor, rem_floor or bit: circom reads negative values as field elements",
                    );
                }
                self.native(l);
                self.native(r);
            }
            Expression::Un(_, x, _) => self.native(x),
            Expression::Call(_, args) => args.iter().for_each(|a| self.native(a)),
            Expression::Cond(c, a, b, _) => {
                self.native(c);
                self.native(a);
                self.native(b);
            }
            Expression::Lit(..) | Expression::Name(_) | Expression::Index(..) => {}
        }
    }

    fn mark(&mut self, e: &Expression, enforce: bool) {
        let mut names = Vec::new();
        e.names(&mut names);
        for n in names {
            self.constrained.insert(n.to_string());
            if enforce {
                self.enforce_names.insert(n.to_string());
            }
        }
    }

    /// Field hints may only occur in constraints: their integer value is
    /// meaningless, so nothing may compute with it.
    fn no_field_hints(&mut self, e: &Expression) {
        let mut names = Vec::new();
        e.names(&mut names);
        for n in names {
            if matches!(self.info.kind(&n), Some(Kind::Hint { field: true, .. })) {
                self.err(
                    n.span(),
                    format!("`{n}` is a field element (an inverse): it may appear only in `enforce!`"),
                );
            }
        }
    }

    fn check(&mut self, body: &[Statement]) {
        for s in body {
            match s {
                Statement::Let { init, .. } => {
                    self.names(init);
                    self.no_field_hints(init);
                    self.need_degree(init, Ty::Lin, "a `let` value");
                    self.field_arith(init);
                }
                Statement::Array { dims, .. } => {
                    for d in dims {
                        self.names(d);
                        self.need_const(d, "an array's dimension");
                        let mut used = Vec::new();
                        d.names(&mut used);
                        for u in used {
                            if self.loops.contains(&u) {
                                self.err(
                                    u.span(),
                                    "an array's dimension may not depend on a loop: circom sizes arrays by it",
                                );
                            }
                        }
                    }
                }
                Statement::Hint { expr, .. } => {
                    let inner = match expr {
                        Expression::Call(f, args) if f == "field_inv" => &args[0],
                        e => e,
                    };
                    self.names(inner);
                    self.no_field_hints(inner);
                    if self.info.field {
                        self.field_arith(inner);
                    } else {
                        self.native(inner);
                    }
                }
                Statement::Wire { expr, .. } => {
                    self.names(expr);
                    self.no_field_hints(expr);
                    self.need_degree(expr, Ty::Quad, "a `wire!`");
                    self.field_arith(expr);
                }
                Statement::Call { fields, args, .. } => {
                    for (_, f) in fields {
                        self.names(f);
                        self.need_const(f, "a parameter of a nested operator");
                    }
                    for a in args {
                        self.names(a);
                        self.no_field_hints(a);
                        self.need_degree(a, Ty::Lin, "an input of a nested operator");
                        self.field_arith(a);
                        self.mark(a, false);
                    }
                }
                Statement::Enforce { lhs, rhs, span, .. } => {
                    self.names(lhs);
                    self.names(rhs);
                    let diff = Expression::Bin(BinaryOp::Sub, Box::new(lhs.clone()), Box::new(rhs.clone()), *span);
                    self.need_degree(&diff, Ty::Quad, "an `enforce!`");
                    self.field_arith(lhs);
                    self.field_arith(rhs);
                    self.mark(lhs, true);
                    self.mark(rhs, true);
                }
                Statement::Assign {
                    target,
                    index,
                    op,
                    value,
                } => self.check_assign(target, index, *op, value),
                Statement::For { var, start, end, body } => {
                    self.names(start);
                    self.names(end);
                    self.need_const(start, "a loop bound");
                    self.need_const(end, "a loop bound");
                    let mut used = Vec::new();
                    end.names(&mut used);
                    for u in used {
                        if self.loops.contains(&u) {
                            self.err(
                                u.span(),
                                "a loop's end may not depend on an enclosing loop: circom sizes arrays by it",
                            );
                        }
                    }
                    self.loops.push(var.clone());
                    self.check(body);
                    self.loops.pop();
                }
                Statement::If { cond, then, els } => {
                    self.names(cond);
                    self.need_const(cond, "an `if` condition");
                    self.check(then);
                    self.check(els);
                }
            }
        }
    }

    fn check_assign(&mut self, target: &Ident, index: &[Expression], op: AssignOp, value: &Expression) {
        self.names(value);
        self.no_field_hints(value);
        self.field_arith(value);
        for i in index {
            self.names(i);
            self.need_const(i, "an index");
        }
        match self.info.kind(target).cloned() {
            Some(Kind::Output { dims, .. }) => {
                if op != AssignOp::Set {
                    self.err(target.span(), "assign each output element once, with `=`");
                }
                if dims != index.len() {
                    self.err(
                        target.span(),
                        format!("`{target}` has {dims} dimension(s) but {} subscript(s)", index.len()),
                    );
                }
                self.need_degree(value, Ty::Quad, "an output");
            }
            Some(Kind::Array { dims }) => {
                if dims != index.len() {
                    self.err(
                        target.span(),
                        format!("`{target}` has {dims} dimension(s) but {} subscript(s)", index.len()),
                    );
                }
                self.need_degree(value, Ty::Lin, "an array element");
            }
            Some(Kind::Const { mutable: true }) if index.is_empty() => self.need_const(value, "a constant's new value"),
            Some(Kind::Lin { mutable: true }) if index.is_empty() => {
                self.need_degree(value, Ty::Lin, "a signal variable's new value")
            }
            Some(Kind::Const { mutable: false }) | Some(Kind::Lin { mutable: false }) => {
                self.err(target.span(), format!("`{target}` is not `mut`"))
            }
            None => self.err(target.span(), format!("unknown name `{target}`")),
            Some(_) => self.err(
                target.span(),
                format!("`{target}` cannot be assigned: only outputs and `let mut` locals can"),
            ),
        }
    }
}
