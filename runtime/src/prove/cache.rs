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
//! | bytes | content                                                        |
//! |-------|----------------------------------------------------------------|
//! | 8     | magic `S9G16KEY`                                               |
//! | 4     | format version, 5                                              |
//! | 32    | circuit digest                                                 |
//! | 8     | length `n` of the keys                                         |
//! | 32    | BLAKE3 of the 52 bytes above and the keys                      |
//! | n     | the proving key as Montgomery limbs ([`super::limbs`])         |
//!
//! A cache is read far more often than it is written, and checking every
//! point of a large key (decompression, G2 subgroup membership) costs seconds
//! where reading the bytes costs milliseconds. So a key is checked once, when
//! it is made, and stored as arkworks holds it in memory; reading it back
//! checks the checksum, which a damaged, truncated or hand-edited file
//! fails, and each coordinate is below the field modulus, and skips the
//! curve checks. The checksum is not a signature: the cache directory is
//! trusted as much as the binary is. Keys from anywhere else (a `.zkey`) get
//! every check ([`super::zkey`]), and every proof is verified before it is
//! written.
//!
//! The verifying key is the proving key's copy, so it is not stored twice.
//! Version 4 files (the same behind arkworks' uncompressed encoding) are
//! read and rewritten in this format by [`KeyCache::load`], keeping the same
//! keys.

use super::{limbs, setup, Keys, ProveError};
use crate::files::{write_atomic, WriteError};
use crate::r1cs::Builder;
use ark_bn254::Bn254;
use ark_groth16::ProvingKey;
use ark_serialize::{CanonicalDeserialize, Compress, Validate};
use ark_std::rand::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};
use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"S9G16KEY";
/// 5: Montgomery limbs behind a BLAKE3 checksum (no coordinate converted
/// on reading: checking and decoding `s9-gan`'s 47 MB key took 75-95 ms in
/// version 4, 30-46 ms in this one). 4: arkworks'
/// uncompressed encoding behind the same checksum, read and rewritten. 3 and
/// 2: files named by an older circuit digest, so no lookup finds them; one
/// read by path is refused by version. 1: libsnark's QAP map, whose proofs
/// would fail.
const VERSION: u32 = 5;
const VERSION_ARKWORKS: u32 = 4;
/// Magic, version, circuit digest and length: what every version starts with.
const PREFIX: usize = 8 + 4 + 32 + 8;
const HEADER: usize = PREFIX + 32;
/// The extension of key files in a [`KeyCache`] directory.
pub const EXTENSION: &str = "g16keys";

/// Lower-case hex of a digest, as key file names and messages show it.
pub fn digest_hex(digest: &[u8; 32]) -> String {
    hex::encode(digest)
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
    #[error("damaged: the checksum does not match the file's contents")]
    Checksum,
    #[error("the keys do not deserialize: {0}")]
    Keys(String),
    #[error(transparent)]
    Limbs(#[from] limbs::LimbError),
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
    #[error("cannot lock {} (it keeps two processes from setting up one circuit at once): {source}", path.display())]
    Lock {
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
    #[error(
        "{} already holds keys; a verifier deployed for them would reject proofs made with new ones, so they are not replaced (remove the file to set up again)",
        path.display()
    )]
    Exists { path: PathBuf },
    #[error("cannot store the keys: {0}")]
    Encode(KeyFileError),
    #[error(transparent)]
    Setup(#[from] ProveError),
}

/// The checksum of a key file: its prefix and its keys.
fn checksum(prefix: &[u8], payload: &[u8]) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(prefix);
    h.update(payload);
    h.finalize().into()
}

/// A key file's bytes: header, then the proving key as limbs.
pub fn encode_keys(digest: &[u8; 32], keys: &Keys) -> Result<Vec<u8>, KeyFileError> {
    if keys.vk != keys.pk.vk {
        return Err(KeyFileError::SplitKeys);
    }
    let size = limbs::encoded_len(&keys.pk);
    let mut out = Vec::with_capacity(HEADER + size);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(digest);
    out.extend_from_slice(&(size as u64).to_le_bytes());
    out.extend_from_slice(&[0; 32]);
    limbs::encode(&keys.pk, &mut out);
    let sum = checksum(&out[..PREFIX], &out[HEADER..]);
    out[PREFIX..HEADER].copy_from_slice(&sum);
    Ok(out)
}

/// A key file's parts after its header and length were checked; the keys
/// themselves are not looked at.
struct Parts<'a> {
    version: u32,
    digest: [u8; 32],
    payload: &'a [u8],
}

