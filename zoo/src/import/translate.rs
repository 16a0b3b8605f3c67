//! ONNX nodes to the quantizer's float layers. Every node is checked
//! against the operator table before anything is translated, so an
//! unsupported model fails at once with the node at fault.

use super::error::OnnxError;
use super::onnx::{Const, Node, OnnxModel, Values};
use section9::quantize::{FloatTensor, Layer, PoolKind};

/// The operators the importer maps, and what each becomes.
pub const SUPPORTED: &[(&str, &str)] = &[
    ("Gemm", "dense (alpha, beta and transB folded into the weights)"),
    ("MatMul", "dense, with a constant right operand"),
    ("Add", "the bias of the Gemm, MatMul or Conv just before it"),
    (
        "Conv",
        "conv2d: square kernel, symmetric pads, strides, dilations, groups",
    ),
    (
        "BatchNormalization",
        "folded into the Gemm, MatMul or Conv just before it",
    ),
    ("Relu", "fused into the layer's requantization, or relu"),
    ("MaxPool", "max_pool2d: symmetric pads, no dilation"),
    (
        "AveragePool",
        "avg_pool2d: padding counted (count_include_pad), or no padding",
    ),
    ("GlobalAveragePool", "avg_pool2d over the whole image (at most 16x16)"),
    ("Flatten", "flatten / reshape"),
    ("Reshape", "reshape, with a constant shape"),
    ("Identity", "nothing"),
    ("Dropout", "nothing (inference)"),
    ("Constant", "a constant tensor"),
    ("Softmax", "dropped when last: the model outputs the logits"),
    ("LogSoftmax", "dropped when last: the model outputs the logits"),
];

/// The activation an imported classifier ended in, dropped from the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Head {
    Softmax,
    LogSoftmax,
}

impl Head {
    /// Applies the dropped activation to logits, to compare with the
    /// float reference, which keeps it.
    pub fn apply(self, logits: &[f32]) -> Vec<f32> {
        let top = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let total: f32 = logits.iter().map(|&l| (l - top).exp()).sum();
        match self {
            Head::Softmax => logits.iter().map(|&l| (l - top).exp() / total).collect(),
            Head::LogSoftmax => logits.iter().map(|&l| l - top - total.ln()).collect(),
        }
    }
}

/// The float layers and where each came from.
pub struct Translation {
    pub layers: Vec<Layer>,
    /// The ONNX node each layer came from.
    pub origins: Vec<String>,
    pub head: Option<Head>,
}

/// Refuses the first node whose operator is not in [`SUPPORTED`].
pub fn check_supported(model: &OnnxModel) -> Result<(), OnnxError> {
    for n in &model.nodes {
        if !SUPPORTED.iter().any(|(op, _)| *op == n.op) {
            let known: Vec<&str> = SUPPORTED.iter().map(|(op, _)| *op).collect();
            return Err(OnnxError::node(
                n,
                format!("operator not supported (supported: {})", known.join(", ")),
            ));
        }
    }
    Ok(())
}

/// Translates a chain of supported nodes: each reads the previous one's
/// output (and constants) and the last one writes the graph's output.
pub fn translate(model: &OnnxModel) -> Result<Translation, OnnxError> {
    let [output] = model.outputs.as_slice() else {
        return Err(OnnxError::Model(format!(
            "{} graph outputs; a network has one",
            model.outputs.len()
        )));
    };
    check_supported(model)?;
    let mut t = Translator {
        model,
        current: model.input.clone(),
        shape: model.input_shape.clone(),
        linear_output: None,
        out: Translation {
            layers: Vec::new(),
            origins: Vec::new(),
            head: None,
        },
    };
    for (i, n) in model.nodes.iter().enumerate() {
        if n.op != "Constant" {
            t.node(n, i + 1 == model.nodes.len())?;
        }
    }
    if t.current != *output {
        return Err(OnnxError::Model(format!(
            "the graph output `{}` is not the end of the chain of nodes (`{}`)",
            output, t.current
        )));
    }
    Ok(t.out)
}

struct Translator<'a> {
    model: &'a OnnxModel,
    /// The tensor the next node must read.
    current: String,
    shape: Vec<usize>,
    /// The output of the last Gemm, MatMul or Conv (or of the bias added
    /// to it), which a bias or batch norm may follow.
    linear_output: Option<String>,
    out: Translation,
}

