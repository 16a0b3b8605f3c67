//! Proving on the server: `POST /api/prove` streams the steps of one proof
//! as server-sent events, and the proof's files can then be downloaded.

use super::error::ApiError;
use super::models::{not_an_integer, Generator, Generators};
use super::AppState;
use crate::commands::prove::{prepare_out, prove_run, KeySource};
use crate::commands::ui::{seconds, Phase, Progress};
use crate::commands::{read_text, temp_dir, CliError, WeightsArg};
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};
use tokio::sync::Semaphore;
use tokio_stream::wrappers::UnboundedReceiverStream;
use tokio_stream::StreamExt;

/// The files of a proof that may be downloaded: what a verifier needs,
/// and the outputs.
const FILES: [&str; 4] = ["proof.json", "public.json", "verification_key.json", "output.json"];

/// The server's proofs: where their files are and which one is running.
pub struct Proofs {
    /// One folder per proof, named by its number; removed when the
    /// server stops.
    dir: tempfile::TempDir,
    next: AtomicU64,
    /// One proof at a time: a proof already uses every core.
    running: Arc<Semaphore>,
    /// The key cache directory (the default one if `None`).
    keys: Option<PathBuf>,
}

impl Proofs {
    pub fn new(keys: Option<PathBuf>) -> Result<Proofs, CliError> {
        let dir = temp_dir("section9-serve-")?;
        Ok(Proofs {
            dir,
            next: AtomicU64::new(1),
            running: Arc::new(Semaphore::new(1)),
            keys,
        })
    }

    /// The key cache directory given on the command line, if any.
    pub fn keys_dir(&self) -> Option<PathBuf> {
        self.keys.clone()
    }
}

/// `POST /api/prove`: a model and a seed or latent, as for drawing, and
/// optionally the weight mode.
#[derive(Deserialize)]
pub struct ProveRequest {
    model: String,
    seed: Option<u64>,
    /// Each entry is checked to be an integer here, so that the message
    /// says which one is not.
    latent: Option<Vec<Value>>,
    weights: Option<WeightsArg>,
}

impl ProveRequest {
    /// The generator and latent asked for.
    fn resolve(&self, generators: &Generators) -> Result<(Arc<Generator>, Vec<i64>), ApiError> {
        let latent = self.latent.as_ref().map(|values| {
            values
                .iter()
                .enumerate()
                .map(|(i, v)| v.as_i64().ok_or_else(|| not_an_integer(i, v)))
                .collect()
        });
        generators.pick(&self.model, self.seed, latent)
    }
}

/// Starts a proof and answers with its event stream: `phase` and
/// `phase-end` for each step, then `done` or `error`.
pub async fn prove(
    State(state): State<Arc<AppState>>,
    body: Result<Json<ProveRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let request = body?.0;
    let weights = request.weights.unwrap_or(WeightsArg::Committed);
    let (g, latent) = request.resolve(&state.generators)?;
    let permit = state.proofs.running.clone().try_acquire_owned().map_err(|_| ApiError {
        status: StatusCode::TOO_MANY_REQUESTS,
        message: "a proof is already running on this server; try again when it is done".into(),
    })?;
    let id = state.proofs.next.fetch_add(1, Ordering::Relaxed);
    let out = state.proofs.dir.path().join(id.to_string());
    let keys = state.proofs.keys.clone();
    let (tx, rx) = unbounded_channel();
    tokio::task::spawn_blocking(move || {
        let _running = permit;
        let last = match run(id, &g, latent, weights, &out, keys, Events(&tx)) {
            Ok(summary) => event("done", summary),
            Err(e) => event("error", json!({ "error": e.to_string() })),
        };
        // Nobody may be listening any more: the proof's files stay.
        let _ = tx.send(last);
    });
    let stream = UnboundedReceiverStream::new(rx).map(Ok::<_, Infallible>);
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()).into_response())
}

/// Proves the run into `out` as proof `id`; the summary the `done` event
/// carries.
fn run(
    id: u64,
    g: &Generator,
    latent: Vec<i64>,
    weights: WeightsArg,
    out: &std::path::Path,
    keys: Option<PathBuf>,
    events: Events,
) -> Result<Value, CliError> {
    let started = Instant::now();
    prepare_out(out)?;
    let proved = prove_run(
        &g.model,
        &[latent],
        weights,
        section9::compile::DEFAULT_MAX_CONSTRAINTS,
        out,
        KeySource::Cache(keys),
        events,
    )?;
    let read = |name: &str| -> Result<Value, CliError> {
        let path = out.join(name);
        serde_json::from_str(&read_text(&path)?).map_err(|e| CliError::Other(format!("{}: {e}", path.display())))
    };
    Ok(json!({
        "id": id,
        "files": downloads(id),
        "model": proved.model,
        "weights": weights,
        "constraints": proved.constraints,
        "proof_bytes": proved.proof_bytes,
        "commitment": proved.commitment,
        "circuit": proved.circuit,
        "times": proved.times,
        "seconds": seconds(started.elapsed()),
        "proof": read("proof.json")?,
        "public": read("public.json")?,
    }))
}

/// Where each downloadable file of proof `id` is.
fn downloads(id: u64) -> Value {
    FILES
        .iter()
        .map(|f| {
            (
                f.trim_end_matches(".json").to_string(),
                json!(format!("/api/proofs/{id}/{f}")),
            )
        })
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// One server-sent event with a JSON payload.
fn event(name: &str, data: Value) -> Event {
    Event::default().event(name).data(data.to_string())
}

/// The steps of a proof, sent to the page as they start and end.
#[derive(Clone, Copy)]
struct Events<'a>(&'a UnboundedSender<Event>);

impl Progress for Events<'_> {
    fn phase<T>(self, phase: Phase, what: &str, f: impl FnOnce() -> T) -> (T, Duration) {
        let _ = self.0.send(event("phase", json!({ "phase": phase, "message": what })));
        let started = Instant::now();
        let out = f();
        let took = started.elapsed();
        let _ = self
            .0
            .send(event("phase-end", json!({ "phase": phase, "seconds": seconds(took) })));
        (out, took)
    }
}

/// `GET /api/proofs/{id}/{file}`: one of a finished proof's files, as a
/// download.
pub async fn download(
    State(state): State<Arc<AppState>>,
    path: Result<Path<(u64, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    let (id, file) = path.map_err(|_| ApiError::not_found("no such proof file"))?.0;
    let name = FILES
        .iter()
        .find(|f| **f == file)
        .ok_or_else(|| ApiError::not_found(format!("a proof has no file `{file}` (it has: {})", FILES.join(", "))))?;
    let text = tokio::fs::read(state.proofs.dir.path().join(id.to_string()).join(name))
        .await
        .map_err(|_| ApiError::not_found(format!("no finished proof {id} on this server")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        text,
    )
        .into_response())
}
