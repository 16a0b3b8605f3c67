//! Groth16 proving keys in snarkjs's `.zkey` format, both ways: section9's
//! keys for snarkjs and rapidsnark to prove with, and keys from a circom
//! ceremony (`snarkjs groth16 setup` on section9's exported `.r1cs`, then
//! contributions and a beacon) for section9 to prove with.
//!
//! The file is iden3's binary container (magic `zkey`, version 1, sections
//! of `(id u32, size u64, bytes)`, integers little-endian):
//!
//! | id | section                                                             |
//! |----|---------------------------------------------------------------------|
//! | 1  | prover type, 1 = Groth16                                            |
//! | 2  | field sizes and primes, `nVars`, `nPublic`, domain size, then alpha1, beta1, beta2, gamma2, delta1, delta2 |
//! | 3  | IC: the verifying key's `nPublic + 1` instance points               |
//! | 4  | the A and B matrices as `(matrix, row, signal, value * R^2)`        |
//! | 5-7| A, B in G1, B in G2: one point per signal                          |
//! | 8  | C: one point per private signal (arkworks' L query)                 |
//! | 9  | H: one point per domain point, for [`super::CircomReduction`]       |
//! | 10 | the ceremony's contributions (not read)                             |
//!
//! Points are affine, each coordinate 32 bytes little-endian in Montgomery
//! form (`x * 2^256 mod q`), a G2 coordinate `c0` then `c1`; the identity is
//! all zero bytes. Reading checks every coordinate is canonical and every
//! point on the curve, so a damaged key is named, not proved with; the
//! header's points are also checked to be in the prime-order subgroup. The
//! B query's G2 points are not: the check costs more than proving on a
//! large key, and [`super::prove`] checks the one point they make instead,
//! the proof's B (a component outside the subgroup would carry into it).

use super::{check_key, domain_size, CircuitLayout, ProveError};
use crate::field::Fr;
use crate::r1cs::{Builder, Matrix};
use ark_bn254::{Bn254, Fq, Fq2, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{AdditiveGroup, BigInt, BigInteger, Field, MontConfig, PrimeField};
use ark_groth16::{ProvingKey, VerifyingKey};
use ark_std::rand::rngs::OsRng;
use ark_std::UniformRand;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock, PoisonError};

const MAGIC: &[u8; 4] = b"zkey";
const VERSION: u32 = 1;
const GROTH16: u32 = 1;
const N8: usize = 32;
const G1_BYTES: usize = 2 * N8;
const G2_BYTES: usize = 4 * N8;
/// Section 2: two field descriptions, three counts, three G1 and three G2.
const HEADER_BYTES: usize = 2 * (4 + N8) + 3 * 4 + 3 * G1_BYTES + 3 * G2_BYTES;
/// Section 4 entries: matrix, row, signal, value.
const COEFFICIENT_BYTES: usize = 3 * 4 + N8;

/// What is wrong with a `.zkey` file, or with using it for a circuit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZkeyError {
    #[error("not a .zkey file (it does not start with \"zkey\")")]
    Magic,
    #[error("zkey format version {0}, this build reads version {VERSION}")]
    Version(u32),
    #[error("truncated: {what} needs {needed} bytes, {left} are left")]
    Truncated { what: String, needed: u64, left: u64 },
    #[error("{0} bytes follow the last section")]
    TrailingBytes(u64),
    #[error("section {0} is missing")]
    MissingSection(u32),
    #[error("section {0} appears twice")]
    RepeatedSection(u32),
    #[error("prover type {0} is not Groth16 (1): a PLONK or FFLONK key?")]
    NotGroth16(u32),
    #[error("the key is not over BN254: its {0} field is another one")]
    OtherCurve(&'static str),
    #[error("section {section} has {found} bytes, {expected} expected from the header")]
    SectionSize { section: u32, expected: u64, found: u64 },
    #[error("{what}: coordinate not below the base field's modulus (not canonical)")]
    NonCanonical { what: String },
    #[error("{what}: not a point of the curve")]
    NotOnCurve { what: String },
    #[error("{what}: not in the prime-order subgroup")]
    NotInSubgroup { what: String },
    #[error("coefficient {index}: {problem}")]
    Coefficient { index: usize, problem: String },
    #[error("the key does not fit this circuit: its {what} is {found}, the circuit's is {expected}")]
    Shape {
        what: &'static str,
        expected: u64,
        found: u64,
    },
    #[error("the key was made for another circuit: {0}")]
    OtherCircuit(String),
    #[error(transparent)]
    Prove(#[from] ProveError),
}

/// One entry of the A or B matrix, in the key's wire order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Coefficient {
    matrix: u32,
    row: u32,
    signal: u32,
    value: Fr,
}

