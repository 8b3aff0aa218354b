//! `config.toml` ─▶ a validated [`Config`]. Every problem in the file is
//! collected and reported with its line and column; nothing here writes
//! files or touches the network.

mod html;
mod notify;
mod reader;
mod room;
mod rules;
mod secrets;
mod sections;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use url::Url;

use crate::model::{Header, SourceId};
use crate::tag::TagRule;
pub(crate) use reader::Problem;
use reader::{Diagnostics, Table};

/// The whole configuration, validated.
#[derive(Clone, Debug)]
pub struct Config {
    /// The file it was read from.
    pub path: PathBuf,
    pub server: Server,
    pub storage: Storage,
    pub poll: Poll,
    pub feed: Feed,
    pub sources: Vec<Source>,
    pub tags: Vec<TagRule>,
    /// Notification channels, in file order.
    pub notify: Vec<Channel>,
}

pub(crate) use html::{FullText, SourceKind};
pub(crate) use notify::{Channel, ChannelKind, Room, Security, WebhookFormat};
pub(crate) use secrets::Secret;

#[derive(Clone, Debug)]
pub struct Server {
    pub listen: SocketAddr,
    /// Public address of the server, always ending in `/`.
    pub base_url: Option<Url>,
    /// `Cache-Control: max-age` of the served feeds.
    pub cache_max_age: Duration,
    /// The daemon's log filter (`RUST_LOG` syntax); `RUST_LOG` overrides it.
    pub log: String,
}

#[derive(Clone, Debug)]
pub struct Storage {
    /// The SQLite file, resolved against the config file's folder.
    pub path: PathBuf,
    /// Untagged items older than this are pruned (`None`: kept forever).
    pub retain_untagged: Option<Duration>,
    /// Tagged items older than this are pruned (`None`: kept forever).
    pub retain_tagged: Option<Duration>,
    /// How long the daemon's start waits for the database's integrity
    /// check; a longer check goes on in the background (zero: always).
    pub startup_check_wait: Duration,
}

#[derive(Clone, Debug)]
pub struct Poll {
    /// Default schedule, normalised to six fields (seconds first).
    pub schedule: String,
    /// The whole request, body included (a dribbling server is cut here).
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Requests in flight at once, all hosts together.
    pub max_concurrent: usize,
    /// The least time between two requests to the same host.
    pub host_interval: Duration,
    pub user_agent: String,
    pub max_body_bytes: usize,
    /// Entries kept from one document; the rest are dropped with a warning.
    pub max_items: usize,
    /// Delay after the first failure, doubling with each further one.
    pub backoff_base: Duration,
    /// The longest back-off (and the wait after 410 Gone).
    pub backoff_max: Duration,
    /// A source with no success for this long shows as stale.
    pub stale_after: Duration,
    /// How long a new item of a `full_text` source waits for its article
    /// before it is announced anyway (zero: not at all).
    pub full_text_wait: Duration,
}

#[derive(Clone, Debug)]
pub struct Feed {
    pub title: String,
    pub max_entries: usize,
}

#[derive(Clone)]
pub struct Source {
    pub id: SourceId,
    /// The feed's address, for fetching only: what is shown of it is
    /// [`Source::public_url`].
    pub url: Url,
    /// The address came from `url_env` or `url_file`: it is a secret as a
    /// whole, and nothing of it but its origin is ever shown.
    pub url_hidden: bool,
    pub title: Option<String>,
    pub language: Option<String>,
    pub country: Option<String>,
    /// This source's schedule (its own or the default), six fields.
    pub schedule: String,
    /// Overrides of `[poll]` for this source.
    pub timeout: Option<Duration>,
    pub user_agent: Option<String>,
    /// Extra request headers, names and values already checked.
    pub headers: Vec<Header>,
    /// A feed, or a listing page read with selectors.
    pub kind: SourceKind,
    /// Fetch the article behind each new item (`full_text = true`).
    pub full_text: Option<FullText>,
}

