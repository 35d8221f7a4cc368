//! Helpers for the end-to-end tests: start the local emulator, run the `rootward` binary
//! against it, and read the emulator's state and request log.
//!
//! Every address here is on loopback: the emulator binds 127.0.0.1, and the environment given
//! to the binary disables profiles and the instance metadata service.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

/// The access key the emulator treats as the management account (any key it did not issue).
pub const MANAGEMENT_KEY: &str = "AKIAEMULATORMANAGER1";

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests package sits in the workspace")
        .to_path_buf()
}

/// A scenario file under `tests/emulator/scenarios/`.
pub fn scenario(name: &str) -> PathBuf {
    workspace().join("tests/emulator/scenarios").join(name)
}

/// The debug `rootward` binary, built by `make test` before the tests run.
pub fn rootward_bin() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target"));
    let binary = target.join("debug/rootward");
    assert!(
        binary.exists(),
        "{} is missing; run `cargo build -p rootward-cli` first (make test does)",
        binary.display()
    );
    binary
}

/// A running emulator, stopped on drop.
pub struct Emulator {
    child: Child,
    /// The base URL, `http://127.0.0.1:PORT`.
    pub url: String,
}

impl Emulator {
    /// Starts `serve.py` on a free port with a scenario and extra options.
    pub fn start(scenario_file: &Path, options: &[&str]) -> Self {
        let mut child = Command::new("python3")
            .arg(workspace().join("tests/emulator/serve.py"))
            .args(["--port", "0", "--scenario"])
            .arg(scenario_file)
            .args(options)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 must be installed to run the emulator");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the emulator prints a ready line");
        let url = line
            .trim()
            .strip_prefix("ready ")
            .unwrap_or_else(|| panic!("unexpected first line from the emulator: {line:?}"))
            .to_owned();
        assert!(
            url.starts_with("http://127.0.0.1:"),
            "emulator must listen on loopback: {url}"
        );
        Self { child, url }
    }

    /// Starts the emulator with the demo scenario.
    pub fn demo(options: &[&str]) -> Self {
        Self::start(&scenario("demo.json"), options)
    }

    fn get(&self, path: &str) -> String {
        http(&self.url, "GET", path)
    }

    /// The emulator's state: root users, features, trusted access.
    pub fn state(&self) -> serde_json::Value {
        serde_json::from_str(&self.get("/_emulator/state")).expect("state is JSON")
    }

    /// Each account's root credentials, as [`holdings`] lists them.
    pub fn holdings(&self) -> std::collections::BTreeMap<String, Vec<String>> {
        holdings(&self.state())
    }

    /// The ordered request log.
    pub fn requests(&self) -> Vec<serde_json::Value> {
        serde_json::from_str(&self.get("/_emulator/requests")).expect("request log is JSON")
    }

    /// The actions of logged requests that change something (deletes, creates, enables …).
    pub fn write_calls(&self) -> Vec<String> {
        const WRITE_PREFIXES: [&str; 9] = [
            "Delete",
            "Deactivate",
            "Create",
            "Enable",
            "Disable",
            "Put",
            "Set",
            "Register",
            "Deregister",
        ];
        self.requests()
            .iter()
            .filter_map(|request| request["action"].as_str())
            .filter(|action| {
                WRITE_PREFIXES
                    .iter()
                    .any(|prefix| action.starts_with(prefix))
            })
            .map(str::to_owned)
            .collect()
    }

    /// Clears the request log.
    pub fn clear_requests(&self) {
        http(&self.url, "POST", "/_emulator/requests/clear");
    }

    /// A `rootward` command with the environment pointed at this emulator only.
    pub fn rootward(&self) -> Command {
        self.command(rootward_bin())
    }

    /// A command for `program` whose environment points at this emulator only: no profile,
    /// no instance metadata, no inherited AWS variables.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new(program);
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_ENDPOINT_URL", &self.url)
            .env("AWS_ACCESS_KEY_ID", MANAGEMENT_KEY)
            .env("AWS_SECRET_ACCESS_KEY", "emulator-management-secret")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .stdin(Stdio::null());
        command
    }

    /// Runs `rootward` with `args` and returns its output.
    pub fn run(&self, args: &[&str]) -> Output {
        self.rootward().args(args).output().expect("rootward runs")
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.1 request to the emulator's control routes on loopback.
fn http(base: &str, method: &str, path: &str) -> String {
    let address = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).expect("connect to the emulator");
    stream.set_read_timeout(Some(Duration::from_secs(30))).ok();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .expect("send request");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read response");
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    assert!(
        head.starts_with("HTTP/1.") && head.contains(" 200 "),
        "{method} {path}: {head}"
    );
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_owned()
    }
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.push_str(&tail[..size]);
        rest = &tail[size + 2..];
    }
    out
}

/// Each account's root credentials in an emulator state, as sorted identifiers such as
/// `password`, `access_keys:AKIA…` or `mfa_devices:arn:…`.
pub fn holdings(state: &serde_json::Value) -> std::collections::BTreeMap<String, Vec<String>> {
    assert!(
        state["accounts"]
            .as_object()
            .is_some_and(|accounts| accounts
                .values()
                .all(|account| account["root_user"].is_object())),
        "unexpected emulator state layout"
    );
    state["accounts"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(id, account)| {
            let root = &account["root_user"];
            let mut held = Vec::new();
            if root["password"].is_object() {
                held.push("password".to_owned());
            }
            let kinds = [
                ("access_keys", "id"),
                ("signing_certificates", "id"),
                ("mfa_devices", "serial"),
            ];
            for (kind, field) in kinds {
                for item in root[kind].as_array().into_iter().flatten() {
                    held.push(format!(
                        "{kind}:{}",
                        item[field].as_str().unwrap_or_default()
                    ));
                }
            }
            held.sort();
            (id.clone(), held)
        })
        .collect()
}

/// Reads a CSV report into maps of column → cell.
pub fn read_csv(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).expect("report exists");
    let headers = reader.headers().expect("header row").clone();
    reader
        .records()
        .map(|record| {
            let record = record.expect("valid row");
            headers
                .iter()
                .zip(record.iter())
                .map(|(header, cell)| (header.to_owned(), cell.to_owned()))
                .collect()
        })
        .collect()
}

/// Text of the process output, both streams.
pub fn text(output: &Output) -> String {
    format!(
        "status: {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