/// A proving key read from a `.zkey`, with the matrices it was made for.
#[derive(Clone, Debug)]
pub struct Zkey {
    pub pk: ProvingKey<Bn254>,
    pub num_public: usize,
    pub domain_size: usize,
    coefficients: Vec<Coefficient>,
    /// The matrices at random points, for [`Zkey::check_circuit`]: taken
    /// when a key is read, so that a reader on another thread has it ready
    /// before the circuit is synthesized.
    fingerprint: OnceLock<Fingerprint>,
}

/// Equal keys: the same points and entries (the fingerprints' random
/// points differ from read to read).
impl PartialEq for Zkey {
    fn eq(&self, other: &Zkey) -> bool {
        (self.pk == other.pk)
            && (self.num_public, self.domain_size) == (other.num_public, other.domain_size)
            && self.coefficients == other.coefficients
    }
}

/// Random points and the key's A and B at them.
#[derive(Clone, Debug)]
struct Fingerprint {
    challenges: Challenges,
    entries: [Fr; 2],
}

/// `R^2 mod r`: the key stores every matrix value times it.
fn r_squared() -> Fr {
    Fr::from_bigint(<ark_bn254::FrConfig as MontConfig<4>>::R2).unwrap_or_default()
}

/// The A and B entries of a circuit as a key made for it lists them: the
/// rows, then one row per instance variable that makes A take its value.
fn coefficients(cs: &Builder, layout: &CircuitLayout) -> Result<Vec<Coefficient>, ZkeyError> {
    let (a, b, _) = cs.matrices();
    let rows = a.rows();
    let mut out = Vec::new();
    for (matrix, m) in [(0u32, a), (1, b)] {
        for i in 0..rows {
            for &(w, value) in m.row(i) {
                out.push(Coefficient {
                    matrix,
                    row: count("row count", i)?,
                    signal: layout.index(w),
                    value,
                });
            }
        }
    }
    for s in 0..layout.num_instance() {
        out.push(Coefficient {
            matrix: 0,
            row: count("row count", rows + s)?,
            signal: count("signal count", s)?,
            value: Fr::from(1u64),
        });
    }
    out.par_sort_unstable();
    Ok(out)
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_fq(out: &mut Vec<u8>, x: &Fq) {
    // Montgomery form is the element's own representation.
    out.extend_from_slice(&x.0.to_bytes_le());
}

fn put_g1(out: &mut Vec<u8>, p: &G1Affine) {
    match p.xy() {
        Some((x, y)) => {
            put_fq(out, &x);
            put_fq(out, &y);
        }
        None => out.extend_from_slice(&[0; G1_BYTES]),
    }
}

fn put_g2(out: &mut Vec<u8>, p: &G2Affine) {
    match p.xy() {
        Some((x, y)) => {
            for c in [x.c0, x.c1, y.c0, y.c1] {
                put_fq(out, &c);
            }
        }
        None => out.extend_from_slice(&[0; G2_BYTES]),
    }
}

fn put_fields(out: &mut Vec<u8>) {
    put_u32(out, N8 as u32);
    out.extend_from_slice(&Fq::MODULUS.to_bytes_le());
    put_u32(out, N8 as u32);
    out.extend_from_slice(&Fr::MODULUS.to_bytes_le());
}

/// `pk`, made by section9 for `cs`, as a `.zkey` that `snarkjs groth16
/// prove` (and rapidsnark) reads with the `.wtns` section9 exports.
pub fn zkey_bytes(cs: &Builder, pk: &ProvingKey<Bn254>) -> Result<Vec<u8>, ZkeyError> {
    Zkey::new(cs, pk)?.to_bytes()
}

fn count(what: &'static str, n: usize) -> Result<u32, ZkeyError> {
    u32::try_from(n).map_err(|_| ZkeyError::Shape {
        what,
        expected: u64::from(u32::MAX),
        found: n as u64,
    })
}

impl Zkey {
    /// section9's key `pk` for `cs`, with the matrices a `.zkey` lists.
    pub fn new(cs: &Builder, pk: &ProvingKey<Bn254>) -> Result<Zkey, ZkeyError> {
        let layout = CircuitLayout::new(cs);
        layout.check(cs)?;
        check_key(pk, &layout, cs.num_constraints())?;
        Ok(Zkey {
            pk: pk.clone(),
            num_public: layout.num_public(),
            domain_size: domain_size(cs.num_constraints(), layout.num_instance())?,
            coefficients: coefficients(cs, &layout)?,
            fingerprint: OnceLock::new(),
        })
    }

    /// The key in the `.zkey` format (sections 1 to 9).
    pub fn to_bytes(&self) -> Result<Vec<u8>, ZkeyError> {
        let (pk, vk) = (&self.pk, &self.pk.vk);
        let mut header = Vec::with_capacity(HEADER_BYTES);
        put_fields(&mut header);
        put_u32(&mut header, count("signal count", pk.a_query.len())?);
        put_u32(&mut header, count("public count", self.num_public)?);
        put_u32(&mut header, count("domain size", self.domain_size)?);
        put_g1(&mut header, &vk.alpha_g1);
        put_g1(&mut header, &pk.beta_g1);
        put_g2(&mut header, &vk.beta_g2);
        put_g2(&mut header, &vk.gamma_g2);
        put_g1(&mut header, &pk.delta_g1);
        put_g2(&mut header, &vk.delta_g2);

        let coefs = &self.coefficients;
        let mut matrices = Vec::with_capacity(4 + coefs.len() * COEFFICIENT_BYTES);
        put_u32(&mut matrices, count("coefficient count", coefs.len())?);
        let r2 = r_squared();
        for c in coefs {
            for v in [c.matrix, c.row, c.signal] {
                put_u32(&mut matrices, v);
            }
            matrices.extend_from_slice(&(c.value * r2).into_bigint().to_bytes_le());
        }
        let g1s = |points: &[G1Affine]| {
            let mut out = Vec::with_capacity(points.len() * G1_BYTES);
            points.iter().for_each(|p| put_g1(&mut out, p));
            out
        };
        let mut b2 = Vec::with_capacity(pk.b_g2_query.len() * G2_BYTES);
        pk.b_g2_query.iter().for_each(|p| put_g2(&mut b2, p));
        let sections: [(u32, Vec<u8>); 9] = [
            (1, GROTH16.to_le_bytes().to_vec()),
            (2, header),
            (3, g1s(&vk.gamma_abc_g1)),
            (4, matrices),
            (5, g1s(&pk.a_query)),
            (6, g1s(&pk.b_g1_query)),
            (7, b2),
            (8, g1s(&pk.l_query)),
            (9, g1s(&pk.h_query)),
        ];
        let mut out = Vec::with_capacity(12 + sections.iter().map(|(_, b)| 12 + b.len()).sum::<usize>());
        out.extend_from_slice(MAGIC);
        put_u32(&mut out, VERSION);
        put_u32(&mut out, sections.len() as u32);
        for (id, body) in &sections {
            put_u32(&mut out, *id);
            out.extend_from_slice(&(body.len() as u64).to_le_bytes());
            out.extend_from_slice(body);
        }
        Ok(out)
    }
}

/// A cursor that names what it was reading when the bytes ran out.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: impl Fn() -> String) -> Result<&'a [u8], ZkeyError> {
        let left = self.bytes.len() - self.at;
        if n > left {
            return Err(ZkeyError::Truncated {
                what: what(),
                needed: n as u64,
                left: left as u64,
            });
        }
        let out = &self.bytes[self.at..self.at + n];
        self.at += n;
        Ok(out)
    }

    fn u32(&mut self, what: &str) -> Result<u32, ZkeyError> {
        let b = self.take(4, || what.to_string())?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self, what: &str) -> Result<u64, ZkeyError> {
        let b = self.take(8, || what.to_string())?;
        let mut w = [0u8; 8];
        w.copy_from_slice(b);
        Ok(u64::from_le_bytes(w))
    }
}

