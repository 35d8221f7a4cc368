//! The committed header `include/rootward.h` must be exactly what cbindgen generates from the
//! crate. Set `ROOTWARD_UPDATE_HEADER=1` to rewrite it instead (`make header` does).

use std::path::{Path, PathBuf};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn generate() -> String {
    let dir = crate_dir();
    let config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_crate(&dir)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header");
    let mut bytes = Vec::new();
    bindings.write(&mut bytes);
    String::from_utf8(bytes).expect("the header is UTF-8")
}

fn header_path() -> PathBuf {
    crate_dir().join("include/rootward.h")
}

fn first_difference(committed: &str, generated: &str) -> String {
    for (number, (old, new)) in committed.lines().zip(generated.lines()).enumerate() {
        if old != new {
            return format!(
                "line {}:\n  committed: {old}\n  generated: {new}",
                number + 1
            );
        }
    }
    format!(
        "the files differ in length: {} committed lines, {} generated",
        committed.lines().count(),
        generated.lines().count()
    )
}

#[test]
fn header_matches_generated() {
    let generated = generate();
    let path = header_path();
    if std::env::var_os("ROOTWARD_UPDATE_HEADER").is_some() {
        std::fs::write(&path, &generated).expect("write the header");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is out of date; run `make header` and commit the result. First difference at {}",
        display(&path),
        first_difference(&committed, &generated)
    );
}

#[test]
fn header_names_every_result_code() {
    let header = std::fs::read_to_string(header_path()).expect("the header exists");
    for name in [
        "ROOTWARD_RESULT_OK = 0",
        "ROOTWARD_RESULT_NULL_ARGUMENT = 100",
        "ROOTWARD_RESULT_INVALID_INPUT = 200",
        "ROOTWARD_RESULT_PREFLIGHT = 300",
        "ROOTWARD_RESULT_REPORT = 400",
        "ROOTWARD_RESULT_STOPPED = 500",
        "ROOTWARD_RESULT_PANIC = 900",
    ] {
        assert!(header.contains(name), "the header lacks {name}");
    }
}

fn display(path: &Path) -> String {
    path.strip_prefix(
        crate_dir()
            .parent()
            .and_then(Path::parent)
            .unwrap_or(Path::new("/")),
    )
    .unwrap_or(path)
    .display()
    .to_string()
}
