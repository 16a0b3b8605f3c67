//! Arguments of `verifyProof` / `mint` from a proof and its public values.

use crate::field::Fr;
use crate::prove::snarkjs::decimal;
use ark_bn254::{Bn254, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_groth16::Proof;
use num_bigint::BigUint;
use sha3::{Digest, Keccak256};

/// The four arguments, as decimal strings in the contract's order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallArgs {
    pub a: [String; 2],
    pub b: [[String; 2]; 2],
    pub c: [String; 2],
    pub input: Vec<String>,
}

fn g1(p: &G1Affine) -> [String; 2] {
    match p.xy() {
        Some((x, y)) => [decimal(&x), decimal(&y)],
        None => ["0".into(), "0".into()],
    }
}

impl CallArgs {
    pub fn new(proof: &Proof<Bn254>, public: &[Fr]) -> CallArgs {
        let b: &G2Affine = &proof.b;
        let b = match b.xy() {
            Some((x, y)) => [[decimal(&x.c1), decimal(&x.c0)], [decimal(&y.c1), decimal(&y.c0)]],
            None => [["0".into(), "0".into()], ["0".into(), "0".into()]],
        };
        CallArgs {
            a: g1(&proof.a),
            b,
            c: g1(&proof.c),
            input: public.iter().map(decimal).collect(),
        }
    }

    /// Every argument word in ABI order.
    fn words(&self) -> impl Iterator<Item = &String> {
        self.a
            .iter()
            .chain(self.b.iter().flatten())
            .chain(self.c.iter())
            .chain(self.input.iter())
    }
}

fn hex_word(decimal: &str) -> String {
    let v = BigUint::parse_bytes(decimal.as_bytes(), 10).unwrap_or_default();
    format!("0x{:064x}", v)
}

/// The arguments as snarkjs's `zkey export soliditycalldata` prints them:
/// `[a],[[b]],[c],[input]` in 32-byte hex, ready to paste into a call.
pub fn calldata_text(args: &CallArgs) -> String {
    let list = |v: &[String]| {
        let items: Vec<String> = v.iter().map(|x| format!("\"{}\"", hex_word(x))).collect();
        format!("[{}]", items.join(","))
    };
    format!(
        "{},[{},{}],{},{}",
        list(&args.a),
        list(&args.b[0]),
        list(&args.b[1]),
        list(&args.c),
        list(&args.input)
    )
}

/// The ABI-encoded call of `function` (`verifyProof` or `mint`, which take
/// the same arguments): selector, then every argument as a 32-byte word.
pub fn encode_verify_call(function: &str, args: &CallArgs) -> Vec<u8> {
    let signature = format!(
        "{function}(uint256[2],uint256[2][2],uint256[2],uint256[{}])",
        args.input.len()
    );
    let mut out = Keccak256::digest(signature.as_bytes())[..4].to_vec();
    for w in args.words() {
        let v = BigUint::parse_bytes(w.as_bytes(), 10).unwrap_or_default();
        let bytes = v.to_bytes_be();
        out.extend(std::iter::repeat_n(0u8, 32 - bytes.len().min(32)));
        out.extend_from_slice(&bytes[bytes.len().saturating_sub(32)..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_selector_is_keccak_of_the_signature() {
        let args = CallArgs {
            a: ["1".into(), "2".into()],
            b: [["3".into(), "4".into()], ["5".into(), "6".into()]],
            c: ["7".into(), "8".into()],
            input: vec!["9".into()],
        };
        let call = encode_verify_call("verifyProof", &args);
        assert_eq!(call.len(), 4 + 9 * 32);
        assert_eq!(call[4 + 31], 1);
        assert_eq!(call[4 + 8 * 32 + 31], 9);
        let want = Keccak256::digest(b"verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[1])");
        assert_eq!(call[..4], want[..4]);
        assert!(calldata_text(&args).starts_with("[\"0x0000"));
    }
}
