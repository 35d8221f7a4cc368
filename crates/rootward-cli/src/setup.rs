//! The organization setup commands (`status`, `enable`, `disable`) and `policy`.

use clap::Args;
use rootward::org::{self, Change, DisableRequest, EnableRequest, Feature};
use rootward::{AccountId, Error, Partition, TaskPolicy};

use crate::args::{parse_account_id, AwsArgs};
use crate::load_clients;

#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// Print the status as JSON instead of a table.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct EnableArgs {
    /// Make the changes. Without it, the command only lists what it would change.
    #[arg(long)]
    pub(crate) execute: bool,

    /// Features to turn on, comma-separated (default: both).
    #[arg(long, value_name = "FEATURES", value_delimiter = ',', value_parser = parse_feature)]
    pub(crate) features: Vec<Feature>,

    /// Also register this account as the delegated administrator for IAM.
    #[arg(long, value_name = "ID", value_parser = parse_account_id)]
    pub(crate) delegated_admin: Option<AccountId>,

    /// Print the changes as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct DisableArgs {
    /// Make the changes. Without it, the command only lists what it would change.
    #[arg(long)]
    pub(crate) execute: bool,

    /// Features to turn off, comma-separated (default: both).
    #[arg(long, value_name = "FEATURES", value_delimiter = ',', value_parser = parse_feature)]
    pub(crate) features: Vec<Feature>,

    /// Also turn off trusted access for iam.amazonaws.com.
    #[arg(long)]
    pub(crate) trusted_access: bool,

    /// Also deregister this delegated administrator for IAM.
    #[arg(long, value_name = "ID", value_parser = parse_account_id)]
    pub(crate) delegated_admin: Option<AccountId>,

    /// Print the changes as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct PolicyArgs {
    /// Task policies the caller may start, comma-separated names or ARNs (default: all five).
    #[arg(long, value_name = "NAMES", value_delimiter = ',', value_parser = parse_task_policy)]
    pub(crate) task_policy: Vec<TaskPolicy>,

    /// Member accounts the caller may target, comma-separated (default: every member account).
    #[arg(long, value_name = "IDS", value_delimiter = ',', value_parser = parse_account_id)]
    pub(crate) accounts: Vec<AccountId>,

    /// Partition of the ARNs: aws, aws-cn or aws-us-gov (default: the region's).
    #[arg(long, value_name = "PARTITION", value_parser = parse_partition)]
    pub(crate) partition: Option<Partition>,
}

fn parse_feature(value: &str) -> Result<Feature, String> {
    value.parse().map_err(|error: Error| error.to_string())
}

fn parse_task_policy(value: &str) -> Result<TaskPolicy, String> {
    value.parse().map_err(|error: Error| error.to_string())
}

fn parse_partition(value: &str) -> Result<Partition, String> {
    value.parse().map_err(|error: Error| error.to_string())
}

fn on_off(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "on",
        Some(false) => "off",
        None => "unknown (the caller may not read it)",
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value)
        .unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"))
}

/// Prints the organization's setup and what is missing. Exit status 0 when root sessions can
/// start, 1 when something is missing.
pub(crate) async fn run_status(aws: &AwsArgs, args: &StatusArgs) -> Result<u8, Error> {
    let clients = load_clients(aws).await?;
    let status = org::status(&clients).await?;

    if args.json {
        println!("{}", to_json(&status));
    } else {
        let role = if status.caller_is_management() {
            "management account"
        } else {
            "not the management account"
        };
        println!("organization                {}", status.organization_id);
        println!(
            "management account          {}",
            status.management_account_id
        );
        println!("caller                      {} ({role})", status.caller_arn);
        println!(
            "all features                {}",
            if status.all_features { "on" } else { "off" }
        );
        println!(
            "trusted access for IAM      {}",
            on_off(status.trusted_access)
        );
        let administrators = match &status.delegated_administrators {
            Some(ids) if ids.is_empty() => "none".to_owned(),
            Some(ids) => ids.join(", "),
            None => "unknown (the caller may not read it)".to_owned(),
        };
        println!("delegated admin for IAM     {administrators}");
        for feature in Feature::ALL {
            let state = match &status.enabled_features {
                Some(_) => on_off(Some(status.has_feature(feature))),
                None => "unknown",
            };
            println!("{:<27} {state}", feature.as_str());
        }
        println!();
        if status.is_ready() {
            println!("Ready: root sessions can start in member accounts.");
        } else {
            println!("Missing:");
            for finding in &status.findings {
                println!("  - {finding}");
            }
        }
    }
    Ok(if status.is_ready() { 0 } else { 1 })
}

fn print_changes(changes: &[Change], execute: bool, json: bool) {
    if json {
        println!("{}", to_json(&changes));
        return;
    }
    if changes.is_empty() {
        println!("Nothing to change: the organization is already set up as requested.");
        return;
    }
    for change in changes {
        let mark = if change.applied { "done" } else { "planned" };
        println!("{mark:<8} {:<48} {}", change.action, change.description);
    }
    if !execute {
        println!();
        println!("This was a plan; rerun with --execute to make these changes.");
    }
}

/// Turns on what is missing, or plans it.
pub(crate) async fn run_enable(aws: &AwsArgs, args: &EnableArgs) -> Result<u8, Error> {
    let clients = load_clients(aws).await?;
    let request = EnableRequest {
        features: if args.features.is_empty() {
            Feature::ALL.to_vec()
        } else {
            args.features.clone()
        },
        delegated_admin: args.delegated_admin.clone(),
        plan_only: !args.execute,
    };
    let changes = org::enable(&clients, &request).await?;
    print_changes(&changes, args.execute, args.json);
    Ok(0)
}

/// Turns off what was asked, or plans it.
pub(crate) async fn run_disable(aws: &AwsArgs, args: &DisableArgs) -> Result<u8, Error> {
    let clients = load_clients(aws).await?;
    let request = DisableRequest {
        features: if args.features.is_empty() {
            Feature::ALL.to_vec()
        } else {
            args.features.clone()
        },
        trusted_access: args.trusted_access,
        delegated_admin: args.delegated_admin.clone(),
        plan_only: !args.execute,
    };
    let changes = org::disable(&clients, &request).await?;
    print_changes(&changes, args.execute, args.json);
    Ok(0)
}

/// Prints the policy documents; makes no AWS call.
pub(crate) fn run_policy(aws: &AwsArgs, args: &PolicyArgs) -> Result<u8, Error> {
    let partition = match args.partition {
        Some(partition) => partition,
        None => {
            let region = aws
                .region
                .clone()
                .or_else(|| std::env::var("AWS_REGION").ok())
                .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
                .unwrap_or_else(|| rootward::DEFAULT_REGION.to_owned());
            rootward::validate_region(&region)?;
            Partition::for_region(&region)
        }
    };
    let task_policies = if args.task_policy.is_empty() {
        TaskPolicy::ALL.to_vec()
    } else {
        args.task_policy.clone()
    };
    let document = serde_json::json!({
        "caller_policy": rootward::caller_policy(&task_policies, &args.accounts, partition),
        "scp_statement": rootward::scp_statement(partition),
    });
    println!("{}", to_json(&document));
    Ok(0)
}
