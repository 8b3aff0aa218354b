//! A bound on how deep HTML nests, checked before the parser sees it.
//! html5ever looks through the stack of open elements for each new tag,
//! so a hostile page of 2 million nested `<div>`s (10 MB) would take hours
//! to parse. Browsers stop nesting at 512 levels; here the document is
//! cut where it goes deeper, and what came before is read as usual (a
//! clean partial result, with a warning).

/// Deepest nesting read (Blink's limit).
pub(crate) const MAX_DEPTH: usize = 512;

/// Elements that are never closed, or that the parser closes implicitly:
/// they do not add to the depth an estimate counts.
const UNCOUNTED: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr", "p",
    "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "tbody", "thead", "tfoot", "colgroup", "rb", "rt", "rp",
    "html", "head", "body",
];

/// The byte offset where `html` first nests deeper than `max` (counting
/// start and end tags, skipping comments, scripts and styles), if it does.
pub(crate) fn too_deep_at(html: &str, max: usize) -> Option<usize> {
    let bytes = html.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(found) = memchr(b'<', &bytes[i..]) {
        let at = i + found;
        let rest = &bytes[at + 1..];
        if rest.starts_with(b"!--") {
            i = find(bytes, at + 4, b"-->").map_or(bytes.len(), |e| e + 3);
            continue;
        }
        let closing = rest.first() == Some(&b'/');
        let name_start = at + 1 + usize::from(closing);
        let name_len = bytes[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if name_len == 0 {
            i = at + 1;
            continue;
        }
        let name = html[name_start..name_start + name_len].to_ascii_lowercase();
        let tag_end = memchr(b'>', &bytes[name_start..]).map_or(bytes.len(), |e| name_start + e);
        let self_closing = tag_end > 0 && bytes.get(tag_end - 1) == Some(&b'/');
        if !closing && matches!(name.as_str(), "script" | "style" | "textarea" | "title") {
            let end = format!("</{name}");
            i = find_ignoring_case(bytes, tag_end, end.as_bytes()).unwrap_or(bytes.len());
            continue;
        }
        if !UNCOUNTED.contains(&name.as_str()) {
            if closing {
                depth = depth.saturating_sub(1);
            } else if !self_closing {
                depth += 1;
                if depth > max {
                    return Some(at);
                }
            }
        }
        i = tag_end.min(bytes.len());
    }
    None
}

/// `html` cut where it nests deeper than [`MAX_DEPTH`], and whether it was.
pub(crate) fn bounded(html: &str) -> (&str, bool) {
    match too_deep_at(html, MAX_DEPTH) {
        Some(at) => (&html[..at], true),
        None => (html, false),
    }
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|b| *b == needle)
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

fn find_ignoring_case(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
        .map(|p| from + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_what_nests_and_skips_what_cannot() {
        assert_eq!(too_deep_at("<div><div></div></div>", 2), None);
        assert_eq!(too_deep_at("<div><div><div>", 2), Some(10));
        // Void and implicitly closed elements, comments, scripts and
        // self-closing tags do not nest.
        let flat = "<ul><li>a<li>b<br><img src=x><p>c<p>d</ul><!-- <div><div><div> -->\
                    <script>'<div><div><div>'</script><svg/><x-a/>";
        assert_eq!(too_deep_at(flat, 1), None);
        let deep = "<div>".repeat(1_000);
        let (kept, cut) = bounded(&deep);
        assert!(cut);
        assert_eq!(kept.len(), MAX_DEPTH * 5);
    }
}
