//! Runs the real circom compiler on generated source and reads the witness back.
//!
//! The compiler is the `circom2` npm package (circom 2.2.3 built to WASM),
//! pinned with snarkjs in `tools/package.json` and installed by
//! `.ci/install-tools`; only `node` and `npm` need to be on the machine.
//!
//! What the pinned circom does, checked by hand and by `tests/circom_harness.rs`
//! (worth knowing when generating templates):
//! - Input JSON takes decimal strings or JSON numbers; negative values such as
//!   `"-5"` are accepted and stored as `r - 5`. Values `>= r` are reduced mod r.
//!   A missing input fails with "Not all inputs have been set", an unknown one
//!   with "Too many values for input signal ...".
//! - `\` and `%` act on the canonical representative in `[0, r)`, so for a
//!   negative `a` the hint `a \ 4` is NOT a signed floor division
//!   (`(r - 13) \ 4` is about r/4). Comparisons are signed (`a < 0` holds for
//!   `a = r - 13`), so a signed floor is
//!   `a < 0 ? -((-a + 3) \ 4) : a \ 4`.
//! - Array template parameters work, negative entries included:
//!   `component main = T(2, [3, -4]);`.
//! - `var acc = 0; for (...) { acc += x[i] * 3; } y <== acc;` works and is one
//!   linear constraint. Accumulating two signal products (`x[i] * x[i]`) is
//!   rejected: T3001 "Non quadratic constraints are not allowed!".
//! - Signals (and components) cannot be declared inside a `for` body: T2011
//!   "Signal, bus or component declaration inside While scope". Declare them at
//!   template top level (arrays, `signal t[n];`) and assign inside the loop.
//! - Top-level signals, multidimensional arrays included, may be left partly or
//!   wholly unassigned, outputs of main included: no error and no warning; the
//!   witness holds 0 there. Only `--inspect` warns (CA01, on stderr).
//! - A failing `===` makes generate_witness.js exit 1 with "Assert Failed.
//!   Error in template T_0 line: N".

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use num_bigint::{BigInt, BigUint, Sign};

/// The BN254 scalar field modulus, the only prime this harness accepts.
pub const BN254_R: &str = "21888242871839275222246405745257275088548364400416034343698204186575808495617";

/// A compiled circuit and one witness computed for it.
#[derive(Debug, Clone)]
pub struct CircomRun {
    /// circom's own "non-linear constraints" count at `--O0`.
    pub nonlinear: usize,
    /// circom's own "linear constraints" count at `--O0`.
    pub linear: usize,
    /// Constraints in the `.r1cs` file (equals `nonlinear + linear` at `--O0`).
    pub constraints: usize,
    /// Wires in the `.r1cs` file, the constant-one wire included.
    pub wires: usize,
    /// The main component's output signals in declaration order, full names
    /// (`main.y[3]`) with values as decimal strings in `[0, r)`.
    pub outputs: Vec<(String, String)>,
    /// Every named signal that kept a wire (`main.x`, `main.sub.t[0]`, ...).
    pub signals: BTreeMap<String, String>,
    /// The compiler's stderr, colours removed (warnings, if any).
    pub warnings: String,
}

impl CircomRun {
    /// An output's value, named with or without the `main.` prefix.
    pub fn output(&self, name: &str) -> Option<&str> {
        let full = qualify(name);
        self.outputs.iter().find(|(n, _)| *n == full).map(|(_, v)| v.as_str())
    }

    /// Any named signal's value, named with or without the `main.` prefix.
    pub fn signal(&self, name: &str) -> Option<&str> {
        self.signals.get(&qualify(name)).map(String::as_str)
    }
}

fn qualify(name: &str) -> String {
    if name.starts_with("main.") {
        name.to_string()
    } else {
        format!("main.{name}")
    }
}

/// `v` as circom stores it: a decimal string in `[0, r)`.
pub fn field_decimal(v: i128) -> String {
    let r = bn254_r();
    let x = BigInt::from(v) % BigInt::from_biguint(Sign::Plus, r.clone());
    let x = if x.sign() == Sign::Minus {
        x + BigInt::from_biguint(Sign::Plus, r)
    } else {
        x
    };
    x.to_string()
}

