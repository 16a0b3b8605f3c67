//! The support library of code that `#[zk_op]` generates. Operator authors
//! do not call these directly; they are the few primitives the macro lowers
//! a declaration onto, in each of its three forms.
//!
//! The hint functions (`div_floor`, `rem_floor`, `bit`, `field_inv`, `min`,
//! `max`, `abs`, `bits`) exist twice by necessity: here for Rust, and in
//! [`crate::circom::PRELUDE`] for circom's witness calculator. They are the
//! whole vocabulary of hints, each a line long, and the agreement tests run
//! both.

use crate::bound::Bound;
use crate::error::{or_overflow, OpError, OVERFLOW};
use crate::field::{fr_from_i128, word_inverse, Fr};
use crate::r1cs::{Sig, Value};
use ark_ff::Field;

pub use crate::bound::bits;

/// A parameter type of an operator: integers and flags.
pub trait ParamValue: Copy {
    fn to_i128(self) -> i128;
    fn from_i128(v: i128) -> Option<Self>;
}

macro_rules! int_param {
    ($($t:ty),*) => {$(
        impl ParamValue for $t {
            fn to_i128(self) -> i128 { self as i128 }
            fn from_i128(v: i128) -> Option<Self> { <$t>::try_from(v).ok() }
        }
    )*};
}
int_param!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);

impl ParamValue for bool {
    fn to_i128(self) -> i128 {
        self as i128
    }
    fn from_i128(v: i128) -> Option<Self> {
        match v {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }
}

/// Converts a computed parameter for a nested operator.
pub fn param<T: ParamValue>(name: &'static str, v: i128) -> Result<T, OpError> {
    T::from_i128(v).ok_or_else(|| OpError::Param {
        op: "",
        param: name,
        why: format!("has value {v}, which its type cannot hold"),
    })
}

/// `a + b` in the operator's domain (checked for integers).
#[inline]
pub fn add<V: Value>(a: V, b: V) -> Result<V, OpError> {
    a.checked_add(b)
}

/// `a - b` in the operator's domain (checked for integers).
#[inline]
pub fn sub<V: Value>(a: V, b: V) -> Result<V, OpError> {
    a.checked_sub(b)
}

#[inline]
pub fn mul(a: i128, b: i128) -> Result<i128, OpError> {
    or_overflow(a.checked_mul(b))
}

#[inline]
pub fn neg(a: i128) -> Result<i128, OpError> {
    or_overflow(a.checked_neg())
}

/// Compile-time division (truncating, as Rust's `/`).
pub fn div(a: i128, b: i128) -> Result<i128, OpError> {
    or_overflow(a.checked_div(b))
}

/// Compile-time remainder (as Rust's `%`).
pub fn rem(a: i128, b: i128) -> Result<i128, OpError> {
    or_overflow(a.checked_rem(b))
}

pub fn shl(a: i128, b: i128) -> Result<i128, OpError> {
    let s = u32::try_from(b).map_err(|_| OVERFLOW)?;
    let r = or_overflow(a.checked_shl(s))?;
    if r >> s != a {
        return Err(OVERFLOW);
    }
    Ok(r)
}

/// Arithmetic shift right: floor division by `2^b`.
pub fn shr(a: i128, b: i128) -> Result<i128, OpError> {
    let s = u32::try_from(b).map_err(|_| OVERFLOW)?;
    Ok(a >> s.min(127))
}

/// `floor(a / b)` for `b > 0`.
pub fn div_floor(a: i128, b: i128) -> Result<i128, OpError> {
    if b <= 0 {
        return Err(OVERFLOW);
    }
    Ok(a.div_euclid(b))
}

/// `a - b * floor(a / b)`, in `[0, b)` for `b > 0`.
pub fn rem_floor(a: i128, b: i128) -> Result<i128, OpError> {
    if b <= 0 {
        return Err(OVERFLOW);
    }
    Ok(a.rem_euclid(b))
}

/// Bit `i` of `a` in two's complement.
pub fn bit(a: i128, i: i128) -> i128 {
    (a >> i.clamp(0, 127)) & 1
}

pub fn min(a: i128, b: i128) -> i128 {
    a.min(b)
}

pub fn max(a: i128, b: i128) -> i128 {
    a.max(b)
}

pub fn abs(a: i128) -> Result<i128, OpError> {
    or_overflow(a.checked_abs())
}

/// The field inverse of `a`, or 0 for 0: the hint of an is-zero test.
pub fn field_inv(a: i128) -> Fr {
    let m = a.unsigned_abs();
    let inv = small_inverse(m)
        .or_else(|| u64::try_from(m).ok().and_then(word_inverse))
        .unwrap_or_else(|| Fr::from(m).inverse().unwrap_or_default());
    if a < 0 {
        -inv
    } else {
        inv
    }
}

/// Magnitudes whose inverses are read from a table.
const SMALL_INVERSES: usize = 256;

/// The inverse of `m` (0 for 0) when `m` is small, from a table made once
/// by batch inversion. Is-zero tests mostly see small values (the high bits
/// of a requantized accumulator), and an inverse costs about as much as a
/// hundred multiplications: the table took is-zero hints from 7% of
/// `s9-gan`'s synthesis to almost nothing.
fn small_inverse(m: u128) -> Option<Fr> {
    static TABLE: std::sync::OnceLock<Vec<Fr>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t: Vec<Fr> = (0..SMALL_INVERSES as u64).map(Fr::from).collect();
        ark_ff::batch_inversion(&mut t[1..]);
        t
    });
    table.get(usize::try_from(m).ok()?).copied()
}