fn bigint(bytes: &[u8]) -> BigInt<4> {
    let mut limbs = [0u64; 4];
    for (limb, chunk) in limbs.iter_mut().zip(bytes.chunks_exact(8)) {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        *limb = u64::from_le_bytes(w);
    }
    BigInt::new(limbs)
}

fn fq(bytes: &[u8], what: &dyn Fn() -> String) -> Result<Fq, ZkeyError> {
    let b = bigint(bytes);
    if b >= Fq::MODULUS {
        return Err(ZkeyError::NonCanonical { what: what() });
    }
    Ok(Fq::new_unchecked(b))
}

fn g1(bytes: &[u8], what: &dyn Fn() -> String) -> Result<G1Affine, ZkeyError> {
    if bytes.iter().all(|&b| b == 0) {
        return Ok(G1Affine::identity());
    }
    let p = G1Affine::new_unchecked(fq(&bytes[..N8], what)?, fq(&bytes[N8..], what)?);
    if !p.is_on_curve() {
        return Err(ZkeyError::NotOnCurve { what: what() });
    }
    if !p.is_in_correct_subgroup_assuming_on_curve() {
        return Err(ZkeyError::NotInSubgroup { what: what() });
    }
    Ok(p)
}

/// A G2 point on the curve, not checked to be in the subgroup.
fn g2_on_curve(bytes: &[u8], what: &dyn Fn() -> String) -> Result<G2Affine, ZkeyError> {
    if bytes.iter().all(|&b| b == 0) {
        return Ok(G2Affine::identity());
    }
    let c = |i: usize| fq(&bytes[i * N8..(i + 1) * N8], what);
    let p = G2Affine::new_unchecked(Fq2::new(c(0)?, c(1)?), Fq2::new(c(2)?, c(3)?));
    if !p.is_on_curve() {
        return Err(ZkeyError::NotOnCurve { what: what() });
    }
    Ok(p)
}

