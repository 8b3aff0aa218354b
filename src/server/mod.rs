//! The HTTP side: axum routes serving the published feeds (Atom, JSON
//! Feed; every tag and source; filters and pages) and each feed's HTML
//! page, the search, the page people see at `/`, each item's page, the
//! sources as a page, OPML and JSON, and a liveness check. Feeds are
//! cached per store generation and served like static files; rendering
//! and connections are bounded. It only reads the store.

pub mod cache;
mod connections;
mod documents;
mod headers;
mod kept;
mod last_modified;
mod listen;
mod negotiate;
mod pages;
pub mod render;

pub use listen::{Limits, serve};

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::feeds;
use crate::health;
use crate::metrics::Metrics;
use crate::publish::{self, PageInfo};
use crate::store::{self, EntryQuery, Store};
use render::Renderer;

/// What the routes serve from the configuration: replaced as a whole when
/// the daemon reloads it.
#[derive(Clone, Debug)]
pub(crate) struct Site {
    pub settings: Arc<feeds::Settings>,
    pub catalog: Arc<health::Catalog>,
    /// `Cache-Control: max-age` for the feeds.
    pub max_age: Duration,
}

/// The daemon's handle on what the server shows and whether it is ready.
#[derive(Clone, Debug)]
pub(crate) struct Shared {
    site: Arc<std::sync::RwLock<Site>>,
    /// Polling is scheduled (for `/readyz`).
    pub scheduling: Arc<std::sync::atomic::AtomicBool>,
    pub metrics: Arc<Metrics>,
}

impl Shared {
    pub(crate) fn new(site: Site, metrics: Arc<Metrics>) -> Shared {
        Shared {
            site: Arc::new(std::sync::RwLock::new(site)),
            scheduling: Arc::default(),
            metrics,
        }
    }

    /// What the next requests see (a reload).
    pub(crate) fn replace(&self, site: Site) {
        *self.site.write().unwrap_or_else(|p| p.into_inner()) = site;
    }

