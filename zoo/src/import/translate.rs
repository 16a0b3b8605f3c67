//! ONNX nodes to the quantizer's float layers. Every node is checked
//! against the operator table before anything is translated, so an
//! unsupported model fails at once with the node at fault.

use super::error::OnnxError;
use super::fold;
use super::onnx::{Const, Node, OnnxModel, Values};
use section9::quantize::{FloatTensor, Layer, PoolKind};
use std::collections::HashMap;

/// The operators the importer maps, and what each becomes.
pub const SUPPORTED: &[(&str, &str)] = &[
    ("Gemm", "dense (alpha, beta and transB folded into the weights)"),
    ("MatMul", "dense, with a constant right operand"),
    (
        "Add",
        "a constant (one, or one per channel): the bias of the linear layer just before it, else a per-channel \
         layer; two computed tensors: their sum, broadcast",
    ),
    (
        "Conv",
        "conv2d: square kernel, symmetric pads, strides, dilations, groups",
    ),
    (
        "ConvTranspose",
        "conv_transpose2d: square kernel, symmetric pads, output padding, groups",
    ),
    (
        "BatchNormalization",
        "folded into the Gemm, MatMul, Conv or ConvTranspose just before it, else a per-channel layer (a 1x1 \
         convolution, one weight per channel)",
    ),
    ("Relu", "fused into the layer's requantization, or relu"),
    (
        "LeakyRelu",
        "max(2^m x, c x), then a shift: slopes in [0, 1], exact to 8 bits",
    ),
    ("PRelu", "as LeakyRelu, one constant slope per channel"),
    ("Clip", "clip, with constant bounds"),
    (
        "Tanh",
        "a 255-entry table (take); at a picture's end, the pixels (tanh + 1) / 2",
    ),
    ("Sigmoid", "a 255-entry table (take)"),
    ("Concat", "concatenate, the parts brought to one scale"),
    ("Resize", "upsampling: nearest, one integer factor for height and width"),
    (
        "Sub",
        "x - c or c - x for a constant as Add; two computed tensors: their difference, broadcast",
    ),
    (
        "Mul",
        "a constant (one, or one per channel) folded into the linear layer before it, else a per-channel layer; \
         two computed tensors: their product, broadcast (a gate, squeeze-and-excitation, x * sigmoid(x))",
    ),
    ("Div", "by a constant (one, or one per channel), as Mul"),
    ("Squeeze", "reshape"),
    ("Pad", "pad: zeros around height and width (mode constant, value 0)"),
    ("Transpose", "transpose, the batch axis first"),
    ("Cast", "nothing, to float; int64 shape arithmetic is folded"),
    ("Unsqueeze", "reshape"),
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

/// The activation an imported classifier ended in, dropped from the model,
/// or the map that makes a generator's tanh output a picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Head {
    Softmax,
    LogSoftmax,
    /// The model outputs `clamp((y + 1) / 2, 0, 1)` of the ONNX output `y`.
    Pixels,
}

impl Head {
    /// Whether the model was a classifier whose probabilities were
    /// dropped (it outputs logits and the class instead).
    pub fn is_classifier(self) -> bool {
        self != Head::Pixels
    }

    /// The model's outputs and the ONNX model's, made comparable: a dropped
    /// activation applied to the model's logits, or the picture's pixel map
    /// to the ONNX output.
    pub fn align(self, model: Vec<f32>, onnx: Vec<f32>) -> (Vec<f32>, Vec<f32>) {
        match self {
            Head::Pixels => (model, self.apply(&onnx)),
            _ => (self.apply(&model), onnx),
        }
    }

    /// Applies the dropped activation (or the pixel map) to outputs.
    pub fn apply(self, logits: &[f32]) -> Vec<f32> {
        if self == Head::Pixels {
            return logits.iter().map(|&y| ((y + 1.0) / 2.0).clamp(0.0, 1.0)).collect();
        }
        let top = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let total: f32 = logits.iter().map(|&l| (l - top).exp()).sum();
        match self {
            Head::Softmax => logits.iter().map(|&l| (l - top).exp() / total).collect(),
            Head::LogSoftmax => logits.iter().map(|&l| l - top - total.ln()).collect(),
            Head::Pixels => unreachable!("returned above"),
        }
    }
}

/// The float layers and where each came from.
pub struct Translation {
    pub layers: Vec<Layer>,
    /// The ONNX node each layer came from.
    pub origins: Vec<String>,
    pub head: Option<Head>,
    /// What the translation changed that a user should know.
    pub notes: Vec<String>,
    /// The graph's other output was the label: the class is output too.
    pub label: bool,
}

/// Nodes that turn scores into a label output: a second output made of
/// these (with an ArgMax) is the class, which `--argmax` proves.
const LABEL_OPS: &[&str] = &[
    "ArgMax",
    "ai.onnx.ml.ArrayFeatureExtractor",
    "Reshape",
    "Cast",
    "Identity",
    "Squeeze",
    "Flatten",
];

