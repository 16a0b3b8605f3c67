//! Groth16 keys kept on disk, each file tied to the circuit it was made for.
//!
//! Setup is the slow step and its keys only fit one circuit: a key made for
//! another one makes proving fail or, worse, yields proofs no verifier takes.
//! So every key file starts with the digest of its circuit (computed by the
//! caller, who knows what a circuit is), and loading refuses a mismatch before
//! doing any work on the keys.
//!
//! File layout, integers little-endian:
//!
//! | bytes | content                                                    |
//! |-------|------------------------------------------------------------|
//! | 8     | magic `S9G16KEY`                                           |
//! | 4     | format version, 2                                          |
//! | 32    | circuit digest                                             |
//! | 8     | length `n` of what follows                                 |
//! | n     | the proving key, arkworks `CanonicalSerialize`, compressed |
//!
//! The verifying key is the proving key's copy, so it is not stored twice.
//! The length lets a truncated file be told apart from a damaged one without
//! decompressing a single point.

use super::{setup, Keys, ProveError};
use crate::files::{write_atomic, WriteError};
use crate::r1cs::Builder;
use ark_bn254::Bn254;
use ark_groth16::ProvingKey;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use ark_std::rand::{CryptoRng, RngCore};
use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"S9G16KEY";
/// 2: keys for snarkjs's R1CS-to-QAP map and circom's wire order; version 1
/// keys (libsnark's map) would make proofs that fail.
const VERSION: u32 = 2;
const HEADER: usize = 8 + 4 + 32 + 8;
/// The extension of key files in a [`KeyCache`] directory.
pub const EXTENSION: &str = "g16keys";

/// Lower-case hex of a digest, as key file names and messages show it.
pub fn digest_hex(digest: &[u8; 32]) -> String {
    digest.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// What is wrong with the bytes of a key file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyFileError {
    #[error("not a section9 key file (it does not start with \"S9G16KEY\")")]
    Magic,
    #[error("key file format version {found}, this build reads version {VERSION}")]
    Version { found: u32 },
    #[error("truncated: {expected} bytes expected, {found} present")]
    Truncated { expected: u64, found: u64 },
    #[error("{count} bytes follow the keys")]
    TrailingBytes { count: u64 },
    #[error("the keys do not deserialize: {0}")]
    Keys(String),
    #[error("the keys are valid but not in canonical compressed form")]
    NonCanonical,
    #[error("the verifying key is not the proving key's copy; only the proving key is stored")]
    SplitKeys,
}

/// What can go wrong caching keys, with the file concerned.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot create the key directory {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error("proving key at {}: {source}", path.display())]
    File {
        path: PathBuf,
        #[source]
        source: KeyFileError,
    },
    #[error(
        "proving key at {} was made for circuit {}, this circuit is {}",
        path.display(),
        digest_hex(found),
        digest_hex(expected)
    )]
    WrongCircuit {
        path: PathBuf,
        found: [u8; 32],
        expected: [u8; 32],
    },
    #[error("cannot store the keys: {0}")]
    Encode(KeyFileError),
    #[error(transparent)]
    Setup(#[from] ProveError),
}

/// A key file's bytes: header, then the compressed proving key.
pub fn encode_keys(digest: &[u8; 32], keys: &Keys) -> Result<Vec<u8>, KeyFileError> {
    if keys.vk != keys.pk.vk {
        return Err(KeyFileError::SplitKeys);
    }
    let size = keys.pk.compressed_size();
    let mut out = Vec::with_capacity(HEADER + size);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(digest);
    out.extend_from_slice(&(size as u64).to_le_bytes());
    keys.pk
        .serialize_compressed(&mut out)
        .map_err(|e| KeyFileError::Keys(e.to_string()))?;
    Ok(out)
}

/// The digest a key file names and its key bytes, after checking the header
/// and the length; the keys themselves are not looked at.
fn split(bytes: &[u8]) -> Result<([u8; 32], &[u8]), KeyFileError> {
    let found = bytes.len() as u64;
    if !bytes.starts_with(&MAGIC[..bytes.len().min(MAGIC.len())]) {
        return Err(KeyFileError::Magic);
    }
    let Some((header, payload)) = bytes.split_first_chunk::<HEADER>() else {
        return Err(KeyFileError::Truncated {
            expected: HEADER as u64,
            found,
        });
    };
    let (_, rest) = header.split_at(MAGIC.len());
    let (version, rest) = rest.split_at(4);
    let (digest, length) = rest.split_at(32);
    // The slices have the lengths split off above, so the conversions hold.
    let version = u32::from_le_bytes(version.try_into().unwrap_or_default());
    if version != VERSION {
        return Err(KeyFileError::Version { found: version });
    }
    let digest: [u8; 32] = digest.try_into().unwrap_or_default();
    let length = u64::from_le_bytes(length.try_into().unwrap_or_default());
    let expected = length.saturating_add(HEADER as u64);
    match found.cmp(&expected) {
        std::cmp::Ordering::Less => Err(KeyFileError::Truncated { expected, found }),
        std::cmp::Ordering::Greater => Err(KeyFileError::TrailingBytes {
            count: found - expected,
        }),
        std::cmp::Ordering::Equal => Ok((digest, payload)),
    }
}

