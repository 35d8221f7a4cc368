//! The opt-in tracing subscriber, with the core's guard against logging credentials.

use std::io::IsTerminal;

use tracing_subscriber::filter::{filter_fn, EnvFilter, FilterExt};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

use crate::boundary::{self, Failure};
use crate::result::RootwardResult;

/// Sends rootward's logs to standard error, filtered by the `RUST_LOG` environment variable
/// (default `warn`). The AWS SDK's signer and orchestrator never log at `trace`, whatever
/// `RUST_LOG` sets, because there they print root session tokens and secret keys.
///
/// Call it once, before the first run. Returns `ROOTWARD_RESULT_ALREADY_INITIALIZED` when a
/// subscriber is already installed in the process.
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn rootward_logging_init() -> RootwardResult {
    boundary::call("rootward_logging_init", || {
        let env_filter =
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
        let layer = tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(std::io::stderr().is_terminal())
            .with_target(true)
            .with_filter(env_filter.and(filter_fn(rootward::log_guard::is_safe)));
        tracing_subscriber::registry()
            .with(layer)
            .try_init()
            .map_err(|error| {
                Failure::new(
                    RootwardResult::AlreadyInitialized,
                    format!("a logging subscriber is already installed: {error}"),
                )
            })
    })
}
