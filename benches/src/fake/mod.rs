//! An in-process fake of the AWS calls rootward makes, plugged in as the SDK's HTTP client.
//!
//! It responds to `sts:GetCallerIdentity`, `sts:AssumeRoot`, `organizations:DescribeOrganization`,
//! `organizations:ListAccounts` (pages of at most 20), `iam:ListOrganizationsFeatures` and the
//! IAM calls on a root user. Every answer comes after a fixed latency, and an optional limit on
//! requests per second across all callers answers the service's throttling error above it. No
//! request leaves the process.

mod root_user;
mod timer;
mod wire;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::date_time::{DateTime, Format};

use self::root_user::{ChangeTable, RootUser, FIRST_ACCOUNT_BASE, MANAGEMENT_ACCOUNT_ID};
use self::timer::Timer;
pub(crate) use self::timer::THREAD_NAME as TIMER_THREAD;
use self::wire::{Reply, IAM_NAMESPACE, STS_NAMESPACE};

/// The organization every fake account belongs to.
const ORGANIZATION_ID: &str = "o-benchmark001";

/// The largest `ListAccounts` page, as in AWS.
pub(crate) const LIST_ACCOUNTS_PAGE: u64 = 20;

/// The share of a second's requests that the rate limit lets through at once.
const BURST_SECONDS: f64 = 0.1;

/// The fake's settings.
#[derive(Debug, Clone)]
pub(crate) struct FakeOptions {
    /// Member accounts in the organization.
    pub(crate) accounts: u64,
    /// The time from a request to its response.
    pub(crate) latency: Duration,
    /// Requests per second the fake accepts from all callers together; `None` for no limit.
    pub(crate) rate_limit: Option<u32>,
}

/// Counts of the fake's responses.
#[derive(Debug, Default)]
pub(crate) struct FakeStats {
    /// Every request, throttled ones included.
    pub(crate) requests: AtomicU64,
    /// Requests that got the throttling error.
    pub(crate) throttled: AtomicU64,
    /// The sum of the responses' latencies, in nanoseconds.
    latency_nanos: AtomicU64,
}

impl FakeStats {
    /// Returns the mean time from request to response.
    pub(crate) fn mean_latency(&self) -> Duration {
        let requests = self.requests.load(Ordering::Relaxed).max(1);
        Duration::from_nanos(self.latency_nanos.load(Ordering::Relaxed) / requests)
    }
}

/// The fake, as an HTTP client for `AwsOptions::http_client`.
#[derive(Debug, Clone)]
pub(crate) struct FakeAws {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    options: FakeOptions,
    limit: Option<Mutex<Admission>>,
    changes: ChangeTable,
    stats: FakeStats,
    timer: Timer,
}

/// The rate limit as a token bucket in virtual-scheduling form (GCRA) that rejects instead of
/// delaying.
#[derive(Debug)]
struct Admission {
    interval: Duration,
    tolerance: Duration,
    next: Instant,
}

impl Admission {
    fn new(requests_per_second: u32) -> Self {
        let rate = f64::from(requests_per_second.max(1));
        let interval = Duration::from_secs_f64(1.0 / rate);
        let burst = (rate * BURST_SECONDS).floor().max(1.0);
        Self {
            interval,
            tolerance: interval.mul_f64(burst - 1.0),
            next: Instant::now(),
        }
    }

    fn admit(&mut self, now: Instant) -> bool {
        let allowed = self.next.checked_sub(self.tolerance).unwrap_or(now);
        if now < allowed {
            return false;
        }
        self.next = self.next.max(now) + self.interval;
        true
    }
}

impl FakeAws {
    /// Creates the fake.
    pub(crate) fn new(options: FakeOptions) -> Self {
        let limit = options
            .rate_limit
            .map(|rate| Mutex::new(Admission::new(rate)));
        Self {
            inner: Arc::new(Inner {
                options,
                limit,
                changes: ChangeTable::new(),
                stats: FakeStats::default(),
                timer: Timer::start(),
            }),
        }
    }

    /// Returns the counts of the fake's responses so far.
    pub(crate) fn stats(&self) -> &FakeStats {
        &self.inner.stats
    }
}

impl HttpClient for FakeAws {
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

impl HttpConnector for FakeAws {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let arrival = Instant::now();
        let reply = self.inner.answer(&request, arrival);
        let inner = Arc::clone(&self.inner);
        let answered = self.inner.timer.until(arrival + self.inner.options.latency);
        HttpConnectorFuture::new(async move {
            answered.await;
            let waited = u64::try_from(arrival.elapsed().as_nanos()).unwrap_or(u64::MAX);
            inner
                .stats
                .latency_nanos
                .fetch_add(waited, Ordering::Relaxed);
            Ok(reply.into_http())
        })
    }
}

/// The parts of a request the fake reads.
struct Call<'a> {
    action: String,
    form: Vec<(String, String)>,
    json: Option<serde_json::Value>,
    access_key: &'a str,
}

