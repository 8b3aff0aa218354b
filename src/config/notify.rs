//! `[notify.NAME]` tables: notification channels (webhook, ntfy, Matrix,
//! e-mail), what each one is sent, and its secrets, read from the
//! environment or a file (systemd credentials) so they need not stand in
//! the main file, and never shown by `Debug`.

use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use url::Url;

use super::Source;
use super::reader::{Diagnostics, Table, as_table};
pub(crate) use super::room::Room;
use super::secrets::{Secret, secret};
use super::sections::{bounded, check_id, cron, duration, headers, http_url, in_file_order, listing, non_empty};
use crate::model::{Header, SourceId};
use crate::tag::TagRule;

/// One channel and what it is sent.
#[derive(Clone, Debug)]
pub struct Channel {
    /// The table key.
    pub name: String,
    pub kind: ChannelKind,
    /// Items with any of these tags (empty: any tag).
    pub tags: Vec<String>,
    /// Only items of these sources (empty: all).
    pub sources: Vec<SourceId>,
    /// Only items in these languages (empty: all).
    pub languages: Vec<String>,
    /// Also send what a newly added source's first poll finds.
    pub notify_backlog: bool,
    /// The least time between two sends (a rate limit).
    pub min_interval: Duration,
    /// Attempts before a delivery is dead-lettered.
    pub max_attempts: u32,
    /// Age after which a delivery is dead-lettered.
    pub give_up_after: Duration,
    /// Wait after a first failed attempt, doubling after each further one.
    pub retry_base: Duration,
    /// The longest wait between attempts.
    pub retry_max: Duration,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebhookFormat {
    /// thbwatch's documented JSON payload.
    Json,
    /// `{"text": …}`, as Slack and Mattermost incoming webhooks take.
    Slack,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Security {
    /// STARTTLS on the submission port (587).
    StartTls,
    /// TLS from the start (465).
    Tls,
    /// No encryption: for a relay on this machine only.
    Plain,
}

#[derive(Clone, Debug)]
pub enum ChannelKind {
    Webhook {
        url: Url,
        format: WebhookFormat,
        /// HMAC-SHA256 key for the signature header.
        secret: Option<Secret>,
        headers: Vec<Header>,
    },
    Ntfy {
        /// The topic's URL, e.g. `https://ntfy.sh/thb-alerts`.
        url: Url,
        token: Option<Secret>,
        priority: u8,
    },
    Matrix {
        /// Its path ends in `/`, so the API's paths are joined below it.
        homeserver: Url,
        room: Room,
        token: Secret,
    },
    Email {
        host: String,
        port: u16,
        security: Security,
        username: Option<String>,
        password: Option<Secret>,
        from: String,
        to: Vec<String>,
        /// A cron schedule: one mail gathering everything since the last.
        digest: Option<String>,
    },
}

impl ChannelKind {
    #[cfg(test)]
    pub(crate) fn name(&self) -> &'static str {
        match self {
            ChannelKind::Webhook { .. } => "webhook",
            ChannelKind::Ntfy { .. } => "ntfy",
            ChannelKind::Matrix { .. } => "matrix",
            ChannelKind::Email { .. } => "email",
        }
    }
}

pub(crate) const DEFAULT_MIN_INTERVAL: Duration = Duration::from_secs(1);
pub(crate) const DEFAULT_MAX_ATTEMPTS: usize = 50;
pub(crate) const DEFAULT_GIVE_UP_AFTER: Duration = Duration::from_secs(2 * 24 * 3600);
pub(crate) const DEFAULT_RETRY_BASE: Duration = Duration::from_secs(30);
pub(crate) const DEFAULT_RETRY_MAX: Duration = Duration::from_secs(3600);

const COMMON_KEYS: &[&str] = &[
    "kind",
    "tags",
    "sources",
    "languages",
    "notify_backlog",
    "min_interval",
    "max_attempts",
    "give_up_after",
    "retry_base",
    "retry_max",
];

/// Reads every `[notify.NAME]` table (none is fine).
pub(crate) fn read(
    diag: &mut Diagnostics<'_>,
    root: &mut Table<'_, '_>,
    base_dir: &Path,
    sources: Option<&[Source]>,
    tags: Option<&[TagRule]>,
) -> Option<Vec<Channel>> {
    let Some((table, _)) = root.table(diag, "notify") else {
        return root.get("notify").is_none().then(Vec::new);
    };
    let mut channels = Vec::new();
    let mut ok = true;
    for (name, key_span, value) in in_file_order(Table::new("notify", table).all()) {
        let path = format!("notify.{name}");
        ok &= check_id(diag, key_span.clone(), &path, name);
        let Some(channel_table) = as_table(diag, value, &path) else {
            ok = false;
            continue;
        };
        let mut t = Table::new(path, channel_table);
        match read_channel(diag, &mut t, name, key_span, base_dir, sources, tags) {
            Some(channel) => channels.push(channel),
            None => ok = false,
        }
    }
    ok.then_some(channels)
}

fn read_channel(
    diag: &mut Diagnostics<'_>,
    t: &mut Table<'_, '_>,
    name: &str,
    span: Range<usize>,
    base_dir: &Path,
    sources: Option<&[Source]>,
    tags: Option<&[TagRule]>,
) -> Option<Channel> {
    let kind_name = match t.string(diag, "kind") {
        Some((kind, span)) => Some((kind.to_string(), span)),
        None => {
            if t.get("kind").is_none() {
                diag.report(
                    span.clone(),
                    t.key_path("kind"),
                    "missing: one of webhook, ntfy, matrix, email",
                );
            }
            None
        }
    };
    let (kind, own_keys): (Option<ChannelKind>, &[&str]) =
        match kind_name.as_ref().map(|(k, s)| (k.as_str(), s.clone())) {
            Some(("webhook", _)) => (
                webhook(diag, t, base_dir),
                &["url", "format", "secret", "secret_env", "secret_file", "headers"],
            ),
            Some(("ntfy", _)) => (
                ntfy(diag, t, base_dir),
                &["url", "token", "token_env", "token_file", "priority"],
            ),
            Some(("matrix", _)) => (
                matrix(diag, t, base_dir, &span),
                &[
                    "homeserver",
                    "room",
                    "access_token",
                    "access_token_env",
                    "access_token_file",
                ],
            ),
            Some(("email", _)) => (
                email(diag, t, base_dir, &span),
                &[
                    "smtp_host",
                    "smtp_port",
                    "security",
                    "username",
                    "password",
                    "password_env",
                    "password_file",
                    "from",
                    "to",
                    "digest",
                ],
            ),
            Some((other, kind_span)) => {
                diag.report(
                    kind_span,
                    t.key_path("kind"),
                    format!("{other:?} is not a channel kind: use webhook, ntfy, matrix or email"),
                );
                (None, &[])
            }
            None => (None, &[]),
        };
    let route_tags = names_of(
        diag,
        t,
        "tags",
        tags.map(|r| r.iter().map(|r| r.name.clone()).collect()),
        "tag",
    );
    let route_sources = names_of(
        diag,
        t,
        "sources",
        sources.map(|s| s.iter().map(|s| s.id.to_string()).collect()),
        "source",
    );
    let languages = match t.strings(diag, "languages") {
        Some((codes, _)) => Some(codes.iter().map(|(c, _)| crate::lang::primary(c)).collect()),
        None => t.get("languages").is_none().then(Vec::new),
    };
    let notify_backlog = match t.boolean(diag, "notify_backlog") {
        Some((b, _)) => Some(b),
        None => t.get("notify_backlog").is_none().then_some(false),
    };
    let min_interval = super::sections::duration_or_zero(diag, t, "min_interval", DEFAULT_MIN_INTERVAL);
    let max_attempts = bounded(diag, t, "max_attempts", DEFAULT_MAX_ATTEMPTS, 1..=10_000);
    let give_up_after = duration(diag, t, "give_up_after", DEFAULT_GIVE_UP_AFTER);
    let retry_base = duration(diag, t, "retry_base", DEFAULT_RETRY_BASE);
    let retry_max = duration(diag, t, "retry_max", DEFAULT_RETRY_MAX);
    let known: Vec<&str> = COMMON_KEYS.iter().chain(own_keys).copied().collect();
    t.finish(diag, &known);
    Some(Channel {
        name: name.to_string(),
        kind: kind?,
        tags: route_tags?,
        sources: route_sources?.into_iter().map(SourceId::new).collect(),
        languages: languages?,
        notify_backlog: notify_backlog?,
        min_interval: min_interval?,
        max_attempts: max_attempts? as u32,
        give_up_after: give_up_after?,
        retry_base: retry_base?,
        retry_max: retry_max?.max(retry_base?),
    })
}

/// A list of tag names or source ids, each of which must exist.
fn names_of(
    diag: &mut Diagnostics<'_>,
    t: &mut Table<'_, '_>,
    key: &str,
    known: Option<Vec<String>>,
    what: &str,
) -> Option<Vec<String>> {
    let Some((names, _)) = t.strings(diag, key) else {
        return t.get(key).is_none().then(Vec::new);
    };
    let mut ok = true;
    let known_set: Option<std::collections::HashSet<&str>> =
        known.as_ref().map(|k| k.iter().map(String::as_str).collect());
    for (i, (name, span)) in names.iter().enumerate() {
        if let (Some(known), Some(set)) = (&known, &known_set)
            && !set.contains(name)
        {
            let message = format!("no {what} named {name:?} (configured: {})", listing(known));
            diag.report(span.clone(), format!("{}[{i}]", t.key_path(key)), message);
            ok = false;
        }
    }
    ok.then(|| names.into_iter().map(|(n, _)| n.to_string()).collect())
}

fn required_url(diag: &mut Diagnostics<'_>, t: &mut Table<'_, '_>, key: &str) -> Option<Url> {
    match t.string(diag, key) {
        Some((text, span)) => http_url(diag, span, t.key_path(key), text),
        None => {
            if t.get(key).is_none() {
                diag.report(0..0, t.key_path(key), "missing");
            }
            None
        }
    }
}

fn webhook(diag: &mut Diagnostics<'_>, t: &mut Table<'_, '_>, base_dir: &Path) -> Option<ChannelKind> {
    let url = required_url(diag, t, "url");
    let format = match t.string(diag, "format") {
        None => t.get("format").is_none().then_some(WebhookFormat::Json),
        Some(("json", _)) => Some(WebhookFormat::Json),
        Some(("slack", _)) => Some(WebhookFormat::Slack),
        Some((other, span)) => {
            diag.report(
                span,
                t.key_path("format"),
                format!("{other:?} is not a format: use json or slack"),
            );
            None
        }
    };
    let secret = secret(diag, t, "secret", base_dir);
    let headers = headers(diag, t);
    Some(ChannelKind::Webhook {
        url: url?,
        format: format?,
        secret: secret?,
        headers: headers?,
    })
}

fn ntfy(diag: &mut Diagnostics<'_>, t: &mut Table<'_, '_>, base_dir: &Path) -> Option<ChannelKind> {
    let url = required_url(diag, t, "url");
    let token = secret(diag, t, "token", base_dir);
    let priority = bounded(diag, t, "priority", 3, 1..=5);
    Some(ChannelKind::Ntfy {
        url: url?,
        token: token?,
        priority: priority? as u8,
    })
}

fn matrix(
    diag: &mut Diagnostics<'_>,
    t: &mut Table<'_, '_>,
    base_dir: &Path,
    span: &Range<usize>,
) -> Option<ChannelKind> {
    // A homeserver under a path (behind a proxy) keeps it, with or
    // without a final `/`.
    let homeserver = required_url(diag, t, "homeserver").map(|mut url| {
        if !url.path().ends_with('/') {
            url.set_path(&format!("{}/", url.path()));
        }
        url
    });
    const EXAMPLES: &str = "\"!abc123:example.org\", \"!opaque\" (room version 12) or \"#room:example.org\"";
    let room = match t.string(diag, "room") {
        Some((text, room_span)) => match Room::parse(text) {
            Some(room) => Some(room),
            None => {
                diag.report(
                    room_span,
                    t.key_path("room"),
                    format!("{text:?} is not a room id or alias such as {EXAMPLES}"),
                );
                None
            }
        },
        None => {
            if t.get("room").is_none() {
                diag.report(
                    span.clone(),
                    t.key_path("room"),
                    format!("missing: the room's id or alias, e.g. {EXAMPLES}"),
                );
            }
            None
        }
    };
    let token = match secret(diag, t, "access_token", base_dir) {
        Some(Some(token)) => Some(token),
        Some(None) => {
            let message = "missing: access_token_env, access_token_file or access_token";
            diag.report(span.clone(), t.key_path("access_token"), message);
            None
        }
        None => None,
    };
    Some(ChannelKind::Matrix {
        homeserver: homeserver?,
        room: room?,
        token: token?,
    })
}

fn email(
    diag: &mut Diagnostics<'_>,
    t: &mut Table<'_, '_>,
    base_dir: &Path,
    span: &Range<usize>,
) -> Option<ChannelKind> {
    let host = match t.string(diag, "smtp_host") {
        Some((host, s)) => non_empty(diag, s, t.key_path("smtp_host"), host),
        None => {
            if t.get("smtp_host").is_none() {
                diag.report(span.clone(), t.key_path("smtp_host"), "missing: the SMTP server's name");
            }
            None
        }
    };
    let security = match t.string(diag, "security") {
        None => t.get("security").is_none().then_some(Security::StartTls),
        Some(("starttls", _)) => Some(Security::StartTls),
        Some(("tls", _)) => Some(Security::Tls),
        Some(("plain", _)) => Some(Security::Plain),
        Some((other, s)) => {
            diag.report(
                s,
                t.key_path("security"),
                format!("{other:?}: use starttls, tls or plain (plain only for a relay on this machine)"),
            );
            None
        }
    };
    let default_port = match security {
        Some(Security::Tls) => 465,
        Some(Security::Plain) => 25,
        _ => 587,
    };
    let port = bounded(diag, t, "smtp_port", default_port, 1..=65535);
    let username = match t.string(diag, "username") {
        Some((u, s)) => non_empty(diag, s, t.key_path("username"), u).map(Some),
        None => t.get("username").is_none().then_some(None),
    };
    let password = secret(diag, t, "password", base_dir);
    let from = match t.string(diag, "from") {
        Some((addr, s)) => address(diag, s, t.key_path("from"), addr),
        None => {
            if t.get("from").is_none() {
                diag.report(span.clone(), t.key_path("from"), "missing: the sender's address");
            }
            None
        }
    };
    let to = match t.strings(diag, "to") {
        Some((list, s)) if list.is_empty() => {
            diag.report(s, t.key_path("to"), "empty: name at least one recipient");
            None
        }
        Some((list, _)) => {
            let checked: Vec<Option<String>> = list
                .iter()
                .map(|(a, s)| address(diag, s.clone(), t.key_path("to"), a))
                .collect();
            checked.into_iter().collect::<Option<Vec<_>>>()
        }
        None => {
            if t.get("to").is_none() {
                diag.report(span.clone(), t.key_path("to"), "missing: the recipients' addresses");
            }
            None
        }
    };
    let digest = match t.string(diag, "digest") {
        Some((text, s)) => cron(diag, s, t.key_path("digest"), text).map(Some),
        None => t.get("digest").is_none().then_some(None),
    };
    Some(ChannelKind::Email {
        host: host?,
        port: port? as u16,
        security: security?,
        username: username?,
        password: password?,
        from: from?,
        to: to?,
        digest: digest?,
    })
}

fn address(diag: &mut Diagnostics<'_>, span: Range<usize>, key: String, text: &str) -> Option<String> {
    let text = text.trim();
    let valid = text
        .split_once('@')
        .is_some_and(|(user, host)| !user.is_empty() && (host.contains('.') || host == "localhost"))
        && !text.contains(char::is_whitespace);
    if !valid {
        diag.report(span, key, format!("{text:?} is not an e-mail address"));
        return None;
    }
    Some(text.to_string())
}
