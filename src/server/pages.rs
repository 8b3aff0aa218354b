//! The pages rendered for each request (never cached: they show the
//! state of the moment): an item's page and the sources page; and the
//! pages' stylesheet and icon. `/feed.xsl` is gone: browsers get each
//! feed's page at the feed's address, and XSLT is leaving browsers.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{AppState, documents, plain, render, unavailable};
use crate::feeds;
use crate::health;
use crate::publish::{self, pages};

/// Weeks counted on the sources page.
const WEEKS: usize = pages::WEEKS;

/// The stylesheet of every page, cached a day.
pub(super) async fn style() -> Response {
    let headers = [
        (header::CONTENT_TYPE, "text/css; charset=utf-8"),
        (header::CACHE_CONTROL, "public, max-age=86400"),
    ];
    (headers, pages::STYLE).into_response()
}

/// The pages' icon (a browser asks for one; without it, a 404 in its log).
pub(super) async fn icon() -> Response {
    let headers = [
        (header::CONTENT_TYPE, "image/svg+xml"),
        (header::CACHE_CONTROL, "public, max-age=86400"),
    ];
    (headers, pages::ICON).into_response()
}

/// `/feed.xsl` served the XSLT browsers applied to the Atom feeds; the
/// feeds' addresses now answer a browser with a page.
pub(super) async fn xslt_gone() -> Response {
    plain(
        StatusCode::GONE,
        "the XSLT stylesheet is gone: open a feed's address (or its .html page) in a browser to read it\n".into(),
    )
}

fn prefix(state: &AppState, headers: &HeaderMap) -> String {
    let settings = state.settings();
    feeds::prefix(&settings, documents::origin(&settings, headers).as_ref())
}

fn html(page: String) -> Response {
    let headers = [
        (header::CONTENT_TYPE, publish::HTML_CONTENT_TYPE),
        (header::CACHE_CONTROL, "no-cache"),
    ];
    (headers, page).into_response()
}

/// `/items/{id}`: an item's whole story.
pub(super) async fn item(State(state): State<AppState>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let Some(id) = id.parse::<i64>().ok().filter(|id| *id > 0) else {
        return plain(
            StatusCode::NOT_FOUND,
            format!("no such item: {id:?} is not an item number\n"),
        );
    };
    let _turn = match state.renderer.turn().await {
        Ok(turn) => turn,
        Err(render::Failure::Busy(waited)) => return documents::busy(waited),
        Err(e) => return unavailable(&e.to_string()),
    };
    let story = match state.store.item_story(id).await {
        Ok(Some(story)) => story,
        Ok(None) => {
            return plain(
                StatusCode::NOT_FOUND,
                format!("no item {id}: never stored, or pruned by retention\n"),
            );
        }
        Err(e) => return unavailable(&format!("cannot read item {id}: {e}")),
    };
    let settings = state.settings();
    let prefix = prefix(&state, &headers);
    html(pages::item_page(&settings.title, &prefix, &settings.tags, &story))
}

/// `/sources`: every source's state, polls and items per week.
pub(super) async fn sources(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let _turn = match state.renderer.turn().await {
        Ok(turn) => turn,
        Err(render::Failure::Busy(waited)) => return documents::busy(waited),
        Err(e) => return unavailable(&e.to_string()),
    };
    let now = chrono::Utc::now();
    let (stored, activity) = match (
        state.store.source_health().await,
        state.store.source_activity(WEEKS, pages::POLLS_SHOWN, now).await,
    ) {
        (Ok(stored), Ok(activity)) => (stored, activity),
        (Err(e), _) | (_, Err(e)) => return unavailable(&format!("cannot read the sources: {e}")),
    };
    let site = state.shared.site();
    let reports = health::report(&site.catalog, stored, now);
    let prefix = prefix(&state, &headers);
    html(pages::sources_page(
        &site.settings.title,
        &prefix,
        &reports,
        &activity,
        now,
    ))
}