fn split(bytes: &[u8]) -> Result<Parts<'_>, KeyFileError> {
    let found = bytes.len() as u64;
    if !bytes.starts_with(&MAGIC[..bytes.len().min(MAGIC.len())]) {
        return Err(KeyFileError::Magic);
    }
    let truncated = |expected: usize| KeyFileError::Truncated {
        expected: expected as u64,
        found,
    };
    let prefix: &[u8; PREFIX] = bytes.first_chunk().ok_or_else(|| truncated(PREFIX))?;
    let (_, rest) = prefix.split_at(MAGIC.len());
    let (version, rest) = rest.split_first_chunk::<4>().unwrap_or((&[0; 4], rest));
    let (digest, length) = rest.split_first_chunk::<32>().unwrap_or((&[0; 32], rest));
    let version = u32::from_le_bytes(*version);
    if version != VERSION && version != VERSION_ARKWORKS {
        return Err(KeyFileError::Version { found: version });
    }
    let digest = *digest;
    // The prefix has a fixed size, so the eight length bytes are there.
    let length = u64::from_le_bytes(length.try_into().unwrap_or_default());
    let expected = length.saturating_add(HEADER as u64);
    match found.cmp(&expected) {
        std::cmp::Ordering::Less => Err(KeyFileError::Truncated { expected, found }),
        std::cmp::Ordering::Greater => Err(KeyFileError::TrailingBytes {
            count: found - expected,
        }),
        std::cmp::Ordering::Equal => {
            let payload = &bytes[HEADER..];
            if bytes[PREFIX..HEADER] != checksum(prefix, payload) {
                return Err(KeyFileError::Checksum);
            }
            Ok(Parts {
                version,
                digest,
                payload,
            })
        }
    }
}

/// Current keys whose checksum matched: each coordinate is below its
/// modulus; the curve checks were done when the file was written.
fn decode_limbs(payload: &[u8]) -> Result<Keys, KeyFileError> {
    let pk = limbs::decode(payload)?;
    let vk = pk.vk.clone();
    Ok(Keys { pk, vk })
}

/// Version 4 keys whose checksum matched, in arkworks' uncompressed
/// encoding, checked as [`decode_limbs`] checks.
fn decode_arkworks(payload: &[u8]) -> Result<Keys, KeyFileError> {
    let mut rest = payload;
    let pk = ProvingKey::<Bn254>::deserialize_with_mode(&mut rest, Compress::No, Validate::No)
        .map_err(|e| KeyFileError::Keys(e.to_string()))?;
    if !rest.is_empty() {
        return Err(KeyFileError::TrailingBytes {
            count: rest.len() as u64,
        });
    }
    let vk = pk.vk.clone();
    Ok(Keys { pk, vk })
}

/// Reads a whole key file of the current version: the digest it names and
/// its keys.
pub fn decode_keys(bytes: &[u8]) -> Result<([u8; 32], Keys), KeyFileError> {
    let parts = split(bytes)?;
    if parts.version != VERSION {
        return Err(KeyFileError::Version { found: parts.version });
    }
    Ok((parts.digest, decode_limbs(parts.payload)?))
}

