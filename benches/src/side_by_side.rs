//! The reference script and `rootward delete-credentials --execute`, each on a fresh emulator
//! with the same scenario and added latency, timed end to end.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use rootward_e2e::{scenario, workspace, Emulator};
use serde_json::Value;

/// The scenario: 20 active member accounts whose root users hold the benchmark workload.
const SCENARIO: &str = "side-by-side.json";

/// The emulator's added latency per request.
const LATENCY_MS: &str = "20";

/// The timings and end states of both runs.
pub(crate) struct Comparison {
    pub(crate) script: Duration,
    pub(crate) rootward: Duration,
    /// Active member accounts left without root credentials, by each run.
    pub(crate) script_clean: BTreeSet<String>,
    pub(crate) rootward_clean: BTreeSet<String>,
    /// Every active member account of the scenario.
    pub(crate) members: BTreeSet<String>,
}

/// Runs both and compares them. `rootward` is the binary to time.
pub(crate) fn compare(rootward: &Path) -> Result<Comparison, String> {
    let script = workspace().join("../shared/peers/reference-script.sh");
    if !script.exists() {
        return Err(format!("{} is missing", script.display()));
    }
    if !rootward.exists() {
        return Err(format!(
            "{} is missing; build it with `cargo build --release -p rootward-cli`",
            rootward.display()
        ));
    }
    let folder = tempfile::tempdir().map_err(|error| format!("no temporary folder: {error}"))?;

    let emulator = Emulator::start(&scenario(SCENARIO), &["--latency-ms", LATENCY_MS]);
    let members = active_members(&emulator.state());
    let mut command = emulator.command("bash");
    command
        .arg(&script)
        .current_dir(folder.path())
        .env("HOME", folder.path())
        .env("REPORT", folder.path().join("script.csv"));
    let (script_time, output) = timed(command)?;
    check_success("the reference script", &output)?;
    let script_clean = clean_members(&emulator.state(), &members);
    drop(emulator);

    let emulator = Emulator::start(&scenario(SCENARIO), &["--latency-ms", LATENCY_MS]);
    let mut command = emulator.command(rootward);
    command.args(["delete-credentials", "--execute"]);
    let (rootward_time, output) = timed(command)?;
    check_success("rootward", &output)?;
    let rootward_clean = clean_members(&emulator.state(), &members);

    Ok(Comparison {
        script: script_time,
        rootward: rootward_time,
        script_clean,
        rootward_clean,
        members,
    })
}

fn timed(mut command: Command) -> Result<(Duration, Output), String> {
    let clock = Instant::now();
    let output = command
        .output()
        .map_err(|error| format!("could not run {command:?}: {error}"))?;
    Ok((clock.elapsed(), output))
}

fn check_success(name: &str, output: &Output) -> Result<(), String> {
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "{name} exited with {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    ))
}

fn active_members(state: &Value) -> BTreeSet<String> {
    let management = state["organization"]["management_account_id"]
        .as_str()
        .unwrap_or_default();
    state["accounts"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(id, account)| account["state"] == "ACTIVE" && id.as_str() != management)
        .map(|(id, _)| id.clone())
        .collect()
}

/// Lists the members whose root user has no password, access key, signing certificate or MFA
/// device, assigned or not.
fn clean_members(state: &Value, members: &BTreeSet<String>) -> BTreeSet<String> {
    members
        .iter()
        .filter(|id| {
            let root = &state["accounts"][id.as_str()]["root_user"];
            root["password"].is_null()
                && [
                    "access_keys",
                    "signing_certificates",
                    "mfa_devices",
                    "unassigned_virtual_mfa_devices",
                ]
                .iter()
                .all(|kind| root[*kind].as_array().is_some_and(Vec::is_empty))
        })
        .cloned()
        .collect()
}

/// Returns the path of the release `rootward` binary, or `ROOTWARD_BIN`.
pub(crate) fn rootward_binary() -> PathBuf {
    std::env::var_os("ROOTWARD_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target/release/rootward"))
}
