//! The executor: runs a task over a stream of accounts with bounded concurrency and produces
//! exactly one [`Outcome`] per account.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::stream::{Stream, StreamExt};
use time::OffsetDateTime;
use tracing::Instrument;

use crate::account::Account;
use crate::error::Result;
use crate::outcome::{Outcome, Reason, Step, StepResult};
use crate::selection::Target;
use crate::session::SessionFactory;
use crate::steps::StepLog;
use crate::tasks::Task;

/// The default number of accounts in flight at once.
pub const DEFAULT_CONCURRENCY: usize = 16;

/// The default number of root sessions one account may use (the first and its retries).
pub const DEFAULT_MAX_SESSIONS: u32 = 4;

/// Stops an executor from starting new accounts; accounts already in flight finish.
#[derive(Debug, Clone, Default)]
pub struct StopHandle {
    stopped: Arc<AtomicBool>,
}

impl StopHandle {
    /// Stops starting new accounts. Each account not yet started gets a `skipped` outcome
    /// (interrupted), so a resume picks it up.
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
    }

    /// Reports whether [`stop`](Self::stop) was called.
    pub fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }
}

/// Runs a [`Task`] in many accounts at once.
///
/// Per-request retries with jittered backoff are the SDK's; the executor adds a bound on
/// accounts in flight, a fresh session when one expires or a call still fails transiently,
/// a per-account deadline inside the session lifetime, and a failure budget.
#[derive(Debug, Clone)]
pub struct Executor {
    sessions: SessionFactory,
    concurrency: usize,
    max_failures: Option<u32>,
    max_sessions: u32,
    stop: StopHandle,
}

impl Executor {
    /// Creates an executor with the default concurrency and no failure budget.
    pub fn new(sessions: SessionFactory) -> Self {
        Self {
            sessions,
            concurrency: DEFAULT_CONCURRENCY,
            max_failures: None,
            max_sessions: DEFAULT_MAX_SESSIONS,
            stop: StopHandle::default(),
        }
    }

    /// Sets how many accounts are in flight at once (at least 1).
    pub fn concurrency(mut self, accounts: usize) -> Self {
        self.concurrency = accounts.max(1);
        self
    }

    /// Stops starting new accounts once this many have failed (or ended partial against the
    /// user's wish).
    pub fn max_failures(mut self, failures: Option<u32>) -> Self {
        self.max_failures = failures;
        self
    }

    /// Sets how many root sessions one account may use, retries included (at least 1).
    pub fn max_sessions(mut self, sessions: u32) -> Self {
        self.max_sessions = sessions.max(1);
        self
    }

    /// A handle that stops the executor from starting new accounts.
    pub fn stop_handle(&self) -> StopHandle {
        self.stop.clone()
    }

    /// Runs `task` over `targets`, yielding one outcome per target as each finishes.
    ///
    /// Outcomes arrive in completion order, not input order. Memory stays flat in the number
    /// of accounts: at most `concurrency` accounts are held at once.
    ///
    /// # Cancel safety
    ///
    /// Dropping the returned stream cancels every account in flight: their pending requests
    /// are dropped and no outcome is produced for them. Use the [`StopHandle`] instead to let
    /// accounts in flight finish.
    pub fn run<T, S>(
        &self,
        task: Arc<T>,
        targets: S,
    ) -> impl Stream<Item = Result<Outcome>> + Send + 'static
    where
        T: Task,
        S: Stream<Item = Result<Target>> + Send + 'static,
    {
        let shared = Arc::new(Shared {
            sessions: self.sessions.clone(),
            max_failures: self.max_failures,
            max_sessions: self.max_sessions,
            stop: self.stop.clone(),
            failures: AtomicU32::new(0),
        });
        targets
            .map(move |target| {
                let shared = Arc::clone(&shared);
                let task = Arc::clone(&task);
                async move {
                    let target = target?;
                    Ok(shared.handle(task.as_ref(), target).await)
                }
            })
            .buffer_unordered(self.concurrency)
    }
}

struct Shared {
    sessions: SessionFactory,
    max_failures: Option<u32>,
    max_sessions: u32,
    stop: StopHandle,
    failures: AtomicU32,
}