impl<'a> Translator<'a> {
    fn node(&mut self, n: &Node, last: bool) -> Result<(), OnnxError> {
        self.check_chain(n)?;
        match n.op.as_str() {
            "Gemm" => self.gemm(n)?,
            "MatMul" => self.matmul(n)?,
            "Add" => self.add_bias(n)?,
            "Conv" => self.conv(n)?,
            "BatchNormalization" => self.batch_norm(n)?,
            "Relu" => self.push(n, Layer::Relu)?,
            "MaxPool" | "AveragePool" => self.pool(n)?,
            "GlobalAveragePool" => self.global_average(n)?,
            "Flatten" => self.flatten(n)?,
            "Reshape" => self.reshape(n)?,
            "Softmax" | "LogSoftmax" => self.head(n, last)?,
            // Identity and Dropout (at inference) pass their input on.
            _ => {}
        }
        self.current = n.outputs.first().cloned().unwrap_or_default();
        if matches!(n.op.as_str(), "Gemm" | "MatMul" | "Conv" | "Add") {
            self.linear_output = Some(self.current.clone());
        }
        Ok(())
    }

    /// The node must read the current tensor as its first input (either
    /// input of `Add`), every other input must be a constant, and its extra
    /// outputs unused.
    fn check_chain(&self, n: &Node) -> Result<(), OnnxError> {
        let reads = |i: usize| n.inputs.get(i) == Some(&self.current);
        if !(reads(0) || n.op == "Add" && reads(1)) {
            return Err(OnnxError::node(
                n,
                format!(
                    "reads {:?}, not the output of the node before it (`{}`): only chains of layers are \
                     supported, no branches or residual connections",
                    n.inputs, self.current
                ),
            ));
        }
        let others = n.inputs.iter().filter(|x| **x != self.current && !x.is_empty());
        if let Some(x) = others.clone().find(|x| !self.model.consts.contains_key(*x)) {
            return Err(OnnxError::node(
                n,
                format!("input `{x}` must be a constant (an initializer)"),
            ));
        }
        if others.count() + 1 < n.inputs.iter().filter(|x| !x.is_empty()).count() {
            return Err(OnnxError::node(n, format!("reads `{}` twice", self.current)));
        }
        let used = |name: &String| {
            self.model.nodes.iter().any(|m| m.inputs.contains(name)) || self.model.outputs.contains(name)
        };
        if let Some(x) = n.outputs.iter().skip(1).find(|x| !x.is_empty() && used(x)) {
            return Err(OnnxError::node(
                n,
                format!("its second output `{x}` is used; only the first is supported"),
            ));
        }
        Ok(())
    }

    /// Appends a layer after checking it fits the current shape.
    fn push(&mut self, n: &Node, layer: Layer) -> Result<(), OnnxError> {
        let zeros = FloatTensor {
            shape: self.shape.clone(),
            values: vec![0.0; self.shape.iter().product()],
        };
        let next = layer
            .forward(self.out.layers.len(), &zeros)
            .map_err(|e| OnnxError::node(n, e.to_string()))?;
        self.shape = next.shape;
        self.out.layers.push(layer);
        self.out.origins.push(n.name.clone());
        Ok(())
    }

    /// A float constant input, by position.
    fn floats(&self, n: &Node, i: usize) -> Result<Option<(&'a Const, &'a [f32])>, OnnxError> {
        let Some(name) = n.inputs.get(i).filter(|x| !x.is_empty()) else {
            return Ok(None);
        };
        let c = &self.model.consts[name];
        match &c.values {
            Values::F32(v) => Ok(Some((c, v.as_slice()))),
            Values::I64(_) => Err(OnnxError::node(n, format!("input `{name}` must hold float32 values"))),
        }
    }

    fn required(&self, n: &Node, i: usize, what: &str) -> Result<(&'a Const, &'a [f32]), OnnxError> {
        self.floats(n, i)?
            .ok_or_else(|| OnnxError::node(n, format!("the {what} (input {i}) is missing")))
    }

    /// The current tensor as `[1, k]` rows for a dense layer.
    fn rows(&self, n: &Node) -> Result<usize, OnnxError> {
        match self.shape.as_slice() {
            [1, k] => Ok(*k),
            s => Err(OnnxError::node(
                n,
                format!("input shape {s:?}; a [1, k] input is supported"),
            )),
        }
    }

