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

/// Collects problems, turning byte offsets into 1-based line and column.
pub struct Diagnostics<'s> {
    source: &'s str,
    pub problems: Vec<Problem>,
}

impl<'s> Diagnostics<'s> {
    pub fn new(source: &'s str) -> Self {
        Diagnostics {
            source,
            problems: Vec::new(),
        }
    }

    pub fn report(&mut self, span: Range<usize>, key: impl Into<String>, message: impl Into<String>) {
        let (line, column) = line_column(self.source, span.start);
        self.problems.push(Problem {
            line,
            column,
            key: key.into(),
            message: message.into(),
        });
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

pub type Value<'i> = Spanned<DeValue<'i>>;

/// A string value with where it stands in the file.
pub type Located<'a> = (&'a str, Range<usize>);

/// A table being read: remembers which keys were asked for, so the rest
/// can be reported as unknown.
pub struct Table<'a, 'i> {
    path: String,
    entries: Vec<(&'a str, Range<usize>, &'a Value<'i>, bool)>,
}

impl<'a, 'i> Table<'a, 'i> {
    pub fn new(path: impl Into<String>, table: &'a DeTable<'i>) -> Self {
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
    pub fn key_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{}", self.path, key)
        }
    }

    /// The value under `key`, marking the key as known.
    pub fn get(&mut self, key: &str) -> Option<&'a Value<'i>> {
        let entry = self.entries.iter_mut().find(|e| e.0 == key)?;
        entry.3 = true;
        Some(entry.2)
    }

    /// Every entry of the table (for maps such as `[sources]`), all marked known.
    pub fn all(&mut self) -> Vec<(&'a str, Range<usize>, &'a Value<'i>)> {
        self.entries
            .iter_mut()
            .map(|e| {
                e.3 = true;
                (e.0, e.1.clone(), e.2)
            })
            .collect()
    }

    /// Reports every key nobody asked for.
    pub fn finish(&self, diag: &mut Diagnostics<'_>, known: &[&str]) {
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

    pub fn string(&mut self, diag: &mut Diagnostics<'_>, key: &str) -> Option<(&'a str, Range<usize>)> {
        let value = self.get(key)?;
        match value.get_ref() {
            DeValue::String(s) => Some((s.as_ref(), value.span())),
            other => {
                diag.report(value.span(), self.key_path(key), expected("a string", other));
                None
            }
        }
    }

    pub fn integer(&mut self, diag: &mut Diagnostics<'_>, key: &str) -> Option<(i64, Range<usize>)> {
        let value = self.get(key)?;
        let parsed = match value.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok(),
            _ => None,
        };
        if parsed.is_none() {
            diag.report(
                value.span(),
                self.key_path(key),
                expected("an integer", value.get_ref()),
            );
        }
        parsed.map(|n| (n, value.span()))
    }

    pub fn boolean(&mut self, diag: &mut Diagnostics<'_>, key: &str) -> Option<(bool, Range<usize>)> {
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
    pub fn strings(&mut self, diag: &mut Diagnostics<'_>, key: &str) -> Option<(Vec<Located<'a>>, Range<usize>)> {
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
    pub fn table(&mut self, diag: &mut Diagnostics<'_>, key: &str) -> Option<(&'a DeTable<'i>, Range<usize>)> {
        let value = self.get(key)?;
        as_table(diag, value, &self.key_path(key)).map(|t| (t, value.span()))
    }
}

/// The table inside a value, or a problem naming the key.
pub fn as_table<'a, 'i>(diag: &mut Diagnostics<'_>, value: &'a Value<'i>, key: &str) -> Option<&'a DeTable<'i>> {
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
    fn line_and_column_are_one_based_and_count_characters() {
        let text = "a = 1\nÿé = 2\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        // "ÿé" is four bytes but two characters.
        assert_eq!(line_column(text, 10), (2, 3));
        assert_eq!(line_column(text, 999), (3, 1));
    }
}
