//! `section9 import`: one-node ONNX models of every supported operator
//! against tract's float run, the committed PyTorch fixtures end to end
//! (import, run, prove, verify), and bad files refused with a message.

use indicatif::ProgressBar;
use prost::Message;
use rand::{Rng, SeedableRng};
use section9::graph::Model;
use section9_zoo::import::{self, DataFiles, ImportError, Imported, Options};
use std::path::{Path, PathBuf};
mod command;

use command::{section9, text};
use tract_onnx::pb::{self, attribute_proto::AttributeType};

// ---- one-node models, built with tract-onnx's message types ----

fn attr_int(name: &str, i: i64) -> pb::AttributeProto {
    pb::AttributeProto {
        name: name.into(),
        r#type: AttributeType::Int as i32,
        i,
        ..Default::default()
    }
}

fn attr_ints(name: &str, ints: &[i64]) -> pb::AttributeProto {
    pb::AttributeProto {
        name: name.into(),
        r#type: AttributeType::Ints as i32,
        ints: ints.to_vec(),
        ..Default::default()
    }
}

fn attr_float(name: &str, f: f32) -> pb::AttributeProto {
    pb::AttributeProto {
        name: name.into(),
        r#type: AttributeType::Float as i32,
        f,
        ..Default::default()
    }
}

fn attr_string(name: &str, v: &str) -> pb::AttributeProto {
    pb::AttributeProto {
        name: name.into(),
        r#type: AttributeType::String as i32,
        s: v.as_bytes().to_vec(),
        ..Default::default()
    }
}

fn floats(name: &str, dims: &[i64], values: Vec<f32>) -> pb::TensorProto {
    pb::TensorProto {
        name: name.into(),
        dims: dims.to_vec(),
        data_type: 1,
        float_data: values,
        ..Default::default()
    }
}

fn int64s(name: &str, values: &[i64]) -> pb::TensorProto {
    pb::TensorProto {
        name: name.into(),
        dims: vec![values.len() as i64],
        data_type: 7,
        int64_data: values.to_vec(),
        ..Default::default()
    }
}

/// Deterministic weights in `[-scale, scale]`.
fn random(n: usize, scale: f32, seed: u64) -> Vec<f32> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    (0..n).map(|_| rng.gen_range(-scale..=scale)).collect()
}

fn weights(name: &str, dims: &[i64], seed: u64) -> pb::TensorProto {
    let n = dims.iter().product::<i64>() as usize;
    floats(name, dims, random(n, 0.5, seed))
}

/// A chain of nodes: node `i` reads `t{i}` (`t0` is the input `x`), or
/// the tensors `reads` names for it, and writes `t{i+1}`; the last output
/// is the graph's.
struct Chain {
    input: Vec<i64>,
    nodes: Vec<(String, Vec<String>, Vec<pb::AttributeProto>)>,
    reads: std::collections::HashMap<usize, Vec<String>>,
    /// Nodes whose constants come before the computed input (`c - x`).
    constant_first: std::collections::HashSet<usize>,
    inits: Vec<pb::TensorProto>,
    opset: i64,
}

impl Chain {
    fn new(input: &[i64]) -> Chain {
        Chain {
            input: input.to_vec(),
            nodes: Vec::new(),
            reads: Default::default(),
            constant_first: Default::default(),
            inits: Vec::new(),
            opset: 17,
        }
    }

    /// Adds a node whose extra inputs are the given constants.
    fn node(mut self, op: &str, consts: Vec<pb::TensorProto>, attrs: Vec<pb::AttributeProto>) -> Chain {
        let names = consts.iter().map(|c| c.name.clone()).collect();
        self.inits.extend(consts);
        self.nodes.push((op.into(), names, attrs));
        self
    }

    /// Adds a node reading the computed tensors `data` (`t{k}`) instead of
    /// the last one.
    fn node_reading(
        mut self,
        op: &str,
        data: &[usize],
        consts: Vec<pb::TensorProto>,
        attrs: Vec<pb::AttributeProto>,
    ) -> Chain {
        self.reads
            .insert(self.nodes.len(), data.iter().map(|k| format!("t{k}")).collect());
        self.node(op, consts, attrs)
    }

    /// Adds a node whose constants are its first inputs, the last computed
    /// tensor its last.
    fn node_constant_first(mut self, op: &str, consts: Vec<pb::TensorProto>) -> Chain {
        self.constant_first.insert(self.nodes.len());
        self.node(op, consts, vec![])
    }

    fn proto(&self) -> pb::ModelProto {
        let tensor = |name: &str, dims: Option<&[i64]>| pb::ValueInfoProto {
            name: name.into(),
            r#type: Some(pb::TypeProto {
                value: Some(pb::type_proto::Value::TensorType(pb::type_proto::Tensor {
                    elem_type: 1,
                    shape: dims.map(|d| pb::TensorShapeProto {
                        dim: d
                            .iter()
                            .map(|&v| pb::tensor_shape_proto::Dimension {
                                value: Some(pb::tensor_shape_proto::dimension::Value::DimValue(v)),
                                ..Default::default()
                            })
                            .collect(),
                    }),
                })),
                ..Default::default()
            }),
            ..Default::default()
        };
        let nodes = self
            .nodes
            .iter()
            .enumerate()
            .map(|(i, (op, consts, attrs))| pb::NodeProto {
                name: format!("n{i}_{op}"),
                op_type: op.clone(),
                input: {
                    let data = self.reads.get(&i).cloned().unwrap_or_else(|| vec![format!("t{i}")]);
                    if self.constant_first.contains(&i) {
                        consts.iter().cloned().chain(data).collect()
                    } else {
                        data.into_iter().chain(consts.iter().cloned()).collect()
                    }
                },
                output: vec![format!("t{}", i + 1)],
                attribute: attrs.clone(),
                ..Default::default()
            })
            .collect();
        pb::ModelProto {
            ir_version: 8,
            opset_import: vec![pb::OperatorSetIdProto {
                domain: String::new(),
                version: self.opset,
            }],
            graph: Some(pb::GraphProto {
                name: "chain".into(),
                node: nodes,
                initializer: self.inits.clone(),
                input: vec![tensor("t0", Some(&self.input))],
                output: vec![tensor(&format!("t{}", self.nodes.len()), None)],
                ..Default::default()
            }),
            ..Default::default()
        }
    }
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Random samples in `[-1, 1]` as a JSON calibration file.
fn samples(n: usize, per: usize, seed: u64) -> Vec<Vec<f32>> {
    (0..n).map(|i| random(per, 1.0, seed * 1000 + i as u64)).collect()
}

