//! The page's files, embedded in the binary so that `section9 serve`
//! needs nothing beside it.

use axum::http::header;
use axum::response::IntoResponse;

fn asset<B: IntoResponse>(content_type: &'static str, body: B) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, content_type)], body)
}

pub async fn index() -> impl IntoResponse {
    asset("text/html; charset=utf-8", include_str!("../../web/index.html"))
}

pub async fn style() -> impl IntoResponse {
    asset("text/css; charset=utf-8", include_str!("../../web/style.css"))
}

pub async fn script() -> impl IntoResponse {
    asset("text/javascript; charset=utf-8", include_str!("../../web/app.js"))
}

pub async fn http_script() -> impl IntoResponse {
    asset("text/javascript; charset=utf-8", include_str!("../../web/http.js"))
}

pub async fn browser_script() -> impl IntoResponse {
    asset("text/javascript; charset=utf-8", include_str!("../../web/browser.js"))
}

pub async fn prover_script() -> impl IntoResponse {
    asset("text/javascript; charset=utf-8", include_str!("../../web/prover.js"))
}

/// section9's prover and verifier in WebAssembly, and its JavaScript glue,
/// built by `cargo xtask web` from `zoo/web/wasm`.
pub async fn wasm_glue() -> impl IntoResponse {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("../../web/pkg/section9_web.js"),
    )
}

pub async fn wasm() -> impl IntoResponse {
    asset(
        "application/wasm",
        include_bytes!("../../web/pkg/section9_web_bg.wasm").as_slice(),
    )
}

pub async fn chain() -> impl IntoResponse {
    asset("text/javascript; charset=utf-8", include_str!("../../web/chain.js"))
}
