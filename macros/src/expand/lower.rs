//! Expressions of the body language in each target: native integers,
//! circuit signals, and circom text.

use crate::ir::{BinaryOp, Decl, Expression, UnaryOp};
use crate::validate::{Info, Kind, Ty};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use std::collections::HashMap;
use syn::Ident;

pub struct Ctx<'a> {
    pub decl: &'a Decl,
    pub info: &'a Info,
    /// The operator each nested instance runs.
    pub targets: HashMap<String, syn::Path>,
    /// The constant behind each table name (a field operator's `Table`)
    /// and each list of integers (`Ints`).
    pub tables: HashMap<String, syn::Path>,
}

/// Circom text with holes filled at run time (names of nested operators'
/// ports), as a format string and its arguments.
#[derive(Default, Clone)]
pub struct Text {
    pub fmt: String,
    pub args: Vec<TokenStream>,
}

impl Text {
    pub fn lit(s: &str) -> Text {
        Text {
            fmt: s.replace('{', "{{").replace('}', "}}"),
            args: Vec::new(),
        }
    }

    pub fn push(&mut self, s: &str) -> &mut Self {
        self.fmt.push_str(&s.replace('{', "{{").replace('}', "}}"));
        self
    }

    pub fn append(&mut self, t: Text) -> &mut Self {
        self.fmt.push_str(&t.fmt);
        self.args.extend(t.args);
        self
    }

    pub fn hole(&mut self, arg: TokenStream) -> &mut Self {
        self.fmt.push_str("{}");
        self.args.push(arg);
        self
    }