fn g2(bytes: &[u8], what: &dyn Fn() -> String) -> Result<G2Affine, ZkeyError> {
    let p = g2_on_curve(bytes, what)?;
    if !p.is_in_correct_subgroup_assuming_on_curve() {
        return Err(ZkeyError::NotInSubgroup { what: what() });
    }
    Ok(p)
}

/// Reads one point; the closure names it for errors.
type ParsePoint<P> = fn(&[u8], &dyn Fn() -> String) -> Result<P, ZkeyError>;

/// `body` cut into `size`-byte records, parsed in parallel straight into
/// their places (a parallel collect of `Result`s would gather them in pieces
/// and copy them again); the error, if any, is the lowest-numbered record's.
fn records<T: Send>(
    body: &[u8],
    size: usize,
    parse: impl Fn(usize, &[u8]) -> Result<T, ZkeyError> + Sync,
    placeholder: impl Fn() -> T + Sync,
) -> Result<Vec<T>, ZkeyError> {
    let first_error = Mutex::new(None::<(usize, ZkeyError)>);
    let out = body
        .par_chunks_exact(size)
        .enumerate()
        .map(|(i, record)| {
            parse(i, record).unwrap_or_else(|e| {
                let mut first = first_error.lock().unwrap_or_else(PoisonError::into_inner);
                if !matches!(*first, Some((j, _)) if j < i) {
                    *first = Some((i, e));
                }
                placeholder()
            })
        })
        .collect();
    match first_error.into_inner().unwrap_or_else(PoisonError::into_inner) {
        Some((_, e)) => Err(e),
        None => Ok(out),
    }
}

/// A section's bytes as `count` points of `size` bytes each.
fn points<P: Send + AffineRepr>(
    sections: &BTreeMap<u32, &[u8]>,
    id: u32,
    name: &str,
    count: usize,
    size: usize,
    parse: ParsePoint<P>,
) -> Result<Vec<P>, ZkeyError> {
    let body = section(sections, id, (count * size) as u64)?;
    records(body, size, |i, b| parse(b, &|| format!("{name} point {i}")), P::zero)
}

fn section<'a>(sections: &BTreeMap<u32, &'a [u8]>, id: u32, expected: u64) -> Result<&'a [u8], ZkeyError> {
    let body = sections.get(&id).ok_or(ZkeyError::MissingSection(id))?;
    if body.len() as u64 != expected {
        return Err(ZkeyError::SectionSize {
            section: id,
            expected,
            found: body.len() as u64,
        });
    }
    Ok(body)
}

fn read_fields(r: &mut Reader) -> Result<(), ZkeyError> {
    for (name, modulus) in [
        ("base", Fq::MODULUS.to_bytes_le()),
        ("scalar", Fr::MODULUS.to_bytes_le()),
    ] {
        let n8 = r.u32(&format!("the {name} field's size"))?;
        if n8 as usize != N8 {
            return Err(ZkeyError::OtherCurve(name));
        }
        if r.take(N8, || format!("the {name} field's prime"))? != &modulus[..] {
            return Err(ZkeyError::OtherCurve(name));
        }
    }
    Ok(())
}

