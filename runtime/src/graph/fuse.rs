//! Layer fusion: a rewrite of the (folded) model file, like batch-norm
//! folding.
//!
//! A `dense`, `conv2d` or `conv_transpose2d` layer read only by a `requant`
//! becomes one `dense_requant`, `conv2d_requant` or
//! `conv_transpose2d_requant` node under the requant's name
//! ([`crate::ops::DenseRequant`]): the same outputs, computed by the same
//! integer arithmetic, with products that share multiplications. The
//! layer's own values are then no longer a node of the model, which is
//! why a layer that is an output or read elsewhere stays apart.

use super::file::ModelFile;

/// The file with every fusable layer fused, or `None` when none is.
pub fn fuse_requants(file: &ModelFile) -> Option<ModelFile> {
    let mut fused = file.clone();
    let mut any = false;
    while let Some((layer, requant)) = next_pair(&fused) {
        let layer = fused.nodes.remove(layer);
        let node = fused.nodes.iter_mut().find(|n| n.name == requant)?;
        node.op = format!("{}_requant", layer.op);
        node.inputs = layer.inputs;
        node.attrs.extend(layer.attrs);
        any = true;
    }
    any.then_some(fused)
}

/// A layer whose one reader is a `requant` of it alone, and that reader's
/// name.
fn next_pair(file: &ModelFile) -> Option<(usize, String)> {
    file.nodes.iter().enumerate().find_map(|(k, layer)| {
        if !matches!(layer.op.as_str(), "dense" | "conv2d" | "conv_transpose2d") || file.outputs.contains(&layer.name) {
            return None;
        }
        let mut readers = file.nodes.iter().filter(|n| n.inputs.contains(&layer.name));
        match (readers.next(), readers.next()) {
            (Some(r), None) if r.op == "requant" && r.inputs == [layer.name.clone()] => Some((k, r.name.clone())),
            _ => None,
        }
    })
}
