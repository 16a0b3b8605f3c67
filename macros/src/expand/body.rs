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
        let field = self.info.field;
        match s {
            Statement::Let { name, mutable, init } => {
                let m = mutable.then(|| quote! { mut });
                let v = match self.info.kind(name) {
                    Some(Kind::Lin { .. }) if synth => self.sig(init),
                    Some(Kind::Lin { .. }) if field => self.fval(init, false),
                    _ => self.int(init, synth),
                };
                quote! { let #m #name = #v; }
            }
            Statement::Array { name, dims } => {
                let label = name.to_string();
                let dims: Vec<TokenStream> = dims.iter().map(|x| self.int(x, synth)).collect();
                let zero = match (synth, field) {
                    (false, false) => quote! { 0i128 },
                    (false, true) => quote! { #d::fr(0) },
                    (true, false) => quote! { ::section9::r1cs::Sig::constant(0) },
                    (true, true) => quote! { ::section9::r1cs::FSig::constant(#d::fr(0)) },
                };
                quote! { let mut #name = #d::Array::new(#label, &[#(#dims),*], #zero)?; }
            }
            Statement::Hint { name, expr } if field => {
                let label = name.to_string();
                let idx = Ctx::loop_index(loops);
                let v = self.fval(expr, synth);
                if synth {
                    quote! { let #name = __cs.hint_f(#label, #idx, #v); }
                } else {
                    quote! { let #name = #v; }
                }
            }
            Statement::Wire { name, expr } if field => {
                if synth {
                    let label = name.to_string();
                    let idx = Ctx::loop_index(loops);
                    let q = self.quad(expr);
                    quote! { let #name = __cs.wire_f(#label, #idx, #q)?; }
                } else {
                    let v = self.fval(expr, false);
                    quote! { let #name = #v; }
                }
            }
            Statement::Hint { name, expr } => {
                let label = name.to_string();
                let idx = Ctx::loop_index(loops);
                let field = matches!(self.info.kind(name), Some(Kind::Hint { field: true, .. }));
                let inner = match expr {
                    crate::ir::Expression::Call(f, args) if f == "field_inv" => &args[0],
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
            Statement::Wire { name, expr } => {
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
                let tr = self.op_trait();
                let run = if synth {
                    let args: Vec<TokenStream> = args.iter().map(|a| self.sig(a)).collect();
                    let label = comp.to_string();
                    let idx = Ctx::loop_index(loops);
                    quote! {{
                        __cs.enter(#label, #idx);
                        let __out = #tr::synthesize(&#op, __cs, &[#(&[#args][..]),*]);
                        __cs.leave();
                        __out?
                    }}
                } else if field {
                    let args: Vec<TokenStream> = args.iter().map(|a| self.fval(a, false)).collect();
                    quote! { #tr::reference(&#op, &[#(&[#args][..]),*])? }
                } else {
                    // Arguments go as i128: a packed value may pass 64 bits.
                    let args: Vec<TokenStream> = args.iter().map(|a| self.int(a, false)).collect();
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
                    let f = if field {
                        quote! { enforce_f }
                    } else {
                        quote! { enforce }
                    };
                    quote! { __cs.#f(#text, #idx, #l, #r)?; }
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
        if self.info.field {
            return self.assign_field(t, &idx, op, value, synth);
        }
        if let (Some(Kind::Array { .. }), true, AssignOp::Add | AssignOp::Sub) = (self.info.kind(t), synth, op) {
            return self.accumulate_element(t, &idx, op, value);
        }
        if let Some(Kind::Array { .. }) = self.info.kind(t) {
            let (v, sum, diff) = if synth {
                let v = self.sig(value);
                (v.clone(), quote! { __old.add(&#v)? }, quote! { __old.sub(&#v)? })
            } else {
                let v = self.int(value, false);
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
                    AssignOp::Set => quote! { #t = #v; },
                    AssignOp::Add => quote! {{ let __v = #v; #t.add_assign(&__v)?; }},
                    AssignOp::Sub => quote! {{ let __v = #v; #t.sub_assign(&__v)?; }},
                }
            }
            _ => {
                let v = self.int(value, synth);
                match op {
                    AssignOp::Set => quote! { #t = #v; },
                    AssignOp::Add => quote! { #t = #d::add(#t, #v)?; },
                    AssignOp::Sub => quote! { #t = #d::sub(#t, #v)?; },
                }
            }
        }
    }

    /// An assignment in a field operator: outputs, locals and array
    /// elements, all over `Fr`.
    fn assign_field(
        &self,
        t: &Ident,
        idx: &[TokenStream],
        op: AssignOp,
        value: &crate::ir::Expression,
        synth: bool,
    ) -> TokenStream {
        let kind = self.info.kind(t).cloned();
        if let Some(Kind::Output { .. }) = kind {
            return if synth {
                let label = t.to_string();
                let q = self.quad(value);
                quote! {{
                    let __v = __cs.wire_f(#label, &[#(#idx),*], #q)?;
                    #t.write(&[#(#idx),*], __v)?;
                }}
            } else {
                let v = self.fval(value, false);
                quote! { #t.write(&[#(#idx),*], #v)?; }
            };
        }
        if !matches!(kind, Some(Kind::Lin { .. }) | Some(Kind::Array { .. })) {
            // Integer constants.
            let v = self.int(value, synth);
            let d = quote! { ::section9::dsl };
            return match op {
                AssignOp::Set => quote! { #t = #v; },
                AssignOp::Add => quote! { #t = #d::add(#t, #v)?; },
                AssignOp::Sub => quote! { #t = #d::sub(#t, #v)?; },
            };
        }
        if synth && !matches!(kind, Some(Kind::Array { .. })) {
            let v = self.sig(value);
            return match op {
                AssignOp::Set => quote! { #t = #v; },
                AssignOp::Add => quote! {{ let __v = #v; #t.add_assign(&__v)?; }},
                AssignOp::Sub => quote! {{ let __v = #v; #t.sub_assign(&__v)?; }},
            };
        }
        if synth && op != AssignOp::Set {
            return self.accumulate_element(t, idx, op, value);
        }
        let (v, sum, diff) = if synth {
            let v = self.sig(value);
            (v.clone(), quote! { __old.add(&#v)? }, quote! { __old.sub(&#v)? })
        } else {
            let v = self.fval(value, false);
            (v.clone(), quote! { (__old + #v) }, quote! { (__old - #v) })
        };
        let new = match op {
            AssignOp::Set => v,
            AssignOp::Add => sum,
            AssignOp::Sub => diff,
        };
        if let Some(Kind::Array { .. }) = kind {
            quote! {{
                let __old = #t.get(&[#(#idx),*])?;
                #t.set(&[#(#idx),*], #new)?;
            }}
        } else {
            quote! {{
                let __old = #t.clone();
                #t = #new;
            }}
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
        let ty = match (target, self.info.field) {
            (Target::Reference, false) => quote! { i64 },
            (Target::Reference, true) => quote! { ::section9::field::Fr },
            (Target::Synthesis, _) => self.sig_ty(),
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
            crate::ir::BoundSpec::Field => quote! { ::section9::Bound::range(0, 0) },
        }
    }
}