/// The output the network is imported for, and whether the graph's other
/// output is the label (the argmax of that one) as scikit-learn's
/// converters write it.
pub fn network_output(model: &OnnxModel) -> Result<(String, bool), OnnxError> {
    match model.outputs.as_slice() {
        [one] => Ok((one.clone(), false)),
        [a, b] => {
            let only_label = |o: &String, other: &String| {
                let branch = needed_nodes(model, o, Some(other));
                branch.iter().any(|n| n.op == "ArgMax") && branch.iter().all(|n| LABEL_OPS.contains(&n.op.as_str()))
            };
            match (only_label(a, b), only_label(b, a)) {
                (true, false) => Ok((b.clone(), true)),
                (false, true) => Ok((a.clone(), true)),
                _ => Err(OnnxError::Model(format!(
                    "outputs `{a}` and `{b}`: a network has one output (or scores and their label)"
                ))),
            }
        }
        outputs => Err(OnnxError::Model(format!(
            "{} graph outputs; a network has one",
            outputs.len()
        ))),
    }
}

/// The nodes `output` depends on, in file order, not looking past the
/// tensor `stop` (or anything it depends on).
fn needed_nodes<'m>(model: &'m OnnxModel, output: &str, stop: Option<&String>) -> Vec<&'m Node> {
    let mut wanted: std::collections::HashSet<&str> = [output].into();
    let stop_at: std::collections::HashSet<&str> = stop.map_or_else(Default::default, |s| {
        needed_nodes(model, s, None)
            .iter()
            .flat_map(|n| n.outputs.iter().map(String::as_str))
            .chain([s.as_str()])
            .collect()
    });
    let mut needed = Vec::new();
    for n in model.nodes.iter().rev() {
        if n.outputs
            .iter()
            .any(|o| wanted.contains(o.as_str()) && !stop_at.contains(o.as_str()))
        {
            wanted.extend(n.inputs.iter().map(String::as_str));
            needed.push(n);
        }
    }
    needed.reverse();
    needed
}

/// Refuses the first node whose operator is not in [`SUPPORTED`] or
/// folded shape arithmetic ([`fold::FOLD_ONLY`]).
pub fn check_supported(model: &OnnxModel) -> Result<(), OnnxError> {
    check_nodes(&model.nodes.iter().collect::<Vec<_>>())
}

fn check_nodes(nodes: &[&Node]) -> Result<(), OnnxError> {
    for n in nodes {
        if !SUPPORTED.iter().any(|(op, _)| *op == n.op) && !fold::FOLD_ONLY.contains(&n.op.as_str()) {
            let mut known: Vec<&str> = SUPPORTED.iter().map(|(op, _)| *op).collect();
            known.extend(fold::FOLD_ONLY);
            return Err(OnnxError::node(
                n,
                format!("operator not supported (supported: {})", known.join(", ")),
            ));
        }
    }
    Ok(())
}

/// Translates the supported nodes, in the file's order (ONNX's topological
/// order): each reads computed tensors and constants, and the last layer
/// writes the graph's output.
pub fn translate(model: &OnnxModel) -> Result<Translation, OnnxError> {
    let (output, label) = network_output(model)?;
    let output = &output;
    let nodes = needed_nodes(model, output, None);
    check_nodes(&nodes)?;
    let input = FloatTensor {
        shape: model.input_shape.clone(),
        values: vec![0.0; model.input_shape.iter().product()],
    };
    let mut t = Translator {
        model,
        producer: HashMap::from([(model.input.clone(), None)]),
        folded: HashMap::new(),
        outs: Vec::new(),
        input,
        shape: model.input_shape.clone(),
        linear_output: None,
        out: Translation {
            layers: Vec::new(),
            origins: Vec::new(),
            head: None,
            notes: Vec::new(),
            label,
        },
    };
    if label {
        t.out.notes.push(format!(
            "the label output is the class of `{output}`: imported with --argmax, the model outputs it too"
        ));
    }
    // Past the last node that computes, only pass-through nodes.
    let last = nodes
        .iter()
        .rposition(|n| !matches!(n.op.as_str(), "Identity" | "Dropout"));
    for (i, n) in nodes.iter().enumerate() {
        if n.op != "Constant" && !t.folds(n)? {
            t.node(n, Some(i) == last)?;
        }
    }
    let Some(&from) = t.producer.get(output) else {
        return Err(OnnxError::Model(format!("no node writes the graph output `{output}`")));
    };
    if from != t.current() || t.out.layers.is_empty() {
        t.push_layer(output, Layer::Recall { from }).map_err(OnnxError::Model)?;
    }
    t.picture_head();
    Ok(t.out)
}

