//! The reference engine's throughput and the builder's synthesis time per
//! constraint, on the catalogue's dense, convolution and requantization
//! instances: the operators a quantized network spends its time in; and
//! the synthesis of a weight commitment (Poseidon over packed weights).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use section9::catalogue::{examples, Example};
use section9::commit::enforce_commitment;
use section9::r1cs::Builder;
use section9::Bound;
use section9::{seeded_inputs, wire_inputs};

fn synthesize(ex: &Example, inputs: &[Vec<i64>]) -> Builder {
    let mut cs = Builder::new();
    let sigs = wire_inputs(&mut cs, ex.op.input_names(), inputs, &ex.roles());
    let refs: Vec<&[_]> = sigs.iter().map(Vec::as_slice).collect();
    ex.op.synthesize(&mut cs, &refs).expect("in-bound inputs synthesize");
    cs
}

fn bench(c: &mut Criterion) {
    let all = examples().expect("the catalogue instantiates");
    let chosen = all
        .iter()
        .filter(|ex| matches!(ex.op.name(), "dense" | "conv2d" | "requant"));
    for ex in chosen {
        let label = format!("{} {}", ex.op.name(), ex.instance);
        let inputs = seeded_inputs(ex.op.as_ref(), 7).expect("bounds are known");
        let refs: Vec<&[i64]> = inputs.iter().map(Vec::as_slice).collect();
        let mut g = c.benchmark_group("reference");
        g.throughput(Throughput::Elements(ex.units as u64));
        g.bench_function(format!("{label} (per {})", ex.unit), |b| {
            b.iter(|| ex.op.reference(&refs).expect("in bound"))
        });
        g.finish();
        let rows = synthesize(ex, &inputs).num_constraints();
        if rows == 0 {
            continue;
        }
        let mut g = c.benchmark_group("synthesis");
        g.throughput(Throughput::Elements(rows as u64));
        g.bench_function(format!("{label} ({rows} constraints)"), |b| {
            b.iter(|| synthesize(ex, &inputs))
        });
        g.finish();
    }
}

/// 4,096 private int8 weights proven in range, packed and hashed: the part
/// of a committed model's witness that is Poseidon.
fn commitment(c: &mut Criterion) {
    let bound = Bound::prec(8);
    let weights: Vec<i128> = (0..4096).map(|i| (i * 37 % 255) - 127).collect();
    let build = || {
        let mut cs = Builder::new();
        let sigs: Vec<_> = weights.iter().map(|&w| cs.input("w", &[], w, false)).collect();
        enforce_commitment(&mut cs, "commitment", &sigs, bound).expect("in bound");
        cs
    };
    let rows = build().num_constraints();
    let mut g = c.benchmark_group("synthesis");
    g.throughput(Throughput::Elements(rows as u64));
    g.bench_function(format!("commitment of 4096 int8 weights ({rows} constraints)"), |b| {
        b.iter(build)
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench, commitment
}
criterion_main!(benches);
