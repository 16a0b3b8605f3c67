//! The readers of files a verifier is handed: `proof.json`,
//! `verification_key.json`, key files and `.zkey` files. On any bytes they return an error
//! or a value; what they accept re-serializes to the same value, so a
//! reader never holds one thing two ways.

use section9::prove::cache::{decode_keys, encode_keys};
use section9::prove::snarkjs::{proof_from_json, proof_to_json, vk_from_json, vk_to_json};
use section9::prove::zkey::read_zkey;

pub fn proof(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(p) = proof_from_json(text) {
        assert_eq!(
            proof_from_json(&proof_to_json(&p)),
            Ok(p),
            "an accepted proof must round-trip"
        );
    }
}

pub fn verifying_key(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(vk) = vk_from_json(text) {
        assert_eq!(
            vk_from_json(&vk_to_json(&vk)),
            Ok(vk),
            "an accepted key must round-trip"
        );
    }
}

pub fn key_file(data: &[u8]) {
    if let Ok((digest, keys)) = decode_keys(data) {
        let again = encode_keys(&digest, &keys).expect("accepted keys encode");
        assert_eq!(again, data, "an accepted key file is the one encoding of its keys");
    }
}

pub fn zkey(data: &[u8]) {
    if let Ok(key) = read_zkey(data) {
        let again = key.to_bytes().expect("an accepted key encodes");
        assert_eq!(
            read_zkey(&again),
            Ok(key),
            "an accepted .zkey reads back as the same key"
        );
    }
}
