//! Batch-norm folding: a rewrite of the model file, not an operator.
//!
//! An integer batch norm is a per-channel affine map on the output of a
//! linear layer: `y[.., c, ..] = scale[c] * x[.., c, ..] + shift[c]`, with
//! `c` the channel axis (axis 1: the output channel of `conv2d` and
//! `conv_transpose2d`, the output feature of `dense`). A linear layer
//! followed by it is the same layer with weights `scale[c] * w[c, ..]` and
//! bias `scale[c] * b[c] + shift[c]`: integer arithmetic distributes, so the
//! folded layer's outputs equal the batch norm's bit for bit and the circuit
//! never sees a batch norm. Requantization after it (the rescale a float
//! batch norm implies) is the ordinary `requant`/`cvm_right_shift` node that
//! follows.

use super::error::GraphError;
use super::file::{ModelFile, NodeSpec, Params};
use super::model::MAX_PRECISION;
use crate::bound::Bound;

/// How the output channel indexes a layer's weight tensor.
enum Channels {
    /// `w[c, ..]` (`dense`'s `[n, k]`, `conv2d`'s `[o, cg, kh, kw]`).
    Leading,
    /// `w[_, c, ..]` (`conv_transpose2d`'s `[c_in, o, kh, kw]`, one group).
    Second,
}

fn layer_channels(layer: &NodeSpec) -> Option<Channels> {
    match layer.op.as_str() {
        "dense" | "conv2d" => Some(Channels::Leading),
        "conv_transpose2d" => {
            let groups = layer.attrs.get("groups");
            matches!(groups, None | Some(super::file::AttrValue::Int(1))).then_some(Channels::Second)
        }
        _ => None,
    }
}

fn readers<'a>(nodes: &'a [NodeSpec], name: &'a str) -> impl Iterator<Item = &'a NodeSpec> + 'a {
    nodes.iter().filter(move |n| n.inputs.iter().any(|i| i == name))
}

fn param<'a>(nodes: &'a [NodeSpec], name: &str) -> Option<&'a NodeSpec> {
    nodes.iter().find(|n| n.name == name && n.op == "param")
}

/// Folds every `batch_norm` node into the linear layer before it. A batch
/// norm that cannot be folded is refused with the reason.
pub fn fold_batch_norms(file: &ModelFile, params: &Params) -> Result<(ModelFile, Params), GraphError> {
    let mut file = file.clone();
    let mut params = params.clone();
    while let Some(at) = file.nodes.iter().position(|n| n.op == "batch_norm") {
        fold_one(&mut file, &mut params, at)?;
    }
    Ok((file, params))
}

fn fold_one(file: &mut ModelFile, params: &mut Params, at: usize) -> Result<(), GraphError> {
    let bn = file.nodes[at].clone();
    let refuse = |why: &str| GraphError::node(&bn.name, format!("batch_norm cannot be folded: {why}"));
    let [x, scale, shift] = bn.inputs.as_slice() else {
        return Err(refuse("it takes three inputs: the layer's output, `scale` and `shift`"));
    };
    if !bn.attrs.is_empty() || bn.shape.is_some() || bn.prec.is_some() {
        return Err(refuse("it takes no attributes"));
    }
    let nodes = &file.nodes;
    let layer = nodes
        .iter()
        .position(|n| n.name == *x)
        .ok_or_else(|| refuse(&format!("input `{x}` is not a node")))?;
    let channels =
        layer_channels(&nodes[layer]).ok_or_else(|| refuse("its input is not a dense or conv layer (one group)"))?;
    if readers(nodes, x).count() != 1 || file.outputs.contains(x) {
        return Err(refuse(&format!("`{x}` is also read elsewhere")));
    }
    let ([_, w, b], [s, t]) = (nodes[layer].inputs.as_slice(), [scale, shift]) else {
        return Err(refuse("its layer does not take weights and a bias"));
    };
    let mut decl = Vec::new();
    for p in [w, b, s, t] {
        let spec = param(nodes, p).ok_or_else(|| refuse(&format!("`{p}` is not a param node")))?;
        if readers(nodes, p).count() != 1 {
            return Err(refuse(&format!("`{p}` is shared with other nodes")));
        }
        let values = params
            .tensors
            .get(p.as_str())
            .ok_or_else(|| refuse(&format!("the parameter file has no `{p}`")))?;
        decl.push((spec.prec.unwrap_or(0), values.clone()));
    }
    let [(pw, wv), (pb, bv), (ps, sv), (pt, tv)] = <[_; 4]>::try_from(decl).expect("four parameters");
    let c = sv.len();
    if bv.len() != c || tv.len() != c || c == 0 || wv.len() % c != 0 {
        return Err(refuse(&format!(
            "`{scale}` and `{shift}` need one value per output channel of `{x}` ({} here)",
            bv.len()
        )));
    }
    let overflow = || refuse("a folded weight does not fit 64 bits");
    let folded_w: Vec<i64> = match channels {
        Channels::Leading => {
            let per_channel = wv.len() / c;
            wv.iter()
                .enumerate()
                .map(|(i, &v)| sv[i / per_channel].checked_mul(v).ok_or_else(overflow))
                .collect::<Result<_, _>>()?
        }
        Channels::Second => {
            // `[c_in, o, kh, kw]`: the channel is the second index.
            let per_channel: usize = nodes
                .iter()
                .find(|n| n.name == *w)
                .and_then(|n| n.shape.as_ref())
                .map_or(0, |s| s[2..].iter().product());
            if per_channel == 0 {
                return Err(refuse(&format!("`{w}` needs a 4-axis shape")));
            }
            wv.iter()
                .enumerate()
                .map(|(i, &v)| sv[(i / per_channel) % c].checked_mul(v).ok_or_else(overflow))
                .collect::<Result<_, _>>()?
        }
    };
    let folded_b: Vec<i64> = (0..c)
        .map(|k| {
            sv[k]
                .checked_mul(bv[k])
                .and_then(|v| v.checked_add(tv[k]))
                .ok_or_else(overflow)
        })
        .collect::<Result<_, _>>()?;
    // Declared bounds of the folded weights, by the CVM product and sum rules.
    let [mw, mb, ms, mt] = [pw, pb, ps, pt].map(|p| Bound::prec(p).hi);
    let new_pw = Bound::range(-(mw * ms), mw * ms).precision();
    let new_pb = Bound::range(-(mb * ms + mt), mb * ms + mt).precision();
    if new_pw.max(new_pb) > MAX_PRECISION {
        return Err(refuse(&format!(
            "the folded weights or bias need precision {}, more than the engine's {MAX_PRECISION}",
            new_pw.max(new_pb)
        )));
    }

    let (w, b) = (w.clone(), b.clone());
    for (name, prec, values) in [(&w, new_pw, folded_w), (&b, new_pb, folded_b)] {
        params.tensors.insert(name.clone(), values);
        let spec = file.nodes.iter_mut().find(|n| n.name == *name).expect("checked above");
        spec.prec = Some(prec);
    }
    for p in [scale, shift] {
        params.tensors.remove(p.as_str());
    }
    let layer_name = file.nodes[layer].name.clone();
    file.nodes
        .retain(|n| n.name != bn.name && n.name != *scale && n.name != *shift);
    // The layer takes the batch norm's name, so its readers need no change.
    for n in file.nodes.iter_mut().filter(|n| n.name == layer_name) {
        n.name = bn.name.clone();
    }
    for o in file.outputs.iter_mut().filter(|o| **o == layer_name) {
        *o = bn.name.clone();
    }
    Ok(())
}
