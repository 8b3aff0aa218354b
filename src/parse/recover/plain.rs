//! The well-formedness check's fast path: one scan over the bytes, jumping
//! from markup to markup with `memchr`, that recognises the plain shape
//! nearly every feed has (ASCII names, quoted attributes, the predefined
//! and numeric references, comments, CDATA, processing instructions). It
//! answers only when it is sure the document is well-formed; anything
//! else (a DOCTYPE, a non-ASCII name, a fault) leaves the verdict to the
//! tokenizing check, which also says what recovery would mend.

use super::text::{has_forbidden, is_xml_char};

/// `true` when `input` is certainly one well-formed element with nothing
/// recovery would mend; `false` when unsure (not necessarily damaged).
pub(super) fn surely_well_formed(input: &str) -> bool {
    let bytes = input.as_bytes();
    let mut open: Vec<&[u8]> = Vec::new();
    let (mut at, mut root_closed) = (0, false);
    loop {
        let next = memchr::memchr2(b'<', b'&', &bytes[at..]).map_or(bytes.len(), |n| at + n);
        let text = &input[at..next];
        let outside = open.is_empty();
        if (outside && !text.bytes().all(|b| b.is_ascii_whitespace())) || has_forbidden(text) {
            return false;
        }
        if next == bytes.len() {
            return open.is_empty() && root_closed;
        }
        let rest = &bytes[next..];
        let used = if rest[0] == b'&' {
            if outside {
                return false;
            }
            reference(rest)
        } else if rest.starts_with(b"<!--") {
            comment(rest)
        } else if rest.starts_with(b"<?") {
            name(&rest[2..])
                .and_then(|_| memchr::memmem::find(rest, b"?>"))
                .map(|end| end + 2)
        } else if rest.starts_with(b"<![CDATA[") {
            cdata(rest).filter(|_| !outside)
        } else if rest.starts_with(b"</") {
            end_tag(rest)
                .filter(|(name, _)| open.pop() == Some(*name))
                .map(|(_, used)| {
                    root_closed = open.is_empty();
                    used
                })
        } else if root_closed {
            None
        } else {
            start_tag(rest).map(|(name, empty, used)| {
                match empty {
                    false => open.push(name),
                    true => root_closed = open.is_empty(),
                }
                used
            })
        };
        match used {
            Some(used) => at = next + used,
            None => return false,
        }
    }
}

/// `&name;` with a name XML defines: its length.
fn reference(rest: &[u8]) -> Option<usize> {
    let end = rest.iter().take(12).position(|b| *b == b';')?;
    let name = std::str::from_utf8(&rest[1..end]).ok()?;
    let known = matches!(name, "amp" | "lt" | "gt" | "quot" | "apos")
        || match name.strip_prefix("#x") {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => name.strip_prefix('#').and_then(|n| n.parse().ok()),
        }
        .and_then(char::from_u32)
        .is_some_and(is_xml_char);
    known.then_some(end + 1)
}

/// `<!-- … -->` without `--` inside.
fn comment(rest: &[u8]) -> Option<usize> {
    let end = memchr::memmem::find(&rest[4..], b"--")? + 4;
    (rest.get(end + 2) == Some(&b'>')).then_some(end + 3)
}

/// `<![CDATA[ … ]]>` holding only allowed characters.
fn cdata(rest: &[u8]) -> Option<usize> {
    let end = memchr::memmem::find(rest, b"]]>")?;
    let data = std::str::from_utf8(&rest[9..end]).ok()?;
    (!has_forbidden(data)).then_some(end + 3)
}

/// `</name>` (spaces allowed before `>`): the name and the length.
fn end_tag(rest: &[u8]) -> Option<(&[u8], usize)> {
    let length = name(&rest[2..])?;
    let after = rest[2 + length..].iter().position(|b| !b.is_ascii_whitespace())? + 2 + length;
    (rest[after] == b'>').then_some((&rest[2..2 + length], after + 1))
}

