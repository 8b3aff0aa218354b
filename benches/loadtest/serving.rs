//! `/feed.atom` under load: keep-alive clients asking as fast as they are
//! answered, with and without gzip, with and without a matching ETag.

use std::time::{Duration, Instant};

use crate::options::Options;

#[derive(Clone, Copy)]
pub(crate) enum Case {
    Plain,
    Gzip,
    PlainEtag,
    GzipEtag,
}

impl Case {
    pub(crate) const ALL: [Case; 4] = [Case::Plain, Case::Gzip, Case::PlainEtag, Case::GzipEtag];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Case::Plain => "identity",
            Case::Gzip => "gzip",
            Case::PlainEtag => "identity, matching ETag (304)",
            Case::GzipEtag => "gzip, matching ETag (304)",
        }
    }

    fn gzip(self) -> bool {
        matches!(self, Case::Gzip | Case::GzipEtag)
    }

    fn etag(self) -> bool {
        matches!(self, Case::PlainEtag | Case::GzipEtag)
    }

    pub(crate) fn rate_key(self) -> &'static str {
        ["rate plain", "rate gzip", "rate plain 304", "rate gzip 304"][self as usize]
    }

    pub(crate) fn p50_key(self) -> &'static str {
        ["p50 plain", "p50 gzip", "p50 plain 304", "p50 gzip 304"][self as usize]
    }

    pub(crate) fn p99_key(self) -> &'static str {
        ["p99 plain", "p99 gzip", "p99 plain 304", "p99 gzip 304"][self as usize]
    }
}

/// `clients` keep-alive connections asking for `url` as fast as they
/// are answered: requests/s, p50 and p99 in milliseconds, and the size of
/// the document as sent.
pub(crate) async fn load(url: &str, case: Case, options: &Options) -> (f64, f64, f64, usize) {
    let client = reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .no_proxy()
        .pool_max_idle_per_host(options.clients)
        .build()
        .unwrap();
    let mut headers = reqwest::header::HeaderMap::new();
    if case.gzip() {
        headers.insert("accept-encoding", "gzip".parse().unwrap());
    }
    let first = client.get(url).headers(headers.clone()).send().await.unwrap();
    assert!(first.status().is_success(), "/feed.atom answered {}", first.status());
    let etag = first.headers()["etag"].clone();
    let body = first.bytes().await.unwrap();
    assert!(body.len() > 10_000, "/feed.atom is too small to be 100 entries");
    if case.etag() {
        headers.insert("if-none-match", etag);
    }
    let expected = if case.etag() { 304 } else { 200 };
    let run = Duration::from_secs_f64(options.seconds);
    let started = Instant::now();
    let tasks: Vec<_> = (0..options.clients)
        .map(|_| {
            let (client, url, headers) = (client.clone(), url.to_string(), headers.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while started.elapsed() < run {
                    let t = Instant::now();
                    let response = client.get(&url).headers(headers.clone()).send().await.unwrap();
                    assert_eq!(response.status().as_u16(), expected);
                    response.bytes().await.unwrap();
                    latencies.push(t.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    let at = |q: f64| all[((all.len() as f64 * q) as usize).min(all.len() - 1)].as_secs_f64() * 1000.0;
    (all.len() as f64 / elapsed, at(0.5), at(0.99), body.len())
}
