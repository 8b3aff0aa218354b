//! The in-process ingest the load test seeds its store with and the
//! profiling harness counts: parse → normalise → tag on every core, each
//! feed's ingest submitted as soon as it is processed, as the daemon's
//! polls are, so that ingests finishing close together share a commit.
//! One copy, so that what is profiled is what the load test measures.

use std::sync::Arc;

use thbwatch::config::Source;
use thbwatch::lang::Detect;
use thbwatch::store::{PollRecord, Store};
use thbwatch::tag::Tagger;

/// Ingests in flight at most: as many as the daemon has fetches (8 per
/// host, and here one host per source); their answers come with their
/// commit.
const IN_FLIGHT: usize = 32;

/// What processing and storing need, shared with the processing threads.
#[derive(Clone)]
pub(crate) struct Chain {
    pub sources: Arc<[Source]>,
    /// One RSS document per source, in the same order.
    pub documents: Arc<[String]>,
    pub tagger: Arc<Tagger>,
    pub detect: Arc<Detect>,
}

impl Chain {
    /// Processes every document on `workers` threads and stores each as a
    /// successful poll of its source; returns the new items stored.
    pub(crate) async fn ingest(&self, store: &Store, workers: usize) -> usize {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<PollRecord>(workers * 2);
        let producers: Vec<_> = (0..workers)
            .map(|worker| {
                let (chain, tx, store) = (self.clone(), tx.clone(), store.clone());
                std::thread::spawn(move || {
                    for i in (worker..chain.sources.len()).step_by(workers) {
                        // As a poll does: the database may wait for it.
                        let coming = store.expect_poll();
                        let record = chain.record(i);
                        drop(coming);
                        tx.blocking_send(record).unwrap();
                    }
                })
            })
            .collect();
        drop(tx);
        let mut ingests = tokio::task::JoinSet::new();
        let mut stored = 0;
        while let Some(record) = rx.recv().await {
            let store = store.clone();
            ingests.spawn(async move { store.ingest(record).await.unwrap().new });
            while ingests.len() >= IN_FLIGHT {
                stored += ingests.join_next().await.unwrap().unwrap();
            }
        }
        while let Some(new) = ingests.join_next().await {
            stored += new.unwrap();
        }
        for producer in producers {
            producer.join().unwrap();
        }
        stored
    }

    /// Source `i`'s document processed as a poll would, ready to store.
    pub(crate) fn record(&self, i: usize) -> thbwatch::store::PollRecord {
        let source = &self.sources[i];
        let processed = thbwatch::poll::process_document(
            self.documents[i].as_bytes(),
            Some("application/rss+xml"),
            &source.url,
            source,
            &self.tagger,
            &self.detect,
            2_000,
        )
        .unwrap();
        crate::synthetic::fetched(source, processed)
    }
}
