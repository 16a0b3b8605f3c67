//! Reads a `#[zk_op]` declaration into the operator IR: parameters, ports
//! with their bounds, and the body as a small statement language.
//!
//! Every construct the body language lacks is reported here with the span
//! of the offending token; parsing goes on so one pass reports them all.

use crate::errors::Errors;
use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, Ident, Token};

/// Where a parameter of the operator comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Declared with `#[attr]`.
    Attr,
    /// A dimension named by axis `axis` of input `input`'s shape.
    Dim { input: usize, axis: usize },
    /// A precision named by input `input`'s bound.
    Prec { input: usize },
}

pub struct Param {
    pub ident: Ident,
    pub ty: syn::Type,
    pub origin: Origin,
    pub range: Option<(Ex, Ex)>,
}

pub enum BoundSpec {
    Prec(Ex),
    Range(Ex, Ex),
    /// A port of a field operator: any field element.
    Field,
}

pub struct Port {
    pub ident: Ident,
    pub shape: Vec<Ex>,
    pub bound: BoundSpec,
    pub bound_text: String,
    /// An input that must be a circuit constant (`constant = true`): its
    /// values may select and index, and it costs nothing.
    pub constant: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bop {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Shl,
    Shr,
    BitAnd,
    BitOr,
    BitXor,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Uop {
    Neg,
    Not,
}

/// An expression of the body language.
#[derive(Clone)]
pub enum Ex {
    Lit(i128, Span),
    Name(Ident),
    Index(Ident, Vec<Ex>),
    Bin(Bop, Box<Ex>, Box<Ex>, Span),
    Un(Uop, Box<Ex>, Span),
    /// A built-in function (`div_floor`, `bit`, `min`, ...).
    Call(Ident, Vec<Ex>),
    Cond(Box<Ex>, Box<Ex>, Box<Ex>, Span),
}

impl Ex {
    pub fn span(&self) -> Span {
        match self {
            Ex::Lit(_, s) | Ex::Bin(_, _, _, s) | Ex::Un(_, _, s) | Ex::Cond(_, _, _, s) => *s,
            Ex::Name(i) | Ex::Index(i, _) | Ex::Call(i, _) => i.span(),
        }
    }

    /// Every identifier the expression reads.
    pub fn names(&self, out: &mut Vec<Ident>) {
        match self {
            Ex::Lit(..) => {}
            Ex::Name(i) => out.push(i.clone()),
            Ex::Index(i, idx) => {
                out.push(i.clone());
                idx.iter().for_each(|e| e.names(out));
            }
            Ex::Bin(_, l, r, _) => {
                l.names(out);
                r.names(out);
            }
            Ex::Un(_, e, _) => e.names(out),
            Ex::Call(_, args) => args.iter().for_each(|e| e.names(out)),
            Ex::Cond(c, a, b, _) => {
                c.names(out);
                a.names(out);
                b.names(out);
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aop {
    Set,
    Add,
    Sub,
}

/// A statement of the body language.
pub enum St {
    Let {
        name: Ident,
        mutable: bool,
        init: Ex,
    },
    Hint {
        name: Ident,
        expr: Ex,
    },
    Wire {
        name: Ident,
        expr: Ex,
    },
    Call {
        binds: Vec<Ident>,
        comp: Ident,
        target: syn::Path,
        fields: Vec<(Ident, Ex)>,
        args: Vec<Ex>,
    },
    Enforce {
        lhs: Ex,
        rhs: Ex,
        text: String,
        span: Span,
    },
    Assign {
        target: Ident,
        index: Vec<Ex>,
        op: Aop,
        value: Ex,
    },
    For {
        var: Ident,
        start: Ex,
        end: Ex,
        body: Vec<St>,
    },
    If {
        cond: Ex,
        then: Vec<St>,
        els: Vec<St>,
    },
    /// `let mut s = [[0; b]; a];`: a local array of zeros, `dims = [a, b]`.
    Array {
        name: Ident,
        dims: Vec<Ex>,
    },
}

pub struct Decl {
    pub vis: syn::Visibility,
    pub name: Ident,
    /// The operator's name where it differs from the function's (`where`).
    pub op_name: Option<String>,
    pub docs: Vec<syn::Attribute>,
    pub params: Vec<Param>,
    pub derived: Vec<(Ident, Ex)>,
    pub requires: Vec<(Ex, String)>,
    /// `#[zk_op(field)]`: ports, values and constraints over `Fr`.
    pub field: bool,
    /// `tables(name = path, ..)`: constant tables a field operator reads.
    pub tables: Vec<(Ident, syn::Path)>,
    pub inputs: Vec<Port>,
    pub outputs: Vec<Port>,
    pub body: Vec<St>,
}

/// The arguments of `#[zk_op(...)]`: `field`, `name = "..."`,
/// `derive(name = expr, ...)`, `require(expr, ...)` and `tables(name =
/// path, ...)`.
#[derive(Default)]
struct OpArgs {
    name: Option<syn::LitStr>,
    derived: Vec<(Ident, Expr)>,
    requires: Vec<Expr>,
    field: bool,
    tables: Vec<(Ident, syn::Path)>,
}

const EXPECTED_ARGS: &str = "expected `field`, `name = \"..\"`, `derive(..)`, `require(..)` or `tables(..)`";

/// Reads every argument on its own, so one mistake does not hide the
/// others; an argument given twice is refused at its second place.
fn op_args(attr: TokenStream, errors: &mut Errors) -> OpArgs {
    let mut args = OpArgs::default();
    let metas = match syn::parse::Parser::parse2(Punctuated::<syn::Meta, Token![,]>::parse_terminated, attr) {
        Ok(m) => m,
        Err(e) => {
            errors.push(e);
            return args;
        }
    };
    let mut seen: Vec<String> = Vec::new();
    for meta in metas {
        let key = meta.path().get_ident().map(Ident::to_string).unwrap_or_default();
        if seen.contains(&key) {
            errors.push(syn::Error::new(
                meta.path().span(),
                format!("`{key}` is given twice in #[zk_op]; give it once"),
            ));
            continue;
        }
        seen.push(key);
        if let Err(e) = op_arg(&meta, &mut args) {
            errors.push(e);
        }
    }
    args
}

/// One argument into `args`.
fn op_arg(meta: &syn::Meta, args: &mut OpArgs) -> syn::Result<()> {
    let key = meta.path().get_ident().map(Ident::to_string).unwrap_or_default();
    match (key.as_str(), meta) {
        ("field", syn::Meta::Path(_)) => args.field = true,
        ("name", syn::Meta::NameValue(nv)) => match &nv.value {
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s), ..
            }) => args.name = Some(s.clone()),
            other => return Err(syn::Error::new(other.span(), "`name` is a string: `name = \"..\"`")),
        },
        ("derive", syn::Meta::List(list)) => {
            let items = list.parse_args_with(Punctuated::<syn::MetaNameValue, Token![,]>::parse_terminated)?;
            for nv in items {
                let ident = nv.path.get_ident().cloned().ok_or_else(|| {
                    syn::Error::new(nv.path.span(), "a derived value is named by a single identifier")
                })?;
                args.derived.push((ident, nv.value));
            }
        }
        ("require", syn::Meta::List(list)) => {
            args.requires
                .extend(list.parse_args_with(Punctuated::<Expr, Token![,]>::parse_terminated)?);
        }
        ("tables", syn::Meta::List(list)) => {
            let items = list.parse_args_with(Punctuated::<syn::MetaNameValue, Token![,]>::parse_terminated)?;
            for nv in items {
                let ident = nv
                    .path
                    .get_ident()
                    .cloned()
                    .ok_or_else(|| syn::Error::new(nv.path.span(), "a table is named by a single identifier"))?;
                let Expr::Path(p) = nv.value else {
                    return Err(syn::Error::new(
                        nv.value.span(),
                        "a table is the path of a `section9::dsl::Table` constant",
                    ));
                };
                args.tables.push((ident, p.path));
            }
        }
        ("field" | "name" | "derive" | "require" | "tables", _) => {
            return Err(syn::Error::new(
                meta.span(),
                format!("malformed `{key}`; {EXPECTED_ARGS}"),
            ))
        }
        _ => {
            let msg = format!("unknown #[zk_op] argument `{key}`; {EXPECTED_ARGS}");
            return Err(syn::Error::new(meta.path().span(), msg));
        }
    }
    Ok(())
}

/// `call!(Target { field: expr, .. }, arg, ..)`.
struct CallArgs {
    target: syn::ExprStruct,
    args: Vec<Expr>,
}

impl Parse for CallArgs {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let target: syn::ExprStruct = input.parse()?;
        let mut args = Vec::new();
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            args.push(input.parse()?);
        }
        Ok(CallArgs { target, args })
    }
}

pub fn parse(attr: TokenStream, item: TokenStream, errors: &mut Errors) -> Option<Decl> {
    let func: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(e) => {
            errors.push(match syn::parse2::<syn::Item>(item) {
                Ok(other) => syn::Error::new(
                    other.span(),
                    "#[zk_op] declares an operator from a function: `fn name(#[input(..)] x: Tensor, ..) { .. }`",
                ),
                Err(_) => e,
            });
            return None;
        }
    };
    let op_args = op_args(attr, errors);
    let mut p = Parser {
        errors,
        comp_counter: 0,
        field: op_args.field,
    };
    if !op_args.field {
        if let Some((i, _)) = op_args.tables.first() {
            p.err(
                i.span(),
                "tables hold field elements: only a `#[zk_op(field)]` operator reads them",
            );
        }
    }
    if let Some(t) = &func.sig.generics.lt_token {
        p.err(t.span(), "operators take no generic parameters");
    }
    if let syn::ReturnType::Type(arrow, _) = &func.sig.output {
        p.err(
            arrow.span(),
            "operators return nothing: declare outputs as `#[output(..)]` parameters",
        );
    }
    let mut decl = Decl {
        vis: func.vis.clone(),
        name: func.sig.ident.clone(),
        op_name: op_args.name.as_ref().map(syn::LitStr::value),
        docs: func
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("doc"))
            .cloned()
            .collect(),
        params: Vec::new(),
        derived: Vec::new(),
        requires: Vec::new(),
        field: op_args.field,
        tables: op_args.tables.clone(),
        inputs: Vec::new(),
        outputs: Vec::new(),
        body: Vec::new(),
    };
    for a in func.attrs.iter().filter(|a| !a.path().is_ident("doc")) {
        p.err(
            a.span(),
            "attributes other than doc comments are not supported on operators",
        );
    }
    // Derived values first: a shape naming one refers to it rather than
    // introducing a dimension.
    for (ident, e) in &op_args.derived {
        if let Some(e) = p.expr(e) {
            decl.derived.push((ident.clone(), e));
        }
    }
    for arg in &func.sig.inputs {
        p.param(arg, &mut decl);
    }
    for e in &op_args.requires {
        if let Some(x) = p.expr(e) {
            decl.requires.push((x, e.to_token_stream().to_string()));
        }
    }
    decl.body = p.block(&func.block.stmts);
    Some(decl)
}

