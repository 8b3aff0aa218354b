//! The one test HTTP server, for the tests and the load test: a real
//! server on loopback (port 0, or an address given) that answers each path
//! as told (a publisher's feeds and pages, with ETag and Last-Modified,
//! gzip, delays, redirects), scripts the answers of a webhook, ntfy or
//! Matrix receiver, and records every request it gets.
#![allow(dead_code)] // The tests and the load test each use part of it.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Request, Response, StatusCode, header};

/// What the server answers on one path.
#[derive(Clone, Debug)]
pub(crate) struct Reply {
    pub status: u16,
    pub body: Bytes,
    pub content_type: &'static str,
    /// The body gzipped: sent instead of `body`, with `Content-Encoding:
    /// gzip`, to a request that accepts gzip.
    pub gzip: Option<Bytes>,
    /// When set, sent as `ETag`, and a matching `If-None-Match` gets 304.
    pub etag: Option<String>,
    /// When set, sent as `Last-Modified`, and an equal `If-Modified-Since`
    /// gets 304.
    pub last_modified: Option<String>,
    /// How long the server takes before it answers (a slow publisher).
    pub delay: Option<Duration>,
    /// Extra response headers (Retry-After, Location, Content-Encoding...).
    pub headers: Vec<(String, String)>,
}

impl Reply {
    /// A feed: 200, `application/rss+xml`.
    pub(crate) fn feed(body: impl Into<Bytes>) -> Reply {
        Reply {
            status: 200,
            body: body.into(),
            content_type: "application/rss+xml",
            gzip: None,
            etag: None,
            last_modified: None,
            delay: None,
            headers: Vec::new(),
        }
    }

    /// A plain-text answer with this status ("server error").
    pub(crate) fn status(status: u16) -> Reply {
        Reply {
            status,
            content_type: "text/plain",
            ..Reply::feed("server error")
        }
    }

    /// A redirect to `location` with the given 3xx status.
    pub(crate) fn redirect(status: u16, location: &str) -> Reply {
        Reply::status(status).with_header("location", location)
    }

    pub(crate) fn with_header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub(crate) fn with_content_type(mut self, content_type: &'static str) -> Reply {
        self.content_type = content_type;
        self
    }

    pub(crate) fn with_etag(mut self, etag: &str) -> Reply {
        self.etag = Some(etag.to_string());
        self
    }

    pub(crate) fn with_last_modified(mut self, date: &str) -> Reply {
        self.last_modified = Some(date.to_string());
        self
    }

    pub(crate) fn with_delay(mut self, delay: Duration) -> Reply {
        self.delay = Some(delay);
        self
    }

    fn with_body(mut self, body: impl Into<Bytes>) -> Reply {
        self.body = body.into();
        self
    }

    /// A receiver's answer: this status, a JSON body.
    fn json(status: u16, body: impl Into<Bytes>) -> Reply {
        Reply::status(status)
            .with_body(body)
            .with_content_type("application/json")
    }

    /// Also offers the body gzipped, to requests that accept gzip.
    pub(crate) fn with_gzip(mut self) -> Reply {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut encoder, &self.body).unwrap();
        self.gzip = Some(encoder.finish().unwrap().into());
        self
    }
}

/// One request the server got.
#[derive(Clone, Debug)]
pub(crate) struct Received {
    pub method: String,
    /// The path with its query.
    pub path: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub at: Instant,
}

/// What the server was told to answer, and what it got.
struct State {
    /// Answers by exact path (without the query).
    replies: HashMap<String, Reply>,
    /// Fixed answers (status, JSON body) for paths starting with a prefix.
    fixed: Vec<(String, u16, String)>,
    /// The next answers (status, Retry-After) to any other request.
    script: VecDeque<(u16, Option<String>)>,
    /// The answer to any other request once the script is used up.
    default: Reply,
    received: Vec<Received>,
    /// Each answered request: path, when it arrived, when its answer left.
    timeline: Vec<(String, Instant, Instant)>,
    in_flight: usize,
    max_in_flight: usize,
}