fn bn254_r() -> BigUint {
    // A compile-time constant literal; parsing it cannot fail.
    BigUint::parse_bytes(BN254_R.as_bytes(), 10).unwrap_or_default()
}

/// `<workspace>/tools`, where `package.json` pins circom2 and snarkjs.
pub fn tools_dir() -> PathBuf {
    workspace_root().join("tools")
}

fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// The pinned snarkjs command-line program (call [`ensure_tools`] first).
pub fn snarkjs() -> PathBuf {
    tool_bin("snarkjs")
}

/// Whether `snarkjs groth16 verify` accepts a proof, given the three JSON
/// texts (written into `dir`).
pub fn snarkjs_verify(dir: &Path, vk: &str, public: &str, proof: &str) -> bool {
    let files = [("vk.json", vk), ("public.json", public), ("proof.json", proof)];
    for (name, text) in files {
        if fs::write(dir.join(name), text).is_err() {
            return false;
        }
    }
    let Ok(out) = Command::new(snarkjs())
        .args(["groth16", "verify", "vk.json", "public.json", "proof.json"])
        .current_dir(dir)
        .output()
    else {
        return false;
    };
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    // snarkjs exits 0 and prints "OK" only for a valid proof.
    out.status.success() && text.contains("OK")
}

/// circomspect, which `.ci/install-tools` builds into `tools/cargo/bin`.
pub fn circomspect() -> PathBuf {
    tools_dir().join("cargo").join("bin").join("circomspect")
}

pub fn tool_bin(name: &str) -> PathBuf {
    tools_dir().join("node_modules").join(".bin").join(name)
}

/// Runs `.ci/install-tools` once per process. The script is a no-op when
/// `tools/node_modules` already matches the lockfile, so this is cheap.
pub fn ensure_tools() -> Result<(), String> {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    DONE.get_or_init(install_tools).clone()
}

fn install_tools() -> Result<(), String> {
    // Test binaries may run as parallel processes (nextest); two `npm ci` in
    // the same directory would delete each other's node_modules.
    let lock_path = std::env::temp_dir().join("section9-install-tools.lock");
    let lock = fs::File::create(&lock_path).map_err(|e| format!("cannot create {}: {e}", lock_path.display()))?;
    lock.lock()
        .map_err(|e| format!("cannot lock {}: {e}", lock_path.display()))?;

    let script = workspace_root().join(".ci").join("install-tools");
    // Only the tools these tests use: not the browser test's Chromium,
    // which needs root to install.
    let out = Command::new("bash")
        .arg(&script)
        .arg("--skip-browser")
        .output()
        .map_err(|e| format!("cannot run bash {}: {e}", script.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} failed ({}); node and npm must be on PATH:\n{}",
            script.display(),
            out.status,
            both_streams(&out)
        ));
    }
    for bin in ["circom2", "snarkjs"] {
        if !tool_bin(bin).exists() {
            return Err(format!(
                "{} succeeded but {} is missing",
                script.display(),
                tool_bin(bin).display()
            ));
        }
    }
    Ok(())
}

/// A circuit compiled in its own temporary directory, ready for witnesses.
#[derive(Debug)]
pub struct Compiled {
    dir: tempfile::TempDir,
    name: String,
    pub nonlinear: usize,
    pub linear: usize,
    pub constraints: usize,
    pub wires: usize,
    /// Outputs of main occupy wires `1..=n_outputs` (r1cs convention).
    n_outputs: usize,
    /// (wire index, full name) for every `.sym` entry that kept a wire.
    sym: Vec<(usize, String)>,
    pub warnings: String,
    runs: AtomicUsize,
}

