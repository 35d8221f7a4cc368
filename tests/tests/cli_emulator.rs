//! The `rootward` binary end to end on the local emulator with the demo scenario.

use std::collections::{BTreeMap, HashMap};

use rootward_e2e::{read_csv, scenario, text, Emulator};
use serde_json::Value;

const SUSPENDED: &str = "200000000024";
const PENDING_CLOSURE: &str = "200000000025";
const MANAGEMENT: &str = "111111111111";

/// Lists the accounts of a scenario file, each with its state and whether its root user has any credential.
fn scenario_accounts(name: &str) -> BTreeMap<String, (String, bool)> {
    let text = std::fs::read_to_string(scenario(name)).unwrap();
    let scenario: Value = serde_json::from_str(&text).unwrap();
    scenario["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|account| {
            let root = &account["root"];
            let holds = !root["password"].is_null()
                || ["access_keys", "signing_certificates", "mfa_devices"]
                    .iter()
                    .any(|kind| root[kind].as_array().is_some_and(|items| !items.is_empty()));
            let state = account["state"].as_str().unwrap_or("ACTIVE").to_owned();
            (account["id"].as_str().unwrap().to_owned(), (state, holds))
        })
        .collect()
}

fn holdings(emulator: &Emulator) -> BTreeMap<String, Vec<String>> {
    emulator.holdings()
}

fn active_members(name: &str) -> Vec<String> {
    scenario_accounts(name)
        .into_iter()
        .filter(|(id, (state, _))| state == "ACTIVE" && id != MANAGEMENT)
        .map(|(id, _)| id)
        .collect()
}

fn statuses(rows: &[HashMap<String, String>]) -> BTreeMap<String, String> {
    rows.iter()
        .map(|row| (row["account_id"].clone(), row["status"].clone()))
        .collect()
}

/// Accounts in which a root session made a call, and the number of `AssumeRoot` calls.
fn sessions(emulator: &Emulator) -> (std::collections::BTreeSet<String>, usize) {
    let requests = emulator.requests();
    let accounts = requests
        .iter()
        .filter(|request| request["caller_kind"] == "root_session")
        .filter_map(|request| request["target_account"].as_str().map(str::to_owned))
        .collect();
    let assume_root = requests
        .iter()
        .filter(|request| request["action"] == "AssumeRoot")
        .count();
    (accounts, assume_root)
}

fn write_calls(emulator: &Emulator) -> usize {
    emulator.write_calls().len()
}

#[test]
fn demo_audit_delete_audit() {
    let emulator = Emulator::demo(&[]);
    let folder = tempfile::tempdir().unwrap();
    let before = folder.path().join("before.csv");
    let delete = folder.path().join("delete.jsonl");
    let after = folder.path().join("after.csv");
    let initial = holdings(&emulator);

    let audit = emulator.run(&["audit", "--report", before.to_str().unwrap()]);
    assert_eq!(audit.status.code(), Some(0), "{}", text(&audit));
    assert_eq!(write_calls(&emulator), 0, "an audit makes no write call");

    let deletion = emulator.run(&[
        "delete-credentials",
        "--execute",
        "--report",
        delete.to_str().unwrap(),
    ]);
    assert_eq!(deletion.status.code(), Some(0), "{}", text(&deletion));

    let audit_after = emulator.run(&["audit", "--report", after.to_str().unwrap()]);
    assert_eq!(audit_after.status.code(), Some(0), "{}", text(&audit_after));

    let expected = scenario_accounts("demo.json");
    for (id, (_, holds)) in &expected {
        assert_eq!(
            !initial[id].is_empty(),
            *holds,
            "account {id}: the state matches the scenario"
        );
    }
    let final_state = holdings(&emulator);
    for (id, (state, holds)) in &expected {
        let is_target = state == "ACTIVE" && id != MANAGEMENT;
        if is_target {
            assert!(
                final_state[id].is_empty(),
                "account {id} still holds {:?}",
                final_state[id]
            );
        } else {
            assert_eq!(
                final_state[id], initial[id],
                "account {id} ({state}) must be left alone"
            );
        }
        let _ = holds;
    }

    let before_rows = statuses(&read_csv(&before));
    assert_eq!(
        before_rows.len(),
        expected.len(),
        "one audit row per account"
    );
    assert_eq!(before_rows[SUSPENDED], "skipped");
    assert_eq!(before_rows[PENDING_CLOSURE], "skipped");
    assert_eq!(before_rows[MANAGEMENT], "skipped");

    let lines: Vec<Value> = std::fs::read_to_string(&delete)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), expected.len(), "one deletion row per account");
    for line in &lines {
        let id = line["account_id"].as_str().unwrap();
        let (state, holds) = &expected[id];
        let wanted = if state != "ACTIVE" || id == MANAGEMENT {
            "skipped"
        } else if *holds {
            "done"
        } else {
            "nothing_to_do"
        };
        assert_eq!(line["status"], wanted, "account {id}: {line}");
        assert_eq!(line["organization_id"], "o-rwdemo0001");
    }

    let after_rows = read_csv(&after);
    for row in after_rows.iter().filter(|row| row["status"] == "done") {
        for column in [
            "login_profile",
            "access_keys",
            "signing_certificates",
            "mfa_devices",
        ] {
            assert_eq!(row[column], "0", "account {} {column}", row["account_id"]);
        }
    }
}

