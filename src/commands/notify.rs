//! `thbwatch notify`: a test message through one channel, the outbox's
//! state, dead letters queued again.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::notify;
use crate::store::Store;

/// A channel name the configuration does not have; it names those it has.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("no channel named {name:?} (configured: {})", listing(configured))]
pub struct UnknownChannel {
    pub name: String,
    pub configured: Vec<String>,
}

impl UnknownChannel {
    /// `Ok` when `config` has a channel called `name`.
    pub fn check(config: &Config, name: &str) -> Result<(), UnknownChannel> {
        match config.notify.iter().any(|c| c.name == name) {
            true => Ok(()),
            false => Err(UnknownChannel::new(config, name)),
        }
    }

    fn new(config: &Config, name: &str) -> UnknownChannel {
        UnknownChannel {
            name: name.to_string(),
            configured: config.notify.iter().map(|c| c.name.clone()).collect(),
        }
    }
}

/// Names, comma-separated, or "none".
fn listing(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

/// `thbwatch notify test NAME`: a test message through one channel, sent
/// at `now`.
pub async fn notify_test(config: &Config, name: &str, now: DateTime<Utc>) -> anyhow::Result<notify::Outcome> {
    let Some(channel) = config.notify.iter().find(|c| c.name == name) else {
        return Err(UnknownChannel::new(config, name).into());
    };
    let senders = notify::Senders::new(&config.poll.user_agent, Arc::default())?;
    let key = crate::model::name_urn(&["thbwatch test notification", name, &now.to_rfc3339()]);
    Ok(notify::send(channel, &senders, &key, &[notify::test_entry(now)]).await)
}

/// `thbwatch notify status`: counts per channel and state, then what is
/// not delivered.
pub async fn notify_status(config: &Config) -> anyhow::Result<String> {
    let store = Store::open(&config.storage.path).await?;
    let (counts, rows) = store.outbox_status(50).await?;
    let mut out = if counts.is_empty() {
        String::from("(no notifications yet)\n")
    } else {
        let header = ["CHANNEL", "STATE", "COUNT"].map(String::from);
        let rows = counts
            .iter()
            .map(|(channel, state, count)| [channel.clone(), state.clone(), count.to_string()]);
        crate::table::render(&std::iter::once(header).chain(rows).collect::<Vec<_>>())
    };
    if !rows.is_empty() {
        out.push_str("\nNot delivered (newest first):\n");
        for r in rows {
            let next = match (r.state.as_str(), r.next_attempt_at) {
                ("pending", Some(t)) => format!(", next attempt {}", t.format("%Y-%m-%d %H:%M:%S UTC")),
                _ => String::new(),
            };
            out.push_str(&format!(
                "{} {}: {} ({} attempts{next}){}\n",
                r.channel,
                r.state,
                r.title,
                r.attempts,
                r.last_error.map(|e| format!(": {e}")).unwrap_or_default()
            ));
        }
    }
    Ok(out)
}

/// `thbwatch notify retry [NAME]`: dead letters pending again from `now`.
pub async fn notify_retry(config: &Config, name: Option<&str>, now: DateTime<Utc>) -> anyhow::Result<usize> {
    if let Some(name) = name {
        UnknownChannel::check(config, name)?;
    }
    let store = Store::open(&config.storage.path).await?;
    Ok(store.retry_dead(name.map(str::to_string), now).await?)
}

#[cfg(test)]
mod tests {
    use super::UnknownChannel;

    #[test]
    fn an_unknown_channel_names_those_configured() {
        let unknown = |configured: &[&str]| UnknownChannel {
            name: "pager".to_string(),
            configured: configured.iter().map(|c| c.to_string()).collect(),
        };
        assert_eq!(
            unknown(&["hook", "room"]).to_string(),
            "no channel named \"pager\" (configured: hook, room)"
        );
        assert_eq!(
            unknown(&[]).to_string(),
            "no channel named \"pager\" (configured: none)"
        );
    }
}