impl Source {
    /// The title to show: configured, else the source id.
    pub(crate) fn display_title(&self) -> &str {
        self.title.as_deref().unwrap_or(self.id.as_str())
    }

    /// The address as everything published shows it: credential-looking
    /// query values redacted, or only the origin of a hidden address.
    pub(crate) fn public_url(&self) -> String {
        self.public_form(self.url.as_str())
    }

    /// Another address of this source (where it redirected) as it may be
    /// shown.
    pub(crate) fn public_form(&self, address: &str) -> String {
        match Url::parse(address) {
            Ok(address) if self.url_hidden => crate::redact::origin(&address),
            Ok(address) => crate::redact::url(&address),
            Err(_) if self.url_hidden => "(hidden address)".to_string(),
            Err(_) => crate::redact::text(address),
        }
    }

    /// What a document fetched from `address` (this source's, or where it
    /// redirected) resolves relative links against: links are published,
    /// so none may carry the address's secrets along.
    pub(crate) fn link_base(&self, address: &Url) -> Url {
        crate::redact::without_secrets(address, self.url_hidden)
    }

    /// What the database keeps as the source's address; when it changes,
    /// the source starts afresh. A hidden address is kept as its origin
    /// and a digest of the whole, never the address itself.
    pub(crate) fn stored_url(&self) -> String {
        if !self.url_hidden {
            return self.url.to_string();
        }
        use sha2::Digest;
        let digest = sha2::Sha256::digest(self.url.as_str().as_bytes());
        let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        format!("{}#sha256-{hex}", crate::redact::origin(&self.url))
    }
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("id", &self.id)
            .field("url", &self.public_url())
            .field("title", &self.title)
            .field("language", &self.language)
            .field("country", &self.country)
            .field("schedule", &self.schedule)
            .field("timeout", &self.timeout)
            .field("user_agent", &self.user_agent)
            .field("headers", &self.headers)
            .field("kind", &self.kind)
            .field("full_text", &self.full_text)
            .finish()
    }
}

/// A source id named (on the command line) that no source has; the
/// message lists those configured.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("no source with id {id:?} (configured: {configured})")]
pub struct UnknownSource {
    pub id: String,
    pub configured: String,
}

/// Why a configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read configuration {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: crate::textfile::Error,
    },
    #[error("{}", format_problems(path, problems))]
    Invalid { path: PathBuf, problems: Vec<Problem> },
}

