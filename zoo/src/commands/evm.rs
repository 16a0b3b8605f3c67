//! `section9 export-solidity` and `section9 calldata`: from snarkjs-format
//! files to an on-chain verifier and the arguments that call it.

use super::ui::Ui;
use super::{load_model, malformed, read_text, CliError, CliResult};
use section9::compile::{compile, Weights};
use section9::evm::{
    calldata_text, encode_verify_call, mint_contract, verifier_contract, CallArgs, Picture, MINT, VERIFIER,
};
use section9::files::write_atomic;
use section9::graph::Model;
use section9::prove::snarkjs::{proof_from_json, public_from_json, vk_from_json};
use section9::r1cs::Builder;
use std::path::PathBuf;
use std::process::ExitCode;

/// Write a Solidity Groth16 verifier for a verification key (and, with
/// --model, the image-minting contract that uses it).
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
}

/// The minting contract reads the packed picture from the first public
/// values and the weight commitment from the last one, so a key is only fit
/// for it when the model's proofs publish exactly those: the model commits
/// its weights, has no other public values, and the key has that many.
fn check_mint_key(model: &Model, picture: &Picture, key_public: usize) -> Result<(), CliError> {
    let unfit = |why: String| {
        CliError::Usage(format!(
            "the key does not fit a minting contract for `{}`: {why}",
            model.name
        ))
    };
    let c = compile(model, &model.seeded_inputs(0), Weights::Committed, Builder::new())?;
    if c.commitment.is_none() {
        return Err(unfit("the model has no weights to commit to".into()));
    }
    let public = section9::prove::public_inputs(&c.cs).len();
    let words = (picture.channels * picture.height * picture.width).div_ceil(picture.per_word);
    if public != words + 1 {
        return Err(unfit(format!(
            "its proofs publish {public} values, the contract takes {words} picture words and the commitment"
        )));
    }
    if key_public != public {
        return Err(unfit(format!(
            "the key takes {key_public} public values, the model's proofs with committed weights publish {public}"
        )));
    }
    Ok(())
}

pub fn export(a: ExportArgs, ui: Ui) -> CliResult {
    let vk = vk_from_json(&read_text(&a.verification_key)?).map_err(malformed(&a.verification_key))?;
    let public = vk.gamma_abc_g1.len().saturating_sub(1);
    let mut contracts = vec![(VERIFIER, verifier_contract(&vk))];
    if let Some(model) = &a.model {
        let model = load_model(model)?;
        let picture = Picture::of(&model)?;
        check_mint_key(&model, &picture, public)?;
        contracts.push((MINT, mint_contract(public, picture)));
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
    if a.model.is_some() {
        ui.say(format!(
            "deploy {VERIFIER}, then {MINT}(verifier, commitment = the last public value)"
        ));
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
    #[arg(long, value_parser = ["verifyProof", "mint"])]
    abi: Option<String>,
}

pub fn calldata(a: CalldataArgs) -> CliResult {
    let proof = proof_from_json(&read_text(&a.proof)?).map_err(malformed(&a.proof))?;
    let public = public_from_json(&read_text(&a.public)?).map_err(malformed(&a.public))?;
    let args = CallArgs::new(&proof, &public);
    match a.abi {
        Some(function) => {
            let hex: String = encode_verify_call(&function, &args)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            println!("0x{hex}");
        }
        None => println!("{}", calldata_text(&args)),
    }
    Ok(ExitCode::SUCCESS)
}
