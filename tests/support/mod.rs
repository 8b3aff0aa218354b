//! Shared test helpers: a real HTTP server on 127.0.0.1 serving fixture
//! feeds and recording what clients sent, and temporary configurations.
#![allow(dead_code)] // each test binary uses a different part

pub mod daemon;
pub mod disk;
pub mod tools;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, Response, StatusCode, header};

/// What the fixture server answers on one path.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    pub content_type: &'static str,
    /// When set, sent as `ETag`, and a matching `If-None-Match` gets 304.
    pub etag: Option<String>,
    /// When set, sent as `Last-Modified`, and an equal `If-Modified-Since`
    /// gets 304.
    pub last_modified: Option<String>,
    /// How long the server takes before it answers (a slow publisher).
    pub delay: Option<std::time::Duration>,
    /// Extra response headers (Retry-After, Location, Content-Encoding...).
    pub headers: Vec<(String, String)>,
}

impl Reply {
    pub fn feed(body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status: 200,
            body: body.into(),
            content_type: "application/rss+xml",
            etag: None,
            last_modified: None,
            delay: None,
            headers: Vec::new(),
        }
    }

    /// A redirect to `location` with the given 3xx status.
    pub fn redirect(status: u16, location: &str) -> Reply {
        Reply::status(status).with_header("location", location)
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn with_content_type(mut self, content_type: &'static str) -> Reply {
        self.content_type = content_type;
        self
    }

    pub fn with_etag(mut self, etag: &str) -> Reply {
        self.etag = Some(etag.to_string());
        self
    }

    pub fn with_last_modified(mut self, date: &str) -> Reply {
        self.last_modified = Some(date.to_string());
        self
    }

    pub fn with_delay(mut self, delay: std::time::Duration) -> Reply {
        self.delay = Some(delay);
        self
    }

    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            body: b"server error".to_vec(),
            content_type: "text/plain",
            etag: None,
            last_modified: None,
            delay: None,
            headers: Vec::new(),
        }
    }
}

#[derive(Default)]
struct State {
    replies: HashMap<String, Reply>,
    requests: HashMap<String, Vec<HeaderMap>>,
    /// Each answered request: path, when it arrived, when its answer left.
    timeline: Vec<(String, Instant, Instant)>,
    in_flight: usize,
    max_in_flight: usize,
}

/// A real HTTP server on 127.0.0.1 (port 0), living as long as the test's
/// runtime.
#[derive(Clone)]
pub struct FeedServer {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
}

