//! The opt-in tracing subscriber, with the core's guard that keeps root credentials out of the
//! logs whatever `RUST_LOG` sets.

use std::io::IsTerminal;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use tracing_subscriber::filter::{filter_fn, EnvFilter, FilterExt};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

/// Sends rootward's logs to standard error: the `RUST_LOG` filter when it is set and valid,
/// else `default`. Returns False when a subscriber was already installed in this process.
///
/// The SDK's signer and orchestrator stay below `trace` whatever the filter sets, because at
/// `trace` they print root session tokens and secret keys.
#[pyfunction]
#[pyo3(signature = (default = "warn"))]
pub(crate) fn init_logging(default: &str) -> PyResult<bool> {
    let env_filter = match EnvFilter::try_from_default_env() {
        Ok(filter) => filter,
        Err(_) => EnvFilter::try_new(default).map_err(|error| {
            PyValueError::new_err(format!(
                "invalid log filter {default:?}: {error}; use a level such as \"info\" or directives such as \"rootward=debug\""
            ))
        })?,
    };
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(true)
        .with_filter(env_filter.and(filter_fn(rootward::log_guard::is_safe)));
    Ok(tracing_subscriber::registry()
        .with(layer)
        .try_init()
        .is_ok())
}