fn import_bytes(dir: &Path, onnx: &[u8], calibration: &[Vec<f32>]) -> Result<Imported, ImportError> {
    let model = write(dir, "model.onnx", onnx);
    let cal = write(dir, "cal.json", serde_json::to_string(calibration).unwrap().as_bytes());
    let files = DataFiles {
        calibration: &cal,
        eval: None,
    };
    import::import(&model, &files, &Options::named("m"), &ProgressBar::hidden())
}

/// Imports `chain`, then compares the integer model, dequantized, with
/// tract's float run of the same file on fresh random inputs.
///
/// The error allowed is what the chosen scales allow for at most one
/// linear layer of `fan_in` terms: each term `w x` is off by at most
/// `|w| dx/2 + |x| dw/2 + dx dw/4` (input step `dx`, weight step `dw`,
/// `|w| <= 127 dw`, `|x| <= 127 dx`), the bias by half an accumulator
/// step, and the output by one output step. A dropped softmax at most
/// doubles it.
fn agrees_with_tract(what: &str, fan_in: usize, chain: Chain) {
    agrees_with_tract_within(what, fan_in, chain, 0.0);
}

/// [`agrees_with_tract`], allowing `extra` more: the rounding of the layers
/// after the linear one, which its bound does not count.
fn agrees_with_tract_within(what: &str, fan_in: usize, chain: Chain, extra: f32) {
    let dir = tempfile::tempdir().unwrap();
    let proto = chain.proto();
    let bytes = proto.encode_to_vec();
    let per = chain.input.iter().product::<i64>() as usize;
    let imported = import_bytes(dir.path(), &bytes, &samples(64, per, 1)).unwrap_or_else(|e| panic!("{what}: {e}"));
    let q = &imported.quantized;
    let model = Model::new(&q.file, &q.params).unwrap();
    let onnx = import::onnx::read(&bytes).unwrap();
    let reference = import::reference::Reference::new(&onnx).unwrap();
    let input = imported.report.input;
    let step = (q.output_exp as f32).exp2();
    let dx = (input.exp as f32).exp2();
    // With per-channel scales, the coarsest channel's steps bound them all.
    let (dw, dacc) = imported.report.layers.first().map_or((0.0, 0.0), |l| {
        let s = &l.scale;
        let coarsest = s.channel_exps.iter().copied().fold(s.weight_exp, i32::max);
        (
            (coarsest as f32).exp2(),
            ((s.acc_exp + coarsest - s.weight_exp) as f32).exp2(),
        )
    });
    let per_term = 127.0 * dw * dx / 2.0 + 127.0 * dx * dw / 2.0 + dx * dw / 4.0;
    let mut tol = step + dx / 2.0 + fan_in as f32 * per_term + dacc / 2.0 + extra;
    if imported.report.dropped.is_some_and(|h| h.is_classifier()) {
        tol *= 2.0;
    }
    for row in samples(16, per, 2) {
        let mut expected = reference.run(&row).unwrap();
        let (ints, _) = input.quantize(&row);
        let out = model.run(&[ints]).unwrap();
        let mut got: Vec<f32> = out[0].iter().map(|&v| v as f32 * step).collect();
        if let Some(head) = imported.report.dropped {
            (got, expected) = head.align(got, expected);
        }
        assert_eq!(got.len(), expected.len(), "{what}");
        for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
            assert!(
                (g - e).abs() <= tol,
                "{what}: output {i} is {g}, float {e}, allowed {tol}"
            );
        }
    }
}

#[test]
fn gemm_with_alpha_beta_and_either_layout() {
    let gemm = |trans: i64, dims: &[i64]| {
        Chain::new(&[1, 6]).node(
            "Gemm",
            vec![weights("w", dims, 1), weights("b", &[4], 2)],
            vec![
                attr_int("transB", trans),
                attr_float("alpha", 0.5),
                attr_float("beta", 2.0),
            ],
        )
    };
    agrees_with_tract("Gemm transB=1", 6, gemm(1, &[4, 6]));
    agrees_with_tract("Gemm transB=0", 6, gemm(0, &[6, 4]));
}

#[test]
fn matmul_and_add_bias() {
    let chain = Chain::new(&[1, 6])
        .node("MatMul", vec![weights("w", &[6, 5], 3)], vec![])
        .node("Add", vec![weights("b", &[5], 4)], vec![]);
    agrees_with_tract("MatMul + Add", 6, chain);
}

#[test]
fn conv_plain_strided_dilated_grouped() {
    let plain = Chain::new(&[1, 2, 6, 6]).node(
        "Conv",
        vec![weights("w", &[4, 2, 3, 3], 5), weights("b", &[4], 6)],
        vec![attr_ints("pads", &[1, 1, 1, 1])],
    );
    agrees_with_tract("Conv", 2 * 9, plain);
    let fancy = Chain::new(&[1, 4, 9, 9]).node(
        "Conv",
        vec![weights("w", &[6, 2, 3, 3], 7)],
        vec![
            attr_int("group", 2),
            attr_ints("strides", &[2, 2]),
            attr_ints("dilations", &[2, 2]),
            attr_ints("pads", &[1, 1, 1, 1]),
        ],
    );
    agrees_with_tract("Conv group 2 stride 2 dilation 2", 2 * 9, fancy);
}