impl Shared {
    async fn handle<T: Task>(&self, task: &T, target: Target) -> Outcome {
        let account = match target {
            Target::Skip(account, reason) => {
                return Outcome::skipped(account, task.name(), task.mode(), reason)
            }
            Target::Run(account) => account,
        };
        if let Some(reason) = self.reason_not_to_start() {
            return Outcome::skipped(account, task.name(), task.mode(), reason);
        }

        let span = tracing::info_span!("account", account_id = %account.id, task = %task.name());
        let outcome = self.process(task, account).instrument(span).await;
        if outcome.counts_as_failure() {
            self.failures.fetch_add(1, Ordering::SeqCst);
        }
        outcome
    }

    fn reason_not_to_start(&self) -> Option<Reason> {
        if let Some(limit) = self.max_failures {
            if self.failures.load(Ordering::SeqCst) >= limit {
                return Some(Reason::FailureBudget { limit });
            }
        }
        self.stop.is_stopped().then_some(Reason::Interrupted)
    }

    /// Runs the task in one account, starting a fresh session after an expiry, a deadline or a
    /// transient failure, up to `max_sessions` sessions.
    async fn process<T: Task>(&self, task: &T, account: Account) -> Outcome {
        let started = OffsetDateTime::now_utc();
        let clock = Instant::now();
        let log = StepLog::default();
        let mut state = T::State::default();
        let mut sessions = 0;
        let mut completed = false;

        for attempt in 0..self.max_sessions {
            let last_attempt = attempt + 1 == self.max_sessions;
            if attempt > 0 {
                log.retire_failures();
                tokio::time::sleep(backoff(attempt)).await;
            }

            let session = match self
                .sessions
                .assume_root(&account.id, task.task_policy())
                .await
            {
                Ok(session) => session,
                Err(error) => {
                    let transient = error.is_transient();
                    tracing::warn!(code = %error.code, attempt, "sts:AssumeRoot failed");
                    log.call::<()>("AssumeRoot", None, Err(error)).ok();
                    if transient && !last_attempt {
                        continue;
                    }
                    completed = false;
                    break;
                }
            };
            sessions += 1;
            log.record(Step::new("AssumeRoot", None, StepResult::Ok));

            let deadline = account_deadline(session.remaining());
            let run = task.run(&account, &session, &mut state, &log);
            match tokio::time::timeout(deadline, run).await {
                Ok(()) => {
                    completed = true;
                    if log.has_transient_failure() && !last_attempt {
                        tracing::info!(
                            attempt,
                            "transient failure; retrying with a fresh root session"
                        );
                        continue;
                    }
                    break;
                }
                Err(_) => {
                    completed = false;
                    log.record(Step::new(
                        "Deadline",
                        None,
                        StepResult::Failed {
                            code: "DeadlineExceeded".to_owned(),
                            message: format!(
                                "the account's work did not finish within {} s, before the root session expires",
                                deadline.as_secs()
                            ),
                        },
                    ));
                    tracing::warn!(attempt, "account deadline passed");
                    if last_attempt {
                        break;
                    }
                }
            }
        }

        let steps = log.snapshot();
        let verdict = task.finish(state, &steps, completed);
        let outcome = Outcome {
            account,
            task: task.name(),
            mode: task.mode(),
            status: verdict.status,
            reason: verdict.reason,
            steps,
            detail: verdict.detail,
            sessions,
            started,
            elapsed_ms: u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX),
        };
        tracing::info!(status = %outcome.status, sessions, "account finished");
        outcome
    }
}

/// The time an account may take in one session: the session's remaining life minus a margin
/// for the last calls in flight.
fn account_deadline(remaining: Duration) -> Duration {
    let margin = (remaining / 10).max(Duration::from_secs(5));
    remaining.saturating_sub(margin).max(Duration::from_secs(1))
}

/// Exponential backoff with full jitter before a fresh session: up to 0.5 s, 1 s, 2 s … 8 s.
fn backoff(attempt: u32) -> Duration {
    let ceiling_ms = 500u64 << attempt.saturating_sub(1).min(4);
    let random = RandomState::new().hash_one(Instant::now());
    Duration::from_millis(random % ceiling_ms.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadline_stays_inside_session() {
        assert_eq!(
            account_deadline(Duration::from_secs(300)),
            Duration::from_secs(270)
        );
        assert_eq!(
            account_deadline(Duration::from_secs(20)),
            Duration::from_secs(15)
        );
        assert_eq!(
            account_deadline(Duration::from_secs(2)),
            Duration::from_secs(1)
        );
    }

    #[test]
    fn backoff_is_bounded() {
        for attempt in 1..10 {
            assert!(backoff(attempt) < Duration::from_secs(8));
        }
    }
}
