//! Models built in code for the model-level suites: one chain per operator
//! family, a CNN-shaped and a generator-shaped graph, each small enough to
//! prove in a test.

use section9::graph::{AttrValue, Model, ModelBuilder, ModelFile, Params, Visibility};
use section9::op::seeded_values;
use section9::Bound;

/// Adds a parameter of `shape` with seeded values of precision `prec`.
fn weights(m: &mut ModelBuilder, name: &str, shape: &[usize], prec: u32, seed: u64) -> String {
    let n = shape.iter().product();
    let values = seeded_values([(n, Bound::prec(prec))], seed).remove(0);
    m.param(name, shape, prec, values)
}

fn int(v: i64) -> AttrValue {
    v.into()
}

/// Integer attributes as a node takes them.
pub fn ints<'a>(a: &[(&'a str, i64)]) -> Vec<(&'a str, AttrValue)> {
    a.iter().map(|&(k, v)| (k, int(v))).collect()
}

/// A `conv2d`'s attributes for stride 1 and padding 1: a 3x3 kernel keeps
/// the image's size.
fn same_conv() -> Vec<(&'static str, AttrValue)> {
    ints(&[
        ("sh", 1),
        ("sw", 1),
        ("ph", 1),
        ("pw", 1),
        ("dh", 1),
        ("dw", 1),
        ("groups", 1),
    ])
}

/// Axis flags of a reduction over the given axes of a rank-4 tensor.
fn axes(over: [bool; 4]) -> Vec<(&'static str, AttrValue)> {
    ["r0", "r1", "r2", "r3"]
        .into_iter()
        .zip(over)
        .map(|(k, v)| (k, v.into()))
        .collect()
}

/// conv -> requant -> max pool -> flatten -> dense: a classifier's shape.
pub fn cnn() -> (ModelFile, Params) {
    let mut m = ModelBuilder::new();
    m.input("image", &[1, 1, 8, 8], 8);
    weights(&mut m, "conv.w", &[4, 1, 3, 3], 8, 1);
    weights(&mut m, "conv.b", &[4], 12, 2);
    weights(&mut m, "fc.w", &[10, 64], 8, 3);
    weights(&mut m, "fc.b", &[10], 16, 4);
    m.op("conv", "conv2d", &["image", "conv.w", "conv.b"], &same_conv());
    m.op("act", "requant", &["conv"], &[("s", int(7)), ("p", int(8))]);
    let pool = [("kh", 2), ("kw", 2), ("sh", 2), ("sw", 2), ("ph", 0), ("pw", 0)];
    let mut pool = ints(&pool);
    pool.push(("ceil_mode", false.into()));
    m.op("pool", "max_pool2d", &["act"], &pool);
    m.op("flat", "flatten", &["pool"], &[]);
    m.op("fc", "dense", &["flat", "fc.w", "fc.b"], &[]);
    m.op("column", "reshape", &["fc"], &[("shape", vec![1, 10, 1].into())]);
    m.op("class", "argmax", &["column"], &[]);
    m.finish("test-cnn", "CNN-shaped test graph", &["fc", "class"])
}