/// Flat offset of a multi-index, each coordinate checked against its dimension.
pub fn offset(tensor: &'static str, dims: &[i128], index: &[i128]) -> Result<usize, OpError> {
    let mut flat: i128 = 0;
    for (&i, &d) in index.iter().zip(dims) {
        if i < 0 || i >= d {
            return Err(OpError::Index {
                op: "",
                tensor,
                index: index.to_vec(),
                shape: dims.to_vec(),
            });
        }
        flat = flat * d + i;
    }
    usize::try_from(flat).map_err(|_| OVERFLOW)
}

/// Number of elements of a shape.
pub fn volume(dims: &[i128]) -> Result<usize, OpError> {
    let mut n: i128 = 1;
    for &d in dims {
        if d < 0 {
            return Err(OVERFLOW);
        }
        n = or_overflow(n.checked_mul(d))?;
    }
    usize::try_from(n).map_err(|_| OVERFLOW)
}

/// Checks an input tensor's length against its declared shape.
pub fn check_len(tensor: &'static str, dims: &[i128], got: usize) -> Result<(), OpError> {
    let expected = volume(dims)?;
    if expected != got {
        return Err(OpError::Shape {
            op: "",
            tensor,
            shape: dims.to_vec(),
            expected,
            got,
        });
    }
    Ok(())
}

/// Checks every element of a reference input against its declared bound.
/// Inputs are `i64` (a model's tensors) or `i128` (a nested operator's
/// argument, which may be wider: a packed value).
pub fn check_values<T: Copy + Into<i128>>(tensor: &'static str, bound: Bound, values: &[T]) -> Result<(), OpError> {
    match values.iter().position(|&v| !bound.contains(v.into())) {
        None => Ok(()),
        Some(index) => Err(OpError::OutOfBound {
            op: "",
            tensor,
            index,
            value: values[index].into(),
            bound,
        }),
    }
}

pub fn arity<T>(inputs: &[T], expected: usize) -> Result<(), OpError> {
    if inputs.len() != expected {
        return Err(OpError::Arity {
            op: "",
            expected,
            got: inputs.len(),
        });
    }
    Ok(())
}

/// Reads an element of a reference tensor as a value of the operator's
/// domain (`i128` or `Fr`).
#[inline]
pub fn read<V, T: Copy + Into<V>>(
    tensor: &'static str,
    data: &[T],
    dims: &[i128],
    index: &[i128],
) -> Result<V, OpError> {
    Ok(data[offset(tensor, dims, index)?].into())
}

/// Reads an element of an input declared `constant = true`: its value,
/// which must not depend on any wire.
pub fn read_const(tensor: &'static str, data: &[Sig], dims: &[i128], index: &[i128]) -> Result<i128, OpError> {
    let s = &data[offset(tensor, dims, index)?];
    s.lc.as_constant()
        .filter(|&c| c == s.val)
        .ok_or(OpError::NotConstant { op: "", tensor })
}

