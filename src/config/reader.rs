//! A walker over a spanned TOML document that reads typed values and
//! collects every problem with its line and column instead of stopping at
//! the first one.

use std::fmt;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// One thing wrong with the configuration, located in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub column: usize,
    /// Dotted key path, e.g. `sources.cbss.url`; empty for syntax errors.
    pub key: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: ", self.line, self.column)?;
        if !self.key.is_empty() {
            write!(f, "{}: ", self.key)?;
        }
        f.write_str(&self.message)
    }
}

/// Collects problems by byte offset; [`Diagnostics::into_problems`] turns
/// them into lines and columns in one pass over the text, so a file with
/// many problems (even all on one line) costs no more than reading it.
pub(crate) struct Diagnostics<'s> {
    source: &'s str,
    found: Vec<(usize, String, String)>,
}

impl<'s> Diagnostics<'s> {
    pub(crate) fn new(source: &'s str) -> Self {
        Diagnostics {
            source,
            found: Vec::new(),
        }
    }

    pub(crate) fn report(&mut self, span: Range<usize>, key: impl Into<String>, message: impl Into<String>) {
        self.found.push((span.start, key.into(), message.into()));
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    /// Every problem once, in file order, located by line and column.
    pub(crate) fn into_problems(self) -> Vec<Problem> {
        let mut found = self.found;
        // Stable: problems at one place keep the order they were found in.
        found.sort_by_key(|(offset, _, _)| *offset);
        found.dedup();
        let mut cursor = Cursor::default();
        found
            .into_iter()
            .map(|(offset, key, message)| {
                let (line, column) = cursor.advance(self.source, offset);
                Problem {
                    line,
                    column,
                    key,
                    message,
                }
            })
            .collect()
    }
}

/// Walks a text forward, counting lines and columns (in characters).
#[derive(Clone, Copy)]
struct Cursor {
    offset: usize,
    line: usize,
    column: usize,
}

impl Default for Cursor {
    fn default() -> Cursor {
        Cursor {
            offset: 0,
            line: 1,
            column: 1,
        }
    }
}

impl Cursor {
    /// 1-based line and column of `offset` (never before the cursor).
    fn advance(&mut self, source: &str, offset: usize) -> (usize, usize) {
        let mut target = offset.min(source.len()).max(self.offset);
        while !source.is_char_boundary(target) {
            target -= 1;
        }
        for c in source[self.offset..target].chars() {
            if c == '\n' {
                self.line += 1;
                self.column = 1;
            } else {
                self.column += 1;
            }
        }
        self.offset = target;
        (self.line, self.column)
    }
}

impl Diagnostics<'_> {
    /// Reports a problem at byte `offset` of the decoded text of the
    /// string value written at `span` (escapes and quotes accounted for).
    pub(crate) fn report_in_string(
        &mut self,
        span: Range<usize>,
        offset: usize,
        key: impl Into<String>,
        message: impl Into<String>,
    ) {
        let at = string_offset(self.source, span, offset);
        self.report(at..at, key, message);
    }
}

/// The file offset of byte `offset` of the decoded text of the TOML
/// string whose literal stands at `span` in `source`.
pub(crate) fn string_offset(source: &str, span: Range<usize>, offset: usize) -> usize {
    let Some(raw) = source.get(span.clone()) else {
        return span.start;
    };
    let (delimiter, basic) = match raw {
        _ if raw.starts_with("\"\"\"") => (3, true),
        _ if raw.starts_with("'''") => (3, false),
        _ if raw.starts_with('"') => (1, true),
        _ if raw.starts_with('\'') => (1, false),
        _ => return span.start,
    };
    let mut body = &raw[delimiter..raw.len().saturating_sub(delimiter).max(delimiter)];
    let mut start = span.start + delimiter;
    // A newline right after a multi-line string's opening is not part of it.
    if delimiter == 3 {
        let trimmed = body
            .strip_prefix("\r\n")
            .or_else(|| body.strip_prefix('\n'))
            .unwrap_or(body);
        start += body.len() - trimmed.len();
        body = trimmed;
    }
    if !basic {
        return start + offset.min(body.len());
    }
    start + basic_offset(body, offset)
}