/// The seed generator's shape at a small size: dense -> reshape ->
/// upsample -> conv -> requant -> transposed conv -> requant -> conv to 3
/// channels -> requant.
pub fn generator() -> (ModelFile, Params) {
    let mut m = ModelBuilder::new();
    m.input("z", &[1, 8], 8);
    weights(&mut m, "fc.w", &[16, 8], 8, 11);
    weights(&mut m, "fc.b", &[16], 12, 12);
    weights(&mut m, "c1.w", &[2, 1, 3, 3], 8, 13);
    weights(&mut m, "c1.b", &[2], 12, 14);
    weights(&mut m, "t1.w", &[2, 1, 2, 2], 8, 15);
    weights(&mut m, "t1.b", &[1], 12, 16);
    weights(&mut m, "c2.w", &[3, 1, 3, 3], 8, 17);
    weights(&mut m, "c2.b", &[3], 12, 18);
    m.op("fc", "dense", &["z", "fc.w", "fc.b"], &[]);
    m.op("fc.q", "requant", &["fc"], &[("s", int(6)), ("p", int(8))]);
    m.op("grid", "reshape", &["fc.q"], &[("shape", vec![1, 1, 4, 4].into())]);
    m.op("up", "upsampling", &["grid"], &[("scale", int(2))]);
    let conv = |m: &mut ModelBuilder, name: &str, x: &str| {
        let (w, b) = (format!("{name}.w"), format!("{name}.b"));
        m.op(name, "conv2d", &[x, &w, &b], &same_conv());
        m.op(
            &format!("{name}.q"),
            "requant",
            &[name],
            &[("s", int(7)), ("p", int(8))],
        );
    };
    conv(&mut m, "c1", "up");
    let t = [
        ("sh", 2),
        ("sw", 2),
        ("ph", 0),
        ("pw", 0),
        ("oph", 0),
        ("opw", 0),
        ("dh", 1),
        ("dw", 1),
        ("groups", 1),
        ("o", 1),
    ];
    let t = ints(&t);
    m.op("t1", "conv_transpose2d", &["c1.q", "t1.w", "t1.b"], &t);
    m.op("t1.q", "requant", &["t1"], &[("s", int(6)), ("p", int(8))]);
    conv(&mut m, "c2", "t1.q");
    m.finish("test-generator", "generator-shaped test graph", &["c2.q"])
}

/// Shifts, clips and elementwise operators in a chain, with a public input.
pub fn elementwise_chain() -> (ModelFile, Params) {
    let mut m = ModelBuilder::new();
    m.input("a", &[2, 6], 8);
    m.input_range("b", &[6], -20, 20, Visibility::Public);
    weights(&mut m, "k", &[6], 4, 21);
    m.op("neg", "negative", &["a"], &[]);
    m.op("mag", "abs", &["neg"], &[]);
    m.op("sum", "broadcast_add", &["mag", "b"], &[]);
    m.op("big", "broadcast_max", &["sum", "k"], &[]);
    m.op("prod", "broadcast_mul", &["big", "k"], &[]);
    m.op("gt", "broadcast_greater", &["prod", "sum"], &[]);
    m.op("sel", "where", &["gt", "prod", "sum"], &[]);
    m.op("div", "broadcast_div", &["sel", "b"], &[]);
    m.op("up", "cvm_left_shift", &["div"], &[("s", int(2)), ("p", int(12))]);
    m.op("down", "cvm_right_shift", &["up"], &[("s", int(3)), ("p", int(8))]);
    m.op("cl", "clip", &["down"], &[("a_min", int(-50)), ("a_max", int(60))]);
    m.op("cc", "cvm_clip", &["cl"], &[("p", int(6))]);
    m.op("r", "relu", &["cc"], &[]);
    m.op("digits", "cvm_precision", &["r"], &[]);
    m.finish("test-elementwise", "elementwise test chain", &["r", "digits"])
}

