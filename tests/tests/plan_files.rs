//! `delete-credentials --plan-out FILE` writes the reviewed plan, and `--execute --plan FILE`
//! removes exactly what it lists, leaving changed accounts untouched.

use std::collections::BTreeMap;

use rootward_e2e::{read_csv, text, Emulator};
use serde_json::Value;

/// A member without any root credential in the demo scenario.
const EMPTY_MEMBER: &str = "200000000002";
/// A member with two signing certificates, left out of the reviewed plan.
const LEFT_OUT: &str = "200000000007";

/// Reads the header of a plan file and its planned accounts.
fn plan_entries(path: &std::path::Path) -> (Value, BTreeMap<String, Value>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    let entries = lines
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .map(|entry| (entry["account_id"].as_str().unwrap().to_owned(), entry))
        .collect();
    (header, entries)
}

/// Lists the credentials that a planned entry names under `part` (`found` or `remove`), as the
/// emulator holdings name them.
fn listed(entry: &Value, part: &str) -> Vec<String> {
    let mut items = Vec::new();
    if entry[part]["login_profile"] == true {
        items.push("password".to_owned());
    }
    for kind in ["access_keys", "signing_certificates", "mfa_devices"] {
        for id in entry[part][kind].as_array().unwrap() {
            items.push(format!("{kind}:{}", id.as_str().unwrap()));
        }
    }
    items.sort();
    items
}

fn write_calls(emulator: &Emulator) -> usize {
    emulator
        .requests()
        .iter()
        .filter(|request| {
            let action = request["action"].as_str().unwrap_or_default();
            ["Delete", "Deactivate", "Create"]
                .iter()
                .any(|prefix| action.starts_with(prefix))
        })
        .count()
}

#[test]
fn plan_execution_removes_only_plan() {
    let emulator = Emulator::demo(&[]);
    let initial = emulator.holdings();
    let folder = tempfile::tempdir().unwrap();
    let plan = folder.path().join("plan.jsonl");

    let planned = emulator.run(&[
        "delete-credentials",
        "--keep-keys-used-within",
        "7",
        "--plan-out",
        plan.to_str().unwrap(),
    ]);

    assert_eq!(planned.status.code(), Some(0), "{}", text(&planned));
    assert_eq!(write_calls(&emulator), 0, "a plan makes no write call");
    assert!(
        String::from_utf8_lossy(&planned.stdout).contains("--plan"),
        "the summary says how to execute the plan: {}",
        text(&planned)
    );
    let (header, entries) = plan_entries(&plan);
    assert_eq!(header["organization_id"], "o-rwdemo0001");
    assert_eq!(header["task"], "delete-credentials");
    for (id, entry) in &entries {
        assert_eq!(listed(entry, "found"), initial[id], "plan of {id}");
    }
    assert!(
        listed(&entries["200000000012"], "remove").is_empty(),
        "the key used 3 hours ago is kept"
    );

    // Between review and execution, a password appears in one account, and the reviewer
    // takes another account out of the plan.
    let created = emulator.run(&["create-password", "--execute", "--accounts", EMPTY_MEMBER]);
    assert_eq!(created.status.code(), Some(0), "{}", text(&created));
    let reviewed: Vec<String> = std::fs::read_to_string(&plan)
        .unwrap()
        .lines()
        .filter(|line| !line.contains(&format!("\"account_id\":\"{LEFT_OUT}\"")))
        .map(|line| format!("{line}\n"))
        .collect();
    std::fs::write(&plan, reviewed.concat()).unwrap();
    let before = emulator.holdings();
    emulator.clear_requests();
    let report = folder.path().join("execute.csv");

    let executed = emulator.run(&[
        "delete-credentials",
        "--execute",
        "--plan",
        plan.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]);

    assert_eq!(
        executed.status.code(),
        Some(1),
        "a stale account is not reached: {}",
        text(&executed)
    );
    let after = emulator.holdings();
    let rows: BTreeMap<String, _> = read_csv(&report)
        .into_iter()
        .map(|row| (row["account_id"].clone(), row))
        .collect();

    assert_eq!(rows[EMPTY_MEMBER]["status"], "skipped");
    assert!(
        rows[EMPTY_MEMBER]["reason"].contains("plan stale")
            && rows[EMPTY_MEMBER]["reason"].contains("password"),
        "{}",
        rows[EMPTY_MEMBER]["reason"]
    );
    assert_eq!(
        after[EMPTY_MEMBER], before[EMPTY_MEMBER],
        "a stale account is untouched"
    );

    assert!(
        !rows.contains_key(LEFT_OUT),
        "an account outside the plan gets no row"
    );
    assert_eq!(
        after[LEFT_OUT], before[LEFT_OUT],
        "an account outside the plan is untouched"
    );
    let touched_left_out = emulator
        .requests()
        .iter()
        .any(|request| request["target_account"] == LEFT_OUT);
    assert!(
        !touched_left_out,
        "no root session in an account outside the plan"
    );

    for (id, entry) in entries
        .iter()
        .filter(|(id, _)| *id != LEFT_OUT && *id != EMPTY_MEMBER)
    {
        let removed = listed(entry, "remove");
        let kept: Vec<String> = initial[id]
            .iter()
            .filter(|item| !removed.contains(item))
            .cloned()
            .collect();
        assert_eq!(
            after[id], kept,
            "account {id} keeps exactly what the plan keeps"
        );
        let expected = if !kept.is_empty() {
            "partial"
        } else if removed.is_empty() {
            "nothing_to_do"
        } else {
            "done"
        };
        assert_eq!(rows[id]["status"], expected, "account {id}");
    }
}
