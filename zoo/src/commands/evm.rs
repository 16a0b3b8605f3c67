//! `section9 export-solidity` and `section9 calldata`: from snarkjs-format
//! files to an on-chain verifier and the arguments that call it, or, with
//! `--manifest`, to the contracts that accept a model proved in pieces in
//! one call and that call's arguments.

use super::ui::Ui;
use super::{load_model, malformed, read_text, CliError, CliResult};
use section9::compile::{compile, Weights};
use section9::evm::{
    calldata_text, encode_pieces_call, encode_verify_call, mint_contract, pieces_calldata_text, pieces_contracts,
    verdict_contract, verifier_contract, CallArgs, Picture, Verdict, MINT, PIECES, VERDICT, VERIFIER,
};
use section9::files::write_atomic;
use section9::graph::Model;
use section9::prove::snarkjs::{proof_from_json, public_from_json, vk_from_json};
use section9::r1cs::Builder;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Write a Solidity Groth16 verifier for a verification key (and, with
/// --model, the image-minting contract or, with --verdict, the verdict
/// contract that uses it; with --manifest, one verifier per piece and the
/// contract that accepts all pieces in one call).
#[derive(clap::Args)]
pub struct ExportArgs {
    /// The verification key the contract checks proofs against (snarkjs
    /// `verification_key.json`); only proofs made with its proving key
    /// verify.
    #[arg(required_unless_present = "manifest")]
    verification_key: Option<PathBuf>,
    /// A run proved in pieces (`prove --chunks`): write a verifier per
    /// piece and `Section9Pieces`, which verifies every piece, checks the
    /// links and binds the model's weights in one call.
    #[arg(long, conflicts_with_all = ["verification_key", "model"])]
    manifest: Option<PathBuf>,
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

/// Writes each `(name, source)` to `out/name.sol`; the paths written.
fn write_contracts(out: &Path, contracts: &[(String, String)], ui: Ui) -> Result<Vec<PathBuf>, CliError> {
    std::fs::create_dir_all(out).map_err(|source| CliError::Io {
        path: out.display().to_string(),
        source,
    })?;
    let mut written = Vec::new();
    for (name, text) in contracts {
        let path = out.join(format!("{name}.sol"));
        write_atomic(&path, text.as_bytes()).map_err(|e| CliError::Other(e.to_string()))?;
        ui.say(format!("wrote {}", path.display()));
        written.push(path);
    }
    Ok(written)
}

/// `export-solidity --manifest`: the pieces' verifiers and the aggregator.
fn export_pieces(manifest: &Path, out: &Path, ui: Ui) -> CliResult {
    let (manifest, dir) = super::pieces::read_manifest(manifest)?;
    let keys = super::pieces::piece_keys(&manifest, &dir)?;
    let contracts = pieces_contracts(&manifest.model, &keys).map_err(|e| CliError::Other(e.to_string()))?;
    let written = write_contracts(out, &contracts, ui)?;
    let count = keys.len();
    ui.say(format!(
        "deploy {} to {}, then {PIECES}([their addresses])",
        section9::evm::piece_verifier(0),
        section9::evm::piece_verifier(count - 1)
    ));
    ui.json(&serde_json::json!({ "written": written, "pieces": count, "identity": manifest.identity }));
    Ok(ExitCode::SUCCESS)
}

pub fn export(a: ExportArgs, ui: Ui) -> CliResult {
    let vk_path = match (&a.manifest, &a.verification_key) {
        (Some(manifest), _) => return export_pieces(manifest, &a.out, ui),
        (None, Some(vk)) => vk,
        (None, None) => unreachable!("clap requires a key without --manifest"),
    };
    let vk = vk_from_json(&read_text(vk_path)?).map_err(malformed(vk_path))?;
    let public = vk.gamma_abc_g1.len().saturating_sub(1);
    let mut contracts = vec![(VERIFIER.to_string(), verifier_contract(&vk))];
    if let Some(model) = &a.model {
        let (name, text) = model_contract(&load_model(model)?, a.verdict, public)?;
        contracts.push((name.to_string(), text));
    }
    let written = write_contracts(&a.out, &contracts, ui)?;
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
/// snarkjs's `zkey export soliditycalldata` does (or ABI-encoded); with
/// --manifest, the arguments of `accept` for a run proved in pieces.
#[derive(clap::Args)]
pub struct CalldataArgs {
    /// The proof (snarkjs or rapidsnark `proof.json`).
    #[arg(required_unless_present = "manifest")]
    proof: Option<PathBuf>,
    /// Its public values (`public.json`).
    #[arg(required_unless_present = "manifest")]
    public: Option<PathBuf>,
    /// A run proved in pieces: print `accept`'s two arguments, every
    /// piece's proof (8 words each) and every piece's public values.
    #[arg(long, conflicts_with_all = ["proof", "public"])]
    manifest: Option<PathBuf>,
    /// Print the full ABI-encoded call (hex) of this function instead
    /// (`accept` with --manifest, one of the others without).
    #[arg(long, value_parser = ["verifyProof", "mint", "clear", "accept"])]
    abi: Option<String>,
}

/// `calldata --manifest`: `accept`'s arguments.
fn calldata_pieces(manifest: &Path, abi: Option<&str>) -> CliResult {
    let (manifest, dir) = super::pieces::read_manifest(manifest)?;
    let args: Vec<CallArgs> = super::pieces::piece_proofs(&manifest, &dir)?
        .iter()
        .map(|(proof, public)| CallArgs::new(proof, public))
        .collect();
    match abi {
        Some("accept") => println!("0x{}", hex::encode(encode_pieces_call(&args))),
        Some(other) => {
            return Err(CliError::Usage(format!(
                "a run in pieces is called through {PIECES}'s `accept`, not `{other}`"
            )))
        }
        None => println!("{}", pieces_calldata_text(&args)),
    }
    Ok(ExitCode::SUCCESS)
}

pub fn calldata(a: CalldataArgs) -> CliResult {
    let (proof_path, public_path) = match (&a.manifest, &a.proof, &a.public) {
        (Some(manifest), _, _) => return calldata_pieces(manifest, a.abi.as_deref()),
        (None, Some(proof), Some(public)) => (proof, public),
        _ => unreachable!("clap requires a proof and public values without --manifest"),
    };
    if a.abi.as_deref() == Some("accept") {
        return Err(CliError::Usage(
            "`accept` takes a run proved in pieces: give --manifest".into(),
        ));
    }
    let proof = proof_from_json(&read_text(proof_path)?).map_err(malformed(proof_path))?;
    let public = public_from_json(&read_text(public_path)?).map_err(malformed(public_path))?;
    let args = CallArgs::new(&proof, &public);
    match a.abi {
        Some(function) => {
            println!("0x{}", hex::encode(encode_verify_call(&function, &args)));
        }
        None => println!("{}", calldata_text(&args)),
    }
    Ok(ExitCode::SUCCESS)
}