fn batch_norm(c: i64, seed: u64) -> Vec<pb::TensorProto> {
    let n = c as usize;
    let var: Vec<f32> = random(n, 0.5, seed).iter().map(|v| v + 0.6).collect();
    vec![
        weights("gamma", &[c], seed + 1),
        weights("beta", &[c], seed + 2),
        weights("mean", &[c], seed + 3),
        floats("var", &[c], var),
    ]
}

#[test]
fn batch_norm_folds_into_conv_and_gemm_and_relu_fuses() {
    let conv = Chain::new(&[1, 1, 5, 5])
        .node("Conv", vec![weights("w", &[3, 1, 3, 3], 8)], vec![])
        .node(
            "BatchNormalization",
            batch_norm(3, 9),
            vec![attr_float("epsilon", 1e-3)],
        )
        .node("Relu", vec![], vec![]);
    agrees_with_tract("Conv + BatchNormalization + Relu", 9, conv);
    let gemm = Chain::new(&[1, 5])
        .node("Gemm", vec![weights("w", &[3, 5], 10)], vec![attr_int("transB", 1)])
        .node("BatchNormalization", batch_norm(3, 11), vec![]);
    agrees_with_tract("Gemm + BatchNormalization", 5, gemm);
}

#[test]
fn activations_and_pass_through_nodes() {
    let chain = Chain::new(&[1, 8])
        .node("Identity", vec![], vec![])
        .node("Dropout", vec![], vec![])
        .node("Relu", vec![], vec![]);
    agrees_with_tract("Identity, Dropout, Relu", 0, chain);
}

#[test]
fn pooling() {
    let pool = |op: &str, attrs| Chain::new(&[1, 2, 6, 6]).node(op, vec![], attrs);
    agrees_with_tract(
        "MaxPool 3 stride 2 pad 1",
        0,
        pool(
            "MaxPool",
            vec![
                attr_ints("kernel_shape", &[3, 3]),
                attr_ints("strides", &[2, 2]),
                attr_ints("pads", &[1, 1, 1, 1]),
            ],
        ),
    );
    agrees_with_tract(
        "AveragePool 2",
        0,
        pool(
            "AveragePool",
            vec![attr_ints("kernel_shape", &[2, 2]), attr_ints("strides", &[2, 2])],
        ),
    );
    agrees_with_tract(
        "AveragePool 3 pad 1 counted",
        0,
        pool(
            "AveragePool",
            vec![
                attr_ints("kernel_shape", &[3, 3]),
                attr_ints("pads", &[1, 1, 1, 1]),
                attr_int("count_include_pad", 1),
            ],
        ),
    );
    agrees_with_tract(
        "GlobalAveragePool",
        0,
        Chain::new(&[1, 3, 4, 5]).node("GlobalAveragePool", vec![], vec![]),
    );
}