/// Reductions, pooling, layout and gathers.
pub fn shape_chain() -> (ModelFile, Params) {
    let mut m = ModelBuilder::new();
    m.input("x", &[1, 2, 4, 4], 6);
    m.input_range("idx", &[3], 0, 3, Visibility::Private);
    let pool = [("kh", 2), ("kw", 2), ("sh", 1), ("sw", 1), ("ph", 0), ("pw", 0)];
    let pool = ints(&pool);
    m.op("avg", "avg_pool2d", &["x"], &pool);
    m.op(
        "pad",
        "pad",
        &["avg"],
        &[
            ("top", int(1)),
            ("bottom", int(0)),
            ("left", int(0)),
            ("right", int(1)),
            ("value", int(-3)),
        ],
    );
    m.op(
        "t",
        "transpose",
        &["pad"],
        &[("p0", int(0)), ("p1", int(2)), ("p2", int(3)), ("p3", int(1))],
    );
    m.op("cat", "concatenate", &["t", "t"], &[("axis", int(3))]);
    let slice = [
        ("b0", 0),
        ("b1", 0),
        ("b2", 1),
        ("b3", 0),
        ("e0", 1),
        ("e1", 4),
        ("e2", 4),
        ("e3", 4),
        ("s0", 1),
        ("s1", 1),
        ("s2", 1),
        ("s3", 1),
    ];
    let slice = ints(&slice);
    m.op("sl", "strided_slice", &["cat"], &slice);
    m.op("rep", "repeat", &["sl"], &[("axis", int(1)), ("times", int(2))]);
    m.op(
        "tile",
        "tile",
        &["rep"],
        &[("r0", int(1)), ("r1", int(1)), ("r2", int(1)), ("r3", int(2))],
    );
    m.op("s", "sum", &["tile"], &axes([false, true, false, false]));
    m.op("mx", "max", &["s"], &axes([false, false, true, false]));
    m.op("rows", "reshape", &["mx"], &[("shape", vec![4, 2].into())]);
    m.op("pick", "take", &["rows", "idx"], &[]);
    m.param("fixed", &[3], 4, vec![3, -1, 7]);
    m.op("gather", "take", &["rows", "fixed"], &[]);
    m.finish(
        "test-shape",
        "reduction, pooling, layout and gather test chain",
        &["pick", "gather"],
    )
}

/// Rows picked by indices that are weights (`take_private`): with
/// `indices` into four rows of two.
pub fn private_take(indices: Vec<i64>) -> (ModelFile, Params) {
    let mut m = ModelBuilder::new();
    m.input("rows", &[4, 2], 6);
    m.param("secret", &[indices.len()], 4, indices);
    m.op("pick", "take_private", &["rows", "secret"], &[]);
    m.finish("test-private-take", "rows picked by committed indices", &["pick"])
}

/// A dense layer and a convolution, each multiplied by a constant per
/// output channel (as the importer aligns per-channel weight scales) and
/// rescaled (signed, and by a `requant`). With `public` scales the loader
/// fuses each chain into one operator; private ones are weights and stay
/// apart.
pub fn scaled_layers(public: bool) -> (ModelFile, Params) {
    let mut m = ModelBuilder::new();
    m.input("v", &[1, 8], 8);
    m.input("img", &[1, 1, 4, 4], 8);
    weights(&mut m, "fc.w", &[6, 8], 8, 21);
    weights(&mut m, "fc.b", &[6], 10, 22);
    weights(&mut m, "c.w", &[3, 1, 3, 3], 8, 23);
    weights(&mut m, "c.b", &[3], 10, 24);
    let (fc_k, c_k) = (vec![1, 4, 2, 1, -2, 3], vec![2, 1, 4]);
    if public {
        m.public_param("fc.k", &[6], 4, fc_k);
        m.public_param("c.k", &[3, 1, 1], 4, c_k);
    } else {
        m.param("fc.k", &[6], 4, fc_k);
        m.param("c.k", &[3, 1, 1], 4, c_k);
    }
    m.op("fc", "dense", &["v", "fc.w", "fc.b"], &[]);
    m.op("fc.scaled", "broadcast_mul", &["fc", "fc.k"], &[]);
    m.op(
        "fc.q",
        "cvm_right_shift",
        &["fc.scaled"],
        &[("s", int(9)), ("p", int(8))],
    );
    m.op("c", "conv2d", &["img", "c.w", "c.b"], &same_conv());
    m.op("c.scaled", "broadcast_mul", &["c", "c.k"], &[]);
    m.op("c.q", "requant", &["c.scaled"], &[("s", int(8)), ("p", int(8))]);
    m.finish(
        "test-scaled",
        "layers scaled per channel, then requantized",
        &["fc.q", "c.q"],
    )
}

/// Every test graph, with its weights.
pub fn all() -> Vec<(ModelFile, Params)> {
    vec![
        cnn(),
        generator(),
        elementwise_chain(),
        shape_chain(),
        scaled_layers(true),
    ]
}

/// A test graph as a [`Model`].
pub fn load((file, params): &(ModelFile, Params)) -> Model {
    Model::new(file, params).unwrap_or_else(|e| panic!("{}: {e}", file.name))
}
