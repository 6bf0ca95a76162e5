//! The checks behind every fuzz target, shared with `tests/fuzz_corpus.rs`, which replays the
//! committed corpora through them under `cargo test` (stable, no libFuzzer). Each check panics
//! on a violation.
#![allow(dead_code)]

use arbitrary::{Arbitrary, Unstructured};
use snapjobs::reference;
use snapjobs::{
    ErrorCode, Job, JobIndex, Query, RawRequest, SortBy, Status, Timestamp, parse_json_lines,
};

fn timestamp_from(raw: u64) -> Timestamp {
    let (min, max) = (Timestamp::MIN.unix_seconds(), Timestamp::MAX.unix_seconds());
    let span = (max - min) as u64 + 1;
    Timestamp::from_unix(min + (raw % span) as i64).unwrap()
}

/// A validated query respects every bound of the contract.
fn assert_query_in_bounds(query: &Query) {
    let span = query.end().unix_seconds() - query.start().unix_seconds();
    assert!(
        (0..=snapjobs::MAX_WINDOW_SECONDS).contains(&span),
        "window {span}"
    );
    assert!(query.page_no() >= 1);
    assert!((1..=snapjobs::MAX_PAGE_SIZE).contains(&query.page_size()));
    if let Some(keyword) = query.keyword() {
        assert!(!keyword.is_empty() && keyword.chars().count() <= snapjobs::MAX_KEYWORD_CHARS);
    }
}

fn assert_request_outcome(outcome: Result<Query, snapjobs::ApiError>) {
    match outcome {
        Ok(query) => assert_query_in_bounds(&query),
        Err(error) => {
            let request_codes = [
                ErrorCode::MalformedStartTime,
                ErrorCode::MalformedEndTime,
                ErrorCode::EndTimeMismatch,
                ErrorCode::InvalidParameter,
            ];
            assert!(request_codes.contains(&error.code()), "{error}");
            assert_eq!(error.http_status(), 400);
            let json = serde_json::to_value(error.with_request_id("r")).unwrap();
            assert_eq!(json["Code"], error.code().as_str());
        }
    }
}

/// Target `request`: bytes as a query string, and as a JSON body, at an arbitrary `now`.
pub fn request(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let now = timestamp_from(u.arbitrary().unwrap_or_default());
    let rest = u.take_rest();
    assert_request_outcome(RawRequest::from_query_string(rest).to_query(now));
    if let Ok(text) = std::str::from_utf8(rest) {
        match RawRequest::from_json(text) {
            Ok(raw) => assert_request_outcome(raw.to_query(now)),
            Err(error) => assert_eq!(error.code(), ErrorCode::InvalidParameter),
        }
        if let Ok(t) = Timestamp::parse(text) {
            assert_eq!(t.to_string(), text, "a parsed time writes back the same");
        }
    }
}

#[path = "../tests/support/ops.rs"]
mod ops;

use ops::{Harness, Ids, Name, time};

fn status(i: u8) -> Status {
    Status::ALL[usize::from(i) % 3]
}

/// Target `differential`: a sequence of the shared ops (`tests/support/ops.rs`) on the
/// engine and the model, few ids so they collide.
pub fn differential(data: &[u8]) {
    let mut harness = Harness::new(Ids::Few);
    for op in ops::decode(data).iter().take(200) {
        harness.apply(op);
    }
}

#[derive(Arbitrary, Debug)]
pub struct KeywordCase {
    names: Vec<Name>,
    keyword: Name,
    status: Option<u8>,
}

/// Target `keyword`: arbitrary names and a keyword through the name index, against a plain
/// substring check.
pub fn keyword(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(case) = KeywordCase::arbitrary(&mut u) else {
        return;
    };
    let keyword = case.keyword.text();
    let jobs: Vec<Job> = (0..)
        .zip(case.names.iter().take(64))
        .filter_map(|(i, name): (u32, &Name)| {
            Job::builder(&format!("j{i}"), time(i as u8))
                .name(&name.text())
                .status(status(i as u8))
                .build()
                .ok()
        })
        .collect();
    let mut index = JobIndex::new();
    index.load(jobs.clone()).unwrap();
    // Some also one at a time, so both build paths are exercised.
    for job in jobs.iter().step_by(3) {
        index.remove(job.id()).unwrap();
        index.insert(job.clone()).unwrap();
    }
    index.check_invariants().unwrap();
    let Ok(query) = Query::new(time(0), time(15).saturating_add_seconds(30 * 86_400 - 1801))
        .and_then(|q| q.with_keyword(&keyword))
        .map(|q| {
            q.with_status(case.status.map(status))
                .with_sort(SortBy::Asc)
        })
        .and_then(|q| q.with_page(1, 100))
    else {
        return;
    };
    let folded = keyword.to_ascii_lowercase();
    let mut expected: Vec<&Job> = jobs
        .iter()
        .filter(|j| reference::matches(j, &query))
        .collect();
    expected.sort_by(|a, b| (a.create_time(), a.id()).cmp(&(b.create_time(), b.id())));
    // The plain substring check agrees with the reference's rule.
    for job in &jobs {
        let by_name = job.name().to_ascii_lowercase().contains(&folded);
        let in_window = query.start() <= job.create_time() && job.create_time() <= query.end();
        let status_ok = query.status().is_none_or(|s| s == job.status());
        let want = in_window && status_ok && (keyword.is_empty() || by_name || job.id() == keyword);
        assert_eq!(reference::matches(job, &query), want, "{job:?} {keyword:?}");
    }
    let want: Vec<&str> = expected.iter().take(100).map(|j| j.id()).collect();
    // As planned; by a scan of every name; by the gram lists' candidates; kept.
    let mut kept = index.clone();
    kept.keep_keyword(&keyword);
    kept.check_invariants().unwrap();
    for (plan, page) in [
        ("planned", index.list(&query)),
        ("scan", index.list_with_scan(&query, true)),
        ("candidates", index.list_with_scan(&query, false)),
        ("kept", kept.list(&query)),
    ] {
        let got: Vec<&str> = page.jobs.iter().map(|j| j.id()).collect();
        assert_eq!(got, want, "keyword {keyword:?} ({plan})");
        assert_eq!(page.total_count, expected.len() as u64, "{plan}");
    }
}

/// Target `json_lines`: arbitrary text as a jobs file; what parses loads, serializes back
/// and lists.
pub fn json_lines(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(jobs) = parse_json_lines(text) else {
        return;
    };
    for job in &jobs {
        let json = serde_json::to_string(job).unwrap();
        assert_eq!(&serde_json::from_str::<Job>(&json).unwrap(), job);
    }
    let mut index = JobIndex::new();
    index.load(jobs.clone()).unwrap();
    index.check_invariants().unwrap();
    assert_eq!(index.len(), jobs.len());
}

/// Target `posting_list`: ops on one posting list (appends, inserts anywhere, removals
/// scattered and from the front, ranks, walks) against a sorted map, with the list's
/// invariants checked after each.
pub fn posting_list(data: &[u8]) {
    if let Err(message) = snapjobs::check_posting_list_ops(data) {
        panic!("{message}");
    }
}
