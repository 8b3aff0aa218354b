//! Dates as listing pages print them, in the twelve languages: ISO 8601
//! and RFC 3339 (`datetime` attributes), day-first numeric dates
//! (`12.11.2026`, `12/11/2026`, `2026.11.12`), and month names in their
//! nominative, genitive, partitive or locative forms (`12 listopada 2026`,
//! `2026 m. lapkričio 12 d.`, `12. marraskuuta 2026`, `12 ноября 2026`,
//! `2026. gada 12. novembris`). A date without a time is midnight UTC, a
//! time without a zone is UTC. A source's `date_format` is tried first.

use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// Month name stems, lower case: a word names month N when it starts with
/// one of them (the longest stem that fits wins, so the Finnish
/// `marraskuuta` is November, not March). Stems are long enough that the
/// inflected forms of every language share them.
const MONTHS: [&[&str]; 12] = [
    &["jan", "jän", "tammi", "stycz", "sausi", "jaan", "янв"],
    &["feb", "helmi", "lut", "vasar", "veebr", "фев"],
    &["mar", "mär", "maal", "kov", "мар"],
    &["apr", "huhti", "kwie", "balan", "апр"],
    &["may", "mai", "maí", "maj", "touko", "gegu", "мая", "май"],
    &["jun", "jún", "jūn", "kesä", "czerw", "birž", "juun", "июн"],
    &["jul", "júl", "jūl", "heinä", "lip", "liep", "juul", "июл"],
    &["aug", "ágú", "elo", "sierp", "rugpj", "авг"],
    &["sep", "syys", "wrze", "rugs", "сен"],
    &["oct", "okt", "lok", "paźd", "pazd", "spal", "окт"],
    &["nov", "nóv", "marras", "listop", "lapkr", "ноя"],
    &["dec", "dez", "des", "joulu", "grud", "gruod", "dets", "дек"],
];

/// A date as a listing page prints it, or `None` (the poll then dates
/// the item, as for a feed entry without a date).
pub(crate) fn parse(text: &str, format: Option<&str>) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Some(date) = format.and_then(|f| with_format(text, f)) {
        return Some(date);
    }
    if let Ok(date) = DateTime::parse_from_rfc3339(text) {
        return Some(date.with_timezone(&Utc));
    }
    if let Ok(date) = DateTime::parse_from_rfc2822(text) {
        return Some(date.with_timezone(&Utc));
    }
    let tokens = tokens(text);
    let time = tokens.iter().find_map(|t| match t {
        Token::Time(time) => Some(*time),
        _ => None,
    });
    let date = named_month(&tokens).or_else(|| numeric(&tokens))?;
    Some(Utc.from_utc_datetime(&date.and_time(time.unwrap_or(NaiveTime::MIN))))
}

/// Why a `date_format` pattern cannot be used (said after the pattern).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum DateFormatError {
    #[error("is not a valid date format (chrono strftime syntax such as \"%d.%m.%Y\")")]
    Invalid,
    #[error("needs a day, a month and a year (such as \"%d.%m.%Y\" or \"%Y-%m-%d %H:%M\")")]
    Incomplete,
}

/// Checks a `date_format` pattern: valid chrono syntax with a day, a
/// month and a year.
pub(crate) fn check_date_format(format: &str) -> Result<(), DateFormatError> {
    let items: Vec<Item<'_>> = StrftimeItems::new(format).collect();
    if items.iter().any(|i| matches!(i, Item::Error)) {
        return Err(DateFormatError::Invalid);
    }
    let has = |specs: &[&str]| specs.iter().any(|s| format.contains(s));
    let whole = has(&["%F", "%s", "%+"]);
    let parts = has(&["%d", "%e"]) && has(&["%m", "%b", "%B", "%h"]) && has(&["%Y", "%y"]);
    if !whole && !parts {
        return Err(DateFormatError::Incomplete);
    }
    Ok(())
}

