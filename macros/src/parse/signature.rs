//! An operator's signature: its parameters, and its ports with their
//! shapes and bounds.

use super::Parser;
use crate::ir::{BoundSpec, Decl, Expression, Origin, Param, Port};
use quote::ToTokens;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, Ident, Token};

impl Parser<'_> {
    pub(super) fn param(&mut self, arg: &syn::FnArg, decl: &mut Decl) {
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
    pub(super) fn pair(&mut self, e: &Expr) -> Option<(Expression, Expression)> {
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

    pub(super) fn port(
        &mut self,
        ident: &Ident,
        a: &syn::Attribute,
        scalar: bool,
        input: bool,
        decl: &mut Decl,
    ) -> Option<Port> {
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
                BoundSpec::Prec(Expression::Lit(1, ident.span()))
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
    pub(super) fn implicit(&mut self, i: &Ident, origin: Origin, decl: &mut Decl) {
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
}

fn is_type(ty: &syn::Type, names: &[&str]) -> bool {
    match ty {
        syn::Type::Path(p) => p.qself.is_none() && names.iter().any(|n| p.path.is_ident(n)),
        _ => false,
    }
}
