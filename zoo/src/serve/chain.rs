//! The chain the page mints on: an Ethereum JSON-RPC node (the local one
//! `--dev-chain` starts, or `--chain URL`) that the page reaches through
//! this server, so that it needs neither a wallet nor another origin.

use super::error::ApiError;
use super::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

/// The largest JSON-RPC request the page may send through the server: a
/// contract deployment is its creation code in hex, at most 96 KiB
/// (EIP-3860 caps creation code at 48 KiB).
pub const MAX_RPC_BODY: usize = 256 * 1024;

/// The largest answer read back from the node.
const MAX_RPC_ANSWER: u64 = 16 * 1024 * 1024;

/// How long one request to the node may take. A node answers at once
/// except for a call that runs a lot of code; Hardhat mines a transaction
/// as it is sent.
const RPC_TIMEOUT: Duration = Duration::from_secs(60);

/// What the page is told when the server has no chain.
const NO_CHAIN: &str = "No chain is configured on this server: start it with `section9 serve --dev-chain` \
     (a local Hardhat chain) or `--chain URL` (a JSON-RPC node)";

/// An Ethereum JSON-RPC node over plain HTTP.
pub struct Node {
    pub url: String,
    /// Whether this server started it (`--dev-chain`).
    pub dev: bool,
    agent: ureq::Agent,
}

impl Node {
    pub fn new(url: String, dev: bool) -> Node {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(RPC_TIMEOUT))
            .timeout_connect(Some(Duration::from_secs(5)))
            .build()
            .into();
        Node { url, dev, agent }
    }

    /// Why the node could not be asked, in words.
    fn unreachable(&self, e: impl std::fmt::Display) -> String {
        format!("the chain at {} cannot be reached ({e})", self.url)
    }

    /// Sends one JSON-RPC body; the HTTP status and the answer, which is
    /// checked to be JSON.
    pub fn send(&self, body: &[u8]) -> Result<(u16, Vec<u8>), String> {
        let answer = self
            .agent
            .post(&self.url)
            .header("content-type", "application/json")
            .send(body)
            .map_err(|e| self.unreachable(e))?;
        let status = answer.status().as_u16();
        let bytes = answer
            .into_body()
            .with_config()
            .limit(MAX_RPC_ANSWER)
            .read_to_vec()
            .map_err(|e| self.unreachable(e))?;
        if serde_json::from_slice::<Value>(&bytes).is_err() {
            return Err(format!(
                "the chain at {} did not answer in JSON (HTTP status {status}): is it an Ethereum JSON-RPC node?",
                self.url
            ));
        }
        Ok((status, bytes))
    }

    /// The result of `method`, or the node's error in words.
    pub fn call(&self, method: &str, params: Value) -> Result<Value, String> {
        let body = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
        let (_, answer) = self.send(body.to_string().as_bytes())?;
        let mut answer: Value = serde_json::from_slice(&answer).map_err(|e| e.to_string())?;
        if let Some(e) = answer.get("error") {
            return Err(format!("the chain at {} refused {method}: {e}", self.url));
        }
        Ok(answer["result"].take())
    }

    /// The chain id (`eth_chainId`).
    pub fn chain_id(&self) -> Result<u64, String> {
        let id = self.call("eth_chainId", json!([]))?;
        id.as_str()
            .and_then(|h| u64::from_str_radix(h.trim_start_matches("0x"), 16).ok())
            .ok_or_else(|| format!("the chain at {} gave a chain id that is not a number: {id}", self.url))
    }
}

/// The node, or the error that says there is none.
fn node(state: &AppState) -> Result<Arc<Node>, ApiError> {
    state.chain.clone().ok_or_else(|| ApiError {
        status: StatusCode::SERVICE_UNAVAILABLE,
        message: format!("{NO_CHAIN}."),
    })
}

/// `GET /api/chain`: whether a chain is configured, whether it answers
/// and its id, and where the page sends its JSON-RPC requests. A node
/// that does not answer is a state to show, not a failed request: the
/// answer is still 200, with `reachable: false` and the error in words.
pub async fn info(State(state): State<Arc<AppState>>) -> Result<Json<Value>, ApiError> {
    let Some(node) = state.chain.clone() else {
        return Ok(Json(json!({ "configured": false, "message": format!("{NO_CHAIN}.") })));
    };
    let (dev, url) = (node.dev, node.url.clone());
    let id = tokio::task::spawn_blocking(move || node.chain_id())
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let mut about = json!({ "configured": true, "dev": dev, "node": url, "rpc": "/api/chain/rpc" });
    match id {
        Ok(id) => {
            about["reachable"] = json!(true);
            about["chain_id"] = json!(id);
        }
        Err(e) => {
            about["reachable"] = json!(false);
            about["error"] = json!(e);
        }
    }
    Ok(Json(about))
}

/// `POST /api/chain/rpc`: one JSON-RPC request, forwarded to the node; its
/// answer as the node gave it.
pub async fn rpc(
    State(state): State<Arc<AppState>>,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Response, ApiError> {
    let node = node(&state)?;
    let request = body?.0;
    if !request.is_object() || !request["method"].is_string() {
        return Err(ApiError::bad_request(
            "a JSON-RPC request is one object with a `method` (batches are not forwarded)",
        ));
    }
    let (status, answer) = tokio::task::spawn_blocking(move || node.send(request.to_string().as_bytes()))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
        .map_err(ApiError::bad_gateway)?;
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    Ok((status, [(header::CONTENT_TYPE, "application/json")], answer).into_response())
}
