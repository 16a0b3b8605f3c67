//! Reads a `#[zk_op]` declaration into the operator IR ([`crate::ir`]):
//! the attribute's arguments (`args`), the signature's parameters and ports
//! (`signature`) and the body (`body`).
//!
//! Every construct the body language lacks is reported here with the span
//! of the offending token; parsing goes on so one pass reports them all.

mod args;
mod body;
mod signature;

use crate::errors::Errors;
use crate::ir::Decl;
use args::op_args;
use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::spanned::Spanned;

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
        ints: op_args.ints.clone(),
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

impl Parser<'_> {
    fn err(&mut self, span: Span, msg: impl std::fmt::Display) {
        self.errors.push(syn::Error::new(span, msg));
    }
}
