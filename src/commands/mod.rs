//! The one-off commands (`thbwatch poll`, `sources`, `retag`, `match`,
//! `eval`, `export`, `notify`, `backup`, `prune`): each opens what it
//! needs for one configuration, does its work and returns what the
//! command line prints. The daemon runs two of them too: retention prunes
//! as `prune` does, and a reload with new rules re-tags as `retag` does.
//! Knows no feed format.

mod export;
mod notify;
mod poll;
mod rules;
mod storage;

pub use export::{check_feed, export};
pub use notify::{UnknownChannel, notify_retry, notify_status, notify_test};
pub use poll::{poll_once, sources};
pub use rules::{RetagReport, eval, explain, explain_item, retag, retag_store};
pub use storage::{backup, prune, prune_store};
