//! The HTTP side: axum routes serving the published feeds, the sources'
//! health and a liveness check. It only reads the store.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::feeds::{self, Feed};
use crate::health;
use crate::publish::ATOM_CONTENT_TYPE;
use crate::store::Store;

#[derive(Clone)]
struct AppState {
    store: Store,
    settings: Arc<feeds::Settings>,
    catalog: Arc<health::Catalog>,
}

/// The routes, ready to serve.
pub fn router(store: Store, settings: feeds::Settings, catalog: health::Catalog) -> Router {
    let state = AppState {
        store,
        settings: Arc::new(settings),
        catalog: Arc::new(catalog),
    };
    Router::new()
        .route("/feed.atom", get(tagged_feed))
        .route("/all.atom", get(all_feed))
        .route("/sources.json", get(sources))
        .route("/healthz", get(healthz))
        .with_state(state)
}

/// Serves until `shutdown` is cancelled, then lets open requests finish.
pub async fn serve(listener: TcpListener, router: Router, shutdown: CancellationToken) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await
}

async fn tagged_feed(State(state): State<AppState>) -> Response {
    atom(&state, &Feed::Tagged).await
}

async fn all_feed(State(state): State<AppState>) -> Response {
    atom(&state, &Feed::All).await
}

async fn atom(state: &AppState, feed: &Feed) -> Response {
    match feeds::render(&state.store, &state.settings, feed).await {
        Ok(body) => ([(header::CONTENT_TYPE, ATOM_CONTENT_TYPE)], body).into_response(),
        Err(e) => {
            tracing::error!(error = %e, feed = %feed.path(), "cannot render feed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the database is not answering; try again later\n",
            )
                .into_response()
        }
    }
}

async fn sources(State(state): State<AppState>) -> Response {
    match state.store.source_health().await {
        Ok(stored) => {
            let reports = health::report(&state.catalog, stored, chrono::Utc::now());
            let headers = [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "no-cache"),
            ];
            (headers, health::to_json(&reports)).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot read source health");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the database is not answering; try again later\n",
            )
                .into_response()
        }
    }
}

async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, format!("database: {e}\n")).into_response(),
    }
}
