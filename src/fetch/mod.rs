//! Conditional GET, politely and within limits: the only user of reqwest.
//! One request per host at a time with a gap between them, a global cap
//! on requests in flight, redirects followed by hand (at most 5, http and
//! https only, each hop checked by the address guard), a timeout on the
//! whole exchange and a cap on the decompressed body. Knows nothing about
//! feed formats.

mod guard;
mod hosts;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use url::Url;

use crate::model::Validators;
pub(crate) use guard::{Refusal, Scope, internal_kind};

/// An HTTP request a notification channel sends (webhook, ntfy, Matrix).
pub(crate) struct Post<'a> {
    /// `POST` or `PUT`.
    pub put: bool,
    pub url: &'a Url,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub timeout: Duration,
}

/// What the receiver answered.
#[derive(Debug)]
pub(crate) struct Posted {
    pub status: u16,
    /// From `Retry-After` on 429 and 503.
    pub retry_after: Option<Duration>,
    /// The start of the answer's body, for error messages.
    pub body: String,
}

/// Sends notifications: no redirects followed (a receiver that moves must
/// be reconfigured), no address guard (the operator chose the address).
#[derive(Clone, Debug)]
pub(crate) struct Poster {
    client: reqwest::Client,
}

impl Poster {
    pub(crate) fn new(user_agent: &str) -> Result<Poster, Error> {
        let client = reqwest::Client::builder()
            .user_agent(user_agent)
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(Error::Client)?;
        Ok(Poster { client })
    }

    pub(crate) async fn send(&self, post: Post<'_>) -> Result<Posted, Error> {
        let request = if post.put {
            self.client.put(post.url.as_str())
        } else {
            self.client.post(post.url.as_str())
        };
        let (posted, _) = exchange(request.body(post.body), &post.headers, post.timeout, 4096).await?;
        Ok(posted)
    }

    /// A GET of a small JSON answer (a Matrix room alias, say): its status
    /// and at most `max_bytes` of its body.
    pub(crate) async fn get(
        &self,
        url: &Url,
        headers: &[(String, String)],
        timeout: Duration,
        max_bytes: usize,
    ) -> Result<(Posted, Vec<u8>), Error> {
        exchange(self.client.get(url.as_str()), headers, timeout, max_bytes).await
    }
}