/// Compiles `source` as `<main_name>.circom` with circom2 at `--O0`.
///
/// Set `SECTION9_KEEP_CIRCOM=1` to keep the temporary directory (its path is
/// printed on stderr) for running circom or snarkjs on it by hand.
pub fn compile(source: &str, main_name: &str) -> Result<Compiled, String> {
    if main_name.is_empty() || !main_name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        // The name becomes file and directory names that circom derives itself.
        return Err(format!("circuit name {main_name:?} must be [A-Za-z0-9_]+"));
    }
    ensure_tools()?;

    let mut dir = tempfile::Builder::new()
        .prefix("section9-circom-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    if std::env::var_os("SECTION9_KEEP_CIRCOM").is_some() {
        dir.disable_cleanup(true);
        eprintln!("circom: keeping {}", dir.path().display());
    }
    let src = format!("{main_name}.circom");
    fs::write(dir.path().join(&src), source).map_err(|e| format!("cannot write {src}: {e}"))?;
    // circom2 rejects `-o` to a directory that does not exist ("invalid
    // output path") instead of creating it.
    fs::create_dir(dir.path().join("out")).map_err(|e| format!("cannot create the output directory: {e}"))?;

    // circom2's cli.js turns arguments into paths relative to the working
    // directory and preopens only that directory and its parents for WASI, so
    // run it inside the temporary directory with relative paths.
    let out = Command::new("node")
        .arg(tool_bin("circom2"))
        .args([
            src.as_str(),
            "--r1cs",
            "--wasm",
            "--sym",
            "--O0",
            "--prime",
            "bn128",
            "-o",
            "out",
        ])
        .current_dir(dir.path())
        .output()
        .map_err(|e| format!("cannot run node (is it on PATH?): {e}"))?;
    let stdout = strip_ansi(&String::from_utf8_lossy(&out.stdout));
    let stderr = strip_ansi(&String::from_utf8_lossy(&out.stderr));
    if !out.status.success() {
        return Err(format!(
            "circom2 failed to compile {src} ({}):\n{stderr}\n{stdout}",
            out.status
        ));
    }
    let nonlinear = count_line(&stdout, "non-linear constraints:")?;
    let linear = count_line(&stdout, "linear constraints:")?;

    let r1cs_path = dir.path().join("out").join(format!("{main_name}.r1cs"));
    let r1cs = fs::read(&r1cs_path).map_err(|e| format!("cannot read {}: {e}", r1cs_path.display()))?;
    let header = parse_r1cs_header(&r1cs).map_err(|e| format!("{main_name}.r1cs: {e}"))?;

    let sym_path = dir.path().join("out").join(format!("{main_name}.sym"));
    let sym_text = fs::read_to_string(&sym_path).map_err(|e| format!("cannot read {}: {e}", sym_path.display()))?;
    let sym = parse_sym(&sym_text).map_err(|e| format!("{main_name}.sym: {e}"))?;

    Ok(Compiled {
        dir,
        name: main_name.to_string(),
        nonlinear,
        linear,
        constraints: header.constraints,
        wires: header.wires,
        n_outputs: header.outputs,
        sym,
        warnings: stderr,
        runs: AtomicUsize::new(0),
    })
}

impl Compiled {
    /// The temporary directory holding the source and circom's `out/`.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Computes a witness for `input_json` (a circom input object such as
    /// `{"x": ["-5", "7"], "a": "3"}`) and reads back every named signal.
    pub fn run(&self, input_json: &str) -> Result<CircomRun, String> {
        let k = self.runs.fetch_add(1, Ordering::Relaxed);
        let input = format!("input-{k}.json");
        let wtns = format!("witness-{k}.wtns");
        fs::write(self.dir.path().join(&input), input_json).map_err(|e| format!("cannot write {input}: {e}"))?;

        let js = format!("out/{0}_js", self.name);
        let out = Command::new("node")
            .arg(format!("{js}/generate_witness.js"))
            .arg(format!("{js}/{}.wasm", self.name))
            .arg(&input)
            .arg(&wtns)
            .current_dir(self.dir.path())
            .output()
            .map_err(|e| format!("cannot run node (is it on PATH?): {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "witness generation for {} failed ({}) on input {input_json}:\n{}",
                self.name,
                out.status,
                both_streams(&out)
            ));
        }
        // generate_witness.js exits 0 after only printing its usage line, so
        // the file itself is the evidence of success.
        let bytes = fs::read(self.dir.path().join(&wtns)).map_err(|e| {
            format!(
                "witness generation for {} wrote no {wtns} ({e}):\n{}",
                self.name,
                both_streams(&out)
            )
        })?;
        let witness = parse_wtns(&bytes).map_err(|e| format!("{wtns}: {e}"))?;