/// A real HTTP server on loopback, living as long as the runtime it was
/// started on. Clones share it.
#[derive(Clone)]
pub(crate) struct Server {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
    /// While false, requests are recorded but not answered.
    gate: Arc<tokio::sync::watch::Sender<bool>>,
    /// Its listeners' tasks ([`Server::close`]).
    listeners: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl Server {
    /// A publisher: answers the paths it is given ([`Server::set`]), 404
    /// to the others.
    pub(crate) async fn start() -> Server {
        Server::start_on("127.0.0.1:0", Reply::status(404).with_body("no such fixture")).await
    }

    /// A receiver (webhook, ntfy, Matrix): answers every request 200 with
    /// `{}`, unless scripted ([`Server::script`], [`Server::answer`]).
    pub(crate) async fn receiver() -> Server {
        Server::receiver_on("127.0.0.1:0").await
    }

    /// A receiver on a given address (to come back on the same port after
    /// a restart).
    pub(crate) async fn receiver_on(addr: &str) -> Server {
        Server::start_on(addr, Reply::json(200, "{}")).await
    }

    async fn start_on(addr: &str, default: Reply) -> Server {
        let state = Arc::new(Mutex::new(State {
            replies: HashMap::new(),
            fixed: Vec::new(),
            script: VecDeque::new(),
            default,
            received: Vec::new(),
            timeline: Vec::new(),
            in_flight: 0,
            max_in_flight: 0,
        }));
        let gate = Arc::new(tokio::sync::watch::Sender::new(true));
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        let server = Server {
            addr: listener.local_addr().unwrap(),
            state,
            gate,
            listeners: Arc::default(),
        };
        server.serve(listener);
        server
    }

    /// Serves the same answers on another address too (the load test
    /// gives each feed a loopback address of its own); returns it.
    pub(crate) async fn also_on(&self, addr: SocketAddr) -> std::io::Result<SocketAddr> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let bound = listener.local_addr()?;
        self.serve(listener);
        Ok(bound)
    }

    fn serve(&self, listener: tokio::net::TcpListener) {
        let server = self.clone();
        let app = Router::new().fallback(move |request: Request<Body>| {
            let server = server.clone();
            async move { server.handle(request).await }
        });
        let task = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        self.listeners.lock().unwrap().push(task.abort_handle());
    }

    /// Stops listening on every address (connections open stay until
    /// their client closes them). Otherwise it listens as long as its
    /// runtime runs.
    pub(crate) fn close(&self) {
        for listener in self.listeners.lock().unwrap().drain(..) {
            listener.abort();
        }
    }

    async fn handle(&self, request: Request<Body>) -> Response<Body> {
        let arrived = Instant::now();
        let (parts, body) = request.into_parts();
        let body = axum::body::to_bytes(body, 10 << 20).await.unwrap_or_default().to_vec();
        let path = parts.uri.path().to_string();
        {
            let mut state = self.lock();
            state.in_flight += 1;
            state.max_in_flight = state.max_in_flight.max(state.in_flight);
            state.received.push(Received {
                method: parts.method.to_string(),
                path: parts.uri.to_string(),
                headers: parts.headers.clone(),
                body,
                at: arrived,
            });
        }
        let _ = self.gate.subscribe().wait_for(|open| *open).await;
        let reply = self.reply_for(&parts.uri.to_string(), &path);
        if let Some(delay) = reply.delay {
            // Simulates a slow publisher; the client's timeout is what is tested.
            tokio::time::sleep(delay).await;
        }
        let response = answer(&reply, &parts.headers);
        let mut state = self.lock();
        state.in_flight -= 1;
        state.timeline.push((path, arrived, Instant::now()));
        response
    }

