//! `section9 verify`: check a proof with snarkjs-format files.

use super::ui::Ui;
use super::{malformed, read_text, CliError, CliResult};
use section9::prove::snarkjs::{proof_from_json, public_from_json, vk_from_json};
use section9::prove::verify;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Verify a Groth16 proof: exit 0 when it verifies, 1 when it does not,
/// 2 when a file is malformed.
#[derive(clap::Args)]
pub struct Args {
    /// The verification key (snarkjs `verification_key.json`, as `prove`
    /// writes it or `snarkjs zkey export verificationkey` makes it).
    verification_key: PathBuf,
    /// The proof (snarkjs or rapidsnark `proof.json`).
    proof: PathBuf,
    /// The public values, in the order the circuit declares them
    /// (`public.json`).
    public: PathBuf,
}

/// Whether the proof in the files verifies; an error for a malformed file.
pub fn check(vk_path: &Path, proof_path: &Path, public_path: &Path) -> Result<bool, CliError> {
    let vk = vk_from_json(&read_text(vk_path)?).map_err(malformed(vk_path))?;
    let proof = proof_from_json(&read_text(proof_path)?).map_err(malformed(proof_path))?;
    let public = public_from_json(&read_text(public_path)?).map_err(malformed(public_path))?;
    verify(&vk, &public, &proof).map_err(|e| CliError::Other(format!("{}: {e}", public_path.display())))
}

pub fn run(a: Args, ui: Ui) -> CliResult {
    let verified = check(&a.verification_key, &a.proof, &a.public)?;
    ui.json(&serde_json::json!({ "verified": verified }));
    if verified {
        ui.say("OK: the proof verifies");
        Ok(ExitCode::SUCCESS)
    } else {
        ui.say("FAILED: the proof does not verify for these public values");
        Ok(ExitCode::from(1))
    }
}
