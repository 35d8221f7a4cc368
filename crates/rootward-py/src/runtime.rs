//! The tokio runtime that every call shares, and waiting on it from Python.
//!
//! Blocking calls and the async twins run on the same multi-threaded runtime, the one that
//! `pyo3-async-runtimes` drives for asyncio. A blocking call detaches from the interpreter
//! (releasing the GIL) and runs its future on the calling thread with `block_on`, so several
//! Python threads can each wait on their own call at once.

use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use tokio::runtime::Runtime;

/// How often a blocking call attaches to the interpreter to run pending signal handlers.
/// Python runs handlers only on the main thread while it holds the interpreter, so without
/// this a Ctrl-C would wait until the whole call returned.
const SIGNAL_CHECK_INTERVAL: Duration = Duration::from_millis(50);

/// The process that first used the runtime.
static RUNTIME_PID: OnceLock<u32> = OnceLock::new();

/// Returns the shared runtime, creating it on first use.
///
/// # Errors
///
/// `RuntimeError` in a child created by `fork()` after the parent used the runtime: the child
/// inherits the runtime's state but none of its worker threads, so every call would hang.
pub(crate) fn runtime() -> PyResult<&'static Runtime> {
    let pid = std::process::id();
    let creator = *RUNTIME_PID.get_or_init(|| pid);
    if creator != pid {
        return Err(PyRuntimeError::new_err(format!(
            "rootward cannot run in this process: it was forked from process {creator} after rootward had started its async runtime there, and a forked child has none of the runtime's threads; create the Client in the child, or use the 'spawn' or 'forkserver' start method of multiprocessing"
        )));
    }
    Ok(pyo3_async_runtimes::tokio::get_runtime())
}

/// How a blocking wait ended.
pub(crate) enum Waited<T> {
    /// The future completed.
    Done(T),
    /// A signal handler raised (a `KeyboardInterrupt` for Ctrl-C); the future was dropped.
    Interrupted(PyErr),
}

/// Runs `future` on the calling thread with the GIL released, until it completes or a Python
/// signal handler raises.
///
/// The future is dropped when a handler raises, so it must be cancel safe for the caller's
/// purpose.
pub(crate) fn wait<F>(py: Python<'_>, future: F) -> PyResult<Waited<F::Output>>
where
    F: Future + Send,
    F::Output: Send,
{
    let runtime = runtime()?;
    Ok(py.detach(|| {
        runtime.block_on(async {
            let mut future = std::pin::pin!(future);
            let mut ticks = tokio::time::interval(SIGNAL_CHECK_INTERVAL);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    biased;
                    output = &mut future => return Waited::Done(output),
                    _ = ticks.tick() => {
                        if let Err(error) = Python::attach(|py| py.check_signals()) {
                            return Waited::Interrupted(error);
                        }
                    }
                }
            }
        })
    }))
}

/// Like [`wait`], for futures whose interruption needs no cleanup: a raised signal handler
/// becomes the call's exception.
pub(crate) fn wait_or_raise<F>(py: Python<'_>, future: F) -> PyResult<F::Output>
where
    F: Future + Send,
    F::Output: Send,
{
    match wait(py, future)? {
        Waited::Done(output) => Ok(output),
        Waited::Interrupted(error) => Err(error),
    }
}
