//! Replays every committed fuzz input (the seed corpora, and the inputs that once crashed a
//! target) through the same checks the fuzz targets run, so `cargo test` on stable covers them.
//!
//! Only committed inputs: a local `cargo fuzz run` adds its finds to `fuzz/corpus/`, and a
//! clean clone would not have them. In a git checkout the inputs are those `git ls-files`
//! lists; outside one (a source package), every file of the folders.

#[path = "../fuzz/checks.rs"]
mod checks;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The committed inputs of `target`, in `fuzz/corpus/<target>` and `fuzz/regressions/<target>`.
fn committed_inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let folders = [
        format!("fuzz/corpus/{target}"),
        format!("fuzz/regressions/{target}"),
    ];
    let listed = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["ls-files", "-z", "--"])
        .args(&folders)
        .output()
        .ok()
        .filter(|out| out.status.success());
    match listed {
        Some(out) => out
            .stdout
            .split(|&b| b == 0)
            .filter(|name| !name.is_empty())
            .map(|name| root.join(String::from_utf8(name.to_vec()).unwrap()))
            .collect(),
        None => folders
            .iter()
            .filter_map(|folder| std::fs::read_dir(root.join(folder)).ok())
            .flatten()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.is_file())
            .collect(),
    }
}

fn replay(target: &str, check: fn(&[u8])) {
    let inputs = committed_inputs(target);
    assert!(
        !inputs.is_empty(),
        "no committed inputs for target {target}"
    );
    for path in &inputs {
        eprintln!("replaying {}", path.display());
        check(&std::fs::read(path).unwrap());
    }
}

#[test]
fn request_corpus() {
    replay("request", checks::request);
}

#[test]
fn differential_corpus() {
    replay("differential", checks::differential);
}

#[test]
fn posting_list_corpus() {
    replay("posting_list", checks::posting_list);
}

#[test]
fn keyword_corpus() {
    replay("keyword", checks::keyword);
}

#[test]
fn json_lines_corpus() {
    replay("json_lines", checks::json_lines);
}
