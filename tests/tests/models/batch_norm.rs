//! Batch norm folded into the layer before it: the folded model's outputs
//! equal `scale[c] * layer(x)[.., c, ..] + shift[c]` computed on the
//! unfolded layer's outputs, bit for bit.

use section9::graph::{Model, ModelBuilder};
use section9::op::seeded_values;
use section9::Bound;
use section9_tests::models::ints;

fn seeded(n: usize, prec: u32, seed: u64) -> Vec<i64> {
    seeded_values([(n, Bound::prec(prec))], seed).remove(0)
}

/// `op` with weights of `w_shape` and `c` output channels on an input of
/// `x_shape`, optionally followed by a batch norm; returns the model.
fn layer(op: &str, attrs: &[(&'static str, i64)], x_shape: &[usize], w_shape: &[usize], c: usize, bn: bool) -> Model {
    let mut m = ModelBuilder::new();
    m.input("x", x_shape, 8);
    m.param("w", w_shape, 8, seeded(w_shape.iter().product(), 8, 1));
    m.param("b", &[c], 12, seeded(c, 12, 2));
    m.op("layer", op, &["x", "w", "b"], &ints(attrs));
    let out = if bn {
        m.param("scale", &[c], 6, seeded(c, 6, 3));
        m.param("shift", &[c], 14, seeded(c, 14, 4));
        m.op("bn", "batch_norm", &["layer", "scale", "shift"], &[])
    } else {
        "layer".to_string()
    };
    m.op("q", "requant", &[&out], &ints(&[("s", 9), ("p", 8)]));
    let (file, params) = m.finish("bn-test", "", &[&out, "q"]);
    Model::new(&file, &params).unwrap()
}

fn check(op: &str, attrs: &[(&'static str, i64)], x_shape: &[usize], w_shape: &[usize], c: usize) {
    let plain = layer(op, attrs, x_shape, w_shape, c, false);
    let folded = layer(op, attrs, x_shape, w_shape, c, true);
    assert!(folded.nodes.iter().all(|n| n.op != "batch_norm"));
    let (scale, shift) = (seeded(c, 6, 3), seeded(c, 14, 4));
    for seed in 0..4 {
        let x = plain.seeded_inputs(seed);
        let y = plain.run(&x).unwrap().remove(0);
        let shape = &plain.nodes[plain.outputs[0]].shape;
        let per_channel: usize = shape[2..].iter().product();
        let want: Vec<i64> = y
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                let ch = (i / per_channel) % c;
                scale[ch] * v + shift[ch]
            })
            .collect();
        assert_eq!(folded.run(&x).unwrap()[0], want, "{op}, seed {seed}");
    }
}

#[test]
fn folds_into_dense_conv_and_transposed_conv() {
    check("dense", &[], &[2, 6], &[5, 6], 5);
    let conv = [
        ("sh", 1),
        ("sw", 1),
        ("ph", 1),
        ("pw", 1),
        ("dh", 1),
        ("dw", 1),
        ("groups", 1),
    ];
    check("conv2d", &conv, &[1, 2, 5, 5], &[3, 2, 3, 3], 3);
    let t = [
        ("sh", 2),
        ("sw", 2),
        ("ph", 0),
        ("pw", 0),
        ("oph", 1),
        ("opw", 0),
        ("dh", 1),
        ("dw", 1),
        ("groups", 1),
        ("o", 3),
    ];
    check("conv_transpose2d", &t, &[1, 2, 3, 3], &[2, 3, 2, 2], 3);
}

#[test]
fn refuses_what_it_cannot_fold() {
    let mut m = ModelBuilder::new();
    m.input("x", &[1, 4], 8);
    m.param("scale", &[4], 4, vec![1, 2, 3, 4]);
    m.param("shift", &[4], 4, vec![0, 0, 0, 0]);
    m.op("r", "relu", &["x"], &[]);
    m.op("bn", "batch_norm", &["r", "scale", "shift"], &[]);
    let (file, params) = m.finish("bad-bn", "", &["bn"]);
    let err = Model::new(&file, &params).err().unwrap().to_string();
    assert!(
        err.contains("node `bn`") && err.contains("not a dense or conv layer"),
        "{err}"
    );

    let mut m = ModelBuilder::new();
    m.input("x", &[1, 4], 8);
    m.param("w", &[2, 4], 8, vec![1; 8]);
    m.param("b", &[2], 8, vec![0; 2]);
    m.param("scale", &[2], 4, vec![1, 2]);
    m.param("shift", &[2], 4, vec![0, 0]);
    m.op("fc", "dense", &["x", "w", "b"], &[]);
    m.op("bn", "batch_norm", &["fc", "scale", "shift"], &[]);
    let (file, params) = m.finish("shared-bn", "", &["bn", "fc"]);
    let err = Model::new(&file, &params).err().unwrap().to_string();
    assert!(err.contains("`fc` is also read elsewhere"), "{err}");
}

/// A dense layer `x [1, 2] -> 2` with a batch norm, weights as given.
fn folded(w: Vec<i64>, w_prec: u32, scale: Vec<i64>, scale_prec: u32) -> Result<Model, String> {
    let mut m = ModelBuilder::new();
    m.input("x", &[1, 2], 8);
    m.param("w", &[2, 2], w_prec, w);
    m.param("b", &[2], 8, vec![0, 0]);
    m.param("scale", &[2], scale_prec, scale);
    m.param("shift", &[2], 4, vec![1, -1]);
    m.op("fc", "dense", &["x", "w", "b"], &[]);
    m.op("bn", "batch_norm", &["fc", "scale", "shift"], &[]);
    let (file, params) = m.finish("bn-decl", "", &["bn"]);
    Model::new(&file, &params).map_err(|e| e.to_string())
}

#[test]
fn weights_are_checked_against_their_declarations_before_folding() {
    // 1000 does not fit precision 8; folded with scale 1 it would pass as
    // a weight of the folded layer's wider declared precision.
    let err = folded(vec![1000, 1, 1, 1], 8, vec![1, 1], 4).err().unwrap();
    assert!(
        err.contains("node `w`") && err.contains("value 1000 at index 0 is outside the declared precision 8"),
        "{err}"
    );
    let err = folded(vec![1, 1, 1, 1], 8, vec![1, 1], 0).err().unwrap();
    assert!(err.contains("node `scale`") && err.contains("needs `prec`"), "{err}");
    let err = folded(vec![1, 1, 1, 1], 0, vec![1, 1], 4).err().unwrap();
    assert!(err.contains("node `w`") && err.contains("needs `prec`"), "{err}");
    folded(vec![1, 1, 1, 1], 8, vec![1, 1], 4).unwrap();
    // Declarations each within the engine, whose fold is not.
    let err = folded(vec![1, 1, 1, 1], 40, vec![1, 1], 30).err().unwrap();
    assert!(
        err.contains("node `bn`") && err.contains("folded weights or bias need precision 69"),
        "{err}"
    );
}

#[test]
fn the_commitment_names_the_folded_model() {
    // docs/model-format.md: two parameter files that fold to the same
    // integers are the same model, with the same circuit and commitment;
    // a different folded weight is another model.
    use section9::compile::{circuit_digest, compile, weight_commitment, Weights};
    use section9::r1cs::Builder;
    let a = folded(vec![2; 4], 8, vec![3, 3], 4).unwrap();
    let b = folded(vec![3; 4], 8, vec![2, 2], 4).unwrap();
    let c = folded(vec![3; 4], 8, vec![3, 3], 4).unwrap();
    assert_eq!(weight_commitment(&a).unwrap(), weight_commitment(&b).unwrap());
    assert_ne!(weight_commitment(&a).unwrap(), weight_commitment(&c).unwrap());
    let x = a.seeded_inputs(1);
    for weights in [Weights::Constant, Weights::Committed] {
        let ca = compile(&a, &x, weights, Builder::new()).unwrap();
        let cb = compile(&b, &x, weights, Builder::new()).unwrap();
        assert_eq!(circuit_digest(&ca.cs), circuit_digest(&cb.cs), "{weights:?}");
        assert_eq!(ca.commitment, cb.commitment, "{weights:?}");
    }
}