    /// Code that appends this text to the `String` named `__t`.
    pub fn emit(&self) -> TokenStream {
        let fmt = &self.fmt;
        let args = &self.args;
        if args.is_empty() {
            let s = fmt.replace("{{", "{").replace("}}", "}");
            quote! { __t.push_str(#s); }
        } else {
            quote! { __t.push_str(&::std::format!(#fmt, #(#args),*)); }
        }
    }
}

pub fn dims_ident(port: &Ident) -> Ident {
    format_ident!("__dims_{}", port)
}

fn loop_index(loops: &[Ident]) -> TokenStream {
    quote! { &[#(#loops),*] }
}

impl Ctx<'_> {
    fn kind(&self, i: &Ident) -> Kind {
        self.info.kind(i).cloned().unwrap_or(Kind::Const { mutable: false })
    }

    fn call_out(&self, comp: &Ident, out: usize) -> TokenStream {
        let target = &self.targets[&comp.to_string()];
        quote! { <#target as ::section9::ZkOp>::OUTPUTS[#out] }
    }

    /// The operator's value domain: `i128`, or `Fr` in field mode.
    pub fn value_ty(&self) -> TokenStream {
        if self.info.field {
            quote! { ::section9::field::Fr }
        } else {
            quote! { i128 }
        }
    }

    /// What its reference reads and writes: `i64`, or `Fr` in field mode.
    pub fn elem_ty(&self) -> TokenStream {
        if self.info.field {
            quote! { ::section9::field::Fr }
        } else {
            quote! { i64 }
        }
    }

    /// The signal type of the operator's domain.
    pub fn sig_ty(&self) -> TokenStream {
        let v = self.value_ty();
        quote! { ::section9::r1cs::Sig::<#v> }
    }

    /// A constant as a signal's coefficient: `i128`, or `Fr` in field mode.
    fn konst(&self, e: &Expression) -> TokenStream {
        self.val(e, true)
    }

    /// A value of the operator's domain: an integer expression ([`Ctx::int`])
    /// or, in field mode, a field one ([`Ctx::fval`]).
    pub fn val(&self, e: &Expression, synth: bool) -> TokenStream {
        if self.info.field {
            self.fval(e, synth)
        } else {
            self.int(e, synth)
        }
    }

    fn table_read(&self, i: &Ident, idx: &[Expression], synth: bool) -> TokenStream {
        let d = quote! { ::section9::dsl };
        let path = &self.tables[&i.to_string()];
        let (k, j) = (self.int(&idx[0], synth), self.int(&idx[1], synth));
        quote! { #d::table(&#path, #k, #j)? }
    }

    /// An `Fr` expression (field operators): constants lifted from
    /// integers, table entries, and the values of signals (`synth` reads a
    /// signal's value from its `Sig<Fr>`).
    pub fn fval(&self, e: &Expression, synth: bool) -> TokenStream {
        let d = quote! { ::section9::dsl };
        let val = |t: TokenStream| {
            if synth {
                quote! { #t.val }
            } else {
                t
            }
        };
        if self.info.is_int_const(e) {
            let v = self.int(e, synth);
            return quote! { #d::fr(#v) };
        }
        match e {
            Expression::Name(i) => match self.kind(i) {
                Kind::Input { .. } => self.input_value(i, &[], synth),
                Kind::CallOut { .. } => {
                    self.fval(&Expression::Index(i.clone(), vec![Expression::Lit(0, i.span())]), synth)
                }
                _ if synth => quote! { #i.val },
                _ => quote! { #i },
            },
            Expression::Index(i, idx) => {
                let name = i.to_string();
                let ix: Vec<TokenStream> = idx.iter().map(|x| self.int(x, synth)).collect();
                match self.kind(i) {
                    Kind::Table => self.table_read(i, idx, synth),
                    Kind::Input { .. } => self.input_value(i, &ix, synth),
                    Kind::Array { .. } => val(quote! { #i.get(&[#(#ix),*])? }),
                    _ => val(quote! { #d::elem(#name, &#i, #(#ix),*)? }),
                }
            }
            Expression::Bin(op, l, r, _) => {
                let (a, b) = (self.fval(l, synth), self.fval(r, synth));
                match op {
                    BinaryOp::Add => quote! { (#a + #b) },
                    BinaryOp::Sub => quote! { (#a - #b) },
                    _ => quote! { (#a * #b) },
                }
            }
            Expression::Un(_, x, _) => {
                let x = self.fval(x, synth);
                quote! { (-#x) }
            }
            Expression::Call(_, args) => {
                let a = self.fval(&args[0], synth);
                quote! { #d::fr_inv(#a) }
            }
            Expression::Lit(..) | Expression::Cond(..) => {
                let v = self.int(e, synth);
                quote! { #d::fr(#v) }
            }
        }
    }

    /// The value of input `i` at `idx` in the operator's domain: from its
    /// signal in a synthesis, from the reference's slice otherwise.
    fn input_value(&self, i: &Ident, idx: &[TokenStream], synth: bool) -> TokenStream {
        let d = quote! { ::section9::dsl };
        let (dims, name, ty) = (dims_ident(i), i.to_string(), self.value_ty());
        if synth {
            quote! { #i[#d::offset(#name, &#dims, &[#(#idx),*])?].val }
        } else {
            quote! { #d::read::<#ty, _>(#name, #i, &#dims, &[#(#idx),*])? }
        }
    }

    /// An `i128` expression: constants, and in hints the values of signals
    /// (`synth` reads a signal's value from its `Sig`).
    pub fn int(&self, e: &Expression, synth: bool) -> TokenStream {
        let d = quote! { ::section9::dsl };
        match e {
            Expression::Lit(v, _) => quote! { (#v as i128) },
            Expression::Name(i) => match self.kind(i) {
                Kind::Const { .. } => quote! { #i },
                Kind::Input { constant: true, .. } if synth => {
                    let dims = dims_ident(i);
                    let name = i.to_string();
                    quote! { #d::read_const(#name, #i, &#dims, &[])? }
                }
                Kind::Input { .. } => self.input_value(i, &[], synth),
                Kind::CallOut { .. } => {
                    self.int(&Expression::Index(i.clone(), vec![Expression::Lit(0, i.span())]), synth)
                }
                _ if synth => quote! { #i.val },
                _ => quote! { #i },
            },
            Expression::Index(i, idx) => {
                let name = i.to_string();
                let idx: Vec<TokenStream> = idx.iter().map(|x| self.int(x, synth)).collect();
                match self.kind(i) {
                    Kind::Ints => {
                        let path = &self.tables[&name];
                        quote! { #d::ints(&#path, #(#idx),*)? }
                    }
                    Kind::Input { constant: true, .. } if synth => {
                        let dims = dims_ident(i);
                        quote! { #d::read_const(#name, #i, &#dims, &[#(#idx),*])? }
                    }
                    Kind::Input { .. } => self.input_value(i, &idx, synth),
                    Kind::Array { .. } if synth => quote! { #i.get(&[#(#idx),*])?.val },
                    Kind::Array { .. } => quote! { #i.get(&[#(#idx),*])? },
                    _ if synth => quote! { #d::elem(#name, &#i, #(#idx),*)?.val },
                    _ => quote! { (#d::elem(#name, &#i, #(#idx),*)? as i128) },
                }
            }
            Expression::Bin(op, l, r, _) => {
                let (a, b) = (self.int(l, synth), self.int(r, synth));
                match op {
                    BinaryOp::Add => quote! { #d::add(#a, #b)? },
                    BinaryOp::Sub => quote! { #d::sub(#a, #b)? },
                    BinaryOp::Mul => quote! { #d::mul(#a, #b)? },
                    BinaryOp::Div => quote! { #d::div(#a, #b)? },
                    BinaryOp::Rem => quote! { #d::rem(#a, #b)? },
                    BinaryOp::Shl => quote! { #d::shl(#a, #b)? },
                    BinaryOp::Shr => quote! { #d::shr(#a, #b)? },
                    BinaryOp::BitAnd => quote! { (#a & #b) },
                    BinaryOp::BitOr => quote! { (#a | #b) },
                    BinaryOp::BitXor => quote! { (#a ^ #b) },
                    BinaryOp::Eq => quote! { ((#a == #b) as i128) },
                    BinaryOp::Ne => quote! { ((#a != #b) as i128) },
                    BinaryOp::Lt => quote! { ((#a < #b) as i128) },
                    BinaryOp::Le => quote! { ((#a <= #b) as i128) },
                    BinaryOp::Gt => quote! { ((#a > #b) as i128) },
                    BinaryOp::Ge => quote! { ((#a >= #b) as i128) },
                    BinaryOp::And => quote! { ((#a != 0 && #b != 0) as i128) },
                    BinaryOp::Or => quote! { ((#a != 0 || #b != 0) as i128) },
                }
            }
            Expression::Un(UnaryOp::Neg, x, _) => {
                let x = self.int(x, synth);
                quote! { #d::neg(#x)? }
            }
            Expression::Un(UnaryOp::Not, x, _) => {
                let x = self.int(x, synth);
                quote! { ((#x == 0) as i128) }
            }
            Expression::Call(f, args) => {
                let args: Vec<TokenStream> = args.iter().map(|a| self.int(a, synth)).collect();
                match f.to_string().as_str() {
                    "div_floor" | "rem_floor" | "abs" => quote! { #d::#f(#(#args),*)? },
                    _ => quote! { #d::#f(#(#args),*) },
                }
            }
            Expression::Cond(c, a, b, _) => {
                let (c, a, b) = (self.int(c, synth), self.int(a, synth), self.int(b, synth));
                quote! { (if #c != 0 { #a } else { #b }) }
            }
        }
    }

    /// A `Sig` expression for a linear (or constant) expression.
    pub fn sig(&self, e: &Expression) -> TokenStream {
        let d = quote! { ::section9::dsl };
        let s = self.sig_ty();
        if self.info.ty(e) == Ty::Const {
            let c = self.konst(e);
            return quote! { #s::constant(#c) };
        }
        match e {
            Expression::Name(i) => match self.kind(i) {
                Kind::Input { .. } => {
                    let dims = dims_ident(i);
                    let name = i.to_string();
                    quote! { #d::read_at(#name, #i, &#dims, &[])? }
                }
                Kind::CallOut { .. } => self.sig(&Expression::Index(i.clone(), vec![Expression::Lit(0, i.span())])),
                _ => quote! { #i.clone() },
            },
            Expression::Index(i, idx) => {
                let name = i.to_string();
                let idx: Vec<TokenStream> = idx.iter().map(|x| self.int(x, true)).collect();
                match self.kind(i) {
                    Kind::Input { .. } => {
                        let dims = dims_ident(i);
                        quote! { #d::read_at(#name, #i, &#dims, &[#(#idx),*])? }
                    }
                    Kind::Array { .. } => quote! { #i.get(&[#(#idx),*])? },
                    _ => quote! { #d::elem(#name, &#i, #(#idx),*)? },
                }
            }
            Expression::Bin(op, l, r, _) => {
                let (tl, tr) = (self.info.ty(l), self.info.ty(r));
                match op {
                    BinaryOp::Add => {
                        let (a, b) = (self.sig(l), self.sig(r));
                        quote! { #a.add(&#b)? }
                    }
                    BinaryOp::Sub => {
                        let (a, b) = (self.sig(l), self.sig(r));
                        quote! { #a.sub(&#b)? }
                    }
                    _ if tl == Ty::Const => {
                        let (k, x) = (self.konst(l), self.sig(r));
                        quote! { #x.scale(#k)? }
                    }
                    _ => {
                        let (x, k) = (self.sig(l), self.konst(r));
                        debug_assert_eq!(tr, Ty::Const);
                        quote! { #x.scale(#k)? }
                    }
                }
            }
            Expression::Un(_, x, _) => {
                let x = self.sig(x);
                quote! { #x.neg()? }
            }
            Expression::Lit(..) | Expression::Call(..) | Expression::Cond(..) => {
                let c = self.konst(e);
                quote! { #s::constant(#c) }
            }
        }
    }

    /// A `Quad` expression: at most one product of signals.
    pub fn quad(&self, e: &Expression) -> TokenStream {
        let v = self.value_ty();
        let q = quote! { ::section9::r1cs::Quad::<#v> };
        if self.info.ty(e) <= Ty::Lin {
            let s = self.sig(e);
            return quote! { #q::lin(#s) };
        }
        match e {
            Expression::Bin(BinaryOp::Add, l, r, _) => {
                let (a, b) = (self.quad(l), self.quad(r));
                quote! { #a.checked_add(#b)? }
            }
            Expression::Bin(BinaryOp::Sub, l, r, _) => {
                let (a, b) = (self.quad(l), self.quad(r));
                quote! { #a.checked_sub(#b)? }
            }
            Expression::Bin(BinaryOp::Mul, l, r, _) => match (self.info.ty(l), self.info.ty(r)) {
                (Ty::Const, _) => {
                    let (k, x) = (self.konst(l), self.quad(r));
                    quote! { #x.scale(#k)? }
                }
                (_, Ty::Const) => {
                    let (x, k) = (self.quad(l), self.konst(r));
                    quote! { #x.scale(#k)? }
                }
                _ => {
                    let (a, b) = (self.sig(l), self.sig(r));
                    quote! { #q::mul(#a, #b)? }
                }
            },
            Expression::Un(UnaryOp::Neg, x, _) => {
                let x = self.quad(x);
                quote! { #x.checked_neg()? }
            }
            _ => {
                let s = self.sig(e);
                quote! { #q::lin(#s) }
            }
        }
    }

    /// The subscripts `[i][j]` of a name declared inside loops.
    fn subscripts(loops: &[Ident]) -> String {
        loops.iter().map(|l| format!("[{l}]")).collect()
    }

    /// Circom text of an expression, parenthesized only where circom's
    /// C-like precedence would otherwise regroup it.
    pub fn circom(&self, e: &Expression) -> Text {
        self.circom_prec(e).0
    }

    fn circom_prec(&self, e: &Expression) -> (Text, u8) {
        const ATOM: u8 = 14;
        let mut t = Text::default();
        let prec = match e {
            Expression::Lit(v, _) => {
                if *v < 0 {
                    t.push(&format!("({v})"));
                } else {
                    t.push(&v.to_string());
                }
                ATOM
            }
            Expression::Name(i) => {
                match self.kind(i) {
                    Kind::Hint { loops, .. } | Kind::Wire { loops } => {
                        t.push(&format!("{i}{}", Self::subscripts(&loops)));
                    }
                    Kind::CallOut { comp, out, loops } => {
                        t.push(&format!("{comp}{}.", Self::subscripts(&loops)));
                        t.hole(self.call_out(&comp, out));
                    }
                    _ => {
                        t.push(&i.to_string());
                    }
                }
                ATOM
            }
            Expression::Index(i, idx) if self.kind(i) == Kind::Ints => {
                let path = &self.tables[&i.to_string()];
                t.hole(quote! { #path.name })
                    .push("(")
                    .append(self.circom(&idx[0]))
                    .push(")");
                ATOM
            }
            Expression::Index(i, idx) if self.kind(i) == Kind::Table => {
                let path = &self.tables[&i.to_string()];
                t.hole(quote! { #path.name })
                    .push("(")
                    .append(self.circom(&idx[0]))
                    .push(", ")
                    .append(self.circom(&idx[1]))
                    .push(")");
                ATOM
            }
            Expression::Index(i, idx) => {
                match self.kind(i) {
                    Kind::CallOut { comp, out, loops } => {
                        t.push(&format!("{comp}{}.", Self::subscripts(&loops)));
                        t.hole(self.call_out(&comp, out));
                    }
                    _ => {
                        t.push(&i.to_string());
                    }
                }
                for x in idx {
                    t.push("[").append(self.circom(x)).push("]");
                }
                ATOM
            }
            Expression::Bin(BinaryOp::Shr, l, r, _) => {
                t.push("s9_shr(")
                    .append(self.circom(l))
                    .push(", ")
                    .append(self.circom(r))
                    .push(")");
                ATOM
            }
            Expression::Bin(op, l, r, _) => {
                let (sym, p) = match op {
                    BinaryOp::Mul => ("*", 12),
                    BinaryOp::Div => ("\\", 12),
                    BinaryOp::Rem => ("%", 12),
                    BinaryOp::Add => ("+", 11),
                    BinaryOp::Sub => ("-", 11),
                    BinaryOp::Shl => ("<<", 10),
                    BinaryOp::Shr => unreachable!("a function call, above"),
                    BinaryOp::Lt => ("<", 9),
                    BinaryOp::Le => ("<=", 9),
                    BinaryOp::Gt => (">", 9),
                    BinaryOp::Ge => (">=", 9),
                    BinaryOp::Eq => ("==", 8),
                    BinaryOp::Ne => ("!=", 8),
                    BinaryOp::BitAnd => ("&", 7),
                    BinaryOp::BitXor => ("^", 6),
                    BinaryOp::BitOr => ("|", 5),
                    BinaryOp::And => ("&&", 3),
                    BinaryOp::Or => ("||", 2),
                };
                let (a, pa) = self.circom_prec(l);
                let (b, pb) = self.circom_prec(r);
                // Left operands of equal precedence associate as in Rust;
                // right ones are grouped explicitly.
                // Only arithmetic relies on precedence. Circom ranks
                // comparisons, equality and bit operators unlike Rust (and
                // unlike C: `a < 0 == b < 0` regroups), so their operands,
                // and a shift's, are grouped explicitly.
                let explicit = p <= 10;
                let chain = pa == p && matches!(op, BinaryOp::And | BinaryOp::Or);
                Self::operand(&mut t, a, pa < p || (explicit && pa < 13 && !chain));
                t.push(&format!(" {sym} "));
                Self::operand(&mut t, b, pb <= p || (explicit && pb < 13));
                p
            }
            Expression::Un(op, x, _) => {
                let (inner, pi) = self.circom_prec(x);
                t.push(if *op == UnaryOp::Neg { "-" } else { "!" });
                Self::operand(&mut t, inner, pi < 13);
                13
            }
            Expression::Call(f, args) => {
                let name = if f == "field_inv" {
                    "s9_inv".to_string()
                } else {
                    format!("s9_{f}")
                };
                t.push(&name).push("(");
                for (k, a) in args.iter().enumerate() {
                    if k > 0 {
                        t.push(", ");
                    }
                    t.append(self.circom(a));
                }
                t.push(")");
                ATOM
            }
            Expression::Cond(c, a, b, _) => {
                let (ct, pc) = self.circom_prec(c);
                Self::operand(&mut t, ct, pc < 13);
                // circom does not chain conditionals: a nested one (an
                // `else if`) is grouped.
                let (at, pa) = self.circom_prec(a);
                let (bt, pb) = self.circom_prec(b);
                t.push(" ? ");
                Self::operand(&mut t, at, pa <= 1);
                t.push(" : ");
                Self::operand(&mut t, bt, pb <= 1);
                1
            }
        };
        (t, prec)
    }

    fn operand(t: &mut Text, x: Text, paren: bool) {
        if paren {
            t.push("(").append(x).push(")");
        } else {
            t.append(x);
        }
    }

    pub fn loop_index(loops: &[Ident]) -> TokenStream {
        loop_index(loops)
    }
}
