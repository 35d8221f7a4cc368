//! The tracing subscriber, with the guard that keeps root credentials out of the logs.
//!
//! At `trace` level the SDK's signer logs the canonical request, which contains the
//! `x-amz-security-token` header (a root session token), and the SDK's orchestrator logs raw
//! requests and responses (an `AssumeRoot` response carries the secret key). Whatever
//! `RUST_LOG` says, those targets are held at `debug` or below.

use tracing::{Level, Metadata};
use tracing_subscriber::filter::{filter_fn, EnvFilter, FilterExt};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

/// Targets whose `trace` events may print request or response headers and bodies.
const GUARDED_TARGETS: &[&str] = &[
    "aws_sigv4",
    "aws_smithy",
    "aws_runtime",
    "aws_config",
    "aws_credential_types",
    "aws_sdk_",
    "hyper",
    "h2",
    "rustls",
    "reqwest",
];

fn is_safe(metadata: &Metadata<'_>) -> bool {
    *metadata.level() < Level::TRACE
        || !GUARDED_TARGETS
            .iter()
            .any(|prefix| metadata.target().starts_with(prefix))
}

/// Installs the subscriber: `RUST_LOG` (default `warn`) to stderr, with the guard.
pub(crate) fn init() {
    let env_filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(true)
        .with_filter(env_filter.and(filter_fn(is_safe)));
    tracing_subscriber::registry().with(layer).init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signer_trace_is_blocked() {
        assert!(!GUARDED_TARGETS.is_empty());
        assert!(GUARDED_TARGETS
            .iter()
            .any(|target| "aws_sigv4::http_request".starts_with(target)));
        assert!(GUARDED_TARGETS
            .iter()
            .any(|target| "aws_smithy_runtime::client::orchestrator".starts_with(target)));
        assert!(!GUARDED_TARGETS
            .iter()
            .any(|target| "rootward::executor".starts_with(target)));
    }
}
