//! Operators proved with ark-groth16: a dense layer with private weights
//! followed by requantization proves and verifies, and a changed public
//! input or another circuit's key is refused.

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use section9::field::fr_from_i128;
use section9::ops::{Dense, Requant};
use section9::prove::{prove, public_inputs, setup, verify};
use section9::r1cs::{Builder, Sig};
use section9::ZkOp;

/// `requant(dense(x, w, b))` with `x` public and the weights private.
fn layer(x: &[i64], w: &[i64], b: &[i64]) -> Builder {
    let mut cs = Builder::new();
    let dense = Dense {
        m: 1,
        k: x.len(),
        n: b.len(),
        px: 8,
        pw: 8,
        pb: 8,
    };
    let mut wire = |name: &str, v: &[i64], public: bool| -> Vec<Sig> {
        v.iter()
            .enumerate()
            .map(|(i, &x)| cs.input(name, &[i as i128], x as i128, public))
            .collect()
    };
    let (xs, ws, bs) = (wire("x", x, true), wire("w", w, false), wire("b", b, false));
    let acc = dense.synthesize(&mut cs, &[&xs, &ws, &bs]).unwrap().remove(0);
    let px = dense.output_bounds().unwrap()[0].precision();
    let rq = Requant {
        s: 6,
        p: 8,
        n: acc.len(),
        px,
    };
    rq.synthesize(&mut cs, &[&acc]).unwrap();
    cs
}

#[test]
fn a_layer_proves_and_verifies() {
    let x = [12, -7, 100, 3];
    let w = [5, -3, 2, 9, -1, 0, 7, 127];
    let b = [10, -20];
    let cs = layer(&x, &w, &b);
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let keys = setup(&cs, &mut rng).unwrap();
    let proof = prove(&cs, &keys.pk, &mut rng).unwrap();
    let public = public_inputs(&cs);
    assert_eq!(public, x.iter().map(|&v| fr_from_i128(v as i128)).collect::<Vec<_>>());
    assert!(verify(&keys.vk, &public, &proof).unwrap());

    let mut changed = public.clone();
    changed[2] = fr_from_i128(99);
    assert!(!verify(&keys.vk, &changed, &proof).unwrap());

    let other = layer(&x, &[w.as_slice(), &[1, 2, 3, 4]].concat(), &[10, -20, 0]);
    let other_keys = setup(&other, &mut rng).unwrap();
    assert!(!verify(&other_keys.vk, &public, &proof).unwrap_or(false));
}