    /// The answer for a request: its path's, else a fixed one for its
    /// prefix, else the script's next, else the default.
    fn reply_for(&self, path_and_query: &str, path: &str) -> Reply {
        let mut state = self.lock();
        if let Some(reply) = state.replies.get(path) {
            return reply.clone();
        }
        if let Some((_, status, body)) = state
            .fixed
            .iter()
            .find(|(p, _, _)| path_and_query.starts_with(p.as_str()))
        {
            return Reply::json(*status, body.clone());
        }
        match state.script.pop_front() {
            Some((status, retry_after)) => {
                let reply = Reply::json(status, "{}");
                match retry_after {
                    Some(after) => reply.with_header("retry-after", &after),
                    None => reply,
                }
            }
            None => state.default.clone(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    /// Answers `path` with `reply` from now on.
    pub(crate) fn set(&self, path: &str, reply: Reply) {
        self.lock().replies.insert(path.to_string(), reply);
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The next answers to requests without an answer of their own, in
    /// order; after them, the default.
    pub(crate) fn script(&self, answers: &[(u16, Option<&str>)]) {
        self.lock()
            .script
            .extend(answers.iter().map(|(s, r)| (*s, r.map(str::to_string))));
    }

    /// Answers every request whose path starts with `prefix` with
    /// `status` and `body` (outside the script).
    pub(crate) fn answer(&self, prefix: &str, status: u16, body: &str) {
        self.lock().fixed.push((prefix.to_string(), status, body.to_string()));
    }

    /// The status answered when the script is used up.
    pub(crate) fn set_default(&self, status: u16) {
        self.lock().default.status = status;
    }

    /// Requests from now on are recorded but left unanswered until
    /// [`Server::open`]: the sender waits for its answer.
    pub(crate) fn hold(&self) {
        self.gate.send_replace(false);
    }

    /// Answers the requests held, and every later one at once.
    pub(crate) fn open(&self) {
        self.gate.send_replace(true);
    }

    /// Every request so far, in arrival order.
    pub(crate) fn received(&self) -> Vec<Received> {
        self.lock().received.clone()
    }

    /// The headers of every request made for `path` (without a query),
    /// oldest first.
    pub(crate) fn requests(&self, path: &str) -> Vec<HeaderMap> {
        self.lock()
            .received
            .iter()
            .filter(|r| r.path.split('?').next() == Some(path))
            .map(|r| r.headers.clone())
            .collect()
    }

    /// The most requests the server was ever answering at once.
    pub(crate) fn max_in_flight(&self) -> usize {
        self.lock().max_in_flight
    }

    /// Every answered request as (path, arrived, answered), in answer order.
    pub(crate) fn timeline(&self) -> Vec<(String, Instant, Instant)> {
        self.lock().timeline.clone()
    }

    /// When the first request since `since` arrived, if one has.
    pub(crate) fn first_request_since(&self, since: Instant) -> Option<Instant> {
        self.lock()
            .received
            .iter()
            .map(|r| r.at)
            .filter(|at| *at >= since)
            .min()
    }

    /// Waits (with a deadline) until `count` requests arrived on paths
    /// starting with `prefix`, and returns them.
    pub(crate) async fn wait_for(&self, prefix: &str, count: usize) -> Vec<Received> {
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
                started.elapsed() < Duration::from_secs(60),
                "only {} of {count} requests to {prefix}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The response to `reply`, given the request's headers: 304 when a
/// validator matches, gzip when offered and accepted.
fn answer(reply: &Reply, sent: &HeaderMap) -> Response<Body> {
    let sent = |name| sent.get(name).and_then(|v: &header::HeaderValue| v.to_str().ok());
    let etag_holds = reply.etag.is_some() && sent(header::IF_NONE_MATCH) == reply.etag.as_deref();
    let date_holds = reply.last_modified.is_some() && sent(header::IF_MODIFIED_SINCE) == reply.last_modified.as_deref();
    let mut response = Response::builder();
    if let Some(etag) = &reply.etag {
        response = response.header(header::ETAG, etag);
    }
    if etag_holds || date_holds {
        return response.status(StatusCode::NOT_MODIFIED).body(Body::empty()).unwrap();
    }
    response = response
        .status(reply.status)
        .header(header::CONTENT_TYPE, reply.content_type);
    if let Some(date) = &reply.last_modified {
        response = response.header(header::LAST_MODIFIED, date);
    }
    for (name, value) in &reply.headers {
        response = response.header(name.as_str(), value.as_str());
    }
    let accepts_gzip = sent(header::ACCEPT_ENCODING).is_some_and(|v| v.contains("gzip"));
    let body = match &reply.gzip {
        Some(gzip) if accepts_gzip => {
            response = response.header(header::CONTENT_ENCODING, "gzip");
            gzip.clone()
        }
        _ => reply.body.clone(),
    };
    response.body(Body::from(body)).unwrap()
}
