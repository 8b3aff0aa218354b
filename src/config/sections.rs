//! Reads each section of the file into its typed form, checking every
//! value: addresses, URLs, cron expressions, durations, ids, rules.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use url::Url;

use super::reader::{self, Diagnostics, Table, as_table};
use super::*;

pub(crate) const TOP_LEVEL: &[&str] = &["server", "storage", "poll", "feed", "sources", "tags", "notify"];

/// Reads the whole document. `None` means a problem was reported.
pub(crate) fn read(
    diag: &mut Diagnostics<'_>,
    root: &mut Table<'_, '_>,
    base_dir: &Path,
    path: &Path,
) -> Option<Config> {
    let server = section(diag, root, "server", read_server);
    let storage = section(diag, root, "storage", |d, t| read_storage(d, t, base_dir));
    let poll = section(diag, root, "poll", read_poll);
    let feed = section(diag, root, "feed", read_feed);
    let default_schedule = poll.as_ref().map(|p| p.schedule.clone());
    let sources = read_sources(diag, root, default_schedule.as_deref(), base_dir);
    let tags = super::rules::read(diag, root);
    let notify = super::notify::read(diag, root, base_dir, sources.as_deref(), tags.as_deref());
    Some(Config {
        path: path.to_path_buf(),
        server: server?,
        storage: storage?,
        poll: poll?,
        feed: feed?,
        sources: sources?,
        tags: tags?,
        notify: notify?,
    })
}

