//! Bad input of every kind: each gets exit status 2, a message naming the problem, and no AWS
//! write call.

use rootward_e2e::{scenario, text, Emulator};

/// Runs each case and checks exit status 2, the message, and that no write call reached AWS.
fn check_usage_errors(emulator: &Emulator, cases: &[(Vec<String>, &str)]) {
    for (args, needle) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = emulator.run(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", text(&output));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(needle),
            "{args:?}: expected {needle:?} in {stderr}"
        );
        assert!(
            emulator.write_calls().is_empty(),
            "{args:?}: write calls {:?}",
            emulator.write_calls()
        );
    }
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|arg| (*arg).to_owned()).collect()
}

#[test]
fn each_bad_input_is_a_usage_error() {
    let emulator = Emulator::demo(&[]);
    let folder = tempfile::tempdir().unwrap();
    let path = |name: &str| folder.path().join(name).to_str().unwrap().to_owned();

    let directory = path("directory.csv");
    std::fs::create_dir(&directory).unwrap();
    let garbage = path("garbage.csv");
    std::fs::write(&garbage, "not,a,report\n\u{0}\u{1}binary\n").unwrap();
    let audit = path("audit.csv");
    let output = emulator.run(&["audit", "--accounts", "200000000003", "--report", &audit]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let audit_jsonl = path("audit.jsonl");
    let output = emulator.run(&[
        "audit",
        "--accounts",
        "200000000003",
        "--report",
        &audit_jsonl,
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    emulator.clear_requests();

    let cases = [
        (strings(&["audit", "--accounts", "12345"]), "12 digits"),
        (
            strings(&["audit", "--accounts", "2000000000ab"]),
            "2000000000ab",
        ),
        (
            strings(&["audit", "--ou", "ou-rw01-nothere0"]),
            "ou-rw01-nothere0",
        ),
        (
            strings(&["audit", "--exclude-ou", "ou-rw01-nothere0"]),
            "ou-rw01-nothere0",
        ),
        (strings(&["audit", "--resume", &directory]), "directory.csv"),
        (strings(&["audit", "--resume", &garbage]), "garbage.csv"),
        (
            strings(&["delete-credentials", "--execute", "--resume", &audit]),
            "task audit",
        ),
        (
            strings(&["audit", "--report", "/nonexistent-folder/report.csv"]),
            "does not exist",
        ),
        (strings(&["audit", "--region", "mars-1"]), "mars-1"),
        (strings(&["audit", "--concurrency", "0"]), "concurrency"),
        (strings(&["audit", "--max-rps", "0"]), "--max-rps"),
        (
            strings(&["delete-credentials", "--max-rps", "0"]),
            "at least 1 request",
        ),
        (
            strings(&["policy", "--task-policy", "IAMDeleteEverything"]),
            "IAMDeleteEverything",
        ),
        (
            strings(&[
                "delete-credentials",
                "--execute",
                "--plan",
                &path("missing.jsonl"),
            ]),
            "missing.jsonl",
        ),
        (
            strings(&["delete-credentials", "--execute", "--plan", &directory]),
            "directory.csv",
        ),
        (
            strings(&["delete-credentials", "--execute", "--plan", &audit_jsonl]),
            "not a rootward plan",
        ),
        (
            strings(&["delete-credentials", "--plan", &audit_jsonl]),
            "--execute",
        ),
        (
            strings(&[
                "delete-credentials",
                "--execute",
                "--plan-out",
                &path("plan.jsonl"),
            ]),
            "--plan-out",
        ),
        (
            strings(&[
                "delete-credentials",
                "--plan-out",
                "/nonexistent-folder/plan.jsonl",
            ]),
            "does not exist",
        ),
        (
            strings(&[
                "delete-credentials",
                "--plan-out",
                &path("plan.jsonl"),
                "--resume",
                &audit,
            ]),
            "--resume",
        ),
    ];
    check_usage_errors(&emulator, &cases);
    let sessions = emulator
        .requests()
        .iter()
        .filter(|request| request["action"] == "AssumeRoot")
        .count();
    assert_eq!(sessions, 0, "no root session starts");
}

#[test]
fn foreign_plan_and_report_rejected() {
    let demo = Emulator::demo(&[]);
    let folder = tempfile::tempdir().unwrap();
    let plan = folder.path().join("plan.jsonl");
    let report = folder.path().join("delete.csv");
    let output = demo.run(&[
        "delete-credentials",
        "--accounts",
        "200000000003",
        "--plan-out",
        plan.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let output = demo.run(&[
        "delete-credentials",
        "--execute",
        "--accounts",
        "200000000005",
        "--report",
        report.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));

    let other = Emulator::start(&scenario("minimal.json"), &[]);
    let cases = [
        (
            strings(&[
                "delete-credentials",
                "--execute",
                "--plan",
                plan.to_str().unwrap(),
            ]),
            "o-rwdemo0001",
        ),
        (
            strings(&[
                "delete-credentials",
                "--execute",
                "--resume",
                report.to_str().unwrap(),
            ]),
            "o-rwdemo0001",
        ),
    ];
    check_usage_errors(&other, &cases);
    let sessions = other
        .requests()
        .iter()
        .filter(|request| request["action"] == "AssumeRoot")
        .count();
    assert_eq!(sessions, 0, "no root session starts");
}
