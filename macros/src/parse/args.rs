//! The arguments of `#[zk_op(..)]` and of `call!(..)`.

use crate::errors::Errors;
use proc_macro2::TokenStream;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, Ident, Token};

/// The arguments of `#[zk_op(...)]`: `field`, `name = "..."`,
/// `derive(name = expr, ...)`, `require(expr, ...)`, `tables(name =
/// path, ...)` and `ints(name = path, ...)`.
#[derive(Default)]
pub(super) struct OpArgs {
    pub(super) name: Option<syn::LitStr>,
    pub(super) derived: Vec<(Ident, Expr)>,
    pub(super) requires: Vec<Expr>,
    pub(super) field: bool,
    pub(super) tables: Vec<(Ident, syn::Path)>,
    pub(super) ints: Vec<(Ident, syn::Path)>,
}

const EXPECTED_ARGS: &str =
    "expected `field`, `name = \"..\"`, `derive(..)`, `require(..)`, `tables(..)` or `ints(..)`";

/// Reads every argument on its own, so one mistake does not hide the
/// others; an argument given twice is refused at its second place.
pub(super) fn op_args(attr: TokenStream, errors: &mut Errors) -> OpArgs {
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
        ("tables", syn::Meta::List(list)) => args.tables = named_paths(list, "a `section9::dsl::Table` constant")?,
        ("ints", syn::Meta::List(list)) => args.ints = named_paths(list, "a `section9::dsl::Ints` constant")?,
        ("field" | "name" | "derive" | "require" | "tables" | "ints", _) => {
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

/// `name = PATH, ..`: constants the body reads by name, each the path of
/// `what`.
fn named_paths(list: &syn::MetaList, what: &str) -> syn::Result<Vec<(Ident, syn::Path)>> {
    let items = list.parse_args_with(Punctuated::<syn::MetaNameValue, Token![,]>::parse_terminated)?;
    let mut out = Vec::new();
    for nv in items {
        let ident = nv
            .path
            .get_ident()
            .cloned()
            .ok_or_else(|| syn::Error::new(nv.path.span(), "a constant is named by a single identifier"))?;
        let Expr::Path(p) = nv.value else {
            return Err(syn::Error::new(nv.value.span(), format!("expected the path of {what}")));
        };
        out.push((ident, p.path));
    }
    Ok(out)
}

/// `call!(Target { field: expr, .. }, arg, ..)`.
pub(super) struct CallArgs {
    pub(super) target: syn::ExprStruct,
    pub(super) args: Vec<Expr>,
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
