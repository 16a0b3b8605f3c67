//! Arguments of `verifyProof` / `mint` from a proof and its public values.

use crate::field::Fr;
use ark_bn254::{Bn254, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};
use ark_groth16::Proof;
use sha3::{Digest, Keccak256};

/// One ABI argument word, big-endian. Arguments are kept as words rather
/// than numbers so that every value a caller can build is encodable as is
/// (tests build non-canonical ones: a coordinate plus `p`, an input plus `r`).
pub type Word = [u8; 32];

/// The four arguments, as words in the contract's order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallArgs {
    pub a: [Word; 2],
    /// `[[x.c1, x.c0], [y.c1, y.c0]]`: the pairing precompile's order.
    pub b: [[Word; 2]; 2],
    pub c: [Word; 2],
    pub input: Vec<Word>,
}

pub(super) fn word<F: PrimeField>(f: &F) -> Word {
    let bytes = f.into_bigint().to_bytes_be();
    let mut w = [0u8; 32];
    // Both BN254 fields are four 64-bit limbs: exactly 32 bytes. Aligning
    // on the right keeps this total without an unreachable panic path.
    let n = bytes.len().min(32);
    w[32 - n..].copy_from_slice(&bytes[bytes.len() - n..]);
    w
}

/// `x, y` of a G1 point; the point at infinity is `0, 0`, as the
/// precompiles take it.
pub(super) fn g1(p: &G1Affine) -> [Word; 2] {
    match p.xy() {
        Some((x, y)) => [word(&x), word(&y)],
        None => [[0; 32]; 2],
    }
}

impl CallArgs {
    pub fn new(proof: &Proof<Bn254>, public: &[Fr]) -> CallArgs {
        let b: &G2Affine = &proof.b;
        let b = match b.xy() {
            Some((x, y)) => [[word(&x.c1), word(&x.c0)], [word(&y.c1), word(&y.c0)]],
            None => [[[0; 32]; 2]; 2],
        };
        CallArgs {
            a: g1(&proof.a),
            b,
            c: g1(&proof.c),
            input: public.iter().map(word).collect(),
        }
    }

    /// Every argument word in ABI order.
    pub(super) fn words(&self) -> impl Iterator<Item = &Word> {
        self.a
            .iter()
            .chain(self.b.iter().flatten())
            .chain(self.c.iter())
            .chain(self.input.iter())
    }
}

/// The first four bytes of Keccak-256 of a function's signature: how a
/// call names the function it calls.
pub(super) fn selector(signature: &str) -> [u8; 4] {
    let digest = Keccak256::digest(signature.as_bytes());
    [digest[0], digest[1], digest[2], digest[3]]
}

/// A word as snarkjs prints it: quoted, `0x` and 64 hex digits.
pub(super) fn quoted(w: &Word) -> String {
    format!("\"0x{}\"", hex::encode(w))
}

/// The arguments exactly as snarkjs 0.7's `zkey export soliditycalldata`
/// prints them for a Groth16 proof, `[a],[[b]],[c],[input]`, so scripts
/// written for snarkjs's output read ours unchanged.
pub fn calldata_text(args: &CallArgs) -> String {
    let pair = |v: &[Word; 2]| format!("[{}, {}]", quoted(&v[0]), quoted(&v[1]));
    let input: Vec<String> = args.input.iter().map(quoted).collect();
    format!(
        "{},[{},{}],{},[{}]",
        pair(&args.a),
        pair(&args.b[0]),
        pair(&args.b[1]),
        pair(&args.c),
        input.join(",")
    )
}

/// The ABI-encoded call of `function` (`verifyProof`, `mint` or `clear`, which take
/// the same arguments): selector, then every argument as a 32-byte word
/// (static arrays are encoded in place, without offsets).
pub fn encode_verify_call(function: &str, args: &CallArgs) -> Vec<u8> {
    let signature = format!(
        "{function}(uint256[2],uint256[2][2],uint256[2],uint256[{}])",
        args.input.len()
    );
    let mut out = selector(&signature).to_vec();
    for w in args.words() {
        out.extend_from_slice(w);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(v: u8) -> Word {
        let mut w = [0; 32];
        w[31] = v;
        w
    }

    #[test]
    fn the_selector_is_keccak_of_the_signature() {
        let args = CallArgs {
            a: [w(1), w(2)],
            b: [[w(3), w(4)], [w(5), w(6)]],
            c: [w(7), w(8)],
            input: vec![w(9)],
        };
        let call = encode_verify_call("verifyProof", &args);
        assert_eq!(call.len(), 4 + 9 * 32);
        assert_eq!(call[4 + 31], 1);
        assert_eq!(call[4 + 8 * 32 + 31], 9);
        let want = Keccak256::digest(b"verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[1])");
        assert_eq!(call[..4], want[..4]);
        let zeros = "0".repeat(63);
        let text = calldata_text(&args);
        assert!(
            text.starts_with(&format!("[\"0x{zeros}1\", \"0x{zeros}2\"],[[\"0x{zeros}3\", ")),
            "{text}"
        );
        assert!(text.ends_with(&format!("],[\"0x{zeros}9\"]")), "{text}");
    }

    #[test]
    fn field_elements_are_big_endian_words() {
        assert_eq!(word(&Fr::from(258u64)), {
            let mut x = w(2);
            x[30] = 1;
            x
        });
        assert_eq!(word(&-Fr::from(1u64))[0], 0x30, "r - 1 starts 0x30644e72...");
    }
}