    fn site(&self) -> Site {
        self.site.read().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// Everything the routes need.
#[derive(Clone)]
struct AppState {
    store: Store,
    shared: Shared,
    renderer: Arc<Renderer>,
}

impl AppState {
    fn settings(&self) -> Arc<feeds::Settings> {
        self.shared.site().settings
    }
}

/// The routes, as the daemon serves them.
pub(crate) type Routes = Router;

/// The routes, ready to serve.
pub(crate) fn router(store: Store, shared: Shared) -> Router {
    let state = AppState {
        store,
        shared,
        renderer: Arc::default(),
    };
    Router::new()
        .route("/", get(home))
        .route("/feed.xsl", get(pages::xslt_gone))
        .route("/style.css", get(pages::style))
        .route("/favicon.svg", get(pages::icon))
        .route("/items/{id}", get(pages::item))
        .route("/sources", get(pages::sources))
        .route("/sources.json", get(sources))
        .route("/sources.opml", get(opml))
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .fallback(get(documents::document))
        .layer(axum::middleware::map_response(headers::secure))
        .with_state(state)
}

/// Tagged items the page at `/` shows (the tagged feed's page has more).
const HOME_ITEMS: usize = 20;

/// The page for people: feeds to subscribe to, latest tagged items, sources.
async fn home(State(state): State<AppState>, headers: HeaderMap) -> Response {
    // Rendered for each request: it takes its turn like any rendering.
    let _turn = match state.renderer.turn().await {
        Ok(turn) => turn,
        Err(render::Failure::Busy(waited)) => return documents::busy(waited),
        Err(e) => return unavailable(&e.to_string()),
    };
    let query = EntryQuery {
        tagged_only: true,
        limit: HOME_ITEMS + 1,
        ..EntryQuery::default()
    };
    let (mut latest, stored) = match (state.store.entries(query).await, state.store.source_health().await) {
        (Ok(latest), Ok(stored)) => (latest, stored),
        (Err(e), _) | (_, Err(e)) => return unavailable(&format!("cannot read the store: {e}")),
    };
    let now = chrono::Utc::now();
    let site = state.shared.site();
    let reports = health::report(&site.catalog, stored, now);
    let prefix = feeds::prefix(&site.settings, documents::origin(&site.settings, &headers).as_ref());
    let settings = &site.settings;
    let older = (latest.len() > HOME_ITEMS).then(|| {
        latest.truncate(HOME_ITEMS);
        let cursor = latest.last().map(|e| e.cursor.clone()).unwrap_or_default();
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("before", &cursor)
            .finish();
        format!("{prefix}feed.html?{query}")
    });
    let tags: Vec<(String, String)> = settings
        .tags
        .iter()
        .map(|t| (t.name.clone(), t.label.clone().unwrap_or_else(|| t.name.clone())))
        .collect();
    let sources: Vec<(String, String)> = settings
        .sources
        .iter()
        .map(|s| (s.id.to_string(), s.title.clone()))
        .collect();
    let page = publish::page(&PageInfo {
        title: &settings.title,
        prefix: &prefix,
        feeds: PageInfo::subscriptions(&prefix, &tags, &sources),
        tags: &settings.tags,
        latest: &latest,
        older,
        sources: &reports,
        now,
    });
    let headers = [
        (header::CONTENT_TYPE, publish::HTML_CONTENT_TYPE),
        (header::CACHE_CONTROL, "no-cache"),
    ];
    (headers, page).into_response()
}

async fn opml(State(state): State<AppState>) -> Response {
    let settings = state.settings();
    let sources: Vec<publish::OpmlSource<'_>> = settings
        .sources
        .iter()
        .map(|s| publish::OpmlSource {
            title: &s.title,
            url: &s.url,
            language: s.language.as_deref(),
        })
        .collect();
    let body = publish::opml(&format!("{}: sources", settings.title), &sources);
    ([(header::CONTENT_TYPE, publish::OPML_CONTENT_TYPE)], body).into_response()
}

async fn sources(State(state): State<AppState>) -> Response {
    match state.store.source_health().await {
        Ok(stored) => {
            let reports = health::report(&state.shared.site().catalog, stored, chrono::Utc::now());
            let headers = [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "no-cache"),
            ];
            // Feed titles stored before hidden controls were dropped at the door.
            let json = crate::normalize::without_hidden_controls(health::to_json(&reports));
            (headers, json).into_response()
        }
        Err(e) => unavailable(&format!("cannot read source health: {e}")),
    }
}

/// The counters, with the store's figures when it can be read: a store
/// that cannot is what the counters must still show.
async fn metrics(State(state): State<AppState>) -> Response {
    let mut figures = state.store.figures().await.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "/metrics: cannot read the store's figures; counters only");
        crate::metrics::StoreFigures::default()
    });
    let condition = state.store.condition();
    figures.errors = state.store.error_counts();
    figures.writes_failing = condition.writes_failing.is_some();
    figures.damaged = condition.damaged.is_some();
    let body = state.shared.metrics.render(&figures);
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        body,
    )
        .into_response()
}

/// Ready: the store answers, can write and is not damaged, and polling
/// is scheduled. (Liveness, `/healthz`, only asks whether the store
/// answers: restarting cannot empty a full disk or repair a file.)
async fn readyz(State(state): State<AppState>) -> Response {
    let scheduling = state.shared.scheduling.load(std::sync::atomic::Ordering::Acquire);
    let condition = state.store.condition();
    match (state.store.ping().await, condition.problem(), scheduling) {
        (Err(e), _, _) => plain(StatusCode::SERVICE_UNAVAILABLE, format!("not ready: database: {e}\n")),
        (Ok(()), Some(problem), _) => plain(StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {problem}\n")),
        (Ok(()), None, false) => plain(
            StatusCode::SERVICE_UNAVAILABLE,
            "not ready: polling is not scheduled\n".into(),
        ),
        (Ok(()), None, true) if condition.check == store::Check::Running => plain(
            StatusCode::OK,
            "ready (the database's integrity check is still running)\n".into(),
        ),
        (Ok(()), None, true) => (StatusCode::OK, "ready\n").into_response(),
    }
}

async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, format!("database: {e}\n")).into_response(),
    }
}

fn plain(status: StatusCode, text: String) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
}

/// Logged once here; the client gets a plain explanation.
fn unavailable(error: &str) -> Response {
    tracing::error!(%error, "request failed");
    plain(
        StatusCode::SERVICE_UNAVAILABLE,
        "the database is not answering; try again later\n".to_string(),
    )
}
