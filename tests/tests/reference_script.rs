//! The reference script (today's baseline) and rootward, each on a fresh emulator with the
//! demo scenario, must remove exactly the same root credentials from active member accounts.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use rootward_e2e::{holdings, text, Emulator, MANAGEMENT_KEY};
use serde_json::Value;

fn reference_script() -> PathBuf {
    rootward_e2e::workspace().join("../shared/peers/reference-script.sh")
}

fn removed(
    before: &BTreeMap<String, Vec<String>>,
    after: &BTreeMap<String, Vec<String>>,
) -> BTreeMap<String, Vec<String>> {
    before
        .iter()
        .map(|(id, held)| {
            let gone = held
                .iter()
                .filter(|item| !after[id].contains(item))
                .cloned()
                .collect();
            (id.clone(), gone)
        })
        .collect()
}

fn active_members(state: &Value) -> Vec<String> {
    let management = state["organization"]["management_account_id"]
        .as_str()
        .unwrap_or("111111111111")
        .to_owned();
    state["accounts"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(id, account)| account["state"] == "ACTIVE" && **id != management)
        .map(|(id, _)| id.clone())
        .collect()
}

#[test]
fn reference_script_removes_what_rootward_removes() {
    let script = reference_script();
    assert!(script.exists(), "{} is missing", script.display());

    let baseline = Emulator::demo(&[]);
    let baseline_before = holdings(&baseline.state());
    let folder = tempfile::tempdir().unwrap();
    let output = Command::new("bash")
        .arg(&script)
        .current_dir(folder.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", folder.path())
        .env("AWS_ENDPOINT_URL", &baseline.url)
        .env("AWS_ACCESS_KEY_ID", MANAGEMENT_KEY)
        .env("AWS_SECRET_ACCESS_KEY", "emulator-management-secret")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("REPORT", folder.path().join("script.csv"))
        .output()
        .expect("bash runs the reference script");
    assert!(output.status.success(), "{}", text(&output));
    let baseline_state = baseline.state();
    let baseline_removed = removed(&baseline_before, &holdings(&baseline_state));

    let ours = Emulator::demo(&[]);
    let ours_before = holdings(&ours.state());
    let run = ours.run(&["delete-credentials", "--execute"]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    let ours_removed = removed(&ours_before, &holdings(&ours.state()));

    let members = active_members(&baseline_state);
    assert!(
        members.len() >= 15,
        "the demo has at least 15 active member accounts"
    );
    let mut compared = 0;
    for id in &members {
        assert_eq!(ours_removed[id], baseline_removed[id], "account {id}");
        assert_eq!(
            ours_removed[id], ours_before[id],
            "account {id}: rootward removed everything"
        );
        compared += ours_removed[id].len();
    }
    assert!(
        compared > 20,
        "the comparison covered real credentials ({compared})"
    );
}