impl Call<'_> {
    fn param(&self, name: &str) -> Option<String> {
        self.form
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    }
}

fn parse(request: &HttpRequest) -> Call<'_> {
    let body = request.body().bytes().unwrap_or_default();
    let access_key = request
        .headers()
        .get("authorization")
        .and_then(|value| value.split("Credential=").nth(1))
        .and_then(|credential| credential.split('/').next())
        .unwrap_or_default();
    if let Some(target) = request.headers().get("x-amz-target") {
        return Call {
            action: target.rsplit('.').next().unwrap_or_default().to_owned(),
            form: Vec::new(),
            json: serde_json::from_slice(body).ok(),
            access_key,
        };
    }
    let form: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
    let action = form
        .iter()
        .find(|(key, _)| key == "Action")
        .map(|(_, value)| value.clone())
        .unwrap_or_default();
    Call {
        action,
        form,
        json: None,
        access_key,
    }
}

/// Returns the account and task of a root session's access key: `ASIA`, the 12-digit account ID, then
/// `AUDT` or `DELE`.
fn session_of(access_key: &str) -> Option<(u64, &str)> {
    let rest = access_key.strip_prefix("ASIA")?;
    let (account, task) = rest.split_at_checked(12)?;
    Some((account.parse().ok()?, task))
}

impl Inner {
    fn answer(&self, request: &HttpRequest, now: Instant) -> Reply {
        self.stats.requests.fetch_add(1, Ordering::Relaxed);
        let call = parse(request);
        let organizations = call.json.is_some();

        if let Some(limit) = &self.limit {
            let admitted = limit
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .admit(now);
            if !admitted {
                self.stats.throttled.fetch_add(1, Ordering::Relaxed);
                return throttled(organizations, &call.action);
            }
        }

        if organizations {
            return self.organizations(&call);
        }
        match call.action.as_str() {
            "GetCallerIdentity" => Reply::query(
                STS_NAMESPACE,
                "GetCallerIdentity",
                &format!(
                    "<Arn>arn:aws:iam::{MANAGEMENT_ACCOUNT_ID}:user/benchmark</Arn><UserId>AIDABENCHMARK0000000</UserId><Account>{MANAGEMENT_ACCOUNT_ID}</Account>"
                ),
            ),
            "AssumeRoot" => self.assume_root(&call),
            "ListOrganizationsFeatures" => Reply::query(
                IAM_NAMESPACE,
                "ListOrganizationsFeatures",
                &format!(
                    "<OrganizationId>{ORGANIZATION_ID}</OrganizationId><EnabledFeatures><member>RootCredentialsManagement</member><member>RootSessions</member></EnabledFeatures>"
                ),
            ),
            action => self.root_user_call(&call, action),
        }
    }

    fn organizations(&self, call: &Call<'_>) -> Reply {
        match call.action.as_str() {
            "DescribeOrganization" => Reply::json(format!(
                "{{\"Organization\":{{\"Id\":\"{ORGANIZATION_ID}\",\"Arn\":\"arn:aws:organizations::{MANAGEMENT_ACCOUNT_ID}:organization/{ORGANIZATION_ID}\",\"FeatureSet\":\"ALL\",\"MasterAccountArn\":\"arn:aws:organizations::{MANAGEMENT_ACCOUNT_ID}:account/{ORGANIZATION_ID}/{MANAGEMENT_ACCOUNT_ID}\",\"MasterAccountId\":\"{MANAGEMENT_ACCOUNT_ID}\",\"MasterAccountEmail\":\"management@example.com\"}}}}"
            )),
            "ListAccounts" => self.list_accounts(call),
            action => Reply::json_error(
                400,
                "AccessDeniedException",
                &format!("the fake does not answer organizations:{action}"),
            ),
        }
    }

    fn list_accounts(&self, call: &Call<'_>) -> Reply {
        let json = call.json.as_ref();
        let page = json
            .and_then(|json| json.get("MaxResults"))
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(LIST_ACCOUNTS_PAGE)
            .clamp(1, LIST_ACCOUNTS_PAGE);
        let start = json
            .and_then(|json| json.get("NextToken"))
            .and_then(serde_json::Value::as_str)
            .and_then(|token| token.parse::<u64>().ok())
            .unwrap_or(1);
        let end = (start + page).min(self.options.accounts + 1);

        let mut accounts = Vec::with_capacity(page as usize);
        for number in start..end {
            let id = FIRST_ACCOUNT_BASE + number;
            accounts.push(format!(
                "{{\"Id\":\"{id}\",\"Arn\":\"arn:aws:organizations::{MANAGEMENT_ACCOUNT_ID}:account/{ORGANIZATION_ID}/{id}\",\"Email\":\"member-{number}@example.com\",\"Name\":\"member {number}\",\"Status\":\"ACTIVE\",\"State\":\"ACTIVE\",\"JoinedMethod\":\"CREATED\",\"JoinedTimestamp\":1.6E9}}"
            ));
        }
        let next = if end <= self.options.accounts {
            format!(",\"NextToken\":\"{end}\"")
        } else {
            String::new()
        };
        Reply::json(format!("{{\"Accounts\":[{}]{next}}}", accounts.join(",")))
    }