/// Loads the keys at `path`, refusing them unless they were made for the
/// circuit with digest `expected`.
pub fn load_keys(path: impl AsRef<Path>, expected: &[u8; 32]) -> Result<Keys, CacheError> {
    let path = path.as_ref();
    let bytes = crate::files::read_whole(path).map_err(|source| CacheError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    from_file_bytes(path, &bytes, expected).map(|(keys, _)| keys)
}

/// The keys in a file's bytes, and whether they are in an older format.
fn from_file_bytes(path: &Path, bytes: &[u8], expected: &[u8; 32]) -> Result<(Keys, bool), CacheError> {
    let in_file = |source| CacheError::File {
        path: path.to_path_buf(),
        source,
    };
    let parts = split(bytes).map_err(in_file)?;
    if parts.digest != *expected {
        return Err(CacheError::WrongCircuit {
            path: path.to_path_buf(),
            found: parts.digest,
            expected: *expected,
        });
    }
    let old = parts.version != VERSION;
    let keys = if old {
        decode_arkworks(parts.payload)
    } else {
        decode_limbs(parts.payload)
    };
    Ok((keys.map_err(in_file)?, old))
}

/// Writes the keys to `path` atomically: readers see the old file or the
/// whole new one.
pub fn store_keys(path: impl AsRef<Path>, digest: &[u8; 32], keys: &Keys) -> Result<(), CacheError> {
    let bytes = encode_keys(digest, keys).map_err(CacheError::Encode)?;
    Ok(write_atomic(path, &bytes)?)
}

/// Where a circuit's keys came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provenance {
    /// Read from the cache.
    Cached,
    /// Made by setup and stored.
    Made,
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
    /// would hide the damage, and replace keys a verifier may rely on. A
    /// file in the older format is rewritten in the current one.
    pub fn load(&self, digest: &[u8; 32]) -> Result<Option<Keys>, CacheError> {
        let Some((keys, old)) = self.read(digest)? else {
            return Ok(None);
        };
        if old {
            let _lock = self.lock(digest)?;
            let path = self.path(digest);
            store_keys(&path, digest, &keys)?;
            tracing::info!(path = %path.display(), "key file rewritten in format {VERSION}");
        }
        Ok(Some(keys))
    }

    /// The cached keys and whether they are in the older format, or `None`.
    fn read(&self, digest: &[u8; 32]) -> Result<Option<(Keys, bool)>, CacheError> {
        let path = self.path(digest);
        match crate::files::read_whole(&path) {
            Ok(bytes) => from_file_bytes(&path, &bytes, digest).map(Some),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(CacheError::Read { path, source }),
        }
    }

    /// Stores new keys under their digest and returns the path written.
    /// Keys already there are never replaced.
    pub fn store(&self, digest: &[u8; 32], keys: &Keys) -> Result<PathBuf, CacheError> {
        let _lock = self.lock(digest)?;
        self.store_locked(digest, keys)
    }

    fn store_locked(&self, digest: &[u8; 32], keys: &Keys) -> Result<PathBuf, CacheError> {
        let path = self.path(digest);
        if path.exists() {
            return Err(CacheError::Exists { path });
        }
        store_keys(&path, digest, keys)?;
        Ok(path)
    }

    /// The cached keys, or new ones from [`setup`], stored before they are
    /// returned. `digest` must be the digest of `cs`. Setup runs under a
    /// lock on the digest: a second process asking for the same keys waits
    /// and reads the first one's, so both prove with one key.
    pub fn load_or_setup<R: RngCore + CryptoRng>(
        &self,
        digest: &[u8; 32],
        cs: &Builder,
        rng: &mut R,
    ) -> Result<(Keys, Provenance), CacheError> {
        if let Some(keys) = self.load(digest)? {
            return Ok((keys, Provenance::Cached));
        }
        let lock = self.lock(digest)?;
        // Another process may have made them while this one waited.
        if let Some((keys, _)) = self.read(digest)? {
            return Ok((keys, Provenance::Cached));
        }
        self.remove_temporaries(digest);
        let keys = setup(cs, rng)?;
        self.store_locked(digest, &keys)?;
        drop(lock);
        Ok((keys, Provenance::Made))
    }

    /// Notes that `label` (a model and the options that shape its circuit)
    /// compiled to the circuit `digest`, so that a later run of the same
    /// label can [`recall`](Self::recall) which keys to read while it is
    /// still synthesizing. Failing to note it only loses that head start.
    pub fn remember(&self, label: &str, digest: &[u8; 32]) {
        let path = self.hint_path(label);
        if self.recall(label) != Some(*digest) {
            if let Err(e) = write_atomic(&path, digest_hex(digest).as_bytes()) {
                tracing::debug!(path = %path.display(), "circuit hint not written: {e}");
            }
        }
    }

    /// The circuit `label` last compiled to, if noted. A hint only: the
    /// caller must still compare it with the circuit it synthesizes.
    pub fn recall(&self, label: &str) -> Option<[u8; 32]> {
        let text = std::fs::read(self.hint_path(label)).ok()?;
        let mut digest = [0u8; 32];
        hex::decode_to_slice(text, &mut digest).ok()?;
        Some(digest)
    }

    fn hint_path(&self, label: &str) -> PathBuf {
        let name: [u8; 32] = Sha256::digest(label.as_bytes()).into();
        self.dir.join(format!("{}.circuit", digest_hex(&name)))
    }

    /// An exclusive lock on one digest's keys, held until the file is
    /// dropped; waits for another process that holds it.
    fn lock(&self, digest: &[u8; 32]) -> Result<File, CacheError> {
        std::fs::create_dir_all(&self.dir).map_err(|source| CacheError::CreateDir {
            path: self.dir.clone(),
            source,
        })?;
        let path = self.dir.join(format!(".{}.lock", digest_hex(digest)));
        let fail = |source| CacheError::Lock {
            path: path.clone(),
            source,
        };
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(fail)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                tracing::warn!("another section9 process is setting up this circuit's keys; waiting for it");
                file.lock().map_err(fail)?;
            }
            Err(std::fs::TryLockError::Error(source)) => return Err(fail(source)),
        }
        Ok(file)
    }

    /// Temporary files a killed writer of these keys left behind; only
    /// called under the digest's lock, when no writer of them is alive.
    fn remove_temporaries(&self, digest: &[u8; 32]) {
        let prefix = format!(".{}.{EXTENSION}.", digest_hex(digest));
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(&prefix) && name.ends_with(".tmp") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}
