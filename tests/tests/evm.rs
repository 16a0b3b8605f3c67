//! The generated Solidity verifier and minting contract, compiled by the
//! real solc and run in revm: valid proofs accepted, every kind of forgery
//! refused, the same verdict as `section9::prove::verify`, gas measured.

use ark_std::rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use section9::compile::{compile, Compiled, Weights};
use section9::evm::{encode_verify_call, mint_contract, verifier_contract, CallArgs, Picture, MINT, R, VERIFIER};
use section9::field::Fr;
use section9::graph::Model;
use section9::prove::snarkjs::{proof_to_json, public_to_json, vk_to_json};
use section9::prove::{prove, public_inputs, setup, verify, Keys, Proof};
use section9::r1cs::Builder;
use section9_tests::circom::{ensure_tools, snarkjs_verify};
use section9_tests::evm::{compile_solidity, Chain};
use section9_tests::models;

use ark_bn254::Bn254;

struct Proved {
    c: Compiled,
    keys: Keys,
    proof: Proof<Bn254>,
}

fn proved(model: &Model, seed: u64, keys: Option<&Keys>) -> Proved {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let c = compile(model, &model.seeded_inputs(seed), Weights::Committed, Builder::new()).unwrap();
    let keys = keys.cloned().unwrap_or_else(|| setup(&c.cs, &mut rng).unwrap());
    let proof = prove(&c.cs, &keys.pk, &mut rng).unwrap();
    Proved { c, keys, proof }
}

/// The test generator graph with its picture packed into public values.
fn packed_generator() -> Model {
    let (mut file, params) = models::generator();
    file.pack_outputs = true;
    models::load(&(file, params))
}

fn deploy_verifier(chain: &mut Chain, keys: &Keys) -> revm::primitives::Address {
    let code = compile_solidity(&verifier_contract(&keys.vk))
        .unwrap()
        .remove(VERIFIER)
        .unwrap();
    chain.deploy(code).unwrap()
}

fn args(p: &Proved) -> CallArgs {
    CallArgs::new(&p.proof, &public_inputs(&p.c.cs))
}

#[test]
fn the_verifier_accepts_valid_proofs_and_refuses_forgeries_as_section9_does() {
    let model = packed_generator();
    let first = proved(&model, 1, None);
    let mut chain = Chain::new();
    let at = deploy_verifier(&mut chain, &first.keys);
    let public = public_inputs(&first.c.cs);
    let verdict = |chain: &mut Chain, a: &CallArgs| chain.call(at, encode_verify_call("verifyProof", a)).unwrap();

    let ok = verdict(&mut chain, &args(&first));
    assert!(ok.returned_true(), "{ok:?}");
    assert!(verify(&first.keys.vk, &public, &first.proof).unwrap());

    // A changed public input: both refuse.
    let mut forged = public.clone();
    forged[0] += Fr::from(1u64);
    assert!(!verify(&first.keys.vk, &forged, &first.proof).unwrap());
    let out = verdict(&mut chain, &CallArgs::new(&first.proof, &forged));
    assert!(out.success && !out.returned_true(), "{out:?}");

    // An input at or above the field modulus (equal to a valid one mod r).
    let mut wide = args(&first);
    let r = num_bigint::BigUint::parse_bytes(R.as_bytes(), 10).unwrap();
    let v = num_bigint::BigUint::parse_bytes(wide.input[0].as_bytes(), 10).unwrap();
    wide.input[0] = (v + r).to_string();
    let out = verdict(&mut chain, &wide);
    assert!(out.success && !out.returned_true(), "{out:?}");

    // A tampered proof: a point moved off the curve.
    let mut tampered = args(&first);
    tampered.a[1] = "1".into();
    let out = verdict(&mut chain, &tampered);
    assert!(out.success && !out.returned_true(), "{out:?}");

    // A proof of another picture (another latent) under this picture's inputs.
    let second = proved(&model, 2, Some(&first.keys));
    let other = public_inputs(&second.c.cs);
    assert_ne!(other, public);
    assert!(verdict(&mut chain, &args(&second)).returned_true());
    let swapped = CallArgs::new(&second.proof, &public);
    assert!(!verify(&first.keys.vk, &public, &second.proof).unwrap());
    assert!(!verdict(&mut chain, &swapped).returned_true());

    // A proof from another model's keys (same shapes, another setup).
    let stranger = proved(&model, 3, None);
    assert!(!verify(&first.keys.vk, &public_inputs(&stranger.c.cs), &stranger.proof).unwrap());
    assert!(!verdict(&mut chain, &args(&stranger)).returned_true());
}

