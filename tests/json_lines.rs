//! Loading jobs from JSON Lines, as the `query` example does.

mod common;

use snapjobs::{JobIndex, parse_json_lines};

const GOOD: &str = r#"{"JobId":"j1","JobName":"北京","TemplateId":"","TemplateName":"","Status":"init","SnapshotOutput":{"StorageType":"oss","Endpoint":"","Bucket":""},"TimeInterval":5,"CreateTime":"2022-07-20T02:48:58Z"}"#;

#[test]
fn errors_name_the_line() {
    let second = GOOD.replace("j1", "j2");
    let cases = [
        (format!("{GOOD}\n{{not json\n"), 2),
        (
            format!("{GOOD}\n\n{}\n", GOOD.replace("\"init\"", "\"done\"")),
            3,
        ),
        (format!("{GOOD}\n{second}\n{GOOD}\n"), 3),
        (GOOD.replace("\"j1\"", "\"has space\""), 1),
    ];
    for (text, line) in cases {
        let err = parse_json_lines(&text).unwrap_err();
        assert_eq!(err.line, line, "{err}");
        assert!(err.to_string().starts_with(&format!("line {line}: ")));
    }
}

#[test]
fn blank_lines_are_skipped() {
    let text = format!("\n{GOOD}\n   \n{}\n", GOOD.replace("j1", "j2"));
    assert_eq!(parse_json_lines(&text).unwrap().len(), 2);
}

#[test]
fn shipped_sample_loads() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/data/jobs.jsonl"
    ))
    .unwrap();
    let jobs = parse_json_lines(&text).unwrap();
    assert!(jobs.len() >= 30);
    assert!(jobs.iter().any(|j| j.name().contains("北京")));
    let mut times: Vec<_> = jobs.iter().map(|j| j.create_time()).collect();
    times.sort();
    assert!(
        times.windows(2).any(|w| w[0] == w[1]),
        "has equal CreateTimes"
    );
    let mut index = JobIndex::new();
    index.load(jobs).unwrap();
    index.check_invariants().unwrap();
    let sample = "StartTime=2022-02-02T00%3A00%3A00Z&EndTime=2022-02-02T23%3A59%3A59Z&SearchKeyWord=****a046-263c-3560-978a-fb287782****&PageNo=1&PageSize=10&SortBy=desc";
    let query = common::query(sample, "2022-02-03T00:00:00Z").unwrap();
    assert_eq!(index.list(&query).total_count, 1);
}
