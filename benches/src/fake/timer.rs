//! Responses that become ready at a precise instant, woken by a thread of their own.
//!
//! Tokio's timer works in whole milliseconds and may fire up to about two of them late, which
//! would add 5 to 10 % to a 20 ms latency and be charged to rootward. A thread that waits on a
//! condition variable until the earliest deadline wakes each answer within the operating
//! system's timer slack (about 50 µs on Linux) when a core is free.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::Instant;

/// The deadlines waiting to pass, earliest first.
#[derive(Debug, Default)]
struct Queue {
    deadlines: BinaryHeap<Reverse<Entry>>,
    shut_down: bool,
}

#[derive(Debug)]
struct Entry {
    deadline: Instant,
    slot: Arc<Slot>,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.deadline == other.deadline
    }
}

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        self.deadline.cmp(&other.deadline)
    }
}

/// One deadline's state, shared by the timer thread and the waiting future.
#[derive(Debug, Default)]
struct Slot {
    passed: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl Slot {
    fn fire(&self) {
        self.passed.store(true, AtomicOrdering::Release);
        let waker = self
            .waker
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// The name of the timer thread, whose CPU time the benchmark leaves out of rootward's.
pub(crate) const THREAD_NAME: &str = "fake-aws-timer";

/// The timer thread's handle; dropping it stops the thread.
#[derive(Debug)]
pub(crate) struct Timer {
    shared: Arc<(Mutex<Queue>, Condvar)>,
}

impl Timer {
    /// Starts the timer thread.
    pub(crate) fn start() -> Self {
        let shared = Arc::new((Mutex::new(Queue::default()), Condvar::new()));
        let worker = Arc::clone(&shared);
        std::thread::Builder::new()
            .name(THREAD_NAME.to_owned())
            .spawn(move || run(&worker))
            .expect("the fake's timer thread starts");
        Self { shared }
    }

    /// Returns a future that completes at `deadline`.
    pub(crate) fn until(&self, deadline: Instant) -> Deadline {
        let slot = Arc::new(Slot::default());
        let (queue, wakeup) = &*self.shared;
        let mut queue = queue.lock().unwrap_or_else(PoisonError::into_inner);
        let earliest = queue
            .deadlines
            .peek()
            .is_none_or(|Reverse(first)| deadline < first.deadline);
        queue.deadlines.push(Reverse(Entry {
            deadline,
            slot: Arc::clone(&slot),
        }));
        drop(queue);
        if earliest {
            wakeup.notify_one();
        }
        Deadline { slot }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        let (queue, wakeup) = &*self.shared;
        queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .shut_down = true;
        wakeup.notify_one();
    }
}

fn run(shared: &(Mutex<Queue>, Condvar)) {
    let (queue, wakeup) = shared;
    let mut queue = queue.lock().unwrap_or_else(PoisonError::into_inner);
    loop {
        if queue.shut_down {
            // Wake what is left so that no future waits forever.
            while let Some(Reverse(entry)) = queue.deadlines.pop() {
                entry.slot.fire();
            }
            return;
        }
        let now = Instant::now();
        let mut due = Vec::new();
        while queue
            .deadlines
            .peek()
            .is_some_and(|Reverse(first)| first.deadline <= now)
        {
            if let Some(Reverse(entry)) = queue.deadlines.pop() {
                due.push(entry.slot);
            }
        }
        if !due.is_empty() {
            drop(queue);
            for slot in due {
                slot.fire();
            }
            queue = shared.0.lock().unwrap_or_else(PoisonError::into_inner);
            continue;
        }
        queue = match queue.deadlines.peek().map(|Reverse(first)| first.deadline) {
            Some(deadline) => {
                wakeup
                    .wait_timeout(queue, deadline.saturating_duration_since(now))
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
            }
            None => wakeup.wait(queue).unwrap_or_else(PoisonError::into_inner),
        };
    }
}

/// Completes once its deadline has passed.
#[derive(Debug)]
pub(crate) struct Deadline {
    slot: Arc<Slot>,
}

impl Future for Deadline {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.slot.passed.load(AtomicOrdering::Acquire) {
            return Poll::Ready(());
        }
        *self
            .slot
            .waker
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(cx.waker().clone());
        // The timer may have fired between the first check and storing the waker.
        if self.slot.passed.load(AtomicOrdering::Acquire) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn deadlines_complete_in_order_and_on_time() {
        let timer = Timer::start();
        let start = Instant::now();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let finished = runtime.block_on(async {
            let late = timer.until(start + Duration::from_millis(30));
            let early = timer.until(start + Duration::from_millis(10));
            early.await;
            let early_at = start.elapsed();
            late.await;
            (early_at, start.elapsed())
        });
        assert!(finished.0 >= Duration::from_millis(10), "{finished:?}");
        assert!(finished.1 >= Duration::from_millis(30), "{finished:?}");
    }
}
