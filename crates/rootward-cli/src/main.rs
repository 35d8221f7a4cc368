//! The `rootward` command.

mod args;
mod logging;
mod output;
mod setup;

use std::io::Read;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use rootward::{
    AccountFilter, AccountId, AuditRootCredentials, AwsOptions, Clients, CreateRootPassword,
    DeleteRootCredentials, Detail, Error, Plan, RunOptions, Task, UnlockS3BucketPolicy,
    UnlockSqsQueuePolicy,
};

use crate::args::{Cli, Command, RunArgs, UnlockArgs};
use crate::output::{print_summary, Progress};

/// Exit status when every selected account reached its goal.
const EXIT_OK: u8 = 0;
/// Exit status when an account failed or was not reached, or the preflight stopped the run.
const EXIT_FAILED: u8 = 1;
/// Exit status for bad usage; no AWS write call was made.
const EXIT_USAGE: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init();

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: could not start the async runtime: {error}");
            return ExitCode::from(EXIT_FAILED);
        }
    };
    let status = runtime.block_on(run_command(cli));
    // Requests still in flight after a second Ctrl-C must not delay the exit.
    runtime.shutdown_timeout(Duration::from_millis(100));
    ExitCode::from(status)
}

async fn run_command(cli: Cli) -> u8 {
    let aws = &cli.aws;
    let result = match cli.command {
        Command::Audit(args) => match run_options(&args) {
            Ok(options) => run_task(aws, AuditRootCredentials, options).await,
            Err(error) => Err(error),
        },
        Command::DeleteCredentials(args) => match delete_task(&args) {
            Ok(task) => match run_options(&args.run) {
                Ok(options) => {
                    let options = RunOptions {
                        plan_out: args.plan_out.clone(),
                        ..options
                    };
                    run_task(aws, task, options).await
                }
                Err(error) => Err(error),
            },
            Err(error) => Err(error),
        },
        Command::CreatePassword(args) => {
            let task = if args.execute {
                CreateRootPassword::execute()
            } else {
                CreateRootPassword::plan()
            };
            match create_password_options(&args.run) {
                Ok(options) => run_task(aws, task, options).await,
                Err(error) => Err(error),
            }
        }
        Command::UnlockS3(args) => {
            let task = if args.target.execute {
                UnlockS3BucketPolicy::execute(&args.bucket)
            } else {
                UnlockS3BucketPolicy::plan(&args.bucket)
            };
            run_task(aws, task, unlock_options(&args.target)).await
        }
        Command::UnlockSqs(args) => {
            let task = if args.target.execute {
                UnlockSqsQueuePolicy::execute(&args.queue_url)
            } else {
                UnlockSqsQueuePolicy::plan(&args.queue_url)
            };
            run_task(aws, task, unlock_options(&args.target)).await
        }
        Command::Status(args) => setup::run_status(aws, &args).await,
        Command::Enable(args) => setup::run_enable(aws, &args).await,
        Command::Disable(args) => setup::run_disable(aws, &args).await,
        Command::Policy(args) => setup::run_policy(aws, &args),
    };
    match result {
        Ok(status) => status,
        Err(error) => {
            eprintln!("error: {}", error_chain(&error));
            if error.is_usage() {
                EXIT_USAGE
            } else {
                EXIT_FAILED
            }
        }
    }
}

/// Formats an error with its sources, which `Display` leaves out.
fn error_chain(error: &Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn read_accounts_file(path: &std::path::Path) -> Result<Vec<AccountId>, Error> {
    let mut text = String::new();
    let opened = if path.as_os_str() == "-" {
        std::io::stdin().read_to_string(&mut text).map(|_| ())
    } else {
        std::fs::File::open(path).and_then(|mut file| file.read_to_string(&mut text).map(|_| ()))
    };
    opened.map_err(|error| Error::InvalidInput {
        message: format!(
            "could not read --accounts-file {}: {error}; check the path and its permissions",
            path.display()
        ),
    })?;

    let mut ids = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let content = line.split('#').next().unwrap_or_default();
        for field in content
            .split([',', ' ', '\t'])
            .filter(|field| !field.trim().is_empty())
        {
            let id = field
                .parse::<AccountId>()
                .map_err(|error| Error::InvalidInput {
                    message: format!("{}:{}: {error}", path.display(), number + 1),
                })?;
            ids.push(id);
        }
    }
    Ok(ids)
}

/// Builds the deletion that the `delete-credentials` flags select: a plan, a full execution, or
/// the execution of a reviewed plan file.
fn delete_task(args: &args::DeleteArgs) -> Result<DeleteRootCredentials, Error> {
    if let Some(path) = &args.plan {
        return Ok(DeleteRootCredentials::execute_plan(Plan::read(path)?));
    }
    let mut task = if args.execute {
        DeleteRootCredentials::execute()
    } else {
        DeleteRootCredentials::plan()
    };
    if let Some(days) = args.keep_keys_used_within {
        task = task.keep_keys_used_within(days);
    }
    Ok(task)
}

