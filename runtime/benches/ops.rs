//! The reference engine's throughput and the builder's synthesis time per
//! constraint, on the catalogue's dense, convolution and requantization
//! instances: the operators a quantized network spends its time in.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use section9::catalogue::{examples, Example};
use section9::r1cs::Builder;
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

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
