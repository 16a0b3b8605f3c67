//! Proofs and keys as files: snarkjs's JSON round-trips and is judged by the
//! real snarkjs, readers refuse malformed and non-canonical files by name,
//! and the key cache refuses a key made for another circuit.

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use section9::compile::{circuit_digest, compile, Compiled, Weights};
use section9::prove::cache::{decode_keys, encode_keys, KeyCache, Provenance};
use section9::prove::snarkjs::{
    proof_from_json, proof_to_json, public_from_json, public_to_json, vk_from_json, vk_to_json,
};
use section9::prove::{prove, public_inputs, setup, Keys, Proof};
use section9::r1cs::Builder;
use section9_tests::circom::{ensure_tools, snarkjs_verify};

fn fixture(seed: u64, weights: Weights) -> Compiled {
    let model = section9_zoo::builtin("mlp-fixture").unwrap().unwrap();
    compile(&model, &model.seeded_inputs(seed), weights, Builder::new()).unwrap()
}

fn proved(c: &Compiled) -> (Keys, Proof<ark_bn254::Bn254>) {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let keys = setup(&c.cs, &mut rng).unwrap();
    let proof = prove(&c.cs, &keys.pk, &mut rng).unwrap();
    (keys, proof)
}

#[test]
fn snarkjs_accepts_our_proof_and_refuses_a_changed_public_value() {
    ensure_tools().unwrap();
    let c = fixture(1, Weights::Committed);
    let (keys, proof) = proved(&c);
    let public = public_inputs(&c.cs);
    let dir = tempfile::tempdir().unwrap();
    let (vk_json, proof_json) = (vk_to_json(&keys.vk), proof_to_json(&proof));
    assert!(snarkjs_verify(
        dir.path(),
        &vk_json,
        &public_to_json(&public),
        &proof_json
    ));
    let mut forged = public.clone();
    *forged.last_mut().unwrap() += section9::field::fr_from_i128(1);
    assert!(!snarkjs_verify(
        dir.path(),
        &vk_json,
        &public_to_json(&forged),
        &proof_json
    ));
}

#[test]
fn files_round_trip_exactly() {
    let c = fixture(2, Weights::Constant);
    let (keys, proof) = proved(&c);
    let public = public_inputs(&c.cs);
    assert_eq!(proof_from_json(&proof_to_json(&proof)).unwrap(), proof);
    assert_eq!(public_from_json(&public_to_json(&public)).unwrap(), public);
    assert_eq!(vk_from_json(&vk_to_json(&keys.vk)).unwrap(), keys.vk);
    let digest = circuit_digest(&c.cs);
    let (d, k) = decode_keys(&encode_keys(&digest, &keys).unwrap()).unwrap();
    assert_eq!((d, &k), (digest, &keys));
}

/// Replaces the first occurrence of `from` in `text`.
fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from:?} not in the file");
    text.replacen(from, to, 1)
}

/// rapidsnark writes `proof.json` without `curve` (snarkjs reads neither
/// tag): such a file is read; a wrong tag is still refused.
#[test]
fn a_proof_file_as_rapidsnark_writes_it_is_read() {
    let c = fixture(8, Weights::Constant);
    let (_, proof) = proved(&c);
    let mut v: serde_json::Value = serde_json::from_str(&proof_to_json(&proof)).unwrap();
    let fields = v.as_object_mut().unwrap();
    fields.remove("curve");
    let rapidsnark = serde_json::to_string(&v).unwrap();
    assert_eq!(proof_from_json(&rapidsnark).unwrap(), proof);
    v.as_object_mut().unwrap().remove("protocol");
    assert_eq!(proof_from_json(&v.to_string()).unwrap(), proof);
    v["curve"] = "bls12381".into();
    let err = proof_from_json(&v.to_string()).unwrap_err().to_string();
    assert!(err.contains("`curve`"), "{err}");
}

#[test]
fn readers_refuse_malformed_files_by_name() {
    let c = fixture(3, Weights::Constant);
    let (keys, proof) = proved(&c);
    let p = proof_to_json(&proof);
    let x = proof.a.x.to_string();
    let r = "21888242871839275222246405745257275088548364400416034343698204186575808495617";
    let q = "21888242871839275222246405745257275088696311157297823662689037894645226208583";
    let cases: Vec<(String, &str)> = vec![
        (p[..p.len() / 2].to_string(), "malformed JSON"),
        (edit(&p, "\"groth16\"", "\"plonk\""), "`protocol` is \"plonk\""),
        (edit(&p, "\"bn128\"", "\"bls12381\""), "`curve`"),
        (
            edit(&p, &format!("\"{x}\""), &format!("\"0{x}\"")),
            "pi_a[0] (x): the number has a leading zero",
        ),
        (
            edit(&p, &format!("\"{x}\""), &format!("\"-{x}\"")),
            "pi_a[0] (x): the number has a sign",
        ),
        (
            edit(&p, &format!("\"{x}\""), &format!("\"{q}\"")),
            "pi_a[0] (x): the number is not below",
        ),
        (edit(&p, &format!("\"{x}\""), "\"5\""), "pi_a is not on the curve"),
        (edit(&p, "\"pi_c\"", "\"pi_d\""), "unknown field `pi_d`"),
    ];
    for (text, want) in cases {
        let err = proof_from_json(&text).unwrap_err().to_string();
        assert!(err.contains(want), "error {err:?} does not say {want:?}");
    }
    let err = public_from_json(&format!("[\"{r}\"]")).unwrap_err().to_string();
    assert!(err.contains("public[0]") && err.contains("not below"), "{err}");
    let v = vk_to_json(&keys.vk);
    let n = keys.vk.gamma_abc_g1.len() - 1;
    let err = vk_from_json(&edit(&v, &format!("\"nPublic\": {n}"), "\"nPublic\": 3")).unwrap_err();
    assert!(err.to_string().contains("nPublic is 3"), "{err}");
}

