//! snarkjs' JSON files for Groth16 over BN254: `proof.json`, `public.json`
//! and `verification_key.json`, so that `snarkjs groth16 verify` (and every
//! tool that reads its files) checks our proofs, and we check theirs.
//!
//! What snarkjs 0.7 writes, from its source (`groth16_prove.js`,
//! `zkey_export_verificationkey.js`, ffjavascript's `toObject`):
//! - numbers are decimal strings of the standard (not Montgomery) form;
//! - points are projective after conversion to affine: G1 `[x, y, "1"]`, G2
//!   `[[x.c0, x.c1], [y.c0, y.c1], ["1", "0"]]`, real part first;
//! - the point at infinity is G1 `["0", "1", "0"]`, G2
//!   `[["0", "0"], ["1", "0"], ["0", "0"]]`;
//! - `vk_alphabeta_12` is the pairing e(alpha, beta) in Fq12 = Fq6[w] over
//!   Fq6 = Fq2[v], nested `[c0, c1]` of `[c0, c1, c2]` of `[c0, c1]`, the same
//!   tower and the same pairing as arkworks'; snarkjs' verifier ignores it.
//!
//! The readers accept only that form, one spelling per value: anything they
//! accept is written back identically up to whitespace and key order. They
//! never panic; errors name the field and coordinate at fault.

use crate::field::Fr;
use ark_bn254::{Bn254, Fq, Fq12, Fq2, Fq6, G1Affine, G2Affine};
use ark_ec::pairing::Pairing;
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, One, PrimeField, Zero};
use ark_groth16::{Proof, VerifyingKey};
use num_bigint::BigUint;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

const PROTOCOL: &str = "groth16";
/// snarkjs' (and circom's) name for BN254.
const CURVE: &str = "bn128";

