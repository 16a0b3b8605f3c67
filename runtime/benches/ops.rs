//! The reference engine's throughput and the builder's synthesis time per
//! constraint, on the operators a quantized network spends its time in.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use section9::ops::{Conv2d, Dense, Requant};
use section9::r1cs::{Builder, Sig};
use section9::ZkOp;

fn int8(n: usize, seed: i64) -> Vec<i64> {
    (0..n as i64).map(|i| (i * 37 + seed * 11) % 255 - 127).collect()
}

fn conv() -> Conv2d {
    Conv2d {
        sh: 1,
        sw: 1,
        ph: 1,
        pw: 1,
        dh: 1,
        dw: 1,
        groups: 1,
        nb: 1,
        c: 4,
        h: 8,
        w: 8,
        px: 8,
        o: 4,
        cg: 4,
        kh: 3,
        kw: 3,
        pk: 8,
        pb: 8,
    }
}

fn synthesize<O: ZkOp>(op: &O, inputs: &[Vec<i64>], constant: &[bool]) -> Builder {
    let mut cs = Builder::new();
    let sigs: Vec<Vec<Sig>> = inputs
        .iter()
        .zip(constant)
        .map(|(v, &c)| {
            v.iter()
                .map(|&x| {
                    if c {
                        Sig::constant(x as i128)
                    } else {
                        cs.input("x", &[], x as i128, false)
                    }
                })
                .collect()
        })
        .collect();
    let refs: Vec<&[Sig]> = sigs.iter().map(Vec::as_slice).collect();
    op.synthesize(&mut cs, &refs).expect("in-bound inputs synthesize");
    cs
}

fn reference(c: &mut Criterion) {
    let mut g = c.benchmark_group("reference");
    let n = 4096;
    let rq = Requant { s: 10, p: 8, n, px: 24 };
    let acc: Vec<i64> = int8(n, 1).iter().map(|x| x * 40_000).collect();
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("requant 4096", |b| b.iter(|| rq.reference(&[&acc]).expect("in bound")));
    let dense = Dense {
        m: 1,
        k: 64,
        n: 64,
        px: 8,
        pw: 8,
        pb: 8,
    };
    let (x, w, bias) = (int8(64, 2), int8(64 * 64, 3), int8(64, 4));
    g.throughput(Throughput::Elements(64 * 64));
    g.bench_function("dense 64x64 (MACs)", |b| {
        b.iter(|| dense.reference(&[&x, &w, &bias]).expect("in bound"))
    });
    let cv = conv();
    let (x, w, bias) = (int8(256, 5), int8(144, 6), int8(4, 7));
    g.throughput(Throughput::Elements(4 * 8 * 8 * 36));
    g.bench_function("conv2d 3x3 8x8x4->4 (MACs)", |b| {
        b.iter(|| cv.reference(&[&x, &w, &bias]).expect("in bound"))
    });
    g.finish();
}

fn synthesis(c: &mut Criterion) {
    let mut g = c.benchmark_group("synthesis");
    let n = 4096;
    let rq = Requant { s: 10, p: 8, n, px: 24 };
    let acc: Vec<Vec<i64>> = vec![int8(n, 1).iter().map(|x| x * 40_000).collect()];
    let rows = synthesize(&rq, &acc, &[false]).num_constraints();
    g.throughput(Throughput::Elements(rows as u64));
    g.bench_function(format!("requant 4096 ({rows} constraints)"), |b| {
        b.iter_batched(|| (), |_| synthesize(&rq, &acc, &[false]), BatchSize::SmallInput)
    });
    let dense = Dense {
        m: 1,
        k: 64,
        n: 64,
        px: 8,
        pw: 8,
        pb: 8,
    };
    let inputs = vec![int8(64, 2), int8(64 * 64, 3), int8(64, 4)];
    let rows = synthesize(&dense, &inputs, &[false, false, false]).num_constraints();
    g.throughput(Throughput::Elements(rows as u64));
    g.bench_function(format!("dense 64x64 private weights ({rows} constraints)"), |b| {
        b.iter(|| synthesize(&dense, &inputs, &[false, false, false]))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = reference, synthesis
}
criterion_main!(benches);