struct Translator<'a> {
    model: &'a OnnxModel,
    /// The layer whose output each computed tensor is (`None`: the input).
    producer: HashMap<String, Option<usize>>,
    /// Constants computed from the graph's shape arithmetic.
    folded: HashMap<String, Const>,
    /// Each layer's output on a zero input: its shape, for the layers
    /// after it.
    outs: Vec<FloatTensor>,
    input: FloatTensor,
    /// The shape of the tensor the node being translated reads.
    shape: Vec<usize>,
    /// The output of the last Gemm, MatMul or Conv (or of the bias added
    /// to it), which a bias or batch norm may follow.
    linear_output: Option<String>,
    out: Translation,
}

impl<'a> Translator<'a> {
    /// A constant tensor: the file's or one folded from shape arithmetic.
    fn konst(&self, name: &str) -> Option<&Const> {
        self.model.consts.get(name).or_else(|| self.folded.get(name))
    }

    /// Folds shape arithmetic ([`fold`]) into a constant; false when the
    /// node is a layer.
    fn folds(&mut self, n: &Node) -> Result<bool, OnnxError> {
        let op = n.op.as_str();
        if !fold::FOLD_ONLY.contains(&op) && !fold::ALSO_FOLDED.contains(&op) {
            return Ok(false);
        }
        let value = fold::fold(
            n,
            |x| self.konst(x).cloned(),
            |x| self.producer.get(x).map(|&from| self.shape_of(from).to_vec()),
        )?;
        match value {
            Some(c) => {
                self.check_outputs(n)?;
                self.folded.insert(n.outputs[0].clone(), c);
                Ok(true)
            }
            None if fold::FOLD_ONLY.contains(&op) => Err(OnnxError::node(
                n,
                "supported only as shape arithmetic on constant int64 tensors, which the importer folds",
            )),
            None => Ok(false),
        }
    }

    /// The layer the quantizer's next layer reads by default.
    fn current(&self) -> Option<usize> {
        self.out.layers.len().checked_sub(1)
    }

    fn node(&mut self, n: &Node, last: bool) -> Result<(), OnnxError> {
        self.check_outputs(n)?;
        let data = self.data_inputs(n)?;
        match n.op.as_str() {
            "Add" | "Sub" | "Mul" if data.len() == 2 => return self.binary(n, &data),
            "Concat" => return self.concat(n, &data),
            _ => {}
        }
        let [(position, from)] = data[..] else {
            return Err(OnnxError::node(
                n,
                format!("reads {} computed tensors; one is supported here", data.len()),
            ));
        };
        let first = if matches!(n.op.as_str(), "Add" | "Sub" | "Mul") {
            1
        } else {
            0
        };
        if position > first {
            return Err(OnnxError::node(
                n,
                format!("input {position} is computed; only input 0 may be"),
            ));
        }
        self.shape = self.shape_of(from).to_vec();
        let before = self.out.layers.len();
        // Nodes that fold into the layer before them need it current; any
        // other node starting from an earlier tensor starts a branch.
        if from != self.current()
            && !matches!(
                n.op.as_str(),
                "Identity" | "Dropout" | "Cast" | "Softmax" | "LogSoftmax"
            )
        {
            self.push(n, Layer::Recall { from })?;
        }
        match n.op.as_str() {
            "Gemm" => self.gemm(n)?,
            "MatMul" => self.matmul(n)?,
            "Add" => self.add_bias(n)?,
            "Sub" | "Mul" | "Div" => self.affine(n, position)?,
            "Conv" => self.conv(n)?,
            "ConvTranspose" => self.conv_transpose(n)?,
            "BatchNormalization" => self.batch_norm(n)?,
            "Relu" => self.push(n, Layer::Relu)?,
            "LeakyRelu" => {
                let slope = n.float("alpha", 0.01)?;
                self.leaky(n, vec![slope])?
            }
            "PRelu" => {
                let (c, v) = self.required(n, 1, "slope")?;
                let channels = self.shape.get(1).copied().unwrap_or(0);
                let slope = if v.len() == 1 {
                    v.to_vec()
                } else {
                    broadcast_bias(n, c, v, channels, self.shape.len())?
                };
                self.leaky(n, slope)?
            }
            "Clip" => self.clip(n)?,
            "Tanh" => self.push(n, Layer::Tanh)?,
            "Sigmoid" => self.push(n, Layer::Sigmoid)?,
            "Resize" => self.resize(n)?,
            "Squeeze" | "Unsqueeze" => self.squeeze(n)?,
            "Pad" => self.pad(n)?,
            "Transpose" => {
                let rank = self.shape.len();
                let perm = n.ints("perm")?.unwrap_or_else(|| (0..rank as i64).rev().collect());
                if perm.first() != Some(&0) || perm.len() != rank || perm.iter().any(|&p| p < 0) || rank > 4 {
                    return Err(OnnxError::node(
                        n,
                        format!("perm {perm:?} of {rank} axes: up to 4 axes, the batch axis first"),
                    ));
                }
                self.push(
                    n,
                    Layer::Transpose {
                        perm: perm.iter().map(|&p| p as usize).collect(),
                    },
                )?
            }
            "MaxPool" | "AveragePool" => self.pool(n)?,
            "GlobalAveragePool" => self.global_average(n)?,
            "Flatten" => self.flatten(n)?,
            "Reshape" => self.reshape(n)?,
            "Softmax" | "LogSoftmax" => self.head(n, last)?,
            "Cast" if n.int("to", 0)? == 1 => {}
            "Cast" => {
                return Err(OnnxError::node(
                    n,
                    "a cast of computed values to anything but float is not supported",
                ))
            }
            // Identity and Dropout (at inference) pass their input on.
            _ => {}
        }
        let output = n.outputs.first().cloned().unwrap_or_default();
        let made = if self.out.layers.len() > before || matches!(n.op.as_str(), "Add" | "Sub" | "Mul" | "Div") {
            self.current()
        } else {
            from
        };
        self.producer.insert(output.clone(), made);
        if matches!(
            n.op.as_str(),
            "Gemm" | "MatMul" | "Conv" | "ConvTranspose" | "BatchNormalization" | "Add" | "Sub" | "Mul" | "Div"
        ) {
            self.linear_output = Some(output);
        }
        Ok(())
    }

