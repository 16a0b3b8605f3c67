//! `cargo xtask web`: builds section9's prover and verifier for the page
//! (`zoo/web/wasm`) into WebAssembly and its JavaScript glue
//! (`zoo/web/pkg`), which `section9 serve` embeds. The built files are
//! committed, so that building the server needs no WebAssembly tools; a
//! digest of what they were built from is committed beside them, and a
//! test refuses a build older than its sources.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The wasm-bindgen command must be the version of the crate
/// (`zoo/web/wasm/Cargo.toml` pins it).
const WASM_BINDGEN: &str = "0.2.130";
const TARGET: &str = "wasm32-unknown-unknown";
/// Where the built files go, and the name of the digest file among them.
const OUT: &str = "zoo/web/pkg";
const STAMP: &str = "sources.sha256";
/// What the WebAssembly is built from: section9's own sources and
/// manifests, and the toolchain's pin. (A change of a dependency's version
/// in Cargo.lock alone is not seen.)
const SOURCES: [&str; 8] = [
    "rust-toolchain.toml",
    "Cargo.toml",
    "runtime/Cargo.toml",
    "runtime/src",
    "macros/Cargo.toml",
    "macros/src",
    "zoo/web/wasm/Cargo.toml",
    "zoo/web/wasm/src",
];

fn run(command: &mut Command) -> Result<(), String> {
    let status = command.status().map_err(|e| format!("{command:?}: {e}"))?;
    if !status.success() {
        return Err(format!("{command:?} failed: {status}"));
    }
    Ok(())
}

/// The pinned wasm-bindgen command, installed into `tools/cargo` once.
fn wasm_bindgen(root: &Path) -> Result<PathBuf, String> {
    let tools = root.join("tools/cargo");
    let bin = tools.join("bin/wasm-bindgen");
    let installed = std::fs::read_to_string(tools.join(".crates.toml")).unwrap_or_default();
    if !bin.exists() || !installed.contains(&format!("wasm-bindgen-cli {WASM_BINDGEN}")) {
        // Not --locked: its lockfile names a release of a dependency
        // (webpki-roots) that the registry no longer serves.
        run(Command::new("cargo")
            .args(["install", "wasm-bindgen-cli", "--quiet", "--version", WASM_BINDGEN])
            .arg("--root")
            .arg(&tools))?;
    }
    Ok(bin)
}

pub fn build(root: &Path) -> Result<(), String> {
    let bindgen = wasm_bindgen(root)?;
    run(Command::new("cargo").current_dir(root).args([
        "build",
        "--profile",
        "wasm",
        "-p",
        "section9-web",
        "--target",
        TARGET,
    ]))?;
    let wasm = root.join("target").join(TARGET).join("wasm/section9_web.wasm");
    let out = root.join(OUT);
    run(Command::new(bindgen)
        .args(["--target", "web", "--no-typescript", "--out-dir"])
        .arg(&out)
        .arg(&wasm))?;
    crate::write_atomic(&out.join(STAMP), format!("{}\n", sources_digest(root)?))?;
    for f in ["section9_web.js", "section9_web_bg.wasm"] {
        let size = std::fs::metadata(out.join(f)).map_err(|e| e.to_string())?.len();
        println!("wrote {OUT}/{f} ({size} bytes)");
    }
    Ok(())
}

/// SHA-256 over the path and bytes of every file the WebAssembly is built
/// from, in path order.
pub fn sources_digest(root: &Path) -> Result<String, String> {
    let mut files = Vec::new();
    for s in SOURCES {
        collect(&root.join(s), &mut files)?;
    }
    files.sort();
    let mut h = Sha256::new();
    for f in files {
        let rel = f.strip_prefix(root).map_err(|e| e.to_string())?;
        let bytes = std::fs::read(&f).map_err(|e| format!("{}: {e}", f.display()))?;
        h.update(rel.to_string_lossy().as_bytes());
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(&bytes);
    }
    Ok(format!("{:x}", h.finalize()))
}

fn collect(path: &Path, files: &mut Vec<PathBuf>) -> Result<(), String> {
    if path.is_file() {
        files.push(path.to_path_buf());
        return Ok(());
    }
    let entries = std::fs::read_dir(path).map_err(|e| format!("{}: {e}", path.display()))?;
    for entry in entries {
        collect(&entry.map_err(|e| e.to_string())?.path(), files)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_web_build_is_current() {
        let root = crate::workspace();
        let stamp = std::fs::read_to_string(root.join(OUT).join(STAMP)).unwrap_or_default();
        assert_eq!(
            stamp.trim(),
            sources_digest(&root).unwrap(),
            "zoo/web/pkg was built from other sources: run `cargo xtask web` and commit zoo/web/pkg"
        );
    }
}
