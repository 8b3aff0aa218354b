//! Security headers. Every response: `X-Content-Type-Options: nosniff`,
//! so a browser never guesses a feed or a plain-text error into HTML.
//! Every HTML page besides: a Content-Security-Policy that lets nothing
//! run and nothing load but the site's own stylesheet and icon (no inline
//! style either), forms submitted only to the site itself, no framing, no
//! referrer sent to the sites it links to.

use axum::http::{HeaderName, HeaderValue, header};
use axum::response::Response;

/// What the HTML pages may do: show themselves with the site's
/// stylesheet and icon, and submit the search form to the site; nothing
/// else loads, runs or frames them.
pub(crate) const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

const FOR_HTML: [(HeaderName, &str); 4] = [
    (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::REFERRER_POLICY, "no-referrer"),
    (HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
];

/// Adds the headers to a response of the routes.
pub(crate) async fn secure(mut response: Response) -> Response {
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
