//! Accepting and serving HTTP/1.1 connections with bounds a client cannot
//! push past: a time limit to send a request head (which also closes idle
//! keep-alive connections), a cap on open connections where the one idle
//! the longest makes room for a newcomer, and on stop idle connections
//! closed at once while busy ones finish their response.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt as _;

use super::connections::{Connection, Connections};

/// What bounds the server.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Connections open at once.
    pub max_connections: usize,
    /// Time a connection has to send a complete request head, from when
    /// it opened or its previous response was sent: a bound on slow
    /// headers and on idle keep-alive connections both.
    pub request_head: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: crate::open_files::MAX_CONNECTIONS,
            request_head: Duration::from_secs(10),
        }
    }
}

/// How long the loop pauses when the process is out of descriptors (or
/// memory) for a new connection, so it does not spin.
const ACCEPT_PAUSE: Duration = Duration::from_millis(50);
/// At most one warning this often about refused connections.
const WARN_EVERY: Duration = Duration::from_secs(60);

/// Serves until `shutdown` is cancelled, then closes idle connections at
/// once and waits for the busy ones to send their responses.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let connections = Connections::new(limits.max_connections);
    let tasks = TaskTracker::new();
    let mut warned: Option<Instant> = None;
    loop {
        let accepted = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            // The client gave up before it was accepted.
            Err(e) if is_client_gone(&e) => continue,
            Err(e) => {
                // Out of descriptors (or memory) for now: an idle
                // connection gives its up, and the loop pauses rather
                // than spin.
                if warned.is_none_or(|at| at.elapsed() > WARN_EVERY) {
                    tracing::warn!(error = %e, open = connections.count(), "cannot accept a connection; closing an idle one");
                    warned = Some(Instant::now());
                }
                connections.close_idlest();
                tokio::time::sleep(ACCEPT_PAUSE).await;
                continue;
            }
        };
        // At the cap, an idle connection makes room; if every one is busy,
        // this one waits (and new ones queue in the kernel) until one is not.
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = connections.wait_for_room() => {}
        }
        let connection = connections.register(shutdown.child_token());
        tasks.spawn(serve_connection(stream, router.clone(), connection, limits));
    }
    drop(listener);
    // Each connection has been told to close: idle ones go now.
    tasks.close();
    tasks.wait().await;
    Ok(())
}

/// Errors that concern one connection only, not the listener.
fn is_client_gone(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    matches!(e.kind(), ConnectionAborted | ConnectionRefused | ConnectionReset)
}

async fn serve_connection(stream: TcpStream, router: Router, connection: Arc<Connection>, limits: Limits) {
    // Responses are written whole: no reason to wait for more to send.
    let _ = stream.set_nodelay(true);
    let close = connection.close_requested().clone();
    let service = Tracked { router, connection };
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.request_head)
        .keep_alive(true);
    let served = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(served);
    let result = tokio::select! {
        result = served.as_mut() => result,
        _ = close.cancelled() => {
            // Idle: closes now. Busy: after the response in progress.
            served.as_mut().graceful_shutdown();
            served.await
        }
    };
    if let Err(e) = result {
        // Timeouts, resets, malformed requests: the client's business.
        tracing::debug!(error = %e, "connection ended");
    }
}

/// The routes, with each request marking its connection busy until its
/// response has been sent (or dropped).
#[derive(Clone)]
struct Tracked {
    router: Router,
    connection: Arc<Connection>,
}

impl hyper::service::Service<Request<Incoming>> for Tracked {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        let busy = self.connection.busy();
        let router = self.router.clone();
        Box::pin(async move {
            let response = router.oneshot(request.map(Body::new)).await?;
            // The guard lives as long as the body: until it is sent.
            Ok(response.map(|body| {
                Body::new(body.map_frame(move |frame| {
                    let _sending = &busy;
                    frame
                }))
            }))
        })
    }
}