/// Walks a basic string's body, decoding escapes, to the raw offset of
/// decoded byte `offset`.
fn basic_offset(body: &str, offset: usize) -> usize {
    let mut decoded = 0;
    let mut chars = body.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        // A line-ending backslash drops the white space after it.
        if c == '\\' && chars.peek().is_some_and(|p| p.1.is_whitespace()) {
            while chars.peek().is_some_and(|p| p.1.is_whitespace()) {
                chars.next();
            }
            continue;
        }
        if decoded >= offset {
            return at;
        }
        if c != '\\' {
            decoded += c.len_utf8();
            continue;
        }
        match chars.peek().map(|p| p.1) {
            Some('u') => decoded += escaped_len(&body[at + 2..], 4),
            Some('U') => decoded += escaped_len(&body[at + 2..], 8),
            Some('x') => decoded += escaped_len(&body[at + 2..], 2),
            _ => decoded += 1,
        }
        let skip = match chars.next().map(|p| p.1) {
            Some('u') => 4,
            Some('U') => 8,
            Some('x') => 2,
            _ => 0,
        };
        for _ in 0..skip {
            chars.next();
        }
    }
    body.len()
}

/// The UTF-8 length of the character a `\u`-style escape stands for.
fn escaped_len(hex: &str, digits: usize) -> usize {
    hex.get(..digits)
        .and_then(|h| u32::from_str_radix(h, 16).ok())
        .and_then(char::from_u32)
        .map_or(1, char::len_utf8)
}

/// 1-based line and column (in characters) of a byte offset.
#[cfg(test)]
fn line_column(source: &str, offset: usize) -> (usize, usize) {
    Cursor::default().advance(source, offset)
}

pub(crate) type Value<'i> = Spanned<DeValue<'i>>;

/// A string value with where it stands in the file.
pub(crate) type Located<'a> = (&'a str, Range<usize>);

/// A table being read: remembers which keys were asked for, so the rest
/// can be reported as unknown.
pub(crate) struct Table<'a, 'i> {
    path: String,
    entries: Vec<(&'a str, Range<usize>, &'a Value<'i>, bool)>,
}

impl<'a, 'i> Table<'a, 'i> {
    pub(crate) fn new(path: impl Into<String>, table: &'a DeTable<'i>) -> Self {
        let entries = table
            .iter()
            .map(|(k, v)| (k.get_ref().as_ref(), k.span(), v, false))
            .collect();
        Table {
            path: path.into(),
            entries,
        }
    }

    /// The dotted path of a key of this table.
    pub(crate) fn key_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{}", self.path, key)
        }
    }

    /// The value under `key`, marking the key as known.
    pub(crate) fn get(&mut self, key: &str) -> Option<&'a Value<'i>> {
        let entry = self.entries.iter_mut().find(|e| e.0 == key)?;
        entry.3 = true;
        Some(entry.2)
    }

    /// Every entry of the table (for maps such as `[sources]`), all marked known.
    pub(crate) fn all(&mut self) -> Vec<(&'a str, Range<usize>, &'a Value<'i>)> {
        self.entries
            .iter_mut()
            .map(|e| {
                e.3 = true;
                (e.0, e.1.clone(), e.2)
            })
            .collect()
    }

    /// Reports every key nobody asked for.
    pub(crate) fn finish(&self, diag: &mut Diagnostics<'_>, known: &[&str]) {
        for (key, span, _, used) in &self.entries {
            if !used {
                let hint = if known.is_empty() {
                    String::new()
                } else {
                    format!(" (expected one of: {})", known.join(", "))
                };
                diag.report(span.clone(), self.key_path(key), format!("unknown key{hint}"));
            }
        }
    }

    pub(crate) fn string(&mut self, diag: &mut Diagnostics<'_>, key: &str) -> Option<(&'a str, Range<usize>)> {
        let value = self.get(key)?;
        match value.get_ref() {
            DeValue::String(s) => Some((s.as_ref(), value.span())),
            other => {
                diag.report(value.span(), self.key_path(key), expected("a string", other));
                None
            }
        }
    }

    /// An integer within `range`; anything else is reported with the
    /// range (a number too large for any integer included).
    pub(crate) fn integer_in(
        &mut self,
        diag: &mut Diagnostics<'_>,
        key: &str,
        range: std::ops::RangeInclusive<i64>,
    ) -> Option<(i64, Range<usize>)> {
        let value = self.get(key)?;
        let DeValue::Integer(i) = value.get_ref() else {
            diag.report(
                value.span(),
                self.key_path(key),
                expected("an integer", value.get_ref()),
            );
            return None;
        };
        let digits = i.as_str().replace('_', "");
        match i64::from_str_radix(&digits, i.radix()) {
            Ok(n) if range.contains(&n) => Some((n, value.span())),
            _ => {
                let written = match i.radix() {
                    10 => digits,
                    16 => format!("0x{digits}"),
                    8 => format!("0o{digits}"),
                    _ => format!("0b{digits}"),
                };
                let (lo, hi) = (range.start(), range.end());
                diag.report(
                    value.span(),
                    self.key_path(key),
                    format!("{written} is out of range: use {lo} to {hi}"),
                );
                None
            }
        }
    }

    pub(crate) fn boolean(&mut self, diag: &mut Diagnostics<'_>, key: &str) -> Option<(bool, Range<usize>)> {
        let value = self.get(key)?;
        match value.get_ref() {
            DeValue::Boolean(b) => Some((*b, value.span())),
            other => {
                diag.report(value.span(), self.key_path(key), expected("true or false", other));
                None
            }
        }
    }

    /// An array of strings; each element keeps its own span.
    pub(crate) fn strings(
        &mut self,
        diag: &mut Diagnostics<'_>,
        key: &str,
    ) -> Option<(Vec<Located<'a>>, Range<usize>)> {
        let value = self.get(key)?;
        let Some(array) = value.get_ref().as_array() else {
            diag.report(
                value.span(),
                self.key_path(key),
                expected("an array of strings", value.get_ref()),
            );
            return None;
        };
        let mut out = Vec::with_capacity(array.len());
        for (i, element) in array.iter().enumerate() {
            match element.get_ref() {
                DeValue::String(s) => out.push((s.as_ref(), element.span())),
                other => diag.report(
                    element.span(),
                    format!("{}[{i}]", self.key_path(key)),
                    expected("a string", other),
                ),
            }
        }
        Some((out, value.span()))
    }

    /// A sub-table; reports anything else.
    pub(crate) fn table(&mut self, diag: &mut Diagnostics<'_>, key: &str) -> Option<(&'a DeTable<'i>, Range<usize>)> {
        let value = self.get(key)?;
        as_table(diag, value, &self.key_path(key)).map(|t| (t, value.span()))
    }
}

