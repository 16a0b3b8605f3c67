//! `section9 export-solidity` and `section9 calldata`: from snarkjs-format
//! files to an on-chain verifier and the arguments that call it.

use super::ui::Ui;
use super::{load_model, malformed, read_text, CliError, CliResult};
use section9::compile::{compile, Weights};
use section9::evm::{
    calldata_text, encode_verify_call, mint_contract, verdict_contract, verifier_contract, CallArgs, Picture, Verdict,
    MINT, VERDICT, VERIFIER,
};
use section9::files::write_atomic;
use section9::graph::Model;
use section9::prove::snarkjs::{proof_from_json, public_from_json, vk_from_json};
use section9::r1cs::Builder;
use std::path::PathBuf;
use std::process::ExitCode;

/// Write a Solidity Groth16 verifier for a verification key (and, with
/// --model, the image-minting contract or, with --verdict, the verdict
/// contract that uses it).
#[derive(clap::Args)]
pub struct ExportArgs {
    /// The verification key the contract checks proofs against (snarkjs
    /// `verification_key.json`); only proofs made with its proving key
    /// verify.
    verification_key: PathBuf,
    /// Directory for the contracts (created if needed).
    #[arg(long)]
    out: PathBuf,
    /// A generator (built-in name or model file) whose pictures the minting
    /// contract stores and renders; without it only the verifier is written.
    #[arg(long)]
    model: Option<String>,
    /// With --model, write the verdict contract instead: it records a
    /// hashed feature vector once a proof shows the committed model scored
    /// it below a threshold (a classic model imported with `--input
    /// hashed`).
    #[arg(long, requires = "model")]
    verdict: bool,
}

/// A contract reads fixed places among the public values, so a key is only
/// fit for it when the model's proofs with committed weights publish
/// exactly `want` values (`what` says which), the last being the
/// commitment, and the key takes that many.
fn check_key(model: &Model, contract: &str, want: usize, what: &str, key_public: usize) -> Result<(), CliError> {
    let unfit = |why: String| {
        CliError::Usage(format!(
            "the key does not fit a {contract} contract for `{}`: {why}",
            model.name
        ))
    };
    let c = compile(model, &model.seeded_inputs(0), Weights::Committed, Builder::new())?;
    if c.commitment.is_none() {
        return Err(unfit("the model has no weights to commit to".into()));
    }
    let public = section9::prove::public_inputs(&c.cs).len();
    if public != want {
        return Err(unfit(format!(
            "its proofs publish {public} values, the contract takes {what}"
        )));
    }
    if key_public != public {
        return Err(unfit(format!(
            "the key takes {key_public} public values, the model's proofs with committed weights publish {public}"
        )));
    }
    Ok(())
}

/// The contract built on the verifier for `model`: the minting contract
/// for a generator, or with `verdict` the verdict contract.
fn model_contract(model: &Model, verdict: bool, key_public: usize) -> Result<(&'static str, String), CliError> {
    if verdict {
        let layout = Verdict::of(model)?;
        let what = format!(
            "{} output values, the features' hash and the commitment",
            layout.features
        );
        check_key(model, "verdict", layout.public, &what, key_public)?;
        return Ok((VERDICT, verdict_contract(layout)));
    }
    let picture = Picture::of(model)?;
    let words = (picture.channels * picture.height * picture.width).div_ceil(picture.per_word);
    let what = format!("{words} picture words and the commitment");
    check_key(model, "minting", words + 1, &what, key_public)?;
    Ok((MINT, mint_contract(key_public, picture)))
}

pub fn export(a: ExportArgs, ui: Ui) -> CliResult {
    let vk = vk_from_json(&read_text(&a.verification_key)?).map_err(malformed(&a.verification_key))?;
    let public = vk.gamma_abc_g1.len().saturating_sub(1);
    let mut contracts = vec![(VERIFIER, verifier_contract(&vk))];
    if let Some(model) = &a.model {
        contracts.push(model_contract(&load_model(model)?, a.verdict, public)?);
    }
    std::fs::create_dir_all(&a.out).map_err(|source| CliError::Io {
        path: a.out.display().to_string(),
        source,
    })?;
    let mut written = Vec::new();
    for (name, text) in contracts {
        let path = a.out.join(format!("{name}.sol"));
        write_atomic(&path, text.as_bytes()).map_err(|e| CliError::Other(e.to_string()))?;
        ui.say(format!("wrote {}", path.display()));
        written.push(path);
    }
    ui.say(format!("{public} public inputs"));
    match (&a.model, a.verdict) {
        (Some(_), false) => ui.say(format!(
            "deploy {VERIFIER}, then {MINT}(verifier, commitment = the last public value)"
        )),
        (Some(_), true) => ui.say(format!(
            "deploy {VERIFIER}, then {VERDICT}(verifier, commitment = the last public value, threshold)"
        )),
        (None, _) => {}
    }
    ui.json(&serde_json::json!({ "written": written, "public_inputs": public }));
    Ok(ExitCode::SUCCESS)
}

/// Print the arguments of `verifyProof` and `mint` for a proof, as
/// snarkjs's `zkey export soliditycalldata` does (or ABI-encoded).
#[derive(clap::Args)]
pub struct CalldataArgs {
    /// The proof (snarkjs or rapidsnark `proof.json`).
    proof: PathBuf,
    /// Its public values (`public.json`).
    public: PathBuf,
    /// Print the full ABI-encoded call (hex) of this function instead.
    #[arg(long, value_parser = ["verifyProof", "mint", "clear"])]
    abi: Option<String>,
}

pub fn calldata(a: CalldataArgs) -> CliResult {
    let proof = proof_from_json(&read_text(&a.proof)?).map_err(malformed(&a.proof))?;
    let public = public_from_json(&read_text(&a.public)?).map_err(malformed(&a.public))?;
    let args = CallArgs::new(&proof, &public);
    match a.abi {
        Some(function) => {
            println!("0x{}", hex::encode(encode_verify_call(&function, &args)));
        }
        None => println!("{}", calldata_text(&args)),
    }
    Ok(ExitCode::SUCCESS)
}
