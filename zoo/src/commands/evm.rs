//! `section9 export-solidity` and `section9 calldata`: from snarkjs-format
//! files to an on-chain verifier and the arguments that call it.

use super::{load_model, malformed, read_text, CliError, CliResult};
use section9::evm::{
    calldata_text, encode_verify_call, mint_contract, verifier_contract, CallArgs, Picture, MINT, VERIFIER,
};
use section9::files::write_atomic;
use section9::prove::snarkjs::{proof_from_json, public_from_json, vk_from_json};
use std::path::PathBuf;
use std::process::ExitCode;

/// Write a Solidity Groth16 verifier for a verification key (and, with
/// --model, the image-minting contract that uses it).
#[derive(clap::Args)]
pub struct ExportArgs {
    verification_key: PathBuf,
    /// Directory for the contracts (created if needed).
    #[arg(long)]
    out: PathBuf,
    /// A generator (built-in name or model file) whose pictures the minting
    /// contract stores and renders; without it only the verifier is written.
    #[arg(long)]
    model: Option<String>,
}

pub fn export(a: ExportArgs) -> CliResult {
    let vk = vk_from_json(&read_text(&a.verification_key)?).map_err(malformed(&a.verification_key))?;
    let public = vk.gamma_abc_g1.len().saturating_sub(1);
    std::fs::create_dir_all(&a.out).map_err(|source| CliError::Io {
        path: a.out.display().to_string(),
        source,
    })?;
    let mut contracts = vec![(VERIFIER, verifier_contract(&vk))];
    if let Some(model) = &a.model {
        let picture = Picture::of(&load_model(model)?)?;
        contracts.push((MINT, mint_contract(public, picture)));
    }
    for (name, text) in contracts {
        let path = a.out.join(format!("{name}.sol"));
        write_atomic(&path, text.as_bytes()).map_err(|e| CliError::Other(e.to_string()))?;
        println!("wrote {}", path.display());
    }
    println!("{public} public inputs");
    if a.model.is_some() {
        println!("deploy {VERIFIER}, then {MINT}(verifier, commitment = the last public value)");
    }
    Ok(ExitCode::SUCCESS)
}

/// Print the arguments of `verifyProof` and `mint` for a proof, as
/// snarkjs's `zkey export soliditycalldata` does (or ABI-encoded).
#[derive(clap::Args)]
pub struct CalldataArgs {
    proof: PathBuf,
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