#[test]
fn shapes_flatten_reshape_constant() {
    agrees_with_tract(
        "Flatten",
        0,
        Chain::new(&[1, 2, 3, 3]).node("Flatten", vec![], vec![attr_int("axis", 1)]),
    );
    agrees_with_tract(
        "Reshape [1, -1] then Gemm",
        18,
        Chain::new(&[1, 2, 3, 3])
            .node("Reshape", vec![int64s("shape", &[0, -1])], vec![])
            .node("Gemm", vec![weights("w", &[4, 18], 12)], vec![attr_int("transB", 1)]),
    );
    // The shape from a Constant node rather than an initializer.
    let mut chain = Chain::new(&[1, 2, 3, 3]).node("Reshape", vec![], vec![]);
    chain.nodes[0].1.push("shape".into());
    let mut proto = chain.proto();
    let graph = proto.graph.as_mut().unwrap();
    graph.node.insert(
        0,
        pb::NodeProto {
            name: "shape_const".into(),
            op_type: "Constant".into(),
            output: vec!["shape".into()],
            attribute: vec![pb::AttributeProto {
                name: "value".into(),
                r#type: AttributeType::Tensor as i32,
                t: Some(int64s("", &[1, 18])),
                ..Default::default()
            }],
            ..Default::default()
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let imported = import_bytes(dir.path(), &proto.encode_to_vec(), &samples(8, 18, 3)).unwrap();
    let model = Model::new(&imported.quantized.file, &imported.quantized.params).unwrap();
    assert_eq!(model.nodes[model.outputs[0]].shape, vec![1, 18]);
}

#[test]
fn a_final_softmax_is_dropped_for_the_logits_and_an_argmax() {
    for op in ["Softmax", "LogSoftmax"] {
        let chain = Chain::new(&[1, 6])
            .node("Gemm", vec![weights("w", &[4, 6], 13)], vec![attr_int("transB", 1)])
            .node(op, vec![], vec![attr_int("axis", -1)]);
        agrees_with_tract(op, 6, chain);
    }
}

#[test]
fn conv_transpose_plain_grouped_and_folded() {
    let plain = Chain::new(&[1, 3, 4, 4]).node(
        "ConvTranspose",
        vec![weights("w", &[3, 4, 4, 4], 14), weights("b", &[4], 15)],
        vec![attr_ints("strides", &[2, 2]), attr_ints("pads", &[1, 1, 1, 1])],
    );
    agrees_with_tract("ConvTranspose 4x4 stride 2 pad 1", 3 * 4, plain);
    let grouped = Chain::new(&[1, 4, 3, 3]).node(
        "ConvTranspose",
        vec![weights("w", &[4, 3, 3, 3], 16)],
        vec![
            attr_int("group", 2),
            attr_ints("strides", &[2, 2]),
            attr_ints("output_padding", &[1, 1]),
        ],
    );
    agrees_with_tract("ConvTranspose group 2 output padding 1", 2 * 9, grouped);
    let folded = Chain::new(&[1, 2, 2, 2])
        .node(
            "ConvTranspose",
            vec![weights("w", &[2, 3, 2, 2], 17)],
            vec![attr_ints("strides", &[2, 2])],
        )
        .node("BatchNormalization", batch_norm(3, 18), vec![])
        .node("Relu", vec![], vec![]);
    agrees_with_tract("ConvTranspose + BatchNormalization + Relu", 2, folded);
}

#[test]
fn leaky_relu_exact_and_rounded_prelu_and_clip() {
    let gemm = || Chain::new(&[1, 6]).node("Gemm", vec![weights("w", &[5, 6], 19)], vec![attr_int("transB", 1)]);
    let leaky = |alpha: f32| gemm().node("LeakyRelu", vec![], vec![attr_float("alpha", alpha)]);
    agrees_with_tract("Gemm + LeakyRelu 1/8", 6, leaky(0.125));
    // 0.2 is proven as 51/256: off by at most 0.0008 |x|.
    agrees_with_tract_within("Gemm + LeakyRelu 0.2", 6, leaky(0.2), 0.01);
    agrees_with_tract(
        "LeakyRelu on the input",
        0,
        Chain::new(&[1, 6]).node("LeakyRelu", vec![], vec![attr_float("alpha", 0.25)]),
    );
    let prelu = Chain::new(&[1, 2, 4, 4])
        .node(
            "Conv",
            vec![weights("w", &[3, 2, 3, 3], 20)],
            vec![attr_ints("pads", &[1, 1, 1, 1])],
        )
        .node("PRelu", vec![floats("slope", &[3, 1, 1], vec![0.5, 0.0, 0.25])], vec![]);
    agrees_with_tract("Conv + PRelu per channel", 2 * 9, prelu);
    let clip = gemm().node(
        "Clip",
        vec![floats("lo", &[], vec![-0.25]), floats("hi", &[], vec![0.5])],
        vec![],
    );
    agrees_with_tract("Gemm + Clip", 6, clip);
}

#[test]
fn tanh_and_sigmoid_through_tables() {
    // The table's input is rounded to its int8 step (at most 2^-4 here);
    // tanh's slope is at most 1, sigmoid's 1/4.
    for (op, extra) in [("Tanh", 1.0 / 32.0), ("Sigmoid", 1.0 / 128.0)] {
        let chain = Chain::new(&[1, 6])
            .node("Gemm", vec![weights("w", &[5, 6], 21)], vec![attr_int("transB", 1)])
            .node(op, vec![], vec![]);
        agrees_with_tract_within(&format!("Gemm + {op}"), 6, chain, extra);
        let alone = Chain::new(&[1, 6]).node(op, vec![], vec![]);
        agrees_with_tract_within(&format!("{op} on the input"), 0, alone, extra);
    }
}

#[test]
fn a_final_tanh_over_a_picture_outputs_pixels() {
    let chain = Chain::new(&[1, 2, 3, 3])
        .node(
            "Conv",
            vec![weights("w", &[1, 2, 3, 3], 22)],
            vec![attr_ints("pads", &[1, 1, 1, 1])],
        )
        .node("Tanh", vec![], vec![]);
    let dir = tempfile::tempdir().unwrap();
    let imported = import_bytes(dir.path(), &chain.proto().encode_to_vec(), &samples(16, 18, 5)).unwrap();
    assert_eq!(imported.report.dropped, Some(import::translate::Head::Pixels));
    assert_eq!(imported.report.output_exp, -7);
    let q = &imported.quantized;
    let model = Model::new(&q.file, &q.params).unwrap();
    let out = &model.nodes[model.outputs[0]];
    assert!(out.bound.lo >= 0 && out.bound.hi <= 127, "{}", out.bound);
    agrees_with_tract_within("Conv + Tanh picture", 18, chain, 1.0 / 64.0);
}

#[test]
fn resize_squeeze_and_unsqueeze() {
    let image = || Chain::new(&[1, 2, 3, 3]);
    let roi = || floats("roi", &[0], vec![]);
    let asymmetric = image().node(
        "Resize",
        vec![roi(), floats("scales", &[4], vec![1.0, 1.0, 2.0, 2.0])],
        vec![
            attr_string("mode", "nearest"),
            attr_string("coordinate_transformation_mode", "asymmetric"),
            attr_string("nearest_mode", "floor"),
        ],
    );
    agrees_with_tract("Resize nearest asymmetric floor", 0, asymmetric);
    let half_pixel = image().node(
        "Resize",
        vec![roi(), floats("scales", &[4], vec![1.0, 1.0, 3.0, 3.0])],
        vec![attr_string("mode", "nearest")],
    );
    agrees_with_tract("Resize nearest half pixel x3", 0, half_pixel);
    let mut sized = image().node("Resize", vec![roi()], vec![attr_string("mode", "nearest")]);
    sized.nodes[0].1.extend(["".to_string(), "sizes".to_string()]);
    sized.inits.push(int64s("sizes", &[1, 2, 6, 6]));
    agrees_with_tract("Resize nearest to sizes", 0, sized);
    let squeeze = Chain::new(&[1, 6])
        .node("Unsqueeze", vec![int64s("axes", &[2, -1])], vec![])
        .node("Conv", vec![weights("w", &[4, 6, 1, 1], 23)], vec![])
        .node("Squeeze", vec![int64s("axes2", &[2, 3])], vec![]);
    agrees_with_tract("Unsqueeze, Conv 1x1, Squeeze", 6, squeeze);
}

#[test]
fn constant_mul_sub_div_after_a_linear_layer_fold_into_it() {
    let chain = Chain::new(&[1, 2, 4, 4])
        .node(
            "Conv",
            vec![weights("w", &[3, 2, 3, 3], 28)],
            vec![attr_ints("pads", &[1, 1, 1, 1])],
        )
        .node("Mul", vec![floats("k", &[3, 1, 1], vec![0.5, 2.0, -1.5])], vec![])
        .node("Sub", vec![floats("m", &[1], vec![0.25])], vec![])
        .node("Div", vec![floats("d", &[], vec![3.0])], vec![]);
    agrees_with_tract("Conv, Mul, Sub, Div by constants", 2 * 9, chain);
    // Four values along the width of a 4-channel image (aligned from the
    // last axis) are not one per channel.
    let along_width = Chain::new(&[1, 4, 2, 4]).node("Mul", vec![floats("k", &[4], vec![1.0, 2.0, 3.0, 4.0])], vec![]);
    assert_mentions(
        &import_error(&along_width.proto().encode_to_vec(), 32),
        &["n0_Mul", "[4]", "one per channel"],
    );
}

#[test]
fn pad_and_transpose() {
    let padded = Chain::new(&[1, 2, 4, 4])
        .node("Pad", vec![int64s("pads", &[0, 0, 1, 0, 0, 0, 2, 1])], vec![])
        .node("Conv", vec![weights("w", &[3, 2, 3, 3], 26)], vec![]);
    agrees_with_tract("Pad (asymmetric) then Conv", 2 * 9, padded);
    // Channels-last input, as Keras exports it.
    let channels_last = Chain::new(&[1, 4, 4, 2])
        .node("Transpose", vec![], vec![attr_ints("perm", &[0, 3, 1, 2])])
        .node(
            "Conv",
            vec![weights("w", &[3, 2, 3, 3], 27)],
            vec![attr_ints("pads", &[1, 1, 1, 1])],
        )
        .node("Transpose", vec![], vec![attr_ints("perm", &[0, 2, 3, 1])]);
    agrees_with_tract("Transpose, Conv, Transpose", 2 * 9, channels_last);
}

/// Imports `chain` and runs it on fresh random inputs: every output within
/// `fraction` of the largest float output over those inputs, plus one
/// output step, for graphs several rounded layers deep (beyond
/// [`agrees_with_tract`]'s one-layer bound).
fn agrees_with_tract_relatively(what: &str, chain: Chain, fraction: f32) {
    let dir = tempfile::tempdir().unwrap();
    let bytes = chain.proto().encode_to_vec();
    let per = chain.input.iter().product::<i64>() as usize;
    let imported = import_bytes(dir.path(), &bytes, &samples(64, per, 6)).unwrap_or_else(|e| panic!("{what}: {e}"));
    let q = &imported.quantized;
    let model = Model::new(&q.file, &q.params).unwrap();
    let onnx = import::onnx::read(&bytes).unwrap();
    let reference = import::reference::Reference::new(&onnx).unwrap();
    let step = (q.output_exp as f32).exp2();
    let rows = samples(16, per, 7);
    let expected: Vec<Vec<f32>> = rows.iter().map(|row| reference.run(row).unwrap()).collect();
    let top = expected.iter().flatten().fold(0f32, |a, v| a.max(v.abs()));
    for (row, expected) in rows.iter().zip(&expected) {
        let (ints, _) = imported.report.input.quantize(row);
        let got = &model.run(&[ints]).unwrap()[0];
        assert_eq!(got.len(), expected.len(), "{what}");
        for (g, e) in got.iter().zip(expected) {
            let g = *g as f32 * step;
            assert!((g - e).abs() <= fraction * top + step, "{what}: {g} against {e}");
        }
    }
}

/// A graph with a residual connection and a concatenation: every output
/// within 4% of the largest float output.
#[test]
fn residual_add_and_concat() {
    let chain = Chain::new(&[1, 2, 4, 4])
        .node(
            "Conv",
            vec![weights("w1", &[3, 2, 3, 3], 24)],
            vec![attr_ints("pads", &[1, 1, 1, 1])],
        )
        .node("Relu", vec![], vec![])
        .node(
            "Conv",
            vec![weights("w2", &[3, 3, 3, 3], 25)],
            vec![attr_ints("pads", &[1, 1, 1, 1])],
        )
        .node_reading("Add", &[2, 3], vec![], vec![])
        .node("Relu", vec![], vec![])
        .node_reading("Concat", &[5, 0, 2], vec![], vec![attr_int("axis", 1)])
        .node(
            "MaxPool",
            vec![],
            vec![attr_ints("kernel_shape", &[2, 2]), attr_ints("strides", &[2, 2])],
        );
    agrees_with_tract_relatively("Conv, Add, Concat", chain, 0.04);
}

/// Batch norm and constant arithmetic with no linear layer to fold into:
/// each becomes a per-channel layer, on images and on rows.
#[test]
fn batch_norm_and_constants_anywhere_become_per_channel_layers() {
    let image = Chain::new(&[1, 2, 4, 4])
        .node("BatchNormalization", batch_norm(2, 40), vec![])
        .node("Relu", vec![], vec![])
        .node("Mul", vec![floats("k", &[2, 1, 1], vec![1.5, -0.75])], vec![])
        .node_constant_first("Sub", vec![floats("c", &[1], vec![0.5])])
        .node("Add", vec![floats("a", &[1, 2, 1, 1], vec![0.25, -1.0])], vec![])
        .node("Div", vec![floats("d", &[], vec![-2.0])], vec![]);
    agrees_with_tract_relatively("BatchNorm, Relu, Mul, c - x, Add, Div", image, 0.04);
    let rows = Chain::new(&[1, 6])
        .node("BatchNormalization", batch_norm(6, 41), vec![])
        .node("Gemm", vec![weights("w", &[4, 6], 42)], vec![attr_int("transB", 1)])
        .node("Relu", vec![], vec![])
        .node("Mul", vec![floats("k", &[4], vec![0.5, 1.0, 2.0, -1.0])], vec![]);
    agrees_with_tract_relatively("BatchNorm on rows, Gemm, Relu, Mul", rows, 0.04);
    // The Gemm's output is read twice, so the batch norm cannot fold into it.
    let shared = Chain::new(&[1, 6])
        .node("Gemm", vec![weights("w", &[6, 6], 1)], vec![attr_int("transB", 1)])
        .node("BatchNormalization", batch_norm(6, 5), vec![])
        .node_reading("Add", &[1, 2], vec![], vec![]);
    agrees_with_tract_relatively("Gemm read by a BatchNorm and an Add", shared, 0.04);
}

/// Two computed tensors subtracted or multiplied, broadcast: x * sigmoid(x)
/// and a squeeze-and-excitation gate.
#[test]
fn products_and_differences_of_computed_tensors_broadcast() {
    let chain = Chain::new(&[1, 2, 4, 4])
        .node(
            "Conv",
            vec![weights("w", &[3, 2, 3, 3], 43)],
            vec![attr_ints("pads", &[1, 1, 1, 1])],
        )
        .node("Sigmoid", vec![], vec![])
        .node_reading("Mul", &[1, 2], vec![], vec![])
        .node("GlobalAveragePool", vec![], vec![])
        .node("Sigmoid", vec![], vec![])
        .node_reading("Mul", &[3, 5], vec![], vec![])
        .node_reading("Sub", &[6, 1], vec![], vec![]);
    agrees_with_tract_relatively("SiLU, squeeze-and-excitation, Sub", chain, 0.05);
}

// ---- bad files ----

fn import_error(onnx: &[u8], per: usize) -> String {
    let dir = tempfile::tempdir().unwrap();
    match import_bytes(dir.path(), onnx, &samples(4, per, 4)) {
        Ok(_) => panic!("imported a bad model"),
        Err(e) => e.to_string(),
    }
}

fn assert_mentions(err: &str, parts: &[&str]) {
    for p in parts {
        assert!(err.contains(p), "{p:?} missing from: {err}");
    }
}

#[test]
fn bad_models_are_refused_naming_the_node() {
    let gemm = || Chain::new(&[1, 6]).node("Gemm", vec![weights("w", &[4, 6], 1)], vec![attr_int("transB", 1)]);
    let unsupported = gemm().node("Softplus", vec![], vec![]).proto().encode_to_vec();
    assert_mentions(
        &import_error(&unsupported, 6),
        &["model.onnx", "n1_Softplus", "(Softplus)", "not supported"],
    );

    let mut nan = gemm();
    nan.inits[0].float_data[3] = f32::NAN;
    assert_mentions(
        &import_error(&nan.proto().encode_to_vec(), 6),
        &["tensor `w`", "NaN", "finite"],
    );

    let mut opset = gemm();
    opset.opset = 3;
    assert_mentions(&import_error(&opset.proto().encode_to_vec(), 6), &["opset 3"]);

    let asymmetric = Chain::new(&[1, 1, 6, 6])
        .node(
            "Conv",
            vec![weights("w", &[2, 1, 3, 3], 2)],
            vec![attr_ints("pads", &[0, 0, 1, 1])],
        )
        .proto()
        .encode_to_vec();
    assert_mentions(&import_error(&asymmetric, 36), &["n0_Conv", "pads"]);

    // A constant that varies over the pixels is not a per-channel bias.
    let pixel_add =
        Chain::new(&[1, 2, 4, 4])
            .node("Relu", vec![], vec![])
            .node("Add", vec![weights("b", &[4, 4], 3)], vec![]);
    assert_mentions(
        &import_error(&pixel_add.proto().encode_to_vec(), 32),
        &["n1_Add", "[4, 4]", "one per channel"],
    );

    let mut cycle = gemm().node("Relu", vec![], vec![]).proto();
    cycle.graph.as_mut().unwrap().node[0].input[0] = "t2".into();
    assert_mentions(
        &import_error(&cycle.encode_to_vec(), 6),
        &["n0_Gemm", "`t2`", "written by an earlier node"],
    );

    let reflect = Chain::new(&[1, 2, 4, 4]).node(
        "Pad",
        vec![int64s("pads", &[0, 0, 1, 1, 0, 0, 1, 1])],
        vec![attr_string("mode", "reflect")],
    );
    assert_mentions(
        &import_error(&reflect.proto().encode_to_vec(), 32),
        &["n0_Pad", "mode reflect"],
    );
    let batch_moved = Chain::new(&[1, 2, 4, 4]).node("Transpose", vec![], vec![attr_ints("perm", &[1, 0, 2, 3])]);
    assert_mentions(
        &import_error(&batch_moved.proto().encode_to_vec(), 32),
        &["n0_Transpose", "batch axis first"],
    );

    let steep = gemm().node("LeakyRelu", vec![], vec![attr_float("alpha", 2.0)]);
    assert_mentions(
        &import_error(&steep.proto().encode_to_vec(), 6),
        &["n1_LeakyRelu", "slope 2"],
    );

    let image = || Chain::new(&[1, 2, 3, 3]);
    let resize = |scales: Vec<f32>, mode: &str| {
        let constants = vec![floats("roi", &[0], vec![]), floats("scales", &[4], scales)];
        let chain = image().node("Resize", constants, vec![attr_string("mode", mode)]);
        import_error(&chain.proto().encode_to_vec(), 18)
    };
    assert_mentions(
        &resize(vec![1.0, 1.0, 2.0, 2.0], "linear"),
        &["n0_Resize", "mode linear"],
    );
    assert_mentions(
        &resize(vec![1.0, 1.0, 2.0, 3.0], "nearest"),
        &["n0_Resize", "integer factor"],
    );

    let batch_join =
        image()
            .node("Relu", vec![], vec![])
            .node_reading("Concat", &[0, 1], vec![], vec![attr_int("axis", 0)]);
    assert_mentions(
        &import_error(&batch_join.proto().encode_to_vec(), 18),
        &["n1_Concat", "batch axis"],
    );
    // [1, 2, 3, 3] and [1, 3, 1, 1]: 2 and 3 channels do not broadcast.
    let mismatched = image()
        .node("Conv", vec![weights("w", &[3, 2, 3, 3], 4)], vec![])
        .node_reading("Add", &[0, 1], vec![], vec![]);
    assert_mentions(
        &import_error(&mismatched.proto().encode_to_vec(), 18),
        &["n1_Add", "cannot broadcast shapes"],
    );

    let mut empty = gemm();
    empty.inits[0].dims = vec![0, 6];
    empty.inits[0].float_data.clear();
    assert_mentions(
        &import_error(&empty.proto().encode_to_vec(), 6),
        &["tensor `w`", "no element"],
    );

    let mut huge = gemm();
    huge.inits[0].dims = vec![1 << 40, 1 << 40];
    assert_mentions(
        &import_error(&huge.proto().encode_to_vec(), 6),
        &["tensor `w`", "exceed"],
    );

    let mut dynamic = gemm().proto();
    let input = &mut dynamic.graph.as_mut().unwrap().input[0];
    let Some(pb::type_proto::Value::TensorType(t)) = input.r#type.as_mut().and_then(|t| t.value.as_mut()) else {
        unreachable!("the chain's input is a tensor")
    };
    t.shape.as_mut().unwrap().dim[1].value = Some(pb::tensor_shape_proto::dimension::Value::DimParam("n".into()));
    assert_mentions(
        &import_error(&dynamic.encode_to_vec(), 6),
        &["tensor `t0`", "axis 1", "static"],
    );

    let bytes = std::fs::read(fixture("digits-cnn.onnx")).unwrap();
    let err = import_error(&bytes[..bytes.len() / 2], 64);
    assert_mentions(&err, &["model.onnx", "not a readable ONNX model"]);
    assert_mentions(&import_error(b"", 64), &["no graph"]);
}

#[test]
fn calibration_files_of_the_wrong_shape_or_type_are_refused() {
    use ndarray_npy::WriteNpyExt;
    use tract_onnx::prelude::tract_ndarray::Array2;
    let dir = tempfile::tempdir().unwrap();
    let flat = dir.path().join("flat.npy");
    Array2::<f32>::zeros((4, 64))
        .write_npy(std::fs::File::create(&flat).unwrap())
        .unwrap();
    let refused = |calibration: &Path| {
        let files = DataFiles {
            calibration,
            eval: None,
        };
        let err = import::import(
            &fixture("digits-cnn.onnx"),
            &files,
            &Options::named("c"),
            &ProgressBar::hidden(),
        );
        err.err().expect("a bad calibration file").to_string()
    };
    assert_mentions(&refused(&flat), &["flat.npy", "[4, 64]", "[n, 1, 8, 8]"]);
    assert_mentions(&refused(&fixture("labels.npy")), &["labels.npy", "float32"]);
    let json = write(dir.path(), "short.json", b"[[0.5, 0.25]]");
    assert_mentions(&refused(&json), &["short.json", "[n, 1, 8, 8]"]);
}

/// An `.npz` archive (as `np.savez` and `np.savez_compressed` write it)
/// with the samples `x` and labels `y` serves as every data file.
fn npz(path: &Path, arrays: &[(&str, &Path)], compressed: bool) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let method = if compressed {
        zip::CompressionMethod::Deflated
    } else {
        zip::CompressionMethod::Stored
    };
    for (name, file) in arrays {
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        zip.start_file(format!("{name}.npy"), options).unwrap();
        std::io::Write::write_all(&mut zip, &std::fs::read(file).unwrap()).unwrap();
    }
    zip.finish().unwrap();
}

