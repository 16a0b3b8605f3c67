//! The web page's HTTP server (`section9 serve`): the page itself, and a
//! JSON API to list the generators, draw with them, prove a drawing and
//! mint it on a chain.

mod assets;
mod browser;
mod chain;
mod contracts;
mod draw;
mod error;
mod models;
mod proofs;

pub use chain::Node;
pub use contracts::Contracts;
pub use models::Generators;
pub use proofs::Proofs;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::Uri;
use axum::routing::{get, post};
use axum::{Json, Router};
use error::ApiError;
use std::sync::Arc;

/// The largest request body accepted: a latent of a few thousand entries.
const MAX_BODY: usize = 64 * 1024;

/// What every request can reach.
pub struct AppState {
    pub generators: Generators,
    pub proofs: Proofs,
    pub contracts: Contracts,
    /// The chain the page mints on, if any.
    pub chain: Option<Arc<Node>>,
}

/// Every page and API route.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(assets::index))
        .route("/style.css", get(assets::style))
        .route("/app.js", get(assets::script))
        .route("/http.js", get(assets::http_script))
        .route("/browser.js", get(assets::browser_script))
        .route("/prover.js", get(assets::prover_script))
        .route("/pkg/section9_web.js", get(assets::wasm_glue))
        .route("/pkg/section9_web_bg.wasm", get(assets::wasm))
        .route("/chain.js", get(assets::chain))
        .route("/api/models", get(models))
        .route("/api/models/{name}/keys", get(browser::keys))
        .route("/api/models/{name}/{file}", get(browser::model_file))
        .route("/api/latent", get(draw::latent))
        .route("/api/draw", get(draw::draw))
        .route("/api/prove", post(proofs::prove))
        .route("/api/proofs/{id}/{file}", get(proofs::download))
        .route("/api/models/{name}/contracts", get(contracts::contracts))
        .route("/api/chain", get(chain::info))
        .route(
            "/api/chain/rpc",
            post(chain::rpc).layer(DefaultBodyLimit::max(chain::MAX_RPC_BODY)),
        )
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(Arc::new(state))
}

/// `GET /api/models`: each generator's latent, picture and circuit sizes.
async fn models(State(state): State<Arc<AppState>>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "models": state.generators.infos() }))
}

async fn not_found(uri: Uri) -> ApiError {
    ApiError::not_found(format!("nothing at {}", uri.path()))
}
