//! The filter that keeps root credentials out of logs, for fronts that install a subscriber.
//!
//! At `trace` level the SDK's signer logs the canonical request, which contains the
//! `x-amz-security-token` header (a root session token), and the SDK's orchestrator logs raw
//! requests and responses (an `AssumeRoot` response carries the secret key). Every front (CLI,
//! Python, C) installs its subscriber with [`is_safe`] as a filter, so whatever `RUST_LOG`
//! requests, those targets stay at `debug` or below.

use tracing::{Level, Metadata};

/// Targets whose `trace` events may print request or response headers and bodies.
pub const GUARDED_TARGETS: &[&str] = &[
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

/// Targets whose `debug` events print the request's identity properties, which include the
/// session's access key ID (aws-smithy-runtime 1.16 logs the endpoint parameters this way).
pub const DEBUG_GUARDED_TARGETS: &[&str] = &[
    "aws_smithy_runtime::client::orchestrator",
    "aws_smithy_runtime::client::identity",
    "aws_smithy_runtime_api",
    "aws_credential_types",
    "aws_config",
];

/// Reports whether an event or span may be logged: `trace` only outside [`GUARDED_TARGETS`],
/// and `debug` only outside [`DEBUG_GUARDED_TARGETS`].
pub fn is_safe(metadata: &Metadata<'_>) -> bool {
    let level = *metadata.level();
    let target = metadata.target();
    if level == Level::TRACE && is_guarded_target(target) {
        return false;
    }
    !(level == Level::DEBUG
        && DEBUG_GUARDED_TARGETS
            .iter()
            .any(|prefix| target.starts_with(prefix)))
}

/// Reports whether `target` is one whose `trace` events may carry credentials.
pub fn is_guarded_target(target: &str) -> bool {
    GUARDED_TARGETS
        .iter()
        .any(|prefix| target.starts_with(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signer_and_orchestrator_are_guarded() {
        assert!(is_guarded_target("aws_sigv4::http_request::sign"));
        assert!(is_guarded_target(
            "aws_smithy_runtime::client::orchestrator"
        ));
        assert!(is_guarded_target("aws_sdk_sts::operation::assume_root"));
        assert!(!is_guarded_target("rootward::executor"));
    }
}