/// Sends a request; the answer's status, `Retry-After`, the start of its
/// body for error messages, and up to `max_bytes` of the body itself.
async fn exchange(
    mut request: reqwest::RequestBuilder,
    headers: &[(String, String)],
    timeout: Duration,
    max_bytes: usize,
) -> Result<(Posted, Vec<u8>), Error> {
    for (name, value) in headers {
        let (name, value) = header_pair(name, value)?;
        request = request.header(name, value);
    }
    let exchange = async {
        // Without the URL in errors: a webhook's URL may be its secret.
        let mut response = request.send().await.map_err(|e| classify(e.without_url()))?;
        let status = response.status();
        let retry_after = matches!(status, StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE)
            .then(|| retry_after(response.headers(), SystemTime::now()))
            .flatten();
        let mut reply = Vec::new();
        while reply.len() < max_bytes {
            match response.chunk().await {
                Ok(Some(chunk)) => reply.extend_from_slice(&chunk),
                _ => break,
            }
        }
        reply.truncate(max_bytes);
        // The start of the answer is all an error message needs.
        let body = String::from_utf8_lossy(&reply).chars().take(300).collect();
        let posted = Posted {
            status: status.as_u16(),
            retry_after,
            body,
        };
        Ok((posted, reply))
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .map_err(|_| Error::Timeout(timeout))?
}

/// Redirects followed before giving up.
pub(crate) const MAX_REDIRECTS: usize = 5;

/// Why a fetch failed. Each variant keeps the error it came from (as its
/// source) and says in its message what happened in a person's words.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("timed out after {}", humantime::format_duration(*.0))]
    Timeout(Duration),
    #[error("cannot connect: {detail}")]
    Connect {
        /// The causes that say what happened (DNS, refused, reset, TLS).
        detail: String,
        #[source]
        source: reqwest::Error,
    },
    /// The address guard stopped a request to an internal address.
    #[error("{0}")]
    Refused(#[from] Refusal),
    #[error("HTTP {code} {reason}")]
    Status {
        code: u16,
        reason: String,
        /// From `Retry-After` (429 and 503), in seconds or as a date.
        retry_after: Option<Duration>,
    },
    #[error("HTTP 410 Gone: the publisher has removed this feed; update or remove the source")]
    Gone,
    #[error("response larger than {0} bytes (poll.max_body_bytes)")]
    TooLarge(usize),
    #[error("{0}")]
    Redirect(#[from] Redirect),
    /// The exchange failed after connecting (reset, a bad answer, a body
    /// that broke off).
    #[error("request failed: {detail}")]
    Request {
        detail: String,
        #[source]
        source: reqwest::Error,
    },
    /// The HTTP client could not be built (its TLS set-up).
    #[error("request failed: {0}")]
    Client(#[source] reqwest::Error),
    /// A header that cannot be sent (configured ones are checked when the
    /// configuration is loaded, so this is a bug).
    #[error("request failed: {0}")]
    HeaderName(#[from] header::InvalidHeaderName),
    #[error("request failed: {0}")]
    HeaderValue(#[from] header::InvalidHeaderValue),
    /// The request slots were closed (the fetcher is going away).
    #[error("request failed: {0}")]
    Closed(#[from] tokio::sync::AcquireError),
}

/// Why a redirect was not followed; the addresses in it are shown as they
/// may be published.
#[derive(Debug, thiserror::Error)]
pub enum Redirect {
    #[error("HTTP {status} without a usable Location header")]
    NoLocation { status: u16 },
    #[error("HTTP {status} to an invalid address{shown}: {source}")]
    InvalidLocation {
        status: u16,
        /// The address quoted after a space, or nothing when it is secret.
        shown: String,
        #[source]
        source: url::ParseError,
    },
    #[error("redirect to a {scheme} address refused (only http and https): {chain}")]
    Scheme { scheme: String, chain: String },
    #[error("redirect loop: {chain}")]
    Loop { chain: String },
    #[error("more than {MAX_REDIRECTS} redirects: {chain}")]
    TooMany { chain: String },
}

impl Error {
    /// How long the server asked us to wait.
    pub(crate) fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// What a fetch found: the outcome, and what was seen on the way even
/// when it failed (the last HTTP status, a permanent redirect).
#[derive(Debug)]
pub(crate) struct Fetched {
    /// The status of the last answer (200, 304, 503, ...), if any came.
    pub status: Option<u16>,
    /// Where a permanent redirect (301/308 from the first hop on) led.
    pub moved_to: Option<Url>,
    /// `Ok(None)` for 304 Not Modified: the validators still hold.
    pub outcome: Result<Option<Body>, Error>,
}

/// What the hops of one exchange showed, kept when it fails.
#[derive(Debug, Default)]
struct Trail {
    status: Option<u16>,
    moved_to: Option<Url>,
}

/// A response body within the size cap.
#[derive(Debug)]
pub(crate) struct Body {
    pub bytes: Vec<u8>,
    pub content_type: Option<String>,
    pub validators: Validators,
    /// Where the body came from after redirects.
    pub final_url: Url,
    /// Holds one of the `max_concurrent` request slots until the body is
    /// dropped, or its slot taken ([`Body::take_slot`]), so no more than
    /// that many bodies wait in memory for parsing.
    slot: Option<OwnedSemaphorePermit>,
}

impl Body {
    /// The request slot, to hold on to until what the body became is
    /// stored: parsed items waiting for the database are bounded too.
    pub(crate) fn take_slot(&mut self) -> Option<OwnedSemaphorePermit> {
        self.slot.take()
    }
}

/// One request's settings.
pub(crate) struct Request<'a> {
    pub url: &'a Url,
    pub validators: &'a Validators,
    /// For the whole exchange, body included.
    pub timeout: Duration,
    /// Replaces the client's User-Agent for this source.
    pub user_agent: Option<&'a str>,
    pub headers: &'a [crate::model::Header],
    /// The address is a secret as a whole: errors show only origins.
    pub hide_address: bool,
}

/// Settings for [`Fetcher::new`].
pub(crate) struct Settings {
    pub user_agent: String,
    pub connect_timeout: Duration,
    pub max_body_bytes: usize,
    pub max_concurrent: usize,
    pub host_interval: Duration,
}

/// Shared by every poll: two connection pools (public sources, whose
/// connections may only reach public addresses, and sources that are
/// themselves internal), the per-host turns and the global slots.
#[derive(Clone, Debug)]
pub(crate) struct Fetcher {
    public: reqwest::Client,
    internal: reqwest::Client,
    hosts: Arc<hosts::Hosts>,
    slots: Arc<Semaphore>,
    /// Each source host's scope, decided once (see [`guard::scope_of`]).
    scopes: Arc<Mutex<HashMap<String, Scope>>>,
    max_body_bytes: usize,
}

const ACCEPT: &str = "application/atom+xml, application/rss+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5";

impl Fetcher {
    pub(crate) fn new(settings: Settings) -> Result<Fetcher, Error> {
        let builder = || {
            reqwest::Client::builder()
                .user_agent(settings.user_agent.clone())
                .connect_timeout(settings.connect_timeout)
                // Redirects are followed by hand: each hop is checked and recorded.
                .redirect(reqwest::redirect::Policy::none())
                // A proxy would resolve names where the guard cannot see them.
                .no_proxy()
                // No idle connections kept. Reuse would only serve several
                // sources of one host polled `host_interval` apart (a
                // handshake saved each); idle connections keep their
                // buffers, and with a thousand hosts they held 34 MB, which
                // the allocator did not give back even once they closed.
                .pool_max_idle_per_host(0)
        };
        let build = |b: reqwest::ClientBuilder| b.build().map_err(Error::Client);
        Ok(Fetcher {
            public: build(builder().dns_resolver(guard::public_only()))?,
            internal: build(builder())?,
            hosts: Arc::new(hosts::Hosts::new(settings.host_interval)),
            slots: Arc::new(Semaphore::new(settings.max_concurrent)),
            scopes: Arc::default(),
            max_body_bytes: settings.max_body_bytes,
        })
    }

    /// GETs the feed, waiting first for its host's turn and a free slot;
    /// the exchange itself (redirects and body included) must finish
    /// within `request.timeout`.
    pub(crate) async fn get(&self, request: &Request<'_>) -> Fetched {
        let mut trail = Trail::default();
        let outcome = self.get_in(request, None, &mut trail).await;
        Fetched {
            status: trail.status,
            moved_to: trail.moved_to,
            outcome,
        }
    }

    /// [`Fetcher::get`] held to `scope` whatever the address (an article
    /// is held to its source's reach, not its own).
    pub(crate) async fn get_within(&self, request: &Request<'_>, scope: Scope) -> Fetched {
        let mut trail = Trail::default();
        let outcome = self.get_in(request, Some(scope), &mut trail).await;
        Fetched {
            status: trail.status,
            moved_to: trail.moved_to,
            outcome,
        }
    }

    async fn get_in(
        &self,
        request: &Request<'_>,
        scope: Option<Scope>,
        trail: &mut Trail,
    ) -> Result<Option<Body>, Error> {
        // Waiting in line is not the server's slowness: the clock starts after.
        let mut turn = Some(self.hosts.turn(host_key(request.url)).await);
        let mut slot = Some(self.slot().await?);
        let exchange = async {
            let scope = match scope {
                Some(scope) => scope,
                None => self.scope(request.url).await,
            };
            self.exchange(request, scope, &mut turn, &mut slot, trail).await
        };
        tokio::time::timeout(request.timeout, exchange)
            .await
            .map_err(|_| Error::Timeout(request.timeout))?
    }

    async fn slot(&self) -> Result<OwnedSemaphorePermit, Error> {
        Ok(self.slots.clone().acquire_owned().await?)
    }

    /// Where a source at `url` may reach: what its listing's links and
    /// its articles are held to.
    pub(crate) async fn scope_for(&self, url: &Url) -> Scope {
        self.scope(url).await
    }

    /// The scope of a source's host, decided on first use and kept: a
    /// publisher's DNS cannot flip it later.
    async fn scope(&self, url: &Url) -> Scope {
        let host = host_key(url);
        if let Some(scope) = lock(&self.scopes).get(&host) {
            return *scope;
        }
        match guard::scope_of(url).await {
            Some(scope) => *lock(&self.scopes).entry(host).or_insert(scope),
            None => Scope::Public,
        }
    }

    async fn exchange(
        &self,
        request: &Request<'_>,
        scope: Scope,
        turn: &mut Option<hosts::Turn>,
        slot: &mut Option<OwnedSemaphorePermit>,
        trail: &mut Trail,
    ) -> Result<Option<Body>, Error> {
        let client = match scope {
            Scope::Public => &self.public,
            Scope::Internal => &self.internal,
        };
        let mut hops = vec![request.url.clone()];
        let mut all_permanent = true;
        loop {
            let url = hops.last().cloned().unwrap_or_else(|| request.url.clone());
            guard::check_literal(&url, scope)?;
            let response = send(client, &url, request).await?;
            let status = response.status();
            trail.status = Some(status.as_u16());
            if let Some(next) = redirect_target(&response, &url, request.hide_address)? {
                check_hop(&hops, &next, request.hide_address)?;
                all_permanent &= matches!(status, StatusCode::MOVED_PERMANENTLY | StatusCode::PERMANENT_REDIRECT);
                if all_permanent {
                    trail.moved_to = Some(next.clone());
                }
                if host_key(&next) != host_key(&url) {
                    // The next host takes turns too. Never wait for a turn
                    // while holding a slot or another turn: that could deadlock.
                    (*slot, *turn) = (None, None);
                    *turn = Some(self.hosts.turn(host_key(&next)).await);
                    *slot = Some(self.slot().await?);
                }
                hops.push(next);
                continue;
            }
            return match status {
                StatusCode::NOT_MODIFIED => Ok(None),
                s if s.is_success() => {
                    // Held since the start (and taken again after a hop to
                    // another host); waiting here, in the usual order (turn,
                    // then slot), would only be slower.
                    let slot = match slot.take() {
                        Some(slot) => slot,
                        None => self.slot().await?,
                    };
                    Ok(Some(self.read_body(response, slot).await?))
                }
                StatusCode::GONE => Err(Error::Gone),
                s => Err(Error::Status {
                    code: s.as_u16(),
                    reason: s.canonical_reason().unwrap_or("").to_string(),
                    // Only these two statuses define it (RFC 9110, 6585).
                    retry_after: matches!(s, StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE)
                        .then(|| retry_after(response.headers(), SystemTime::now()))
                        .flatten(),
                }),
            };
        }
    }

    async fn read_body(&self, mut response: reqwest::Response, slot: OwnedSemaphorePermit) -> Result<Body, Error> {
        let cap = self.max_body_bytes;
        // Only known when the body is not compressed; the loop below
        // counts decompressed bytes, so a small gzip bomb is cut too.
        if response.content_length().is_some_and(|n| n > cap as u64) {
            return Err(Error::TooLarge(cap));
        }
        let headers = response.headers();
        let content_type = header_text(headers, header::CONTENT_TYPE);
        let validators = Validators {
            etag: header_text(headers, header::ETAG),
            last_modified: header_text(headers, header::LAST_MODIFIED),
        };
        let final_url = response.url().clone();
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(classify)? {
            if bytes.len() + chunk.len() > cap {
                return Err(Error::TooLarge(cap));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Body {
            bytes,
            content_type,
            validators,
            final_url,
            slot: Some(slot),
        })
    }
}

async fn send(client: &reqwest::Client, url: &Url, request: &Request<'_>) -> Result<reqwest::Response, Error> {
    let mut builder = client.get(url.as_str());
    // A source's own headers (often credentials) never follow a redirect
    // to another origin.
    let extra: &[crate::model::Header] = if url.origin() == request.url.origin() {
        request.headers
    } else {
        &[]
    };
    if !extra.iter().any(|h| h.name.eq_ignore_ascii_case("accept")) {
        builder = builder.header(header::ACCEPT, ACCEPT);
    }
    if let Some(agent) = request.user_agent {
        builder = builder.header(header::USER_AGENT, agent);
    }
    for extra in extra {
        // Checked when the configuration was loaded.
        let (name, value) = header_pair(&extra.name, &extra.value)?;
        builder = builder.header(name, value);
    }
    if let Some(etag) = &request.validators.etag {
        builder = builder.header(header::IF_NONE_MATCH, etag);
    }
    if let Some(date) = &request.validators.last_modified {
        builder = builder.header(header::IF_MODIFIED_SINCE, date);
    }
    builder.send().await.map_err(classify)
}

/// Hosts take turns by name (or address), whatever the port.
fn host_key(url: &Url) -> String {
    url.host_str().unwrap_or_default().to_ascii_lowercase()
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Held only for a map look-up, never across an await.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Where a 3xx response points, resolved against the URL that sent it.
fn redirect_target(response: &reqwest::Response, url: &Url, hide: bool) -> Result<Option<Url>, Error> {
    let status = response.status();
    if !status.is_redirection() || status == StatusCode::NOT_MODIFIED {
        return Ok(None);
    }
    let location = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or(Redirect::NoLocation {
            status: status.as_u16(),
        })?;
    url.join(location.trim()).map(Some).map_err(|source| {
        // The address may carry the source's secret along.
        let shown = if hide {
            String::new()
        } else {
            format!(" {:?}", crate::redact::text(location))
        };
        Error::Redirect(Redirect::InvalidLocation {
            status: status.as_u16(),
            shown,
            source,
        })
    })
}

/// Refuses a redirect hop to a non-http scheme, back to an address
/// already visited, or beyond the limit. The chain in the message shows
/// each address as it may be published.
fn check_hop(hops: &[Url], next: &Url, hide: bool) -> Result<(), Redirect> {
    let shown = |u: &Url| {
        if hide {
            crate::redact::origin(u)
        } else {
            crate::redact::url(u)
        }
    };
    let chain = || {
        let mut all: Vec<String> = hops.iter().map(shown).collect();
        all.push(shown(next));
        all.join(" → ")
    };
    if !matches!(next.scheme(), "http" | "https") {
        return Err(Redirect::Scheme {
            scheme: next.scheme().to_string(),
            chain: chain(),
        });
    }
    if hops.contains(next) {
        return Err(Redirect::Loop { chain: chain() });
    }
    if hops.len() > MAX_REDIRECTS {
        return Err(Redirect::TooMany { chain: chain() });
    }
    Ok(())
}

/// `Retry-After` as seconds or an HTTP date, measured from `now`.
fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let text = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(text).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A header from configured text (already checked, so errors are bugs).
fn header_pair(name: &str, value: &str) -> Result<(HeaderName, HeaderValue), Error> {
    Ok((HeaderName::from_bytes(name.as_bytes())?, HeaderValue::from_str(value)?))
}

fn header_text(headers: &HeaderMap, name: HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v: &HeaderValue| v.to_str().ok())
        .map(str::to_string)
}

fn classify(e: reqwest::Error) -> Error {
    // reqwest's own message is vague ("error sending request for url
    // (...)", "client error (Connect)"); the causes below it say what
    // really happened (DNS, refused, reset, TLS, the address guard).
    let mut causes = Vec::new();
    let mut cause = std::error::Error::source(&e);
    while let Some(c) = cause {
        // The resolver's refusal comes back as the resolver made it.
        if let Some(refusal) = c.downcast_ref::<Refusal>() {
            return Error::Refused(refusal.clone());
        }
        let text = c.to_string();
        // The connection pool's wrapper names only its own step.
        let wrapper = c.is::<hyper_util::client::legacy::Error>();
        // A cause often repeats the one above it in its own words.
        if !wrapper && !causes.iter().any(|known: &String| known.contains(&text)) {
            causes.push(text);
        }
        cause = c.source();
    }
    let detail = if causes.is_empty() {
        e.to_string()
    } else {
        causes.join(": ")
    };
    if e.is_connect() {
        Error::Connect { detail, source: e }
    } else {
        Error::Request { detail, source: e }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_read_as_seconds_or_as_a_date() {
        let now = httpdate::parse_http_date("Sun, 29 Nov 2026 12:00:00 GMT").unwrap();
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::RETRY_AFTER, HeaderValue::from_str(value).unwrap());
            retry_after(&headers, now)
        };
        assert_eq!(with("120"), Some(Duration::from_secs(120)));
        assert_eq!(with("Sun, 29 Nov 2026 12:30:00 GMT"), Some(Duration::from_secs(1800)));
        // The obsolete RFC 850 form is still an HTTP date.
        assert_eq!(with("Sunday, 29-Nov-26 12:01:00 GMT"), Some(Duration::from_secs(60)));
        assert_eq!(with("Sun, 29 Nov 2026 11:00:00 GMT"), Some(Duration::ZERO));
        assert_eq!(with("soon"), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn redirect_hops_are_limited_to_http_without_loops() {
        let url = |s: &str| Url::parse(s).unwrap();
        let hops = vec![url("https://a.example/feed"), url("https://b.example/feed")];
        assert!(check_hop(&hops, &url("https://c.example/feed"), false).is_ok());
        let looped = check_hop(&hops, &url("https://a.example/feed"), false)
            .unwrap_err()
            .to_string();
        assert!(
            looped.starts_with("redirect loop: https://a.example/feed → "),
            "{looped}"
        );
        let scheme = check_hop(&hops, &url("file:///etc/passwd"), false)
            .unwrap_err()
            .to_string();
        assert!(scheme.contains("file address refused"), "{scheme}");
        let many: Vec<Url> = (0..=MAX_REDIRECTS)
            .map(|i| url(&format!("https://a.example/{i}")))
            .collect();
        let too_many = check_hop(&many, &url("https://a.example/next"), false)
            .unwrap_err()
            .to_string();
        assert!(too_many.starts_with("more than 5 redirects"), "{too_many}");
    }

    /// The chain in a redirect error is shown as it may be published.
    #[test]
    fn redirect_errors_show_no_secrets() {
        let url = |s: &str| Url::parse(s).unwrap();
        let hops = vec![
            url("https://a.example/feed?api_key=k1"),
            url("https://b.example/private/feed?lang=lv&token=t1"),
        ];
        let looped = check_hop(&hops, &hops[0], false).unwrap_err().to_string();
        assert_eq!(
            looped,
            "redirect loop: https://a.example/feed?api_key=REDACTED → \
             https://b.example/private/feed?lang=lv&token=REDACTED → https://a.example/feed?api_key=REDACTED"
        );
        let hidden = check_hop(&hops, &hops[0], true).unwrap_err().to_string();
        assert_eq!(
            hidden,
            "redirect loop: https://a.example/ → https://b.example/ → https://a.example/"
        );
    }

    /// A public source redirected to this machine is refused at connect
    /// time, through the real client, even by host name.
    #[tokio::test]
    async fn public_sources_cannot_reach_internal_addresses() {
        let fetcher = Fetcher::new(Settings {
            user_agent: "test".into(),
            connect_timeout: Duration::from_secs(5),
            max_body_bytes: 1024,
            max_concurrent: 1,
            host_interval: Duration::ZERO,
        })
        .unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        for address in [format!("http://localhost:{port}/"), format!("http://127.0.0.1:{port}/")] {
            let url = Url::parse(&address).unwrap();
            let request = Request {
                url: &url,
                validators: &Validators::default(),
                timeout: Duration::from_secs(5),
                user_agent: None,
                headers: &[],
                hide_address: false,
            };
            let error = fetcher
                .get_in(&request, Some(Scope::Public), &mut Trail::default())
                .await
                .unwrap_err();
            assert!(matches!(error, Error::Refused(_)), "{address}: {error}");
            assert!(error.to_string().contains("loopback address"), "{error}");
            // An article is held to its source's scope the same way, even
            // though its own address is on this machine.
            let article = fetcher.get_within(&request, Scope::Public).await;
            assert!(
                matches!(article.outcome, Err(Error::Refused(_))),
                "{address}: {article:?}"
            );
        }
    }
}
