//! Security headers. Every response: `X-Content-Type-Options: nosniff`,
//! so a browser never guesses a feed or a plain-text error into HTML.
//! Every HTML page besides: a Content-Security-Policy that lets nothing
//! load or run (the page is plain HTML and its one inline style), no
//! framing, no referrer sent to the sites it links to.

use axum::http::{HeaderName, HeaderValue, header};
use axum::response::Response;

/// What the HTML page may do: show itself and its inline style; nothing
/// else loads, runs, frames it or is submitted.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const FOR_HTML: [(HeaderName, &str); 4] = [
    (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::REFERRER_POLICY, "no-referrer"),
    (HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
];

/// Adds the headers to a response of the routes.
pub async fn secure(mut response: Response) -> Response {
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.trim_start().to_ascii_lowercase().starts_with("text/html"));
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if is_html {
        for (name, value) in FOR_HTML {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    response
}