fn with_format(text: &str, format: &str) -> Option<DateTime<Utc>> {
    if let Ok(date) = DateTime::parse_from_str(text, format) {
        return Some(date.with_timezone(&Utc));
    }
    if let Ok(date) = NaiveDateTime::parse_from_str(text, format) {
        return Some(Utc.from_utc_datetime(&date));
    }
    NaiveDate::parse_from_str(text, format)
        .ok()
        .map(|d| Utc.from_utc_datetime(&d.and_time(NaiveTime::MIN)))
}

#[derive(Debug, PartialEq)]
enum Token {
    /// A number and whether a dot, slash or dash joined it to the next one.
    Number(u32, usize),
    Word(String),
    Time(NaiveTime),
}

/// Numbers (with their digit count), words and `hh:mm[:ss]` times.
fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == ':') {
                i += 1;
            }
            let run: String = chars[start..i].iter().collect();
            if run.contains(':') {
                let parts: Vec<u32> = run.split(':').filter_map(|p| p.parse().ok()).collect();
                let time = match parts.as_slice() {
                    [h, m] => NaiveTime::from_hms_opt(*h, *m, 0),
                    [h, m, s] => NaiveTime::from_hms_opt(*h, *m, *s),
                    _ => None,
                };
                out.extend(time.map(Token::Time));
            } else if run.len() <= 4
                && let Ok(n) = run.parse()
            {
                out.push(Token::Number(n, run.len()));
            }
        } else if c.is_alphabetic() {
            let start = i;
            while i < chars.len() && chars[i].is_alphabetic() {
                i += 1;
            }
            out.push(Token::Word(chars[start..i].iter().collect::<String>().to_lowercase()));
        } else {
            i += 1;
        }
    }
    out
}

/// The month a word names, by the longest stem it starts with.
fn month_of(word: &str) -> Option<u32> {
    let mut best: Option<(usize, u32)> = None;
    for (index, stems) in MONTHS.iter().enumerate() {
        for stem in *stems {
            if word.starts_with(stem) && best.is_none_or(|(len, _)| stem.len() > len) {
                best = Some((stem.len(), index as u32 + 1));
            }
        }
    }
    best.map(|(_, month)| month)
}

/// A date with a month name: the year is the four-digit number, the day
/// the other number of at most two digits.
fn named_month(tokens: &[Token]) -> Option<NaiveDate> {
    let month = tokens.iter().find_map(|t| match t {
        Token::Word(w) => month_of(w),
        _ => None,
    })?;
    let numbers: Vec<(u32, usize)> = tokens
        .iter()
        .filter_map(|t| match t {
            Token::Number(n, digits) => Some((*n, *digits)),
            _ => None,
        })
        .collect();
    let year = numbers.iter().find(|(_, d)| *d == 4).map(|(n, _)| *n as i32)?;
    let day = numbers
        .iter()
        .find(|(n, d)| *d <= 2 && (1..=31).contains(n))
        .map(|(n, _)| *n)?;
    NaiveDate::from_ymd_opt(year, month, day)
}

/// A numeric date: year first when it has four digits (`2026-11-12`,
/// `2026.11.12`), else day first (`12.11.2026`, `12/11/26`), as the
/// region writes it.
fn numeric(tokens: &[Token]) -> Option<NaiveDate> {
    let numbers: Vec<(u32, usize)> = tokens
        .iter()
        .filter_map(|t| match t {
            Token::Number(n, digits) => Some((*n, *digits)),
            _ => None,
        })
        .take(3)
        .collect();
    let [(a, da), (b, _), (c, dc)] = numbers.as_slice() else {
        return None;
    };
    let full_year = |n: u32, digits: usize| match digits {
        4 => Some(n as i32),
        2 => Some(2000 + n as i32),
        _ => None,
    };
    if *da == 4 {
        NaiveDate::from_ymd_opt(*a as i32, *b, *c)
    } else {
        NaiveDate::from_ymd_opt(full_year(*c, *dc)?, *b, *a)
    }
}