impl FeedServer {
    pub async fn start() -> FeedServer {
        let state: Arc<Mutex<State>> = Arc::default();
        let shared = state.clone();
        let app = Router::new().fallback(move |request: Request<Body>| {
            let shared = shared.clone();
            async move {
                let arrived = Instant::now();
                let path = request.uri().path().to_string();
                {
                    let mut state = shared.lock().unwrap();
                    state.in_flight += 1;
                    state.max_in_flight = state.max_in_flight.max(state.in_flight);
                }
                let (reply, response) = answer(&shared, request);
                if let Some(delay) = reply.and_then(|r| r.delay) {
                    // Simulates a slow publisher; the client's timeout is what is tested.
                    tokio::time::sleep(delay).await;
                }
                let mut state = shared.lock().unwrap();
                state.in_flight -= 1;
                state.timeline.push((path, arrived, Instant::now()));
                response
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FeedServer { addr, state }
    }

    pub fn set(&self, path: &str, reply: Reply) {
        self.state.lock().unwrap().replies.insert(path.to_string(), reply);
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The most requests the server was ever answering at once.
    pub fn max_in_flight(&self) -> usize {
        self.state.lock().unwrap().max_in_flight
    }

    /// Every answered request as (path, arrived, answered), in answer order.
    pub fn timeline(&self) -> Vec<(String, Instant, Instant)> {
        self.state.lock().unwrap().timeline.clone()
    }

    /// The headers of every request made for `path`, oldest first.
    pub fn requests(&self, path: &str) -> Vec<HeaderMap> {
        self.state
            .lock()
            .unwrap()
            .requests
            .get(path)
            .cloned()
            .unwrap_or_default()
    }
}

fn answer(state: &Mutex<State>, request: Request<Body>) -> (Option<Reply>, Response<Body>) {
    let path = request.uri().path().to_string();
    let mut state = state.lock().unwrap();
    state
        .requests
        .entry(path.clone())
        .or_default()
        .push(request.headers().clone());
    let Some(reply) = state.replies.get(&path).cloned() else {
        return (
            None,
            Response::builder()
                .status(404)
                .body(Body::from("no such fixture"))
                .unwrap(),
        );
    };
    let sent = |name| {
        request
            .headers()
            .get(name)
            .and_then(|v: &header::HeaderValue| v.to_str().ok())
    };
    let etag_holds = reply.etag.is_some() && sent(header::IF_NONE_MATCH) == reply.etag.as_deref();
    let date_holds = reply.last_modified.is_some() && sent(header::IF_MODIFIED_SINCE) == reply.last_modified.as_deref();
    if etag_holds || date_holds {
        let response = Response::builder()
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .unwrap();
        return (Some(reply), response);
    }
    let mut response = Response::builder()
        .status(reply.status)
        .header(header::CONTENT_TYPE, reply.content_type);
    if let Some(etag) = &reply.etag {
        response = response.header(header::ETAG, etag);
    }
    if let Some(date) = &reply.last_modified {
        response = response.header(header::LAST_MODIFIED, date);
    }
    for (name, value) in &reply.headers {
        response = response.header(name.as_str(), value.as_str());
    }
    let body = Body::from(reply.body.clone());
    (Some(reply), response.body(body).unwrap())
}

/// A fixture file from `tests/fixtures`.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// RFC 4287's RELAX NG schema of Atom, vendored for `jing`.
pub fn atom_schema() -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/schema/atom.rnc");
    assert!(path.is_file(), "{} is missing", path.display());
    path
}

/// Writes `config.toml` into `dir` and returns its path.
pub fn write_config(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// An RSS 2.0 document with the given `(guid, title, link)` items; an
/// empty guid leaves the element out.
pub fn rss(title: &str, items: &[(&str, &str, &str)]) -> String {
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>{title}</title><link>https://example.org/</link>\n"
    );
    for (guid, item_title, link) in items {
        out.push_str("<item>");
        if !guid.is_empty() {
            out.push_str(&format!("<guid isPermaLink=\"false\">{guid}</guid>"));
        }
        out.push_str(&format!("<title>{item_title}</title><link>{link}</link></item>\n"));
    }
    out.push_str("</channel></rss>\n");
    out
}

/// The standard tag rules the tests use.
pub const TAGS: &str = r#"
[tags.trafficking]
terms = ["human trafficking", "cilvēku tirdzniecība", "торговля людьми"]
exclude = ["drug trafficking"]

[tags.forced-labour]
terms = ["forced labour"]
"#;

/// A raw TCP server that answers every connection with a 200 header and
/// then one byte of body every `every`, forever: a dribbling publisher.
pub async fn dribble_server(every: std::time::Duration) -> SocketAddr {
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/rss+xml\r\ntransfer-encoding: chunked\r\n\r\n5\r\n<rss>\r\n";
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                loop {
                    tokio::time::sleep(every).await;
                    if socket.write_all(b"1\r\n \r\n").await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

/// One request a [`Receiver`] got.
#[derive(Clone, Debug)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub at: Instant,
}

/// A real HTTP server on 127.0.0.1 standing in for a webhook, ntfy or
/// Matrix receiver: it records every request and answers with the next
/// status of its script (then 200), with `Retry-After` when scripted.
#[derive(Clone)]
pub struct Receiver {
    pub addr: SocketAddr,
    state: Arc<Mutex<ReceiverState>>,
    /// While false, requests are recorded but not answered.
    gate: Arc<tokio::sync::watch::Sender<bool>>,
}

/// What a receiver got, what it will answer next, and its default answer.
#[derive(Default)]
struct ReceiverState {
    received: Vec<Received>,
    script: std::collections::VecDeque<(u16, Option<String>)>,
    default_status: u16,
    /// Fixed answers (status, JSON body) for paths starting with a prefix.
    fixed: Vec<(String, u16, String)>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        Receiver::start_on("127.0.0.1:0").await
    }

    /// On a given address (to come back on the same port after a restart).
    pub async fn start_on(addr: &str) -> Receiver {
        let state = Arc::new(Mutex::new(ReceiverState {
            default_status: 200,
            ..ReceiverState::default()
        }));
        let shared = state.clone();
        let gate = Arc::new(tokio::sync::watch::Sender::new(true));
        let open = gate.clone();
        let app = Router::new().fallback(move |request: Request<Body>| {
            let (shared, mut open) = (shared.clone(), open.subscribe());
            async move {
                let (parts, body) = request.into_parts();
                let body = axum::body::to_bytes(body, 10 << 20).await.unwrap_or_default().to_vec();
                shared.lock().unwrap().received.push(Received {
                    method: parts.method.to_string(),
                    path: parts.uri.to_string(),
                    headers: parts.headers,
                    body,
                    at: Instant::now(),
                });
                let _ = open.wait_for(|open| *open).await;
                let mut state = shared.lock().unwrap();
                let path = state.received.last().map(|r| r.path.clone()).unwrap_or_default();
                if let Some((_, status, body)) = state.fixed.iter().find(|(p, _, _)| path.starts_with(p.as_str())) {
                    return Response::builder()
                        .status(*status)
                        .body(Body::from(body.clone()))
                        .unwrap();
                }
                let default = state.default_status;
                let (status, retry_after) = state.script.pop_front().unwrap_or((default, None));
                let mut response = Response::builder().status(status);
                if let Some(after) = retry_after {
                    response = response.header("retry-after", after);
                }
                response.body(Body::from("{}")).unwrap()
            }
        });
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver { addr, state, gate }
    }

    /// Requests from now on are recorded but left unanswered until
    /// [`Receiver::open`]: the sender waits for its acknowledgement.
    pub fn hold(&self) {
        self.gate.send_replace(false);
    }

    /// Answers the requests held, and every later one at once.
    pub fn open(&self) {
        self.gate.send_replace(true);
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The next answers, in order; after them, the default status.
    pub fn script(&self, answers: &[(u16, Option<&str>)]) {
        let mut state = self.state.lock().unwrap();
        state
            .script
            .extend(answers.iter().map(|(s, r)| (*s, r.map(str::to_string))));
    }

    /// Answers every request whose path starts with `prefix` with
    /// `status` and `body` (outside the script).
    pub fn answer(&self, prefix: &str, status: u16, body: &str) {
        self.state
            .lock()
            .unwrap()
            .fixed
            .push((prefix.to_string(), status, body.to_string()));
    }

    /// The status answered when the script is used up.
    pub fn set_default(&self, status: u16) {
        self.state.lock().unwrap().default_status = status;
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    /// Waits (with a deadline) until `count` requests arrived on paths
    /// starting with `prefix`, and returns them.
    pub async fn wait_for(&self, prefix: &str, count: usize) -> Vec<Received> {
        let started = Instant::now();
        loop {
            let got: Vec<Received> = self
                .received()
                .into_iter()
                .filter(|r| r.path.starts_with(prefix))
                .collect();
            if got.len() >= count {
                return got;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(60),
                "only {} of {count} requests to {prefix}",
                got.len()
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

/// The count `notify status` shows for a channel in a state (0 without a row).
pub fn notify_count(status: &str, channel: &str, state: &str) -> u64 {
    status
        .lines()
        .take_while(|line| !line.is_empty())
        .map(|line| line.split_whitespace().collect::<Vec<_>>())
        .find(|cells| cells.len() == 3 && cells[0] == channel && cells[1] == state)
        .map_or(0, |cells| cells[2].parse().expect("a count"))
}

/// Runs the real binary with `--config config` and `args`, to completion.
pub fn thbwatch(config: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_thbwatch"))
        .arg("--config")
        .arg(config)
        .args(args)
        .output()
        .unwrap()
}

/// A finished command's standard output.
pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The source with this id in a `/sources.json` (or `sources --json`) document.
pub fn source_by_id(json: &serde_json::Value, id: &str) -> serde_json::Value {
    let sources = json["sources"].as_array().expect("a sources array");
    sources
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no source {id:?}"))
        .clone()
}
