//! Feed bytes ─▶ UTF-8, choosing the encoding as the XML specification
//! and RFC 7303 order it: byte-order mark (or UTF-16 auto-detection), then
//! the HTTP `charset`, then the XML declaration, else UTF-8. The parser
//! then only ever sees UTF-8 with a declaration that says so. HTML pages
//! (listing sources, articles) are decoded as browsers decode them.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE};

/// The document as UTF-8 (invalid sequences replaced by U+FFFD).
pub(crate) fn to_utf8<'a>(bytes: &'a [u8], content_type: Option<&str>) -> Cow<'a, str> {
    let (encoding, body) = choose(bytes, content_type);
    if encoding == UTF_8
        && !declares_other_encoding(body)
        && let Ok(text) = std::str::from_utf8(body)
    {
        return Cow::Borrowed(text);
    }
    let (text, _) = encoding.decode_without_bom_handling(body);
    Cow::Owned(rewrite_declaration(&text))
}

/// The encoding and the bytes to decode (without a byte-order mark).
fn choose<'a>(bytes: &'a [u8], content_type: Option<&str>) -> (&'static Encoding, &'a [u8]) {
    if let Some((encoding, bom_length)) = Encoding::for_bom(bytes) {
        return (encoding, &bytes[bom_length..]);
    }
    if bytes.starts_with(&[0, b'<', 0, b'?']) {
        return (UTF_16BE, bytes);
    }
    if bytes.starts_with(&[b'<', 0, b'?', 0]) {
        return (UTF_16LE, bytes);
    }
    let label = content_type
        .and_then(charset_param)
        .or_else(|| declared_encoding(bytes));
    // A UTF-16 label on bytes that are not UTF-16 (no BOM, no zero bytes
    // where ASCII would be) is a lie some servers tell: ignore it.
    let encoding = label
        .and_then(|l| Encoding::for_label(l.trim().as_bytes()))
        .filter(|e| *e != UTF_16BE && *e != UTF_16LE)
        .unwrap_or(UTF_8);
    (encoding, bytes)
}

/// `charset` from a Content-Type header value.
fn charset_param(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(['"', '\'']))
    })
}

/// The `encoding` of an ASCII-compatible `<?xml …?>` declaration.
fn declared_encoding(bytes: &[u8]) -> Option<&str> {
    let head = &bytes[..bytes.len().min(512)];
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let head = head[start..].strip_prefix(b"<?xml")?;
    let end = head.windows(2).position(|w| w == b"?>")?;
    let decl = std::str::from_utf8(&head[..end]).ok()?;
    let after = &decl[decl.find("encoding")? + "encoding".len()..];
    let after = after.trim_start().strip_prefix('=')?.trim_start();
    let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &after[1..];
    Some(&value[..value.find(quote)?])
}

fn declares_other_encoding(bytes: &[u8]) -> bool {
    declared_encoding(bytes).is_some_and(|label| Encoding::for_label(label.trim().as_bytes()) != Some(UTF_8))
}

/// Replaces the declaration's encoding with utf-8, since the text now is.
fn rewrite_declaration(text: &str) -> String {
    let trimmed = text.trim_start();
    if let Some(rest) = trimmed.strip_prefix("<?xml")
        && let Some(end) = rest.find("?>")
    {
        return format!("<?xml version=\"1.0\" encoding=\"utf-8\"?>{}", &rest[end + 2..]);
    }
    text.to_string()
}

/// An HTML page as UTF-8, choosing the encoding as browsers do: the
/// byte-order mark, then the HTTP `charset`, then a `<meta charset>` (or
/// `http-equiv` Content-Type) in the first 1,024 bytes, else UTF-8 when
/// the bytes are UTF-8 and windows-1252 (the web's default) when not.
pub(crate) fn html_to_utf8(bytes: &[u8], content_type: Option<&str>) -> String {
    if let Some((encoding, bom_length)) = Encoding::for_bom(bytes) {
        return encoding
            .decode_without_bom_handling(&bytes[bom_length..])
            .0
            .into_owned();
    }
    let label = content_type.and_then(charset_param).or_else(|| meta_charset(bytes));
    // A page cannot really be UTF-16 without a byte-order mark: the meta
    // tag it was read from is ASCII.
    let encoding = label
        .and_then(|l| Encoding::for_label(l.trim().as_bytes()))
        .map(|e| if e == UTF_16BE || e == UTF_16LE { UTF_8 } else { e });
    let encoding = match encoding {
        Some(encoding) => encoding,
        None if std::str::from_utf8(bytes).is_ok() => UTF_8,
        None => encoding_rs::WINDOWS_1252,
    };
    encoding.decode_without_bom_handling(bytes).0.into_owned()
}

