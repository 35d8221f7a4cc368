//! Organization setup, the password and unlock tasks, and the policy documents, end to end on
//! the local emulator.

use rootward_e2e::{read_csv, scenario, text, Emulator};
use serde_json::Value;

const DELEGATED_ADMIN_KEY: &str = "AKIADELEGATEDADMIN01";
const PLAIN_MEMBER_KEY: &str = "AKIAPLAINMEMBER00001";
const STORAGE_ACCOUNT: &str = "300000000003";

fn minimal(options: &[&str]) -> Emulator {
    Emulator::start(&scenario("minimal.json"), options)
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn run_as(emulator: &Emulator, access_key: &str, args: &[&str]) -> std::process::Output {
    emulator
        .rootward()
        .env("AWS_ACCESS_KEY_ID", access_key)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn status_ready_table_and_json() {
    let emulator = minimal(&[]);

    let table = emulator.run(&["status"]);
    let json = emulator.run(&["status", "--json"]);

    assert_eq!(table.status.code(), Some(0), "{}", text(&table));
    assert!(stdout(&table).contains("Ready"), "{}", text(&table));
    assert_eq!(json.status.code(), Some(0), "{}", text(&json));
    let status: Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(status["organization_id"], "o-rwminimal1");
    assert_eq!(status["trusted_access"], true);
    assert_eq!(status["all_features"], true);
    assert_eq!(
        status["delegated_administrators"],
        serde_json::json!(["300000000001"])
    );
    assert_eq!(
        status["enabled_features"],
        serde_json::json!(["RootCredentialsManagement", "RootSessions"])
    );
    assert_eq!(status["findings"], serde_json::json!([]));
}

#[test]
fn status_names_each_missing_prerequisite() {
    let cases = [
        (
            "trusted-access-off.json",
            "trusted access for iam.amazonaws.com is off",
        ),
        ("features-off.json", "the RootSessions feature is off"),
        (
            "consolidated-billing.json",
            "does not have all features enabled",
        ),
    ];
    for (file, finding) in cases {
        let emulator = Emulator::start(&scenario(file), &[]);

        let output = emulator.run(&["status"]);

        assert_eq!(output.status.code(), Some(1), "{file}: {}", text(&output));
        assert!(
            stdout(&output).contains(finding),
            "{file}: {}",
            text(&output)
        );
        assert!(
            stdout(&output).contains("rootward enable --execute")
                || file == "consolidated-billing.json"
        );
    }
}

#[test]
fn preflight_names_each_missing_prerequisite() {
    let cases = [
        (
            "trusted-access-off.json",
            None,
            "trusted access for iam.amazonaws.com is off",
        ),
        ("features-off.json", None, "RootSessions feature is off"),
        ("consolidated-billing.json", None, "all features"),
        (
            "minimal.json",
            Some(PLAIN_MEMBER_KEY),
            "neither the management account nor the delegated administrator",
        ),
    ];
    for (file, key, message) in cases {
        let emulator = Emulator::start(&scenario(file), &[]);

        let output = match key {
            Some(key) => run_as(&emulator, key, &["audit"]),
            None => emulator.run(&["audit"]),
        };

        assert_eq!(output.status.code(), Some(1), "{file}: {}", text(&output));
        assert!(
            stderr(&output).contains(message),
            "{file}: {}",
            text(&output)
        );
        let sessions = emulator
            .requests()
            .iter()
            .filter(|request| request["action"] == "AssumeRoot")
            .count();
        assert_eq!(sessions, 0, "{file}: no session may start");
    }
}

#[test]
fn enable_plans_executes_then_changes_nothing() {
    let emulator = Emulator::start(&scenario("trusted-access-off.json"), &[]);

    let plan = emulator.run(&["enable", "--delegated-admin", "300000000001"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    for action in [
        "EnableAWSServiceAccess",
        "RegisterDelegatedAdministrator",
        "EnableOrganizationsRootCredentialsManagement",
        "EnableOrganizationsRootSessions",
    ] {
        assert!(stdout(&plan).contains(action), "{action}: {}", text(&plan));
    }
    assert!(
        emulator.write_calls().is_empty(),
        "a plan makes no write call: {:?}",
        emulator.write_calls()
    );

    let execute = emulator.run(&[
        "enable",
        "--delegated-admin",
        "300000000001",
        "--execute",
        "--json",
    ]);
    assert_eq!(execute.status.code(), Some(0), "{}", text(&execute));
    let changes: Value = serde_json::from_str(&stdout(&execute)).unwrap();
    assert_eq!(changes.as_array().unwrap().len(), 4);
    assert!(changes
        .as_array()
        .unwrap()
        .iter()
        .all(|change| change["applied"] == true));
    let state = emulator.state();
    assert_eq!(
        state["trusted_access"],
        serde_json::json!(["iam.amazonaws.com"])
    );
    assert_eq!(
        state["features"],
        serde_json::json!(["RootCredentialsManagement", "RootSessions"])
    );
    assert_eq!(
        state["delegated_administrators"][0]["account_id"],
        "300000000001"
    );

    emulator.clear_requests();
    let again = emulator.run(&["enable", "--delegated-admin", "300000000001", "--execute"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert!(
        stdout(&again).contains("Nothing to change"),
        "{}",
        text(&again)
    );
    assert!(
        emulator.write_calls().is_empty(),
        "a second enable changes nothing"
    );

    let audit = emulator.run(&["audit", "--accounts", "300000000002"]);
    assert_eq!(
        audit.status.code(),
        Some(0),
        "root sessions work after enable: {}",
        text(&audit)
    );
}

#[test]
fn enable_only_named_features() {
    let emulator = Emulator::start(&scenario("features-off.json"), &[]);

    let output = emulator.run(&["enable", "--features", "RootSessions", "--execute"]);

    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert_eq!(
        emulator.state()["features"],
        serde_json::json!(["RootSessions"])
    );
    assert_eq!(
        emulator.write_calls(),
        vec!["EnableOrganizationsRootSessions".to_owned()]
    );
}

#[test]
fn delegated_admin_cannot_enable_but_can_audit() {
    let emulator = Emulator::start(&scenario("features-off.json"), &[]);

    let enable = run_as(&emulator, DELEGATED_ADMIN_KEY, &["enable", "--execute"]);

    assert_eq!(enable.status.code(), Some(1), "{}", text(&enable));
    assert!(
        stderr(&enable).contains("only the management account"),
        "{}",
        text(&enable)
    );
    assert!(emulator.write_calls().is_empty());

    let minimal = minimal(&[]);
    let audit = run_as(
        &minimal,
        DELEGATED_ADMIN_KEY,
        &["audit", "--accounts", "300000000002"],
    );
    assert_eq!(
        audit.status.code(),
        Some(0),
        "a delegated admin runs root sessions: {}",
        text(&audit)
    );
    let status = run_as(&minimal, DELEGATED_ADMIN_KEY, &["status"]);
    assert!(
        stdout(&status).contains("not the management account"),
        "{}",
        text(&status)
    );
}

#[test]
fn disable_touches_only_what_is_asked() {
    let emulator = minimal(&[]);

    let plan = emulator.run(&["disable"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    assert!(emulator.write_calls().is_empty());

    let execute = emulator.run(&["disable", "--execute"]);
    assert_eq!(execute.status.code(), Some(0), "{}", text(&execute));
    let state = emulator.state();
    assert_eq!(state["features"], serde_json::json!([]));
    assert_eq!(
        state["trusted_access"],
        serde_json::json!(["iam.amazonaws.com"]),
        "trusted access stays"
    );
    assert_eq!(
        state["delegated_administrators"].as_array().unwrap().len(),
        1,
        "the delegated admin stays"
    );

    let everything = emulator.run(&[
        "disable",
        "--trusted-access",
        "--delegated-admin",
        "300000000001",
        "--execute",
    ]);
    assert_eq!(everything.status.code(), Some(0), "{}", text(&everything));
    let state = emulator.state();
    assert_eq!(state["trusted_access"], serde_json::json!([]));
    assert_eq!(state["delegated_administrators"], serde_json::json!([]));
}

#[test]
fn create_password_plans_creates_and_skips_existing() {
    let emulator = minimal(&[]);
    let folder = tempfile::tempdir().unwrap();
    let report = folder.path().join("password.csv");

    let plan = emulator.run(&["create-password", "--accounts", "300000000002,300000000006"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    assert!(emulator.write_calls().is_empty());

    let execute = emulator.run(&[
        "create-password",
        "--accounts",
        "300000000002,300000000006",
        "--execute",
        "--report",
        report.to_str().unwrap(),
    ]);

    assert_eq!(execute.status.code(), Some(0), "{}", text(&execute));
    let rows = read_csv(&report);
    let status =
        |id: &str| rows.iter().find(|row| row["account_id"] == id).unwrap()["status"].clone();
    assert_eq!(
        status("300000000002"),
        "nothing_to_do",
        "it already had a password"
    );
    assert_eq!(status("300000000006"), "done");
    assert!(emulator.state()["accounts"]["300000000006"]["root_user"]["password"].is_object());
    assert_eq!(
        emulator.write_calls(),
        vec!["CreateLoginProfile".to_owned()]
    );
}

#[test]
fn create_password_needs_named_accounts() {
    let emulator = minimal(&[]);

    let output = emulator.run(&["create-password", "--execute"]);

    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(stderr(&output).contains("--accounts"));
    assert!(emulator.write_calls().is_empty());
}

#[test]
fn unlock_s3_shows_then_deletes_policy() {
    let emulator = minimal(&[]);
    let folder = tempfile::tempdir().unwrap();
    let report = folder.path().join("unlock.csv");
    let bucket = "rw-minimal-locked-bucket";

    let plan = emulator.run(&[
        "unlock-s3",
        "--account",
        STORAGE_ACCOUNT,
        "--bucket",
        bucket,
    ]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    assert!(
        stdout(&plan).contains("DenyEveryone"),
        "the plan shows the policy: {}",
        text(&plan)
    );
    assert!(emulator.write_calls().is_empty());

    let execute = emulator.run(&[
        "unlock-s3",
        "--account",
        STORAGE_ACCOUNT,
        "--bucket",
        bucket,
        "--execute",
        "--report",
        report.to_str().unwrap(),
    ]);

    assert_eq!(execute.status.code(), Some(0), "{}", text(&execute));
    let buckets = &emulator.state()["accounts"][STORAGE_ACCOUNT]["buckets"];
    assert!(buckets[bucket]["policy"].is_null(), "{buckets}");
    let rows = read_csv(&report);
    assert_eq!(rows[0]["status"], "done");
    assert!(
        rows[0]["policy"].contains("DenyEveryone"),
        "the report keeps the removed policy"
    );
}

#[test]
fn unlock_sqs_removes_only_policy() {
    let emulator = minimal(&[]);
    let queue = "rw-minimal-locked-queue";
    let queue_url = format!("{}/{STORAGE_ACCOUNT}/{queue}", emulator.url);
    let before =
        emulator.state()["accounts"][STORAGE_ACCOUNT]["queues"][queue]["attributes"].clone();
    assert!(before["Policy"].is_string());

    let output = emulator.run(&[
        "unlock-sqs",
        "--account",
        STORAGE_ACCOUNT,
        "--queue-url",
        &queue_url,
        "--execute",
    ]);

    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(
        stdout(&output).contains("DenyEveryone"),
        "{}",
        text(&output)
    );
    let after =
        emulator.state()["accounts"][STORAGE_ACCOUNT]["queues"][queue]["attributes"].clone();
    assert!(
        after.get("Policy").is_none() || after["Policy"].is_null(),
        "{after}"
    );
    assert_eq!(after["VisibilityTimeout"], "45");
    for (name, value) in before.as_object().unwrap() {
        if name != "Policy" && name != "LastModifiedTimestamp" {
            assert_eq!(&after[name], value, "attribute {name} changed");
        }
    }
}

#[test]
fn unlock_without_policy_is_nothing_to_do() {
    let emulator = minimal(&[]);

    let output = emulator.run(&[
        "unlock-s3",
        "--account",
        STORAGE_ACCOUNT,
        "--bucket",
        "rw-minimal-open-bucket",
        "--execute",
    ]);

    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(
        stdout(&output).contains("nothing_to_do"),
        "{}",
        text(&output)
    );
    assert!(emulator.write_calls().is_empty());
}

#[test]
fn policy_covers_all_task_policies() {
    let emulator = minimal(&[]);

    let output = emulator.run(&["policy"]);

    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let document: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(document.as_object().unwrap().len(), 2);
    let statement = &document["caller_policy"]["Statement"][0];
    assert_eq!(document["caller_policy"]["Version"], "2012-10-17");
    assert_eq!(statement["Effect"], "Allow");
    assert_eq!(statement["Action"], "sts:AssumeRoot");
    assert_eq!(
        statement["Resource"],
        serde_json::json!(["arn:aws:iam::*:root"])
    );
    let arns: Vec<&str> = statement["Condition"]["StringEquals"]["sts:TaskPolicyArn"]
        .as_array()
        .unwrap()
        .iter()
        .map(|arn| arn.as_str().unwrap())
        .collect();
    assert_eq!(
        arns,
        [
            "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials",
            "arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials",
            "arn:aws:iam::aws:policy/root-task/IAMCreateRootUserPassword",
            "arn:aws:iam::aws:policy/root-task/S3UnlockBucketPolicy",
            "arn:aws:iam::aws:policy/root-task/SQSUnlockQueuePolicy",
        ]
    );
    let scp = &document["scp_statement"];
    assert_eq!(scp["Effect"], "Deny");
    assert_eq!(scp["Action"], "*");
    assert_eq!(scp["Resource"], "*");
    assert_eq!(
        scp["Condition"]["ArnLike"]["aws:PrincipalArn"],
        "arn:aws:iam::*:root"
    );
    assert_eq!(scp["Condition"]["Null"]["aws:AssumedRoot"], "true");
    assert!(emulator.requests().is_empty(), "policy makes no AWS call");

    let again = emulator.run(&["policy"]);
    assert_eq!(stdout(&again), stdout(&output), "the output is stable");
}

#[test]
fn policy_follows_partition_and_accounts() {
    let emulator = minimal(&[]);

    let by_flag = emulator.run(&[
        "policy",
        "--partition",
        "aws-us-gov",
        "--task-policy",
        "IAMAuditRootUserCredentials",
        "--accounts",
        "300000000002",
    ]);
    let by_region = emulator.run(&["policy", "--region", "cn-north-1"]);

    let document: Value = serde_json::from_str(&stdout(&by_flag)).unwrap();
    let statement = &document["caller_policy"]["Statement"][0];
    assert_eq!(
        statement["Resource"],
        serde_json::json!(["arn:aws-us-gov:iam::300000000002:root"])
    );
    assert_eq!(
        statement["Condition"]["StringEquals"]["sts:TaskPolicyArn"],
        serde_json::json!(["arn:aws-us-gov:iam::aws:policy/root-task/IAMAuditRootUserCredentials"])
    );
    let document: Value = serde_json::from_str(&stdout(&by_region)).unwrap();
    assert_eq!(
        document["scp_statement"]["Condition"]["ArnLike"]["aws:PrincipalArn"],
        "arn:aws-cn:iam::*:root"
    );
}

#[test]
fn policy_rejects_unknown_task_policy() {
    let emulator = minimal(&[]);

    let output = emulator.run(&["policy", "--task-policy", "IAMDeleteEverything"]);

    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(stderr(&output).contains("IAMDeleteEverything"));
    assert!(
        stderr(&output).contains("IAMAuditRootUserCredentials"),
        "it lists the valid names"
    );
}