        let mut outputs = Vec::with_capacity(self.n_outputs);
        let mut signals = BTreeMap::new();
        for (wire, name) in &self.sym {
            let value = witness
                .get(*wire)
                .ok_or_else(|| format!("{name} is wire {wire} but the witness has {} values", witness.len()))?;
            if (1..=self.n_outputs).contains(wire) {
                outputs.push((*wire, name.clone(), value.clone()));
            }
            signals.insert(name.clone(), value.clone());
        }
        outputs.sort_by_key(|(w, _, _)| *w);
        if outputs.len() != self.n_outputs {
            return Err(format!(
                "the r1cs declares {} outputs but the .sym names {}",
                self.n_outputs,
                outputs.len()
            ));
        }

        Ok(CircomRun {
            nonlinear: self.nonlinear,
            linear: self.linear,
            constraints: self.constraints,
            wires: self.wires,
            outputs: outputs.into_iter().map(|(_, n, v)| (n, v)).collect(),
            signals,
            warnings: self.warnings.clone(),
        })
    }
}

/// Compiles `source` as `<main_name>.circom` at `--O0` and computes one witness.
pub fn compile_and_run(source: &str, main_name: &str, input_json: &str) -> Result<CircomRun, String> {
    compile(source, main_name)?.run(input_json)
}

fn both_streams(out: &Output) -> String {
    format!(
        "{}{}",
        strip_ansi(&String::from_utf8_lossy(&out.stderr)),
        strip_ansi(&String::from_utf8_lossy(&out.stdout))
    )
}

/// circom colours its output even when it is not a terminal.
fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.next() == Some('[') {
                // CSI: parameters and intermediates, then one final byte in '@'..='~'.
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn count_line(stdout: &str, label: &str) -> Result<usize, String> {
    // Exact prefix match: "linear constraints:" is also a suffix of the
    // "non-linear constraints:" line.
    stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix(label))
        .ok_or_else(|| format!("circom2 printed no {label:?} line:\n{stdout}"))?
        .trim()
        .parse()
        .map_err(|e| format!("circom2's {label:?} line is not a count ({e}):\n{stdout}"))
}

/// `.sym` lines are `wireIdx,signalIdx,componentIdx,name`; a wire index of -1
/// marks a signal the optimizer removed (never at `--O0`, but harmless).
fn parse_sym(text: &str) -> Result<Vec<(usize, String)>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let mut parts = line.splitn(4, ',');
        let (Some(wire), Some(_), Some(_), Some(name)) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(format!("line {} has fewer than 4 fields: {line:?}", i + 1));
        };
        let wire: i64 = wire
            .parse()
            .map_err(|e| format!("line {}: bad wire index ({e}): {line:?}", i + 1))?;
        if let Ok(wire) = usize::try_from(wire) {
            out.push((wire, name.to_string()));
        }
    }
    Ok(out)
}

/// The iden3 binary container shared by `.r1cs` and `.wtns`: a 4-byte magic,
/// u32 version, u32 section count, then sections of (u32 type, u64 size, bytes),
/// all little-endian and in no guaranteed order.
fn sections<'a>(bytes: &'a [u8], magic: &[u8; 4]) -> Result<Vec<(u32, &'a [u8])>, String> {
    let mut r = Reader { bytes, pos: 0 };
    if r.take(4)? != magic {
        return Err(format!("not a {} file", String::from_utf8_lossy(magic)));
    }
    let _version = r.u32()?;
    let n = r.u32()?;
    let mut out = Vec::new();
    for _ in 0..n {
        let kind = r.u32()?;
        let size = usize::try_from(r.u64()?).map_err(|e| format!("section size: {e}"))?;
        out.push((kind, r.take(size)?));
    }
    Ok(out)
}