    /// The computed inputs of a node, by position, with the layer each
    /// comes from. Every other input must be a constant.
    fn data_inputs(&self, n: &Node) -> Result<Vec<(usize, Option<usize>)>, OnnxError> {
        let mut data = Vec::new();
        for (i, x) in n.inputs.iter().enumerate().filter(|(_, x)| !x.is_empty()) {
            if let Some(&from) = self.producer.get(x) {
                data.push((i, from));
            } else if self.konst(x).is_none() {
                return Err(OnnxError::node(
                    n,
                    format!("reads `{x}`, which is neither a constant nor written by an earlier node"),
                ));
            }
        }
        Ok(data)
    }

    /// Extra outputs must be unused, and no tensor written twice.
    fn check_outputs(&self, n: &Node) -> Result<(), OnnxError> {
        let used = |name: &String| {
            self.model.nodes.iter().any(|m| m.inputs.contains(name)) || self.model.outputs.contains(name)
        };
        if let Some(x) = n.outputs.iter().skip(1).find(|x| !x.is_empty() && used(x)) {
            return Err(OnnxError::node(
                n,
                format!("its second output `{x}` is used; only the first is supported"),
            ));
        }
        match n.outputs.first() {
            Some(x) if self.producer.contains_key(x) || self.konst(x).is_some() => {
                Err(OnnxError::node(n, format!("writes `{x}`, which already has a value")))
            }
            Some(x) if !x.is_empty() => Ok(()),
            _ => Err(OnnxError::node(n, "has no output")),
        }
    }

    /// How many nodes read a tensor (the graph output counts as one).
    fn readers(&self, name: &str) -> usize {
        let nodes = self
            .model
            .nodes
            .iter()
            .filter(|m| m.inputs.iter().any(|x| x == name))
            .count();
        nodes + usize::from(self.model.outputs.iter().any(|x| x == name))
    }

    fn shape_of(&self, from: Option<usize>) -> &[usize] {
        match from {
            None => &self.input.shape,
            Some(j) => &self.outs[j].shape,
        }
    }

    /// Appends a layer after checking it fits the tensors it reads.
    fn push_layer(&mut self, origin: &str, layer: Layer) -> Result<(), String> {
        let next = layer
            .apply(self.out.layers.len(), &self.outs, &self.input)
            .map_err(|e| e.to_string())?;
        self.shape = next.shape.clone();
        self.outs.push(next);
        self.out.layers.push(layer);
        self.out.origins.push(origin.to_string());
        Ok(())
    }

    fn push(&mut self, n: &Node, layer: Layer) -> Result<(), OnnxError> {
        self.push_layer(&n.name, layer).map_err(|why| OnnxError::node(n, why))
    }

    /// The sum, difference or product of two computed tensors (a residual
    /// connection, a gate), shapes broadcast as ONNX does.
    fn binary(&mut self, n: &Node, data: &[(usize, Option<usize>)]) -> Result<(), OnnxError> {
        let from = [data[0].1, data[1].1];
        let layer = match n.op.as_str() {
            "Sub" => Layer::Sub { from },
            "Mul" => Layer::Mul { from },
            _ => Layer::Add { from },
        };
        self.push(n, layer)?;
        self.producer.insert(n.outputs[0].clone(), self.current());
        self.linear_output = None;
        Ok(())
    }