    fn gemm(&mut self, n: &Node) -> Result<(), OnnxError> {
        let k = self.rows(n)?;
        if n.int("transA", 0)? != 0 {
            return Err(OnnxError::node(n, "transA = 1 is not supported"));
        }
        let (alpha, beta, trans_b) = (n.float("alpha", 1.0)?, n.float("beta", 1.0)?, n.int("transB", 0)? != 0);
        let (bc, bv) = self.required(n, 1, "weight")?;
        let out = match (bc.dims.as_slice(), trans_b) {
            ([o, kk], true) | ([kk, o], false) if *kk == k => *o,
            (d, _) => {
                return Err(OnnxError::node(
                    n,
                    format!("weight of shape {d:?} does not fit {k} inputs"),
                ))
            }
        };
        let w = dense_rows(bv, k, out, trans_b).into_iter().map(|v| v * alpha).collect();
        let b = match self.floats(n, 2)? {
            Some((c, v)) => broadcast_bias(n, c, v, out)?.into_iter().map(|v| v * beta).collect(),
            None => vec![0.0; out],
        };
        self.push(n, Layer::Dense { out, w, b })
    }

    fn matmul(&mut self, n: &Node) -> Result<(), OnnxError> {
        let k = self.rows(n)?;
        let (c, v) = self.required(n, 1, "right operand")?;
        let out = match c.dims.as_slice() {
            [kk, o] if *kk == k => *o,
            d => {
                return Err(OnnxError::node(
                    n,
                    format!("right operand of shape {d:?} does not fit {k} inputs"),
                ))
            }
        };
        let w = dense_rows(v, k, out, false);
        self.push(
            n,
            Layer::Dense {
                out,
                w,
                b: vec![0.0; out],
            },
        )
    }

    /// `Add` of a constant right after a linear layer: its bias.
    fn add_bias(&mut self, n: &Node) -> Result<(), OnnxError> {
        let other = usize::from(n.inputs.first() == Some(&self.current));
        let (c, v) = self.required(n, other, "constant addend")?;
        let channels = self.shape.get(1).copied().unwrap_or(0);
        let bias = broadcast_bias(n, c, v, channels)?;
        let just_before = self.linear_output.as_ref() == Some(&self.current);
        match self.out.layers.last_mut() {
            Some(Layer::Dense { b, .. } | Layer::Conv2d { b, .. }) if just_before => {
                b.iter_mut().zip(&bias).for_each(|(b, a)| *b += a);
                Ok(())
            }
            _ => Err(OnnxError::node(
                n,
                "Add is supported as the bias of the Gemm, MatMul or Conv just before it",
            )),
        }
    }

    fn conv(&mut self, n: &Node) -> Result<(), OnnxError> {
        no_auto_pad(n)?;
        let (wc, w) = self.required(n, 1, "weight")?;
        let [out, _, kh, kw] = wc.dims[..] else {
            return Err(OnnxError::node(
                n,
                format!("weight of shape {:?}; 2-D convolutions are supported", wc.dims),
            ));
        };
        let square = |name: &str, default: i64, len: usize| -> Result<usize, OnnxError> {
            let v = n.ints(name)?.unwrap_or_else(|| vec![default; len]);
            match v.as_slice() {
                [a, rest @ ..] if rest.iter().all(|b| b == a) && *a >= 0 && v.len() == len => Ok(*a as usize),
                _ => Err(OnnxError::node(
                    n,
                    format!("{name} {v:?}: the same value on every side is supported"),
                )),
            }
        };
        if kh != kw {
            return Err(OnnxError::node(
                n,
                format!("kernel {kh}x{kw}: square kernels are supported"),
            ));
        }
        let b = match self.floats(n, 2)? {
            Some((c, v)) => broadcast_bias(n, c, v, out)?,
            None => vec![0.0; out],
        };
        let layer = Layer::Conv2d {
            out,
            kernel: kh,
            stride: square("strides", 1, 2)?,
            pad: square("pads", 0, 4)?,
            dilation: square("dilations", 1, 2)?,
            groups: n.int("group", 1)?.max(0) as usize,
            w: w.to_vec(),
            b,
        };
        self.push(n, layer)
    }

