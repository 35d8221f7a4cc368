//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use rootward::{AccountId, OuId};

/// Audit and remove AWS member-account root credentials across an organization, through
/// sts:AssumeRoot sessions scoped by AWS managed task policies.
#[derive(Debug, Parser)]
#[command(name = "rootward", version, propagate_version = true)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) aws: AwsArgs,

    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Where and how to reach AWS.
#[derive(Debug, Args)]
pub(crate) struct AwsArgs {
    /// Named profile from the shared AWS configuration files (default: AWS_PROFILE or the default chain).
    #[arg(long, global = true, value_name = "NAME")]
    pub(crate) profile: Option<String>,

    /// AWS region for STS, IAM and Organizations (default: the configured region, else us-east-1).
    #[arg(long, global = true, value_name = "REGION")]
    pub(crate) region: Option<String>,

    /// Send every AWS request to this endpoint, such as a local emulator (default: AWS_ENDPOINT_URL or AWS).
    #[arg(long, global = true, value_name = "URL")]
    pub(crate) endpoint_url: Option<String>,

    /// Attempts per AWS request, retries with jittered backoff included.
    #[arg(long, global = true, value_name = "N", default_value_t = rootward::clients::DEFAULT_MAX_ATTEMPTS,
          value_parser = clap::value_parser!(u32).range(1..=20))]
    pub(crate) max_attempts: u32,

    /// Cap on AWS requests per second across all accounts, retries included (default: no cap). Use it when other automation shares the organization's API quotas.
    #[arg(long, global = true, value_name = "N", value_parser = parse_max_rps)]
    pub(crate) max_rps: Option<u32>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Report every root credential (password, access keys, signing certificates, MFA devices) of the selected member accounts.
    Audit(RunArgs),

    /// Remove the root credentials of the selected member accounts. Plans unless --execute is given.
    DeleteCredentials(DeleteArgs),

    /// Make root password recovery possible in the selected accounts (a login profile without a password). Plans unless --execute is given.
    CreatePassword(ChangeArgs),

    /// Show the policy of an S3 bucket that locks everyone out, and delete it with --execute.
    UnlockS3(UnlockS3Args),

    /// Show the policy of an SQS queue that locks everyone out, and remove it with --execute (other queue attributes stay).
    UnlockSqs(UnlockSqsArgs),

    /// Show whether the organization is set up for centralized root access, and what is missing.
    Status(crate::setup::StatusArgs),

    /// Turn on trusted access for IAM and the root access features. Plans unless --execute is given.
    Enable(crate::setup::EnableArgs),

    /// Turn off the root access features (and, if asked, trusted access or the delegated administrator). Plans unless --execute is given.
    Disable(crate::setup::DisableArgs),

    /// Print the caller-side IAM policy and the SCP statement for root sessions, as JSON.
    Policy(crate::setup::PolicyArgs),
}

/// A run that changes something: plans unless --execute is given.
#[derive(Debug, Args)]
pub(crate) struct ChangeArgs {
    #[command(flatten)]
    pub(crate) run: RunArgs,

    /// Make the change. Without it, the command only plans.
    #[arg(long)]
    pub(crate) execute: bool,
}

/// The target of an unlock: one member account.
#[derive(Debug, Args)]
pub(crate) struct UnlockArgs {
    /// The member account that owns the resource.
    #[arg(long, value_name = "ID", value_parser = parse_account_id)]
    pub(crate) account: AccountId,

    /// Make the change. Without it, the command only shows the current policy.
    #[arg(long)]
    pub(crate) execute: bool,

    /// Write a report to FILE: CSV for .csv, JSON Lines for .jsonl, .ndjson or .json. It keeps the removed policy, so the change can be undone by hand.
    #[arg(long, value_name = "FILE")]
    pub(crate) report: Option<PathBuf>,

    /// Root session length in seconds (1 to 900).
    #[arg(long, value_name = "SECONDS", default_value_t = 300,
          value_parser = clap::value_parser!(u64).range(1..=900))]
    pub(crate) duration: u64,
}

#[derive(Debug, Args)]
pub(crate) struct UnlockS3Args {
    #[command(flatten)]
    pub(crate) target: UnlockArgs,

    /// The bucket whose policy to remove.
    #[arg(long, value_name = "NAME")]
    pub(crate) bucket: String,
}

#[derive(Debug, Args)]
pub(crate) struct UnlockSqsArgs {
    #[command(flatten)]
    pub(crate) target: UnlockArgs,

    /// The URL of the queue whose policy to remove.
    #[arg(long, value_name = "URL")]
    pub(crate) queue_url: String,
}