    fn concat(&mut self, n: &Node, data: &[(usize, Option<usize>)]) -> Result<(), OnnxError> {
        if data.len() != n.inputs.iter().filter(|x| !x.is_empty()).count() {
            return Err(OnnxError::node(n, "joins a constant; computed tensors are supported"));
        }
        let rank = self.shape_of(data[0].1).len() as i64;
        let axis = match n.int("axis", i64::MIN)? {
            i64::MIN => return Err(OnnxError::node(n, "axis is missing")),
            a if a < 0 => a + rank,
            a => a,
        };
        if !(1..rank).contains(&axis) {
            return Err(OnnxError::node(
                n,
                format!("axis {axis}: joining along the batch axis or outside rank {rank} is not supported"),
            ));
        }
        let from = data.iter().map(|d| d.1).collect();
        self.push(
            n,
            Layer::Concat {
                from,
                axis: axis as usize,
            },
        )?;
        self.producer.insert(n.outputs[0].clone(), self.current());
        Ok(())
    }

    /// A final tanh over a `[1, 1 or 3, h, w]` output is a generator's
    /// picture: the model outputs its pixels `(y + 1) / 2` at `2^-7`.
    fn picture_head(&mut self) {
        let picture = matches!(self.shape[..], [1, 1 | 3, _, _]);
        if picture && matches!(self.out.layers.last(), Some(Layer::Tanh)) && self.out.head.is_none() {
            let origin = self.out.origins.last().cloned().unwrap_or_default();
            self.out.layers.push(Layer::Pixels);
            self.out.origins.push(origin);
            self.out.head = Some(Head::Pixels);
            self.out
                .notes
                .push("the final Tanh draws a picture: the model outputs the pixels (y + 1) / 2 in [0, 1]".into());
        }
    }

    /// A float constant input, by position; empty tensors are refused.
    fn floats(&self, n: &Node, i: usize) -> Result<Option<(&Const, &[f32])>, OnnxError> {
        match self.maybe_empty_floats(n, i)? {
            Some((c, [])) => Err(OnnxError::Tensor {
                tensor: n.inputs[i].clone(),
                why: format!("dimensions {:?} hold no element", c.dims),
            }),
            found => Ok(found),
        }
    }

    /// A float constant input, by position, possibly empty (Resize's
    /// unused `roi` and `scales`).
    fn maybe_empty_floats(&self, n: &Node, i: usize) -> Result<Option<(&Const, &[f32])>, OnnxError> {
        let Some(name) = n.inputs.get(i).filter(|x| !x.is_empty()) else {
            return Ok(None);
        };
        let c = self
            .konst(name)
            .ok_or_else(|| OnnxError::node(n, format!("input `{name}` must be a constant")))?;
        match &c.values {
            Values::F32(v) => Ok(Some((c, v.as_slice()))),
            Values::I64(_) => Err(OnnxError::node(n, format!("input `{name}` must hold float32 values"))),
        }
    }

