//! `section9 verify`: check a proof with snarkjs-format files.

use super::{CliError, CliResult};
use section9::prove::snarkjs::{proof_from_json, public_from_json, vk_from_json};
use section9::prove::verify;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Verify a Groth16 proof: exit 0 when it verifies, 1 when it does not,
/// 2 when a file is malformed.
#[derive(clap::Args)]
pub struct Args {
    verification_key: PathBuf,
    proof: PathBuf,
    public: PathBuf,
}

fn read(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|source| CliError::Io {
        path: path.display().to_string(),
        source,
    })
}

fn malformed(path: &Path) -> impl FnOnce(section9::prove::snarkjs::FormatError) -> CliError + '_ {
    move |e| CliError::Other(format!("{}: {e}", path.display()))
}

pub fn run(a: Args) -> CliResult {
    let vk = vk_from_json(&read(&a.verification_key)?).map_err(malformed(&a.verification_key))?;
    let proof = proof_from_json(&read(&a.proof)?).map_err(malformed(&a.proof))?;
    let public = public_from_json(&read(&a.public)?).map_err(malformed(&a.public))?;
    match verify(&vk, &public, &proof) {
        Ok(true) => {
            println!("OK: the proof verifies");
            Ok(ExitCode::SUCCESS)
        }
        Ok(false) => {
            println!("FAILED: the proof does not verify for these public values");
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(CliError::Other(format!("{}: {e}", a.public.display()))),
    }
}