fn section<'a>(secs: &[(u32, &'a [u8])], kind: u32) -> Result<&'a [u8], String> {
    secs.iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, b)| *b)
        .ok_or_else(|| format!("no section {kind}"))
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| format!("truncated at byte {} (wanted {n} more)", self.pos))?;
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from(self.u32()?) | (u64::from(self.u32()?) << 32))
    }

    fn usize(&mut self) -> Result<usize, String> {
        usize::try_from(self.u32()?).map_err(|e| e.to_string())
    }

    /// A field size n8 and the prime after it, checked to be BN254's r.
    fn prime(&mut self) -> Result<usize, String> {
        let n8 = self.usize()?;
        let p = BigUint::from_bytes_le(self.take(n8)?);
        if p != bn254_r() {
            return Err(format!("prime is {p}, not BN254's r"));
        }
        Ok(n8)
    }
}

struct R1csHeader {
    wires: usize,
    outputs: usize,
    constraints: usize,
}

/// Header section (type 1): n8, prime, nWires, nPubOut, nPubIn, nPrvIn
/// (u32 each), nLabels (u64), nConstraints (u32).
fn parse_r1cs_header(bytes: &[u8]) -> Result<R1csHeader, String> {
    let secs = sections(bytes, b"r1cs")?;
    let mut r = Reader {
        bytes: section(&secs, 1)?,
        pos: 0,
    };
    r.prime()?;
    let wires = r.usize()?;
    let outputs = r.usize()?;
    let _pub_in = r.u32()?;
    let _prv_in = r.u32()?;
    let _labels = r.u64()?;
    let constraints = r.usize()?;
    Ok(R1csHeader {
        wires,
        outputs,
        constraints,
    })
}

/// Section 1: n8, prime, witness count; section 2: the values, n8 bytes each,
/// little-endian, already reduced to `[0, r)`.
fn parse_wtns(bytes: &[u8]) -> Result<Vec<String>, String> {
    let secs = sections(bytes, b"wtns")?;
    let mut r = Reader {
        bytes: section(&secs, 1)?,
        pos: 0,
    };
    let n8 = r.prime()?;
    let count = r.usize()?;
    if n8 == 0 {
        return Err("field size n8 is 0".to_string());
    }
    let values = section(&secs, 2)?;
    if Some(values.len()) != count.checked_mul(n8) {
        return Err(format!(
            "{count} values of {n8} bytes announced but section 2 has {} bytes",
            values.len()
        ));
    }
    Ok(values
        .chunks_exact(n8)
        .map(|c| BigUint::from_bytes_le(c).to_string())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_decimal_wraps_negatives() {
        assert_eq!(field_decimal(0), "0");
        assert_eq!(field_decimal(7), "7");
        let r = bn254_r();
        assert_eq!(field_decimal(-5), (r - 5u32).to_string());
    }

    #[test]
    fn strip_ansi_removes_colours() {
        let s = "\u{1b}[32mtemplate instances\u{1b}[0m: 1\n\u{1b}[0m\u{1b}[1m\u{1b}[38;5;9merror";
        assert_eq!(strip_ansi(s), "template instances: 1\nerror");
    }

    #[test]
    fn count_line_tells_linear_from_nonlinear() {
        let out = "template instances: 1\nnon-linear constraints: 3\nlinear constraints: 7\n";
        assert_eq!(count_line(out, "non-linear constraints:"), Ok(3));
        assert_eq!(count_line(out, "linear constraints:"), Ok(7));
        assert!(count_line(out, "wires:").is_err());
    }

    #[test]
    fn sym_skips_removed_signals() {
        let sym = "1,1,0,main.y[0]\n-1,2,0,main.gone\n3,3,1,main.c.x\n";
        assert_eq!(
            parse_sym(sym),
            Ok(vec![(1, "main.y[0]".into()), (3, "main.c.x".into())])
        );
    }

    #[test]
    fn wtns_rejects_garbage() {
        assert!(parse_wtns(b"nope").is_err());
        assert!(parse_wtns(b"wtns\x02\x00\x00\x00\x01\x00\x00\x00").is_err());
    }
}
