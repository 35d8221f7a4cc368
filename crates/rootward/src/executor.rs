//! The executor: runs a task over a stream of accounts with bounded concurrency and produces
//! exactly one [`Outcome`] per account.

use std::collections::hash_map::RandomState;
use std::future::Future;
use std::hash::BuildHasher;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures::stream::{self, Stream, StreamExt};
use time::OffsetDateTime;
use tokio::task::JoinHandle;
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

/// How many targets are read ahead of the accounts in flight: five `ListAccounts` pages. The
/// listing goes on while every slot is busy, so a freed slot seldom waits for a page.
const READ_AHEAD: usize = 100;

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
/// Per-request retries with jittered backoff are the SDK's. The executor adds a bound on
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
    /// of accounts: at most `concurrency` accounts are in flight, and at most 100 targets are
    /// read ahead of them. Each account runs as a task of its own on the Tokio runtime, so
    /// accounts use every worker thread, and the targets are read by another task, so that
    /// listing the organization overlaps with the accounts' work.
    ///
    /// # Panics
    ///
    /// The returned stream must be polled inside a Tokio runtime. A panic in an account's
    /// task or in the target stream resumes when the stream is polled.
    ///
    /// # Cancel safety
    ///
    /// Dropping the returned stream cancels every account in flight: their pending requests
    /// are dropped and no outcome is produced for them. The reading of targets stops after at
    /// most the request in flight. Use the [`StopHandle`] instead to let accounts in flight
    /// finish.
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
        read_ahead(targets, READ_AHEAD)
            .map(move |target| {
                let shared = Arc::clone(&shared);
                let task = Arc::clone(&task);
                async move {
                    let target = target?;
                    let work = async move { shared.handle(task.as_ref(), target).await };
                    Ok(AccountTask(tokio::spawn(work)).await)
                }
            })
            .buffer_unordered(self.concurrency)
    }
}

/// One account's work, spawned on the runtime and aborted when dropped.
struct AccountTask(JoinHandle<Outcome>);

impl Future for AccountTask {
    type Output = Outcome;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Outcome> {
        match Pin::new(&mut self.0).poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(outcome)) => Poll::Ready(outcome),
            Poll::Ready(Err(error)) => match error.try_into_panic() {
                Ok(panic) => std::panic::resume_unwind(panic),
                // Only dropping this future aborts the task, and then nothing polls it.
                Err(error) => unreachable!("an account task was cancelled while awaited: {error}"),
            },
        }
    }
}

impl Drop for AccountTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Reads up to `capacity` items of `items` ahead, in a task of its own.
fn read_ahead<S>(items: S, capacity: usize) -> impl Stream<Item = S::Item> + Send + 'static
where
    S: Stream + Send + 'static,
    S::Item: Send + 'static,
{
    stream::once(async move {
        let (sender, receiver) = tokio::sync::mpsc::channel(capacity.max(1));
        let reader = tokio::spawn(async move {
            let mut items = std::pin::pin!(items);
            while let Some(item) = items.next().await {
                if sender.send(item).await.is_err() {
                    // The consumer is gone: the run was cancelled.
                    break;
                }
            }
        });
        stream::unfold((receiver, reader), |(mut receiver, reader)| async move {
            if let Some(item) = receiver.recv().await {
                return Some((item, (receiver, reader)));
            }
            // The reader has finished; pass on its panic rather than end the stream early.
            if let Err(error) = reader.await {
                if let Ok(panic) = error.try_into_panic() {
                    std::panic::resume_unwind(panic);
                }
            }
            None
        })
    })
    .flatten()
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn read_ahead_yields_every_item_in_order() {
        let items: Vec<u32> = read_ahead(stream::iter(0..1000), 7).collect().await;
        assert_eq!(items, (0..1000).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn read_ahead_stops_reading_when_dropped() {
        let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
        let items = stream::iter(0..1000).inspect(move |item| {
            let _ = sender.send(*item);
        });
        let first: Vec<u32> = read_ahead(items, 3).take(2).collect().await;
        assert_eq!(first, [0, 1]);
        tokio::time::sleep(Duration::from_millis(50)).await;

        let mut read = 0;
        while receiver.try_recv().is_ok() {
            read += 1;
        }
        assert!(
            read < 10,
            "the reader went on after the consumer left: {read}"
        );
    }

    #[test]
    fn backoff_is_bounded() {
        for attempt in 1..10 {
            assert!(backoff(attempt) < Duration::from_secs(8));
        }
    }
}