/// Reads element `i` of a nested operator's output.
pub fn elem<T: Clone>(tensor: &'static str, data: &[T], i: i128) -> Result<T, OpError> {
    usize::try_from(i)
        .ok()
        .and_then(|u| data.get(u))
        .cloned()
        .ok_or_else(|| OpError::Index {
            op: "",
            tensor,
            index: vec![i],
            shape: vec![data.len() as i128],
        })
}

/// An output under construction: every element must be written exactly once.
pub struct Output<T> {
    name: &'static str,
    dims: Vec<i128>,
    slots: Vec<Option<T>>,
}

impl<T: Clone> Output<T> {
    pub fn new(name: &'static str, dims: &[i128]) -> Result<Self, OpError> {
        Ok(Output {
            name,
            dims: dims.to_vec(),
            slots: vec![None; volume(dims)?],
        })
    }

    pub fn write(&mut self, index: &[i128], v: T) -> Result<(), OpError> {
        let at = offset(self.name, &self.dims, index)?;
        if self.slots[at].replace(v).is_some() {
            return Err(OpError::Assignment {
                op: "",
                tensor: self.name,
                index: at,
                problem: "assigned twice",
            });
        }
        Ok(())
    }

    pub fn finish(self) -> Result<Vec<T>, OpError> {
        let name = self.name;
        self.slots
            .into_iter()
            .enumerate()
            .map(|(index, v)| {
                v.ok_or(OpError::Assignment {
                    op: "",
                    tensor: name,
                    index,
                    problem: "never assigned",
                })
            })
            .collect()
    }
}

/// A reference output as the engine's element type (integers narrowed to
/// 64 bits).
#[inline]
pub fn to_elem<V: Value>(v: V) -> Result<V::Elem, OpError> {
    v.to_elem()
}

/// The bound of a declared precision.
pub fn prec_bound(p: i128) -> Result<Bound, OpError> {
    match u32::try_from(p) {
        Ok(p) if (1..=126).contains(&p) => Ok(Bound::prec(p)),
        _ => Err(OpError::Param {
            op: "",
            param: "precision",
            why: format!("is {p}; a precision lies in 1..=126"),
        }),
    }
}

/// A declared dimension as a length.
pub fn dim(d: i128) -> Result<usize, OpError> {
    usize::try_from(d).map_err(|_| OpError::Param {
        op: "",
        param: "dimension",
        why: format!("is {d}; a dimension is not negative"),
    })
}

/// Splits a nested operator's outputs into the names a `call!` binds.
pub fn outputs<T, const N: usize>(v: Vec<Vec<T>>) -> Result<[Vec<T>; N], OpError> {
    let got = v.len();
    v.try_into().map_err(|_| OpError::Arity {
        op: "",
        expected: N,
        got,
    })
}

// Field mode (`#[zk_op(field)]`): values are `Fr`, and constant tables
// supply the constants no `i128` can hold.

/// An integer constant as a field element.
pub fn fr(v: i128) -> Fr {
    fr_from_i128(v)
}

/// The field inverse of `a`, or 0 for 0, in a field operator's hint.
pub fn fr_inv(a: Fr) -> Fr {
    a.inverse().unwrap_or_default()
}

/// A table of field constants a field operator reads as `name[key][i]`:
/// for each key in `keys`, a row given by a plain Rust function. In circom
/// it is the function `name(key, i)`, emitted with every row, so templates
/// stay generic in their parameters.
pub struct Table {
    /// The circom function's name.
    pub name: &'static str,
    /// The keys, inclusive.
    pub keys: (i128, i128),
    pub row: fn(i128) -> &'static [Fr],
}

impl Table {
    /// The circom function holding every row.
    pub fn circom(&self) -> crate::circom::CircomTemplate {
        let mut text = format!("function {}(key, i) {{\n", self.name);
        for key in self.keys.0..=self.keys.1 {
            let row = (self.row)(key);
            let values: Vec<String> = row.iter().map(crate::field::fr_to_decimal).collect();
            text.push_str(&format!(
                "    if (key == {key}) {{\n        var v[{}] = [{}];\n        return v[i];\n    }}\n",
                row.len(),
                values.join(", ")
            ));
        }
        text.push_str("    assert(0);\n    return 0;\n}\n");
        crate::circom::CircomTemplate {
            name: self.name.to_string(),
            text,
            deps: Vec::new(),
        }
    }
}

