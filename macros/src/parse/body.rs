//! An operator's body: statements and expressions of the body language.

use super::args::CallArgs;
use super::Parser;
use crate::ir::{AssignOp, BinaryOp, Expression, Statement, UnaryOp};
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{Expr, Ident};

impl Parser<'_> {
    pub(super) fn block(&mut self, stmts: &[syn::Stmt]) -> Vec<Statement> {
        let mut out = Vec::new();
        for s in stmts {
            match s {
                syn::Stmt::Local(l) => out.extend(self.local(l)),
                syn::Stmt::Expr(e, _) => out.extend(self.stmt_expr(e)),
                syn::Stmt::Macro(m) => out.extend(self.stmt_macro(&m.mac)),
                syn::Stmt::Item(i) => self.err(i.span(), "items are not supported in operator bodies"),
            }
        }
        out
    }

    pub(super) fn local(&mut self, l: &syn::Local) -> Option<Statement> {
        let Some(init) = &l.init else {
            self.err(l.span(), "a `let` needs a value");
            return None;
        };
        if let Some((else_tok, _)) = &init.diverge {
            self.err(else_tok.span(), "`let ... else` is not supported");
        }
        let mut names = Vec::new();
        let mut mutable = false;
        match &l.pat {
            syn::Pat::Ident(pi) => {
                mutable = pi.mutability.is_some();
                names.push(pi.ident.clone());
            }
            syn::Pat::Tuple(t) => {
                for e in &t.elems {
                    match e {
                        syn::Pat::Ident(pi) if pi.mutability.is_none() => names.push(pi.ident.clone()),
                        _ => self.err(e.span(), "destructure a call's outputs into plain names"),
                    }
                }
            }
            syn::Pat::Type(t) => {
                self.err(t.colon_token.span(), "leave the type out: the macro infers it");
                return None;
            }
            other => {
                self.err(other.span(), "bind a plain name");
                return None;
            }
        }
        if let Expr::Macro(m) = &*init.expr {
            let which = m.mac.path.get_ident().map(|i| i.to_string()).unwrap_or_default();
            if which == "call" {
                return self.call(&m.mac, names);
            }
            if names.len() != 1 {
                self.err(l.pat.span(), "only `call!` results can be destructured");
                return None;
            }
            let name = names.remove(0);
            if mutable {
                self.err(name.span(), format!("a `{which}!` value is immutable"));
            }
            // A name whose value has a mistake is still bound, so its uses
            // raise no second error.
            let inner = self.macro_expr(&m.mac).unwrap_or(Expression::Lit(0, name.span()));
            return match which.as_str() {
                "hint" => Some(Statement::Hint { name, expr: inner }),
                "wire" => Some(Statement::Wire { name, expr: inner }),
                _ => {
                    self.err(m.mac.path.span(), "expected `hint!`, `wire!` or `call!`");
                    None
                }
            };
        }
        if names.len() != 1 {
            self.err(l.pat.span(), "only `call!` results can be destructured");
            return None;
        }
        let name = names.remove(0);
        if let Expr::Repeat(_) = &*init.expr {
            if !mutable {
                self.err(name.span(), "an array is written after it is made: `let mut`");
            }
            let dims = self.array_dims(&init.expr)?;
            return Some(Statement::Array { name, dims });
        }
        let init = self.expr(&init.expr).unwrap_or(Expression::Lit(0, name.span()));
        Some(Statement::Let { name, mutable, init })
    }

    /// `[[0; b]; a]` as the dimensions `[a, b]`.
    pub(super) fn array_dims(&mut self, e: &Expr) -> Option<Vec<Expression>> {
        match e {
            Expr::Repeat(r) => {
                let len = self.expr(&r.len)?;
                let mut dims = vec![len];
                dims.extend(self.array_dims(&r.expr)?);
                Some(dims)
            }
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(i), ..
            }) if i.base10_digits() == "0" && i.suffix().is_empty() => Some(Vec::new()),
            other => {
                // Reported once; the array is still declared, so its uses
                // raise no second error.
                self.err(other.span(), "an array starts as zeros: `[0; n]` or `[[0; m]; n]`");
                Some(Vec::new())
            }
        }
    }

    pub(super) fn macro_expr(&mut self, mac: &syn::Macro) -> Option<Expression> {
        match mac.parse_body::<Expr>() {
            Ok(e) => self.expr(&e),
            Err(e) => {
                self.errors.push(e);
                None
            }
        }
    }

    pub(super) fn call(&mut self, mac: &syn::Macro, binds: Vec<Ident>) -> Option<Statement> {
        let parsed: CallArgs = match mac.parse_body() {
            Ok(c) => c,
            Err(e) => {
                self.errors.push(e);
                return None;
            }
        };
        if let Some(r) = &parsed.target.rest {
            self.err(r.span(), "give every parameter of the called operator");
        }
        let mut fields = Vec::new();
        for f in &parsed.target.fields {
            let syn::Member::Named(name) = &f.member else {
                self.err(f.member.span(), "name the parameter");
                continue;
            };
            fields.extend(self.expr(&f.expr).map(|e| (name.clone(), e)));
        }
        let args: Vec<Expression> = parsed.args.iter().filter_map(|a| self.expr(a)).collect();
        let comp = match binds.as_slice() {
            [] => {
                let base = parsed
                    .target
                    .path
                    .segments
                    .last()
                    .map(|s| s.ident.to_string().to_lowercase())
                    .unwrap_or_default();
                self.comp_counter += 1;
                Ident::new(&format!("{base}_{}", self.comp_counter), mac.path.span())
            }
            [one] => one.clone(),
            many => {
                let joined: Vec<String> = many.iter().map(|i| i.to_string()).collect();
                Ident::new(&joined.join("_"), many[0].span())
            }
        };
        Some(Statement::Call {
            binds,
            comp,
            target: parsed.target.path.clone(),
            fields,
            args,
        })
    }

    pub(super) fn stmt_macro(&mut self, mac: &syn::Macro) -> Option<Statement> {
        let which = mac.path.get_ident().map(|i| i.to_string()).unwrap_or_default();
        match which.as_str() {
            "enforce" => {
                let e = match mac.parse_body::<Expr>() {
                    Ok(e) => e,
                    Err(e) => {
                        self.errors.push(e);
                        return None;
                    }
                };
                let Expr::Binary(b) = &e else {
                    self.err(e.span(), "`enforce!` takes an equation: `lhs == rhs`");
                    return None;
                };
                if !matches!(b.op, syn::BinOp::Eq(_)) {
                    self.err(b.op.span(), "`enforce!` takes an equation: `lhs == rhs`");
                    return None;
                }
                let lhs = self.expr(&b.left)?;
                let rhs = self.expr(&b.right)?;
                Some(Statement::Enforce {
                    lhs,
                    rhs,
                    text: e.to_token_stream().to_string(),
                    span: mac.path.span(),
                })
            }
            "call" => self.call(mac, Vec::new()),
            "hint" | "wire" => {
                self.err(
                    mac.path.span(),
                    format!("bind the `{which}!` to a name: `let x = {which}!(..);`"),
                );
                None
            }
            _ => {
                self.err(
                    mac.path.span(),
                    "unsupported macro in an operator body; expected `enforce!`, `call!`, or `hint!`/`wire!` in a `let`",
                );
                None
            }
        }
    }

    pub(super) fn stmt_expr(&mut self, e: &Expr) -> Option<Statement> {
        match e {
            Expr::Macro(m) => self.stmt_macro(&m.mac),
            Expr::ForLoop(f) => {
                if let Some(l) = &f.label {
                    self.err(l.span(), "loop labels are not supported");
                }
                let syn::Pat::Ident(pi) = &*f.pat else {
                    self.err(f.pat.span(), "a loop variable is a plain identifier");
                    return None;
                };
                let Expr::Range(r) = &*f.expr else {
                    self.err(f.expr.span(), "loops run over a range: `for i in 0..n`");
                    return None;
                };
                if matches!(r.limits, syn::RangeLimits::Closed(_)) {
                    self.err(r.limits.span(), "use a half-open range `a..b`");
                }
                let (Some(start), Some(end)) = (&r.start, &r.end) else {
                    self.err(r.span(), "a loop range needs both ends");
                    return None;
                };
                let start = self.expr(start);
                let end = self.expr(end);
                let body = self.block(&f.body.stmts);
                Some(Statement::For {
                    var: pi.ident.clone(),
                    start: start?,
                    end: end?,
                    body,
                })
            }
            Expr::If(i) => {
                let cond = self.expr(&i.cond);
                let then = self.block(&i.then_branch.stmts);
                let els = match &i.else_branch {
                    None => Vec::new(),
                    Some((_, e)) => match &**e {
                        Expr::Block(b) => self.block(&b.block.stmts),
                        Expr::If(_) => self.stmt_expr(e).into_iter().collect(),
                        other => {
                            self.err(other.span(), "expected a block");
                            Vec::new()
                        }
                    },
                };
                Some(Statement::If { cond: cond?, then, els })
            }
            Expr::Assign(a) => self.assign(&a.left, AssignOp::Set, &a.right),
            Expr::Binary(b) if matches!(b.op, syn::BinOp::AddAssign(_)) => {
                self.assign(&b.left, AssignOp::Add, &b.right)
            }
            Expr::Binary(b) if matches!(b.op, syn::BinOp::SubAssign(_)) => {
                self.assign(&b.left, AssignOp::Sub, &b.right)
            }
            other => {
                self.err(
                    other.span(),
                    "unsupported statement in an operator body; expected `let`, `for`, `if`, an assignment, `enforce!` or `call!`",
                );
                None
            }
        }
    }

    pub(super) fn assign(&mut self, left: &Expr, op: AssignOp, right: &Expr) -> Option<Statement> {
        let (target, index) = match self.expr(left)? {
            Expression::Name(i) => (i, Vec::new()),
            Expression::Index(i, idx) => (i, idx),
            _ => {
                self.err(left.span(), "assign to a name or an output element");
                return None;
            }
        };
        let value = self.expr(right)?;
        Some(Statement::Assign {
            target,
            index,
            op,
            value,
        })
    }

    pub(super) fn expr(&mut self, e: &Expr) -> Option<Expression> {
        match e {
            Expr::Lit(l) => match &l.lit {
                syn::Lit::Int(i) => match i.base10_parse::<i128>() {
                    Ok(v) if i.suffix().is_empty() => Some(Expression::Lit(v, i.span())),
                    Ok(_) => {
                        self.err(i.span(), "drop the suffix: every integer here is an i128");
                        None
                    }
                    Err(err) => {
                        self.errors.push(err);
                        None
                    }
                },
                syn::Lit::Bool(b) => Some(Expression::Lit(b.value as i128, b.span())),
                other => {
                    self.err(other.span(), "only integer and boolean literals are supported");
                    None
                }
            },
            Expr::Path(p) => match p.path.get_ident() {
                Some(i) if p.qself.is_none() => Some(Expression::Name(i.clone())),
                _ => {
                    self.err(p.span(), "expected a plain name");
                    None
                }
            },
            Expr::Paren(p) => self.expr(&p.expr),
            Expr::Group(g) => self.expr(&g.expr),
            Expr::Index(_) => {
                let mut idx = Vec::new();
                let mut cur = e;
                while let Expr::Index(ix) = cur {
                    idx.push(&*ix.index);
                    cur = &ix.expr;
                }
                idx.reverse();
                let Expr::Path(p) = cur else {
                    self.err(cur.span(), "only named tensors can be indexed");
                    return None;
                };
                let Some(base) = p.path.get_ident() else {
                    self.err(p.span(), "expected a plain name");
                    return None;
                };
                let idx: Vec<Option<Expression>> = idx.into_iter().map(|i| self.expr(i)).collect();
                let idx: Option<Vec<Expression>> = idx.into_iter().collect();
                Some(Expression::Index(base.clone(), idx?))
            }
            Expr::Binary(b) => {
                use syn::BinOp as B;
                let op = match b.op {
                    B::Add(_) => BinaryOp::Add,
                    B::Sub(_) => BinaryOp::Sub,
                    B::Mul(_) => BinaryOp::Mul,
                    B::Div(_) => BinaryOp::Div,
                    B::Rem(_) => BinaryOp::Rem,
                    B::Shl(_) => BinaryOp::Shl,
                    B::Shr(_) => BinaryOp::Shr,
                    B::BitAnd(_) => BinaryOp::BitAnd,
                    B::BitOr(_) => BinaryOp::BitOr,
                    B::BitXor(_) => BinaryOp::BitXor,
                    B::Eq(_) => BinaryOp::Eq,
                    B::Ne(_) => BinaryOp::Ne,
                    B::Lt(_) => BinaryOp::Lt,
                    B::Le(_) => BinaryOp::Le,
                    B::Gt(_) => BinaryOp::Gt,
                    B::Ge(_) => BinaryOp::Ge,
                    B::And(_) => BinaryOp::And,
                    B::Or(_) => BinaryOp::Or,
                    _ => {
                        self.err(b.op.span(), "compound assignment is a statement, not an expression");
                        return None;
                    }
                };
                let l = self.expr(&b.left);
                let r = self.expr(&b.right);
                Some(Expression::Bin(op, Box::new(l?), Box::new(r?), b.op.span()))
            }
            Expr::Unary(u) => {
                let op = match u.op {
                    syn::UnOp::Neg(_) => UnaryOp::Neg,
                    syn::UnOp::Not(_) => UnaryOp::Not,
                    _ => {
                        self.err(u.op.span(), "unsupported operator");
                        return None;
                    }
                };
                let inner = self.expr(&u.expr)?;
                if let (UnaryOp::Neg, Expression::Lit(v, _)) = (op, &inner) {
                    return Some(Expression::Lit(-v, u.span()));
                }
                Some(Expression::Un(op, Box::new(inner), u.op.span()))
            }
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else {
                    self.err(c.func.span(), "expected a built-in function name");
                    return None;
                };
                let Some(f) = p.path.get_ident() else {
                    self.err(p.span(), "expected a built-in function name");
                    return None;
                };
                let arity = match f.to_string().as_str() {
                    "div_floor" | "rem_floor" | "bit" | "min" | "max" => 2,
                    "abs" | "bits" | "field_inv" => 1,
                    _ => {
                        self.err(
                            f.span(),
                            format!("unknown function `{f}`; the built-ins are div_floor, rem_floor, bit, min, max, abs, bits and field_inv"),
                        );
                        return None;
                    }
                };
                if c.args.len() != arity {
                    self.err(c.span(), format!("`{f}` takes {arity} argument(s)"));
                    return None;
                }
                let args: Vec<Option<Expression>> = c.args.iter().map(|a| self.expr(a)).collect();
                let args: Option<Vec<Expression>> = args.into_iter().collect();
                Some(Expression::Call(f.clone(), args?))
            }
            Expr::If(i) => {
                let cond = self.expr(&i.cond);
                let then = self.tail(&i.then_branch);
                let els = match &i.else_branch {
                    Some((_, e)) => match &**e {
                        Expr::Block(b) => self.tail(&b.block),
                        other => self.expr(other),
                    },
                    None => {
                        self.err(i.span(), "an `if` expression needs an `else`");
                        None
                    }
                };
                Some(Expression::Cond(
                    Box::new(cond?),
                    Box::new(then?),
                    Box::new(els?),
                    i.if_token.span(),
                ))
            }
            other => {
                self.err(other.span(), "unsupported expression in an operator body");
                None
            }
        }
    }

    /// The single expression of an `if` expression's branch.
    pub(super) fn tail(&mut self, b: &syn::Block) -> Option<Expression> {
        match b.stmts.as_slice() {
            [syn::Stmt::Expr(e, None)] => self.expr(e),
            _ => {
                self.err(b.span(), "a branch of an `if` expression is a single expression");
                None
            }
        }
    }
}
