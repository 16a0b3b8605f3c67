//! The body in Rust: once on native integers (the reference), once on
//! circuit signals (synthesis). Both walk the same statements, so the two
//! cannot drift apart.

use super::lower::{dims_ident, Ctx};
use crate::ir::{AssignOp, Statement};
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
    pub fn body(&self, stmts: &[Statement], target: Target, loops: &mut Vec<Ident>) -> TokenStream {
        stmts.iter().map(|s| self.stmt(s, target, loops)).collect()
    }

    fn stmt(&self, s: &Statement, target: Target, loops: &mut Vec<Ident>) -> TokenStream {
        let d = quote! { ::section9::dsl };
        let synth = target == Target::Synthesis;
        match s {
            Statement::Let { name, mutable, init } => {
                let m = mutable.then(|| quote! { mut });
                let v = match self.info.kind(name) {
                    Some(Kind::Lin { .. }) if synth => self.sig(init),
                    Some(Kind::Lin { .. }) => self.val(init, false),
                    _ => self.int(init, synth),
                };
                quote! { let #m #name = #v; }
            }
            Statement::Array { name, dims } => {
                let label = name.to_string();
                let dims: Vec<TokenStream> = dims.iter().map(|x| self.int(x, synth)).collect();
                let v = self.value_ty();
                let zero = if synth {
                    let s = self.sig_ty();
                    quote! { #s::default() }
                } else {
                    quote! { <#v as ::section9::r1cs::Value>::ZERO }
                };
                quote! { let mut #name = #d::Array::new(#label, &[#(#dims),*], #zero)?; }
            }
            Statement::Hint { name, expr } => {
                let label = name.to_string();
                let idx = Ctx::loop_index(loops);
                // An integer operator's field hint (an inverse) has no
                // integer value: the reference reads it as 0.
                let inverse = matches!(self.info.kind(name), Some(Kind::Hint { field: true, .. })) && !self.info.field;
                let inner = match expr {
                    crate::ir::Expression::Call(f, args) if inverse && f == "field_inv" => &args[0],
                    e => e,
                };
                let v = self.val(inner, synth);
                let ty = self.value_ty();
                match (synth, inverse) {
                    (false, true) => quote! { let #name: i128 = 0; },
                    (false, false) => quote! { let #name: #ty = #v; },
                    (true, true) => quote! { let #name = __cs.hint_field(#label, #idx, #d::field_inv(#v)); },
                    (true, false) => quote! { let #name = __cs.hint(#label, #idx, #v); },
                }
            }
            Statement::Wire { name, expr } => {
                if synth {
                    let label = name.to_string();
                    let idx = Ctx::loop_index(loops);
                    let q = self.quad(expr);
                    quote! { let #name = __cs.wire(#label, #idx, #q)?; }
                } else {
                    let v = self.val(expr, false);
                    let ty = self.value_ty();
                    quote! { let #name: #ty = #v; }
                }
            }
            Statement::Call {
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
                    // Arguments go at the signals' width: a packed value
                    // may pass 64 bits.
                    let args: Vec<TokenStream> = args.iter().map(|a| self.val(a, false)).collect();
                    quote! { ::section9::ZkOp::reference_wide(&#op, &[#(&[#args][..]),*])? }
                };
                if n == 0 {
                    quote! { let _ = #run; }
                } else {
                    quote! { let [#(#binds),*] = #d::outputs::<_, #n>(#run)?; }
                }
            }
            Statement::Enforce { lhs, rhs, text, .. } => {
                if synth {
                    let (l, r) = (self.quad(lhs), self.quad(rhs));
                    let idx = Ctx::loop_index(loops);
                    quote! { __cs.enforce(#text, #idx, #l, #r)?; }
                } else {
                    quote! {}
                }
            }
            Statement::Assign {
                target: t,
                index,
                op,
                value,
            } => self.assign(t, index, *op, value, target),
            Statement::For { var, start, end, body } => {
                let (s, e) = (self.int(start, synth), self.int(end, synth));
                loops.push(var.clone());
                let b = self.body(body, target, loops);
                loops.pop();
                quote! { for #var in #s..#e { #b } }
            }
            Statement::If { cond, then, els } => {
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
        index: &[crate::ir::Expression],
        op: AssignOp,
        value: &crate::ir::Expression,
        target: Target,
    ) -> TokenStream {
        let d = quote! { ::section9::dsl };
        let synth = target == Target::Synthesis;
        let idx: Vec<TokenStream> = index.iter().map(|x| self.int(x, synth)).collect();
        let kind = self.info.kind(t).cloned();
        if let (Some(Kind::Array { .. }), true, AssignOp::Add | AssignOp::Sub) = (&kind, synth, op) {
            return self.accumulate_element(t, &idx, op, value);
        }
        if let Some(Kind::Array { .. }) = kind {
            let (v, sum, diff) = if synth {
                let v = self.sig(value);
                (v.clone(), quote! { __old.add(&#v)? }, quote! { __old.sub(&#v)? })
            } else {
                let v = self.val(value, false);
                (
                    v.clone(),
                    quote! { #d::add(__old, #v)? },
                    quote! { #d::sub(__old, #v)? },
                )
            };
            let new = match op {
                AssignOp::Set => v,
                AssignOp::Add => sum,
                AssignOp::Sub => diff,
            };
            return quote! {{
                let __old = #t.get(&[#(#idx),*])?;
                #t.set(&[#(#idx),*], #new)?;
            }};
        }
        match kind {
            Some(Kind::Output { .. }) => {
                if synth {
                    let label = t.to_string();
                    let q = self.quad(value);
                    quote! {{
                        let __v = __cs.wire(#label, &[#(#idx),*], #q)?;
                        #t.write(&[#(#idx),*], __v)?;
                    }}
                } else {
                    let v = self.val(value, false);
                    quote! { #t.write(&[#(#idx),*], #d::to_elem(#v)?)?; }
                }
            }
            Some(Kind::Lin { .. }) if synth => {
                let v = self.sig(value);
                match op {
                    AssignOp::Set => quote! { #t = #v; },
                    AssignOp::Add => quote! {{ let __v = #v; #t.add_assign(&__v)?; }},
                    AssignOp::Sub => quote! {{ let __v = #v; #t.sub_assign(&__v)?; }},
                }
            }
            _ => {
                let v = match kind {
                    Some(Kind::Lin { .. }) => self.val(value, false),
                    _ => self.int(value, synth),
                };
                match op {
                    AssignOp::Set => quote! { #t = #v; },
                    AssignOp::Add => quote! { #t = #d::add(#t, #v)?; },
                    AssignOp::Sub => quote! { #t = #d::sub(#t, #v)?; },
                }
            }
        }
    }

    /// `t[idx] += value` (or `-=`) in a synthesis, on the element in place:
    /// an element is a combination, and copying it out and back at every
    /// step of a sum costs its length each time.
    fn accumulate_element(
        &self,
        t: &Ident,
        idx: &[TokenStream],
        op: AssignOp,
        value: &crate::ir::Expression,
    ) -> TokenStream {
        let v = self.sig(value);
        let method = match op {
            AssignOp::Sub => quote! { sub_assign },
            _ => quote! { add_assign },
        };
        quote! {{
            let __v = #v;
            #t.get_mut(&[#(#idx),*])?.#method(&__v)?;
        }}
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
            if target == Target::Reference && !self.info.field {
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
            Target::Reference => self.elem_ty(),
            Target::Synthesis => self.sig_ty(),
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
    pub fn bound(&self, b: &crate::ir::BoundSpec) -> TokenStream {
        let d = quote! { ::section9::dsl };
        match b {
            crate::ir::BoundSpec::Prec(e) => {
                let p = self.int(e, false);
                quote! { #d::prec_bound(#p)? }
            }
            crate::ir::BoundSpec::Range(lo, hi) => {
                let (lo, hi) = (self.int(lo, false), self.int(hi, false));
                quote! { ::section9::Bound::range(#lo, #hi) }
            }
            crate::ir::BoundSpec::Field => quote! { ::section9::r1cs::AnyField },
        }
    }
}