/// The table inside a value, or a problem naming the key.
pub(crate) fn as_table<'a, 'i>(diag: &mut Diagnostics<'_>, value: &'a Value<'i>, key: &str) -> Option<&'a DeTable<'i>> {
    let table = value.get_ref().as_table();
    if table.is_none() {
        diag.report(value.span(), key, expected("a table", value.get_ref()));
    }
    table
}

fn expected(what: &str, found: &DeValue<'_>) -> String {
    format!("expected {what}, found {}", found.type_str())
}

#[cfg(test)]
mod tests {
    use super::line_column;

    #[test]
    fn problems_come_out_in_file_order_located_in_one_pass() {
        let text = "a = 1\nÿé = 2\nb = 3 c = 4\n";
        let mut diag = super::Diagnostics::new(text);
        diag.report(21..22, "c", "third");
        diag.report(0..1, "a", "first");
        diag.report(6..8, "ÿé", "second");
        diag.report(0..1, "a", "first");
        let found: Vec<String> = diag.into_problems().iter().map(|p| p.to_string()).collect();
        assert_eq!(found, ["1:1: a: first", "2:1: ÿé: second", "3:7: c: third"]);
    }

    #[test]
    fn offsets_inside_strings_account_for_quotes_and_escapes() {
        use super::string_offset;
        let cases: &[(&str, &str, &str)] = &[
            // (source, the decoded text's part before the wanted byte, what stands there)
            (r#"x = "ab NEAR/99 c""#, "ab ", "NEAR/99"),
            (r#"x = 'ab NEAR/99 c'"#, "ab ", "NEAR/99"),
            (r#"x = "\"a\" NEAR/99""#, "\"a\" ", "NEAR/99"),
            (r#"x = "\u00e9t\u00E9 NEAR/99""#, "été ", "NEAR/99"),
            ("x = \"\"\"\nab NEAR/99\"\"\"", "ab ", "NEAR/99"),
            ("x = \"\"\"ab \\\n   NEAR/99\"\"\"", "ab ", "NEAR/99"),
            ("x = '''\nab NEAR/99'''", "ab ", "NEAR/99"),
        ];
        for (source, before, wanted) in cases {
            let span = 4..source.len();
            let at = string_offset(source, span, before.len());
            assert!(source[at..].starts_with(wanted), "{source:?}: {at}");
        }
    }

    #[test]
    fn line_and_column_are_one_based_and_count_characters() {
        let text = "a = 1\nÿé = 2\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        // "ÿé" is four bytes but two characters.
        assert_eq!(line_column(text, 10), (2, 3));
        assert_eq!(line_column(text, 999), (3, 1));
    }
}
