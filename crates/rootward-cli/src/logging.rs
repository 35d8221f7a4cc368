//! The tracing subscriber, with rootward's guard that keeps root credentials out of the logs
//! whatever `RUST_LOG` requests (see [`rootward::log_guard`]).

use tracing_subscriber::filter::{filter_fn, EnvFilter, FilterExt};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

/// Installs the subscriber: `RUST_LOG` (default `warn`) to stderr, with the guard.
pub(crate) fn init() {
    let env_filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(true)
        .with_filter(env_filter.and(filter_fn(rootward::log_guard::is_safe)));
    tracing_subscriber::registry().with(layer).init();
}
