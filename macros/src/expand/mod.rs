//! Writes the operator: a struct of its parameters and an implementation of
//! `section9::ZkOp` whose reference, synthesis and circom text all come from
//! the one body.

mod body;
mod circom;
mod lower;

use crate::errors::Errors;
use crate::ir::{self, Decl, Statement};
use crate::parse;
use crate::validate;
use body::Target;
use lower::Ctx;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use std::collections::HashMap;

pub fn zk_op(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let Some(decl) = parse::parse(attr, item.clone(), &mut errors) else {
        let errs = errors.to_compile_errors();
        // An item that is not a function stays as written: one error, and
        // none where it is used.
        let other = matches!(syn::parse2::<syn::Item>(item.clone()), Ok(i) if !matches!(i, syn::Item::Fn(_)));
        return if other {
            quote! { #errs #item }
        } else {
            errs
        };
    };
    let info = validate::validate(&decl, &mut errors);
    if !errors.is_empty() {
        return fallback(&decl, &errors);
    }
    let mut targets = HashMap::new();
    collect_targets(&decl.body, &mut targets);
    let tables = decl
        .tables
        .iter()
        .chain(&decl.ints)
        .map(|(i, p)| (i.to_string(), p.clone()))
        .collect();
    let ctx = Ctx {
        decl: &decl,
        info: &info,
        targets,
        tables,
    };
    generate(&ctx)
}

/// The struct alone, so one mistake gives one message rather than a cascade
/// of unknown-type errors wherever the operator is named.
fn fallback(decl: &Decl, errors: &Errors) -> TokenStream {
    let errs = errors.to_compile_errors();
    let vis = &decl.vis;
    let name = struct_name(&decl.name);
    let fields = decl.params.iter().map(|p| {
        let (i, t) = (&p.ident, &p.ty);
        quote! { pub #i: #t }
    });
    // The tables stay referenced, so a mistake elsewhere adds no
    // unused-import warning.
    let tables = decl
        .tables
        .iter()
        .chain(&decl.ints)
        .map(|(_, p)| quote! { const _: () = { let _ = &#p; }; });
    quote! {
        #errs
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #vis struct #name { #(#fields),* }
        #(#tables)*
    }
}

fn struct_name(fn_name: &syn::Ident) -> syn::Ident {
    let camel: String = fn_name
        .to_string()
        .split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect();
    format_ident!("{}", camel, span = fn_name.span())
}

fn collect_targets(body: &[Statement], out: &mut HashMap<String, syn::Path>) {
    for s in body {
        match s {
            Statement::Call { comp, target, .. } => {
                out.insert(comp.to_string(), target.clone());
            }
            Statement::For { body, .. } => collect_targets(body, out),
            Statement::If { then, els, .. } => {
                collect_targets(then, out);
                collect_targets(els, out);
            }
            _ => {}
        }
    }
}

fn generate(ctx: &Ctx) -> TokenStream {
    let decl = ctx.decl;
    let d = quote! { ::section9::dsl };
    let e = quote! { ::section9::OpError };
    let vis = &decl.vis;
    let name = struct_name(&decl.name);
    let op_name = decl.op_name.clone().unwrap_or_else(|| decl.name.to_string());
    let template = name.to_string();
    let docs = &decl.docs;

    let fields = decl.params.iter().map(|p| {
        let (i, t) = (&p.ident, &p.ty);
        let doc = match p.origin {
            ir::Origin::Attr => format!("Attribute `{i}`."),
            ir::Origin::Dim { .. } => format!("Dimension `{i}`, named by an input's shape."),
            ir::Origin::Prec { .. } => format!("Precision `{i}`, declared by an input's bound."),
        };
        quote! { #[doc = #doc] pub #i: #t }
    });
    let param_names: Vec<String> = decl.params.iter().map(|p| p.ident.to_string()).collect();
    let input_names: Vec<String> = decl.inputs.iter().map(|p| p.ident.to_string()).collect();
    let output_names: Vec<String> = decl.outputs.iter().map(|p| p.ident.to_string()).collect();
    let output_rules: Vec<&String> = decl.outputs.iter().map(|p| &p.bound_text).collect();
    let sources = decl.params.iter().map(|p| match p.origin {
        ir::Origin::Attr => quote! { ::section9::ParamSource::Attr },
        ir::Origin::Dim { input, axis } => quote! { ::section9::ParamSource::Dim { input: #input, axis: #axis } },
        ir::Origin::Prec { input } => quote! { ::section9::ParamSource::Prec { input: #input } },
    });
    let from_fields = decl.params.iter().enumerate().map(|(k, p)| {
        let i = &p.ident;
        let n = i.to_string();
        quote! { #i: #d::param(#n, __values[#k])? }
    });
    let param_count = decl.params.len();
    let input_ranks = decl.inputs.iter().map(|p| p.shape.len());
    let output_ranks = decl.outputs.iter().map(|p| p.shape.len());
    let constant_inputs = decl.inputs.iter().map(|p| p.constant);
    let param_values = decl.params.iter().map(|p| {
        let i = &p.ident;
        quote! { #d::ParamValue::to_i128(self.#i) }
    });

    let prologue: TokenStream = decl
        .params
        .iter()
        .map(|p| {
            let i = &p.ident;
            quote! { let #i: i128 = #d::ParamValue::to_i128(self.#i); }
        })
        .chain(decl.derived.iter().map(|(i, x)| {
            let v = ctx.int(x, false);
            quote! { let #i: i128 = #v; }
        }))
        .collect();

    let ranges: TokenStream = decl
        .params
        .iter()
        .filter_map(|p| {
            let (lo, hi) = p.range.as_ref()?;
            let i = &p.ident;
            let n = i.to_string();
            let (lo, hi) = (ctx.int(lo, false), ctx.int(hi, false));
            Some(quote! {
                let (__lo, __hi) = (#lo, #hi);
                if !(__lo <= #i && #i <= __hi) {
                    return ::std::result::Result::Err(#e::Param {
                        op: "",
                        param: #n,
                        why: ::std::format!("is {}, outside [{}, {}]", #i, __lo, __hi),
                    });
                }
            })
        })
        .collect();
    let requires: TokenStream = decl
        .requires
        .iter()
        .map(|(x, text)| {
            let v = ctx.int(x, false);
            quote! {
                if #v == 0 {
                    return ::std::result::Result::Err(#e::Param {
                        op: "",
                        param: "require",
                        why: ::std::format!("`{}` does not hold", #text),
                    });
                }
            }
        })
        .collect();
    let shapes = |ports: &[ir::Port]| -> TokenStream {
        let each = ports.iter().map(|p| {
            let dims = p.shape.iter().map(|x| ctx.int(x, false));
            quote! { ::std::vec![#(#d::dim(#dims)?),*] }
        });
        quote! { ::std::vec![#(#each),*] }
    };
    let bounds = |ports: &[ir::Port]| -> TokenStream {
        let each = ports.iter().map(|p| ctx.bound(&p.bound));
        quote! { ::std::vec![#(#each),*] }
    };
    let (in_shapes, out_shapes) = (shapes(&decl.inputs), shapes(&decl.outputs));
    let (in_bounds, out_bounds) = (bounds(&decl.inputs), bounds(&decl.outputs));
    let all_ports: Vec<(&String, TokenStream)> = decl
        .inputs
        .iter()
        .chain(&decl.outputs)
        .map(|p| (&p.bound_text, ctx.bound(&p.bound)))
        .collect();
    let port_names: Vec<String> = decl
        .inputs
        .iter()
        .chain(&decl.outputs)
        .map(|p| p.ident.to_string())
        .collect();
    // Field ports carry no bound, so nothing to check.
    let wide_checks = all_ports
        .iter()
        .zip(&port_names)
        .filter(|_| !decl.field)
        .map(|((_, b), n)| {
            quote! {
                let __b = #b;
                if !__b.fits_engine() {
                    return ::std::result::Result::Err(#e::BoundTooWide { op: "", tensor: #n, bound: __b });
                }
            }
        });

    let mut loops = Vec::new();
    let ref_body = ctx.body(&decl.body, Target::Reference, &mut loops);
    let syn_body = ctx.body(&decl.body, Target::Synthesis, &mut loops);
    let (ref_inputs, syn_inputs) = (ctx.bind_inputs(Target::Reference), ctx.bind_inputs(Target::Synthesis));
    let (ref_outs, syn_outs) = (ctx.open_outputs(Target::Reference), ctx.open_outputs(Target::Synthesis));
    let close = ctx.close_outputs();
    let circom = ctx.circom_text();
    let mut dep_paths: Vec<(String, &syn::Path)> = ctx.targets.values().map(|p| (quote!(#p).to_string(), p)).collect();
    dep_paths.sort_by(|a, b| a.0.cmp(&b.0));
    dep_paths.dedup_by(|a, b| a.0 == b.0);
    let deps = dep_paths
        .iter()
        .map(|(_, p)| {
            quote! { <#p as ::section9::ZkOp>::circom_template(&[]) }
        })
        .chain(
            decl.tables
                .iter()
                .chain(&decl.ints)
                .map(|(_, p)| quote! { #p.circom() }),
        );
    let doc_lines: Vec<String> = decl
        .docs
        .iter()
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s), ..
                }) => Some(format!("//{}\n", s.value())),
                _ => None,
            },
            _ => None,
        })
        .collect();
    let doc_text: String = doc_lines.concat();
    let (value, elem) = (ctx.value_ty(), ctx.elem_ty());
    let bound = quote! { <#value as ::section9::r1cs::Value>::Bound };
    let sig = ctx.sig_ty();
    let allow = quote! {
        #[allow(unused_variables, unused_mut, unused_parens, unused_braces, non_snake_case, clippy::all, clippy::pedantic)]
    };

    quote! {
        #(#docs)*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #vis struct #name { #(#fields),* }

        #allow
        impl #name {
            fn __reference<__T: ::std::marker::Copy + ::std::convert::Into<#value>>(&self, __inputs: &[&[__T]]) -> ::std::result::Result<::std::vec::Vec<::std::vec::Vec<#elem>>, #e> {
                #prologue
                #ref_inputs
                #ref_outs
                #ref_body
                #close
            }

            fn __synthesize(
                &self,
                __cs: &mut ::section9::r1cs::Builder,
                __inputs: &[&[#sig]],
            ) -> ::std::result::Result<::std::vec::Vec<::std::vec::Vec<#sig>>, #e> {
                #prologue
                #syn_inputs
                #syn_outs
                #syn_body
                #close
            }

            fn __check(&self) -> ::std::result::Result<(), #e> {
                #prologue
                #ranges
                #requires
                #(#wide_checks)*
                ::std::result::Result::Ok(())
            }

            fn __shapes(&self) -> ::std::result::Result<(::std::vec::Vec<::std::vec::Vec<usize>>, ::std::vec::Vec<::std::vec::Vec<usize>>), #e> {
                #prologue
                ::std::result::Result::Ok((#in_shapes, #out_shapes))
            }

            fn __bounds(&self) -> ::std::result::Result<(::std::vec::Vec<#bound>, ::std::vec::Vec<#bound>), #e> {
                #prologue
                ::std::result::Result::Ok((#in_bounds, #out_bounds))
            }
        }

        #allow
        impl ::section9::ZkOp for #name {
            type Value = #value;
            const NAME: &'static str = #op_name;
            const TEMPLATE: &'static str = #template;
            const PARAMS: &'static [&'static str] = &[#(#param_names),*];
            const INPUTS: &'static [&'static str] = &[#(#input_names),*];
            const OUTPUTS: &'static [&'static str] = &[#(#output_names),*];
            const OUTPUT_RULES: &'static [&'static str] = &[#(#output_rules),*];
            const SOURCES: &'static [::section9::ParamSource] = &[#(#sources),*];
            const INPUT_RANKS: &'static [usize] = &[#(#input_ranks),*];
            const OUTPUT_RANKS: &'static [usize] = &[#(#output_ranks),*];
            const CONSTANT_INPUTS: &'static [bool] = &[#(#constant_inputs),*];

            fn from_params(__values: &[i128]) -> ::std::result::Result<Self, #e> {
                if __values.len() != #param_count {
                    return ::std::result::Result::Err(#e::ParamCount { op: #op_name, expected: #param_count, got: __values.len() });
                }
                ::std::result::Result::Ok(#name { #(#from_fields),* }).map_err(|e: #e| e.in_op(#op_name))
            }

            fn params(&self) -> ::std::vec::Vec<i128> {
                ::std::vec![#(#param_values),*]
            }

            fn check(&self) -> ::std::result::Result<(), #e> {
                self.__check().map_err(|e| e.in_op(#op_name))
            }

            fn input_shapes(&self) -> ::std::result::Result<::std::vec::Vec<::std::vec::Vec<usize>>, #e> {
                self.__shapes().map(|s| s.0).map_err(|e| e.in_op(#op_name))
            }

            fn output_shapes(&self) -> ::std::result::Result<::std::vec::Vec<::std::vec::Vec<usize>>, #e> {
                self.__shapes().map(|s| s.1).map_err(|e| e.in_op(#op_name))
            }

            fn input_bounds(&self) -> ::std::result::Result<::std::vec::Vec<#bound>, #e> {
                self.__bounds().map(|s| s.0).map_err(|e| e.in_op(#op_name))
            }

            fn output_bounds(&self) -> ::std::result::Result<::std::vec::Vec<#bound>, #e> {
                self.__bounds().map(|s| s.1).map_err(|e| e.in_op(#op_name))
            }

            fn reference(&self, inputs: &[&[#elem]]) -> ::std::result::Result<::std::vec::Vec<::std::vec::Vec<#elem>>, #e> {
                self.__reference(inputs).map_err(|e| e.in_op(#op_name))
            }

            fn reference_wide(&self, inputs: &[&[#value]]) -> ::std::result::Result<::std::vec::Vec<::std::vec::Vec<#elem>>, #e> {
                self.__reference(inputs).map_err(|e| e.in_op(#op_name))
            }

            fn synthesize(
                &self,
                cs: &mut ::section9::r1cs::Builder,
                inputs: &[&[#sig]],
            ) -> ::std::result::Result<::std::vec::Vec<::std::vec::Vec<#sig>>, #e> {
                self.__synthesize(cs, inputs).map_err(|e| e.in_op(#op_name))
            }

            fn circom_template(__constant_inputs: &[bool]) -> ::section9::circom::CircomTemplate {
                let __constant = |k: usize| __constant_inputs.get(k).copied().unwrap_or(false) || <Self as ::section9::ZkOp>::CONSTANT_INPUTS.get(k).copied().unwrap_or(false);
                let mut __name = ::std::string::String::from(#template);
                let mut __params: ::std::vec::Vec<&str> = <Self as ::section9::ZkOp>::PARAMS.to_vec();
                for (k, n) in <Self as ::section9::ZkOp>::INPUTS.iter().enumerate() {
                    if __constant(k) {
                        __name.push_str("_c_");
                        __name.push_str(n);
                        __params.push(n);
                    }
                }
                let mut __t = ::std::string::String::from(#doc_text);
                __t.push_str(&::std::format!("template {}({}) {{\n", __name, __params.join(", ")));
                #circom
                __t.push_str("}\n");
                ::section9::circom::CircomTemplate {
                    name: __name,
                    text: __t,
                    deps: ::std::vec![#(#deps),*],
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! What the macro writes for two representative operators, read from
    //! their real declarations: a gadget with hints, and an operator that
    //! nests gadgets.

    use proc_macro2::TokenStream;

    fn expand_declared(source: &str, name: &str) -> String {
        let file = syn::parse_file(source).expect("the runtime source parses");
        let func = file
            .items
            .into_iter()
            .find_map(|item| match item {
                syn::Item::Fn(f) if f.sig.ident == name => Some(f),
                _ => None,
            })
            .expect("the operator is declared in this file");
        let mut func = func.clone();
        let attr = func
            .attrs
            .iter()
            .position(|a| a.path().is_ident("zk_op"))
            .expect("declared with #[zk_op]");
        let args: TokenStream = match &func.attrs.remove(attr).meta {
            syn::Meta::List(list) => list.tokens.clone(),
            _ => TokenStream::new(),
        };
        let out = super::zk_op(args, quote::quote!(#func));
        prettyplease::unparse(&syn::parse2(out).expect("the expansion parses"))
    }

    #[test]
    fn bits_expansion() {
        let src = include_str!("../../../runtime/src/gadgets/bits.rs");
        insta::assert_snapshot!(expand_declared(src, "bits"));
    }

    #[test]
    fn requant_expansion() {
        let src = include_str!("../../../runtime/src/ops/requant.rs");
        insta::assert_snapshot!(expand_declared(src, "requant"));
    }
}