#[test]
fn throttling_and_server_errors_over_seeds() {
    let expected = scenario_accounts("demo.json");
    for seed in ["1", "2", "3"] {
        let emulator =
            Emulator::demo(&["--throttle", "0.3", "--error-5xx", "0.05", "--seed", seed]);
        let folder = tempfile::tempdir().unwrap();
        let report = folder.path().join("delete.csv");

        let output = emulator.run(&[
            "delete-credentials",
            "--execute",
            "--report",
            report.to_str().unwrap(),
        ]);

        assert_eq!(
            output.status.code(),
            Some(0),
            "seed {seed}: {}",
            text(&output)
        );
        let rows = statuses(&read_csv(&report));
        let final_state = holdings(&emulator);
        for id in active_members("demo.json") {
            assert!(
                final_state[&id].is_empty(),
                "seed {seed}: account {id} holds {:?}",
                final_state[&id]
            );
            let wanted = if expected[&id].1 {
                "done"
            } else {
                "nothing_to_do"
            };
            assert_eq!(rows[&id], wanted, "seed {seed}: account {id}");
        }
        let throttled = emulator
            .requests()
            .iter()
            .filter(|request| request["status"] != 200)
            .count();
        assert!(throttled > 0, "seed {seed}: the emulator injected no fault");
    }
}

#[test]
fn exclusion_by_id_and_nested_ou() {
    let emulator = Emulator::demo(&[]);
    let initial = holdings(&emulator);
    let folder = tempfile::tempdir().unwrap();
    let report = folder.path().join("delete.csv");

    let output = emulator.run(&[
        "delete-credentials",
        "--execute",
        "--exclude",
        "200000000016",
        "--exclude-ou",
        "ou-rw01-product0",
        "--report",
        report.to_str().unwrap(),
    ]);

    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let rows = read_csv(&report);
    let by_id: HashMap<&str, &HashMap<String, String>> = rows
        .iter()
        .map(|row| (row["account_id"].as_str(), row))
        .collect();
    let final_state = holdings(&emulator);
    // ou-rw01-product0 contains accounts directly and through two nested OUs.
    for id in [
        "200000000003",
        "200000000006",
        "200000000009",
        "200000000010",
    ] {
        assert_eq!(by_id[id]["status"], "skipped", "{id}");
        assert!(
            by_id[id]["reason"].contains("ou-rw01-product0"),
            "{id}: {}",
            by_id[id]["reason"]
        );
        assert_eq!(final_state[id], initial[id], "{id} must be left alone");
    }
    assert_eq!(by_id["200000000016"]["status"], "skipped");
    assert!(by_id["200000000016"]["reason"].contains("excluded"));
    assert_eq!(final_state["200000000016"], initial["200000000016"]);
    assert_eq!(by_id["200000000020"]["status"], "done");
    assert!(final_state["200000000020"].is_empty());
    let (touched, started) = sessions(&emulator);
    assert!(started > 0);
    assert!(touched.contains("200000000020"));
    assert!(!touched.contains("200000000016"));
    assert!(!touched.contains("200000000003"));
}

