//! Fault tolerance end to end: injected throttling and server errors, root sessions that expire
//! mid-account, a run interrupted with SIGINT or killed with SIGKILL and then resumed, and the
//! failure budget. The emulator injects the faults, with fixed seeds where they are random,
//! and every test ends by checking each active member account's final state and outcome.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use rootward_e2e::{read_csv, scenario, text, Emulator};
use serde_json::Value;

const MANAGEMENT: &str = "111111111111";

/// Lists the active member accounts of a scenario file, with whether their root user has any
/// credential.
fn active_members(name: &str) -> BTreeMap<String, bool> {
    let text = std::fs::read_to_string(scenario(name)).unwrap();
    let scenario: Value = serde_json::from_str(&text).unwrap();
    scenario["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|account| account["state"].as_str().unwrap_or("ACTIVE") == "ACTIVE")
        .filter(|account| account["id"] != MANAGEMENT)
        .map(|account| {
            let root = &account["root"];
            let holds = !root["password"].is_null()
                || ["access_keys", "signing_certificates", "mfa_devices"]
                    .iter()
                    .any(|kind| root[kind].as_array().is_some_and(|items| !items.is_empty()));
            (account["id"].as_str().unwrap().to_owned(), holds)
        })
        .collect()
}

/// Lists the members whose root user still has a credential, or a virtual MFA device that was
/// deactivated but not deleted.
fn members_holding_anything(emulator: &Emulator, members: &BTreeMap<String, bool>) -> Vec<String> {
    let state = emulator.state();
    let holdings = rootward_e2e::holdings(&state);
    members
        .keys()
        .filter(|id| {
            let unassigned = state["accounts"][id.as_str()]["root_user"]
                ["unassigned_virtual_mfa_devices"]
                .as_array()
                .is_some_and(|devices| !devices.is_empty());
            !holdings[id.as_str()].is_empty() || unassigned
        })
        .cloned()
        .collect()
}

/// Returns the last row of each account in a CSV report.
fn last_rows(path: &Path) -> BTreeMap<String, HashMap<String, String>> {
    read_csv(path)
        .into_iter()
        .map(|row| (row["account_id"].clone(), row))
        .collect()
}

/// The status a deletion must end with in each member: `done` where the root user held
/// something, `nothing_to_do` elsewhere.
fn expected_status(holds: bool) -> &'static str {
    if holds {
        "done"
    } else {
        "nothing_to_do"
    }
}

/// Accounts in which a root session made any call.
fn touched_accounts(emulator: &Emulator) -> BTreeSet<String> {
    emulator
        .requests()
        .iter()
        .filter(|request| request["caller_kind"] == "root_session")
        .filter_map(|request| request["target_account"].as_str().map(str::to_owned))
        .collect()
}