/// Entry `i` of row `key` of a table.
pub fn table(t: &Table, key: i128, i: i128) -> Result<Fr, OpError> {
    let missing = || OpError::Index {
        op: "",
        tensor: t.name,
        index: vec![key, i],
        shape: vec![t.keys.1 + 1],
    };
    if key < t.keys.0 || key > t.keys.1 {
        return Err(missing());
    }
    let row = (t.row)(key);
    usize::try_from(i)
        .ok()
        .and_then(|u| row.get(u))
        .copied()
        .ok_or_else(missing)
}

/// A list of integer constants an operator reads as `name[i]` (declared
/// with `ints(name = PATH)`): where a parameter picks a constant from a
/// published table, such as a hash's round count per width. In circom it
/// is the function `name(i)`, emitted as a dependency of the template.
pub struct Ints {
    /// The circom function's name.
    pub name: &'static str,
    pub values: &'static [i128],
}

impl Ints {
    /// The circom function holding the list.
    pub fn circom(&self) -> crate::circom::CircomTemplate {
        let values: Vec<String> = self.values.iter().map(i128::to_string).collect();
        let text = format!(
            "function {}(i) {{\n    var v[{}] = [{}];\n    return v[i];\n}}\n",
            self.name,
            values.len(),
            values.join(", ")
        );
        crate::circom::CircomTemplate {
            name: self.name.to_string(),
            text,
            deps: Vec::new(),
        }
    }
}

/// Entry `i` of a list of integers.
pub fn ints(t: &Ints, i: i128) -> Result<i128, OpError> {
    usize::try_from(i)
        .ok()
        .and_then(|u| t.values.get(u))
        .copied()
        .ok_or_else(|| OpError::Index {
            op: "",
            tensor: t.name,
            index: vec![i],
            shape: vec![t.values.len() as i128],
        })
}

/// Reads an element of a tensor of any element type.
#[inline]
pub fn read_at<T: Clone>(tensor: &'static str, data: &[T], dims: &[i128], index: &[i128]) -> Result<T, OpError> {
    Ok(data[offset(tensor, dims, index)?].clone())
}

/// A local array (`let mut s = [[0; t]; n];`): every element starts at 0,
/// as a circom `var` array.
pub struct Array<T> {
    name: &'static str,
    dims: Vec<i128>,
    data: Vec<T>,
}

impl<T: Clone> Array<T> {
    pub fn new(name: &'static str, dims: &[i128], zero: T) -> Result<Self, OpError> {
        Ok(Array {
            name,
            dims: dims.to_vec(),
            data: vec![zero; volume(dims)?],
        })
    }

    pub fn get(&self, index: &[i128]) -> Result<T, OpError> {
        self.check_rank(index)?;
        Ok(self.data[offset(self.name, &self.dims, index)?].clone())
    }

    pub fn set(&mut self, index: &[i128], v: T) -> Result<(), OpError> {
        *self.get_mut(index)? = v;
        Ok(())
    }

    /// The element itself, so that `s[i] += x` in a synthesis adds to it in
    /// place instead of copying its combination out and back.
    pub fn get_mut(&mut self, index: &[i128]) -> Result<&mut T, OpError> {
        self.check_rank(index)?;
        let at = offset(self.name, &self.dims, index)?;
        Ok(&mut self.data[at])
    }

    fn check_rank(&self, index: &[i128]) -> Result<(), OpError> {
        if index.len() != self.dims.len() {
            return Err(OpError::Index {
                op: "",
                tensor: self.name,
                index: index.to_vec(),
                shape: self.dims.clone(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{One, Zero};

    #[test]
    fn is_zero_hints_are_inverses_in_and_beyond_the_table() {
        let beyond = [
            1i128 << 100,
            -(1 << 100),
            12345,
            -131071,
            1 << 64,
            u64::MAX as i128,
            i128::MAX,
            i128::MIN + 1,
            i128::MIN,
        ];
        for a in (-300i128..=300).chain(beyond) {
            let inv = field_inv(a);
            match a {
                0 => assert!(inv.is_zero()),
                _ => assert!((inv * fr_from_i128(a)).is_one(), "{a}"),
            }
        }
    }
}
