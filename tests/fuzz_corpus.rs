//! Replays every committed fuzz input (the seed corpora, and the inputs that once crashed a
//! target) through the same checks the fuzz targets run, so `cargo test` on stable covers them.

#[path = "../fuzz/checks.rs"]
mod checks;

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut replayed = 0;
    for dir in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_file() {
                let data = std::fs::read(&path).unwrap();
                eprintln!("replaying {}", path.display());
                check(&data);
                replayed += 1;
            }
        }
    }
    assert!(replayed > 0, "no committed inputs for target {target}");
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
fn keyword_corpus() {
    replay("keyword", checks::keyword);
}

#[test]
fn json_lines_corpus() {
    replay("json_lines", checks::json_lines);
}