#[test]
fn npz_archives_hold_calibration_evaluation_and_labels() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data.npz");
    npz(
        &data,
        &[("x", &fixture("eval.npy")), ("y", &fixture("labels.npy"))],
        true,
    );
    let cal = dir.path().join("cal.npz");
    npz(&cal, &[("arr_0", &fixture("calibration.npy"))], false);
    let files = DataFiles {
        calibration: &cal,
        eval: Some((&data, Some(&data))),
    };
    let imported = import::import(
        &fixture("digits-mlp.onnx"),
        &files,
        &Options::named("m"),
        &ProgressBar::hidden(),
    )
    .unwrap();
    let eval = imported.report.eval.unwrap();
    assert_eq!(eval.samples, 359);
    assert!(eval.agreement >= 0.98, "{eval:?}");
    // Two arrays, neither named x: which one is meant is not guessed.
    let two = dir.path().join("two.npz");
    npz(
        &two,
        &[("a", &fixture("calibration.npy")), ("b", &fixture("eval.npy"))],
        false,
    );
    let refused = |calibration: &Path| {
        let files = DataFiles {
            calibration,
            eval: None,
        };
        let err = import::import(
            &fixture("digits-mlp.onnx"),
            &files,
            &Options::named("m"),
            &ProgressBar::hidden(),
        );
        err.err().expect("a bad archive").to_string()
    };
    assert_mentions(&refused(&two), &["two.npz", "\"a\"", "x"]);
    let not_zip = write(dir.path(), "bad.npz", b"PK\x03\x04 not really");
    assert_mentions(&refused(&not_zip), &["bad.npz", "not an .npz archive"]);
}