/// Reads a Groth16 `.zkey` over BN254, checking every point (see the
/// module docs for what is checked where).
pub fn read_zkey(bytes: &[u8]) -> Result<Zkey, ZkeyError> {
    let mut r = Reader { bytes, at: 0 };
    if r.take(4, || "the magic".into()).ok() != Some(&MAGIC[..]) {
        return Err(ZkeyError::Magic);
    }
    let version = r.u32("the version")?;
    if version != VERSION {
        return Err(ZkeyError::Version(version));
    }
    let num_sections = r.u32("the section count")?;
    let mut sections = BTreeMap::new();
    for k in 0..num_sections {
        let id = r.u32(&format!("section header {k}"))?;
        let size = r.u64(&format!("section header {k}"))?;
        let body = r.take(usize::try_from(size).unwrap_or(usize::MAX), || format!("section {id}"))?;
        if sections.insert(id, body).is_some() {
            return Err(ZkeyError::RepeatedSection(id));
        }
    }
    if r.at != bytes.len() {
        return Err(ZkeyError::TrailingBytes((bytes.len() - r.at) as u64));
    }

    let kind = section(&sections, 1, 4)?;
    let kind = u32::from_le_bytes([kind[0], kind[1], kind[2], kind[3]]);
    if kind != GROTH16 {
        return Err(ZkeyError::NotGroth16(kind));
    }
    let mut h = Reader {
        bytes: section(&sections, 2, HEADER_BYTES as u64)?,
        at: 0,
    };
    read_fields(&mut h)?;
    let num_vars = h.u32("the signal count")? as usize;
    let num_public = h.u32("the public count")? as usize;
    let domain = h.u32("the domain size")? as usize;
    if num_public >= num_vars {
        return Err(ZkeyError::Shape {
            what: "public count",
            expected: num_vars.saturating_sub(1) as u64,
            found: num_public as u64,
        });
    }
    if !domain.is_power_of_two() || domain < num_public + 1 {
        return Err(ZkeyError::Shape {
            what: "domain size",
            expected: (num_public + 1).next_power_of_two() as u64,
            found: domain as u64,
        });
    }
    let mut header_point =
        |name: &str, size: usize| -> Result<&[u8], ZkeyError> { h.take(size, || format!("the header's {name}")) };
    let named = |name: &'static str| move || format!("the header's {name}");
    let alpha_g1 = g1(header_point("alpha1", G1_BYTES)?, &named("alpha1"))?;
    let beta_g1 = g1(header_point("beta1", G1_BYTES)?, &named("beta1"))?;
    let beta_g2 = g2(header_point("beta2", G2_BYTES)?, &named("beta2"))?;
    let gamma_g2 = g2(header_point("gamma2", G2_BYTES)?, &named("gamma2"))?;
    let delta_g1 = g1(header_point("delta1", G1_BYTES)?, &named("delta1"))?;
    let delta_g2 = g2(header_point("delta2", G2_BYTES)?, &named("delta2"))?;

    let coefficients = read_coefficients(&sections, num_vars, domain)?;
    let vk = VerifyingKey {
        alpha_g1,
        beta_g2,
        gamma_g2,
        delta_g2,
        gamma_abc_g1: points(&sections, 3, "IC", num_public + 1, G1_BYTES, g1)?,
    };
    let pk = ProvingKey {
        vk,
        beta_g1,
        delta_g1,
        a_query: points(&sections, 5, "A", num_vars, G1_BYTES, g1)?,
        b_g1_query: points(&sections, 6, "B1", num_vars, G1_BYTES, g1)?,
        b_g2_query: points(&sections, 7, "B2", num_vars, G2_BYTES, g2_on_curve)?,
        l_query: points(&sections, 8, "C", num_vars - num_public - 1, G1_BYTES, g1)?,
        h_query: points(&sections, 9, "H", domain, G1_BYTES, g1)?,
    };
    let key = Zkey {
        pk,
        num_public,
        domain_size: domain,
        coefficients,
        fingerprint: OnceLock::new(),
    };
    key.fingerprint();
    Ok(key)
}

fn read_coefficients(
    sections: &BTreeMap<u32, &[u8]>,
    num_vars: usize,
    domain: usize,
) -> Result<Vec<Coefficient>, ZkeyError> {
    let body = sections.get(&4).ok_or(ZkeyError::MissingSection(4))?;
    let mut r = Reader { bytes: body, at: 0 };
    let n = r.u32("the coefficient count")? as usize;
    section(sections, 4, 4 + (n * COEFFICIENT_BYTES) as u64)?;
    // A stored `v * R^2` read as Montgomery form is `v * R` in value.
    let r_inverse = Fr::from_bigint(<ark_bn254::FrConfig as MontConfig<4>>::R)
        .and_then(|r| r.inverse())
        .unwrap_or_default();
    let parse = |index: usize, record: &[u8]| -> Result<Coefficient, ZkeyError> {
        let bad = |problem: String| ZkeyError::Coefficient { index, problem };
        let word = |k: usize| u32::from_le_bytes([record[k], record[k + 1], record[k + 2], record[k + 3]]);
        let (matrix, row, signal) = (word(0), word(4), word(8));
        let stored = bigint(&record[12..]);
        if stored >= Fr::MODULUS {
            return Err(bad("value not below the scalar field's modulus".into()));
        }
        if matrix > 1 {
            return Err(bad(format!("matrix {matrix} is neither A (0) nor B (1)")));
        }
        if row as usize >= domain || signal as usize >= num_vars {
            return Err(bad(format!(
                "row {row} or signal {signal} outside the domain ({domain}) or the signals ({num_vars})"
            )));
        }
        Ok(Coefficient {
            matrix,
            row,
            signal,
            value: Fr::new_unchecked(stored) * r_inverse,
        })
    };
    let placeholder = || Coefficient {
        matrix: 0,
        row: 0,
        signal: 0,
        value: Fr::ZERO,
    };
    records(&body[4..], COEFFICIENT_BYTES, parse, placeholder)
}