/// Which accounts to act on.
#[derive(Debug, Args)]
pub(crate) struct SelectionArgs {
    /// Member account IDs to target, comma-separated or repeated (default: every account).
    #[arg(long, value_name = "IDS", value_delimiter = ',', value_parser = parse_account_id)]
    pub(crate) accounts: Vec<AccountId>,

    /// File of member account IDs to target: one per line or comma-separated; `#` starts a comment.
    #[arg(long, value_name = "FILE")]
    pub(crate) accounts_file: Option<PathBuf>,

    /// Account IDs to leave out, comma-separated or repeated. Exclusion wins over targets.
    #[arg(long, value_name = "IDS", value_delimiter = ',', value_parser = parse_account_id)]
    pub(crate) exclude: Vec<AccountId>,

    /// OU or root IDs whose accounts (nested OUs included) to target, comma-separated or repeated.
    #[arg(long, value_name = "OU_IDS", value_delimiter = ',', value_parser = parse_ou_id)]
    pub(crate) ou: Vec<OuId>,

    /// OU IDs whose accounts (nested OUs included) to leave out. Exclusion wins over targets.
    #[arg(long, value_name = "OU_IDS", value_delimiter = ',', value_parser = parse_ou_id)]
    pub(crate) exclude_ou: Vec<OuId>,
}

/// How a run goes and where it reports.
#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    #[command(flatten)]
    pub(crate) selection: SelectionArgs,

    /// Member accounts in flight at once.
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = parse_concurrency)]
    pub(crate) concurrency: usize,

    /// Write a report to FILE: CSV for .csv, JSON Lines for .jsonl, .ndjson or .json.
    #[arg(long, value_name = "FILE")]
    pub(crate) report: Option<PathBuf>,

    /// Resume from a previous report of the same organization, task and mode, appending to it; accounts already done are left untouched.
    #[arg(long, value_name = "FILE")]
    pub(crate) resume: Option<PathBuf>,

    /// Stop starting new accounts after N accounts failed; the rest are reported skipped.
    #[arg(long, value_name = "N")]
    pub(crate) max_failures: Option<u32>,

    /// Root session length in seconds (1 to 900); keep it short, since the credentials are root.
    #[arg(long, value_name = "SECONDS", default_value_t = 300,
          value_parser = clap::value_parser!(u64).range(1..=900))]
    pub(crate) duration: u64,
}

#[derive(Debug, Args)]
pub(crate) struct DeleteArgs {
    #[command(flatten)]
    pub(crate) run: RunArgs,

    /// Make the changes. Without it, the command only plans: it reads and reports what it would remove.
    #[arg(long)]
    pub(crate) execute: bool,

    /// Keep access keys used within the last DAYS days; such accounts end `partial`, as requested.
    #[arg(long, value_name = "DAYS")]
    pub(crate) keep_keys_used_within: Option<u32>,

    /// Write the reviewed plan to FILE (JSON Lines): the credentials found in each account and those that `--execute --plan FILE` removes. Not with --execute.
    #[arg(long, value_name = "FILE", conflicts_with = "execute")]
    pub(crate) plan_out: Option<PathBuf>,

    /// Remove exactly the credentials listed in a plan written by --plan-out, in its accounts only; an account whose credentials changed since is skipped (plan stale). Needs --execute.
    #[arg(
        long,
        value_name = "FILE",
        requires = "execute",
        conflicts_with = "keep_keys_used_within"
    )]
    pub(crate) plan: Option<PathBuf>,
}

pub(crate) fn parse_account_id(value: &str) -> Result<AccountId, String> {
    value
        .parse()
        .map_err(|error: rootward::Error| error.to_string())
}

fn parse_ou_id(value: &str) -> Result<OuId, String> {
    value
        .parse()
        .map_err(|error: rootward::Error| error.to_string())
}

fn parse_max_rps(value: &str) -> Result<u32, String> {
    match value.parse::<u32>() {
        Ok(0) => Err(
            "the cap must allow at least 1 request per second; leave --max-rps out for no cap"
                .to_owned(),
        ),
        Ok(requests) => Ok(requests),
        Err(_) => Err(format!(
            "invalid requests per second {value:?}: expected a whole number, such as 50"
        )),
    }
}

fn parse_concurrency(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(0) => Err("concurrency must be at least 1".to_owned()),
        Ok(accounts) => Ok(accounts),
        Err(_) => Err(format!(
            "invalid concurrency {value:?}: expected a whole number of accounts, such as 16"
        )),
    }
}
