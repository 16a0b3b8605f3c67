//! Our `prove` against arkworks' own matrix prover on the same circuit and
//! key: section9's multi-scalar multiplication against arkworks', with the
//! cost of the glue (layout, conversion to arkworks' matrices, the
//! satisfiability check) shown beside them.

use ark_bn254::{Bn254, Fr};
use ark_groth16::Groth16;
use ark_std::UniformRand;
use criterion::{criterion_group, criterion_main, Criterion};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use section9::ops::Dense;
use section9::prove::{prove, public_inputs, setup, verify, CircomReduction, CircuitLayout};
use section9::r1cs::{Builder, Sig};
use section9::{seeded_inputs, wire_inputs, Erased, Role, ZkOp};
use std::hint::black_box;

const LOG_SIZE: usize = 14;

/// A dense layer with a public input and private weights: one constraint
/// per product, as many as fit a `2^LOG_SIZE` domain beside the instance.
fn layer() -> Builder {
    let k = 1usize << (LOG_SIZE / 2);
    let n = ((1 << LOG_SIZE) - k - 1) / k;
    let op = Dense {
        m: 1,
        k,
        n,
        px: 8,
        pw: 8,
        pb: 8,
    };
    let inputs = seeded_inputs(&Erased(op), 3).expect("bounds are known");
    let mut cs = Builder::new();
    let roles = [Role::Public, Role::Private, Role::Private];
    let sigs = wire_inputs(&mut cs, &["x", "w", "b"], &inputs, &roles);
    let refs: Vec<&[Sig]> = sigs.iter().map(Vec::as_slice).collect();
    op.synthesize(&mut cs, &refs).expect("in-bound inputs synthesize");
    cs
}

fn bench(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(0);
    let cs = layer();
    let keys = setup(&cs, &mut rng).unwrap();
    let layout = CircuitLayout::new(&cs);
    let matrices = layout.matrices(&cs).unwrap();
    let assignment = layout.assignment(&cs).unwrap();
    let rows = cs.num_constraints();

    let proof = prove(&cs, &keys.pk, &mut rng).unwrap();
    assert!(verify(&keys.vk, &public_inputs(&cs), &proof).unwrap());

    let mut g = c.benchmark_group(format!("prove_2^{LOG_SIZE}"));
    g.sample_size(10);
    g.bench_function("section9::prove", |b| {
        b.iter(|| prove(black_box(&cs), &keys.pk, &mut rng).unwrap())
    });
    g.bench_function("ark create_proof_with_reduction_and_matrices", |b| {
        b.iter(|| {
            let r = Fr::rand(&mut rng);
            let s = Fr::rand(&mut rng);
            Groth16::<Bn254, CircomReduction>::create_proof_with_reduction_and_matrices(
                &keys.pk,
                r,
                s,
                black_box(&matrices),
                layout.num_instance(),
                rows,
                black_box(&assignment),
            )
            .unwrap()
        })
    });
    g.bench_function("glue: layout", |b| b.iter(|| CircuitLayout::new(black_box(&cs))));
    g.bench_function("glue: which_unsatisfied", |b| {
        b.iter(|| black_box(&cs).which_unsatisfied())
    });
    g.bench_function("glue: matrices + assignment", |b| {
        b.iter(|| {
            (
                layout.matrices(black_box(&cs)).unwrap(),
                layout.assignment(black_box(&cs)).unwrap(),
            )
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
