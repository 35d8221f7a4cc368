//! One throughput run: rootward's library against the in-process fake, timed from loading the
//! clients to the last outcome written to the report.

use std::time::{Duration, Instant};

use aws_smithy_runtime_api::client::http::SharedHttpClient;
use rootward::{
    AuditRootCredentials, AwsOptions, Clients, DeleteRootCredentials, RunOptions, Status, Task,
};

use crate::fake::{FakeAws, FakeOptions, LIST_ACCOUNTS_PAGE, TIMER_THREAD};
use crate::process_stats;

/// The task a run performs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum TaskKind {
    /// `AuditRootCredentials`.
    Audit,
    /// `DeleteRootCredentials` with changes made.
    Delete,
}

impl TaskKind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Audit => "audit",
            Self::Delete => "delete",
        }
    }

    /// Returns the minimum number of sequential round trips one account needs. Audit: session; reads; last use of
    /// the access keys. Delete: session; reads; deletes; virtual MFA delete; confirming read.
    fn round_trips(self) -> u64 {
        match self {
            Self::Audit => 3,
            Self::Delete => 5,
        }
    }

    /// Counts the requests one account of the workload needs, with no retry.
    fn requests_per_account(self) -> u64 {
        match self {
            // AssumeRoot; GetLoginProfile, ListAccessKeys, ListSigningCertificates,
            // ListMFADevices, GetUser, GetAccountSummary; GetAccessKeyLastUsed twice.
            Self::Audit => 9,
            // AssumeRoot; four reads; DeleteLoginProfile, DeleteAccessKey twice,
            // DeleteSigningCertificate, DeactivateMFADevice; DeleteVirtualMFADevice; four reads.
            Self::Delete => 15,
        }
    }
}

/// The settings of one throughput run.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct RunSpec {
    /// The task.
    #[arg(long, value_enum)]
    pub(crate) task: TaskKind,
    /// Member accounts in the fake organization.
    #[arg(long)]
    pub(crate) accounts: u64,
    /// Accounts in flight at once.
    #[arg(long, default_value_t = 64)]
    pub(crate) concurrency: usize,
    /// The fake's mean latency per request, in milliseconds.
    #[arg(long, default_value_t = 20)]
    pub(crate) latency_ms: u64,
    /// The fake's limit on requests per second from all callers together (default: none).
    #[arg(long)]
    pub(crate) rate_limit: Option<u32>,
    /// rootward's own cap on requests per second (default: none).
    #[arg(long)]
    pub(crate) max_rps: Option<u32>,
    /// The suffix of every figure's name.
    #[arg(long)]
    pub(crate) label: String,
}

impl RunSpec {
    fn latency(&self) -> Duration {
        Duration::from_millis(self.latency_ms)
    }

    /// Counts the minimum number of requests of the run: the preflight's three, the
    /// `ListAccounts` pages and each account's requests.
    fn minimum_requests(&self) -> u64 {
        3 + self.accounts.div_ceil(LIST_ACCOUNTS_PAGE)
            + self.accounts * self.task.requests_per_account()
    }

    /// Returns the shortest possible run time: `max(⌈N/C⌉ · P · L, ⌈N/20⌉ · L)`, and with a rate limit R at
    /// least (all requests) / R.
    pub(crate) fn t_min(&self) -> Duration {
        let concurrency = self.concurrency.max(1) as u64;
        let rounds = self.accounts.div_ceil(concurrency) * self.task.round_trips();
        let pages = self.accounts.div_ceil(LIST_ACCOUNTS_PAGE);
        let latency_bound = self.latency() * u32::try_from(rounds.max(pages)).unwrap_or(u32::MAX);
        match self.rate_limit {
            Some(rate) => {
                let rate_bound =
                    Duration::from_secs_f64(self.minimum_requests() as f64 / f64::from(rate));
                latency_bound.max(rate_bound)
            }
            None => latency_bound,
        }
    }
}