/// The `charset` a `<meta>` tag near the start of a page declares.
fn meta_charset(bytes: &[u8]) -> Option<&str> {
    let head = &bytes[..bytes.len().min(1024)];
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let mut from = 0;
    while let Some(at) = find(&lower[from..], b"<meta") {
        let start = from + at;
        let end = lower[start..]
            .iter()
            .position(|b| *b == b'>')
            .map_or(lower.len(), |e| start + e);
        if let Some(c) = find(&lower[start..end], b"charset") {
            let mut i = start + c + b"charset".len();
            while i < end && (lower[i].is_ascii_whitespace() || lower[i] == b'=') {
                i += 1;
            }
            while i < end && matches!(lower[i], b'"' | b'\'') {
                i += 1;
            }
            let value_end = (i..end)
                .find(|&j| matches!(lower[j], b'"' | b'\'' | b';' | b'/' | b' ') || lower[j].is_ascii_whitespace())
                .unwrap_or(end);
            return std::str::from_utf8(&head[i..value_end]).ok().filter(|v| !v.is_empty());
        }
        from = end;
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(bytes: &[u8], content_type: Option<&str>) -> String {
        to_utf8(bytes, content_type).into_owned()
    }

    #[test]
    fn baltic_and_cyrillic_legacy_encodings_by_declaration() {
        // "Cilvēku tirdzniecība" in windows-1257: ē = 0xE7, ī = 0xEE.
        let latvian = b"<?xml version=\"1.0\" encoding=\"windows-1257\"?><t>Cilv\xE7ku tirdzniec\xEEba</t>";
        assert!(decoded(latvian, None).ends_with("<t>Cilvēku tirdzniecība</t>"));
        assert!(decoded(latvian, None).starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"));
        // "торговля" in KOI8-R.
        let russian = b"<?xml version='1.0' encoding='KOI8-R'?><t>\xD4\xCF\xD2\xC7\xCF\xD7\xCC\xD1</t>";
        assert!(decoded(russian, None).ends_with("<t>торговля</t>"));
    }

    #[test]
    fn http_charset_wins_over_the_declaration_and_bom_wins_over_both() {
        let body = b"<?xml version=\"1.0\" encoding=\"utf-8\"?><t>\xE0</t>";
        assert!(decoded(body, Some("text/xml; charset=ISO-8859-13")).ends_with("<t>ą</t>"));
        let mut utf16 = vec![0xFF, 0xFE];
        for unit in "<?xml version=\"1.0\" encoding=\"koi8-r\"?><t>ž</t>".encode_utf16() {
            utf16.extend(unit.to_le_bytes());
        }
        assert!(decoded(&utf16, Some("text/xml; charset=windows-1251")).ends_with("<t>ž</t>"));
    }

    #[test]
    fn utf16_without_bom_is_detected() {
        let mut be = Vec::new();
        for unit in "<?xml version=\"1.0\"?><t>ё</t>".encode_utf16() {
            be.extend(unit.to_be_bytes());
        }
        assert!(decoded(&be, None).ends_with("<t>ё</t>"));
    }

    #[test]
    fn html_pages_declare_their_encoding_in_a_meta_tag() {
        let meta = b"<html><head><meta charset=\"windows-1257\"><title>Cilv\xE7ku</title>";
        assert!(html_to_utf8(meta, None).contains("<title>Cilvēku</title>"));
        let equiv = b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=koi8-r\"><p>\xD4\xCF\xD2\xC7\xCF\xD7\xCC\xD1";
        assert!(html_to_utf8(equiv, None).ends_with("<p>торговля"));
        // The header wins over the page; bytes that are no UTF-8 and say
        // nothing are read as windows-1252.
        assert!(html_to_utf8(meta, Some("text/html; charset=iso-8859-1")).contains("Cilvçku"));
        assert_eq!(html_to_utf8(b"<p>caf\xE9", None), "<p>café");
        assert_eq!(html_to_utf8("<p>ų".as_bytes(), None), "<p>ų");
    }

    #[test]
    fn plain_utf8_passes_through_untouched() {
        let body = "<?xml version=\"1.0\"?><t>ų</t>".as_bytes();
        assert!(matches!(to_utf8(body, None), Cow::Borrowed(_)));
        assert_eq!(decoded(b"{\"version\":1}", Some("application/json")), "{\"version\":1}");
    }
}