#[test]
fn the_command_reports_a_bad_file_with_exit_status_2() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(fixture("digits-mlp.onnx")).unwrap();
    let cut = write(dir.path(), "cut.onnx", &bytes[..bytes.len() - 100]);
    let cal = fixture("calibration.npy");
    let out = dir.path().join("out");
    let o = section9(&[
        "import",
        cut.to_str().unwrap(),
        "--calibration",
        cal.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert_mentions(&text(&o), &["error: ", "cut.onnx", "not a readable ONNX model"]);
    assert!(!out.exists(), "nothing is written for a refused model");
}

// ---- the committed PyTorch fixtures ----

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/onnx").join(name)
}

/// The committed data a fixture is imported with: calibration, and
/// evaluation samples, with labels unless the model is a generator.
fn data_of(name: &str) -> (&'static str, &'static str) {
    match name {
        "digits-gan" => ("gan-latent.npy", "gan-eval-latent.npy"),
        "digits-sk-mlp" => ("sk-calibration.npy", "sk-eval.npy"),
        _ => ("calibration.npy", "eval.npy"),
    }
}

/// `section9 import` with evaluation, as a user runs it; the report.
fn import_fixture(name: &str, dir: &Path, extra: &[&str]) -> serde_json::Value {
    let (cal, eval) = data_of(name);
    let path = |f: &str| fixture(f).to_str().unwrap().to_string();
    let out = dir.join(name);
    let mut args = vec![
        "import".to_string(),
        path(&format!("{name}.onnx")),
        "--calibration".into(),
        path(cal),
        "--out".into(),
        out.to_str().unwrap().into(),
        "--json".into(),
    ];
    args.extend(["--eval".into(), path(eval)]);
    if name != "digits-gan" {
        args.extend(["--labels".into(), path("labels.npy")]);
    }
    args.extend(extra.iter().map(|a| a.to_string()));
    let o = section9(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", text(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Import, run, then prove and verify in both weight modes, by section9
/// and by snarkjs.
fn end_to_end(name: &str, extra: &[&str]) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let report = import_fixture(name, dir.path(), extra);
    let out = dir.path().join(name);
    let model = out.join(format!("{name}.json"));
    let input = out.join("input.json");
    let (model, input) = (model.to_str().unwrap(), input.to_str().unwrap());
    let o = section9(&["run", model, input]);
    assert!(o.status.success(), "{}", text(&o));
    let keys = dir.path().join("keys");
    for weights in ["committed", "constant"] {
        let proof = dir.path().join(format!("proof-{weights}"));
        let o = section9(&[
            "prove",
            model,
            input,
            "--weights",
            weights,
            "--out",
            proof.to_str().unwrap(),
            "--keys",
            keys.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{weights}: {}", text(&o));
        let files = ["verification_key.json", "proof.json", "public.json"].map(|f| proof.join(f));
        let [vk, p, public] = files.each_ref().map(|f| f.to_str().unwrap());
        let o = section9(&["verify", vk, p, public]);
        assert_eq!(o.status.code(), Some(0), "{weights}: {}", text(&o));
        let [vk, p, public] = files.each_ref().map(|f| std::fs::read_to_string(f).unwrap());
        assert!(
            section9_tests::circom::snarkjs_verify(dir.path(), &vk, &public, &p),
            "{name} {weights}: snarkjs refuses the proof"
        );
    }
    if report["dropped"] == "Pixels" {
        // A generator: the demo draws with it (keys from the cache above).
        let demo = dir.path().join("demo");
        let o = section9(&[
            "demo",
            "--model",
            model,
            "--out",
            demo.to_str().unwrap(),
            "--keys",
            keys.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "demo: {}", text(&o));
        assert!(std::fs::read(demo.join("image.png")).unwrap().starts_with(b"\x89PNG"));
    }
    report
}

#[test]
fn the_pytorch_mlp_imports_proves_and_verifies() {
    let report = end_to_end("digits-mlp", &[]);
    assert_eq!(report["dropped"], "LogSoftmax");
    let eval = &report["eval"];
    assert!(eval["agreement"].as_f64().unwrap() >= 0.98, "{eval}");
}

#[test]
fn the_pytorch_cnn_imports_proves_and_verifies_and_agrees_with_float() {
    let report = end_to_end("digits-cnn", &["--argmax"]);
    let eval = &report["eval"];
    assert_eq!(eval["samples"], 359);
    assert!(eval["agreement"].as_f64().unwrap() >= 0.99, "{eval}");
    assert!(eval["int_top1"].as_f64().unwrap() >= 0.95, "{eval}");
}

#[test]
fn the_pytorch_dcgan_generator_imports_proves_and_draws() {
    let report = end_to_end("digits-gan", &[]);
    assert_eq!(report["dropped"], "Pixels");
    assert_eq!(report["output_exp"], -7);
    let notes = report["notes"].to_string();
    assert!(notes.contains("0.2 is proven as 51/256"), "{notes}");
    // Pixels in [0, 1]: the integer picture follows the float one, on the
    // calibration latents and on held-out ones.
    for which in ["fidelity", "fidelity_eval"] {
        let fidelity = &report[which];
        assert!(fidelity["psnr_db"].as_f64().unwrap() >= 30.0, "{which}: {fidelity}");
    }
    assert_eq!(report["fidelity_eval"]["samples"], 64);
}

#[test]
fn the_residual_cnn_with_add_and_concat_imports_and_agrees() {
    let report = end_to_end("digits-res", &["--argmax"]);
    assert!(
        report["eval"]["agreement"].as_f64().unwrap() >= 0.99,
        "{}",
        report["eval"]
    );
}

/// Batch norm on the input, SiLU, a squeeze-and-excitation gate and a
/// difference of two computed tensors, as PyTorch exports them.
#[test]
fn the_gated_cnn_imports_and_agrees() {
    let report = end_to_end("digits-gated", &["--argmax"]);
    assert!(
        report["eval"]["agreement"].as_f64().unwrap() >= 0.99,
        "{}",
        report["eval"]
    );
}

#[test]
fn the_scikit_learn_mlp_imports_with_its_label_as_the_class() {
    let report = end_to_end("digits-sk-mlp", &[]);
    assert_eq!(report["dropped"], "Softmax");
    assert!(report["notes"].to_string().contains("label output"));
    assert!(
        report["eval"]["agreement"].as_f64().unwrap() >= 0.99,
        "{}",
        report["eval"]
    );
}