    fn batch_norm(&mut self, n: &Node) -> Result<(), OnnxError> {
        if n.int("training_mode", 0)? != 0 {
            return Err(OnnxError::node(n, "training_mode = 1 is not supported"));
        }
        let linear = matches!(self.out.layers.last(), Some(Layer::Dense { .. } | Layer::Conv2d { .. }));
        if !linear || self.linear_output.as_ref() != Some(&self.current) {
            return Err(OnnxError::node(
                n,
                "batch norm must follow a Gemm, MatMul or Conv to be folded",
            ));
        }
        let channels = self.shape.get(1).copied().unwrap_or(0);
        let mut stats = Vec::with_capacity(4);
        for (i, what) in [(1, "scale"), (2, "bias"), (3, "mean"), (4, "variance")] {
            let (c, v) = self.required(n, i, what)?;
            if c.dims != [channels] {
                return Err(OnnxError::node(
                    n,
                    format!("{what} of shape {:?} for {channels} channels", c.dims),
                ));
            }
            stats.push(v.to_vec());
        }
        let [gamma, beta, mean, var] = <[Vec<f32>; 4]>::try_from(stats).unwrap_or_default();
        let eps = n.float("epsilon", 1e-5)?;
        self.push(
            n,
            Layer::BatchNorm {
                gamma,
                beta,
                mean,
                var,
                eps,
            },
        )
    }

    fn pool(&mut self, n: &Node) -> Result<(), OnnxError> {
        no_auto_pad(n)?;
        let kind = if n.op == "MaxPool" {
            PoolKind::Max
        } else {
            PoolKind::Avg
        };
        let pair = |name: &str, default: i64| -> Result<[usize; 2], OnnxError> {
            match n.ints(name)?.as_deref() {
                None => Ok([default as usize; 2]),
                Some([a, b]) if *a >= 0 && *b >= 0 => Ok([*a as usize, *b as usize]),
                Some(v) => Err(OnnxError::node(
                    n,
                    format!("{name} {v:?}: two spatial axes are supported"),
                )),
            }
        };
        let kernel = n
            .ints("kernel_shape")?
            .ok_or_else(|| OnnxError::node(n, "kernel_shape is missing"))?;
        let [kh, kw] = kernel[..] else {
            return Err(OnnxError::node(
                n,
                format!("kernel_shape {kernel:?}: 2-D pooling is supported"),
            ));
        };
        let pads = n.ints("pads")?.unwrap_or(vec![0; 4]);
        let pad = match pads[..] {
            [t, l, b, r] if t == b && l == r && t >= 0 && l >= 0 => [t as usize, l as usize],
            _ => {
                return Err(OnnxError::node(
                    n,
                    format!("pads {pads:?}: symmetric padding is supported"),
                ))
            }
        };
        if n.ints("dilations")?.is_some_and(|d| d.iter().any(|&v| v != 1)) {
            return Err(OnnxError::node(n, "dilated pooling is not supported"));
        }
        if n.int("ceil_mode", 0)? != 0 {
            return Err(OnnxError::node(n, "ceil_mode = 1 is not supported"));
        }
        if 2 * pad[0] > kh as usize || 2 * pad[1] > kw as usize {
            return Err(OnnxError::node(n, "padding wider than half the window"));
        }
        if kind == PoolKind::Avg && pad != [0, 0] && n.int("count_include_pad", 0)? == 0 {
            return Err(OnnxError::node(
                n,
                "padding left out of the average (count_include_pad = 0) is not supported",
            ));
        }
        let layer = Layer::Pool2d {
            kind,
            kernel: [kh as usize, kw as usize],
            stride: pair("strides", 1)?,
            pad,
        };
        self.push(n, layer)
    }

    fn global_average(&mut self, n: &Node) -> Result<(), OnnxError> {
        let (h, w) = match self.shape[..] {
            [1, _, h, w] if h <= 16 && w <= 16 => (h, w),
            ref s => {
                return Err(OnnxError::node(
                    n,
                    format!("input {s:?}; [1, c, h, w] up to 16x16 is supported"),
                ))
            }
        };
        let layer = Layer::Pool2d {
            kind: PoolKind::Avg,
            kernel: [h, w],
            stride: [1, 1],
            pad: [0, 0],
        };
        self.push(n, layer)
    }

    fn flatten(&mut self, n: &Node) -> Result<(), OnnxError> {
        let rank = self.shape.len() as i64;
        let axis = match n.int("axis", 1)? {
            a if a < 0 => a + rank,
            a => a,
        };
        if !(0..=rank).contains(&axis) {
            return Err(OnnxError::node(n, format!("axis {axis} outside rank {rank}")));
        }
        let outer: usize = self.shape[..axis as usize].iter().product();
        let inner: usize = self.shape[axis as usize..].iter().product();
        let layer = if outer == 1 {
            Layer::Flatten
        } else {
            Layer::Reshape {
                shape: vec![outer, inner],
            }
        };
        self.push(n, layer)
    }

