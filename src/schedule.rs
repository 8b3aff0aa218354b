//! Cron schedules ─▶ `tx.try_send(source_id)`. The only user of
//! tokio-cron-scheduler; it never polls anything itself.

use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};

/// Why the scheduler could not start, or take a job. The scheduler's own
/// error is kept, and said in the message; it is not offered as a source
/// as well, so that the command line (which prints each source after the
/// message) does not say it twice.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    #[error("scheduler: {0}")]
    Scheduler(JobSchedulerError),
    #[error("scheduler: {cron:?}: {error}")]
    Job { cron: String, error: JobSchedulerError },
    #[error("scheduler: adding a cron job timed out")]
    TimedOut,
    #[error("scheduler: cannot start its thread: {0}")]
    Thread(std::io::Error),
    #[error("scheduler: cannot start its runtime: {0}")]
    Runtime(std::io::Error),
    #[error("scheduler: its thread ended before it started")]
    Ended,
}

/// A schedule that is not a cron expression the scheduler can run.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum CronError {
    #[error(
        "{expr:?} has {fields} {}: use 5 (minute hour day-of-month month day-of-week) or 6 (seconds first)",
        if *.fields == 1 { "field" } else { "fields" }
    )]
    Fields { expr: String, fields: usize },
    #[error("{expr:?} is not a valid cron expression")]
    Invalid { expr: String },
}

/// Accepts the standard 5-field form (`m h dom mon dow`) and the 6-field
/// form with seconds first; returns the 6-field form the scheduler needs.
pub(crate) fn normalize_cron(expr: &str) -> Result<String, CronError> {
    let fields: Vec<&str> = expr.split_whitespace().collect();
    let six = match fields.len() {
        5 => format!("0 {}", fields.join(" ")),
        6 => fields.join(" "),
        n => {
            return Err(CronError::Fields {
                expr: expr.to_string(),
                fields: n,
            });
        }
    };
    // Validate with the scheduler's own parser, so what passes here runs
    // (its own message names the field by number only: ours says which).
    Job::new(six.as_str(), |_, _| {}).map_err(|_| CronError::Invalid { expr: expr.to_string() })?;
    Ok(six)
}

/// The daemon's scheduler, started once. Each configuration adds its jobs
/// and removes them when it is replaced, rather than starting a fresh
/// scheduler per reload.
///
/// tokio-cron-scheduler's own tasks (its tick loop and the actors behind
/// `add` and `remove`) run on a small runtime of their own, on one thread:
/// they loop until their channels close and log that closing as an error,
/// and nothing in the crate stops them. Dropping that runtime ends them
/// without polling them again, so [`Scheduler::shutdown`] frees the
/// scheduler completely and quietly, whether the process is exiting or a
/// test runs the daemon again in the same process. Ticks reach the daemon
/// through its channel (`try_send`), whichever runtime they come from.
///
/// Its internal channels must hold every job at once: all sources on one
/// schedule fire in the same tick, and a reload removes them all; a
/// channel that overflows silently drops ticks, or stops the task that
/// reads it for good.
pub(crate) struct Scheduler {
    inner: JobScheduler,
    capacity: usize,
    /// Ends the scheduler's runtime, and with it every task of the crate.
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// How long adding or removing one job may take before it counts as failed.
const JOB_CHANGE_TIMEOUT: Duration = Duration::from_secs(10);

/// Jobs added together, removed together ([`Scheduler::remove`]).
#[must_use = "jobs stay scheduled until removed"]
pub(crate) struct Jobs(Vec<uuid::Uuid>);

impl Scheduler {
    /// A scheduler with room for `jobs` jobs firing at once, and more.
    pub(crate) async fn start(jobs: usize) -> Result<Scheduler, Error> {
        let capacity = (jobs * 4).next_power_of_two().max(1024);
        let (started_tx, started_rx) = oneshot::channel();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("thbwatch-cron".into())
            .spawn(move || run_scheduler(capacity, started_tx, stopped))
            .map_err(Error::Thread)?;
        let started = started_rx.await.unwrap_or(Err(Error::Ended));
        let inner = match started {
            Ok(inner) => inner,
            Err(e) => {
                // The thread has ended or is ending: nothing to stop.
                let _ = tokio::task::spawn_blocking(move || thread.join()).await;
                return Err(e);
            }
        };
        Ok(Scheduler {
            inner,
            capacity,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Stops the scheduler: its jobs never fire again and its tasks are
    /// gone when this returns.
    pub(crate) async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            // Joining blocks (briefly: the thread only drops its runtime).
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }

    /// Whether `jobs` jobs (besides those being replaced) fit with the
    /// room [`Scheduler::start`] gives them.
    pub(crate) fn has_room_for(&self, jobs: usize) -> bool {
        jobs * 4 <= self.capacity
    }

    /// Adds one cron job per entry; each tick asks for a poll (or a digest)
    /// through `tx`. A tick that finds the queue full is skipped (the job
    /// is already due). On an error, the jobs added so far are removed.
    pub(crate) async fn add<T>(&self, jobs: &[(T, String)], tx: mpsc::Sender<T>) -> Result<Jobs, Error>
    where
        T: Clone + std::fmt::Display + Send + Sync + 'static,
    {
        let mut added = Jobs(Vec::with_capacity(jobs.len()));
        for (id, cron) in jobs {
            let (id, tx) = (id.clone(), tx.clone());
            let job = Job::new(cron.as_str(), move |_, _| {
                if tx.try_send(id.clone()).is_err() {
                    tracing::debug!(job = %id, "queue full or closed; tick skipped");
                }
            })
            .map_err(|error| Error::Job {
                cron: cron.clone(),
                error,
            });
            let added_job = match job {
                Ok(job) => match tokio::time::timeout(JOB_CHANGE_TIMEOUT, self.inner.add(job)).await {
                    Ok(added) => added.map_err(Error::Scheduler),
                    Err(_) => Err(Error::TimedOut),
                },
                Err(e) => Err(e),
            };
            match added_job {
                Ok(uuid) => added.0.push(uuid),
                Err(e) => {
                    self.remove(added).await;
                    return Err(e);
                }
            }
        }
        Ok(added)
    }

    /// Unschedules `jobs`. One that cannot be removed only costs memory:
    /// its ticks go to a queue nobody reads any more.
    pub(crate) async fn remove(&self, jobs: Jobs) {
        for uuid in jobs.0 {
            match tokio::time::timeout(JOB_CHANGE_TIMEOUT, self.inner.remove(&uuid)).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "a cron job could not be removed"),
                Err(_) => tracing::warn!("removing a cron job timed out"),
            }
        }
    }
}

impl Drop for Scheduler {
    /// Without [`Scheduler::shutdown`] (an early return): the thread is
    /// told to stop and ends on its own.
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The scheduler's thread: starts tokio-cron-scheduler on a runtime of its
/// own, hands it over, and keeps the runtime until told to stop (or until
/// the [`Scheduler`] is gone). Dropping the runtime then drops the crate's
/// tasks without running them again.
fn run_scheduler(capacity: usize, started: oneshot::Sender<Result<JobScheduler, Error>>, stop: oneshot::Receiver<()>) {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_time().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            let _ = started.send(Err(Error::Runtime(e)));
            return;
        }
    };
    runtime.block_on(async move {
        let inner = async {
            let inner = JobScheduler::new_with_channel_size(capacity).await?;
            inner.start().await?;
            Ok::<_, JobSchedulerError>(inner)
        }
        .await
        .map_err(Error::Scheduler);
        let running = inner.is_ok();
        if started.send(inner).is_ok() && running {
            let _ = stop.await;
        }
    });
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::sync::mpsc;