/// Random points at which a matrix becomes one number, `sum v * rows[row] *
/// signals[signal]`: two matrices with different entries (entries for the
/// same row and signal taken as their sum, as the QAP takes them) give
/// different numbers except with probability about `(rows + signals) / r`
/// (Schwartz-Zippel; `rows[i] = x^i`, `signals[j] = y^j`).
#[derive(Clone, Debug)]
struct Challenges {
    rows: Vec<Fr>,
    signals: Vec<Fr>,
}

impl Challenges {
    fn new(rows: usize, signals: usize) -> Challenges {
        let mut rng = OsRng;
        Challenges {
            rows: super::fft::powers(Fr::ONE, Fr::rand(&mut rng), rows),
            signals: super::fft::powers(Fr::ONE, Fr::rand(&mut rng), signals),
        }
    }

    /// A's and B's numbers for a key's entries. Entries of one row in a
    /// run (as keys list them) share one multiplication by the row's
    /// point; any order gives the same numbers.
    fn of_entries(&self, entries: &[Coefficient]) -> [Fr; 2] {
        let of_chunk = |chunk: &[Coefficient]| {
            let mut acc = [Fr::ZERO; 2];
            for run in chunk.chunk_by(|c, d| (c.matrix, c.row) == (d.matrix, d.row)) {
                let row: Fr = run.iter().map(|c| c.value * self.signals[c.signal as usize]).sum();
                acc[run[0].matrix as usize] += row * self.rows[run[0].row as usize];
            }
            acc
        };
        entries
            .par_chunks(1 << 14)
            .map(of_chunk)
            .reduce(|| [Fr::ZERO; 2], |a, b| [a[0] + b[0], a[1] + b[1]])
    }

    /// The same for a circuit's A and B as a key made for it lists them
    /// (see [`coefficients`]).
    fn of_circuit(&self, cs: &Builder, layout: &CircuitLayout) -> [Fr; 2] {
        let (a, b, _) = cs.matrices();
        let of = |m: &Matrix| -> Fr {
            (0..m.rows())
                .into_par_iter()
                .map(|i| {
                    let row: Fr = (m.row(i).iter())
                        .map(|&(w, v)| v * self.signals[layout.index(w) as usize])
                        .sum();
                    row * self.rows[i]
                })
                .sum()
        };
        let instance: Fr = (0..layout.num_instance())
            .map(|s| self.rows[a.rows() + s] * self.signals[s])
            .sum();
        [of(a) + instance, of(b)]
    }
}

impl Zkey {
    fn fingerprint(&self) -> &Fingerprint {
        self.fingerprint.get_or_init(|| {
            let challenges = Challenges::new(self.domain_size, self.pk.a_query.len());
            let entries = challenges.of_entries(&self.coefficients);
            Fingerprint { challenges, entries }
        })
    }

