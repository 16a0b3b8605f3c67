//! The body as a circom 2 template: loops stay loops, names stay names, a
//! hint becomes `<--` followed by the constraints that pin it.
//!
//! Circom declares signals and components at template level, so every one
//! declared inside loops becomes an array indexed by those loops' variables.

use super::lower::{Ctx, Text};
use crate::ir::{AssignOp, Expression, Statement};
use crate::validate::Kind;
use proc_macro2::TokenStream;
use quote::quote;
use syn::Ident;

impl Ctx<'_> {
    /// Code that appends the template for the given constant-input flags to
    /// `__t` (with `__constant(k)` telling whether input `k` is a parameter).
    pub fn circom_text(&self) -> TokenStream {
        let mut code = TokenStream::new();
        let line = |code: &mut TokenStream, depth: usize, t: Text| {
            let mut l = Text::lit(&"    ".repeat(depth));
            l.append(t).push("\n");
            code.extend(l.emit());
        };
        for (i, e) in &self.decl.derived {
            let mut t = Text::lit(&format!("var {i} = "));
            t.append(self.circom(e)).push(";");
            line(&mut code, 1, t);
        }
        for (e, _) in &self.decl.requires {
            let mut t = Text::lit("assert(");
            t.append(self.circom(e)).push(");");
            line(&mut code, 1, t);
        }
        for s in &self.decl.body {
            if let Statement::Let {
                name,
                init,
                mutable: false,
            } = s
            {
                if self.info.is_const(name) {
                    let mut t = Text::lit(&format!("var {name} = "));
                    t.append(self.circom(init)).push(";");
                    line(&mut code, 1, t);
                }
            }
        }
        for (k, p) in self.decl.inputs.iter().enumerate() {
            let mut t = Text::lit(&format!("signal input {}", p.ident));
            for d in &p.shape {
                t.push("[").append(self.circom(d)).push("]");
            }
            t.push(";");
            let mut l = Text::lit("    ");
            l.append(t).push("\n");
            let emit = l.emit();
            code.extend(quote! { if !__constant(#k) { #emit } });
        }
        for p in &self.decl.outputs {
            let mut t = Text::lit(&format!("signal output {}", p.ident));
            for d in &p.shape {
                t.push("[").append(self.circom(d)).push("]");
            }
            t.push(";");
            line(&mut code, 1, t);
        }
        let mut decls = Vec::new();
        self.hoisted(&self.decl.body, &mut Vec::new(), &mut decls);
        for t in decls {
            line(&mut code, 1, t);
        }
        let mut stmts = Vec::new();
        self.circom_block(&self.decl.body, 1, true, &mut stmts);
        for (depth, t) in stmts {
            line(&mut code, depth, t);
        }
        code
    }

    /// Template-level declarations of every signal and component made
    /// inside the body.
    fn hoisted(&self, body: &[Statement], loops: &mut Vec<(Ident, Expression)>, out: &mut Vec<Text>) {
        let dims = |loops: &[(Ident, Expression)]| {
            let mut t = Text::default();
            for (_, end) in loops {
                t.push("[").append(self.circom(end)).push("]");
            }
            t
        };
        for s in body {
            match s {
                Statement::Hint { name, .. } | Statement::Wire { name, .. } => {
                    let mut t = Text::lit(&format!("signal {name}"));
                    t.append(dims(loops)).push(";");
                    out.push(t);
                }
                Statement::Call { comp, .. } => {
                    let mut t = Text::lit(&format!("component {comp}"));
                    t.append(dims(loops)).push(";");
                    out.push(t);
                }
                Statement::For { var, end, body, .. } => {
                    loops.push((var.clone(), end.clone()));
                    self.hoisted(body, loops, out);
                    loops.pop();
                }
                Statement::If { then, els, .. } => {
                    self.hoisted(then, loops, out);
                    self.hoisted(els, loops, out);
                }
                _ => {}
            }
        }
    }

    fn subscripted(&self, name: &Ident) -> String {
        let loops = match self.info.kind(name) {
            Some(Kind::Hint { loops, .. }) | Some(Kind::Wire { loops }) | Some(Kind::CallOut { loops, .. }) => {
                loops.clone()
            }
            _ => Vec::new(),
        };
        let subs: String = loops.iter().map(|l| format!("[{l}]")).collect();
        format!("{name}{subs}")
    }

    fn circom_block(&self, body: &[Statement], depth: usize, top: bool, out: &mut Vec<(usize, Text)>) {
        for s in body {
            match s {
                Statement::Let { name, init, mutable } => {
                    if top && !mutable && self.info.is_const(name) {
                        continue;
                    }
                    let mut t = Text::lit(&format!("var {name} = "));
                    t.append(self.circom(init)).push(";");
                    out.push((depth, t));
                }
                Statement::Array { name, dims } => {
                    let mut t = Text::lit(&format!("var {name}"));
                    for d in dims {
                        t.push("[").append(self.circom(d)).push("]");
                    }
                    t.push(";");
                    out.push((depth, t));
                }
                Statement::Hint { name, expr } => {
                    let mut t = Text::lit(&format!("{} <-- ", self.subscripted(name)));
                    t.append(self.circom(expr)).push(";");
                    out.push((depth, t));
                }
                Statement::Wire { name, expr } => {
                    let mut t = Text::lit(&format!("{} <== ", self.subscripted(name)));
                    t.append(self.circom(expr)).push(";");
                    out.push((depth, t));
                }
                Statement::Call {
                    comp,
                    target,
                    fields,
                    args,
                    binds,
                    ..
                } => {
                    let loops = match binds.first().and_then(|b| self.info.kind(b)) {
                        Some(Kind::CallOut { loops, .. }) => loops.clone(),
                        _ => self.loops_at(comp),
                    };
                    let subs: String = loops.iter().map(|l| format!("[{l}]")).collect();
                    let pairs: Vec<TokenStream> = fields
                        .iter()
                        .map(|(f, e)| {
                            let name = f.to_string();
                            let text = self.circom(e);
                            let (fmt, args) = (&text.fmt, &text.args);
                            quote! { (#name, ::std::format!(#fmt, #(#args),*)) }
                        })
                        .collect();
                    let tr = quote! { ::section9::ZkOp };
                    let mut t = Text::lit(&format!("{comp}{subs} = "));
                    t.hole(quote! {
                        ::section9::circom::instantiate(
                            <#target as #tr>::TEMPLATE,
                            <#target as #tr>::PARAMS,
                            &[#(#pairs),*],
                        )
                    })
                    .push(";");
                    out.push((depth, t));
                    for (k, a) in args.iter().enumerate() {
                        let mut t = Text::lit(&format!("{comp}{subs}."));
                        t.hole(quote! { <#target as #tr>::INPUTS[#k] })
                            .push(" <== ")
                            .append(self.circom(a))
                            .push(";");
                        out.push((depth, t));
                    }
                }
                Statement::Enforce { lhs, rhs, .. } => {
                    let mut t = self.circom(lhs);
                    t.push(" === ").append(self.circom(rhs)).push(";");
                    out.push((depth, t));
                }
                Statement::Assign {
                    target,
                    index,
                    op,
                    value,
                } => {
                    let mut t = Text::lit(&target.to_string());
                    for i in index {
                        t.push("[").append(self.circom(i)).push("]");
                    }
                    let sym = match (self.info.kind(target), op) {
                        (Some(Kind::Output { .. }), _) => " <== ",
                        (_, AssignOp::Set) => " = ",
                        (_, AssignOp::Add) => " += ",
                        (_, AssignOp::Sub) => " -= ",
                    };
                    t.push(sym).append(self.circom(value)).push(";");
                    out.push((depth, t));
                }
                Statement::For { var, start, end, body } => {
                    let mut t = Text::lit(&format!("for (var {var} = "));
                    t.append(self.circom(start))
                        .push(&format!("; {var} < "))
                        .append(self.circom(end))
                        .push(&format!("; {var}++) {{"));
                    out.push((depth, t));
                    self.circom_block(body, depth + 1, false, out);
                    out.push((depth, Text::lit("}")));
                }
                Statement::If { cond, then, els } => {
                    let mut t = Text::lit("if (");
                    t.append(self.circom(cond)).push(") {");
                    out.push((depth, t));
                    self.circom_block(then, depth + 1, false, out);
                    if els.is_empty() {
                        out.push((depth, Text::lit("}")));
                    } else {
                        out.push((depth, Text::lit("} else {")));
                        self.circom_block(els, depth + 1, false, out);
                        out.push((depth, Text::lit("}")));
                    }
                }
            }
        }
    }

    /// The loop variables around an unbound nested instance.
    fn loops_at(&self, comp: &Ident) -> Vec<Ident> {
        fn find(body: &[Statement], comp: &Ident, loops: &mut Vec<Ident>) -> Option<Vec<Ident>> {
            for s in body {
                match s {
                    Statement::Call { comp: c, .. } if c == comp => return Some(loops.clone()),
                    Statement::For { var, body, .. } => {
                        loops.push(var.clone());
                        let r = find(body, comp, loops);
                        loops.pop();
                        if r.is_some() {
                            return r;
                        }
                    }
                    Statement::If { then, els, .. } => {
                        if let Some(r) = find(then, comp, loops).or_else(|| find(els, comp, loops)) {
                            return Some(r);
                        }
                    }
                    _ => {}
                }
            }
            None
        }
        find(&self.decl.body, comp, &mut Vec::new()).unwrap_or_default()
    }
}
