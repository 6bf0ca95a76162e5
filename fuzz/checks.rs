//! The checks behind every fuzz target, shared with `tests/fuzz_corpus.rs`, which replays the
//! committed corpora through them under `cargo test` (stable, no libFuzzer). Each check panics
//! on a violation.
#![allow(dead_code)]

use arbitrary::{Arbitrary, Unstructured};
use snapjobs::reference::{self, Model};
use snapjobs::{
    ErrorCode, Job, JobIndex, Query, RawRequest, SnapshotOutput, SortBy, Status, Timestamp,
    parse_json_lines,
};

const BASE: i64 = 1_643_760_000; // 2022-02-02T00:00:00Z

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

const IDS: &[&str] = &[
    "a", "b", "k1", "live", "aaaa", "Live", "北", "cam01", "x y", "",
];
const FRAGMENTS: &[&str] = &[
    "live", "LIVE", "aaaa", "aa", "a", "A", "北京", "北", "京", "news", "-", " ", "k1", "Beijing",
    "é", "É", "cam01", "\u{0}",
];

fn pick<'a>(pool: &[&'a str], i: u8) -> &'a str {
    pool[usize::from(i) % pool.len()]
}

#[derive(Arbitrary, Debug, Clone)]
pub enum Name {
    Fragments(Vec<u8>),
    Repeat(u8, u8),
    Raw(String),
}

impl Name {
    fn text(&self) -> String {
        match self {
            Name::Fragments(parts) => parts.iter().map(|&p| pick(FRAGMENTS, p)).collect(),
            Name::Repeat(p, n) => pick(FRAGMENTS, *p).repeat(usize::from(*n)),
            Name::Raw(text) => text.clone(),
        }
    }
}

#[derive(Arbitrary, Debug, Clone)]
pub struct JobSpec {
    id: u8,
    time: u8,
    name: Name,
    status: u8,
}

fn status(i: u8) -> Status {
    Status::ALL[usize::from(i) % 3]
}

fn time(i: u8) -> Timestamp {
    let at = match i % 16 {
        14 => BASE + 40 * 86_400,
        15 => BASE - 1,
        h => BASE + i64::from(h) * 1800,
    };
    Timestamp::from_unix(at).unwrap()
}

impl JobSpec {
    fn build(&self) -> Option<Job> {
        Job::builder(pick(IDS, self.id), time(self.time))
            .name(&self.name.text())
            .status(status(self.status))
            .build()
            .ok()
    }
}

#[derive(Arbitrary, Debug, Clone)]
pub enum Keyword {
    Fragment(u8),
    Id(u8),
    Name(Name),
}

#[derive(Arbitrary, Debug, Clone)]
pub struct QuerySpec {
    start: u8,
    half_hours: u8,
    keyword: Option<Keyword>,
    status: Option<u8>,
    page_no: u8,
    page_size: u8,
    asc: bool,
}

impl QuerySpec {
    fn build(&self) -> Option<Query> {
        let start = time(self.start);
        let end = start.saturating_add_seconds(i64::from(self.half_hours % 40) * 1800);
        let keyword = match &self.keyword {
            None => String::new(),
            Some(Keyword::Fragment(i)) => pick(FRAGMENTS, *i).to_owned(),
            Some(Keyword::Id(i)) => pick(IDS, *i).to_owned(),
            Some(Keyword::Name(name)) => name.text(),
        };
        let page_no = if self.page_no == 255 {
            u64::MAX
        } else {
            u64::from(self.page_no % 6) + 1
        };
        let page_size = if self.page_size == 255 {
            100
        } else {
            u32::from(self.page_size % 5) + 1
        };
        Some(
            Query::new(start, end)
                .ok()?
                .with_keyword(&keyword)
                .ok()?
                .with_status(self.status.map(status))
                .with_page(page_no, page_size)
                .ok()?
                .with_sort(if self.asc { SortBy::Asc } else { SortBy::Desc }),
        )
    }
}

#[derive(Arbitrary, Debug, Clone)]
pub enum Op {
    Insert(JobSpec),
    Load(Vec<JobSpec>),
    SetStatus(u8, u8),
    Rename(u8, Name),
    SetTemplate(u8, String, String),
    SetOutput(u8, String),
    SetInterval(u8, u8),
    Remove(u8),
    List(QuerySpec),
}

fn ids(page: &snapjobs::Page<'_>) -> Vec<String> {
    page.jobs.iter().map(|j| j.id().to_owned()).collect()
}

fn snapshot<'a>(jobs: impl Iterator<Item = &'a Job>) -> Vec<Job> {
    let mut jobs: Vec<Job> = jobs.cloned().collect();
    jobs.sort_by(|a, b| a.id().cmp(b.id()));
    jobs
}

/// Applies one operation to both; panics on any difference.
pub fn apply(model: &mut Model, index: &mut JobIndex, op: &Op) {
    let id = |i: &u8| pick(IDS, *i);
    match op {
        Op::Insert(spec) => {
            if let Some(job) = spec.build() {
                assert_eq!(model.insert(job.clone()), index.insert(job));
            }
        }
        Op::Load(specs) => {
            let jobs: Vec<Job> = specs.iter().filter_map(JobSpec::build).collect();
            assert_eq!(model.load(jobs.clone()), index.load(jobs));
        }
        Op::SetStatus(i, s) => assert_eq!(
            model.set_status(id(i), status(*s)),
            index.set_status(id(i), status(*s))
        ),
        Op::Rename(i, name) => {
            let name = name.text();
            assert_eq!(model.rename(id(i), &name), index.rename(id(i), &name));
        }
        Op::SetTemplate(i, tid, tname) => {
            assert_eq!(
                model.set_template(id(i), tid, tname),
                index.set_template(id(i), tid, tname)
            );
        }
        Op::SetOutput(i, endpoint) => {
            if let Ok(output) = SnapshotOutput::oss(endpoint, "bucket") {
                assert_eq!(
                    model.set_output(id(i), output.clone()),
                    index.set_output(id(i), output)
                );
            }
        }
        Op::SetInterval(i, s) => {
            let s = u32::from(*s % 3);
            assert_eq!(
                model.set_time_interval(id(i), s),
                index.set_time_interval(id(i), s)
            );
        }
        Op::Remove(i) => assert_eq!(model.remove(id(i)), index.remove(id(i))),
        Op::List(spec) => {
            if let Some(query) = spec.build() {
                let (want, got) = (model.list(&query), index.list(&query));
                assert_eq!(ids(&got), ids(&want), "page of {query:?}");
                assert_eq!(got.total_count, want.total_count, "total of {query:?}");
            }
        }
    }
    if let Err(broken) = index.check_invariants() {
        panic!("invariant broken after {op:?}: {broken}");
    }
    assert_eq!(
        snapshot(index.jobs()),
        snapshot(model.jobs()),
        "contents differ after {op:?}"
    );
}

/// Target `differential`: a sequence of writes and queries on the engine and the model.
pub fn differential(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(ops) = Vec::<Op>::arbitrary(&mut u) else {
        return;
    };
    let (mut model, mut index) = (Model::new(), JobIndex::new());
    for op in ops.iter().take(200) {
        apply(&mut model, &mut index, op);
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
    let page = index.list(&query);
    let got: Vec<&str> = page.jobs.iter().map(|j| j.id()).collect();
    let want: Vec<&str> = expected.iter().take(100).map(|j| j.id()).collect();
    assert_eq!(got, want, "keyword {keyword:?}");
    assert_eq!(page.total_count, expected.len() as u64);
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
