//! A reload (SIGHUP in the binary, [`super::Control::Reload`] for any
//! caller): the configuration file read again and applied without a
//! restart (sources, rules, channels, the site, retention); what only a
//! restart changes (the listener, the log filter, the database) named in a
//! warning and left as it is. A file that does not load, or polling that
//! cannot start with it, leaves the previous configuration running.

use std::sync::Arc;

use tracing::{error, info, warn};

use super::Running;
use super::generation::{self, Generation};
use super::status::status_line;
use crate::app;
use crate::commands;
use crate::config::Config;
use crate::schedule::Scheduler;
use crate::store::Store;
use crate::tag::Tagger;

impl Running {
    /// Reads the configuration file again and applies it, telling systemd
    /// it is reloading and then ready again.
    pub(super) async fn reload(mut self) -> anyhow::Result<Running> {
        self.systemd.reloading();
        let reloaded = {
            let path = self.config.path.clone();
            tokio::task::spawn_blocking(move || Config::load(&path)).await?
        };
        match reloaded {
            Err(e) => {
                // Every problem, each on its line; the old configuration stays.
                for line in e.to_string().lines() {
                    error!(problem = %line, "reload refused; still running on the previous configuration");
                }
            }
            Ok(new) => self = self.apply(new).await?,
        }
        self.systemd.ready(&status_line(&self.config, &self.store));
        Ok(self)
    }

    /// Replaces the generation of polling and notifying with one for
    /// `new`; back to the previous configuration if it cannot start.
    async fn apply(mut self, new: Config) -> anyhow::Result<Running> {
        warn_about_restarts(&self.config, &new);
        // Polling stays "alive" for the watchdog while it is replaced.
        self.generation.stop(&self.scheduler).await;
        // The rules are compiled once, for re-tagging and polling, and
        // only when they changed: a compiled tagger replaced is memory the
        // allocator keeps (22 MB with the default rules).
        let tagger = if new.tags == self.config.tags {
            Ok(Arc::clone(&self.tagger))
        } else {
            let compiled = Tagger::new(&new.tags).map(Arc::new);
            match &compiled {
                Ok(tagger) => retag(&self.store, Arc::clone(tagger)).await,
                Err(e) => error!(error = %e, "cannot compile the new rules"),
            }
            compiled.map_err(anyhow::Error::from)
        };
        if !self.scheduler.has_room_for(generation::jobs(&new)) {
            // Many more sources than at start: a roomier scheduler. The
            // old one's jobs went with the old generation.
            match Scheduler::start(generation::jobs(&new)).await {
                Ok(roomier) => std::mem::replace(&mut self.scheduler, roomier).shutdown().await,
                Err(e) => error!(error = %e, "cannot start a larger scheduler; keeping the old one"),
            }
        }
        self.shared.replace(app::site(&new));
        let _ = self.storage.send(new.storage.clone());
        self.store.bump_generation();
        let started = match tagger {
            Ok(tagger) => Generation::start(
                &new,
                Arc::clone(&tagger),
                &self.store,
                &self.metrics,
                &self.scheduler,
                &self.token,
            )
            .await
            .map(|started| (started, tagger)),
            Err(e) => Err(e),
        };
        self.generation = match started {
            Ok((started, tagger)) => {
                info!(
                    sources = new.sources.len(),
                    tags = new.tags.len(),
                    channels = new.notify.len(),
                    "reloaded"
                );
                self.config = new;
                self.tagger = tagger;
                started
            }
            Err(e) => {
                error!(error = %e, "cannot start polling with the new configuration; back to the previous one");
                self.shared.replace(app::site(&self.config));
                Generation::start(
                    &self.config,
                    Arc::clone(&self.tagger),
                    &self.store,
                    &self.metrics,
                    &self.scheduler,
                    &self.token,
                )
                .await?
            }
        };
        Ok(self)
    }
}

/// Names each setting that changed but only takes effect on a restart.
fn warn_about_restarts(old: &Config, new: &Config) {
    for (what, changed) in [
        ("server.listen", new.server.listen != old.server.listen),
        ("server.log", new.server.log != old.server.log),
        ("storage.path", new.storage.path != old.storage.path),
    ] {
        if changed {
            warn!("{what} changed: that needs a restart; the running value stays");
        }
    }
}

/// New rules reach the stored items at once, as `thbwatch retag` does it.
async fn retag(store: &Store, tagger: Arc<Tagger>) {
    match commands::retag_store(store, tagger).await {
        Ok(r) => info!(
            items = r.items,
            tagged = r.tagged_after,
            "rules changed; stored items re-tagged"
        ),
        Err(e) => error!(error = %e, "re-tagging stored items failed; `thbwatch retag` does it"),
    }
}