/// Why a snarkjs file was refused. `at` is a JSON path such as `pi_b[1][0]`,
/// followed for coordinates by their name, `(y.c0)`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// Not JSON, or an object with an unknown or repeated field.
    #[error("malformed JSON: {0}")]
    Json(String),
    #[error("missing field `{0}`")]
    Missing(&'static str),
    #[error("{at}: expected {expected}")]
    Shape { at: String, expected: &'static str },
    #[error("`{field}` is {found:?}, expected {expected:?}")]
    Tag {
        field: &'static str,
        found: String,
        expected: &'static str,
    },
    #[error("{at}: {problem}")]
    Number { at: String, problem: NumberProblem },
    #[error("{at}: the projective coordinate is {found}, but snarkjs writes {expected} for an affine point")]
    Projective {
        at: String,
        found: String,
        expected: &'static str,
    },
    #[error("{at}: a point at infinity must be written {expected}")]
    Infinity { at: String, expected: &'static str },
    #[error("{at} is not on the curve")]
    NotOnCurve { at: String },
    #[error("{at} is on the curve but not in the prime-order subgroup")]
    NotInSubgroup { at: String },
    #[error("nPublic is {n_public} but IC has {ic} points; it needs nPublic + 1")]
    PublicCount { n_public: u64, ic: usize },
    #[error("vk_alphabeta_12 is not the pairing of vk_alpha_1 and vk_beta_2")]
    AlphaBeta,
}

/// Why a decimal string is not the one spelling of a field element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NumberProblem {
    #[error("the number is empty")]
    Empty,
    #[error("the number has a sign; field elements are written in [0, modulus)")]
    Sign,
    #[error("{0:?} is not a decimal digit")]
    NotDecimal(char),
    #[error("the number has a leading zero")]
    LeadingZero,
    #[error("the number is not below the {0} modulus")]
    TooLarge(&'static str),
}

type G1Json = [String; 3];
type G2Json = [[String; 2]; 3];
type GtJson = [[[String; 2]; 3]; 2];

#[derive(Serialize)]
struct ProofOut {
    pi_a: G1Json,
    pi_b: G2Json,
    pi_c: G1Json,
    protocol: &'static str,
    curve: &'static str,
}

#[derive(Serialize)]
struct VkOut {
    protocol: &'static str,
    curve: &'static str,
    #[serde(rename = "nPublic")]
    n_public: usize,
    vk_alpha_1: G1Json,
    vk_beta_2: G2Json,
    vk_gamma_2: G2Json,
    vk_delta_2: G2Json,
    vk_alphabeta_12: GtJson,
    #[serde(rename = "IC")]
    ic: Vec<G1Json>,
}

/// Fields are kept as raw values and checked by hand, so that errors can name
/// the coordinate at fault; serde only catches unknown and repeated fields.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProofIn {
    #[serde(default, deserialize_with = "present")]
    pi_a: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pi_b: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pi_c: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    protocol: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    curve: Option<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VkIn {
    #[serde(default, deserialize_with = "present")]
    protocol: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    curve: Option<Value>,
    #[serde(default, deserialize_with = "present", rename = "nPublic")]
    n_public: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    vk_alpha_1: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    vk_beta_2: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    vk_gamma_2: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    vk_delta_2: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    vk_alphabeta_12: Option<Value>,
    #[serde(default, deserialize_with = "present", rename = "IC")]
    ic: Option<Value>,
}

/// A present field is `Some` even when it is `null`, which plain `Option`
/// would report as missing.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

fn required(v: Option<Value>, field: &'static str) -> Result<Value, FormatError> {
    v.ok_or(FormatError::Missing(field))
}

fn pretty<T: Serialize>(v: &T) -> String {
    // Structs of strings and integers: serde_json cannot fail on them.
    let mut s = serde_json::to_string_pretty(v).expect("snarkjs JSON is plain strings and integers");
    s.push('\n');
    s
}

pub(crate) fn decimal<F: PrimeField>(f: &F) -> String {
    BigUint::from_bytes_le(&f.into_bigint().to_bytes_le()).to_string()
}

fn fq2_json(f: &Fq2) -> [String; 2] {
    [decimal(&f.c0), decimal(&f.c1)]
}

fn g1_json(p: &G1Affine) -> G1Json {
    if p.is_zero() {
        return ["0", "1", "0"].map(String::from);
    }
    [decimal(&p.x), decimal(&p.y), "1".into()]
}

fn g2_json(p: &G2Affine) -> G2Json {
    if p.is_zero() {
        return [["0", "0"], ["1", "0"], ["0", "0"]].map(|c| c.map(String::from));
    }
    [fq2_json(&p.x), fq2_json(&p.y), ["1".into(), "0".into()]]
}

fn gt_json(f: &Fq12) -> GtJson {
    let fq6 = |s: &Fq6| [fq2_json(&s.c0), fq2_json(&s.c1), fq2_json(&s.c2)];
    [fq6(&f.c0), fq6(&f.c1)]
}

/// `proof.json`.
pub fn proof_to_json(proof: &Proof<Bn254>) -> String {
    pretty(&ProofOut {
        pi_a: g1_json(&proof.a),
        pi_b: g2_json(&proof.b),
        pi_c: g1_json(&proof.c),
        protocol: PROTOCOL,
        curve: CURVE,
    })
}

/// `public.json`: the public inputs in the order the verifier takes them
/// ([`super::public_inputs`]).
pub fn public_to_json(public: &[Fr]) -> String {
    pretty(&public.iter().map(decimal).collect::<Vec<_>>())
}

/// `verification_key.json`. Computes one pairing, for `vk_alphabeta_12`.
pub fn vk_to_json(vk: &VerifyingKey<Bn254>) -> String {
    pretty(&VkOut {
        protocol: PROTOCOL,
        curve: CURVE,
        n_public: vk.gamma_abc_g1.len().saturating_sub(1),
        vk_alpha_1: g1_json(&vk.alpha_g1),
        vk_beta_2: g2_json(&vk.beta_g2),
        vk_gamma_2: g2_json(&vk.gamma_g2),
        vk_delta_2: g2_json(&vk.delta_g2),
        vk_alphabeta_12: gt_json(&Bn254::pairing(vk.alpha_g1, vk.beta_g2).0),
        ic: vk.gamma_abc_g1.iter().map(g1_json).collect(),
    })
}

/// Reads `proof.json`, checking every point is in its group. `protocol`
/// and `curve` may be absent, as in the files rapidsnark writes (snarkjs
/// reads neither); present, they must name Groth16 on BN254.
pub fn proof_from_json(text: &str) -> Result<Proof<Bn254>, FormatError> {
    let raw: ProofIn = serde_json::from_str(text).map_err(|e| FormatError::Json(e.to_string()))?;
    if raw.protocol.is_some() {
        tag(raw.protocol, "protocol", PROTOCOL)?;
    }
    if raw.curve.is_some() {
        tag(raw.curve, "curve", CURVE)?;
    }
    Ok(Proof {
        a: g1(&required(raw.pi_a, "pi_a")?, "pi_a")?,
        b: g2(&required(raw.pi_b, "pi_b")?, "pi_b")?,
        c: g1(&required(raw.pi_c, "pi_c")?, "pi_c")?,
    })
}

/// Reads `public.json`: each input below the scalar field's modulus.
pub fn public_from_json(text: &str) -> Result<Vec<Fr>, FormatError> {
    let raw: Value = serde_json::from_str(text).map_err(|e| FormatError::Json(e.to_string()))?;
    let items = raw.as_array().ok_or_else(|| FormatError::Shape {
        at: "public.json".into(),
        expected: "an array of decimal strings",
    })?;
    items
        .iter()
        .enumerate()
        .map(|(i, v)| number::<Fr>(v, || format!("public[{i}]"), "scalar field"))
        .collect()
}

/// Reads `verification_key.json`, checking the points, that `nPublic` agrees
/// with `IC`, and that `vk_alphabeta_12` is e(alpha, beta).
pub fn vk_from_json(text: &str) -> Result<VerifyingKey<Bn254>, FormatError> {
    let raw: VkIn = serde_json::from_str(text).map_err(|e| FormatError::Json(e.to_string()))?;
    tag(raw.protocol, "protocol", PROTOCOL)?;
    tag(raw.curve, "curve", CURVE)?;
    let n_public = required(raw.n_public, "nPublic")?.as_u64().ok_or(FormatError::Shape {
        at: "nPublic".into(),
        expected: "a non-negative integer",
    })?;
    let alpha_g1 = g1(&required(raw.vk_alpha_1, "vk_alpha_1")?, "vk_alpha_1")?;
    let beta_g2 = g2(&required(raw.vk_beta_2, "vk_beta_2")?, "vk_beta_2")?;
    let gamma_g2 = g2(&required(raw.vk_gamma_2, "vk_gamma_2")?, "vk_gamma_2")?;
    let delta_g2 = g2(&required(raw.vk_delta_2, "vk_delta_2")?, "vk_delta_2")?;
    let alphabeta = gt(&required(raw.vk_alphabeta_12, "vk_alphabeta_12")?)?;
    let ic = required(raw.ic, "IC")?;
    let ic = ic.as_array().ok_or(FormatError::Shape {
        at: "IC".into(),
        expected: "an array of G1 points",
    })?;
    let gamma_abc_g1 = ic
        .iter()
        .enumerate()
        .map(|(i, p)| g1(p, &format!("IC[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    if n_public.checked_add(1) != Some(gamma_abc_g1.len() as u64) {
        return Err(FormatError::PublicCount {
            n_public,
            ic: gamma_abc_g1.len(),
        });
    }
    if Bn254::pairing(alpha_g1, beta_g2).0 != alphabeta {
        return Err(FormatError::AlphaBeta);
    }
    Ok(VerifyingKey {
        alpha_g1,
        beta_g2,
        gamma_g2,
        delta_g2,
        gamma_abc_g1,
    })
}

fn tag(v: Option<Value>, field: &'static str, expected: &'static str) -> Result<(), FormatError> {
    match required(v, field)? {
        Value::String(s) if s == expected => Ok(()),
        Value::String(found) => Err(FormatError::Tag { field, found, expected }),
        _ => Err(FormatError::Shape {
            at: field.into(),
            expected: "a string",
        }),
    }
}

fn array<'a, const N: usize>(v: &'a Value, at: &str, expected: &'static str) -> Result<&'a [Value; N], FormatError> {
    v.as_array()
        .and_then(|a| <&[Value; N]>::try_from(a.as_slice()).ok())
        .ok_or_else(|| FormatError::Shape {
            at: at.into(),
            expected,
        })
}

/// The one decimal spelling of an element of `F`. `at` is only called to
/// build an error.
fn number<F: PrimeField>(v: &Value, at: impl Fn() -> String, modulus: &'static str) -> Result<F, FormatError> {
    let fail = |problem| FormatError::Number { at: at(), problem };
    let s = v.as_str().ok_or_else(|| FormatError::Shape {
        at: at(),
        expected: "a decimal string",
    })?;
    let first = s.chars().next().ok_or_else(|| fail(NumberProblem::Empty))?;
    if first == '-' || first == '+' {
        return Err(fail(NumberProblem::Sign));
    }
    if let Some(c) = s.chars().find(|c| !c.is_ascii_digit()) {
        return Err(fail(NumberProblem::NotDecimal(c)));
    }
    if first == '0' && s.len() > 1 {
        return Err(fail(NumberProblem::LeadingZero));
    }
    // Both moduli are below 10^77: a longer string is too large, and parsing
    // it would only cost time.
    if s.len() > 78 {
        return Err(fail(NumberProblem::TooLarge(modulus)));
    }
    BigUint::parse_bytes(s.as_bytes(), 10)
        .and_then(|n| F::BigInt::try_from(n).ok())
        .and_then(F::from_bigint)
        .ok_or_else(|| fail(NumberProblem::TooLarge(modulus)))
}

fn fq(v: &Value, at: &str, index: usize, name: &str) -> Result<Fq, FormatError> {
    number(v, || format!("{at}[{index}] ({name})"), "base field")
}

fn fq2(v: &Value, at: &str, index: usize, name: &str) -> Result<Fq2, FormatError> {
    let here = format!("{at}[{index}]");
    let [c0, c1] = array::<2>(v, &here, "an Fq2 element [c0, c1] of decimal strings")?;
    Ok(Fq2::new(
        number(c0, || format!("{here}[0] ({name}.c0)"), "base field")?,
        number(c1, || format!("{here}[1] ({name}.c1)"), "base field")?,
    ))
}

fn g1(v: &Value, at: &str) -> Result<G1Affine, FormatError> {
    let [x, y, z] = array::<3>(v, at, "a G1 point [x, y, z] of decimal strings")?;
    let (x, y, z) = (fq(x, at, 0, "x")?, fq(y, at, 1, "y")?, fq(z, at, 2, "z")?);
    point(x, y, z, at, |z| decimal(&z), "\"1\"", "[\"0\", \"1\", \"0\"]")
}

fn g2(v: &Value, at: &str) -> Result<G2Affine, FormatError> {
    let [x, y, z] = array::<3>(v, at, "a G2 point [x, y, z] of Fq2 elements [c0, c1]")?;
    let (x, y, z) = (fq2(x, at, 0, "x")?, fq2(y, at, 1, "y")?, fq2(z, at, 2, "z")?);
    point(
        x,
        y,
        z,
        at,
        |z| format!("{:?}", fq2_json(&z)),
        "[\"1\", \"0\"]",
        "[[\"0\", \"0\"], [\"1\", \"0\"], [\"0\", \"0\"]]",
    )
}

/// An affine point from snarkjs' projective triple: `z` is one, or the whole
/// triple is snarkjs' spelling of infinity, `(0, 1, 0)`.
fn point<P: SWCurveConfig>(
    x: P::BaseField,
    y: P::BaseField,
    z: P::BaseField,
    at: &str,
    show: impl Fn(P::BaseField) -> String,
    one: &'static str,
    infinity: &'static str,
) -> Result<Affine<P>, FormatError> {
    if z.is_zero() {
        if x.is_zero() && y.is_one() {
            return Ok(Affine::identity());
        }
        return Err(FormatError::Infinity {
            at: at.into(),
            expected: infinity,
        });
    }
    if !z.is_one() {
        return Err(FormatError::Projective {
            at: format!("{at}[2]"),
            found: show(z),
            expected: one,
        });
    }
    let p = Affine::new_unchecked(x, y);
    if !p.is_on_curve() {
        return Err(FormatError::NotOnCurve { at: at.into() });
    }
    if !p.is_in_correct_subgroup_assuming_on_curve() {
        return Err(FormatError::NotInSubgroup { at: at.into() });
    }
    Ok(p)
}

fn gt(v: &Value) -> Result<Fq12, FormatError> {
    const AT: &str = "vk_alphabeta_12";
    let shape = "an Fq12 element [c0, c1] of Fq6 elements [c0, c1, c2] of Fq2 elements [c0, c1]";
    let [c0, c1] = array::<2>(v, AT, shape)?;
    let fq6 = |v: &Value, i: usize| -> Result<Fq6, FormatError> {
        let here = format!("{AT}[{i}]");
        let [a, b, c] = array::<3>(v, &here, "an Fq6 element [c0, c1, c2] of Fq2 elements [c0, c1]")?;
        Ok(Fq6::new(
            fq2(a, &here, 0, &format!("c{i}.c0"))?,
            fq2(b, &here, 1, &format!("c{i}.c1"))?,
            fq2(c, &here, 2, &format!("c{i}.c2"))?,
        ))
    };
    Ok(Fq12::new(fq6(c0, 0)?, fq6(c1, 1)?))
}
