//! What the user sees: the progress bar on stderr and the summary on stdout.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use rootward::{Outcome, Run, Summary};

/// A spinner with counts, drawn on stderr only when stderr is a terminal. The number of
/// accounts is not known in advance, because accounts are listed as the run goes.
pub(crate) struct Progress {
    bar: ProgressBar,
}

impl Progress {
    pub(crate) fn new() -> Self {
        let bar = if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {elapsed_precise} {pos} accounts  {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        } else {
            ProgressBar::hidden()
        };
        Self { bar }
    }

    pub(crate) fn update(&self, summary: &Summary, outcome: &Outcome) {
        self.bar.inc(1);
        let counts: Vec<String> = summary
            .by_status
            .iter()
            .map(|(status, count)| format!("{status} {count}"))
            .collect();
        self.bar.set_message(format!(
            "{}  (last: {} {})",
            counts.join(", "),
            outcome.account.id,
            outcome.status
        ));
    }

    /// Prints a line above the bar without tearing it.
    pub(crate) fn println(&self, line: &str) {
        if self.bar.is_hidden() {
            eprintln!("{line}");
        } else {
            self.bar.println(line);
        }
    }

    /// Runs `print` with the bar hidden, for output on stdout.
    pub(crate) fn suspend(&self, print: impl FnOnce()) {
        self.bar.suspend(print);
    }

    pub(crate) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// Prints the summary table.
pub(crate) fn print_summary(run: &Run) {
    let info = run.info();
    let summary = run.summary();
    println!(
        "rootward {} in organization {} as {}",
        info.task,
        info.organization_id,
        run.context().caller_arn
    );
    println!(
        "run {}  mode {}  task policy {}",
        info.run_id, info.mode, info.task_policy_arn
    );
    println!();
    println!("{:<16} {:>8}", "status", "accounts");
    for (status, count) in &summary.by_status {
        println!("{status:<16} {count:>8}");
    }
    println!("{:<16} {:>8}", "total", summary.total);
    if summary.settled_before > 0 {
        println!(
            "{} account(s) were already settled in the resumed report and were left untouched.",
            summary.settled_before
        );
    }
    if !summary.failures.is_empty() {
        println!();
        println!("Accounts that did not reach the goal:");
        println!(
            "{:<14} {:<10} {:<26} code or reason",
            "account", "status", "step"
        );
        for (account, status, step, code) in &summary.failures {
            println!("{account:<14} {:<10} {step:<26} {code}", status.as_str());
        }
        let unlisted = summary.not_reached.saturating_sub(summary.failures.len());
        if unlisted > 0 {
            println!("… and {unlisted} more; see the report.");
        }
    }
    if let Some((not_started, limit)) = summary.not_started_over_budget {
        println!();
        println!(
            "The failure budget of {limit} (--max-failures) was reached, so {not_started} account(s) were not started; fix the failures, then rerun with --resume."
        );
    }
    if let Some(path) = run.report_path() {
        println!();
        println!("Report: {}", path.display());
    }
    if let Some((path, accounts)) = run.plan_written() {
        println!(
            "Plan: {} ({accounts} account(s)); review it, then run `rootward delete-credentials --execute --plan {}`",
            path.display(),
            path.display()
        );
    }
}
