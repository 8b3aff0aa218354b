//! Reads a labelled file for `thbwatch eval`: tab-separated UTF-8 with
//! the header of `id`, `lang`, `tags`, `text`, `#` comments, tags comma-separated
//! or `none`, text `TITLE | SUMMARY`. Every malformed line is reported
//! with its number. Pure.

use std::collections::HashMap;

/// The header line, exactly.
pub(crate) const HEADER: &str = "id\tlang\ttags\ttext";
/// Between title and summary in the text column.
pub(crate) const SEPARATOR: &str = " | ";
/// Most problems listed before giving up on a file.
const MAX_PROBLEMS: usize = 50;

/// One labelled item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Row {
    /// 1-based line number in the file.
    pub line: usize,
    pub id: String,
    /// As written, lower-cased.
    pub lang: String,
    /// The tags it should get (none: empty), each once.
    pub tags: Vec<String>,
    pub title: String,
    pub summary: String,
}

impl Row {
    /// The text column as written.
    pub(crate) fn text(&self) -> String {
        format!("{}{SEPARATOR}{}", self.title, self.summary)
    }
}

/// What is wrong with a line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("the file is empty: it needs the header line {HEADER:?}")]
    NoHeader,
    #[error("the first line must be the header {HEADER:?} (tab-separated), found {0:?}")]
    Header(String),
    #[error("has {0} tab-separated columns; a row has 4: id, lang, tags, text")]
    Columns(usize),
    #[error("the id is empty")]
    EmptyId,
    #[error("id {0:?} is already used on line {1}")]
    DuplicateId(String, usize),
    #[error("{0:?} is not a language code such as \"lv\" or \"en-GB\"")]
    Lang(String),
    #[error("the tags column is empty: write \"none\" for an item that should get no tag")]
    NoTags,
    #[error("tag {0:?} is not defined in the configuration (configured: {1})")]
    UnknownTag(String, String),
    #[error("\"none\" cannot stand with other tags")]
    NoneWithTags,
    #[error("the text has no \" | \" between title and summary")]
    NoSeparator,
    #[error("has no rows")]
    NoRows,
}

/// A problem and the line it is on (0: the whole file).
pub(crate) type LineProblem = (usize, Problem);

/// Reads the rows of a labelled file; `tags` are the configured tags.
pub(crate) fn parse(text: &str, tags: &[&str]) -> Result<Vec<Row>, Vec<LineProblem>> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut problems = Vec::new();
    let mut rows: Vec<Row> = Vec::new();
    let mut ids: HashMap<String, usize> = HashMap::new();
    let mut header_seen = false;
    for (index, raw) in text.split('\n').enumerate() {
        let line = index + 1;
        let content = raw.strip_suffix('\r').unwrap_or(raw);
        if content.trim().is_empty() || content.starts_with('#') {
            continue;
        }
        if !header_seen {
            header_seen = true;
            if content != HEADER {
                problems.push((line, Problem::Header(content.to_string())));
            }
            continue;
        }
        match row(line, content, tags) {
            Ok(row) => match ids.get(&row.id) {
                Some(&first) => problems.push((line, Problem::DuplicateId(row.id.clone(), first))),
                None => {
                    ids.insert(row.id.clone(), line);
                    rows.push(row);
                }
            },
            Err(problem) => problems.push((line, problem)),
        }
        if problems.len() >= MAX_PROBLEMS {
            break;
        }
    }
    if !header_seen {
        problems.push((0, Problem::NoHeader));
    } else if rows.is_empty() && problems.is_empty() {
        problems.push((0, Problem::NoRows));
    }
    if problems.is_empty() { Ok(rows) } else { Err(problems) }
}

fn row(line: usize, content: &str, known: &[&str]) -> Result<Row, Problem> {
    let columns: Vec<&str> = content.split('\t').collect();
    let [id, lang, tags, text] = columns[..] else {
        return Err(Problem::Columns(columns.len()));
    };
    let id = id.trim();
    if id.is_empty() {
        return Err(Problem::EmptyId);
    }
    let lang = lang.trim();
    if !is_language(lang) {
        return Err(Problem::Lang(lang.to_string()));
    }
    let tags = labels(tags, known)?;
    let Some((title, summary)) = text.split_once(SEPARATOR) else {
        return Err(Problem::NoSeparator);
    };
    Ok(Row {
        line,
        id: id.to_string(),
        lang: lang.to_ascii_lowercase(),
        tags,
        title: title.to_string(),
        summary: summary.to_string(),
    })
}