    use super::{Scheduler, normalize_cron};

    #[test]
    fn accepts_five_and_six_fields() {
        assert_eq!(normalize_cron("*/15 * * * *").unwrap(), "0 */15 * * * *");
        assert_eq!(normalize_cron("30 0 * * * *").unwrap(), "30 0 * * * *");
        assert_eq!(normalize_cron("0 8 * * 1-5").unwrap(), "0 0 8 * * 1-5");
    }

    #[test]
    fn rejects_bad_expressions() {
        for bad in ["", "* * *", "61 * * * *", "a b c d e", "* * * * * * * *"] {
            assert!(normalize_cron(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            normalize_cron("* * *").unwrap_err().to_string(),
            "\"* * *\" has 3 fields: use 5 (minute hour day-of-month month day-of-week) or 6 (seconds first)"
        );
        assert_eq!(
            normalize_cron("*").unwrap_err().to_string(),
            "\"*\" has 1 field: use 5 (minute hour day-of-month month day-of-week) or 6 (seconds first)"
        );
        assert_eq!(
            normalize_cron("61 * * * *").unwrap_err(),
            super::CronError::Invalid {
                expr: "61 * * * *".into()
            }
        );
    }

    #[tokio::test]
    async fn jobs_tick_and_shutdown_frees_everything() {
        let scheduler = Scheduler::start(1).await.unwrap();
        let (tx, mut rx) = mpsc::channel(4);
        let _jobs = scheduler
            .add(&[("every second", "* * * * * *".to_string())], tx)
            .await
            .unwrap();
        let deadline = Duration::from_secs(10);
        let tick = tokio::time::timeout(deadline, rx.recv())
            .await
            .expect("a tick within the deadline");
        assert_eq!(tick, Some("every second"));
        scheduler.shutdown().await;
        // Every copy of the job's sender went with the scheduler, though
        // the job was never removed: the channel closes (after the ticks
        // already queued, if any).
        let closed = tokio::time::timeout(deadline, async { while rx.recv().await.is_some() {} }).await;
        assert!(closed.is_ok(), "the scheduler still holds its jobs after shutdown");
    }

    #[tokio::test]
    async fn a_scheduler_dropped_without_shutdown_stops_ticking() {
        let scheduler = Scheduler::start(1).await.unwrap();
        let (tx, mut rx) = mpsc::channel(4);
        let _jobs = scheduler.add(&[(1, "* * * * * *".to_string())], tx).await.unwrap();
        drop(scheduler);
        let closed = tokio::time::timeout(Duration::from_secs(10), async { while rx.recv().await.is_some() {} }).await;
        assert!(closed.is_ok(), "a dropped scheduler still ticks");
    }
}
