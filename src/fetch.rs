//! Conditional GET with a timeout and a body-size cap: the only user of
//! reqwest. Knows nothing about feed formats.

use std::time::Duration;

use reqwest::header::{self, HeaderMap, HeaderValue};
use url::Url;

use crate::model::Validators;

/// Why a fetch failed; [`Error::is_transient`] says whether trying again
/// later may help.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("HTTP status {0}")]
    Status(u16),
    #[error("response larger than {0} bytes")]
    TooLarge(usize),
    #[error("request failed: {0}")]
    Other(String),
}

impl Error {
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Timeout(_) | Error::Connect(_) | Error::Other(_) => true,
            Error::Status(code) => *code == 429 || *code >= 500,
            Error::TooLarge(_) => false,
        }
    }
}

/// What a server answered.
#[derive(Debug)]
pub enum Fetched {
    /// 304: the validators still hold.
    NotModified,
    Body {
        bytes: Vec<u8>,
        content_type: Option<String>,
        validators: Validators,
        /// Where the body came from after redirects.
        final_url: Url,
    },
}

/// One shared HTTP client (connection pool, TLS set-up) for every poll.
#[derive(Clone, Debug)]
pub struct Fetcher {
    client: reqwest::Client,
    max_body_bytes: usize,
}

/// Settings for [`Fetcher::new`].
pub struct Settings {
    pub user_agent: String,
    pub connect_timeout: Duration,
    pub max_body_bytes: usize,
}

impl Fetcher {
    pub fn new(settings: Settings) -> Result<Fetcher, Error> {
        let client = reqwest::Client::builder()
            .user_agent(settings.user_agent)
            .connect_timeout(settings.connect_timeout)
            .redirect(reqwest::redirect::Policy::limited(5))
            .https_only(false)
            .build()
            .map_err(|e| Error::Other(e.to_string()))?;
        Ok(Fetcher {
            client,
            max_body_bytes: settings.max_body_bytes,
        })
    }

    /// GETs `url`, sending the validators of the last success; the whole
    /// exchange, body included, must finish within `timeout`.
    pub async fn get(&self, url: &Url, validators: &Validators, timeout: Duration) -> Result<Fetched, Error> {
        tokio::time::timeout(timeout, self.get_unbounded(url, validators))
            .await
            .map_err(|_| Error::Timeout(timeout))?
    }

    async fn get_unbounded(&self, url: &Url, validators: &Validators) -> Result<Fetched, Error> {
        let mut request = self.client.get(url.as_str()).header(
            header::ACCEPT,
            "application/atom+xml, application/rss+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
        );
        if let Some(etag) = &validators.etag {
            request = request.header(header::IF_NONE_MATCH, etag);
        }
        if let Some(date) = &validators.last_modified {
            request = request.header(header::IF_MODIFIED_SINCE, date);
        }
        let mut response = request.send().await.map_err(classify)?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        if !status.is_success() {
            return Err(Error::Status(status.as_u16()));
        }
        let headers = response.headers();
        let content_type = header_text(headers, header::CONTENT_TYPE);
        let validators = Validators {
            etag: header_text(headers, header::ETAG),
            last_modified: header_text(headers, header::LAST_MODIFIED),
        };
        let final_url = response.url().clone();
        // Checked on the decompressed stream, so a small gzip bomb is cut too.
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(classify)? {
            if bytes.len() + chunk.len() > self.max_body_bytes {
                return Err(Error::TooLarge(self.max_body_bytes));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Fetched::Body {
            bytes,
            content_type,
            validators,
            final_url,
        })
    }
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v: &HeaderValue| v.to_str().ok())
        .map(str::to_string)
}

fn classify(e: reqwest::Error) -> Error {
    // reqwest's own message is vague ("error sending request"); the causes
    // say what really happened (DNS, refused, reset, TLS).
    let mut detail = e.to_string();
    let mut cause = std::error::Error::source(&e);
    while let Some(c) = cause {
        let text = c.to_string();
        if !detail.contains(&text) {
            detail.push_str(": ");
            detail.push_str(&text);
        }
        cause = c.source();
    }
    if e.is_connect() {
        Error::Connect(detail)
    } else if e.is_redirect() {
        Error::Other(format!("too many redirects: {detail}"))
    } else {
        Error::Other(detail)
    }
}