/// Every built-in model: its proof verifies on chain exactly when it
/// verifies in section9 and in snarkjs, within a gas budget; a
/// generator's picture mints.
#[test]
fn every_zoo_model_verifies_on_chain_as_in_section9_and_snarkjs_and_generators_mint() {
    for b in section9_zoo::BUILTINS {
        let name = b.name;
        let model = section9_zoo::builtin(name).unwrap().unwrap();
        let p = proved(&model, 7, None);
        let public = public_inputs(&p.c.cs);
        let mut chain = Chain::new();
        let verifier = deploy_verifier(&mut chain, &p.keys);
        let verified = chain
            .call(verifier, encode_verify_call("verifyProof", &args(&p)))
            .unwrap();
        assert!(verified.returned_true(), "{name}: {verified:?}");
        assert!(verify(&p.keys.vk, &public, &p.proof).unwrap());
        // About 6,150 gas per public input on top of the pairing.
        let budget = 300_000 + 7_000 * public.len() as u64;
        assert!(verified.gas <= budget, "{name}: verification took {} gas", verified.gas);
        let mut forged = public.clone();
        forged[public.len() - 1] += Fr::from(1u64);
        assert!(!verify(&p.keys.vk, &forged, &p.proof).unwrap());
        let refused = chain.call(
            verifier,
            encode_verify_call("verifyProof", &CallArgs::new(&p.proof, &forged)),
        );
        assert!(
            !refused.unwrap().returned_true(),
            "{name}: a changed commitment verified on chain"
        );
        eprintln!(
            "{name}: {} public inputs, verification {} gas",
            public.len(),
            verified.gas
        );

        // snarkjs gives the same verdicts on the same files.
        ensure_tools().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let (vk, proof) = (vk_to_json(&p.keys.vk), proof_to_json(&p.proof));
        assert!(
            snarkjs_verify(dir.path(), &vk, &public_to_json(&public), &proof),
            "{name}"
        );
        assert!(
            !snarkjs_verify(dir.path(), &vk, &public_to_json(&forged), &proof),
            "{name}"
        );
        if model.pack_outputs {
            mint(name, &model, &mut chain, verifier, &p);
        }
    }
}

/// Deploys the minting contract for `p`'s model and mints its picture.
fn mint(name: &str, model: &Model, chain: &mut Chain, verifier: revm::primitives::Address, p: &Proved) {
    let public = public_inputs(&p.c.cs);
    let picture = Picture::of(model).unwrap();
    let mut code = compile_solidity(&mint_contract(public.len(), picture))
        .unwrap()
        .remove(MINT)
        .unwrap();
    code.extend_from_slice(&[0u8; 12]);
    code.extend_from_slice(verifier.as_slice());
    code.extend_from_slice(&be_word(&p.c.commitment.unwrap()));
    let minter = chain.deploy(code).unwrap();
    let out = chain.call(minter, encode_verify_call("mint", &args(p))).unwrap();
    assert!(out.success, "{name}: mint failed {out:?}");
    // The verification above plus storing the picture: 32,000 for the
    // contract, 6,400 per word of code, some bookkeeping.
    let budget = 1_800_000;
    assert!(out.gas <= budget, "{name}: minting took {} gas", out.gas);
    eprintln!("{name}: verify and mint {} gas", out.gas);

    // The stored picture is the packed public outputs.
    let mut read = selector("picture(uint256)");
    read.extend_from_slice(&be_word(&Fr::from(1u64)));
    let words = chain.call(minter, read).unwrap();
    let want: Vec<u8> = public[..public.len() - 1].iter().flat_map(be_word).collect();
    assert_eq!(words.output, want, "{name}");

    // The rendered picture is the model's output, pixel for pixel.
    let mut read = selector("pictureBMP(uint256)");
    read.extend_from_slice(&be_word(&Fr::from(1u64)));
    let out = chain.call(minter, read).unwrap();
    assert!(out.success, "{name}: {out:?}");
    let uri = abi_string(&out.output);
    let bmp = base64_decode(uri.strip_prefix("data:image/bmp;base64,").expect("a BMP data URI"));
    let (c, h, w) = (picture.channels, picture.height, picture.width);
    let pixels = &p.c.outputs[0];
    let row = (w * 3).div_ceil(4) * 4;
    assert_eq!(bmp.len(), 54 + row * h, "{name}");
    for y in 0..h {
        for x in 0..w {
            for k in 0..3 {
                let ch = if c == 1 { 0 } else { 2 - k };
                let v = pixels[(ch * h + y) * w + x];
                let want = ((v * 255 + 63) / 127) as u8;
                assert_eq!(
                    bmp[54 + (h - 1 - y) * row + x * 3 + k],
                    want,
                    "{name}: pixel ({y}, {x})"
                );
            }
        }
    }

    // A proof of another model (another commitment) cannot mint here.
    let other = proved(&packed_generator(), 8, None);
    let out = chain.call(minter, encode_verify_call("mint", &args(&other)));
    assert!(out.map(|o| !o.success).unwrap_or(true), "{name}: another model minted");
}

fn be_word(f: &Fr) -> [u8; 32] {
    use ark_ff::{BigInteger, PrimeField};
    let mut w = [0u8; 32];
    w.copy_from_slice(&f.into_bigint().to_bytes_be());
    w
}

/// The `string` an ABI-encoded return value holds.
fn abi_string(out: &[u8]) -> String {
    let len = u64::from_be_bytes(out[56..64].try_into().unwrap()) as usize;
    String::from_utf8(out[64..64 + len].to_vec()).unwrap()
}

fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let mut out = Vec::new();
    for chunk in text.as_bytes().chunks(4) {
        let pad = chunk.iter().filter(|&&c| c == b'=').count();
        let n = chunk
            .iter()
            .map(|&c| if c == b'=' { 0 } else { value(c) as u32 })
            .fold(0u32, |acc, v| (acc << 6) | v);
        out.extend_from_slice(&n.to_be_bytes()[1..4 - pad]);
    }
    out
}

fn selector(signature: &str) -> Vec<u8> {
    use sha3::Digest;
    sha3::Keccak256::digest(signature.as_bytes())[..4].to_vec()
}
