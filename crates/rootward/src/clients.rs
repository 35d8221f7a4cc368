//! The AWS clients a run needs, loaded through aws-config's standard chain.

use std::time::Duration;

use aws_config::default_provider::region::DefaultRegionChain;
use aws_config::meta::region::RegionProviderChain;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponentsBuilder;
use aws_smithy_runtime_api::client::runtime_plugin::RuntimePlugin;

use crate::error::{Error, Result};
use crate::partition::{validate_region, Partition, DEFAULT_REGION};
use crate::rate_limit::RateControl;

/// The default number of attempts per request, retries included.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 8;

/// Where and how to reach AWS. Unset fields fall back to aws-config's standard chain
/// (`AWS_PROFILE`, `AWS_REGION`, `AWS_ENDPOINT_URL`, SSO, IMDS …).
#[derive(Debug, Clone)]
pub struct AwsOptions {
    /// A named profile from the shared AWS configuration files.
    pub profile: Option<String>,
    /// The region; `us-east-1` when neither this nor the configuration names one.
    pub region: Option<String>,
    /// A custom endpoint for every service, such as a local emulator.
    pub endpoint_url: Option<String>,
    /// Attempts per request, retries included (the SDK's standard retry with jittered backoff).
    pub max_attempts: u32,
    /// A cap on requests per second across every client and root session of the run, retries
    /// included; `None` for no cap. Use it when other automation shares the organization's
    /// API quotas.
    pub max_rps: Option<u32>,
    /// The HTTP client every AWS client sends through; `None` for the SDK's default HTTPS
    /// client. Tests and benchmarks put an in-process fake here.
    pub http_client: Option<SharedHttpClient>,
}

impl Default for AwsOptions {
    fn default() -> Self {
        Self {
            profile: None,
            region: None,
            endpoint_url: None,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            max_rps: None,
            http_client: None,
        }
    }
}

/// The STS, IAM and Organizations clients of the calling principal.
///
/// Root sessions derive their own IAM (and S3, SQS) clients from these, so settings such as
/// the endpoint, retries and timeouts carry over.
#[derive(Debug, Clone)]
pub struct Clients {
    pub(crate) sts: aws_sdk_sts::Client,
    pub(crate) iam: aws_sdk_iam::Client,
    pub(crate) organizations: aws_sdk_organizations::Client,
    #[cfg(feature = "s3")]
    pub(crate) s3: aws_sdk_s3::Client,
    #[cfg(feature = "sqs")]
    pub(crate) sqs: aws_sdk_sqs::Client,
    region: String,
}

impl Clients {
    /// Loads the configuration and builds the clients.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a malformed region, `aws-global`, a global STS endpoint, a
    /// `max_attempts` of zero or a `max_rps` of zero.
    pub async fn load(options: &AwsOptions) -> Result<Self> {
        if options.max_attempts == 0 {
            return Err(Error::invalid(
                "invalid --max-attempts 0: a request needs at least 1 attempt",
            ));
        }
        if options.max_rps == Some(0) {
            return Err(Error::invalid(
                "invalid --max-rps 0: the cap must allow at least 1 request per second; leave --max-rps out for no cap",
            ));
        }
        if let Some(region) = &options.region {
            validate_region(region)?;
        }
        if let Some(url) = &options.endpoint_url {
            check_endpoint_url(url)?;
        }

        let mut region_chain = DefaultRegionChain::builder();
        if let Some(profile) = &options.profile {
            region_chain = region_chain.profile_name(profile);
        }
        let region_provider =
            RegionProviderChain::first_try(options.region.clone().map(Region::new))
                .or_else(region_chain.build())
                .or_else(Region::from_static(DEFAULT_REGION));

        let retry = RetryConfig::standard()
            .with_max_attempts(options.max_attempts)
            .with_initial_backoff(Duration::from_millis(100))
            .with_max_backoff(Duration::from_secs(10));
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(region_provider)
            .retry_config(retry)
            .timeout_config(timeouts());
        if let Some(profile) = &options.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(url) = &options.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        // Every client and every root session sends through this HTTP client and reports to
        // this observer, so one send rate covers the whole run.
        let rate_control = RateControl::new(options.max_rps);
        let inner = match &options.http_client {
            Some(client) => client.clone(),
            None => default_http_client()?,
        };
        loader = loader.http_client(rate_control.wrap(inner));
        let config = loader.load().await;

        let region = config
            .region()
            .map(|region| region.as_ref().to_owned())
            .unwrap_or_else(|| DEFAULT_REGION.to_owned());
        validate_region(&region)?;
        if let Some(url) = config.endpoint_url() {
            check_endpoint_url(url)?;
        }

        Ok(Self {
            sts: aws_sdk_sts::Client::from_conf(
                aws_sdk_sts::config::Builder::from(&config)
                    .interceptor(rate_control.observer())
                    .build(),
            ),
            iam: aws_sdk_iam::Client::from_conf(
                aws_sdk_iam::config::Builder::from(&config)
                    .interceptor(rate_control.observer())
                    .build(),
            ),
            organizations: aws_sdk_organizations::Client::from_conf(
                aws_sdk_organizations::config::Builder::from(&config)
                    .interceptor(rate_control.observer())
                    .build(),
            ),
            #[cfg(feature = "s3")]
            s3: aws_sdk_s3::Client::from_conf(
                aws_sdk_s3::config::Builder::from(&config)
                    .force_path_style(true)
                    .interceptor(rate_control.observer())
                    .build(),
            ),
            #[cfg(feature = "sqs")]
            sqs: aws_sdk_sqs::Client::from_conf(
                aws_sdk_sqs::config::Builder::from(&config)
                    .interceptor(rate_control.observer())
                    .build(),
            ),
            region,
        })
    }

