//! The feeds as HTTP resources: a request's path and query checked and
//! turned into a document (through the [`Renderer`]'s bounds), answered
//! with the best encoding the client accepts, or 304.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use url::Url;

use super::cache::{Cached, Encoding};
use super::render::{Failure, Key, Renderer};
use super::{AppState, plain, unavailable};
use crate::feeds::{self, Filters, Format, Request};
use crate::store;

/// Longest `?q=` (and any other filter) in characters: far more than any
/// search needs, far less than SQLite's pattern limit.
pub(crate) const MAX_FILTER_CHARS: usize = 256;
/// The query parameters a feed reads (others are ignored).
const FILTERS: [&str; 8] = ["lang", "country", "q", "before", "tag", "source", "from", "to"];
/// Longest `Host` that gives self links: a DNS name is at most 253.
const MAX_HOST_BYTES: usize = 260;

/// Any feed: `/feed.atom`, `/all.json`, `/tags/{tag}.atom`,
/// `/sources/{id}.json`, `/search.atom`, with `?lang=`, `?country=`,
/// `?q=`, `?tag=`, `?source=`, `?from=`, `?to=`, `?before=`; and each
/// one's page (`.html`, `/search`), which a browser also gets at the
/// feed's address ([`super::negotiate`]).
pub(super) async fn document(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> Response {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .into_owned()
        .collect();
    let too_long = pairs
        .iter()
        .find(|(k, v)| FILTERS.contains(&k.as_str()) && v.chars().count() > MAX_FILTER_CHARS);
    if let Some((name, value)) = too_long {
        return plain(
            StatusCode::BAD_REQUEST,
            format!(
                "{name}= is {} characters long; at most {MAX_FILTER_CHARS} are allowed\n",
                value.chars().count()
            ),
        );
    }
    let filters = Filters::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    // The generation first: a reload between the two reads then leaves a
    // document marked with the older generation, rendered again next time.
    let generation = state.store.generation();
    let site = state.shared.site();
    let Some(mut request) = Request::parse(uri.path().trim_start_matches('/'), filters) else {
        return plain(
            StatusCode::NOT_FOUND,
            format!(
                "no such page: {}\nfeeds: /feed.atom, /all.atom, /tags/TAG.atom, /sources/ID.atom, /search.atom \
                 (and .json, and .html for their pages); see /\n",
                uri.path()
            ),
        );
    };
    // A feed's address answers a browser with the feed's page.
    let negotiated = request.format != Format::Html;
    if negotiated && super::negotiate::wants_html(headers.get(header::ACCEPT).and_then(|v| v.to_str().ok())) {
        request = request.with_format(Format::Html);
    }
    if let Err(message) = feeds::check(&site.settings, &request.feed) {
        return plain(StatusCode::NOT_FOUND, format!("{message}\n"));
    }
    if let Some(before) = &request.filters.before
        && store::parse_cursor(before).is_none()
    {
        return plain(
            StatusCode::BAD_REQUEST,
            format!("before={before:?} is not a page cursor of this feed\n"),
        );
    }
    if let Err(message) = feeds::check_filters(&site.settings, &request.filters) {
        return plain(StatusCode::BAD_REQUEST, format!("{message}\n"));
    }
    let origin = origin(&site.settings, &headers);
    let key = Key {
        text: format!("{}|{}", origin.as_ref().map_or("", Url::as_str), request.key()),
        by_host: origin.is_some(),
        // Searches are many and rarely repeated.
        keep: request.filters.q.is_none(),
    };
    let settings = &site.settings;
    let rendered = state
        .renderer
        .document(&key, generation, Some(&state.store), || {
            feeds::render(&state.store, settings, &request, origin.as_ref())
        })
        .await;
    match rendered {
        Ok(cached) => respond(&state.renderer, &cached, &headers, site.max_age, negotiated).await,
        Err(Failure::Busy(waited)) => busy(waited),
        Err(e) => unavailable(&format!("cannot render {}: {e}", request.path())),
    }
}

/// 200 with the best encoding, or 304 when the client's copy is current.
/// `negotiated`: the address serves a feed or its page by `Accept`, and
/// says so (`Vary: Accept`) to caches.
async fn respond(
    renderer: &Renderer,
    cached: &Arc<Cached>,
    request: &HeaderMap,
    max_age: Duration,
    negotiated: bool,
) -> Response {
    let text = |name| request.get(name).and_then(|v: &HeaderValue| v.to_str().ok());
    let wanted = Encoding::negotiate(text(header::ACCEPT_ENCODING));
    let not_modified = cached.not_modified(wanted, text(header::IF_NONE_MATCH), text(header::IF_MODIFIED_SINCE));
    let (encoding, body) = if not_modified {
        (wanted, None)
    } else {
        let (encoding, bytes) = renderer.body(cached, wanted).await;
        (encoding, Some(bytes))
    };
    let mut response = match body {
        None => Response::builder().status(StatusCode::NOT_MODIFIED),
        Some(_) => Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, cached.content_type),
    };
    response = response
        .header(header::ETAG, cached.etag(encoding))
        .header(header::LAST_MODIFIED, httpdate::fmt_http_date(cached.last_modified()))
        .header(header::CACHE_CONTROL, format!("public, max-age={}", max_age.as_secs()))
        .header(
            header::VARY,
            if negotiated {
                "Accept, Accept-Encoding"
            } else {
                "Accept-Encoding"
            },
        );
    if let (Some(coding), Some(_)) = (encoding.header(), &body) {
        response = response.header(header::CONTENT_ENCODING, coding);
    }
    response
        .body(body.map_or_else(Body::empty, Body::from))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// Every rendering turn stayed taken: come back shortly. Not an error of
/// the service (a burst of requests), so not logged as one.
pub(super) fn busy(waited: Duration) -> Response {
    tracing::debug!(
        waited_s = waited.as_secs(),
        "a document request found no rendering turn"
    );
    let mut response = plain(
        StatusCode::SERVICE_UNAVAILABLE,
        "too many documents are being rendered right now; try again in a few seconds\n".to_string(),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    response
}

/// Where links point when no public address is configured: the address
/// this request came to.
pub(super) fn origin(settings: &feeds::Settings, headers: &HeaderMap) -> Option<Url> {
    if settings.base_url.is_some() {
        return None;
    }
    let host = headers.get(header::HOST)?.to_str().ok()?;
    if host.len() > MAX_HOST_BYTES {
        return None;
    }
    Url::parse(&format!("http://{host}/")).ok().filter(|u| u.path() == "/")
}
