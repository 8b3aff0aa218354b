//! `thbwatch export`: a published feed written out as the server would
//! serve it.

use crate::app;
use crate::config::Config;
use crate::feeds::{self, Feed, Request};
use crate::store::Store;

/// Whether the configuration has the tag or source a feed names.
pub fn check_feed(config: &Config, feed: &Feed) -> Result<(), feeds::Unknown> {
    feeds::check(&app::feed_settings(config), feed)
}

/// The document the server would serve for `request` (links from
/// `[server] base_url`, when set).
pub async fn export(config: &Config, request: &Request) -> anyhow::Result<String> {
    check_feed(config, &request.feed)?;
    let store = Store::open(&config.storage.path).await?;
    Ok(feeds::render(&store, &app::feed_settings(config), request, None)
        .await?
        .body)
}