/// The keys in their compressed form, validated: every point on its curve
/// and in its subgroup, nothing left over, and only the one encoding of them.
fn decode_payload(payload: &[u8]) -> Result<Keys, KeyFileError> {
    let mut rest = payload;
    let pk = ProvingKey::<Bn254>::deserialize_with_mode(&mut rest, Compress::Yes, Validate::Yes)
        .map_err(|e| KeyFileError::Keys(e.to_string()))?;
    if !rest.is_empty() {
        return Err(KeyFileError::TrailingBytes {
            count: rest.len() as u64,
        });
    }
    // arkworks also takes an infinity flag next to any x; a second spelling
    // of the same keys would defeat comparing files byte for byte.
    let mut again = Vec::with_capacity(payload.len());
    pk.serialize_compressed(&mut again)
        .map_err(|e| KeyFileError::Keys(e.to_string()))?;
    if again != payload {
        return Err(KeyFileError::NonCanonical);
    }
    let vk = pk.vk.clone();
    Ok(Keys { pk, vk })
}

/// Reads a whole key file's bytes: the digest it names and its keys.
pub fn decode_keys(bytes: &[u8]) -> Result<([u8; 32], Keys), KeyFileError> {
    let (digest, payload) = split(bytes)?;
    Ok((digest, decode_payload(payload)?))
}

/// Loads the keys at `path`, refusing them unless they were made for the
/// circuit with digest `expected`.
pub fn load_keys(path: impl AsRef<Path>, expected: &[u8; 32]) -> Result<Keys, CacheError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| CacheError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    from_file_bytes(path, &bytes, expected)
}

fn from_file_bytes(path: &Path, bytes: &[u8], expected: &[u8; 32]) -> Result<Keys, CacheError> {
    let in_file = |source| CacheError::File {
        path: path.to_path_buf(),
        source,
    };
    let (found, payload) = split(bytes).map_err(in_file)?;
    if found != *expected {
        return Err(CacheError::WrongCircuit {
            path: path.to_path_buf(),
            found,
            expected: *expected,
        });
    }
    decode_payload(payload).map_err(in_file)
}

/// Writes the keys to `path` atomically: readers see the old file or the
/// whole new one.
pub fn store_keys(path: impl AsRef<Path>, digest: &[u8; 32], keys: &Keys) -> Result<(), CacheError> {
    let bytes = encode_keys(digest, keys).map_err(CacheError::Encode)?;
    Ok(write_atomic(path, &bytes)?)
}

/// A directory of key files named by circuit digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyCache {
    dir: PathBuf,
}

impl KeyCache {
    /// A cache in `dir`, created on the first [`store`](Self::store).
    pub fn new(dir: impl Into<PathBuf>) -> KeyCache {
        KeyCache { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the keys of the circuit with this digest are kept.
    pub fn path(&self, digest: &[u8; 32]) -> PathBuf {
        self.dir.join(format!("{}.{EXTENSION}", digest_hex(digest)))
    }

    /// The cached keys, or `None` if there are none. A file that is present
    /// but damaged is an error, not a miss: silently redoing a long setup
    /// would hide the damage.
    pub fn load(&self, digest: &[u8; 32]) -> Result<Option<Keys>, CacheError> {
        let path = self.path(digest);
        match std::fs::read(&path) {
            Ok(bytes) => from_file_bytes(&path, &bytes, digest).map(Some),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(CacheError::Read { path, source }),
        }
    }

    /// Stores the keys under their digest, replacing any earlier file, and
    /// returns the path written.
    pub fn store(&self, digest: &[u8; 32], keys: &Keys) -> Result<PathBuf, CacheError> {
        std::fs::create_dir_all(&self.dir).map_err(|source| CacheError::CreateDir {
            path: self.dir.clone(),
            source,
        })?;
        let path = self.path(digest);
        store_keys(&path, digest, keys)?;
        Ok(path)
    }

    /// The cached keys, or new ones from [`setup`], stored before they are
    /// returned. `digest` must be the digest of `cs`.
    pub fn load_or_setup<R: RngCore + CryptoRng>(
        &self,
        digest: &[u8; 32],
        cs: &Builder,
        rng: &mut R,
    ) -> Result<Keys, CacheError> {
        if let Some(keys) = self.load(digest)? {
            return Ok(keys);
        }
        let keys = setup(cs, rng)?;
        self.store(digest, &keys)?;
        Ok(keys)
    }
}
