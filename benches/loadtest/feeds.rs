//! The synthetic feeds, served as a good publisher serves them (gzip when
//! accepted, 304 for a matching `If-None-Match`) by the tests' HTTP server
//! (`tests/support/http.rs`), each on a loopback address of its own
//! (127.1.x.y), so per-host politeness never serialises them.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Instant;

use chrono::{DateTime, Utc};

use crate::http::{Reply, Server};
use crate::options::Options;
use crate::synthetic;

/// Every source's feed, as served now.
pub(crate) struct Feeds {
    epoch: DateTime<Utc>,
    items: usize,
    new_items: usize,
    /// How many times every feed gained new items.
    updates: u64,
    server: Server,
    /// Feed `i` is at `http://{addresses[i]}/feeds/{i}.xml`.
    pub addresses: Vec<SocketAddr>,
    /// Since when requests count as the current cycle's.
    cycle: Instant,
}

impl Feeds {
    /// Serves `options.sources` feeds of `options.items` items each, the
    /// newest dated after `epoch`.
    pub(crate) async fn serve(options: &Options, epoch: DateTime<Utc>) -> Feeds {
        let server = Server::start().await;
        let mut port = 0;
        let mut addresses = Vec::with_capacity(options.sources);
        for i in 0..options.sources {
            let ip = Ipv4Addr::new(127, 1, (i / 200) as u8, (i % 200 + 1) as u8);
            let bound = match server.also_on((ip, port).into()).await {
                // Taken on this address: any free port will do.
                Err(_) if port != 0 => server.also_on((ip, 0).into()).await,
                other => other,
            };
            let addr = bound.unwrap_or_else(|e| {
                panic!("cannot listen on {ip}: {e} (the load test needs 127.0.0.0/8 on the loopback)")
            });
            port = addr.port();
            addresses.push(addr);
        }
        let feeds = Feeds {
            epoch,
            items: options.items,
            new_items: options.new_items,
            updates: 0,
            server,
            addresses,
            cycle: Instant::now(),
        };
        feeds.publish();
        feeds
    }

    /// Where feed `i` is.
    pub(crate) fn url(&self, i: usize) -> String {
        format!("http://{}/feeds/{i}.xml", self.addresses[i])
    }

    /// Every feed gains `new_items` items (and drops as many old ones).
    pub(crate) fn update(&mut self) {
        self.updates += 1;
        self.publish();
    }

    /// Every feed back as first served, for a second daemon from the same
    /// seeded database.
    pub(crate) fn reset(&mut self) {
        self.updates = 0;
        self.publish();
    }

    /// Renders every feed as of the last update (on every core) and
    /// serves it from now on, with an ETag of its own.
    fn publish(&self) {
        let sources = self.addresses.len();
        let newest = self.items as i64 - 1 + self.updates as i64 * self.new_items as i64;
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        let mut replies: Vec<Option<Reply>> = vec![None; sources];
        std::thread::scope(|scope| {
            for (worker, chunk) in replies.chunks_mut(sources.div_ceil(workers)).enumerate() {
                let offset = worker * sources.div_ceil(workers);
                scope.spawn(move || {
                    for (i, slot) in chunk.iter_mut().enumerate() {
                        let text = synthetic::rss(offset + i, newest, self.items, self.epoch);
                        let reply = Reply::feed(text)
                            .with_content_type("application/rss+xml; charset=utf-8")
                            .with_etag(&format!("\"{}-{}\"", offset + i, self.updates))
                            .with_gzip();
                        *slot = Some(reply);
                    }
                });
            }
        });
        for (i, reply) in replies.into_iter().enumerate() {
            self.server.set(&format!("/feeds/{i}.xml"), reply.expect("rendered"));
        }
    }

    /// Requests from now on belong to a new cycle.
    pub(crate) fn start_cycle(&mut self) {
        self.cycle = Instant::now();
    }

    /// The first request of the current cycle, once there was one.
    pub(crate) fn first_request(&self) -> Option<Instant> {
        self.server.first_request_since(self.cycle)
    }
}

impl Drop for Feeds {
    fn drop(&mut self) {
        self.server.close();
    }
}
