//! The minting contract: a picture is stored only with a valid proof of
//! the model whose commitment the contract was deployed with, and is read
//! back packed and rendered as a BMP pixel for pixel, in ERC-721 metadata.

use super::*;
use section9::evm::{mint_contract, Picture, MINT};

/// Deploys the minting contract for a model with `public` public values,
/// bound to `verifier` and `commitment`.
pub(crate) fn deploy_minter(
    chain: &mut Chain,
    model: &Model,
    public: usize,
    verifier: Address,
    commitment: &Fr,
) -> Address {
    let picture = Picture::of(model).unwrap();
    let mut code = compile_solidity(&mint_contract(public, picture))
        .unwrap()
        .remove(MINT)
        .unwrap();
    // Constructor arguments: the verifier's address, then the commitment.
    code.extend_from_slice(&[0u8; 12]);
    code.extend_from_slice(verifier.as_slice());
    code.extend_from_slice(&be_word(commitment));
    let minter = chain.deploy(code).unwrap();
    assert!(chain.code_len(minter) < CODE_LIMIT);
    minter
}

fn mint_call(p: &Proved) -> Vec<u8> {
    encode_verify_call("mint", &p.args())
}

/// Calls a view of the minting contract on a token id.
fn view(chain: &mut Chain, minter: Address, signature: &str, id: u64) -> Outcome {
    let mut data = selector(signature);
    data.extend_from_slice(&small(id));
    chain.call(minter, data).unwrap()
}

/// How many tokens the contract has minted.
fn minted(chain: &mut Chain, minter: Address) -> Vec<u8> {
    chain.call(minter, selector("minted()")).unwrap().output
}

/// Mints `p`'s picture with a minting contract for `model` and checks what
/// it stores and renders; the gas of the mint transaction.
pub(crate) fn mint_and_render(name: &str, model: &Model, chain: &mut Chain, verifier: Address, p: &Proved) -> u64 {
    let public = p.public();
    let minter = deploy_minter(chain, model, public.len(), verifier, public.last().unwrap());
    let minted = chain.call(minter, mint_call(p)).unwrap();
    assert!(minted.success, "{name}: mint failed {minted:?}");
    assert_eq!(minted.output, small(1), "{name}: the first token");

    // The stored picture is the packed public outputs.
    let words = view(chain, minter, "picture(uint256)", 1);
    let want: Vec<u8> = public[..public.len() - 1].iter().flat_map(be_word).collect();
    assert_eq!(words.output, want, "{name}");

    // The rendered picture is the model's output, pixel for pixel.
    let out = view(chain, minter, "pictureBMP(uint256)", 1);
    assert!(out.success, "{name}: {out:?}");
    let uri = abi_string(&out.output);
    let bmp = base64_decode(uri.strip_prefix("data:image/bmp;base64,").expect("a BMP data URI"));
    let picture = Picture::of(model).unwrap();
    let (c, h, w) = (picture.channels, picture.height, picture.width);
    let pixels = &p.c.outputs[0];
    let row = (w * 3).div_ceil(4) * 4;
    assert_eq!(bmp.len(), 54 + row * h, "{name}");
    assert_eq!(&bmp[..2], b"BM", "{name}");
    let max = picture.max;
    for y in 0..h {
        for x in 0..w {
            for k in 0..3 {
                let ch = if c == 1 { 0 } else { 2 - k };
                let v = i128::from(pixels[(ch * h + y) * w + x]);
                let want = ((v * 255 + max / 2) / max) as u8;
                let got = bmp[54 + (h - 1 - y) * row + x * 3 + k];
                assert_eq!(got, want, "{name}: pixel ({y}, {x})");
            }
        }
    }
    // ERC-721 metadata: a JSON data URI naming the token and holding the
    // same BMP.
    let meta = view(chain, minter, "tokenURI(uint256)", 1);
    assert!(meta.success, "{name}: {meta:?}");
    let uri = abi_string(&meta.output);
    let json = base64_decode(
        uri.strip_prefix("data:application/json;base64,")
            .expect("a JSON data URI"),
    );
    let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(json["name"], format!("{MINT} #1"), "{name}");
    assert_eq!(json["image"], abi_string(&out.output), "{name}");
    // Nodes cap the gas of an eth_call (Hardhat at its block gas limit,
    // 30 million by default; geth at 50 million): the views must fit well
    // within that (s9-gan's 32x32 RGB picture takes about 8.6 million).
    assert!(meta.gas < 15_000_000, "{name}: tokenURI took {} gas", meta.gas);

    // No token 2 yet.
    assert!(!view(chain, minter, "picture(uint256)", 2).success);
    assert!(!view(chain, minter, "tokenURI(uint256)", 2).success);
    eprintln!(
        "{name}: minting contract {} bytes, rendering the BMP (a view) {} gas, tokenURI {} gas",
        chain.code_len(minter),
        out.gas,
        meta.gas
    );
    minted.gas
}

#[test]
fn a_valid_proof_mints_and_renders_its_picture() {
    let model = packed_generator();
    let p = proved(&model, 11, None);
    let mut chain = Chain::new();
    let verifier = deploy_verifier(&mut chain, &p.keys);
    mint_and_render("generator", &model, &mut chain, verifier, &p);
}

#[test]
fn minting_needs_this_models_commitment_and_a_valid_proof() {
    let model = packed_generator();
    let p = proved(&model, 12, None);
    let public = p.public();
    let mut chain = Chain::new();
    let verifier = deploy_verifier(&mut chain, &p.keys);
    let minter = deploy_minter(&mut chain, &model, public.len(), verifier, public.last().unwrap());

    // A contract deployed for another commitment refuses the valid proof.
    let elsewhere = *public.last().unwrap() + Fr::from(1u64);
    let stranger = deploy_minter(&mut chain, &model, public.len(), verifier, &elsewhere);
    let out = chain.call(stranger, mint_call(&p)).unwrap();
    assert!(reverted_with(&out, "proof of another model"), "{out:?}");

    // A valid proof of another model of the same shapes: the same keys
    // prove it and the verifier accepts it, but its commitment is not the
    // one this contract mints for.
    let other = proved(&other_packed_generator(), 12, Some(&p.keys));
    assert!(verify_on_chain(&mut chain, verifier, &other.args()).returned_true());
    let out = chain.call(minter, mint_call(&other)).unwrap();
    assert!(reverted_with(&out, "proof of another model"), "{out:?}");

    // This model's commitment, but a changed pixel word: the verifier
    // refuses, nothing is stored.
    let mut forged = public.clone();
    forged[0] += Fr::from(1u64);
    let call = encode_verify_call("mint", &CallArgs::new(&p.proof, &forged));
    let out = chain.call(minter, call).unwrap();
    assert!(reverted_with(&out, "invalid proof"), "{out:?}");
    assert_eq!(minted(&mut chain, minter), small(0));

    // The honest proof mints at the contract of its commitment.
    let out = chain.call(minter, mint_call(&p)).unwrap();
    assert!(out.success, "{out:?}");
    assert_eq!(minted(&mut chain, minter), small(1));
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