struct Parser<'a> {
    errors: &'a mut Errors,
    comp_counter: usize,
    /// Parsing a field operator: ports take no bound.
    field: bool,
}

fn is_type(ty: &syn::Type, names: &[&str]) -> bool {
    match ty {
        syn::Type::Path(p) => p.qself.is_none() && names.iter().any(|n| p.path.is_ident(n)),
        _ => false,
    }
}

impl Parser<'_> {
    fn err(&mut self, span: Span, msg: impl std::fmt::Display) {
        self.errors.push(syn::Error::new(span, msg));
    }

    fn param(&mut self, arg: &syn::FnArg, decl: &mut Decl) {
        let syn::FnArg::Typed(pt) = arg else {
            self.err(arg.span(), "operators are free functions: `self` is not a parameter");
            return;
        };
        let syn::Pat::Ident(pi) = &*pt.pat else {
            self.err(pt.pat.span(), "a parameter is a plain identifier");
            return;
        };
        let ident = pi.ident.clone();
        if pt.attrs.len() != 1 {
            self.err(
                ident.span(),
                format!("`{ident}` needs exactly one of #[attr], #[input(..)] or #[output(..)]"),
            );
            return;
        }
        let a = &pt.attrs[0];
        let kind = a.path().get_ident().map(|i| i.to_string()).unwrap_or_default();
        match kind.as_str() {
            "attr" => {
                const INTS: &[&str] = &[
                    "u8", "u16", "u32", "u64", "usize", "i8", "i16", "i32", "i64", "isize", "bool",
                ];
                if !is_type(&pt.ty, INTS) {
                    self.err(pt.ty.span(), "an attribute is an integer type or `bool`");
                }
                let mut range = None;
                if let syn::Meta::List(list) = &a.meta {
                    match list.parse_args::<syn::MetaNameValue>() {
                        Ok(nv) if nv.path.is_ident("range") => range = self.pair(&nv.value),
                        Ok(nv) => self.err(
                            nv.path.span(),
                            "unknown attribute option; expected `range = [min, max]`",
                        ),
                        Err(e) => self.errors.push(e),
                    }
                }
                decl.params.push(Param {
                    ident,
                    ty: pt.ty.as_ref().clone(),
                    origin: Origin::Attr,
                    range,
                });
            }
            "input" | "output" => {
                let scalar = is_type(&pt.ty, &["Scalar"]);
                if !scalar && !is_type(&pt.ty, &["Tensor"]) {
                    self.err(pt.ty.span(), "a port's type is `Tensor` or `Scalar`");
                }
                let port = self.port(&ident, a, scalar, kind == "input", decl);
                if let Some(port) = port {
                    if kind == "input" {
                        decl.inputs.push(port);
                    } else {
                        decl.outputs.push(port);
                    }
                }
            }
            _ => self.err(
                a.path().span(),
                "unknown parameter attribute; expected #[attr], #[input(..)] or #[output(..)]",
            ),
        }
    }

    /// `[a, b]` as a pair of expressions.
    fn pair(&mut self, e: &Expr) -> Option<(Ex, Ex)> {
        match e {
            Expr::Array(arr) if arr.elems.len() == 2 => {
                let lo = self.expr(&arr.elems[0])?;
                let hi = self.expr(&arr.elems[1])?;
                Some((lo, hi))
            }
            _ => {
                self.err(e.span(), "expected `[min, max]`");
                None
            }
        }
    }

    fn port(&mut self, ident: &Ident, a: &syn::Attribute, scalar: bool, input: bool, decl: &mut Decl) -> Option<Port> {
        let items = match &a.meta {
            syn::Meta::List(list) => {
                match list.parse_args_with(Punctuated::<syn::MetaNameValue, Token![,]>::parse_terminated) {
                    Ok(items) => items.into_iter().collect(),
                    Err(e) => {
                        self.errors.push(e);
                        return None;
                    }
                }
            }
            _ => Vec::new(),
        };
        let mut shape = None;
        let mut bound = None;
        let mut bound_text = String::new();
        let mut constant = false;
        for nv in &items {
            let key = nv.path.get_ident().map(|i| i.to_string()).unwrap_or_default();
            match key.as_str() {
                "shape" => {
                    if scalar {
                        self.err(nv.path.span(), "a `Scalar` has no shape");
                        continue;
                    }
                    let Expr::Array(arr) = &nv.value else {
                        self.err(nv.value.span(), "a shape is a list of dimensions: `[n, k]`");
                        continue;
                    };
                    let mut dims = Vec::new();
                    for (axis, d) in arr.elems.iter().enumerate() {
                        if input {
                            if let Expr::Path(p) = d {
                                if let Some(i) = p.path.get_ident() {
                                    let origin = Origin::Dim {
                                        input: decl.inputs.len(),
                                        axis,
                                    };
                                    self.implicit(i, origin, decl);
                                }
                            }
                        }
                        dims.extend(self.expr(d));
                    }
                    shape = Some(dims);
                }
                "prec" => {
                    if input {
                        if let Expr::Path(p) = &nv.value {
                            if let Some(i) = p.path.get_ident() {
                                let origin = Origin::Prec {
                                    input: decl.inputs.len(),
                                };
                                self.implicit(i, origin, decl);
                            }
                        }
                    }
                    bound_text = format!("prec = {}", nv.value.to_token_stream());
                    bound = self.expr(&nv.value).map(BoundSpec::Prec);
                }
                "range" => {
                    bound_text = format!("range = {}", nv.value.to_token_stream());
                    bound = self.pair(&nv.value).map(|(lo, hi)| BoundSpec::Range(lo, hi));
                }
                "constant" if input => match &nv.value {
                    Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Bool(b), ..
                    }) => constant = b.value,
                    v => self.err(v.span(), "`constant` is `true` or `false`"),
                },
                _ => self.err(
                    nv.path.span(),
                    format!("unknown port option `{key}`; expected `shape`, `prec`, `range` or (inputs) `constant`"),
                ),
            }
        }
        // A port with a mistake is still declared, so the body's uses of it
        // raise no second error.
        let bound = match (bound, self.field) {
            (None, true) => BoundSpec::Field,
            (Some(_), true) => {
                self.err(
                    ident.span(),
                    format!("`{ident}` holds field elements: a field operator's ports take no bound"),
                );
                BoundSpec::Field
            }
            (Some(b), false) => b,
            (None, false) => {
                self.err(
                    ident.span(),
                    format!("`{ident}` needs a bound: `prec = p` or `range = [min, max]`"),
                );
                BoundSpec::Prec(Ex::Lit(1, ident.span()))
            }
        };
        if shape.is_none() && !scalar {
            self.err(ident.span(), format!("tensor `{ident}` needs a shape: `shape = [..]`"));
        }
        Some(Port {
            ident: ident.clone(),
            shape: shape.unwrap_or_default(),
            bound,
            bound_text,
            constant,
        })
    }

    /// Registers a dimension or precision named by an input, unless an
    /// attribute or an earlier input already names it.
    fn implicit(&mut self, i: &Ident, origin: Origin, decl: &mut Decl) {
        if decl.params.iter().any(|p| p.ident == *i) || decl.derived.iter().any(|(d, _)| d == i) {
            return;
        }
        let ty: syn::Type = if matches!(origin, Origin::Dim { .. }) {
            syn::parse_quote!(usize)
        } else {
            syn::parse_quote!(u32)
        };
        decl.params.push(Param {
            ident: i.clone(),
            ty,
            origin,
            range: None,
        });
    }

    fn block(&mut self, stmts: &[syn::Stmt]) -> Vec<St> {
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

    fn local(&mut self, l: &syn::Local) -> Option<St> {
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
            let inner = self.macro_expr(&m.mac).unwrap_or(Ex::Lit(0, name.span()));
            return match which.as_str() {
                "hint" => Some(St::Hint { name, expr: inner }),
                "wire" => Some(St::Wire { name, expr: inner }),
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
            return Some(St::Array { name, dims });
        }
        let init = self.expr(&init.expr).unwrap_or(Ex::Lit(0, name.span()));
        Some(St::Let { name, mutable, init })
    }

    /// `[[0; b]; a]` as the dimensions `[a, b]`.
    fn array_dims(&mut self, e: &Expr) -> Option<Vec<Ex>> {
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

    fn macro_expr(&mut self, mac: &syn::Macro) -> Option<Ex> {
        match mac.parse_body::<Expr>() {
            Ok(e) => self.expr(&e),
            Err(e) => {
                self.errors.push(e);
                None
            }
        }
    }

    fn call(&mut self, mac: &syn::Macro, binds: Vec<Ident>) -> Option<St> {
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
        let args: Vec<Ex> = parsed.args.iter().filter_map(|a| self.expr(a)).collect();
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
        Some(St::Call {
            binds,
            comp,
            target: parsed.target.path.clone(),
            fields,
            args,
        })
    }

    fn stmt_macro(&mut self, mac: &syn::Macro) -> Option<St> {
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
                Some(St::Enforce {
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

    fn stmt_expr(&mut self, e: &Expr) -> Option<St> {
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
                Some(St::For {
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
                Some(St::If { cond: cond?, then, els })
            }
            Expr::Assign(a) => self.assign(&a.left, Aop::Set, &a.right),
            Expr::Binary(b) if matches!(b.op, syn::BinOp::AddAssign(_)) => self.assign(&b.left, Aop::Add, &b.right),
            Expr::Binary(b) if matches!(b.op, syn::BinOp::SubAssign(_)) => self.assign(&b.left, Aop::Sub, &b.right),
            other => {
                self.err(
                    other.span(),
                    "unsupported statement in an operator body; expected `let`, `for`, `if`, an assignment, `enforce!` or `call!`",
                );
                None
            }
        }
    }

    fn assign(&mut self, left: &Expr, op: Aop, right: &Expr) -> Option<St> {
        let (target, index) = match self.expr(left)? {
            Ex::Name(i) => (i, Vec::new()),
            Ex::Index(i, idx) => (i, idx),
            _ => {
                self.err(left.span(), "assign to a name or an output element");
                return None;
            }
        };
        let value = self.expr(right)?;
        Some(St::Assign {
            target,
            index,
            op,
            value,
        })
    }

    pub fn expr(&mut self, e: &Expr) -> Option<Ex> {
        match e {
            Expr::Lit(l) => match &l.lit {
                syn::Lit::Int(i) => match i.base10_parse::<i128>() {
                    Ok(v) if i.suffix().is_empty() => Some(Ex::Lit(v, i.span())),
                    Ok(_) => {
                        self.err(i.span(), "drop the suffix: every integer here is an i128");
                        None
                    }
                    Err(err) => {
                        self.errors.push(err);
                        None
                    }
                },
                syn::Lit::Bool(b) => Some(Ex::Lit(b.value as i128, b.span())),
                other => {
                    self.err(other.span(), "only integer and boolean literals are supported");
                    None
                }
            },
            Expr::Path(p) => match p.path.get_ident() {
                Some(i) if p.qself.is_none() => Some(Ex::Name(i.clone())),
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
                let idx: Vec<Option<Ex>> = idx.into_iter().map(|i| self.expr(i)).collect();
                let idx: Option<Vec<Ex>> = idx.into_iter().collect();
                Some(Ex::Index(base.clone(), idx?))
            }
            Expr::Binary(b) => {
                use syn::BinOp as B;
                let op = match b.op {
                    B::Add(_) => Bop::Add,
                    B::Sub(_) => Bop::Sub,
                    B::Mul(_) => Bop::Mul,
                    B::Div(_) => Bop::Div,
                    B::Rem(_) => Bop::Rem,
                    B::Shl(_) => Bop::Shl,
                    B::Shr(_) => Bop::Shr,
                    B::BitAnd(_) => Bop::BitAnd,
                    B::BitOr(_) => Bop::BitOr,
                    B::BitXor(_) => Bop::BitXor,
                    B::Eq(_) => Bop::Eq,
                    B::Ne(_) => Bop::Ne,
                    B::Lt(_) => Bop::Lt,
                    B::Le(_) => Bop::Le,
                    B::Gt(_) => Bop::Gt,
                    B::Ge(_) => Bop::Ge,
                    B::And(_) => Bop::And,
                    B::Or(_) => Bop::Or,
                    _ => {
                        self.err(b.op.span(), "compound assignment is a statement, not an expression");
                        return None;
                    }
                };
                let l = self.expr(&b.left);
                let r = self.expr(&b.right);
                Some(Ex::Bin(op, Box::new(l?), Box::new(r?), b.op.span()))
            }
            Expr::Unary(u) => {
                let op = match u.op {
                    syn::UnOp::Neg(_) => Uop::Neg,
                    syn::UnOp::Not(_) => Uop::Not,
                    _ => {
                        self.err(u.op.span(), "unsupported operator");
                        return None;
                    }
                };
                let inner = self.expr(&u.expr)?;
                if let (Uop::Neg, Ex::Lit(v, _)) = (op, &inner) {
                    return Some(Ex::Lit(-v, u.span()));
                }
                Some(Ex::Un(op, Box::new(inner), u.op.span()))
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
                let args: Vec<Option<Ex>> = c.args.iter().map(|a| self.expr(a)).collect();
                let args: Option<Vec<Ex>> = args.into_iter().collect();
                Some(Ex::Call(f.clone(), args?))
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
                Some(Ex::Cond(
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
    fn tail(&mut self, b: &syn::Block) -> Option<Ex> {
        match b.stmts.as_slice() {
            [syn::Stmt::Expr(e, None)] => self.expr(e),
            _ => {
                self.err(b.span(), "a branch of an `if` expression is a single expression");
                None
            }
        }
    }
}