#[test]
fn ou_selection_walks_nested_ous() {
    let emulator = Emulator::demo(&[]);
    let folder = tempfile::tempdir().unwrap();
    let report = folder.path().join("audit.csv");

    let output = emulator.run(&[
        "audit",
        "--ou",
        "ou-rw01-workload",
        "--report",
        report.to_str().unwrap(),
    ]);

    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let mut audited: Vec<String> = read_csv(&report)
        .into_iter()
        .map(|row| row["account_id"].clone())
        .collect();
    audited.sort();
    let wanted: Vec<String> = (3..=15)
        .chain(20..=21)
        .map(|n| format!("2000000000{n:02}"))
        .collect();
    assert_eq!(
        audited, wanted,
        "accounts under Workloads, nested OUs included"
    );
}

#[test]
fn account_outside_organization_is_usage_error() {
    let emulator = Emulator::demo(&[]);

    let output = emulator.run(&[
        "delete-credentials",
        "--execute",
        "--accounts",
        "200000000003,999999999999",
    ]);

    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("999999999999"), "{stderr}");
    assert!(
        stderr.contains("not in organization o-rwdemo0001"),
        "{stderr}"
    );
    assert_eq!(sessions(&emulator).1, 0, "no session may start");
    assert_eq!(write_calls(&emulator), 0);
}

#[test]
fn unknown_ou_is_usage_error() {
    let emulator = Emulator::demo(&[]);

    let output = emulator.run(&["audit", "--ou", "ou-rw01-nothere0"]);

    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("ou-rw01-nothere0"));
    assert_eq!(sessions(&emulator).1, 0, "no session may start");
}

#[test]
fn malformed_inputs_are_usage_errors() {
    let emulator = Emulator::demo(&[]);
    let cases: &[(&[&str], &str)] = &[
        (&["audit", "--accounts", "12345"], "12 digits"),
        (
            &["audit", "--ou", "engineering"],
            "invalid organizational unit ID",
        ),
        (&["audit", "--concurrency", "0"], "concurrency"),
        (&["audit", "--region", "mars-1"], "invalid region"),
        (
            &["audit", "--report", "/nonexistent-folder/report.csv"],
            "does not exist",
        ),
        (&["audit", "--report", "report.xlsx"], "xlsx"),
        (
            &["audit", "--resume", "/nonexistent-folder/old.csv"],
            "old.csv",
        ),
        (&["audit", "--duration", "901"], "901"),
    ];
    for (args, needle) in cases {
        let output = emulator.run(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", text(&output));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(needle),
            "{args:?}: expected {needle:?} in {stderr}"
        );
    }
    assert_eq!(sessions(&emulator).1, 0, "no session may start");
    assert_eq!(write_calls(&emulator), 0);
}

#[test]
fn preflight_reports_trusted_access_off() {
    let emulator = Emulator::start(&scenario("trusted-access-off.json"), &[]);

    let output = emulator.run(&["delete-credentials", "--execute"]);

    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("trusted access for iam.amazonaws.com is off"),
        "{stderr}"
    );
    assert!(stderr.contains("rootward enable --execute"), "{stderr}");
    assert_eq!(
        stderr.matches("error:").count(),
        1,
        "one error, not one per account: {stderr}"
    );
    assert_eq!(sessions(&emulator).1, 0, "no session may start");
}