#[test]
fn the_key_cache_refuses_keys_of_another_circuit_and_damaged_files() {
    let c = fixture(4, Weights::Constant);
    let (keys, _) = proved(&c);
    let digest = circuit_digest(&c.cs);
    let dir = tempfile::tempdir().unwrap();
    let cache = KeyCache::new(dir.path());
    assert!(cache.load(&digest).unwrap().is_none());
    let path = cache.store(&digest, &keys).unwrap();
    assert_eq!(cache.load(&digest).unwrap().as_ref(), Some(&keys));

    // A file renamed to another circuit's digest is refused, naming both.
    let other = circuit_digest(&fixture(4, Weights::Committed).cs);
    assert_ne!(other, digest);
    std::fs::copy(&path, cache.path(&other)).unwrap();
    let err = cache.load(&other).unwrap_err().to_string();
    assert!(
        err.contains("was made for circuit") && err.contains("this circuit is"),
        "{err}"
    );

    // A truncated file is damage, not a cache miss.
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() - 10]).unwrap();
    let err = cache.load(&digest).unwrap_err().to_string();
    assert!(err.contains("truncated"), "{err}");
    for cut in [0, 7, 20, 52, 53, 84, 85, 200] {
        assert!(
            decode_keys(&bytes[..cut]).is_err(),
            "a key file cut at {cut} was accepted"
        );
    }

    // A changed byte anywhere is refused by name: the version, the digest,
    // the length or the checksum in the header, or any byte of the keys.
    let step = (bytes.len() / 97).max(1);
    for at in (8..bytes.len())
        .step_by(step)
        .chain([8, 12, 44, 52, 84, bytes.len() - 1])
    {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x10;
        std::fs::write(&path, &damaged).unwrap();
        let err = cache.load(&digest).unwrap_err().to_string();
        assert!(err.contains(&path.display().to_string()), "byte {at}: {err}");
    }
}

/// The bytes of a format 4 key file: arkworks' uncompressed encoding
/// behind a BLAKE3 checksum.
fn version_4_file(digest: &[u8; 32], keys: &Keys) -> Vec<u8> {
    use ark_serialize::CanonicalSerialize;
    let mut out = b"S9G16KEY".to_vec();
    out.extend_from_slice(&4u32.to_le_bytes());
    out.extend_from_slice(digest);
    out.extend_from_slice(&(keys.pk.uncompressed_size() as u64).to_le_bytes());
    let mut payload = Vec::new();
    keys.pk.serialize_uncompressed(&mut payload).unwrap();
    let mut sum = blake3::Hasher::new();
    sum.update(&out);
    sum.update(&payload);
    out.extend_from_slice(sum.finalize().as_bytes());
    out.extend_from_slice(&payload);
    out
}

#[test]
fn the_key_cache_keeps_a_key_once_made() {
    let c = fixture(5, Weights::Constant);
    let (keys, _) = proved(&c);
    let digest = circuit_digest(&c.cs);
    let dir = tempfile::tempdir().unwrap();
    let cache = KeyCache::new(dir.path());

    // An older file is read and rewritten, same keys, so a verifier
    // deployed for it keeps working.
    std::fs::write(cache.path(&digest), version_4_file(&digest, &keys)).unwrap();
    assert_eq!(cache.load(&digest).unwrap().as_ref(), Some(&keys));
    let rewritten = std::fs::read(cache.path(&digest)).unwrap();
    assert_eq!(rewritten, encode_keys(&digest, &keys).unwrap());

    // Keys already there are never replaced by others.
    let (other, _) = proved(&fixture(5, Weights::Constant));
    let err = cache.store(&digest, &other).unwrap_err().to_string();
    assert!(err.contains("not replaced"), "{err}");
    assert_eq!(cache.load(&digest).unwrap().as_ref(), Some(&keys));
}

#[test]
fn concurrent_setups_of_one_circuit_share_one_key() {
    let c = fixture(6, Weights::Constant);
    let digest = circuit_digest(&c.cs);
    let dir = tempfile::tempdir().unwrap();
    // A temporary file a killed setup left behind is cleaned up.
    let leftover = dir.path().join(format!(
        ".{}.g16keys.99999.0.tmp",
        section9::prove::cache::digest_hex(&digest)
    ));
    std::fs::write(&leftover, b"half a key").unwrap();
    let results: Vec<(Keys, Provenance)> = std::thread::scope(|s| {
        let runs: Vec<_> = (0..3u64)
            .map(|seed| {
                let dir = dir.path();
                s.spawn(move || {
                    // Each its own builder, as each process has one.
                    let c = fixture(6, Weights::Constant);
                    let mut rng = ChaCha20Rng::seed_from_u64(seed);
                    KeyCache::new(dir).load_or_setup(&digest, &c.cs, &mut rng).unwrap()
                })
            })
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    let made = results.iter().filter(|(_, p)| *p == Provenance::Made).count();
    assert_eq!(made, 1, "exactly one setup runs");
    assert!(
        results.iter().all(|(k, _)| *k == results[0].0),
        "every caller gets the one key"
    );
    assert!(!leftover.exists(), "the leftover temporary is removed");
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".lock"))
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}