/// Waits until the CSV report at `path` has at least `rows` rows of accounts that ended
/// `done`.
fn wait_for_done_rows(child: &mut Child, path: &Path, rows: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let done = std::fs::read_to_string(path)
            .map(|text| text.matches(",done,").count())
            .unwrap_or(0);
        if done >= rows {
            return;
        }
        if child.try_wait().unwrap().is_some() {
            panic!("rootward ended before {rows} accounts were done");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("fewer than {rows} accounts were done within 60 s");
}

/// Sends `signal` (such as `-INT`) to a process with the `kill` command.
fn signal(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("the kill command runs");
    assert!(status.success(), "kill {signal} failed");
}

fn spawn(command: &mut Command) -> Child {
    command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rootward starts")
}

fn finish(child: Child) -> Output {
    child.wait_with_output().expect("rootward ends")
}

#[test]
fn audit_exact_under_injected_faults() {
    let members = active_members("demo.json");
    for seed in ["4", "5"] {
        let emulator =
            Emulator::demo(&["--throttle", "0.3", "--error-5xx", "0.05", "--seed", seed]);
        let expected = emulator.holdings();
        let folder = tempfile::tempdir().unwrap();
        let report = folder.path().join("audit.csv");

        let output = emulator.run(&["audit", "--report", report.to_str().unwrap()]);

        assert_eq!(
            output.status.code(),
            Some(0),
            "seed {seed}: {}",
            text(&output)
        );
        let rows = last_rows(&report);
        for id in members.keys() {
            let row = &rows[id];
            assert_eq!(row["status"], "done", "seed {seed}: account {id}");
            let held = &expected[id];
            let count = |kind: &str| {
                held.iter()
                    .filter(|item| item.starts_with(&format!("{kind}:")))
                    .count()
                    .to_string()
            };
            let password = usize::from(held.contains(&"password".to_owned())).to_string();
            assert_eq!(row["login_profile"], password, "seed {seed}: account {id}");
            for kind in ["access_keys", "signing_certificates", "mfa_devices"] {
                assert_eq!(row[kind], count(kind), "seed {seed}: account {id} {kind}");
            }
        }
        assert_eq!(
            emulator.holdings(),
            expected,
            "seed {seed}: an audit changes nothing"
        );
        let faults = emulator
            .requests()
            .iter()
            .filter(|request| request["status"] != 200)
            .count();
        assert!(faults > 0, "seed {seed}: the emulator injected no fault");
    }
}

#[test]
fn expired_sessions_renewed_until_done() {
    let members = active_members("side-by-side.json");
    // Each request waits 150 ms. A session of 0.4 s ends after the reads and deletions, before
    // the virtual MFA device is deleted, and one of 0.55 s ends before the confirming read. The
    // rest of each account's work needs fresh sessions.
    for session_seconds in ["0.4", "0.55"] {
        let emulator = Emulator::start(
            &scenario("side-by-side.json"),
            &["--latency-ms", "150", "--session-seconds", session_seconds],
        );
        let folder = tempfile::tempdir().unwrap();
        let report = folder.path().join("delete.csv");

        let output = emulator.run(&[
            "delete-credentials",
            "--execute",
            "--concurrency",
            "4",
            "--report",
            report.to_str().unwrap(),
        ]);

        let case = format!("session of {session_seconds} s");
        assert_eq!(output.status.code(), Some(0), "{case}: {}", text(&output));
        assert!(
            members_holding_anything(&emulator, &members).is_empty(),
            "{case}: credentials remain in {:?}",
            members_holding_anything(&emulator, &members)
        );
        let rows = last_rows(&report);
        let mut renewed = 0;
        for (id, holds) in &members {
            assert_eq!(rows[id]["status"], expected_status(*holds), "{case}: {id}");
            let sessions: u32 = rows[id]["sessions"].parse().unwrap();
            if sessions > 1 {
                renewed += 1;
            }
        }
        assert!(
            renewed > 0,
            "{case}: no account needed a fresh session, so no session expired mid-account"
        );
        let expired = emulator
            .requests()
            .iter()
            .filter(|request| request["error_code"] == "ExpiredToken")
            .count();
        assert!(expired > 0, "{case}: the emulator expired no session");
    }
}

#[test]
fn expired_session_never_reported_cleaned() {
    // Sessions end after 0.25 s and each request waits 150 ms, so no session gets past the
    // deletions: the confirming read never succeeds and no account may end `done`.
    let members = active_members("side-by-side.json");
    let emulator = Emulator::start(
        &scenario("side-by-side.json"),
        &["--latency-ms", "150", "--session-seconds", "0.25"],
    );
    let folder = tempfile::tempdir().unwrap();
    let report = folder.path().join("delete.csv");

    let output = emulator.run(&[
        "delete-credentials",
        "--execute",
        "--concurrency",
        "8",
        "--accounts",
        "400000000001,400000000002,400000000003,400000000004",
        "--report",
        report.to_str().unwrap(),
    ]);

    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let rows = last_rows(&report);
    let holding: BTreeSet<String> = members_holding_anything(&emulator, &members)
        .into_iter()
        .collect();
    for id in [
        "400000000001",
        "400000000002",
        "400000000003",
        "400000000004",
    ] {
        let status = rows[id]["status"].as_str();
        assert!(
            status == "partial" || status == "failed",
            "account {id} ended {status}, but no session could confirm the removal"
        );
        if holding.contains(id) {
            assert_ne!(status, "done", "account {id} still holds credentials");
        }
        assert_eq!(rows[id]["sessions"], "4", "account {id} used every session");
    }
}

/// Starts a slow deletion of the demo organization: 100 ms per request, two accounts at once.
fn slow_deletion(emulator: &Emulator, report: &Path) -> Child {
    spawn(emulator.rootward().args([
        "delete-credentials",
        "--execute",
        "--concurrency",
        "2",
        "--report",
        report.to_str().unwrap(),
    ]))
}

/// Checks that every account reported `done` or `nothing_to_do` has no credential left, and, when
/// `every_change_reported`, that every account whose credentials changed has such a row.
/// Returns those accounts.
fn check_interrupted_report(
    emulator: &Emulator,
    report: &Path,
    initial: &BTreeMap<String, Vec<String>>,
    every_change_reported: bool,
) -> BTreeSet<String> {
    let rows = last_rows(report);
    let now = emulator.holdings();
    let mut settled = BTreeSet::new();
    for (id, row) in &rows {
        let status = row["status"].as_str();
        if status == "done" || status == "nothing_to_do" {
            assert!(
                now[id].is_empty(),
                "account {id} reported {status} holds {:?}",
                now[id]
            );
            settled.insert(id.clone());
        }
    }
    if every_change_reported {
        for (id, held) in initial {
            if now[id] != *held {
                assert!(
                    settled.contains(id),
                    "account {id} changed but its row does not say so: {:?}",
                    rows.get(id)
                );
            }
        }
    }
    settled
}

#[test]
fn sigint_then_resume_completes() {
    let members = active_members("demo.json");
    let emulator = Emulator::demo(&["--latency-ms", "100"]);
    let initial = emulator.holdings();
    let folder = tempfile::tempdir().unwrap();
    let report = folder.path().join("delete.csv");

    let mut child = slow_deletion(&emulator, &report);
    wait_for_done_rows(&mut child, &report, 2);
    signal(&child, "-INT");
    let output = finish(child);

    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("interrupted"),
        "{}",
        text(&output)
    );
    let content = std::fs::read_to_string(&report).unwrap();
    assert!(content.ends_with('\n'), "no half-written line");
    let settled = check_interrupted_report(&emulator, &report, &initial, true);
    assert!(
        !settled.is_empty(),
        "some accounts finished before the interrupt"
    );
    let rows = last_rows(&report);
    let interrupted = rows
        .values()
        .filter(|row| row["reason"].contains("interrupted"))
        .count();
    assert!(interrupted > 0, "accounts not started are reported skipped");
    assert!(
        settled.len() < members.len(),
        "the interrupt came before the end"
    );

    emulator.clear_requests();
    let resumed = emulator.run(&[
        "delete-credentials",
        "--execute",
        "--resume",
        report.to_str().unwrap(),
    ]);

    assert_eq!(resumed.status.code(), Some(0), "{}", text(&resumed));
    let touched = touched_accounts(&emulator);
    for id in &settled {
        assert!(
            !touched.contains(id),
            "settled account {id} was touched again"
        );
    }
    assert!(members_holding_anything(&emulator, &members).is_empty());
    let rows = last_rows(&report);
    for (id, holds) in &members {
        let status = rows[id]["status"].as_str();
        if !settled.contains(id) {
            assert_eq!(status, expected_status(*holds), "account {id}");
        }
    }
}