/// `lv`, `en-GB`, `nb-NO`: two or three letters, then subtags.
fn is_language(lang: &str) -> bool {
    let mut parts = lang.split(['-', '_']);
    let primary = parts.next().unwrap_or("");
    (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

fn labels(column: &str, known: &[&str]) -> Result<Vec<String>, Problem> {
    let column = column.trim();
    if column.is_empty() {
        return Err(Problem::NoTags);
    }
    if column == "none" {
        return Ok(Vec::new());
    }
    let mut out: Vec<String> = Vec::new();
    for tag in column.split(',').map(str::trim) {
        if tag == "none" {
            return Err(Problem::NoneWithTags);
        }
        if !known.contains(&tag) {
            return Err(Problem::UnknownTag(tag.to_string(), known.join(", ")));
        }
        if !out.iter().any(|t| t == tag) {
            out.push(tag.to_string());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TAGS: &[&str] = &["trafficking", "smuggling"];

    #[test]
    fn rows_comments_and_blank_lines() {
        let text = "\u{FEFF}# labelled by hand\nid\tlang\ttags\ttext\r\n\n\
                    en-1\ten\ttrafficking, smuggling\tCourt hears trafficking in… | …human beings case\n\
                    # a comment between rows\n\
                    lv-1\tLV\tnone\tLaika ziņas | \n";
        let rows = parse(text, TAGS).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].line, 4);
        assert_eq!(rows[0].tags, ["trafficking", "smuggling"]);
        assert_eq!(
            (rows[0].title.as_str(), rows[0].summary.as_str()),
            ("Court hears trafficking in…", "…human beings case")
        );
        assert_eq!(
            (rows[1].lang.as_str(), rows[1].tags.len(), rows[1].summary.as_str()),
            ("lv", 0, "")
        );
        // Only the first " | " splits.
        let rows = parse("id\tlang\ttags\ttext\na\ten\tnone\tA | B | C\n", TAGS).unwrap();
        assert_eq!((rows[0].title.as_str(), rows[0].summary.as_str()), ("A", "B | C"));
    }

    #[test]
    fn every_malformed_line_is_named() {
        let text = "id\tlang\ttags\ttext\n\
                    a\ten\tnone\tno separator here\n\
                    b\ten\tdrugs\tTitle | Summary\n\
                    c\ten\tnone\n\
                    \tde\tnone\tT | S\n\
                    d\tlatvian\tnone\tT | S\n\
                    e\ten\t\tT | S\n\
                    f\ten\tnone,smuggling\tT | S\n\
                    g\ten\tnone\tT | S\n\
                    g\ten\tnone\tT | S\n";
        let problems = parse(text, TAGS).unwrap_err();
        let lines: Vec<usize> = problems.iter().map(|p| p.0).collect();
        assert_eq!(lines, [2, 3, 4, 5, 6, 7, 8, 10]);
        assert_eq!(problems[0].1, Problem::NoSeparator);
        assert_eq!(
            problems[1].1.to_string(),
            "tag \"drugs\" is not defined in the configuration (configured: trafficking, smuggling)"
        );
        assert_eq!(problems[2].1, Problem::Columns(3));
        assert_eq!(problems[3].1, Problem::EmptyId);
        assert_eq!(problems[7].1, Problem::DuplicateId("g".into(), 9));
        assert_eq!(
            parse("id,lang,tags,text\n", TAGS).unwrap_err()[0].1,
            Problem::Header("id,lang,tags,text".into())
        );
        assert_eq!(parse("# nothing\n", TAGS).unwrap_err(), [(0, Problem::NoHeader)]);
        assert_eq!(
            parse("id\tlang\ttags\ttext\n", TAGS).unwrap_err(),
            [(0, Problem::NoRows)]
        );
    }
}
