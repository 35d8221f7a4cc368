//! Builds the C programs that use the C ABI with the system C compiler and runs them against
//! the local emulator. The test program runs under valgrind, which allows no leak and no
//! memory error; the example in `examples/c/` and the README's C example run as they are.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rootward_e2e::{scenario, text, workspace, Emulator};

/// The cargo profile folder, such as `target/debug`.
fn profile_dir() -> PathBuf {
    let test_binary = std::env::current_exe().expect("the test binary's path");
    test_binary
        .parent()
        .and_then(Path::parent)
        .expect("test binaries live in <profile>/deps")
        .to_path_buf()
}

/// The folder that contains the freshly built `librootward_ffi.so` and `librootward_ffi.a`.
///
/// Cargo writes a library with C crate types to `<profile>/deps` and copies it to `<profile>`
/// only when the library itself was the target of the build, as in `cargo build -p
/// rootward-ffi`; under `cargo test` the copy can be missing or stale, so `deps` comes first.
fn library_dir() -> PathBuf {
    let deps = profile_dir().join("deps");
    if deps.join("librootward_ffi.so").is_file() {
        deps
    } else {
        profile_dir()
    }
}

fn include_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("include")
}

fn output_dir() -> PathBuf {
    let dir = profile_dir().join("c-programs");
    std::fs::create_dir_all(&dir).expect("create the output folder");
    dir
}

/// The linker arguments for the static library, as
/// `cargo rustc -p rootward-ffi --crate-type staticlib -- --print native-static-libs` lists them
/// for x86_64 Linux with glibc.
const NATIVE_STATIC_LIBS: &[&str] = &[
    "-lgcc_s",
    "-lutil",
    "-lrt",
    "-lpthread",
    "-lm",
    "-ldl",
    "-lc",
];

enum Linkage {
    Shared,
    Static,
}

/// Compiles one C file with warnings as errors and returns the executable.
fn compile(source: &Path, name: &str, linkage: Linkage) -> PathBuf {
    let compiler = std::env::var("CC").unwrap_or_else(|_| "cc".to_owned());
    let executable = output_dir().join(name);
    let mut command = Command::new(&compiler);
    command
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-g"])
        .arg("-I")
        .arg(include_dir())
        .arg(source)
        .arg("-o")
        .arg(&executable);
    match linkage {
        Linkage::Shared => {
            let libraries = library_dir();
            command
                .arg("-L")
                .arg(&libraries)
                .arg("-lrootward_ffi")
                .arg(format!("-Wl,-rpath,{}", libraries.display()))
                .arg("-lpthread");
        }
        Linkage::Static => {
            command
                .arg(library_dir().join("librootward_ffi.a"))
                .args(NATIVE_STATIC_LIBS);
        }
    }
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("could not run the C compiler {compiler:?}: {error}"));
    assert!(
        output.status.success(),
        "compiling {} failed:\n{}",
        source.display(),
        text(&output)
    );
    executable
}

fn valgrind() -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("valgrind"))
            .find(|candidate| candidate.is_file())
    });
    found.expect("valgrind is not installed; `make c-deps` installs it")
}

#[test]
fn ffi_test_under_valgrind() {
    let source = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/c/ffi_test.c");
    let executable = compile(&source, "ffi_test", Linkage::Shared);
    let emulator = Emulator::start(&scenario("minimal.json"), &[]);
    let scratch = tempfile::tempdir().expect("a scratch folder");

    let suppressions = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/c/valgrind.supp");
    let output = emulator
        .command(valgrind())
        .arg(format!("--suppressions={}", suppressions.display()))
        .args([
            "--quiet",
            "--num-callers=50",
            "--error-exitcode=97",
            "--leak-check=full",
            "--show-leak-kinds=definite,indirect,possible",
            "--errors-for-leak-kinds=definite,indirect,possible",
        ])
        .arg(&executable)
        .arg(&emulator.url)
        .arg(scratch.path())
        .output()
        .expect("valgrind runs");
    let report = text(&output);
    assert_eq!(
        output.status.code(),
        Some(0),
        "the C test failed, or valgrind found errors (exit 97):\n{report}"
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).contains(" passed, 0 failed"),
        "{report}"
    );

    let holdings = emulator.holdings();
    for account in ["300000000002", "300000000006"] {
        assert_eq!(
            holdings.get(account),
            Some(&Vec::new()),
            "account {account} still holds root credentials after the deletion"
        );
    }
    assert!(
        !holdings["300000000005"].is_empty(),
        "an account pending closure must keep its credentials"
    );
}

fn run_example(executable: &Path, args: &[&str]) -> Output {
    let emulator = Emulator::start(&scenario("minimal.json"), &[]);
    emulator
        .command(executable)
        .args(args)
        .output()
        .expect("the example runs")
}

#[test]
fn example_audits_with_static_library() {
    let source = workspace().join("examples/c/audit.c");
    let executable = compile(&source, "audit_example", Linkage::Static);

    let output = run_example(&executable, &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(
        stdout.contains(
            "300000000002   done           password=1 access_keys=2 certificates=2 mfa_devices=3"
        ),
        "{}",
        text(&output)
    );
    assert_eq!(stdout.lines().count(), 7, "{}", text(&output));

    let output = run_example(&executable, &["12345"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("12 digits"),
        "{}",
        text(&output)
    );
}

/// Returns the first fenced block of `language` under the level-three heading `heading` in a
/// Markdown file.
fn code_block(markdown: &str, heading: &str, language: &str) -> String {
    let section = markdown
        .split("\n### ")
        .find(|section| section.starts_with(&format!("{heading}\n")))
        .unwrap_or_else(|| panic!("no section {heading:?}"));
    let fence = format!("```{language}\n");
    let start = section
        .find(&fence)
        .unwrap_or_else(|| panic!("no {language} block under {heading:?}"))
        + fence.len();
    let end = section[start..].find("```").expect("the block is closed") + start;
    section[start..end].to_owned()
}

#[test]
fn readme_c_example_runs() {
    let markdown =
        std::fs::read_to_string(workspace().join("README.md")).expect("the README exists");
    let source = output_dir().join("readme_example.c");
    std::fs::write(&source, code_block(&markdown, "C", "c")).expect("write the example");
    let executable = compile(&source, "readme_example", Linkage::Shared);

    let output = run_example(&executable, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("300000000002 done"),
        "{}",
        text(&output)
    );
}
