//! Our `prove` against arkworks' own matrix prover on the same circuit, so
//! the cost of the glue (layout, conversion to arkworks' matrices, the
//! satisfiability check) shows next to the proof itself.

use ark_bn254::{Bn254, Fr};
use ark_groth16::{r1cs_to_qap::LibsnarkReduction, Groth16};
use ark_std::rand::Rng;
use ark_std::UniformRand;
use criterion::{criterion_group, criterion_main, Criterion};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use section9::prove::{prove, public_inputs, setup, verify, CircuitLayout};
use section9::r1cs::{Builder, Lc, Quad, Sig};
use std::hint::black_box;

const LOG_SIZE: usize = 14;

/// `n` products of int8 values summed into one public output.
fn dot(n: usize, rng: &mut ChaCha20Rng) -> Builder {
    let mut cs = Builder::new();
    let mut terms = Vec::with_capacity(n);
    let mut total = 0i128;
    for i in 0..n {
        let a = cs.input("a", &[i as i128], rng.gen_range(-128..=127), false);
        let b = cs.input("b", &[i as i128], rng.gen_range(-128..=127), false);
        let p = cs.wire("p", &[i as i128], Quad::mul(a, b).unwrap()).unwrap();
        total += p.val;
        terms.push((p.lc.terms[0].0, 1));
    }
    let sum = Sig {
        lc: Lc {
            terms: terms.into_iter().collect(),
            constant: 0,
        },
        val: total,
    };
    let out = cs.input("out", &[], total, true);
    cs.enforce("sum", &[], Quad::lin(sum), Quad::lin(out)).unwrap();
    cs
}

fn bench(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(0);
    // Products plus the sum row plus two instance variables fill a 2^14
    // domain exactly.
    let cs = dot((1 << LOG_SIZE) - 3, &mut rng);
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
            Groth16::<Bn254, LibsnarkReduction>::create_proof_with_reduction_and_matrices(
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