/// Reads an optional section (absent means all defaults).
fn section<T>(
    diag: &mut Diagnostics<'_>,
    root: &mut Table<'_, '_>,
    name: &str,
    read: impl FnOnce(&mut Diagnostics<'_>, &mut Table<'_, '_>) -> Option<T>,
) -> Option<T> {
    let empty = toml::de::DeTable::new();
    let table = match root.get(name) {
        Some(value) => as_table(diag, value, name)?,
        None => &empty,
    };
    // Each reader reports its own unknown keys, naming the ones it knows.
    read(diag, &mut Table::new(name, table))
}

fn read_server(diag: &mut Diagnostics<'_>, t: &mut Table<'_, '_>) -> Option<Server> {
    let listen = match t.string(diag, "listen") {
        None => Some(DEFAULT_LISTEN.parse().expect("the default listen address is valid")),
        Some((text, span)) => parse_or_report(diag, span, t.key_path("listen"), text.parse::<SocketAddr>(), |e| {
            format!("{text:?} is not an IP address and port such as \"127.0.0.1:8080\" ({e})")
        }),
    };
    let base_url = match t.string(diag, "base_url") {
        None => Some(None),
        Some((text, span)) => http_url(diag, span, t.key_path("base_url"), text).map(|mut url| {
            if !url.path().ends_with('/') {
                let path = format!("{}/", url.path());
                url.set_path(&path);
            }
            Some(url)
        }),
    };
    let cache_max_age = duration_or_zero(diag, t, "cache_max_age", DEFAULT_CACHE_MAX_AGE);
    let log = match t.string(diag, "log") {
        None => t.get("log").is_none().then(|| DEFAULT_LOG_FILTER.to_string()),
        Some((text, span)) => match tracing_subscriber::EnvFilter::try_new(text) {
            Ok(_) => Some(text.to_string()),
            Err(e) => {
                let message = format!("{text:?} is not a log filter such as \"info\" or \"info,thbwatch=debug\" ({e})");
                diag.report(span, t.key_path("log"), message);
                None
            }
        },
    };
    t.finish(diag, &["listen", "base_url", "cache_max_age", "log"]);
    Some(Server {
        listen: listen?,
        base_url: base_url?,
        cache_max_age: cache_max_age?,
        log: log?,
    })
}

fn read_storage(diag: &mut Diagnostics<'_>, t: &mut Table<'_, '_>, base_dir: &Path) -> Option<Storage> {
    let path = match t.string(diag, "path") {
        None => Some("thbwatch.db".to_string()),
        Some((text, span)) if text.trim().is_empty() => {
            diag.report(span, t.key_path("path"), "must name a file");
            None
        }
        Some((text, _)) => Some(text.to_string()),
    };
    let retain_untagged = retention(diag, t, "retain_untagged", None);
    let retain_tagged = retention(diag, t, "retain_tagged", None);
    let startup_check_wait = duration_or_zero(diag, t, "startup_check_wait", DEFAULT_STARTUP_CHECK_WAIT);
    t.finish(
        diag,
        &["path", "retain_untagged", "retain_tagged", "startup_check_wait"],
    );
    Some(Storage {
        path: base_dir.join(path?),
        retain_untagged: retain_untagged?,
        retain_tagged: retain_tagged?,
        startup_check_wait: startup_check_wait?,
    })
}

/// A retention period: a duration, or "forever".
fn retention(
    diag: &mut Diagnostics<'_>,
    t: &mut Table<'_, '_>,
    key: &str,
    default: Option<Duration>,
) -> Option<Option<Duration>> {
    match t.string(diag, key) {
        None => t.get(key).is_none().then_some(default),
        Some(("forever", _)) => Some(None),
        Some(_) => duration(diag, t, key, Duration::ZERO).map(Some),
    }
}

fn read_poll(diag: &mut Diagnostics<'_>, t: &mut Table<'_, '_>) -> Option<Poll> {
    let schedule = match t.string(diag, "schedule") {
        None => Some(crate::schedule::normalize_cron(DEFAULT_SCHEDULE).expect("the default schedule is valid")),
        Some((text, span)) => cron(diag, span, t.key_path("schedule"), text),
    };
    let timeout = duration(diag, t, "timeout", DEFAULT_TIMEOUT);
    let connect_timeout = duration(diag, t, "connect_timeout", DEFAULT_CONNECT_TIMEOUT);
    let max_concurrent = bounded(diag, t, "max_concurrent", DEFAULT_MAX_CONCURRENT, 1..=1024);
    let host_interval = duration_or_zero(diag, t, "host_interval", DEFAULT_HOST_INTERVAL);
    let max_body_bytes = bounded(diag, t, "max_body_bytes", DEFAULT_MAX_BODY_BYTES, 1024..=1 << 30);
    let max_items = bounded(diag, t, "max_items", DEFAULT_MAX_ITEMS, 1..=1_000_000);
    let user_agent = match t.string(diag, "user_agent") {
        None => Some(default_user_agent()),
        Some((text, span)) => user_agent(diag, span, t.key_path("user_agent"), text),
    };
    let backoff_base = duration(diag, t, "backoff_base", DEFAULT_BACKOFF_BASE);
    let backoff_max = duration(diag, t, "backoff_max", DEFAULT_BACKOFF_MAX);
    let stale_after = duration(diag, t, "stale_after", DEFAULT_STALE_AFTER);
    let full_text_wait = duration_or_zero(diag, t, "full_text_wait", DEFAULT_FULL_TEXT_WAIT);
    if let (Some(base), Some(max)) = (backoff_base, backoff_max) {
        let span = t.get("backoff_max").map_or(0..0, |v| v.span());
        if base > max {
            diag.report(span, t.key_path("backoff_max"), "must not be shorter than backoff_base");
        } else if max > MAX_BACKOFF {
            diag.report(
                span,
                t.key_path("backoff_max"),
                "must be at most 7 days: a source is tried at least weekly",
            );
        }
    }
    let known = [
        "schedule",
        "timeout",
        "connect_timeout",
        "max_concurrent",
        "host_interval",
        "max_body_bytes",
        "max_items",
        "user_agent",
        "backoff_base",
        "backoff_max",
        "stale_after",
        "full_text_wait",
    ];
    t.finish(diag, &known);
    Some(Poll {
        schedule: schedule?,
        timeout: timeout?,
        connect_timeout: connect_timeout?,
        max_concurrent: max_concurrent?,
        host_interval: host_interval?,
        max_body_bytes: max_body_bytes?,
        max_items: max_items?,
        user_agent: user_agent?,
        backoff_base: backoff_base?,
        backoff_max: backoff_max?,
        stale_after: stale_after?,
        full_text_wait: full_text_wait?,
    })
}

/// A User-Agent (or any header value): one line of printable ASCII.
fn user_agent(diag: &mut Diagnostics<'_>, span: Range<usize>, key: String, text: &str) -> Option<String> {
    if text.trim().is_empty() || !is_header_value(text) {
        diag.report(
            span,
            key,
            "must be one non-empty line of printable ASCII (an HTTP header value)",
        );
        return None;
    }
    Some(text.trim().to_string())
}

fn is_header_value(text: &str) -> bool {
    text.chars().all(|c| c == '\t' || (' '..='~').contains(&c))
}

/// Headers thbwatch sets itself: overriding them would break conditional
/// GET, decompression or the connection.
const RESERVED_HEADERS: &[&str] = &[
    "host",
    "user-agent",
    "if-none-match",
    "if-modified-since",
    "accept-encoding",
    "connection",
    "content-length",
    "transfer-encoding",
    "te",
    "upgrade",
    // Set by notifications.
    "content-type",
    "idempotency-key",
    "x-thbwatch-signature",
];

/// `headers = { "Accept-Language" = "lv" }`: names are HTTP tokens, values
/// printable ASCII.
pub(super) fn headers(diag: &mut Diagnostics<'_>, t: &mut Table<'_, '_>) -> Option<Vec<Header>> {
    let Some((table, _)) = t.table(diag, "headers") else {
        return t.get("headers").is_none().then(Vec::new);
    };
    let path = t.key_path("headers");
    let mut ok = true;
    let mut out = Vec::new();
    for (name, span, value) in in_file_order(Table::new(path.clone(), table).all()) {
        let key = format!("{path}.{name}");
        let is_token = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c));
        if !is_token {
            diag.report(span, key, format!("{name:?} is not a valid HTTP header name"));
            ok = false;
            continue;
        }
        if RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
            let hint = if name.eq_ignore_ascii_case("user-agent") {
                " (use the source's user_agent key)"
            } else {
                ""
            };
            diag.report(
                span,
                key,
                format!("{name:?} is set by thbwatch and cannot be overridden{hint}"),
            );
            ok = false;
            continue;
        }
        match value.get_ref().as_str() {
            Some(text) if is_header_value(text) => out.push(Header {
                name: name.to_string(),
                value: text.trim().to_string(),
            }),
            Some(_) => {
                diag.report(
                    value.span(),
                    key,
                    "must be one line of printable ASCII (an HTTP header value)",
                );
                ok = false;
            }
            None => {
                diag.report(
                    value.span(),
                    key,
                    format!("expected a string, found {}", value.get_ref().type_str()),
                );
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

fn read_feed(diag: &mut Diagnostics<'_>, t: &mut Table<'_, '_>) -> Option<Feed> {
    let title = match t.string(diag, "title") {
        None => Some("thbwatch".to_string()),
        Some((text, span)) => non_empty(diag, span, t.key_path("title"), text),
    };
    let max_entries = bounded(diag, t, "max_entries", DEFAULT_MAX_ENTRIES, 1..=10_000);
    t.finish(diag, &["title", "max_entries"]);
    Some(Feed {
        title: title?,
        max_entries: max_entries?,
    })
}

const SOURCE_KEYS: &[&str] = &[
    "url",
    "url_env",
    "url_file",
    "title",
    "language",
    "country",
    "schedule",
    "timeout",
    "user_agent",
    "headers",
    "kind",
    "html",
    "full_text",
    "full_text_selector",
];

fn read_sources(
    diag: &mut Diagnostics<'_>,
    root: &mut Table<'_, '_>,
    default_schedule: Option<&str>,
    base_dir: &Path,
) -> Option<Vec<Source>> {
    let Some((table, span)) = root.table(diag, "sources") else {
        if root.get("sources").is_none() {
            diag.report(
                0..0,
                "sources",
                "no sources configured: add a [sources.ID] table with a url",
            );
        }
        return None;
    };
    let mut sources = Vec::new();
    let mut ok = true;
    let mut urls: HashMap<String, String> = HashMap::new();
    for (id, key_span, value) in in_file_order(Table::new("sources", table).all()) {
        let path = format!("sources.{id}");
        ok &= check_id(diag, key_span.clone(), &path, id);
        let Some(source_table) = as_table(diag, value, &path) else {
            ok = false;
            continue;
        };
        let mut t = Table::new(path.clone(), source_table);
        match read_source(diag, &mut t, id, key_span, default_schedule, base_dir) {
            Some((source, url_span, url_key)) => {
                if let Some(other) = urls.insert(source.url.to_string(), id.to_string()) {
                    diag.report(url_span, t.key_path(&url_key), format!("same url as sources.{other}"));
                    ok = false;
                }
                sources.push(source);
            }
            None => ok = false,
        }
        t.finish(diag, SOURCE_KEYS);
    }
    if sources.is_empty() && ok {
        diag.report(
            span,
            "sources",
            "no sources configured: add a [sources.ID] table with a url",
        );
        return None;
    }
    ok.then_some(sources)
}

/// A source, and the span and key of its address (to point at duplicates).
fn read_source(
    diag: &mut Diagnostics<'_>,
    t: &mut Table<'_, '_>,
    id: &str,
    key_span: Range<usize>,
    default_schedule: Option<&str>,
    base_dir: &Path,
) -> Option<(Source, Range<usize>, String)> {
    let address = match super::secrets::read(diag, t, "url", base_dir) {
        Some(Some(value)) => source_url(diag, t, value),
        Some(None) => {
            diag.report(
                key_span.clone(),
                t.key_path("url"),
                "missing: every source needs the address of its feed \
                 (url, or url_env or url_file for an address with a secret in it)",
            );
            None
        }
        None => None,
    };
    let title = optional_text(diag, t, "title");
    let language = optional_code(diag, t, "language", "a language tag such as \"lv\" or \"en-GB\"");
    let country = optional_code(diag, t, "country", "a two-letter country code such as \"lv\"");
    let schedule = match t.string(diag, "schedule") {
        Some((text, span)) => cron(diag, span, t.key_path("schedule"), text),
        // A bad default was reported already; don't repeat it per source.
        None => default_schedule.map(str::to_string),
    };
    let timeout = match t.get("timeout") {
        Some(_) => duration(diag, t, "timeout", DEFAULT_TIMEOUT).map(Some),
        None => Some(None),
    };
    let user_agent = match t.string(diag, "user_agent") {
        Some((text, span)) => user_agent(diag, span, t.key_path("user_agent"), text).map(Some),
        None => t.get("user_agent").is_none().then_some(None),
    };
    let headers = headers(diag, t);
    let kind = super::html::kind(diag, t, key_span.clone());
    let full_text = super::html::full_text(diag, t);
    let (url, url_hidden, url_span, url_key) = address?;
    let source = Source {
        id: SourceId::new(id),
        url,
        url_hidden,
        title: title?,
        language: language?,
        country: country?,
        schedule: schedule?,
        timeout: timeout?,
        user_agent: user_agent?,
        headers: headers?,
        kind: kind?,
        full_text: full_text?,
    };
    Some((source, url_span, url_key))
}

/// A source's address: from `url` it is checked and quoted in problems
/// like any value; from `url_env` or `url_file` it is a secret, and no
/// problem quotes it.
fn source_url(
    diag: &mut Diagnostics<'_>,
    t: &Table<'_, '_>,
    value: super::secrets::Value,
) -> Option<(Url, bool, Range<usize>, String)> {
    let key = t.key_path(&value.key);
    let (url, hidden) = match &value.given {
        super::secrets::Given::Inline => (http_url(diag, value.span.clone(), key, &value.text)?, false),
        given => {
            let from = match given {
                super::secrets::Given::Env(name) => format!("the environment variable {name}"),
                super::secrets::Given::File(path) => path.display().to_string(),
                super::secrets::Given::Inline => String::new(),
            };
            (secret_url(diag, value.span.clone(), key, &value.text, &from)?, true)
        }
    };
    Some((url, hidden, value.span, value.key))
}

/// An address read from a secret: checked like [`http_url`], but problems
/// say where it came from instead of quoting it.
fn secret_url(diag: &mut Diagnostics<'_>, span: Range<usize>, key: String, text: &str, from: &str) -> Option<Url> {
    let problem = match Url::parse(text.trim()) {
        Ok(url) if !url.username().is_empty() || url.password().is_some() => {
            "has a user name or password in it: give credentials as headers instead".to_string()
        }
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => return Some(url),
        Ok(url) => format!("is not an http or https URL (scheme {:?})", url.scheme()),
        Err(e) => format!("is not a valid URL ({e})"),
    };
    diag.report(span, key, format!("the address in {from} {problem}"));
    None
}

/// Map entries as they stand in the file (the parser sorts them by key).
pub(super) fn in_file_order<'a, 'i>(
    mut entries: Vec<(&'a str, Range<usize>, &'a reader::Value<'i>)>,
) -> Vec<(&'a str, Range<usize>, &'a reader::Value<'i>)> {
    entries.sort_by_key(|e| e.1.start);
    entries
}

/// Source ids and tag names appear in URLs and logs: keep them plain.
pub(super) fn check_id(diag: &mut Diagnostics<'_>, span: Range<usize>, path: &str, id: &str) -> bool {
    let valid = id.len() <= 64
        && id.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !valid {
        diag.report(
            span,
            path,
            format!("{id:?} is not a valid id: use 1-64 lowercase letters a-z, digits, '-' or '_', starting with a letter or digit"),
        );
    }
    valid
}

pub(super) fn http_url(diag: &mut Diagnostics<'_>, span: Range<usize>, key: String, text: &str) -> Option<Url> {
    match Url::parse(text.trim()) {
        Ok(url) if !url.username().is_empty() || url.password().is_some() => {
            // The URL is published in every entry's <source>: a password in it would leak.
            diag.report(
                span,
                key,
                "must not contain a user name or password (it would be published in the feeds)",
            );
            None
        }
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Some(url),
        Ok(url) => {
            diag.report(
                span,
                key,
                format!("{text:?} is not an http or https URL (scheme {:?})", url.scheme()),
            );
            None
        }
        Err(e) => {
            diag.report(span, key, format!("{text:?} is not a valid URL: {e}"));
            None
        }
    }
}

pub(super) fn cron(diag: &mut Diagnostics<'_>, span: Range<usize>, key: String, text: &str) -> Option<String> {
    parse_or_report(diag, span, key, crate::schedule::normalize_cron(text), |e| {
        e.to_string()
    })
}

pub(super) fn duration(
    diag: &mut Diagnostics<'_>,
    t: &mut Table<'_, '_>,
    key: &str,
    default: Duration,
) -> Option<Duration> {
    read_duration(diag, t, key, default, false)
}

/// A duration where zero means "no wait".
pub(super) fn duration_or_zero(
    diag: &mut Diagnostics<'_>,
    t: &mut Table<'_, '_>,
    key: &str,
    default: Duration,
) -> Option<Duration> {
    read_duration(diag, t, key, default, true)
}

fn read_duration(
    diag: &mut Diagnostics<'_>,
    t: &mut Table<'_, '_>,
    key: &str,
    default: Duration,
    zero_allowed: bool,
) -> Option<Duration> {
    let Some((text, span)) = t.string(diag, key) else {
        return t.get(key).is_none().then_some(default);
    };
    match humantime::parse_duration(text) {
        Ok(d) if zero_allowed || !d.is_zero() => Some(d),
        Ok(_) => {
            diag.report(span, t.key_path(key), "must be longer than zero");
            None
        }
        Err(e) => {
            diag.report(
                span,
                t.key_path(key),
                format!("{text:?} is not a duration such as \"30s\" or \"2m\" ({e})"),
            );
            None
        }
    }
}

pub(super) fn bounded(
    diag: &mut Diagnostics<'_>,
    t: &mut Table<'_, '_>,
    key: &str,
    default: usize,
    range: std::ops::RangeInclusive<usize>,
) -> Option<usize> {
    let within = *range.start() as i64..=*range.end() as i64;
    match t.integer_in(diag, key, within) {
        // Within a range of usize values, so it is one.
        Some((n, _)) => Some(n as usize),
        None => t.get(key).is_none().then_some(default),
    }
}

pub(super) fn optional_text(diag: &mut Diagnostics<'_>, t: &mut Table<'_, '_>, key: &str) -> Option<Option<String>> {
    match t.string(diag, key) {
        Some((text, span)) => non_empty(diag, span, t.key_path(key), text).map(Some),
        None => t.get(key).is_none().then_some(None),
    }
}

/// A language tag or country code: letters, digits and '-', stored lowercase.
fn optional_code(diag: &mut Diagnostics<'_>, t: &mut Table<'_, '_>, key: &str, what: &str) -> Option<Option<String>> {
    match t.string(diag, key) {
        Some((text, span)) => {
            let valid = (2..=35).contains(&text.len())
                && text.starts_with(|c: char| c.is_ascii_alphabetic())
                && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            if !valid {
                diag.report(span, t.key_path(key), format!("{text:?} is not {what}"));
                return None;
            }
            Some(Some(text.to_ascii_lowercase()))
        }
        None => t.get(key).is_none().then_some(None),
    }
}

/// Names for a message: all of them, or the first few and how many more
/// (a message per problem must not grow with the size of the file).
pub(crate) fn listing(names: &[String]) -> String {
    const SHOWN: usize = 20;
    match names.len() {
        0 => "none".to_string(),
        n if n <= SHOWN => names.join(", "),
        n => format!("{}, … and {} more", names[..SHOWN].join(", "), n - SHOWN),
    }
}

pub(super) fn non_empty(diag: &mut Diagnostics<'_>, span: Range<usize>, key: String, text: &str) -> Option<String> {
    if text.trim().is_empty() {
        diag.report(span, key, "must not be empty");
        return None;
    }
    Some(text.trim().to_string())
}

fn parse_or_report<T, E>(
    diag: &mut Diagnostics<'_>,
    span: Range<usize>,
    key: String,
    result: Result<T, E>,
    message: impl FnOnce(E) -> String,
) -> Option<T> {
    result.map_err(|e| diag.report(span, key, message(e))).ok()
}