/// `<name attr="value" …>` or `…/>`: the name, whether it is empty, the
/// length. Every attribute quoted, after white space, with no `<` and
/// only defined references in its value.
fn start_tag(rest: &[u8]) -> Option<(&[u8], bool, usize)> {
    let length = name(&rest[1..])?;
    let mut at = 1 + length;
    loop {
        let spaced = rest.get(at)?.is_ascii_whitespace();
        at += rest[at..].iter().position(|b| !b.is_ascii_whitespace())?;
        match rest[at] {
            b'>' => return Some((&rest[1..1 + length], false, at + 1)),
            b'/' if rest.get(at + 1) == Some(&b'>') => return Some((&rest[1..1 + length], true, at + 2)),
            _ if spaced => at += attribute(&rest[at..])?,
            _ => return None,
        }
    }
}

/// `name="value"` or `name='value'`: its length.
fn attribute(rest: &[u8]) -> Option<usize> {
    let mut at = name(rest)?;
    at += rest[at..].iter().position(|b| !b.is_ascii_whitespace())?;
    if rest[at] != b'=' {
        return None;
    }
    at += 1;
    at += rest[at..].iter().position(|b| !b.is_ascii_whitespace())?;
    let quote = rest[at];
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let end = memchr::memchr(quote, &rest[at + 1..])? + at + 1;
    let value = std::str::from_utf8(&rest[at + 1..end]).ok()?;
    let references_ok = value
        .match_indices('&')
        .all(|(i, _)| reference(&value.as_bytes()[i..]).is_some());
    // A `>` in a value is allowed, but left to the full check.
    let plain = !value.contains(['<', '>']);
    (plain && !has_forbidden(value) && references_ok).then_some(end + 1)
}

/// The length of the ASCII XML name `rest` starts with (at most one
/// colon, not first), if it starts with one.
fn name(rest: &[u8]) -> Option<usize> {
    let first = *rest.first()?;
    if !(first.is_ascii_alphabetic() || first == b'_') {
        return None;
    }
    let length = rest
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':')))
        .unwrap_or(rest.len());
    let colons = rest[..length].iter().filter(|b| **b == b':').count();
    (colons <= 1 && rest[length - 1] != b':').then_some(length)
}

#[cfg(test)]
mod tests {
    use super::surely_well_formed;

    #[test]
    fn plain_feeds_are_recognised_and_anything_doubtful_is_left_to_the_full_check() {
        for plain in [
            "<?xml version=\"1.0\"?>\n<!-- c --><rss a=\"1 &amp; 2\" b='x'><x>&lt;&#233;&#xE9;<![CDATA[<]]></x><y/><z\n/></rss>\n",
            "<feed xmlns=\"http://www.w3.org/2005/Atom\"><e:x xmlns:e=\"u\">t</e:x ></feed>",
        ] {
            assert!(surely_well_formed(plain), "{plain}");
        }
        for doubtful in [
            "<!DOCTYPE rss><rss>&eacute;</rss>",
            "<rss><x></rss>",
            "<rss></rss><rss></rss>",
            "<rss></rss>garbage",
            "<rss>&nbsp;</rss>",
            "<rss>a & b</rss>",
            "<rss>1 < 2</rss>",
            "<rss>\u{1}</rss>",
            "<rss a=\"x&y\"></rss>",
            "<rss a=b></rss>",
            "<rss a=\"x>y\"></rss>",
            "<? ?><rss/>",
            "<rss a=\"1\"b=\"2\"></rss>",
            "<rss><x>",
            "<rss><!-- open",
            "<rss><!-- a -- b --></rss>",
            "<rss><а/></rss>",
            "<a:b:c></a:b:c>",
            "",
            "junk<rss/>",
            "\u{feff}<rss/>",
        ] {
            assert!(!surely_well_formed(doubtful), "{doubtful}");
        }
    }

    /// Every XML file of the fixtures (the corpora, damaged and liberal
    /// feeds): where the fast path is sure, the full check agrees.
    #[test]
    fn the_fast_path_never_disagrees_with_the_full_check_on_the_fixtures() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let (mut files, mut sure) = (0, 0);
        let mut dirs = vec![root];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap().map(Result::unwrap) {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(&path) else {
                    continue;
                };
                files += 1;
                if surely_well_formed(&text) {
                    sure += 1;
                    assert!(super::super::check::tokenized(&text), "{}", path.display());
                }
            }
        }
        assert!(files > 500 && sure > 100, "{files} files, {sure} surely well-formed");
    }
}