    fn required(&self, n: &Node, i: usize, what: &str) -> Result<(&Const, &[f32]), OnnxError> {
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
            Some((c, v)) => broadcast_bias(n, c, v, out, 2)?.into_iter().map(|v| v * beta).collect(),
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

    /// Whether the node's input `i` is the output of the linear layer
    /// just before it, read by nothing else: a bias or batch norm can fold
    /// into that layer.
    fn folds_into_linear(&self, n: &Node, i: usize) -> bool {
        let x = &n.inputs[i];
        // A batch norm (or constant factor) there folds into the layer too.
        let linear = matches!(
            self.out.layers.last(),
            Some(Layer::Dense { .. } | Layer::Conv2d { .. } | Layer::ConvTranspose2d { .. } | Layer::BatchNorm { .. })
        );
        linear && self.linear_output.as_ref() == Some(x) && self.readers(x) == 1
    }

    /// `Add` of a constant: the bias of the linear layer just before it, or
    /// a per-channel layer of its own.
    fn add_bias(&mut self, n: &Node) -> Result<(), OnnxError> {
        let other = usize::from(self.producer.contains_key(&n.inputs[0]));
        let (c, v) = self.required(n, other, "constant addend")?;
        let channels = self.shape.get(1).copied().unwrap_or(0);
        let bias = broadcast_bias(n, c, v, channels, self.shape.len())?;
        let just_before = self.folds_into_linear(n, 1 - other);
        match self.out.layers.last_mut() {
            Some(
                Layer::Dense { b, .. }
                | Layer::Conv2d { b, .. }
                | Layer::ConvTranspose2d { b, .. }
                | Layer::BatchNorm { beta: b, .. },
            ) if just_before => {
                b.iter_mut().zip(&bias).for_each(|(b, a)| *b += a);
                Ok(())
            }
            _ => self.push(n, per_channel(vec![1.0; channels], bias)),
        }
    }

    /// A square 2-D kernel's weight, `[a, b, k, k]`, and the bias of `out`
    /// channels (zeros when absent).
    fn kernel(&self, n: &Node, out_axis: usize) -> Result<(&Const, &[f32], Vec<f32>), OnnxError> {
        no_auto_pad(n)?;
        let (wc, w) = self.required(n, 1, "weight")?;
        let [_, _, kh, kw] = wc.dims[..] else {
            return Err(OnnxError::node(
                n,
                format!("weight of shape {:?}; 2-D kernels are supported", wc.dims),
            ));
        };
        if kh != kw {
            return Err(OnnxError::node(
                n,
                format!("kernel {kh}x{kw}: square kernels are supported"),
            ));
        }
        let groups = if out_axis == 1 {
            n.int("group", 1)?.max(1) as usize
        } else {
            1
        };
        let out = wc.dims[out_axis] * groups;
        let b = match self.floats(n, 2)? {
            // One bias per output channel, as for a [1, out] row.
            Some((c, v)) => broadcast_bias(n, c, v, out, 2)?,
            None => vec![0.0; out],
        };
        Ok((wc, w, b))
    }

    fn conv(&mut self, n: &Node) -> Result<(), OnnxError> {
        let (wc, w, b) = self.kernel(n, 0)?;
        let layer = Layer::Conv2d {
            out: wc.dims[0],
            kernel: wc.dims[2],
            stride: same_on_every_side(n, "strides", 1, 2)?,
            pad: same_on_every_side(n, "pads", 0, 4)?,
            dilation: same_on_every_side(n, "dilations", 1, 2)?,
            groups: n.int("group", 1)?.max(0) as usize,
            w: w.to_vec(),
            b,
        };
        self.push(n, layer)
    }

    /// ONNX ConvTranspose, weights `[in, out / group, k, k]`.
    fn conv_transpose(&mut self, n: &Node) -> Result<(), OnnxError> {
        let (wc, w, b) = self.kernel(n, 1)?;
        if n.ints("output_shape")?.is_some() {
            return Err(OnnxError::node(
                n,
                "output_shape is not supported; give pads and output_padding",
            ));
        }
        if same_on_every_side(n, "dilations", 1, 2)? != 1 {
            return Err(OnnxError::node(n, "dilated transposed convolution is not supported"));
        }
        let layer = Layer::ConvTranspose2d {
            out: b.len(),
            kernel: wc.dims[2],
            stride: same_on_every_side(n, "strides", 1, 2)?,
            pad: same_on_every_side(n, "pads", 0, 4)?,
            output_pad: same_on_every_side(n, "output_padding", 0, 2)?,
            groups: n.int("group", 1)?.max(0) as usize,
            w: w.to_vec(),
            b,
        };
        self.push(n, layer)
    }

    /// LeakyRelu and PRelu: slopes in `[0, 1]`, exact when 8 bits hold
    /// them, else rounded (said in the report).
    fn leaky(&mut self, n: &Node, slope: Vec<f32>) -> Result<(), OnnxError> {
        if let Some(s) = slope.iter().find(|s| !(0.0..=1.0).contains(*s)) {
            return Err(OnnxError::node(n, format!("slope {s}: slopes in [0, 1] are supported")));
        }
        if let Some(s) = slope.iter().find(|s| (*s * 256.0).fract() != 0.0) {
            self.out.notes.push(format!(
                "{} `{}`: slope {s} is proven as {}/256",
                n.op,
                n.name,
                (s * 256.0).round()
            ));
        }
        self.push(n, Layer::LeakyRelu { slope })
    }

    /// Clip's bounds: inputs 1 and 2 (opset 11 on) or the `min` and `max`
    /// attributes; a missing bound is no bound.
    fn clip(&mut self, n: &Node) -> Result<(), OnnxError> {
        let bound = |i: usize, attr: &str, default: f32| -> Result<f32, OnnxError> {
            match self.floats(n, i)? {
                Some((_, [v])) => Ok(*v),
                Some((c, _)) => Err(OnnxError::node(
                    n,
                    format!("bound of shape {:?}; one value is supported", c.dims),
                )),
                None => n.float(attr, default),
            }
        };
        let (min, max) = (bound(1, "min", f32::NEG_INFINITY)?, bound(2, "max", f32::INFINITY)?);
        if min.is_nan() || max.is_nan() || min > max {
            return Err(OnnxError::node(n, format!("bounds [{min}, {max}] are not an interval")));
        }
        self.push(n, Layer::Clip { min, max })
    }

    /// Nearest-neighbour Resize by one integer
    /// factor for height and width, where every output pixel copies input
    /// pixel `i / factor`.
    fn resize(&mut self, n: &Node) -> Result<(), OnnxError> {
        let mode = n.string("mode")?.unwrap_or_else(|| "nearest".into());
        let coords = n
            .string("coordinate_transformation_mode")?
            .unwrap_or_else(|| "half_pixel".into());
        let rounding = n.string("nearest_mode")?.unwrap_or_else(|| "round_prefer_floor".into());
        // Half-pixel centres round to i / factor for any integer factor;
        // asymmetric ones only when they round down.
        let copies = match coords.as_str() {
            "half_pixel" | "pytorch_half_pixel" => true,
            "asymmetric" => rounding == "floor",
            _ => false,
        };
        if mode != "nearest" || !copies {
            return Err(OnnxError::node(
                n,
                format!(
                    "mode {mode}, coordinates {coords}, rounding {rounding}: nearest with half_pixel, or asymmetric \
                     coordinates rounded down, is supported"
                ),
            ));
        }
        let [1, c, h, w] = self.shape[..] else {
            return Err(OnnxError::node(
                n,
                format!("input {:?}; [1, c, h, w] is supported", self.shape),
            ));
        };
        let scales: Vec<f32> = match (
            self.maybe_empty_floats(n, 2)?,
            self.ints_input(n, 3)?,
            n.floats("scales")?,
        ) {
            (Some((_, v)), _, _) if !v.is_empty() => v.to_vec(),
            (_, Some(sizes), _) => {
                let dims = [1, c, h, w];
                sizes.iter().zip(dims).map(|(&o, i)| o as f32 / i as f32).collect()
            }
            (None, None, Some(v)) => v,
            _ => Vec::new(),
        };
        match scales[..] {
            [1.0, 1.0, a, b] if a == b && a >= 1.0 && a.fract() == 0.0 => {
                self.push(n, Layer::Upsample { scale: a as usize })
            }
            _ => Err(OnnxError::node(
                n,
                format!("scales {scales:?}: one integer factor for height and width is supported"),
            )),
        }
    }

    /// `x - c`, `c - x`, `x * c`, `c * x` or `x / c` with a float constant
    /// of one value or one per channel: a per-channel affine map, folded
    /// like a batch norm into a linear layer just before it, or a layer of
    /// its own.
    fn affine(&mut self, n: &Node, position: usize) -> Result<(), OnnxError> {
        let channels = self.shape.get(1).copied().unwrap_or(0);
        let (c, v) = self.required(n, 1 - position, "constant operand")?;
        let per_channel_values = broadcast_bias(n, c, v, channels, self.shape.len())?;
        let (gamma, beta) = match (n.op.as_str(), position) {
            ("Sub", 0) => (vec![1.0; channels], per_channel_values.iter().map(|c| -c).collect()),
            ("Sub", _) => (vec![-1.0; channels], per_channel_values),
            ("Mul", _) => (per_channel_values, vec![0.0; channels]),
            // Div: node() lets only its input 0 be computed.
            _ => (
                per_channel_values.iter().map(|c| 1.0 / c).collect(),
                vec![0.0; channels],
            ),
        };
        if let Some(g) = gamma.iter().find(|g| !g.is_finite()) {
            return Err(OnnxError::node(n, format!("a factor of {g}")));
        }
        self.push(n, per_channel(gamma, beta))
    }

    /// Constant zero padding of the last two axes: pads from input 1
    /// (opset 11 on) or the attribute.
    fn pad(&mut self, n: &Node) -> Result<(), OnnxError> {
        let mode = n.string("mode")?.unwrap_or_else(|| "constant".into());
        let value = match self.floats(n, 2)? {
            Some((_, v)) => v.first().copied().unwrap_or(0.0),
            None => n.float("value", 0.0)?,
        };
        if mode != "constant" || value != 0.0 || n.inputs.get(3).is_some_and(|x| !x.is_empty()) {
            return Err(OnnxError::node(
                n,
                format!("mode {mode}, value {value}: zero padding of all axes is supported"),
            ));
        }
        let pads = match (self.ints_input(n, 1)?, n.ints("pads")?) {
            (Some(p), _) => p.to_vec(),
            (None, Some(p)) => p,
            (None, None) => return Err(OnnxError::node(n, "pads are missing")),
        };
        let rank = self.shape.len();
        let (begin, end) = pads.split_at(pads.len() / 2);
        let outer = |v: &[i64]| v.len() != rank || v[..rank.saturating_sub(2)].iter().any(|&p| p != 0);
        if rank < 2 || outer(begin) || outer(end) || pads.iter().any(|&p| p < 0) {
            return Err(OnnxError::node(
                n,
                format!(
                    "pads {pads:?}: non-negative padding of the last two axes of {:?} is supported",
                    self.shape
                ),
            ));
        }
        let [top, left, bottom, right] =
            [begin[rank - 2], begin[rank - 1], end[rank - 2], end[rank - 1]].map(|p| p as usize);
        self.push(
            n,
            Layer::Pad {
                pads: [top, left, bottom, right],
            },
        )
    }

    /// An int64 constant input, by position.
    fn ints_input(&self, n: &Node, i: usize) -> Result<Option<&[i64]>, OnnxError> {
        let Some(name) = n.inputs.get(i).filter(|x| !x.is_empty()) else {
            return Ok(None);
        };
        let c = self
            .konst(name)
            .ok_or_else(|| OnnxError::node(n, format!("input `{name}` must be a constant")))?;
        match &c.values {
            Values::I64(v) => Ok(Some(v.as_slice())),
            Values::F32(_) => Err(OnnxError::node(n, format!("input `{name}` must hold int64 values"))),
        }
    }

    /// Squeeze and Unsqueeze: a reshape, axes from the attribute (before
    /// opset 13) or input 1.
    fn squeeze(&mut self, n: &Node) -> Result<(), OnnxError> {
        let axes = match (n.ints("axes")?, self.ints_input(n, 1)?) {
            (Some(a), _) => a,
            (None, Some(a)) => a.to_vec(),
            (None, None) if n.op == "Squeeze" => (0..self.shape.len() as i64)
                .filter(|&a| self.shape[a as usize] == 1 && a > 0)
                .collect(),
            _ => return Err(OnnxError::node(n, "axes are missing")),
        };
        let squeeze = n.op == "Squeeze";
        let given = axes.len();
        let rank = (self.shape.len() + if squeeze { 0 } else { given }) as i64;
        let mut axes: Vec<usize> = axes
            .iter()
            .map(|&a| if a < 0 { a + rank } else { a })
            .filter(|a| (0..rank).contains(a))
            .map(|a| a as usize)
            .collect();
        axes.sort_unstable();
        axes.dedup();
        if axes.len() != given || axes.first() == Some(&0) {
            return Err(OnnxError::node(
                n,
                format!("axes {axes:?}: distinct axes after the batch axis are supported"),
            ));
        }
        let shape = if squeeze {
            if let Some(a) = axes.iter().find(|&&a| self.shape[a] != 1) {
                return Err(OnnxError::node(n, format!("axis {a} of {:?} is not 1", self.shape)));
            }
            (0..self.shape.len())
                .filter(|i| !axes.contains(i))
                .map(|i| self.shape[i])
                .collect()
        } else {
            let mut rest = self.shape.iter();
            (0..rank as usize)
                .map(|i| {
                    if axes.contains(&i) {
                        1
                    } else {
                        *rest.next().unwrap_or(&1)
                    }
                })
                .collect()
        };
        self.push(n, Layer::Reshape { shape })
    }

    fn batch_norm(&mut self, n: &Node) -> Result<(), OnnxError> {
        if n.int("training_mode", 0)? != 0 {
            return Err(OnnxError::node(n, "training_mode = 1 is not supported"));
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
        let c = self
            .konst(name)
            .ok_or_else(|| OnnxError::node(n, format!("input `{name}` must be a constant")))?;
        let Values::I64(target) = &c.values else {
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

/// `x * gamma[c] + beta[c]` per channel: a batch norm with unit variance,
/// which folds into the linear layer before it or becomes a layer of its
/// own.
fn per_channel(gamma: Vec<f32>, beta: Vec<f32>) -> Layer {
    let channels = gamma.len();
    Layer::BatchNorm {
        gamma,
        beta,
        mean: vec![0.0; channels],
        var: vec![1.0; channels],
        eps: 0.0,
    }
}

/// A constant of shape `c.dims` broadcast (aligned from the last axis, as
/// ONNX does) against a tensor of `rank` axes with `n` channels on axis 1,
/// as one value per channel.
fn broadcast_bias(node: &Node, c: &Const, v: &[f32], n: usize, rank: usize) -> Result<Vec<f32>, OnnxError> {
    // Aligned from the last axis, the constant's axis `p` lands on axis
    // `lead + p` of the tensor: only axis 1 may hold more than one value.
    let lead = rank.checked_sub(c.dims.len());
    let fits = lead.is_some_and(|lead| {
        c.dims
            .iter()
            .enumerate()
            .all(|(p, &d)| d == 1 || (lead + p == 1 && d == n))
    });
    match v.len() {
        1 if fits => Ok(vec![v[0]; n]),
        len if fits && len == n => Ok(v.to_vec()),
        _ => Err(OnnxError::node(
            node,
            format!(
                "a constant of shape {:?} against {rank} axes with {n} channels on axis 1: one value, or one per \
                 channel, is supported",
                c.dims
            ),
        )),
    }
}

/// One non-negative value for every side or axis of attribute `name`
/// (`len` of them, `default` when absent).
fn same_on_every_side(n: &Node, name: &str, default: i64, len: usize) -> Result<usize, OnnxError> {
    let v = n.ints(name)?.unwrap_or_else(|| vec![default; len]);
    match v.as_slice() {
        [a, rest @ ..] if rest.iter().all(|b| b == a) && *a >= 0 && v.len() == len => Ok(*a as usize),
        _ => Err(OnnxError::node(
            n,
            format!("{name} {v:?}: the same value on every side is supported"),
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
