//! Drawing: the integer engine runs the generator on a latent and the
//! picture comes back as a PNG, the same one `section9 demo` writes.

use super::error::ApiError;
use super::models::{not_an_integer, Generator, Generators};
use super::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use std::sync::Arc;
use std::time::Instant;

/// `GET /api/draw` and `GET /api/latent`: the latent as comma-separated
/// integers, or a seed.
#[derive(Deserialize)]
pub struct DrawQuery {
    model: String,
    seed: Option<u64>,
    latent: Option<String>,
}

impl DrawQuery {
    fn resolve(self, generators: &Generators) -> Result<(Arc<Generator>, Vec<i64>), ApiError> {
        let latent = self.latent.map(|text| {
            text.split(',')
                .enumerate()
                .map(|(i, s)| s.trim().parse::<i64>().map_err(|_| not_an_integer(i, format!("`{s}`"))))
                .collect()
        });
        generators.pick(&self.model, self.seed, latent)
    }
}

/// `GET /api/draw`: the picture as a PNG. The engine's time is in the
/// `Server-Timing` header, which browsers show beside the request.
pub async fn draw(
    State(state): State<Arc<AppState>>,
    query: Result<Query<DrawQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let (g, latent) = query?.0.resolve(&state.generators)?;
    // A bigger generator's run takes long enough to hold up other
    // requests on the async threads.
    let (png, took) = tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let png = g
            .model
            .run(&[latent])
            .map_err(|e| e.to_string())
            .and_then(|outputs| g.picture.png(&outputs[0]).map_err(|e| e.to_string()));
        (png, started.elapsed())
    })
    .await
    .map_err(|e| ApiError::internal(format!("the drawing stopped: {e}")))?;
    let png = png.map_err(ApiError::internal)?;
    tracing::info!(?took, "drew a picture");
    let timing = format!("draw;dur={:.3}", took.as_secs_f64() * 1e3);
    Ok((
        [
            (header::CONTENT_TYPE, "image/png".to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
            (header::HeaderName::from_static("server-timing"), timing),
        ],
        png,
    )
        .into_response())
}

/// `GET /api/latent`: the latent a seed gives (or the one given, checked),
/// for the page's sliders.
pub async fn latent(
    State(state): State<Arc<AppState>>,
    query: Result<Query<DrawQuery>, QueryRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (_, latent) = query?.0.resolve(&state.generators)?;
    Ok(Json(serde_json::json!({ "latent": latent })))
}
