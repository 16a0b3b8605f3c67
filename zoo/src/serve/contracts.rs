//! The contracts a generator's pictures are minted with: the Groth16
//! verifier of its circuit with committed weights and the minting contract
//! on it, as `export-solidity` writes them, compiled by the pinned solc-js.

use super::error::ApiError;
use super::models::Generator;
use super::AppState;
use crate::commands::chain::{ensure_tools, tools_dir};
use crate::commands::prove::cached_keys;
use crate::commands::ui::Ui;
use crate::commands::{temp_dir, CliError};
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::Json;
use section9::compile::{circuit_digest, compile, Weights, DEFAULT_MAX_CONSTRAINTS};
use section9::evm::{mint_contract, verifier_contract, Picture, MINT, VERIFIER};
use section9::field::fr_to_decimal;
use section9::prove::public_inputs;
use section9::r1cs::Builder;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use tokio::sync::Mutex;

/// Each model's compiled contracts, made once.
pub struct Contracts {
    made: Mutex<HashMap<String, Arc<Value>>>,
    /// The key cache directory, the one proofs use (the default if `None`).
    keys: Option<PathBuf>,
}

impl Contracts {
    pub fn new(keys: Option<PathBuf>) -> Contracts {
        Contracts {
            made: Mutex::default(),
            keys,
        }
    }
}

/// `GET /api/models/{name}/contracts`: `{model, commitment, public_inputs,
/// verifier: {name, abi, bytecode, methods}, mint: {...}}`, the bytecode
/// being creation code in `0x` hex and `methods` the 4-byte selectors by
/// signature.
pub async fn contracts(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let name = path.map_err(|_| ApiError::not_found("no such model"))?.0;
    let g = state.generators.get(&name)?;
    // One build at a time: a second request for the same model waits for
    // the first and takes its result.
    let mut made = state.contracts.made.lock().await;
    if let Some(done) = made.get(&name) {
        return Ok(Json(done.as_ref().clone()));
    }
    let keys = state.contracts.keys.clone();
    let built = tokio::task::spawn_blocking(move || build(&g, keys))
        .await
        .map_err(|e| ApiError::internal(format!("making the contracts stopped: {e}")))??;
    let built = Arc::new(built);
    made.insert(name, built.clone());
    Ok(Json(built.as_ref().clone()))
}

/// The Solidity of both contracts, compiled.
fn build(g: &Generator, keys: Option<PathBuf>) -> Result<Value, ApiError> {
    let model = &g.model;
    let name = &model.name;
    let picture =
        Picture::of(model).map_err(|e| ApiError::bad_request(format!("no mint contract for `{name}`: {e}")))?;
    let internal = |e: CliError| ApiError::internal(e.to_string());
    let c = compile(
        model,
        &model.seeded_inputs(0),
        Weights::Committed,
        Builder::new().with_limit(DEFAULT_MAX_CONSTRAINTS),
    )
    .map_err(|e| internal(e.into()))?;
    let commitment = c.commitment.ok_or_else(|| {
        ApiError::bad_request(format!("no mint contract for `{name}`: it has no weights to commit to"))
    })?;
    let public = public_inputs(&c.cs).len();
    // The keys proofs of this circuit are made with (set up now if the
    // circuit was never proved).
    let k = cached_keys(&c.cs, &circuit_digest(&c.cs), keys, Ui::Quiet).map_err(internal)?;
    let key_public = k.vk.gamma_abc_g1.len().saturating_sub(1);
    if key_public != public {
        return Err(ApiError::internal(format!(
            "the cached key of `{name}` takes {key_public} public values, its proofs publish {public}"
        )));
    }
    let mut compiled = solc(&[
        (VERIFIER, verifier_contract(&k.vk)),
        (MINT, mint_contract(public, picture)),
    ])
    .map_err(internal)?;
    let mut take = |contract: &str| -> Result<Value, ApiError> {
        let mut c = compiled
            .get_mut(contract)
            .map(Value::take)
            .ok_or_else(|| ApiError::internal(format!("solc made no contract {contract}")))?;
        let code = format!("0x{}", c["bytecode"].as_str().unwrap_or_default());
        Ok(json!({
            "name": contract,
            "abi": c["abi"].take(),
            "bytecode": code,
            "methods": c["methods"].take(),
        }))
    };
    Ok(json!({
        "model": name,
        "commitment": fr_to_decimal(&commitment),
        "public_inputs": public,
        "verifier": take(VERIFIER)?,
        "mint": take(MINT)?,
    }))
}

/// Compiles Solidity sources, each `(name, text)` written to `name.sol`,
/// with `tools/solc-compile.js`; its output, by contract.
fn solc(sources: &[(&str, String)]) -> Result<serde_json::Map<String, Value>, CliError> {
    ensure_tools(Ui::Quiet)?;
    let dir = temp_dir("section9-solidity-")?;
    let mut command = Command::new("node");
    command.arg(tools_dir().join("solc-compile.js"));
    for (name, text) in sources {
        let path = dir.path().join(format!("{name}.sol"));
        std::fs::write(&path, text).map_err(|source| CliError::Io {
            path: path.display().to_string(),
            source,
        })?;
        command.arg(path);
    }
    let out = command.stdin(Stdio::null()).output().map_err(|e| {
        CliError::Other(format!(
            "cannot run node ({e}): compiling the contracts needs Node.js on PATH"
        ))
    })?;
    if !out.status.success() {
        return Err(CliError::Other(format!(
            "solc-js could not compile the contracts: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    match serde_json::from_slice(&out.stdout) {
        Ok(Value::Object(contracts)) => Ok(contracts),
        _ => Err(CliError::Other("solc-compile.js printed no JSON object".into())),
    }
}