/// Builds the run options of a command that takes the selection and run flags.
fn run_options(args: &RunArgs) -> Result<RunOptions, Error> {
    let mut accounts = args.selection.accounts.clone();
    if let Some(path) = &args.selection.accounts_file {
        accounts.extend(read_accounts_file(path)?);
    }
    let filter = AccountFilter::new()
        .accounts(accounts)
        .ous(args.selection.ou.clone())
        .exclude_accounts(args.selection.exclude.clone())
        .exclude_ous(args.selection.exclude_ou.clone());
    Ok(RunOptions {
        filter,
        concurrency: args.concurrency,
        max_failures: args.max_failures,
        duration: Duration::from_secs(args.duration),
        report: args.report.clone(),
        resume: args.resume.clone(),
        ..RunOptions::default()
    })
}

/// Builds the run options of `create-password`, which acts only on accounts named explicitly,
/// never on a whole organization by default.
fn create_password_options(args: &RunArgs) -> Result<RunOptions, Error> {
    let selection = &args.selection;
    if selection.accounts.is_empty() && selection.accounts_file.is_none() && selection.ou.is_empty()
    {
        return Err(Error::InvalidInput {
            message: "create-password needs the accounts to act on: pass --accounts, --accounts-file or --ou".to_owned(),
        });
    }
    run_options(args)
}

/// Builds the run options of an unlock: one named account.
fn unlock_options(args: &UnlockArgs) -> RunOptions {
    RunOptions {
        filter: AccountFilter::new().accounts([args.account.clone()]),
        concurrency: 1,
        duration: Duration::from_secs(args.duration),
        report: args.report.clone(),
        ..RunOptions::default()
    }
}

/// Loads the AWS configuration from the global flags and the standard chain.
pub(crate) async fn load_clients(aws: &args::AwsArgs) -> Result<Clients, Error> {
    Clients::load(&AwsOptions {
        profile: aws.profile.clone(),
        region: aws.region.clone(),
        endpoint_url: aws.endpoint_url.clone(),
        max_attempts: aws.max_attempts,
        max_rps: aws.max_rps,
        ..AwsOptions::default()
    })
    .await
}

async fn run_task<T: Task>(aws: &args::AwsArgs, task: T, options: RunOptions) -> Result<u8, Error> {
    let clients = load_clients(aws).await?;
    let mut run = rootward::start(clients, task, options).await?;

    let progress = Progress::new();
    for warning in run.warnings() {
        progress.println(&format!("warning: {warning}"));
    }
    let stop = run.stop_handle();
    let mut interrupts = Box::pin(interrupts());
    let mut listing_error = None;
    loop {
        tokio::select! {
            next = run.next() => match next {
                Some(Ok(outcome)) => {
                    progress.update(run.summary(), &outcome);
                    show_policy(&progress, &outcome);
                }
                Some(Err(error)) => {
                    listing_error = Some(error);
                    break;
                }
                None => break,
            },
            count = futures::StreamExt::next(&mut interrupts) => {
                if count == Some(1) {
                    stop.stop();
                    progress.println("interrupted: finishing the accounts in flight; press Ctrl-C again to quit at once");
                } else {
                    progress.finish();
                    eprintln!("interrupted twice: quitting; accounts in flight have no outcome, so rerun with --resume");
                    return Ok(EXIT_FAILED);
                }
            }
        }
    }
    progress.finish();
    print_summary(&run);

    if let Some(error) = listing_error {
        eprintln!("error: the run stopped early: {}", error_chain(&error));
        return Ok(EXIT_FAILED);
    }
    Ok(if run.summary().all_reached() {
        EXIT_OK
    } else {
        EXIT_FAILED
    })
}

/// Counts Ctrl-C presses.
fn interrupts() -> impl futures::Stream<Item = u32> {
    futures::stream::unfold(0u32, |count| async move {
        tokio::signal::ctrl_c().await.ok()?;
        Some((count + 1, count + 1))
    })
}

/// Prints the policy an unlock task found, before the summary, so it can be restored by hand.
fn show_policy(progress: &Progress, outcome: &rootward::Outcome) {
    if let Detail::UnlockPolicy {
        resource,
        policy,
        removed,
    } = &outcome.detail
    {
        let line = match (policy, removed) {
            (None, _) => format!("{resource} in account {} has no policy", outcome.account.id),
            (Some(policy), true) => format!(
                "removed this policy of {resource} in account {}:\n{policy}",
                outcome.account.id
            ),
            (Some(policy), false) => format!(
                "current policy of {resource} in account {} (rerun with --execute to remove it):\n{policy}",
                outcome.account.id
            ),
        };
        progress.suspend(|| println!("{line}"));
    }
}