    fn reshape(&mut self, n: &Node) -> Result<(), OnnxError> {
        let name = n
            .inputs
            .get(1)
            .filter(|x| !x.is_empty())
            .ok_or_else(|| OnnxError::node(n, "no shape input"))?;
        let Values::I64(target) = &self.model.consts[name].values else {
            return Err(OnnxError::node(n, "the shape must be int64"));
        };
        let allow_zero = n.int("allowzero", 0)? != 0;
        let shape = resolve_shape(&self.shape, target, allow_zero).map_err(|why| OnnxError::node(n, why))?;
        if shape.first() != Some(&1) {
            return Err(OnnxError::node(
                n,
                format!("target shape {shape:?}: the batch axis must stay first"),
            ));
        }
        self.push(n, Layer::Reshape { shape })
    }

    fn head(&mut self, n: &Node, last: bool) -> Result<(), OnnxError> {
        let axis = n.int("axis", -1)?;
        let fits = matches!(self.shape[..], [1, _]) && (axis == -1 || axis == 1);
        if !last || !fits {
            return Err(OnnxError::node(
                n,
                "supported only as the last node, over the classes of [1, n] logits",
            ));
        }
        self.out.head = Some(if n.op == "Softmax" {
            Head::Softmax
        } else {
            Head::LogSoftmax
        });
        Ok(())
    }
}

/// `[out, k]` weights from a `[k, out]` (or, transposed, `[out, k]`) matrix.
fn dense_rows(v: &[f32], k: usize, out: usize, transposed: bool) -> Vec<f32> {
    if transposed {
        return v.to_vec();
    }
    (0..out).flat_map(|o| (0..k).map(move |i| v[i * out + o])).collect()
}

/// A bias of `n` values from a constant of shape `[n]`, `[1, n]`,
/// `[n, 1, 1]`, `[1, n, 1, 1]` or a single value.
fn broadcast_bias(node: &Node, c: &Const, v: &[f32], n: usize) -> Result<Vec<f32>, OnnxError> {
    let non_unit: Vec<usize> = c.dims.iter().copied().filter(|&d| d != 1).collect();
    match (v.len(), non_unit.as_slice()) {
        (1, _) => Ok(vec![v[0]; n]),
        (len, [d]) if len == n && *d == n && c.dims.iter().position(|&x| x == n) <= Some(1) => Ok(v.to_vec()),
        _ => Err(OnnxError::node(
            node,
            format!("bias of shape {:?} for {n} channels", c.dims),
        )),
    }
}

/// `VALID` means no padding, as the default pads do; `SAME_*` would need
/// asymmetric padding worked out from the shapes.
fn no_auto_pad(n: &Node) -> Result<(), OnnxError> {
    match n.string("auto_pad")?.as_deref() {
        None | Some("NOTSET") | Some("VALID") => Ok(()),
        Some(p) => Err(OnnxError::node(n, format!("auto_pad {p}: explicit pads are supported"))),
    }
}

/// ONNX Reshape's target: `0` copies the input's axis (unless
/// `allowzero`), one `-1` takes what is left.
fn resolve_shape(input: &[usize], target: &[i64], allow_zero: bool) -> Result<Vec<usize>, String> {
    let total: usize = input.iter().product();
    let mut shape = Vec::with_capacity(target.len());
    let mut infer = None;
    for (i, &d) in target.iter().enumerate() {
        match d {
            -1 if infer.is_none() => {
                infer = Some(i);
                shape.push(1);
            }
            0 if !allow_zero => shape.push(*input.get(i).ok_or_else(|| format!("axis {i} copies a missing axis"))?),
            d if d > 0 => shape.push(d as usize),
            _ => return Err(format!("target shape {target:?} is not supported")),
        }
    }
    let known: usize = shape.iter().product();
    if let Some(i) = infer {
        if known == 0 || !total.is_multiple_of(known) {
            return Err(format!("target shape {target:?} does not fit {total} values"));
        }
        shape[i] = total / known;
    }
    if shape.iter().product::<usize>() != total {
        return Err(format!("target shape {target:?} does not fit {total} values"));
    }
    Ok(shape)
}
