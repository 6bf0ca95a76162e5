//! Loading jobs from JSON Lines, as the `query` example does: every bad line is named once,
//! with what is wrong with it.

mod common;

use std::error::Error;

use snapjobs::{JobField, JobIndex, JobLines, JsonLinesErrorKind, WriteError, parse_json_lines};

const GOOD: &str = r#"{"JobId":"j1","JobName":"北京","TemplateId":"","TemplateName":"","Status":"init","SnapshotOutput":{"StorageType":"oss","Endpoint":"","Bucket":""},"TimeInterval":5,"CreateTime":"2022-07-20T02:48:58Z"}"#;

/// Reads `text` line by line through [`JobLines`], as a streaming caller does.
fn stream(text: &[u8]) -> Result<Vec<String>, snapjobs::JsonLinesError> {
    let mut lines = JobLines::new();
    let mut ids = Vec::new();
    for line in text.split_inclusive(|&b| b == b'\n') {
        if let Some(job) = lines.next_line(line)? {
            ids.push(job.id().to_owned());
        }
    }
    Ok(ids)
}

#[test]
fn each_bad_line_is_named_once_with_its_reason() {
    let second = GOOD.replace("j1", "j2");
    let cases: Vec<(String, usize, JsonLinesErrorKind, &str)> = vec![
        (
            format!("{GOOD}\n{{not json\n"),
            2,
            JsonLinesErrorKind::Json,
            "line 2, column 2: key must be a string",
        ),
        (
            format!("{GOOD}\n\n{}\n", GOOD.replace("\"init\"", "\"done\"")),
            3,
            JsonLinesErrorKind::Json,
            "line 3, column 82: unknown variant `done`, expected one of `init`, `paused`, `started`",
        ),
        (
            format!("{GOOD}\n{second}\n{GOOD}\n"),
            3,
            JsonLinesErrorKind::DuplicateJobId,
            r#"line 3: JobId "j1" appears twice (first on line 1)"#,
        ),
        (
            GOOD.replace("\"j1\"", "\"has space\""),
            1,
            JsonLinesErrorKind::InvalidJob,
            "line 1: JobId must be 1 to 64 bytes of printable ASCII without spaces",
        ),
        (
            format!(
                "{GOOD}\n[\"j2\",\"\",\"\",\"\",\"init\",{{\"StorageType\":\"oss\",\"Endpoint\":\"\",\"Bucket\":\"\"}},5,\"2022-07-20T02:48:58Z\"]\n"
            ),
            2,
            JsonLinesErrorKind::NotAnObject,
            "line 2: a job is a JSON object",
        ),
        (
            format!("{GOOD}\n42\n"),
            2,
            JsonLinesErrorKind::NotAnObject,
            "line 2: a job is a JSON object",
        ),
        (
            GOOD.replace(
                r#"{"StorageType":"oss","Endpoint":"","Bucket":""}"#,
                r#"["oss","",""]"#,
            ),
            1,
            JsonLinesErrorKind::Json,
            "line 1, column 100: invalid type: sequence, expected a JSON object",
        ),
        (
            format!("{GOOD} {{}}"),
            1,
            JsonLinesErrorKind::Json,
            "line 1, column 203: trailing characters",
        ),
        (
            GOOD.replace("2022-07-20T02:48:58Z", "2022-07-20 02:48:58"),
            1,
            JsonLinesErrorKind::Json,
            "line 1, column 200: \"2022-07-20 02:48:58\" is not a UTC time written YYYY-MM-DDTHH:MM:SSZ",
        ),
    ];
    for (text, line, kind, message) in cases {
        for error in [
            parse_json_lines(&text).unwrap_err(),
            stream(text.as_bytes()).unwrap_err(),
        ] {
            assert_eq!(error.line(), line, "{error}");
            assert_eq!(error.kind(), kind, "{error}");
            assert_eq!(error.to_string(), message);
            // Not the JSON parser's own position too ("at line 1 column 200").
            assert!(!error.to_string().contains(" at line "), "{error}");
        }
    }
}

#[test]
fn invalid_utf8_names_its_line_and_column() {
    let mut text = format!("{GOOD}\n{}\n", GOOD.replace("j1", "j2")).into_bytes();
    let at = text.len() - 20;
    text[at] = 0xff;
    let error = stream(&text).unwrap_err();
    assert_eq!(error.kind(), JsonLinesErrorKind::NotUtf8);
    assert_eq!(error.line(), 2);
    assert_eq!(error.column(), Some(at - GOOD.len()));
    assert_eq!(
        error.to_string(),
        format!("line 2, column {}: not valid UTF-8", at - GOOD.len())
    );
    assert!(error.source().unwrap().is::<std::str::Utf8Error>());
}

#[test]
fn causes_are_kept_as_sources() {
    let long_name = GOOD.replace("北京", &"n".repeat(129));
    let error = parse_json_lines(&long_name).unwrap_err();
    let want = WriteError::InvalidField {
        field: JobField::JobName,
        rule: "at most 128 characters",
    };
    assert_eq!(error.write_error(), Some(&want));
    assert_eq!(
        error.source().unwrap().downcast_ref::<WriteError>(),
        Some(&want)
    );
    let syntax = parse_json_lines("{").unwrap_err();
    assert!(syntax.source().is_some());
    assert_eq!(syntax.write_error(), None);
    let duplicate = parse_json_lines(&format!("{GOOD}\n{GOOD}")).unwrap_err();
    assert!(duplicate.source().is_none());
}

#[test]
fn blank_lines_and_line_endings() {
    let text = format!("\n{GOOD}\r\n   \n\t\r\n{}\n", GOOD.replace("j1", "j2"));
    assert_eq!(parse_json_lines(&text).unwrap().len(), 2);
    assert_eq!(stream(text.as_bytes()).unwrap(), ["j1", "j2"]);
    // The last line needs no newline; line numbers count blank lines.
    let error = stream(format!("\n\n{GOOD}\n{GOOD}").as_bytes()).unwrap_err();
    assert_eq!(error.line(), 4);
}

#[test]
fn a_stream_can_go_on_after_a_bad_line() {
    let mut lines = JobLines::new();
    assert!(lines.next_line(b"{").is_err());
    let job = lines.next_line(GOOD.as_bytes()).unwrap().unwrap();
    assert_eq!(job.id(), "j1");
    assert_eq!(lines.next_line(GOOD.as_bytes()).unwrap_err().line(), 3);
}

#[test]
fn job_json_is_an_object_through_serde_too() {
    let array = r#"["j2","","","","init",{"StorageType":"oss","Endpoint":"","Bucket":""},5,"2022-07-20T02:48:58Z"]"#;
    assert!(serde_json::from_str::<snapjobs::Job>(array).is_err());
    assert!(serde_json::from_str::<snapjobs::SnapshotOutput>(r#"["oss","",""]"#).is_err());
    let job: snapjobs::Job = serde_json::from_str(GOOD).unwrap();
    assert_eq!(job.name(), "北京");
}

#[test]
fn shipped_sample_loads() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/data/jobs.jsonl"
    ))
    .unwrap();
    let jobs = parse_json_lines(&text).unwrap();
    assert_eq!(
        stream(text.as_bytes()).unwrap(),
        jobs.iter().map(|j| j.id().to_owned()).collect::<Vec<_>>()
    );
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
