//! What the store's unit tests share: one poll record built as a poll
//! builds it, so a test states only what it is about (its items, and
//! with struct update syntax its address or article fetching; its
//! channels with [`routed`]).

use chrono::Utc;

use super::{PollOutcome, PollRecord};
use crate::model::{FeedMeta, SourceId, TaggedItem, Validators};
use crate::notify::{Route, Routes};

/// A successful poll of `source` that found `items`: answered 200 with an
/// ETag, from `https://SOURCE.example/feed`, announcing to no channel and
/// fetching no article.
pub(super) fn fetched(source: &str, items: Vec<TaggedItem>) -> PollRecord {
    PollRecord {
        source_id: SourceId::new(source),
        source_url: format!("https://{source}.example/feed"),
        source_title: None,
        at: Utc::now(),
        http_status: Some(200),
        moved_to: None,
        outcome: PollOutcome::Fetched {
            feed: FeedMeta::default(),
            validators: Validators {
                etag: Some(format!("\"{source}\"")),
                last_modified: None,
            },
            items,
            recipients: Vec::new(),
            warning: None,
        },
        full_text: None,
    }
}

/// `record` with its items' channels decided by `routes`, as a poll
/// decides them before the write.
pub(super) fn routed(mut record: PollRecord, routes: Vec<Route>) -> PollRecord {
    let routes: Routes = routes.into_iter().collect();
    let full_text = record.full_text.is_some();
    if let PollOutcome::Fetched { items, recipients, .. } = &mut record.outcome {
        *recipients = routes.recipients(&record.source_id, items, full_text);
    }
    record
}