#[test]
fn sigkill_then_resume_completes() {
    let members = active_members("demo.json");
    let emulator = Emulator::demo(&["--latency-ms", "100"]);
    let initial = emulator.holdings();
    let folder = tempfile::tempdir().unwrap();
    let report = folder.path().join("delete.csv");

    let mut child = slow_deletion(&emulator, &report);
    wait_for_done_rows(&mut child, &report, 2);
    signal(&child, "-KILL");
    let output = finish(child);
    assert_eq!(
        output.status.code(),
        None,
        "killed by a signal: {}",
        text(&output)
    );
    // Accounts in flight at the kill may have changed without a row.
    check_interrupted_report(&emulator, &report, &initial, false);

    let resumed = emulator.run(&[
        "delete-credentials",
        "--execute",
        "--resume",
        report.to_str().unwrap(),
    ]);

    assert_eq!(resumed.status.code(), Some(0), "{}", text(&resumed));
    assert!(members_holding_anything(&emulator, &members).is_empty());
    let rows = last_rows(&report);
    for (id, holds) in &members {
        let status = rows[id]["status"].as_str();
        // An account in flight at the kill may have lost its credentials before its row was
        // written, and then the resumed run finds nothing to do there.
        assert!(
            status == expected_status(*holds) || status == "nothing_to_do",
            "account {id} ended {status}"
        );
    }
}

#[test]
fn failure_budget_stops_new_accounts() {
    let members = active_members("demo.json");
    // Every root session has already ended when it is first used, so every account fails.
    let emulator = Emulator::demo(&["--session-seconds", "0"]);
    let folder = tempfile::tempdir().unwrap();
    let report = folder.path().join("delete.csv");

    let output = emulator.run(&[
        "delete-credentials",
        "--execute",
        "--concurrency",
        "1",
        "--max-failures",
        "2",
        "--report",
        report.to_str().unwrap(),
    ]);

    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("failure budget of 2"),
        "the summary says why accounts were not started: {stdout}"
    );
    let rows = last_rows(&report);
    let failed: BTreeSet<String> = members
        .keys()
        .filter(|id| rows[id.as_str()]["status"] != "skipped")
        .cloned()
        .collect();
    assert_eq!(
        failed.len(),
        2,
        "one account at a time, so exactly the budget: {failed:?}"
    );
    for id in &failed {
        assert_eq!(rows[id]["status"], "failed", "account {id}");
    }
    for id in members.keys().filter(|id| !failed.contains(*id)) {
        assert_eq!(rows[id]["status"], "skipped", "account {id}");
        assert!(
            rows[id]["reason"].contains("failure budget of 2"),
            "account {id}: {}",
            rows[id]["reason"]
        );
    }
    let touched = touched_accounts(&emulator);
    assert_eq!(touched, failed, "no session in accounts after the budget");
}