/// Runs one benchmark in this process and prints its figures as `name=value` lines.
pub(crate) fn run(spec: &RunSpec) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| format!("could not start the async runtime: {error}"))?;
    let folder = tempfile::tempdir().map_err(|error| format!("no temporary folder: {error}"))?;
    let report = folder.path().join("report.csv");

    let fake = FakeAws::new(FakeOptions {
        accounts: spec.accounts,
        latency: spec.latency(),
        rate_limit: spec.rate_limit,
    });
    let load = process_stats::load_average();
    let cpu_before = process_stats::cpu_time();
    let clock = Instant::now();
    let tally = runtime.block_on(drive(spec, fake.clone(), report))?;
    let elapsed = clock.elapsed();
    // The fake's timer thread is not rootward's work; the rest of the fake runs on the same
    // threads as rootward and stays in.
    let cpu = process_stats::cpu_time()
        .saturating_sub(cpu_before)
        .saturating_sub(process_stats::thread_cpu_time(TIMER_THREAD));
    drop(runtime);

    let label = &spec.label;
    let t_min = spec.t_min();
    let stats = fake.stats();
    let accounts = spec.accounts.max(1) as f64;
    // A run that left work undone achieved nothing, whatever its speed.
    let ratio = if tally.not_done == 0 {
        t_min.as_secs_f64() / elapsed.as_secs_f64()
    } else {
        0.0
    };
    println!("ideal_ratio_{label}={ratio:.3}");
    println!("seconds_{label}={:.2}", elapsed.as_secs_f64());
    println!("t_min_seconds_{label}={:.2}", t_min.as_secs_f64());
    println!(
        "cpu_ms_per_account_{label}={:.3}",
        cpu.as_secs_f64() * 1000.0 / accounts
    );
    println!(
        "peak_rss_mib_{label}={:.1}",
        process_stats::peak_rss_bytes() as f64 / (1024.0 * 1024.0)
    );
    println!(
        "requests_{label}={}",
        stats.requests.load(std::sync::atomic::Ordering::Relaxed)
    );
    println!(
        "throttled_{label}={}",
        stats.throttled.load(std::sync::atomic::Ordering::Relaxed)
    );
    println!(
        "fake_latency_ms_{label}={:.2}",
        stats.mean_latency().as_secs_f64() * 1000.0
    );
    println!("not_done_{label}={}", tally.not_done);
    println!("load_average_before_{label}={load:.2}");
    if tally.outcomes != spec.accounts {
        return Err(format!(
            "{label}: {} outcomes for {} accounts",
            tally.outcomes, spec.accounts
        ));
    }
    Ok(())
}

/// Counts of the run's outcomes.
struct Tally {
    outcomes: u64,
    not_done: u64,
}

async fn drive(spec: &RunSpec, fake: FakeAws, report: std::path::PathBuf) -> Result<Tally, String> {
    let clients = Clients::load(&AwsOptions {
        region: Some("us-east-1".to_owned()),
        // Every request goes to the fake; the loopback address only keeps the endpoint off AWS.
        endpoint_url: Some("http://127.0.0.1:9".to_owned()),
        max_rps: spec.max_rps,
        http_client: Some(SharedHttpClient::new(fake)),
        ..AwsOptions::default()
    })
    .await
    .map_err(|error| error.to_string())?;
    let options = RunOptions {
        concurrency: spec.concurrency,
        report: Some(report),
        ..RunOptions::default()
    };
    match spec.task {
        TaskKind::Audit => outcomes(clients, AuditRootCredentials, options).await,
        TaskKind::Delete => outcomes(clients, DeleteRootCredentials::execute(), options).await,
    }
}

async fn outcomes<T: Task>(
    clients: Clients,
    task: T,
    options: RunOptions,
) -> Result<Tally, String> {
    let mut run = rootward::start(clients, task, options)
        .await
        .map_err(|error| error.to_string())?;
    let mut tally = Tally {
        outcomes: 0,
        not_done: 0,
    };
    while let Some(outcome) = run.next().await {
        let outcome = outcome.map_err(|error| error.to_string())?;
        tally.outcomes += 1;
        if outcome.status != Status::Done {
            tally.not_done += 1;
            if tally.not_done <= 3 {
                eprintln!(
                    "account {} ended {}: {:?}",
                    outcome.account.id,
                    outcome.status,
                    outcome.failure_messages()
                );
            }
        }
    }
    Ok(tally)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(task: TaskKind, accounts: u64, rate_limit: Option<u32>) -> RunSpec {
        RunSpec {
            task,
            accounts,
            concurrency: 64,
            latency_ms: 20,
            rate_limit,
            max_rps: None,
            label: String::new(),
        }
    }

    #[test]
    fn t_min_follows_the_formula() {
        // Audit of 10,000: listing (500 pages) outlasts 157 rounds of 3 round trips.
        assert_eq!(
            spec(TaskKind::Audit, 10_000, None).t_min(),
            Duration::from_secs(10)
        );
        // Delete of 10,000: 157 rounds of 5 round trips.
        assert_eq!(
            spec(TaskKind::Delete, 10_000, None).t_min(),
            Duration::from_millis(15_700)
        );
        // Delete of 1,000 at 200 requests per second: 3 + 50 + 15,000 requests.
        assert_eq!(
            spec(TaskKind::Delete, 1_000, Some(200)).t_min(),
            Duration::from_secs_f64(15_053.0 / 200.0)
        );
    }
}