    /// Builds from clients the caller configured, such as mocked clients in tests.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a malformed region.
    pub fn from_clients(
        sts: aws_sdk_sts::Client,
        iam: aws_sdk_iam::Client,
        organizations: aws_sdk_organizations::Client,
        region: impl Into<String>,
    ) -> Result<Self> {
        let region = region.into();
        validate_region(&region)?;
        Ok(Self {
            #[cfg(feature = "s3")]
            s3: aws_sdk_s3::Client::from_conf(
                aws_sdk_s3::Config::builder()
                    .behavior_version(BehaviorVersion::latest())
                    .region(Region::new(region.clone()))
                    .build(),
            ),
            #[cfg(feature = "sqs")]
            sqs: aws_sdk_sqs::Client::from_conf(
                aws_sdk_sqs::Config::builder()
                    .behavior_version(BehaviorVersion::latest())
                    .region(Region::new(region.clone()))
                    .build(),
            ),
            sts,
            iam,
            organizations,
            region,
        })
    }

    /// The region every client uses.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The partition of the region, which every ARN uses.
    pub fn partition(&self) -> Partition {
        Partition::for_region(&self.region)
    }
}

/// Builds the timeouts of every request: 5 s to connect and 30 s for the response to start.
///
/// An attempt may first wait for its send time (see [`RateControl`]), and a limit on the
/// whole attempt would count that wait. So only the connection and the response are bounded,
/// and the SDK's stalled-stream protection covers a response body that stops arriving.
fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5))
        .read_timeout(Duration::from_secs(30))
        .build()
}

/// Builds the SDK's default HTTPS client the way the SDK does, so that it can be wrapped.
fn default_http_client() -> Result<SharedHttpClient> {
    let plugin = aws_smithy_runtime::client::defaults::default_http_client_plugin_v2(
        BehaviorVersion::latest(),
    );
    plugin
        .and_then(|plugin| {
            plugin
                .runtime_components(&RuntimeComponentsBuilder::new("rootward"))
                .http_client()
        })
        .ok_or_else(|| {
            Error::invalid(
                "this build of rootward has no HTTPS client; build it with the SDK's default TLS feature",
            )
        })
}

/// Rejects the global STS endpoint, which returns `InvalidAction` for `sts:AssumeRoot`.
fn check_endpoint_url(url: &str) -> Result<()> {
    let host = url
        .split("://")
        .nth(1)
        .unwrap_or(url)
        .split(['/', ':'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if host == "sts.amazonaws.com" {
        return Err(Error::invalid(format!(
            "endpoint {url} is the global STS endpoint, which does not offer sts:AssumeRoot; use a regional endpoint such as https://sts.us-east-1.amazonaws.com or leave --endpoint-url unset"
        )));
    }
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(Error::invalid(format!(
            "invalid endpoint URL {url:?}: expected an http:// or https:// URL"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_sts_endpoint_rejected() {
        let error = check_endpoint_url("https://sts.amazonaws.com").unwrap_err();
        assert!(error.to_string().contains("global STS endpoint"));
        assert!(check_endpoint_url("https://sts.us-east-1.amazonaws.com").is_ok());
        assert!(check_endpoint_url("http://127.0.0.1:5000").is_ok());
        assert!(check_endpoint_url("127.0.0.1:5000").is_err());
    }
}