    fn assume_root(&self, call: &Call<'_>) -> Reply {
        let target = call.param("TargetPrincipal").unwrap_or_default();
        let policy = call.param("TaskPolicyArn.arn").unwrap_or_default();
        let task = if policy.ends_with("root-task/IAMAuditRootUserCredentials") {
            "AUDT"
        } else if policy.ends_with("root-task/IAMDeleteRootUserCredentials") {
            "DELE"
        } else {
            return Reply::query_error(
                STS_NAMESPACE,
                400,
                "ValidationError",
                "the fake starts root sessions only for the audit and delete task policies",
            );
        };
        let member = target
            .parse::<u64>()
            .ok()
            .and_then(|id| id.checked_sub(FIRST_ACCOUNT_BASE))
            .is_some_and(|number| (1..=self.options.accounts).contains(&number));
        if !member || target.len() != 12 {
            return Reply::query_error(
                STS_NAMESPACE,
                403,
                "AccessDenied",
                "the target is not a member account of the organization",
            );
        }
        let seconds: u64 = call
            .param("DurationSeconds")
            .and_then(|value| value.parse().ok())
            .unwrap_or(900);
        let expiration = DateTime::from(SystemTime::now() + Duration::from_secs(seconds))
            .fmt(Format::DateTime)
            .unwrap_or_default();
        Reply::query(
            STS_NAMESPACE,
            "AssumeRoot",
            &format!(
                "<Credentials><AccessKeyId>ASIA{target}{task}</AccessKeyId><SecretAccessKey>benchmark-root-session-secret</SecretAccessKey><SessionToken>{token}</SessionToken><Expiration>{expiration}</Expiration></Credentials><SourceIdentity>benchmark</SourceIdentity>",
                token = "FwoGZXIvYXdzEBenchmarkSessionToken".repeat(10),
            ),
        )
    }

    fn root_user_call(&self, call: &Call<'_>, action: &str) -> Reply {
        let Some((account_id, task)) = session_of(call.access_key) else {
            return Reply::query_error(
                IAM_NAMESPACE,
                403,
                "AccessDenied",
                &format!("the fake answers iam:{action} only in a root session"),
            );
        };
        if !task_policy_allows(task, action) {
            return Reply::query_error(
                IAM_NAMESPACE,
                403,
                "AccessDenied",
                &format!("iam:{action} is outside the session's task policy"),
            );
        }
        let number = account_id - FIRST_ACCOUNT_BASE;
        RootUser::new(number, &self.changes).answer(action, |name| call.param(name))
    }
}

/// Reports whether a task policy allows an IAM action, as AWS's managed policies list them.
fn task_policy_allows(task: &str, action: &str) -> bool {
    const READS: [&str; 6] = [
        "GetLoginProfile",
        "ListAccessKeys",
        "GetAccessKeyLastUsed",
        "ListSigningCertificates",
        "ListMFADevices",
        "GetUser",
    ];
    const DELETES: [&str; 5] = [
        "DeleteLoginProfile",
        "DeleteAccessKey",
        "DeleteSigningCertificate",
        "DeactivateMFADevice",
        "DeleteVirtualMFADevice",
    ];
    match task {
        "AUDT" => READS.contains(&action) || action == "GetAccountSummary",
        "DELE" => READS.contains(&action) || DELETES.contains(&action),
        _ => false,
    }
}

fn throttled(organizations: bool, action: &str) -> Reply {
    if organizations {
        Reply::json_error(
            400,
            "TooManyRequestsException",
            "You have sent too many requests in too short a period of time.",
        )
    } else {
        let namespace = if matches!(action, "AssumeRoot" | "GetCallerIdentity") {
            STS_NAMESPACE
        } else {
            IAM_NAMESPACE
        };
        Reply::query_error(namespace, 400, "Throttling", "Rate exceeded")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admission_rejects_above_rate() {
        let mut admission = Admission::new(100);
        let start = Instant::now();
        let admitted = (0..50).filter(|_| admission.admit(start)).count();
        assert_eq!(admitted, 10, "a burst of a tenth of a second's worth");

        // A tenth of a second later, the bucket has refilled by ten requests.
        let later = start + Duration::from_millis(100);
        let admitted = (0..50).filter(|_| admission.admit(later)).count();
        assert_eq!(admitted, 10);
    }

    #[test]
    fn session_key_names_account_and_task() {
        assert_eq!(
            session_of("ASIA200000000042DELE"),
            Some((200_000_000_042, "DELE"))
        );
        assert_eq!(session_of("AKIAEMULATORMANAGER1"), None);
    }
}
