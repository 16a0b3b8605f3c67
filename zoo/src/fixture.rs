//! `mlp-fixture`: a two-layer perceptron with seeded int8 weights.
//!
//! A fixture for tests and examples, not a trained model: its outputs mean
//! nothing, but it exercises dense layers, a requantization and both
//! weight modes in a circuit small enough to prove in a moment.

use section9::graph::{ModelBuilder, ModelFile, Params};
use section9::op::seeded_values;
use section9::Bound;

pub const NAME: &str = "mlp-fixture";

/// The fixture's graph and weights, the same for every build.
pub fn build() -> (ModelFile, Params) {
    let shapes: [(&str, Vec<usize>, u32); 4] = [
        ("fc1.w", vec![32, 64], 8),
        ("fc1.b", vec![32], 16),
        ("fc2.w", vec![10, 32], 8),
        ("fc2.b", vec![10], 16),
    ];
    let mut values = seeded_values(
        shapes.iter().map(|(_, s, p)| (s.iter().product(), Bound::prec(*p))),
        0x5ec9,
    )
    .into_iter();
    let mut m = ModelBuilder::new();
    m.input("x", &[1, 64], 8);
    for (name, shape, prec) in &shapes {
        m.param(name, shape, *prec, values.next().expect("one per shape"));
    }
    m.op("fc1", "dense", &["x", "fc1.w", "fc1.b"], &[]);
    m.op("act1", "requant", &["fc1"], &[("s", 10.into()), ("p", 8.into())]);
    m.op("fc2", "dense", &["act1", "fc2.w", "fc2.b"], &[]);
    m.finish(
        NAME,
        "Fixture for tests and examples: a two-layer perceptron with seeded (untrained) int8 weights.",
        &["fc2"],
    )
}
