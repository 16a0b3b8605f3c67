//! The page's files, embedded in the binary so that `section9 serve`
//! needs nothing beside it.

use axum::http::header;
use axum::response::IntoResponse;

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
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

pub async fn chain() -> impl IntoResponse {
    asset("text/javascript; charset=utf-8", include_str!("../../web/chain.js"))
}
