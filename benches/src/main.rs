//! `rootward-bench`: how close rootward comes to the time the API itself allows, and how it
//! compares with the reference script.
//!
//! `rootward-bench all` (what `make bench` runs) prints one `name=value` line per figure. Each
//! throughput run is a child process of its own (`rootward-bench run …`), so that its peak
//! resident memory is its own. Nothing here reaches the network: the throughput runs talk to
//! an in-process fake, and the side-by-side run to the local emulator on 127.0.0.1.

mod fake;
mod process_stats;
mod side_by_side;
mod throughput;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, ExitCode, Stdio};

use clap::{Parser, Subcommand};

use crate::throughput::{RunSpec, TaskKind};

/// Benchmarks of rootward: throughput against an in-process fake AWS, and side by side with the
/// reference script on the local emulator.
#[derive(Debug, Parser)]
#[command(name = "rootward-bench")]
struct Cli {
    #[command(subcommand)]
    command: Option<Benchmark>,
}

#[derive(Debug, Subcommand)]
enum Benchmark {
    /// Every figure: the throughput runs, then the side-by-side run (the default).
    All,
    /// One throughput run in this process.
    Run(RunSpec),
    /// Only the side-by-side run of the reference script and rootward on the emulator.
    SideBySide,
}

/// The throughput runs of `all`, shortest first: (task, accounts, fake's rate limit, --max-rps).
const RUNS: &[(TaskKind, u64, Option<u32>, Option<u32>)] = &[
    (TaskKind::Audit, 1_000, None, None),
    (TaskKind::Delete, 1_000, None, None),
    (TaskKind::Audit, 10_000, None, None),
    (TaskKind::Delete, 10_000, None, None),
    (TaskKind::Audit, 100_000, None, None),
    (TaskKind::Delete, 100_000, None, None),
    (TaskKind::Delete, 1_000, Some(200), None),
    (TaskKind::Delete, 1_000, Some(200), Some(200)),
];

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Benchmark::All) {
        Benchmark::All => run_all(),
        Benchmark::Run(spec) => {
            isolate_from_aws();
            // Logs go to stderr, and only when RUST_LOG is set, so that stdout has only figures.
            if std::env::var_os("RUST_LOG").is_some() {
                tracing_subscriber::fmt()
                    .with_writer(std::io::stderr)
                    .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
                    .init();
            }
            throughput::run(&spec)
        }
        Benchmark::SideBySide => side_by_side(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Keeps the SDK's credential chain away from profiles and the instance metadata service: the
/// fake accepts any signature, so dummy keys from the environment do.
fn isolate_from_aws() {
    for name in ["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"] {
        std::env::remove_var(name);
    }
    for (name, value) in dummy_environment() {
        std::env::set_var(name, value);
    }
}

fn dummy_environment() -> [(&'static str, &'static str); 5] {
    [
        ("AWS_ACCESS_KEY_ID", "AKIABENCHMARKCALLER1"),
        ("AWS_SECRET_ACCESS_KEY", "benchmark-secret"),
        ("AWS_CONFIG_FILE", "/dev/null"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ]
}

fn label(task: TaskKind, accounts: u64, rate_limit: Option<u32>, max_rps: Option<u32>) -> String {
    let mut label = format!("{}_{accounts}", task.name());
    if let Some(rate) = rate_limit {
        label.push_str(&format!("_rate{rate}"));
    }
    if let Some(cap) = max_rps {
        label.push_str(&format!("_max_rps{cap}"));
    }
    label
}

fn run_all() -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|error| format!("no executable path: {error}"))?;
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZeroUsize::get);
    println!("machine_cores={cores}");
    let mut figures = BTreeMap::new();
    for &(task, accounts, rate_limit, max_rps) in RUNS {
        let mut command = Command::new(&exe);
        command
            .env_clear()
            .envs(dummy_environment())
            .args(["run", "--task", task.name(), "--accounts"])
            .arg(accounts.to_string())
            .args(["--label", &label(task, accounts, rate_limit, max_rps)]);
        if let Some(rate) = rate_limit {
            command.args(["--rate-limit", &rate.to_string()]);
        }
        if let Some(cap) = max_rps {
            command.args(["--max-rps", &cap.to_string()]);
        }
        figures.extend(run_child(command)?);
    }

    for task in [TaskKind::Audit, TaskKind::Delete] {
        let small = figures.get(&format!("peak_rss_mib_{}_1000", task.name()));
        let large = figures.get(&format!("peak_rss_mib_{}_100000", task.name()));
        if let (Some(small), Some(large)) = (small, large) {
            println!(
                "memory_ratio_{}_100000_vs_1000={:.2}",
                task.name(),
                large / small
            );
        }
    }
    side_by_side()
}

/// Runs one child, echoes its `name=value` lines as they come, and returns the numeric ones.
fn run_child(mut command: Command) -> Result<BTreeMap<String, f64>, String> {
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|error| format!("could not start {command:?}: {error}"))?;
    let mut figures = BTreeMap::new();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let line = line.map_err(|error| format!("could not read a child's output: {error}"))?;
            println!("{line}");
            if let Some((name, value)) = line.split_once('=') {
                if let Ok(value) = value.parse::<f64>() {
                    figures.insert(name.to_owned(), value);
                }
            }
        }
    }
    let status = child
        .wait()
        .map_err(|error| format!("could not wait for {command:?}: {error}"))?;
    if !status.success() {
        return Err(format!("{command:?} exited with {status}"));
    }
    Ok(figures)
}

fn side_by_side() -> Result<(), String> {
    let comparison = side_by_side::compare(&side_by_side::rootward_binary())?;
    let script = comparison.script.as_secs_f64();
    let rootward = comparison.rootward.as_secs_f64();
    println!("baseline_script_seconds={script:.2}");
    println!("baseline_rootward_seconds={rootward:.2}");
    println!("baseline_speedup={:.1}", script / rootward);
    println!(
        "baseline_members_cleaned_script={}",
        comparison.script_clean.len()
    );
    println!(
        "baseline_members_cleaned_rootward={}",
        comparison.rootward_clean.len()
    );
    let same = comparison.script_clean == comparison.rootward_clean
        && comparison.rootward_clean == comparison.members;
    println!("baseline_same_accounts_clean={same}");
    if same {
        Ok(())
    } else {
        Err(format!(
            "the runs left different accounts clean: script {:?}, rootward {:?}, members {:?}",
            comparison.script_clean, comparison.rootward_clean, comparison.members
        ))
    }
}
