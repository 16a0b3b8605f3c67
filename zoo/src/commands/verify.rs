//! `section9 verify`: check a proof with snarkjs-format files.

use super::ui::Ui;
use super::{malformed, read_text, CliError, CliResult};
use section9::prove::snarkjs::{proof_from_json, public_from_json, vk_from_json};
use section9::prove::verify;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Verify a Groth16 proof, or a model proved in pieces (one manifest.json):
/// exit 0 when it verifies, 1 when it does not, 2 when a file is malformed.
#[derive(clap::Args)]
pub struct Args {
    /// The verification key (snarkjs `verification_key.json`, as `prove`
    /// writes it or `snarkjs zkey export verificationkey` makes it), or the
    /// `manifest.json` of a run proved in pieces (`prove --chunks`).
    verification_key: PathBuf,
    /// The proof (snarkjs or rapidsnark `proof.json`).
    proof: Option<PathBuf>,
    /// The public values, in the order the circuit declares them
    /// (`public.json`).
    #[arg(requires = "proof")]
    public: Option<PathBuf>,
    /// With a manifest: the model identity to accept (as `prove --chunks`
    /// printed it where the model was published); without it, any model's
    /// pieces that hold together verify.
    #[arg(long, conflicts_with = "proof")]
    identity: Option<String>,
}

/// Whether the proof in the files verifies; an error for a malformed file.
pub fn check(vk_path: &Path, proof_path: &Path, public_path: &Path) -> Result<bool, CliError> {
    let vk = vk_from_json(&read_text(vk_path)?).map_err(malformed(vk_path))?;
    let proof = proof_from_json(&read_text(proof_path)?).map_err(malformed(proof_path))?;
    let public = public_from_json(&read_text(public_path)?).map_err(malformed(public_path))?;
    verify(&vk, &public, &proof).map_err(|e| CliError::Other(format!("{}: {e}", public_path.display())))
}

pub fn run(a: Args, ui: Ui) -> CliResult {
    let verdict = match (&a.proof, &a.public) {
        (Some(proof), Some(public)) => check(&a.verification_key, proof, public)?
            .then_some(())
            .ok_or_else(|| "the proof does not verify for these public values".to_string()),
        (None, None) => check_pieces(&a.verification_key, a.identity.as_deref(), ui)?,
        _ => {
            return Err(CliError::Usage(
                "give a verification key, a proof and public values, or one manifest.json".into(),
            ))
        }
    };
    ui.json(&serde_json::json!({ "verified": verdict.is_ok(), "why": verdict.as_ref().err() }));
    match verdict {
        Ok(()) => {
            ui.say(match a.proof {
                Some(_) => "OK: the proof verifies",
                None => "OK: every piece verifies, every link holds, the weights are the model's",
            });
            Ok(ExitCode::SUCCESS)
        }
        Err(why) => {
            ui.say(format!("FAILED: {why}"));
            Ok(ExitCode::from(1))
        }
    }
}

/// A manifest's pieces: every proof, every link, the combined commitment,
/// and the identity when one is demanded.
fn check_pieces(path: &Path, identity: Option<&str>, ui: Ui) -> Result<Result<(), String>, CliError> {
    let (manifest, dir) = super::pieces::read_manifest(path)?;
    let verdict = super::pieces::check_manifest(&manifest, &dir)?;
    ui.say(format!(
        "model        {} in {} pieces",
        manifest.model.name,
        manifest.model.pieces.len()
    ));
    ui.say(format!("identity     {}", manifest.identity));
    if let Some(c) = &manifest.model.commitment {
        ui.say(format!("commitment   {c}"));
    }
    Ok(verdict.and_then(|()| match identity {
        Some(want) if want != manifest.identity => Err(format!(
            "the pieces prove model {}, not the one asked for ({want})",
            manifest.identity
        )),
        _ => Ok(()),
    }))
}
