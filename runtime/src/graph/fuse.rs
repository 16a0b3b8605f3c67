//! Layer fusion: a rewrite of the (folded) model file, like batch-norm
//! folding.
//!
//! A `dense`, `conv2d` or `conv_transpose2d` layer read only by a `requant`
//! or a `cvm_right_shift` (attribute `signed` 1) becomes one
//! `dense_requant`, `conv2d_requant` or `conv_transpose2d_requant` node
//! under that rescale's name
//! ([`crate::ops::DenseRequant`]): the same outputs, computed by the same
//! integer arithmetic, with products that share multiplications. So does a
//! layer read only by a `broadcast_mul` with a public parameter of one value
//! per output channel (the importer's per-channel scale alignment) that only
//! such a rescale reads: the fused node takes that parameter as its scale. A
//! layer fused without one gets a public scale of ones. The layer's own
//! values are then no longer a node of the model, which is why a layer that
//! is an output or read elsewhere stays apart.

use super::file::{AttrValue, ModelFile, NodeSpec, Params, Visibility};

/// The file with every fusable layer fused, or `None` when none is.
pub fn fuse_requants(file: &ModelFile, params: &Params) -> Option<(ModelFile, Params)> {
    let (mut file, mut params) = (file.clone(), params.clone());
    let mut any = false;
    while let Some(chain) = next_chain(&file) {
        fuse(&mut file, &mut params, chain)?;
        any = true;
    }
    any.then_some((file, params))
}

/// A layer, the public per-channel scale it is multiplied by if any, and
/// the rescale that reads the result (`requant`, or `cvm_right_shift` when
/// `signed`).
struct Chain {
    layer: String,
    scaled: Option<(String, String)>,
    requant: String,
    signed: bool,
}

fn next_chain(file: &ModelFile) -> Option<Chain> {
    file.nodes.iter().find_map(|layer| {
        if !matches!(layer.op.as_str(), "dense" | "conv2d" | "conv_transpose2d") {
            return None;
        }
        let next = only_reader(file, &layer.name)?;
        if let Some(signed) = rescale_of(next, &layer.name) {
            return Some(Chain {
                layer: layer.name.clone(),
                scaled: None,
                requant: next.name.clone(),
                signed,
            });
        }
        let scale = channel_scale(file, layer, next)?;
        let rescale = only_reader(file, &next.name)?;
        Some(Chain {
            layer: layer.name.clone(),
            scaled: Some((next.name.clone(), scale)),
            requant: rescale.name.clone(),
            signed: rescale_of(rescale, &next.name)?,
        })
    })
}

/// The one node that reads `name`, when `name` is not a model output.
fn only_reader<'a>(file: &'a ModelFile, name: &str) -> Option<&'a NodeSpec> {
    if file.outputs.iter().any(|o| o == name) {
        return None;
    }
    let mut readers = file.nodes.iter().filter(|n| n.inputs.iter().any(|i| i == name));
    match (readers.next(), readers.next()) {
        (Some(r), None) => Some(r),
        _ => None,
    }
}

/// Whether `node` rescales `input` alone: `Some(false)` for a `requant`,
/// `Some(true)` for a `cvm_right_shift`.
fn rescale_of(node: &NodeSpec, input: &str) -> Option<bool> {
    if node.inputs != [input] {
        return None;
    }
    match node.op.as_str() {
        "requant" => Some(false),
        "cvm_right_shift" => Some(true),
        _ => None,
    }
}

/// The parameter `mul` multiplies `layer` by, when it is public and holds
/// one value per output channel, shaped as the fused operator reads it.
fn channel_scale(file: &ModelFile, layer: &NodeSpec, mul: &NodeSpec) -> Option<String> {
    let [x, k] = mul.inputs.as_slice() else { return None };
    if mul.op != "broadcast_mul" || !mul.attrs.is_empty() || *x != layer.name {
        return None;
    }
    let param = file.nodes.iter().find(|n| n.name == *k && n.op == "param")?;
    let public = param.visibility == Some(Visibility::Public);
    (public && param.shape.as_deref() == Some(&scale_shape(file, layer)?[..])).then(|| k.clone())
}

/// `[c]` for `dense`, `[c, 1, 1]` for the convolutions, `c` the length of
/// the layer's bias.
fn scale_shape(file: &ModelFile, layer: &NodeSpec) -> Option<Vec<usize>> {
    let bias = layer.inputs.get(2)?;
    let shape = file.nodes.iter().find(|n| n.name == *bias)?.shape.as_ref()?;
    let [c] = shape.as_slice() else { return None };
    Some(if layer.op == "dense" { vec![*c] } else { vec![*c, 1, 1] })
}

fn fuse(file: &mut ModelFile, params: &mut Params, chain: Chain) -> Option<()> {
    let layer = file.nodes.iter().position(|n| n.name == chain.layer)?;
    let layer = file.nodes.remove(layer);
    let scale = match chain.scaled {
        Some((mul, scale)) => {
            file.nodes.retain(|n| n.name != mul);
            scale
        }
        None => ones(file, params, &layer, &chain.requant)?,
    };
    let node = file.nodes.iter_mut().find(|n| n.name == chain.requant)?;
    node.op = format!("{}_requant", layer.op);
    node.inputs = layer.inputs;
    node.inputs.push(scale);
    node.attrs.extend(layer.attrs);
    node.attrs.insert("signed".into(), AttrValue::Int(chain.signed.into()));
    Some(())
}

/// A public scale of ones for `layer`, under a name no node has.
fn ones(file: &mut ModelFile, params: &mut Params, layer: &NodeSpec, requant: &str) -> Option<String> {
    let shape = scale_shape(file, layer)?;
    let mut name = format!("{requant}.scale");
    while file.nodes.iter().any(|n| n.name == name) || params.tensors.contains_key(&name) {
        name.push('_');
    }
    params.tensors.insert(name.clone(), vec![1; shape[0]]);
    file.nodes.push(NodeSpec {
        name: name.clone(),
        op: "param".into(),
        inputs: Vec::new(),
        attrs: Default::default(),
        shape: Some(shape),
        prec: Some(2),
        range: None,
        visibility: Some(Visibility::Public),
    });
    Some(name)
}
