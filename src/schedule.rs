//! Cron schedules ─▶ `tx.try_send(source_id)`. The only user of
//! tokio-cron-scheduler; it never polls anything itself.

use tokio::sync::mpsc;
use tokio_cron_scheduler::{Job, JobScheduler};

/// Why the scheduler could not start.
#[derive(Debug, thiserror::Error)]
#[error("scheduler: {0}")]
pub struct Error(String);

/// Accepts the standard 5-field form (`m h dom mon dow`) and the 6-field
/// form with seconds first; returns the 6-field form the scheduler needs.
pub fn normalize_cron(expr: &str) -> Result<String, String> {
    let fields: Vec<&str> = expr.split_whitespace().collect();
    let six = match fields.len() {
        5 => format!("0 {}", fields.join(" ")),
        6 => fields.join(" "),
        n => {
            let fields = if n == 1 { "field" } else { "fields" };
            return Err(format!(
                "{expr:?} has {n} {fields}: use 5 (minute hour day-of-month month day-of-week) or 6 (seconds first)"
            ));
        }
    };
    // Validate with the scheduler's own parser, so what passes here runs.
    Job::new(six.as_str(), |_, _| {}).map_err(|_| format!("{expr:?} is not a valid cron expression"))?;
    Ok(six)
}

/// The running scheduler; dropping it without [`Scheduler::shutdown`]
/// leaves its jobs to die with the runtime.
pub struct Scheduler(JobScheduler);

/// Starts one cron job per source; each tick asks for a poll through `tx`.
/// A tick that finds the queue full is skipped (the source is already due).
pub async fn start<T>(jobs: &[(T, String)], tx: mpsc::Sender<T>) -> Result<Scheduler, Error>
where
    T: Clone + std::fmt::Display + Send + Sync + 'static,
{
    let scheduler = JobScheduler::new().await.map_err(|e| Error(e.to_string()))?;
    for (id, cron) in jobs {
        let (id, tx) = (id.clone(), tx.clone());
        let job = Job::new(cron.as_str(), move |_, _| {
            if tx.try_send(id.clone()).is_err() {
                tracing::debug!(job = %id, "queue full or closed; tick skipped");
            }
        })
        .map_err(|e| Error(format!("{cron:?}: {e}")))?;
        scheduler.add(job).await.map_err(|e| Error(e.to_string()))?;
    }
    scheduler.start().await.map_err(|e| Error(e.to_string()))?;
    Ok(Scheduler(scheduler))
}

impl Scheduler {
    pub async fn shutdown(mut self) {
        if let Err(e) = self.0.shutdown().await {
            tracing::warn!(error = %e, "scheduler did not shut down cleanly");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::normalize_cron;

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
    }
}
