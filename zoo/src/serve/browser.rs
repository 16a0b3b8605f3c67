//! What the page's own prover fetches: a generator's model file, its
//! weights and its proving key, so that a proof can be made in the browser
//! (section9 compiled to WebAssembly, `zoo/web/wasm`).

use super::error::ApiError;
use super::AppState;
use crate::commands::WeightsArg;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use section9::prove::cache::{digest_hex, encode_keys};
use serde::Deserialize;
use std::sync::Arc;

/// `GET /api/models/{name}/{file}`: `model.json` (the model file) or
/// `params` (its parameter file).
pub async fn model_file(
    State(state): State<Arc<AppState>>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    let (name, file) = path.map_err(|_| ApiError::not_found("no such model file"))?.0;
    let g = state.generators.get(&name)?;
    let (json, params) = &g.files;
    Ok(match file.as_str() {
        "model.json" => ([(header::CONTENT_TYPE, "application/json")], json.clone()).into_response(),
        "params" => ([(header::CONTENT_TYPE, "application/octet-stream")], params.clone()).into_response(),
        "keys" => {
            return Err(ApiError::bad_request(
                "keys are fetched with GET /api/models/{name}/keys?weights=",
            ))
        }
        _ => {
            return Err(ApiError::not_found(format!(
                "a model has no file `{file}` (it has: model.json, params, keys, contracts)"
            )))
        }
    })
}

#[derive(Deserialize)]
pub struct KeyQuery {
    weights: Option<WeightsArg>,
}

/// `GET /api/models/{name}/keys?weights=committed|constant`: the proving
/// key of the generator's circuit as a section9 key file (the format of
/// the key cache, which the page's prover reads), set up on first use.
/// The circuit's digest is in the `x-section9-circuit` header.
pub async fn keys(
    State(state): State<Arc<AppState>>,
    name: Result<Path<String>, PathRejection>,
    query: Result<Query<KeyQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let name = name.map_err(|_| ApiError::not_found("no such model"))?.0;
    let weights = query?.0.weights.unwrap_or(WeightsArg::Committed);
    let g = state.generators.get(&name)?;
    let dir = state.proofs.keys_dir();
    let encoded = tokio::task::spawn_blocking(move || {
        let (keys, digest) = g.keys(weights, dir).map_err(|e| e.to_string())?;
        let bytes = encode_keys(&digest, &keys).map_err(|e| e.to_string())?;
        Ok::<_, String>((bytes, digest))
    })
    .await
    .map_err(|e| ApiError::internal(format!("the keys could not be made: {e}")))?;
    let (bytes, digest) = encoded.map_err(ApiError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (
                header::HeaderName::from_static("x-section9-circuit"),
                digest_hex(&digest),
            ),
        ],
        bytes,
    )
        .into_response())
}
