//! Shape arithmetic folded to constants. Exporters compute a reshape's
//! target inside the graph (PyTorch's `x.view(x.size(0), -1)` and
//! `nn.Unflatten` become `Shape`, `Gather`, `Slice`, `Concat`, `Mod`...
//! over int64 tensors); with every shape static, each such node has one
//! value, computed here before the network is translated.

use super::error::OnnxError;
use super::onnx::{Const, Node, Values};

/// Operators that the importer only folds: on int64 constants (and
/// `Shape` on any tensor of known shape).
pub const FOLD_ONLY: &[&str] = &["Shape", "Gather", "Slice", "Mod"];

/// Operators that are network layers on computed tensors and folded on
/// int64 constants.
pub const ALSO_FOLDED: &[&str] = &[
    "Add",
    "Sub",
    "Mul",
    "Div",
    "Concat",
    "Reshape",
    "Squeeze",
    "Unsqueeze",
    "Identity",
    "Cast",
];

/// A 1-D (or scalar) int64 constant.
#[derive(Clone, Debug, PartialEq)]
struct Ints {
    dims: Vec<usize>,
    v: Vec<i64>,
}

fn ints(c: &Const) -> Option<Ints> {
    match &c.values {
        Values::I64(v) if c.dims.len() <= 1 => Some(Ints {
            dims: c.dims.clone(),
            v: v.clone(),
        }),
        _ => None,
    }
}

fn vector(v: Vec<i64>) -> Const {
    Const {
        dims: vec![v.len()],
        values: Values::I64(v),
    }
}

/// The value of node `n` when it is shape arithmetic: `konst` finds
/// constant tensors, `shape` the static shape of computed ones. `None`
/// when the node reads a computed value (it is then a layer, if anything).
pub fn fold(
    n: &Node,
    konst: impl Fn(&str) -> Option<Const>,
    shape: impl Fn(&str) -> Option<Vec<usize>>,
) -> Result<Option<Const>, OnnxError> {
    let bad = |why: String| OnnxError::node(n, why);
    if n.op == "Shape" {
        let Some(dims) = n
            .inputs
            .first()
            .and_then(|x| shape(x).or_else(|| konst(x).map(|c| c.dims)))
        else {
            return Ok(None);
        };
        let rank = dims.len() as i64;
        let clamp = |a: i64| (if a < 0 { a + rank } else { a }).clamp(0, rank) as usize;
        let (start, end) = (clamp(n.int("start", 0)?), clamp(n.int("end", rank)?));
        let dims: Vec<i64> = dims.iter().map(|&d| d as i64).collect();
        return Ok(Some(vector(dims[start..end.max(start)].to_vec())));
    }
    let present: Vec<&String> = n.inputs.iter().filter(|x| !x.is_empty()).collect();
    let Some(args) = present
        .iter()
        .map(|x| konst(x).as_ref().and_then(ints))
        .collect::<Option<Vec<Ints>>>()
    else {
        return Ok(None);
    };
    let arg = |i: usize| args.get(i).cloned().ok_or_else(|| bad(format!("input {i} is missing")));
    let value = match n.op.as_str() {
        "Identity" => arg(0)?.v,
        "Cast" => {
            // int64 stays int64; a shape cast to float is not arithmetic
            // the importer follows.
            if n.int("to", 7)? != 7 {
                return Ok(None);
            }
            arg(0)?.v
        }
        "Add" | "Sub" | "Mul" | "Div" | "Mod" => elementwise(n, &arg(0)?, &arg(1)?)?,
        "Concat" => args.iter().flat_map(|a| a.v.iter().copied()).collect(),
        "Gather" => {
            let (data, at) = (arg(0)?, arg(1)?);
            let picked: Result<Vec<i64>, _> = at.v.iter().map(|&i| index(&data.v, i).ok_or(i)).collect();
            let picked = picked.map_err(|i| bad(format!("index {i} outside {} values", data.v.len())))?;
            return Ok(Some(Const {
                dims: at.dims,
                values: Values::I64(picked),
            }));
        }
        "Slice" => slice(n, &arg(0)?, &args[1..])?,
        // Between a scalar and one axis: the values are unchanged.
        "Unsqueeze" if arg(0)?.dims.is_empty() => arg(0)?.v,
        "Reshape" if arg(1)?.v.len() == 1 => arg(0)?.v,
        "Squeeze" | "Reshape" if arg(0)?.v.len() == 1 => {
            return Ok(Some(Const {
                dims: Vec::new(),
                values: Values::I64(arg(0)?.v),
            }))
        }
        _ => return Ok(None),
    };
    Ok(Some(vector(value)))
}

fn index(v: &[i64], i: i64) -> Option<i64> {
    let at = if i < 0 { i + v.len() as i64 } else { i };
    usize::try_from(at).ok().and_then(|k| v.get(k).copied())
}

fn elementwise(n: &Node, a: &Ints, b: &Ints) -> Result<Vec<i64>, OnnxError> {
    let len = a.v.len().max(b.v.len());
    if !(a.v.len() == len || a.v.len() == 1) || !(b.v.len() == len || b.v.len() == 1) {
        return Err(OnnxError::node(
            n,
            format!("{} values against {}", a.v.len(), b.v.len()),
        ));
    }
    let at = |v: &[i64], i: usize| v[i.min(v.len() - 1)];
    (0..len)
        .map(|i| {
            let (x, y) = (at(&a.v, i), at(&b.v, i));
            let r = match n.op.as_str() {
                "Add" => x.checked_add(y),
                "Sub" => x.checked_sub(y),
                "Mul" => x.checked_mul(y),
                // ONNX integer Div truncates; Mod (fmod = 0) takes the
                // divisor's sign.
                "Div" => x.checked_div(y),
                _ => x
                    .checked_rem(y)
                    .map(|r| if r != 0 && (r < 0) != (y < 0) { r + y } else { r }),
            };
            r.ok_or_else(|| OnnxError::node(n, format!("{x} and {y} overflow or divide by zero")))
        })
        .collect()
}

/// Slice of a 1-D tensor: starts, ends, axes, steps as inputs (opset 10
/// on) or the first two as attributes.
fn slice(n: &Node, data: &Ints, rest: &[Ints]) -> Result<Vec<i64>, OnnxError> {
    let first = |i: usize, attr: &str| -> Result<Option<i64>, OnnxError> {
        match rest.get(i) {
            Some(t) => Ok(t.v.first().copied()),
            None => Ok(n.ints(attr)?.and_then(|v| v.first().copied())),
        }
    };
    let len = data.v.len() as i64;
    let axis = first(2, "axes")?.unwrap_or(0);
    let step = first(3, "steps")?.unwrap_or(1);
    if !(axis == 0 || axis == -1) || step == 0 {
        return Err(OnnxError::node(n, format!("axis {axis} step {step} of a 1-D tensor")));
    }
    let norm = |v: i64, hi: i64| (if v < 0 { v + len } else { v }).clamp(if step > 0 { 0 } else { -1 }, hi);
    let start = norm(first(0, "starts")?.unwrap_or(0), if step > 0 { len } else { len - 1 });
    let end = norm(first(1, "ends")?.unwrap_or(len), if step > 0 { len } else { len - 1 });
    let mut out = Vec::new();
    let mut i = start;
    while (step > 0 && i < end) || (step < 0 && i > end) {
        out.push(data.v[i as usize]);
        i += step;
    }
    Ok(out)
}