    /// Whether this key was made for `cs`: the counts, then A's and B's
    /// entries, in whatever order the key lists them, compared at random
    /// points (see [`Challenges`]); a difference is then named. C is not in
    /// the file; a key that differs only there yields proofs that fail
    /// verification, which proving checks.
    pub fn check_circuit(&self, cs: &Builder) -> Result<(), ZkeyError> {
        let layout = CircuitLayout::new(cs);
        layout.check(cs)?;
        let shapes = [
            ("signal count", layout.num_variables(), self.pk.a_query.len()),
            ("public count", layout.num_public(), self.num_public),
            (
                "domain size",
                domain_size(cs.num_constraints(), layout.num_instance())?,
                self.domain_size,
            ),
        ];
        for (what, expected, found) in shapes {
            if expected != found {
                return Err(ZkeyError::Shape {
                    what,
                    expected: expected as u64,
                    found: found as u64,
                });
            }
        }
        let Fingerprint { challenges, entries } = self.fingerprint();
        if challenges.of_circuit(cs, &layout) == *entries {
            return Ok(());
        }
        // Rare and slow: name the first difference.
        let ours = coefficients(cs, &layout)?;
        let mut theirs = self.coefficients.clone();
        theirs.par_sort_unstable();
        let name = |c: &Coefficient| ["A", "B"][c.matrix as usize];
        if let Some((o, t)) = ours.iter().zip(&theirs).find(|(o, t)| o != t) {
            return Err(ZkeyError::OtherCircuit(
                if (o.matrix, o.row, o.signal) == (t.matrix, t.row, t.signal) {
                    format!("row {} of {} weighs signal {} differently", o.row, name(o), o.signal)
                } else {
                    format!(
                        "the circuit's {} has signal {} in row {} where the key's {} has signal {} in row {}",
                        name(o),
                        o.signal,
                        o.row,
                        name(t),
                        t.signal,
                        t.row
                    )
                },
            ));
        }
        Err(ZkeyError::OtherCircuit(format!(
            "the circuit's A and B have {} entries, the key's {}",
            ours.len(),
            theirs.len()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prove::{prove, public_inputs, setup, verify};
    use crate::r1cs::Quad;
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    /// `x * y = z`, `x + y = s` with `z`, `s` public; `square` makes the
    /// first product `x * x`, a circuit of the same shape with another B.
    fn circuit(square: bool) -> Builder {
        let mut cs = Builder::new();
        let x = cs.input("x", &[], 3, false);
        let y = cs.input("y", &[], 4, false);
        let z = cs.input("z", &[], if square { 9 } else { 12 }, true);
        let other = if square { x.clone() } else { y.clone() };
        cs.enforce("xy", &[], Quad::mul(x.clone(), other).unwrap(), Quad::lin(z))
            .unwrap();
        let s = cs.input("s", &[], 7, true);
        cs.enforce("sum", &[], Quad::lin(x.add(&y).unwrap()), Quad::lin(s))
            .unwrap();
        cs
    }

    fn exported(cs: &Builder, seed: u64) -> Vec<u8> {
        let keys = setup(cs, &mut ChaCha20Rng::seed_from_u64(seed)).unwrap();
        zkey_bytes(cs, &keys.pk).unwrap()
    }

    #[test]
    fn a_written_key_reads_back_and_proves() {
        let cs = circuit(false);
        let keys = setup(&cs, &mut ChaCha20Rng::seed_from_u64(1)).unwrap();
        let key = read_zkey(&zkey_bytes(&cs, &keys.pk).unwrap()).unwrap();
        assert_eq!(key.pk, keys.pk);
        key.check_circuit(&cs).unwrap();
        let proof = prove(&cs, &key.pk, &mut ChaCha20Rng::seed_from_u64(2)).unwrap();
        assert!(verify(&key.pk.vk, &public_inputs(&cs), &proof).unwrap());
    }

    #[test]
    fn coefficients_are_stored_times_r_squared() {
        let bytes = exported(&circuit(false), 1);
        let key = read_zkey(&bytes).unwrap();
        // The instance rows weigh their signal by one: stored as R^2 mod r.
        let one = key.coefficients.iter().find(|c| c.row as usize >= 2).unwrap();
        assert_eq!(one.value, Fr::from(1u64));
        let stored = (Fr::from(1u64) * r_squared()).into_bigint().to_bytes_le();
        assert!(bytes.windows(N8).any(|w| w == &stored[..]));
        assert_eq!(
            r_squared(),
            Fr::from(2u64).pow([512]),
            "R = 2^256 for a four-limb field"
        );
    }

    #[test]
    fn a_key_for_another_circuit_is_refused_by_name() {
        let key = read_zkey(&exported(&circuit(false), 1)).unwrap();
        let err = key.check_circuit(&circuit(true)).unwrap_err();
        assert!(
            matches!(&err, ZkeyError::OtherCircuit(m) if m.contains("B has signal 3 in row 0")),
            "{err}"
        );
        let mut bigger = circuit(false);
        let w = bigger.input("w", &[], 1, true);
        bigger.enforce("w", &[], Quad::lin(w.clone()), Quad::lin(w)).unwrap();
        assert!(matches!(
            key.check_circuit(&bigger),
            Err(ZkeyError::Shape {
                what: "signal count",
                ..
            })
        ));
    }

    #[test]
    fn every_truncation_is_an_error() {
        let bytes = exported(&circuit(false), 1);
        for n in 0..bytes.len() {
            assert!(read_zkey(&bytes[..n]).is_err(), "{n} bytes read as a key");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(read_zkey(&longer), Err(ZkeyError::TrailingBytes(1)));
    }

    /// Byte offset of section `id`'s body.
    /// A key lists A's and B's entries in any order; only what they add up
    /// to per row and signal counts.
    #[test]
    fn entries_compare_in_any_order_and_one_changed_weight_is_named() {
        let cs = circuit(false);
        let bytes = exported(&cs, 1);
        let coefs = section_at(&bytes, 4) + 4;
        let end = coefs + key_entries(&bytes) * COEFFICIENT_BYTES;
        let mut reversed = bytes.clone();
        let records: Vec<&[u8]> = bytes[coefs..end].chunks(COEFFICIENT_BYTES).rev().collect();
        reversed[coefs..end].copy_from_slice(&records.concat());
        assert_ne!(reversed, bytes);
        read_zkey(&reversed).unwrap().check_circuit(&cs).unwrap();

        let mut changed = bytes.clone();
        changed[coefs + 12] ^= 1;
        let err = read_zkey(&changed).unwrap().check_circuit(&cs).unwrap_err();
        assert!(
            matches!(&err, ZkeyError::OtherCircuit(m) if m.contains("weighs signal")),
            "{err}"
        );
    }

    #[test]
    fn of_several_damaged_points_the_first_is_named() {
        let bytes = exported(&circuit(false), 1);
        let h = section_at(&bytes, 9);
        let mut b = bytes.clone();
        for i in [3, 1, 2] {
            b[h + i * G1_BYTES + 3] ^= 1;
        }
        let err = read_zkey(&b).unwrap_err();
        assert!(
            matches!(&err, ZkeyError::NotOnCurve { what } if what == "H point 1"),
            "{err}"
        );
    }

    fn key_entries(bytes: &[u8]) -> usize {
        let at = section_at(bytes, 4);
        u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize
    }

    fn section_at(bytes: &[u8], id: u32) -> usize {
        let mut at = 12;
        loop {
            let sid = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
            let size = u64::from_le_bytes(bytes[at + 4..at + 12].try_into().unwrap()) as usize;
            if sid == id {
                return at + 12;
            }
            at += 12 + size;
        }
    }

    #[test]
    fn damaged_keys_are_named() {
        let bytes = exported(&circuit(false), 1);
        let damaged = |f: &dyn Fn(&mut Vec<u8>)| {
            let mut b = bytes.clone();
            f(&mut b);
            read_zkey(&b).unwrap_err()
        };
        assert_eq!(damaged(&|b| b[0] = b'Z'), ZkeyError::Magic);
        assert_eq!(damaged(&|b| b[4] = 2), ZkeyError::Version(2));
        let kind = section_at(&bytes, 1);
        assert_eq!(damaged(&|b| b[kind] = 2), ZkeyError::NotGroth16(2));
        let header = section_at(&bytes, 2);
        assert_eq!(damaged(&|b| b[header + 4] ^= 1), ZkeyError::OtherCurve("base"));
        // alpha1's x set to the modulus: not canonical.
        let alpha = header + 2 * (4 + N8) + 12;
        let err = damaged(&|b| b[alpha..alpha + N8].copy_from_slice(&Fq::MODULUS.to_bytes_le()));
        assert_eq!(
            err,
            ZkeyError::NonCanonical {
                what: "the header's alpha1".into()
            }
        );
        let err = damaged(&|b| b[alpha] ^= 1);
        assert_eq!(
            err,
            ZkeyError::NotOnCurve {
                what: "the header's alpha1".into()
            }
        );
        let h = section_at(&bytes, 9);
        let err = damaged(&|b| b[h + G1_BYTES + 3] ^= 1);
        assert!(
            matches!(&err, ZkeyError::NotOnCurve { what } if what == "H point 1"),
            "{err}"
        );
        let coefs = section_at(&bytes, 4);
        let err = damaged(&|b| b[coefs + 4] = 2);
        assert!(matches!(err, ZkeyError::Coefficient { index: 0, .. }), "{err}");
        let err = damaged(&|b| {
            let n = u32::from_le_bytes(b[coefs..coefs + 4].try_into().unwrap());
            b[coefs..coefs + 4].copy_from_slice(&(n + 1).to_le_bytes());
        });
        assert!(matches!(err, ZkeyError::SectionSize { section: 4, .. }), "{err}");
    }

    /// A point of the twist outside the prime-order subgroup: BN254's G2
    /// has a large cofactor, so a random point of the twist almost never is.
    fn off_subgroup() -> G2Affine {
        use ark_std::UniformRand;
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        loop {
            let x = Fq2::rand(&mut rng);
            if let Some(p) = G2Affine::get_point_from_x_unchecked(x, false) {
                if !p.is_in_correct_subgroup_assuming_on_curve() {
                    return p;
                }
            }
        }
    }

    fn with_g2(bytes: &[u8], at: usize, p: &G2Affine) -> Vec<u8> {
        let mut b = bytes.to_vec();
        let mut point = Vec::new();
        put_g2(&mut point, p);
        b[at..at + G2_BYTES].copy_from_slice(&point);
        b
    }

    #[test]
    fn a_header_point_outside_the_subgroup_is_refused() {
        let bytes = exported(&circuit(false), 1);
        let beta2 = section_at(&bytes, 2) + 2 * (4 + N8) + 12 + 2 * G1_BYTES;
        assert_eq!(
            read_zkey(&with_g2(&bytes, beta2, &off_subgroup())),
            Err(ZkeyError::NotInSubgroup {
                what: "the header's beta2".into()
            })
        );
    }

    #[test]
    fn a_b_query_point_outside_the_subgroup_stops_proving() {
        let cs = circuit(false);
        let bytes = exported(&cs, 1);
        // Signal 4 is y, the B side of the first product.
        let b2 = section_at(&bytes, 7) + 4 * G2_BYTES;
        let key = read_zkey(&with_g2(&bytes, b2, &off_subgroup())).unwrap();
        key.check_circuit(&cs).unwrap();
        assert_eq!(
            prove(&cs, &key.pk, &mut ChaCha20Rng::seed_from_u64(2)),
            Err(ProveError::KeyOutsideSubgroup)
        );
    }
}
