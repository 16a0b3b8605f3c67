//! The body in Rust: once on native integers (the reference), once on
//! circuit signals (synthesis). Both walk the same statements, so the two
//! cannot drift apart.

use super::lower::{dims_ident, Ctx};
use crate::parse::{Aop, St};
use crate::validate::Kind;
use proc_macro2::TokenStream;
use quote::quote;
use syn::Ident;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Reference,
    Synthesis,
}

impl Ctx<'_> {
    pub fn body(&self, stmts: &[St], target: Target, loops: &mut Vec<Ident>) -> TokenStream {
        stmts.iter().map(|s| self.stmt(s, target, loops)).collect()
    }

    fn stmt(&self, s: &St, target: Target, loops: &mut Vec<Ident>) -> TokenStream {
        let d = quote! { ::section9::dsl };
        let synth = target == Target::Synthesis;
        match s {
            St::Let { name, mutable, init } => {
                let m = mutable.then(|| quote! { mut });
                let v = match self.info.kind(name) {
                    Some(Kind::Lin { .. }) if synth => self.sig(init),
                    _ => self.int(init, synth),
                };
                quote! { let #m #name = #v; }
            }
            St::Hint { name, expr } => {
                let label = name.to_string();
                let idx = Ctx::loop_index(loops);
                let field = matches!(self.info.kind(name), Some(Kind::Hint { field: true, .. }));
                let inner = match expr {
                    crate::parse::Ex::Call(f, args) if f == "field_inv" => &args[0],
                    e => e,
                };
                let v = self.int(inner, synth);
                match (synth, field) {
                    (false, true) => quote! { let #name: i128 = 0; },
                    (false, false) => quote! { let #name: i128 = #v; },
                    (true, true) => quote! { let #name = __cs.hint_field(#label, #idx, #d::field_inv(#v)); },
                    (true, false) => quote! { let #name = __cs.hint(#label, #idx, #v); },
                }
            }
            St::Wire { name, expr } => {
                if synth {
                    let label = name.to_string();
                    let idx = Ctx::loop_index(loops);
                    let q = self.quad(expr);
                    quote! { let #name = __cs.wire(#label, #idx, #q)?; }
                } else {
                    let v = self.int(expr, false);
                    quote! { let #name: i128 = #v; }
                }
            }
            St::Call {
                binds,
                comp,
                target: path,
                fields,
                args,
                ..
            } => {
                let fields: Vec<TokenStream> = fields
                    .iter()
                    .map(|(f, e)| {
                        let v = self.int(e, synth);
                        let fname = f.to_string();
                        quote! { #f: #d::param(#fname, #v)? }
                    })
                    .collect();
                let op = quote! { (#path { #(#fields),* }) };
                let n = binds.len();
                let run = if synth {
                    let args: Vec<TokenStream> = args.iter().map(|a| self.sig(a)).collect();
                    let label = comp.to_string();
                    let idx = Ctx::loop_index(loops);
                    quote! {{
                        __cs.enter(#label, #idx);
                        let __out = ::section9::ZkOp::synthesize(&#op, __cs, &[#(&[#args][..]),*]);
                        __cs.leave();
                        __out?
                    }}
                } else {
                    let args: Vec<TokenStream> = args
                        .iter()
                        .map(|a| {
                            let v = self.int(a, false);
                            quote! { #d::to_i64(#v)? }
                        })
                        .collect();
                    quote! { ::section9::ZkOp::reference(&#op, &[#(&[#args][..]),*])? }
                };
                if n == 0 {
                    quote! { let _ = #run; }
                } else {
                    quote! { let [#(#binds),*] = #d::outputs::<_, #n>(#run)?; }
                }
            }
            St::Enforce { lhs, rhs, text, .. } => {
                if synth {
                    let (l, r) = (self.quad(lhs), self.quad(rhs));
                    let idx = Ctx::loop_index(loops);
                    quote! { __cs.enforce(#text, #idx, #l, #r)?; }
                } else {
                    quote! {}
                }
            }
            St::Assign {
                target: t,
                index,
                op,
                value,
            } => self.assign(t, index, *op, value, target),
            St::For { var, start, end, body } => {
                let (s, e) = (self.int(start, synth), self.int(end, synth));
                loops.push(var.clone());
                let b = self.body(body, target, loops);
                loops.pop();
                quote! { for #var in #s..#e { #b } }
            }
            St::If { cond, then, els } => {
                let c = self.int(cond, synth);
                let t = self.body(then, target, loops);
                let e = self.body(els, target, loops);
                quote! { if #c != 0 { #t } else { #e } }
            }
        }
    }

    fn assign(
        &self,
        t: &Ident,
        index: &[crate::parse::Ex],
        op: Aop,
        value: &crate::parse::Ex,
        target: Target,
    ) -> TokenStream {
        let d = quote! { ::section9::dsl };
        let synth = target == Target::Synthesis;
        let idx: Vec<TokenStream> = index.iter().map(|x| self.int(x, synth)).collect();
        match self.info.kind(t) {
            Some(Kind::Output { .. }) => {
                if synth {
                    let label = t.to_string();
                    let q = self.quad(value);
                    quote! {{
                        let __v = __cs.wire(#label, &[#(#idx),*], #q)?;
                        #t.write(&[#(#idx),*], __v)?;
                    }}
                } else {
                    let v = self.int(value, false);
                    quote! { #t.write(&[#(#idx),*], #d::to_i64(#v)?)?; }
                }
            }
            Some(Kind::Lin { .. }) if synth => {
                let v = self.sig(value);
                match op {
                    Aop::Set => quote! { #t = #v; },
                    Aop::Add => quote! { #t = #t.add(&#v)?; },
                    Aop::Sub => quote! { #t = #t.sub(&#v)?; },
                }
            }
            _ => {
                let v = self.int(value, synth);
                match op {
                    Aop::Set => quote! { #t = #v; },
                    Aop::Add => quote! { #t = #d::add(#t, #v)?; },
                    Aop::Sub => quote! { #t = #d::sub(#t, #v)?; },
                }
            }
        }
    }

    /// Binds each input slice and its declared dimensions, checking the
    /// lengths (and, for the reference, every value's bound).
    pub fn bind_inputs(&self, target: Target) -> TokenStream {
        let d = quote! { ::section9::dsl };
        let n = self.decl.inputs.len();
        let mut out = quote! { #d::arity(__inputs, #n)?; };
        for (k, p) in self.decl.inputs.iter().enumerate() {
            let i = &p.ident;
            let name = i.to_string();
            let dims = dims_ident(i);
            let shape: Vec<TokenStream> = p.shape.iter().map(|e| self.int(e, false)).collect();
            let ndims = shape.len();
            out.extend(quote! {
                let #i = __inputs[#k];
                let #dims: [i128; #ndims] = [#(#shape),*];
                #d::check_len(#name, &#dims, #i.len())?;
            });
            if target == Target::Reference {
                let bound = self.bound(&p.bound);
                out.extend(quote! { #d::check_values(#name, #bound, #i)?; });
            }
        }
        out
    }

    /// Declares each output under construction.
    pub fn open_outputs(&self, target: Target) -> TokenStream {
        let d = quote! { ::section9::dsl };
        let ty = match target {
            Target::Reference => quote! { i64 },
            Target::Synthesis => quote! { ::section9::r1cs::Sig },
        };
        self.decl
            .outputs
            .iter()
            .map(|p| {
                let i = &p.ident;
                let name = i.to_string();
                let shape: Vec<TokenStream> = p.shape.iter().map(|e| self.int(e, false)).collect();
                quote! { let mut #i = #d::Output::<#ty>::new(#name, &[#(#shape),*])?; }
            })
            .collect()
    }

    pub fn close_outputs(&self) -> TokenStream {
        let outs = self.decl.outputs.iter().map(|p| &p.ident);
        quote! { ::std::result::Result::Ok(::std::vec![#(#outs.finish()?),*]) }
    }

    /// A `Bound` value for a declared bound.
    pub fn bound(&self, b: &crate::parse::BoundSpec) -> TokenStream {
        let d = quote! { ::section9::dsl };
        match b {
            crate::parse::BoundSpec::Prec(e) => {
                let p = self.int(e, false);
                quote! { #d::prec_bound(#p)? }
            }
            crate::parse::BoundSpec::Range(lo, hi) => {
                let (lo, hi) = (self.int(lo, false), self.int(hi, false));
                quote! { ::section9::Bound::range(#lo, #hi) }
            }
        }
    }
}
