//! Verification gas and verifier size against the number of public
//! inputs, on circuits made for the purpose: the figures behind the choice
//! between many packed public values and one hash of the picture.

use super::*;
use ark_std::UniformRand;
use section9::prove::verify;
use section9::r1cs::Quad;

/// A circuit with `n` public inputs and one constraint (a private `w` with
/// `w * w == x[0]`). Every input is a full-size nonzero field element, as a
/// packed word is: the verifier skips the multiplication for a zero input,
/// and calldata gas is lower for zero bytes, so small values would flatter
/// the figures.
fn circuit(n: usize, rng: &mut ChaCha20Rng) -> Builder {
    let mut cs = Builder::new();
    let w = Fr::rand(rng);
    let x0 = cs.input("x", &[0], w * w, true);
    for i in 1..n {
        cs.input("x", &[i as i128], Fr::rand(rng), true);
    }
    let w = cs.input("w", &[], w, false);
    cs.enforce(
        "w * w == x[0]",
        &[],
        Quad::<Fr>::mul(w.clone(), w).unwrap(),
        Quad::<Fr>::lin(x0),
    )
    .unwrap();
    cs
}

/// Gas of a verifying transaction (intrinsic and calldata gas included)
/// and the verifier's code size, for `n` public inputs.
fn measure(n: usize) -> (u64, usize) {
    let mut rng = ChaCha20Rng::seed_from_u64(n as u64);
    let cs = circuit(n, &mut rng);
    let keys = setup(&cs, &mut rng).unwrap();
    let proof = prove(&cs, &keys.pk, &mut rng).unwrap();
    let public = public_inputs(&cs);
    assert_eq!(public.len(), n);
    assert!(verify(&keys.vk, &public, &proof).unwrap());
    let mut chain = Chain::new();
    let at = deploy_verifier(&mut chain, &keys);
    let out = verify_on_chain(&mut chain, at, &CallArgs::new(&proof, &public));
    assert!(out.returned_true(), "{n} inputs: {out:?}");
    let mut forged = public.clone();
    forged[n - 1] += Fr::from(1u64);
    assert!(refused(&verify_on_chain(
        &mut chain,
        at,
        &CallArgs::new(&proof, &forged)
    )));
    (out.gas, chain.code_len(at))
}

#[test]
fn verification_gas_grows_by_about_7200_per_public_input_and_100_inputs_stay_under_a_million() {
    let counts = [1, 2, 3, 10, 30, 100];
    let measured: Vec<(usize, u64, usize)> = counts
        .iter()
        .map(|&n| {
            let (gas, size) = measure(n);
            eprintln!("{n:>4} public inputs: {gas:>9} gas, verifier {size:>6} bytes");
            (n, gas, size)
        })
        .collect();

    let (_, one, _) = measured[0];
    let (_, hundred, size) = measured[measured.len() - 1];
    assert!(hundred < 1_000_000, "100 public inputs: {hundred} gas");
    assert!(size < CODE_LIMIT, "100 public inputs: {size} bytes of code");
    // The pairing (181,000), 21,000 for the transaction, the proof's
    // calldata and one input's multiplication.
    assert!((210_000..240_000).contains(&one), "1 public input: {one} gas");
    // Each further input: ecMul 6,000 + ecAdd 150, 32 bytes of calldata
    // (16 gas a nonzero byte, about 500) and the loop around them.
    for pair in measured.windows(2) {
        let [(n0, g0, s0), (n1, g1, s1)] = [pair[0], pair[1]];
        let per_input = (g1 - g0) / (n1 - n0) as u64;
        assert!(
            (6_650..7_500).contains(&per_input),
            "{n0}..{n1}: {per_input} gas per input"
        );
        // The input points are 64 bytes each in the code; the optimizer
        // may spell the constant count a few bytes differently.
        let grown = (s1 - s0) as i64 - 64 * (n1 - n0) as i64;
        assert!(grown.abs() <= 16, "{n0}..{n1}: code grew {} bytes", s1 - s0);
    }
    let room = (CODE_LIMIT - size) / 64 + 100;
    eprintln!("the verifier fits in {CODE_LIMIT} bytes up to about {room} public inputs");
}
