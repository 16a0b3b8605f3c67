//! The operator IR a `#[zk_op]` declaration is read into: parameters,
//! ports with their bounds, and the body as a small statement language.

use proc_macro2::Span;
use syn::Ident;

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
    pub range: Option<(Expression, Expression)>,
}

pub enum BoundSpec {
    Prec(Expression),
    Range(Expression, Expression),
    /// A port of a field operator: any field element.
    Field,
}

pub struct Port {
    pub ident: Ident,
    pub shape: Vec<Expression>,
    pub bound: BoundSpec,
    pub bound_text: String,
    /// An input that must be a circuit constant (`constant = true`): its
    /// values may select and index, and it costs nothing.
    pub constant: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
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
pub enum UnaryOp {
    Neg,
    Not,
}

/// An expression of the body language.
#[derive(Clone)]
pub enum Expression {
    Lit(i128, Span),
    Name(Ident),
    Index(Ident, Vec<Expression>),
    Bin(BinaryOp, Box<Expression>, Box<Expression>, Span),
    Un(UnaryOp, Box<Expression>, Span),
    /// A built-in function (`div_floor`, `bit`, `min`, ...).
    Call(Ident, Vec<Expression>),
    Cond(Box<Expression>, Box<Expression>, Box<Expression>, Span),
}

impl Expression {
    pub fn span(&self) -> Span {
        match self {
            Expression::Lit(_, s)
            | Expression::Bin(_, _, _, s)
            | Expression::Un(_, _, s)
            | Expression::Cond(_, _, _, s) => *s,
            Expression::Name(i) | Expression::Index(i, _) | Expression::Call(i, _) => i.span(),
        }
    }

    /// Every identifier the expression reads.
    pub fn names(&self, out: &mut Vec<Ident>) {
        match self {
            Expression::Lit(..) => {}
            Expression::Name(i) => out.push(i.clone()),
            Expression::Index(i, idx) => {
                out.push(i.clone());
                idx.iter().for_each(|e| e.names(out));
            }
            Expression::Bin(_, l, r, _) => {
                l.names(out);
                r.names(out);
            }
            Expression::Un(_, e, _) => e.names(out),
            Expression::Call(_, args) => args.iter().for_each(|e| e.names(out)),
            Expression::Cond(c, a, b, _) => {
                c.names(out);
                a.names(out);
                b.names(out);
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssignOp {
    Set,
    Add,
    Sub,
}

/// A statement of the body language.
pub enum Statement {
    Let {
        name: Ident,
        mutable: bool,
        init: Expression,
    },
    Hint {
        name: Ident,
        expr: Expression,
    },
    Wire {
        name: Ident,
        expr: Expression,
    },
    Call {
        binds: Vec<Ident>,
        comp: Ident,
        target: syn::Path,
        fields: Vec<(Ident, Expression)>,
        args: Vec<Expression>,
    },
    Enforce {
        lhs: Expression,
        rhs: Expression,
        text: String,
        span: Span,
    },
    Assign {
        target: Ident,
        index: Vec<Expression>,
        op: AssignOp,
        value: Expression,
    },
    For {
        var: Ident,
        start: Expression,
        end: Expression,
        body: Vec<Statement>,
    },
    If {
        cond: Expression,
        then: Vec<Statement>,
        els: Vec<Statement>,
    },
    /// `let mut s = [[0; b]; a];`: a local array of zeros, `dims = [a, b]`.
    Array {
        name: Ident,
        dims: Vec<Expression>,
    },
}

pub struct Decl {
    pub vis: syn::Visibility,
    pub name: Ident,
    /// The operator's name where it differs from the function's (`where`).
    pub op_name: Option<String>,
    pub docs: Vec<syn::Attribute>,
    pub params: Vec<Param>,
    pub derived: Vec<(Ident, Expression)>,
    pub requires: Vec<(Expression, String)>,
    /// `#[zk_op(field)]`: ports, values and constraints over `Fr`.
    pub field: bool,
    /// `tables(name = path, ..)`: constant tables a field operator reads.
    pub tables: Vec<(Ident, syn::Path)>,
    /// `ints(name = path, ..)`: integer constants any operator reads as
    /// `name[i]`.
    pub ints: Vec<(Ident, syn::Path)>,
    pub inputs: Vec<Port>,
    pub outputs: Vec<Port>,
    pub body: Vec<Statement>,
}
