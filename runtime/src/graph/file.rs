//! The model file: a versioned JSON graph and a binary parameter file.
//!
//! The JSON says what the model computes; the parameter file holds the
//! integers. Splitting them keeps the graph readable and diffable while a
//! generator's weights stay compact, and the graph names the parameter
//! file's SHA-256 so the two cannot drift apart unnoticed.

use super::error::GraphError;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The `format` field every model file carries.
pub const FORMAT: &str = "section9-model";
/// The version of the JSON graph this crate reads and writes.
pub const VERSION: u32 = 1;

/// A model graph as stored in JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelFile {
    pub format: String,
    pub version: u32,
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The parameter file, relative to the JSON file, and its SHA-256.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<ParamsRef>,
    /// In evaluation order or not: the loader sorts them.
    pub nodes: Vec<NodeSpec>,
    /// Tensors the model returns (node names).
    pub outputs: Vec<String>,
    /// Outputs enter the proof packed: each value offset to unsigned and as
    /// many per public value as its bound allows (31 bytes), instead of one
    /// public value each. Fewer public values make on-chain verification
    /// cheaper; see `section9::compile::unpack_outputs`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pack_outputs: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamsRef {
    pub file: String,
    pub sha256: String,
}

/// One node: a model input (`op: "input"`), a parameter (`op: "param"`)
/// or an operator applied to earlier nodes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeSpec {
    pub name: String,
    pub op: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<String>,
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "super::json::unique_keys"
    )]
    pub attrs: BTreeMap<String, AttrValue>,
    /// Inputs and parameters: the tensor's shape.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shape: Option<Vec<usize>>,
    /// Inputs and parameters: the CVM precision every element stays within.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prec: Option<u32>,
    /// Inputs: an interval instead of a precision (e.g. `[0, 255]` pixels).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<[i64; 2]>,
    /// Inputs: `"private"` (default), `"public"`, or `"hashed"` (private,
    /// with its Poseidon commitment a public value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    Private,
    Public,
    /// Private, bound by a public Poseidon commitment to its values
    /// ([`crate::commit::commitment`] with the input's declared bound).
    Hashed,
}

/// An attribute: an integer, a flag, or a list of integers (a shape).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    untagged,
    expecting = "an attribute is an integer, a flag (true or false) or a list of integers"
)]
pub enum AttrValue {
    Bool(bool),
    Int(i64),
    List(Vec<i64>),
}

impl ModelFile {
    pub fn from_json(text: &str) -> Result<ModelFile, GraphError> {
        let file: ModelFile = serde_json::from_str(text).map_err(|e| super::json::explain(text, e))?;
        if file.format != FORMAT {
            return Err(GraphError::Format(format!(
                "`format` is {:?}, expected {FORMAT:?}",
                file.format
            )));
        }
        if file.version != VERSION {
            return Err(GraphError::Format(format!(
                "version {} is not supported (this build reads version {VERSION})",
                file.version
            )));
        }
        Ok(file)
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("a model file always serializes");
        s.push('\n');
        s
    }
}

/// Named integer tensors: a model's weights.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params {
    pub tensors: BTreeMap<String, Vec<i64>>,
}

const PARAMS_MAGIC: &[u8; 8] = b"S9PARAMS";
const PARAMS_VERSION: u32 = 1;

/// Bytes per element for values of a precision.
fn width_for(values: &[i64]) -> u8 {
    let m = values.iter().map(|v| v.unsigned_abs()).max().unwrap_or(0);
    match m {
        0..=0x7f => 1,
        0x80..=0x7fff => 2,
        0x8000..=0x7fff_ffff => 4,
        _ => 8,
    }
}

impl Params {
    /// The parameter file: `S9PARAMS`, version (u32), tensor count (u32),
    /// then per tensor in name order: name length (u16), UTF-8 name,
    /// element count (u64), element width in bytes (1, 2, 4 or 8), the
    /// elements as little-endian two's complement. All integers
    /// little-endian; the narrowest width holding every element is used,
    /// so the encoding is canonical and its hash identifies the weights.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(PARAMS_MAGIC);
        out.extend_from_slice(&PARAMS_VERSION.to_le_bytes());
        out.extend_from_slice(&(self.tensors.len() as u32).to_le_bytes());
        for (name, values) in &self.tensors {
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(&(values.len() as u64).to_le_bytes());
            let w = width_for(values);
            out.push(w);
            for &v in values {
                out.extend_from_slice(&v.to_le_bytes()[..w as usize]);
            }
        }
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Params, GraphError> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(8, "magic")? != PARAMS_MAGIC {
            return Err(GraphError::Params("not a section9 parameter file (bad magic)".into()));
        }
        let version = r.u32("version")?;
        if version != PARAMS_VERSION {
            return Err(GraphError::Params(format!(
                "parameter file version {version} is not supported"
            )));
        }
        let count = r.u32("tensor count")?;
        let mut tensors = BTreeMap::new();
        let mut last: Option<String> = None;
        for _ in 0..count {
            let len = u16::from_le_bytes(r.take(2, "name length")?.try_into().expect("2 bytes")) as usize;
            let name = std::str::from_utf8(r.take(len, "name")?)
                .map_err(|_| GraphError::Params("a tensor name is not UTF-8".into()))?
                .to_string();
            if last.as_ref().is_some_and(|l| *l >= name) {
                return Err(GraphError::Params(format!(
                    "tensor `{name}` is out of order or repeated (names must be sorted and unique)"
                )));
            }
            let n = r.u64(&name)?;
            let w = r.take(1, &name)?[0];
            if ![1, 2, 4, 8].contains(&w) {
                return Err(GraphError::Params(format!("tensor `{name}` has element width {w}")));
            }
            let size = n
                .checked_mul(w as u64)
                .filter(|&s| s <= (bytes.len() - r.at) as u64)
                .ok_or_else(|| GraphError::Params(format!("tensor `{name}` is truncated")))?;
            let data = r.take(size as usize, &name)?;
            let values: Vec<i64> = data
                .chunks_exact(w as usize)
                .map(|c| {
                    let mut full = if c[c.len() - 1] & 0x80 != 0 { [0xff; 8] } else { [0; 8] };
                    full[..c.len()].copy_from_slice(c);
                    i64::from_le_bytes(full)
                })
                .collect();
            if width_for(&values) != w {
                return Err(GraphError::Params(format!(
                    "tensor `{name}` is not canonically encoded (width {w} where {} suffices)",
                    width_for(&values)
                )));
            }
            last = Some(name.clone());
            tensors.insert(name, values);
        }
        if r.at != bytes.len() {
            return Err(GraphError::Params(format!(
                "{} unexpected bytes after the last tensor",
                bytes.len() - r.at
            )));
        }
        Ok(Params { tensors })
    }

    pub fn sha256_hex(&self) -> String {
        hex::encode(Sha256::digest(self.to_bytes()))
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], GraphError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| GraphError::Params(format!("file ends inside {what}")))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn u32(&mut self, what: &str) -> Result<u32, GraphError> {
        Ok(u32::from_le_bytes(self.take(4, what)?.try_into().expect("4 bytes")))
    }

    fn u64(&mut self, what: &str) -> Result<u64, GraphError> {
        Ok(u64::from_le_bytes(self.take(8, what)?.try_into().expect("8 bytes")))
    }
}