#[test]
fn resume_skips_settled_accounts_and_torn_line() {
    let emulator = Emulator::demo(&[]);
    let folder = tempfile::tempdir().unwrap();
    let first = folder.path().join("first.csv");

    // A run limited to two accounts plays the part of an interrupted run.
    let output = emulator.run(&[
        "delete-credentials",
        "--execute",
        "--accounts",
        "200000000003,200000000004",
        "--report",
        first.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    // Tear the report as a killed process would: half a line at the end.
    let mut content = std::fs::read_to_string(&first).unwrap();
    let torn: String = content.lines().nth(1).unwrap().chars().take(40).collect();
    content.push_str(&torn);
    std::fs::write(&first, content).unwrap();
    emulator.clear_requests();

    let resumed = emulator.run(&[
        "delete-credentials",
        "--execute",
        "--resume",
        first.to_str().unwrap(),
    ]);

    assert_eq!(resumed.status.code(), Some(0), "{}", text(&resumed));
    assert!(
        String::from_utf8_lossy(&resumed.stderr).contains("incomplete"),
        "{}",
        text(&resumed)
    );
    let (touched, _) = sessions(&emulator);
    assert!(touched.contains("200000000005"), "the other accounts ran");
    assert!(
        !touched.contains("200000000003"),
        "settled accounts are untouched"
    );
    assert!(!touched.contains("200000000004"));
    let rows = read_csv(&first);
    let run_ids: std::collections::HashSet<&str> =
        rows.iter().map(|row| row["run_id"].as_str()).collect();
    assert_eq!(run_ids.len(), 2, "the resume appended to the same report");
    let final_state = holdings(&emulator);
    for id in active_members("demo.json") {
        assert!(final_state[&id].is_empty(), "account {id}");
    }
}

#[test]
fn resume_refuses_foreign_report() {
    let emulator = Emulator::demo(&[]);
    let folder = tempfile::tempdir().unwrap();
    let audit = folder.path().join("audit.csv");
    let output = emulator.run(&[
        "audit",
        "--accounts",
        "200000000003",
        "--report",
        audit.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    emulator.clear_requests();

    let resumed = emulator.run(&[
        "delete-credentials",
        "--execute",
        "--resume",
        audit.to_str().unwrap(),
    ]);

    assert_eq!(resumed.status.code(), Some(2), "{}", text(&resumed));
    assert!(String::from_utf8_lossy(&resumed.stderr).contains("audit"));
    assert_eq!(sessions(&emulator).1, 0, "no session may start");
    assert_eq!(write_calls(&emulator), 0);
}

#[test]
fn plan_writes_nothing() {
    let emulator = Emulator::demo(&[]);
    let initial = holdings(&emulator);

    let output = emulator.run(&["delete-credentials"]);

    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("planned"));
    assert_eq!(write_calls(&emulator), 0);
    assert_eq!(holdings(&emulator), initial);
}

#[test]
fn keep_recent_keys_is_requested_partial() {
    let emulator = Emulator::demo(&[]);
    let folder = tempfile::tempdir().unwrap();
    let report = folder.path().join("delete.jsonl");

    let output = emulator.run(&[
        "delete-credentials",
        "--execute",
        "--keep-keys-used-within",
        "7",
        "--report",
        report.to_str().unwrap(),
    ]);

    assert_eq!(
        output.status.code(),
        Some(0),
        "kept keys are the user's wish: {}",
        text(&output)
    );
    let lines: Vec<Value> = std::fs::read_to_string(&report)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let partial: Vec<&Value> = lines
        .iter()
        .filter(|line| line["status"] == "partial")
        .collect();
    assert!(!partial.is_empty(), "the demo has keys used within a week");
    let final_state = holdings(&emulator);
    for line in partial {
        let id = line["account_id"].as_str().unwrap();
        assert_eq!(line["reason"]["kind"], "kept_recent_keys", "{line}");
        assert!(
            final_state[id]
                .iter()
                .all(|held| held.starts_with("access_keys:")),
            "account {id} keeps only its recent keys: {:?}",
            final_state[id]
        );
    }
}

#[test]
fn rust_example_runs() {
    let emulator = Emulator::demo(&[]);
    let example = rootward_e2e::workspace().join("target/debug/examples/audit_then_plan");
    assert!(
        example.exists(),
        "{} is missing; run `cargo build --workspace --examples` first (make test does)",
        example.display()
    );
    let output = emulator.command(example).output().unwrap();

    assert!(output.status.success(), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("accounts hold root credentials"),
        "{stdout}"
    );
    assert!(stdout.contains("200000000003 planned"), "{stdout}");
    assert_eq!(
        write_calls(&emulator),
        0,
        "an audit and a plan make no write call"
    );
}

#[test]
fn trace_logs_hold_no_root_credentials() {
    let folder = tempfile::tempdir().unwrap();
    let issued = folder.path().join("issued.tsv");
    let emulator = Emulator::demo(&[
        "--credentials-log",
        issued.to_str().unwrap(),
        "--throttle",
        "0.1",
        "--seed",
        "5",
    ]);
    let report_csv = folder.path().join("delete.csv");
    let report_jsonl = folder.path().join("plan.jsonl");

    let plan = emulator
        .rootward()
        .env("RUST_LOG", "trace")
        .args([
            "delete-credentials",
            "--report",
            report_jsonl.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let delete = emulator
        .rootward()
        .env("RUST_LOG", "trace")
        .args([
            "delete-credentials",
            "--execute",
            "--report",
            report_csv.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let refused = emulator
        .rootward()
        .env("RUST_LOG", "trace")
        .args([
            "delete-credentials",
            "--execute",
            "--accounts",
            "200000000024",
        ])
        .output()
        .unwrap();

    assert_eq!(delete.status.code(), Some(0), "{}", text(&delete));
    let mut everything = String::new();
    for output in [&plan, &delete, &refused] {
        everything.push_str(&String::from_utf8_lossy(&output.stdout));
        everything.push_str(&String::from_utf8_lossy(&output.stderr));
    }
    assert!(
        everything.contains("DEBUG"),
        "RUST_LOG=trace reached the SDK's debug logs"
    );
    everything.push_str(&std::fs::read_to_string(&report_csv).unwrap());
    everything.push_str(&std::fs::read_to_string(&report_jsonl).unwrap());

    let issued = std::fs::read_to_string(&issued).unwrap();
    let sessions: Vec<Vec<&str>> = issued
        .lines()
        .map(|line| line.split('\t').collect())
        .collect();
    assert!(
        sessions.len() >= 2 * 16,
        "the emulator issued a session per account and run"
    );
    for session in &sessions {
        let [key, secret, token] = session[..] else {
            panic!("unexpected credentials log line: {session:?}");
        };
        assert!(
            !everything.contains(secret),
            "a root session secret key leaked"
        );
        assert!(!everything.contains(token), "a root session token leaked");
        assert!(
            !everything.contains(&token[..40]),
            "part of a root session token leaked"
        );
        assert!(
            !everything.contains(key),
            "a root session access key ID leaked"
        );
    }
}

#[test]
fn duplicate_ids_processed_once_with_warning() {
    let emulator = Emulator::demo(&[]);
    let folder = tempfile::tempdir().unwrap();
    let report = folder.path().join("audit.csv");

    let output = emulator.run(&[
        "audit",
        "--accounts",
        "200000000003,200000000003",
        "--accounts",
        "200000000003",
        "--report",
        report.to_str().unwrap(),
    ]);

    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("warning: account 200000000003 was given more than once"),
        "{stderr}"
    );
    assert_eq!(read_csv(&report).len(), 1, "one row for the account");
}

#[test]
fn resume_with_other_report_is_usage_error() {
    let emulator = Emulator::demo(&[]);
    let folder = tempfile::tempdir().unwrap();
    let first = folder.path().join("first.csv");
    let output = emulator.run(&[
        "audit",
        "--accounts",
        "200000000003",
        "--report",
        first.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    emulator.clear_requests();

    let other = folder.path().join("other.csv");
    let resumed = emulator.run(&[
        "audit",
        "--resume",
        first.to_str().unwrap(),
        "--report",
        other.to_str().unwrap(),
    ]);

    assert_eq!(resumed.status.code(), Some(2), "{}", text(&resumed));
    assert!(String::from_utf8_lossy(&resumed.stderr).contains("drop --report"));
    assert!(emulator.requests().is_empty(), "no AWS call at all");
    assert!(!other.exists());
}

#[test]
fn long_accounts_file_is_checked_in_one_listing() {
    let emulator = Emulator::demo(&[]);
    let folder = tempfile::tempdir().unwrap();
    let list = folder.path().join("accounts.txt");
    let report = folder.path().join("audit.csv");
    let ids: Vec<String> = (1..=23).map(|n| format!("2000000000{n:02}")).collect();
    std::fs::write(&list, format!("# active members\n{}\n", ids.join("\n"))).unwrap();

    let output = emulator.run(&[
        "audit",
        "--accounts-file",
        list.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]);

    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert_eq!(read_csv(&report).len(), 23);
    let describes = emulator
        .requests()
        .iter()
        .filter(|request| request["action"] == "DescribeAccount")
        .count();
    assert_eq!(
        describes, 0,
        "a long list is checked with ListAccounts, not one DescribeAccount each"
    );

    std::fs::write(&list, format!("{}\n999999999999\n", ids.join(","))).unwrap();
    let outside = emulator.run(&["audit", "--accounts-file", list.to_str().unwrap()]);
    assert_eq!(outside.status.code(), Some(2), "{}", text(&outside));
    assert!(String::from_utf8_lossy(&outside.stderr).contains("999999999999"));
}
