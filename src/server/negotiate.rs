//! Content negotiation for the feeds' addresses: a request whose
//! `Accept` ranks `text/html` above every feed type (by q-value, then by
//! order) gets the feed's page; anything else gets the feed, so a reader
//! never breaks: no `Accept`, `*/*` alone, or a feed type ranked at least
//! as high as HTML.

/// The media types a feed is served as, or that a reader asking for one
/// names (RSS readers ask for XML in general).
const FEED_TYPES: [&str; 7] = [
    "application/atom+xml",
    "application/feed+json",
    "application/json",
    "application/rss+xml",
    "application/xml",
    "text/xml",
    "application/x-atom+xml",
];
/// What a browser asks for when it wants a page.
const HTML_TYPES: [&str; 2] = ["text/html", "application/xhtml+xml"];

/// Whether the `Accept` header asks for the page rather than the feed.
pub(crate) fn wants_html(accept: Option<&str>) -> bool {
    let Some(accept) = accept else { return false };
    // (q in thousandths, position) of the best range for each side; a
    // higher q wins, then the earlier position.
    let mut html: Option<(u16, usize)> = None;
    let mut feed: Option<(u16, usize)> = None;
    let better = |best: &mut Option<(u16, usize)>, q: u16, at: usize| {
        if best.is_none_or(|(bq, _)| q > bq) {
            *best = Some((q, at));
        }
    };
    for (at, range) in accept.split(',').enumerate().take(64) {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().split_once('='))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
            .map_or(Some(1000), |(_, v)| quality(v.trim()));
        let Some(q) = q else { continue };
        if HTML_TYPES.contains(&media.as_str()) {
            better(&mut html, q, at);
        } else if FEED_TYPES.contains(&media.as_str()) || matches!(media.as_str(), "*/*" | "application/*" | "text/*") {
            // A wildcard a browser sends at a lower q still counts for
            // the feed: `*/*` alone gets the feed.
            better(&mut feed, q, at);
        }
    }
    match (html, feed) {
        (Some((hq, _)), None) => hq > 0,
        (Some((hq, hat)), Some((fq, fat))) => hq > fq || (hq == fq && hq > 0 && hat < fat),
        _ => false,
    }
}

/// A q-value (`0`, `0.8`, `1.000`) in thousandths; `None` when malformed.
fn quality(text: &str) -> Option<u16> {
    let value: f32 = text.parse().ok()?;
    (0.0..=1.0).contains(&value).then(|| (value * 1000.0).round() as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browsers_get_the_page_and_readers_the_feed() {
        // Chromium, Firefox, Safari.
        assert!(wants_html(Some(
            "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
        )));
        assert!(wants_html(Some(
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        )));
        assert!(wants_html(Some("text/html, */*")), "equal q: the earlier wins");
        // Readers, curl, libraries.
        for reader in [
            None,
            Some("*/*"),
            Some(""),
            Some("application/atom+xml,application/rss+xml;q=0.9,*/*;q=0.8"),
            Some("application/atom+xml, text/html"),
            Some("*/*, text/html"),
            Some("application/xml, text/html"),
            Some("text/html;q=0.5, application/atom+xml"),
            Some("text/html;q=0"),
            Some("text/html;q=abc"),
            Some("application/feed+json;q=1, text/html;q=1"),
        ] {
            assert!(!wants_html(reader), "{reader:?}");
        }
        assert!(wants_html(Some("text/html;q=0.9, application/atom+xml;q=0.5")));
    }
}