fn format_problems(path: &Path, problems: &[Problem]) -> String {
    let mut out = format!(
        "{} has {} problem{}:",
        path.display(),
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for problem in problems {
        out.push_str(&format!("\n{}:{problem}", path.display()));
    }
    out
}

pub(crate) const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub(crate) const DEFAULT_CACHE_MAX_AGE: Duration = Duration::from_secs(300);
pub(crate) const DEFAULT_LOG_FILTER: &str = "info,tokio_cron_scheduler=warn";
pub(crate) const DEFAULT_SCHEDULE: &str = "*/15 * * * *";
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
pub(crate) const DEFAULT_MAX_CONCURRENT: usize = 8;
pub(crate) const DEFAULT_MAX_BODY_BYTES: usize = 10 * 1024 * 1024;
pub(crate) const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub(crate) const DEFAULT_HOST_INTERVAL: Duration = Duration::from_secs(1);
pub const DEFAULT_MAX_ITEMS: usize = 2_000;
pub(crate) const DEFAULT_BACKOFF_BASE: Duration = Duration::from_secs(5 * 60);
pub(crate) const DEFAULT_BACKOFF_MAX: Duration = Duration::from_secs(6 * 3600);
pub(crate) const DEFAULT_FULL_TEXT_WAIT: Duration = Duration::from_secs(5 * 60);
pub(crate) const DEFAULT_STALE_AFTER: Duration = Duration::from_secs(24 * 3600);
/// The longest back-off allowed: a source is tried at least weekly.
pub(crate) const MAX_BACKOFF: Duration = Duration::from_secs(7 * 24 * 3600);
pub(crate) const DEFAULT_MAX_ENTRIES: usize = 100;
pub(crate) const DEFAULT_STARTUP_CHECK_WAIT: Duration = Duration::from_secs(10);
/// The largest configuration read: thousands of sources fit in a few MiB.
pub(crate) const MAX_CONFIG_BYTES: u64 = 16 * 1024 * 1024;

/// The User-Agent sent when the configuration names none.
pub(crate) fn default_user_agent() -> String {
    format!("thbwatch/{} (anti-trafficking news monitor)", env!("CARGO_PKG_VERSION"))
}

impl Config {
    /// Reads and validates a configuration file. Blocking: call it before
    /// the runtime starts work, or from `spawn_blocking`.
    pub fn load(path: &Path) -> Result<Config, Error> {
        let text = crate::textfile::read(path, MAX_CONFIG_BYTES).map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text, path).map_err(|problems| Error::Invalid {
            path: path.to_path_buf(),
            problems,
        })
    }

    /// Validates configuration text; `path` locates relative storage paths.
    pub fn parse(text: &str, path: &Path) -> Result<Config, Vec<Problem>> {
        let mut diag = Diagnostics::new(text);
        let (document, syntax_errors) = toml::de::DeTable::parse_recoverable(text);
        if !syntax_errors.is_empty() {
            // Past a syntax error the document is the parser's guess at the
            // rest: checking its keys and values would report problems that
            // are not in the file (a table cut short, keys "unknown" in the
            // wrong table). So syntax errors alone, the first on each line
            // (the others on it follow from it).
            for error in &syntax_errors {
                let span = error.span().unwrap_or(0..0);
                diag.report(span, "", format!("TOML syntax: {}", error.message().trim()));
            }
            let mut problems = diag.into_problems();
            problems.dedup_by_key(|p| p.line);
            return Err(problems);
        }
        let base_dir = path.parent().unwrap_or(Path::new("."));
        let mut root = Table::new("", document.get_ref());
        let config = sections::read(&mut diag, &mut root, base_dir, path);
        root.finish(&mut diag, sections::TOP_LEVEL);
        if diag.is_empty() {
            // The sections only return `None` after reporting a problem.
            return config.ok_or_else(Vec::new);
        }
        Err(diag.into_problems())
    }

    /// Sources selected by id, each once, in the order first named (all
    /// when none are named); an unknown id is an error naming it.
    pub fn select_sources(&self, ids: &[String]) -> Result<Vec<&Source>, UnknownSource> {
        if ids.is_empty() {
            return Ok(self.sources.iter().collect());
        }
        let mut selected: Vec<&Source> = Vec::new();
        for id in ids {
            let source = self.sources.iter().find(|s| s.id.as_str() == id).ok_or_else(|| {
                let known: Vec<String> = self.sources.iter().map(|s| s.id.to_string()).collect();
                UnknownSource {
                    id: id.clone(),
                    configured: sections::listing(&known),
                }
            })?;
            if !selected.iter().any(|s| s.id == source.id) {
                selected.push(source);
            }
        }
        Ok(selected)
    }

    /// What is valid but probably unwanted, one sentence each (`check`
    /// prints them, the daemon logs them at start).
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        let listen = self.server.listen.ip();
        if self.server.base_url.is_none() && !listen.is_loopback() {
            warnings.push(format!(
                "[server] base_url is not set while listen = \"{}\" accepts other machines: the feeds' links \
                 then follow each request's Host header, so every host name a client sends gets its own \
                 rendering; set base_url to the address people use",
                self.server.listen
            ));
        }
        warnings
    }
}

#[cfg(test)]
mod address_tests;
#[cfg(test)]
mod input_tests;
#[cfg(test)]
mod tests;
