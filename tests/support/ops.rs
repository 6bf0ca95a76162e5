//! The operations of the differential tests, shared by the proptests (`tests/differential.rs`,
//! `tests/laws.rs`) and the `differential` fuzz target (`fuzz/checks.rs`), so that a new write
//! is added in one place: a variant of [`Op`] and its arm in [`Harness::apply_unchecked`].
//!
//! Values come from small pools (ids, times, name fragments), so that ops collide: the same
//! ids, equal CreateTimes, window ends on job times, repeated grams, CJK, ids used as keywords.
//! [`Harness`] applies each op to the reference model and the engine, compares what each
//! returns, and checks the engine's invariants and contents; any difference panics.
#![allow(dead_code)]

use arbitrary::{Arbitrary, Unstructured};
use snapjobs::reference::{self, Model};
use snapjobs::{Job, JobIndex, Query, SnapshotOutput, SortBy, Status, Timestamp};

/// 2022-02-02T00:00:00Z.
pub const BASE: i64 = 1_643_760_000;

/// Ids that collide, a few of them invalid (a space, a non-ASCII byte, empty).
const FEW_IDS: &[&str] = &[
    "a", "b", "c", "k1", "live", "aaaa", "Live", "z-9", "cam01", "x", "北", "x y", "",
];

/// Which ids the ops name.
#[derive(Clone, Copy, Debug)]
pub enum Ids {
    /// [`FEW_IDS`]: every op collides.
    Few,
    /// `j0` to `j899`: enough for trees of several levels.
    Many,
}

impl Ids {
    fn pick(self, i: u16) -> String {
        match self {
            Ids::Few => pick(FEW_IDS, i).to_owned(),
            Ids::Many => format!("j{}", i % 900),
        }
    }
}

const FRAGMENTS: &[&str] = &[
    "live", "LIVE", "Live", "aaaa", "aa", "a", "A", "北京", "北", "京", "news", "-", " ", "k1",
    "Beijing", "beiJING", "é", "É", "cam01", "@", "`", "\r", "\u{0}",
];

const TEMPLATES: &[(&str, &str)] = &[("", ""), ("tpl", "tpl"), ("t-2", "模板"), ("t 3", "")];

fn pick<'a, T: ?Sized>(pool: &[&'a T], i: impl Into<usize>) -> &'a T {
    pool[i.into() % pool.len()]
}

/// A job name: fragments of the pool, one repeated (past 128 characters at times), or any text.
#[derive(Arbitrary, Debug, Clone)]
pub enum Name {
    Fragments(Vec<u8>),
    Repeat(u8, u8),
    Raw(String),
}

impl Name {
    pub fn text(&self) -> String {
        match self {
            Name::Fragments(parts) => parts.iter().map(|&p| pick(FRAGMENTS, p)).collect(),
            Name::Repeat(p, n) => pick(FRAGMENTS, *p).repeat(usize::from(*n)),
            Name::Raw(text) => text.clone(),
        }
    }
}

/// One of 14 times half an hour apart, or one far after them, or one second before.
pub fn time(i: u8) -> Timestamp {
    let at = match i % 16 {
        14 => BASE + 40 * 86_400,
        15 => BASE - 1,
        h => BASE + i64::from(h) * 1800,
    };
    Timestamp::from_unix(at).unwrap()
}

fn status(i: u8) -> Status {
    Status::ALL[usize::from(i) % 3]
}

#[derive(Arbitrary, Debug, Clone)]
pub struct JobSpec {
    pub id: u16,
    pub time: u8,
    pub name: Name,
    pub status: u8,
    pub template: u8,
}

impl JobSpec {
    /// The job, or `None` if a field breaks its rule (an invalid id, a long name).
    fn build(&self, ids: Ids) -> Option<Job> {
        let (template_id, template_name) = TEMPLATES[usize::from(self.template) % TEMPLATES.len()];
        Job::builder(&ids.pick(self.id), time(self.time))
            .name(&self.name.text())
            .status(status(self.status))
            .template(template_id, template_name)
            .build()
            .ok()
    }
}

#[derive(Arbitrary, Debug, Clone)]
pub enum Keyword {
    Fragment(u8),
    Id(u16),
    Name(Name),
}

impl Keyword {
    fn text(&self, ids: Ids) -> String {
        match self {
            Keyword::Fragment(i) => pick(FRAGMENTS, *i).to_owned(),
            Keyword::Id(i) => ids.pick(*i),
            Keyword::Name(name) => name.text(),
        }
    }
}

#[derive(Arbitrary, Debug, Clone)]
pub struct QuerySpec {
    pub start: u8,
    pub half_hours: u8,
    pub keyword: Option<Keyword>,
    pub status: Option<u8>,
    pub page_no: u8,
    pub page_size: u8,
    pub asc: bool,
}

impl QuerySpec {
    fn build(&self, ids: Ids) -> Option<Query> {
        let start = time(self.start);
        let end = start.saturating_add_seconds(i64::from(self.half_hours % 40) * 1800);
        let keyword = self
            .keyword
            .as_ref()
            .map_or_else(String::new, |k| k.text(ids));
        let page_no = match self.page_no {
            255 => u64::MAX,
            n => u64::from(n % 6) + 1,
        };
        let page_size = match self.page_size {
            255 => 100,
            n => u32::from(n % 5) + 1,
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

/// Every write of the index, a listing, and the checks of the listing laws.
#[derive(Arbitrary, Debug, Clone)]
pub enum Op {
    Insert(JobSpec),
    Load(Vec<JobSpec>),
    SetStatus(u16, u8),
    Rename(u16, Name),
    SetTemplate(u16, u8),
    SetOutput(u16, u8),
    SetInterval(u16, u8),
    Remove(u16),
    /// Retention: removes the `n` oldest jobs, one at a time.
    RetireOldest(u8),
    /// Submission: inserts `n` new jobs (below 16 with [`Ids::Few`]) at the newest time held,
    /// or one second after it.
    Submit(u8, Name),
    /// A listing, compared with the model's.
    List(QuerySpec),
    /// The listing laws ([`check_laws`]) on the engine.
    Laws(QuerySpec),
    /// Replaces the engine with one bulk-loaded from the same jobs in another order (seeded),
    /// after checking the two page identically.
    Rebuild(u64),
    /// Keeps a keyword's matches (no change to any answer, which the next listings check).
    Keep(Keyword),
    /// Forgets a kept keyword.
    Forget(Keyword),
    /// Sets the limit on kept matches (small, so that keeping and writes forget keywords).
    KeptLimit(u8),
    /// Takes a clone of the engine (as a snapshot is) with a copy of the model, after
    /// checking that the clone taken at the previous `Fork` still answers as the model did
    /// then, however the engine was written to since (clones share their nodes).
    Fork,
}

/// The ops that `bytes` encode: one after another until the bytes run out. (A derived
/// `Vec<Op>` would read its length first, and from random bytes decode almost no op.)
pub fn decode(bytes: &[u8]) -> Vec<Op> {
    let mut u = Unstructured::new(bytes);
    let mut ops = Vec::new();
    while !u.is_empty() {
        match Op::arbitrary(&mut u) {
            Ok(op) => ops.push(op),
            Err(_) => break,
        }
    }
    ops
}

/// A model and an engine that should never differ.
pub struct Harness {
    pub model: Model,
    pub index: JobIndex,
    ids: Ids,
    /// Jobs inserted by [`Op::Submit`] so far (their ids are `s0`, `s1`, ...).
    submitted: u32,
    /// The engine's clone and the model's copy at the last [`Op::Fork`].
    forked: Option<(JobIndex, Model)>,
}

fn ids_of(page: &snapjobs::Page<'_>) -> Vec<String> {
    page.jobs.iter().map(|j| j.id().to_owned()).collect()
}

fn by_id(jobs: impl IntoIterator<Item = Job>) -> Vec<Job> {
    let mut jobs: Vec<Job> = jobs.into_iter().collect();
    jobs.sort_by(|a, b| a.id().cmp(b.id()));
    jobs
}

/// The (CreateTime, JobId) order.
fn order(a: &Job, b: &Job) -> std::cmp::Ordering {
    (a.create_time(), a.id()).cmp(&(b.create_time(), b.id()))
}

const OUTPUTS: &[(&str, &str)] = &[
    ("", ""),
    ("oss-cn-shanghai.aliyuncs.com", "snaps"),
    ("e", "北"),
];

impl Harness {
    pub fn new(ids: Ids) -> Harness {
        Harness {
            model: Model::new(),
            index: JobIndex::new(),
            ids,
            submitted: 0,
            forked: None,
        }
    }

    /// Applies `op`, then checks the engine's invariants and that both hold the same jobs.
    pub fn apply(&mut self, op: &Op) {
        self.apply_unchecked(op);
        self.check(op);
    }

    /// The engine's invariants hold and it holds exactly the model's jobs.
    pub fn check(&self, after: &Op) {
        if let Err(broken) = self.index.check_invariants() {
            panic!("invariant broken after {after:?}: {broken}");
        }
        assert_eq!(
            by_id(self.index.jobs().cloned()),
            by_id(self.model.jobs().cloned()),
            "contents differ after {after:?}"
        );
    }

    /// Applies `op` to both and compares what each returns (a write's result, a page and
    /// its total).
    pub fn apply_unchecked(&mut self, op: &Op) {
        let (model, index, ids) = (&mut self.model, &mut self.index, self.ids);
        let id = |i: &u16| ids.pick(*i);
        match op {
            Op::Insert(spec) => {
                if let Some(job) = spec.build(ids) {
                    assert_eq!(model.insert(job.clone()), index.insert(job));
                }
            }
            Op::Load(specs) => {
                let jobs: Vec<Job> = specs.iter().filter_map(|s| s.build(ids)).collect();
                assert_eq!(model.load(jobs.clone()), index.load(jobs));
            }
            Op::SetStatus(i, s) => assert_eq!(
                model.set_status(&id(i), status(*s)),
                index.set_status(&id(i), status(*s))
            ),
            Op::Rename(i, name) => {
                let name = name.text();
                assert_eq!(model.rename(&id(i), &name), index.rename(&id(i), &name));
            }
            Op::SetTemplate(i, t) => {
                // Valid templates from the pool, and invalid ones (a long name, a
                // non-printable id), which both must refuse.
                let long = "模".repeat(129);
                let (tid, tname) = match t % 6 {
                    4 => ("ok", long.as_str()),
                    5 => ("tab\t", ""),
                    n => TEMPLATES[usize::from(n) % TEMPLATES.len()],
                };
                assert_eq!(
                    model.set_template(&id(i), tid, tname),
                    index.set_template(&id(i), tid, tname)
                );
            }
            Op::SetOutput(i, o) => {
                let (endpoint, bucket) = OUTPUTS[usize::from(*o) % OUTPUTS.len()];
                let output = SnapshotOutput::oss(endpoint, bucket).unwrap();
                assert_eq!(
                    model.set_output(&id(i), output.clone()),
                    index.set_output(&id(i), output)
                );
            }
            Op::SetInterval(i, s) => {
                let s = u32::from(*s % 3);
                assert_eq!(
                    model.set_time_interval(&id(i), s),
                    index.set_time_interval(&id(i), s)
                );
            }
            Op::Remove(i) => assert_eq!(model.remove(&id(i)), index.remove(&id(i))),
            Op::RetireOldest(n) => {
                let mut jobs: Vec<&Job> = model.jobs().collect();
                jobs.sort_by(|a, b| order(a, b));
                let oldest: Vec<String> = jobs
                    .iter()
                    .take(usize::from(*n))
                    .map(|j| j.id().to_owned())
                    .collect();
                for id in oldest {
                    assert_eq!(model.remove(&id), index.remove(&id));
                }
            }
            Op::Submit(n, name) => {
                let newest = model.jobs().map(Job::create_time).max().unwrap_or(time(0));
                // Few ids: small runs, so an input of many ops stays quick to check.
                let n = match ids {
                    Ids::Few => n % 16,
                    Ids::Many => *n,
                };
                for k in 0..n {
                    let at = newest.saturating_add_seconds(i64::from(k % 2));
                    let job = Job::builder(&format!("s{}", self.submitted), at)
                        .name(&format!(
                            "{}-{k}",
                            name.text().chars().take(100).collect::<String>()
                        ))
                        .status(status(k))
                        .build()
                        .unwrap();
                    self.submitted += 1;
                    assert_eq!(model.insert(job.clone()), index.insert(job));
                }
            }
            Op::List(spec) => {
                if let Some(query) = spec.build(ids) {
                    let want = model.list(&query);
                    // As planned, then each way a keyword can be answered: by a scan of
                    // every name, by the candidates of its gram lists.
                    for (plan, got) in [
                        ("planned", index.list(&query)),
                        ("scan", index.list_with_scan(&query, true)),
                        ("candidates", index.list_with_scan(&query, false)),
                    ] {
                        assert_eq!(ids_of(&got), ids_of(&want), "page of {query:?} ({plan})");
                        assert_eq!(
                            got.total_count, want.total_count,
                            "total of {query:?} ({plan})"
                        );
                    }
                }
            }
            Op::Laws(spec) => {
                if let Some(query) = spec.build(ids) {
                    check_laws(index, &query);
                }
            }
            Op::Keep(keyword) => {
                let keyword = keyword.text(ids);
                let kept = index.keep_keyword(&keyword);
                let is_kept = |index: &JobIndex| {
                    index
                        .kept_keywords()
                        .any(|(k, _)| k.eq_ignore_ascii_case(&keyword))
                };
                assert_eq!(kept, is_kept(index), "keep {keyword:?}: {kept}");
                let matches = model
                    .jobs()
                    .filter(|j| {
                        j.name()
                            .to_ascii_lowercase()
                            .contains(&keyword.to_ascii_lowercase())
                    })
                    .count();
                let keepable = keyword.len() >= 2
                    && keyword.chars().count() <= snapjobs::MAX_KEYWORD_CHARS
                    && matches <= index.kept_matches_limit();
                assert_eq!(kept, keepable, "keep {keyword:?} ({matches} matches)");
                if kept {
                    let counted = index.kept_keywords().last().map(|(_, n)| n);
                    assert_eq!(counted, Some(matches), "matches of {keyword:?}");
                }
                assert!(index.kept_keywords().count() <= snapjobs::MAX_KEPT_KEYWORDS);
            }
            Op::Forget(keyword) => {
                let keyword = keyword.text(ids);
                let was = index
                    .kept_keywords()
                    .any(|(k, _)| k.eq_ignore_ascii_case(&keyword));
                assert_eq!(index.forget_keyword(&keyword), was);
                assert!(!index.forget_keyword(&keyword));
            }
            Op::KeptLimit(limit) => {
                index.set_kept_matches_limit(usize::from(*limit));
                let kept: usize = index.kept_keywords().map(|(_, n)| n).sum();
                assert!(kept <= usize::from(*limit));
            }
            Op::Fork => {
                if let Some((index, model)) = &self.forked {
                    check_fork(index, model, ids);
                }
                self.forked = Some((index.clone(), model.clone()));
            }
            Op::Rebuild(seed) => {
                let rebuilt = rebuild(index, *seed);
                for query in probe_queries(ids) {
                    assert_eq!(
                        every_page(&rebuilt, &query, query.page_size()),
                        every_page(index, &query, query.page_size()),
                        "the rebuilt index pages differently: {query:?}"
                    );
                }
                *index = rebuilt;
            }
        }
    }
}

/// A clone taken earlier answers every probe query, page by page, as the model copied with
/// it, and its invariants hold.
fn check_fork(index: &JobIndex, model: &Model, ids: Ids) {
    index.check_invariants().unwrap();
    assert_eq!(index.len(), model.len(), "the fork's size changed");
    for query in probe_queries(ids) {
        assert_eq!(
            every_page(index, &query, query.page_size()),
            every_page_by(|q| model.list(q), &query, query.page_size()),
            "a fork answers differently from the model copied with it: {query:?}"
        );
    }
}

/// A fresh index bulk-loaded from `index`'s jobs in an order shuffled by `seed`.
pub fn rebuild(index: &JobIndex, seed: u64) -> JobIndex {
    let mut jobs: Vec<Job> = by_id(index.jobs().cloned());
    // A Fisher-Yates shuffle driven by a 64-bit LCG: any order will do, as long as it varies.
    let mut state = seed | 1;
    for i in (1..jobs.len()).rev() {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        jobs.swap(i, (state >> 33) as usize % (i + 1));
    }
    let mut rebuilt = JobIndex::new();
    rebuilt.load(jobs).unwrap();
    rebuilt
}

/// Queries that cover every path of the planner over the pools' times: no keyword, a status,
/// 1- to 5-byte keywords, an id, in both orders, over the whole span and a part of it.
pub fn probe_queries(ids: Ids) -> Vec<Query> {
    let mut queries = Vec::new();
    let keywords = [
        "",
        "a",
        "aa",
        "liv",
        "live",
        "北京",
        "e-1",
        "news-",
        &ids.pick(3),
    ];
    for (start, end) in [(time(15), time(13)), (time(2), time(5))] {
        for keyword in keywords {
            for status in [None, Some(Status::Paused)] {
                for sort in [SortBy::Asc, SortBy::Desc] {
                    let query = Query::new(start, end.saturating_add_seconds(3600))
                        .unwrap()
                        .with_keyword(keyword)
                        .unwrap()
                        .with_status(status)
                        .with_sort(sort)
                        .with_page(1, 7)
                        .unwrap();
                    queries.push(query);
                }
            }
        }
    }
    queries
}

/// Every page of `query` at `page_size`, concatenated, with the total each page reported
/// (checked equal on every page).
pub fn every_page(index: &JobIndex, query: &Query, page_size: u32) -> (Vec<String>, u64) {
    every_page_by(|q| index.list(q), query, page_size)
}

/// [`every_page`], each page listed by `list`.
pub fn every_page_by<'a>(
    list: impl Fn(&Query) -> snapjobs::Page<'a>,
    query: &Query,
    page_size: u32,
) -> (Vec<String>, u64) {
    let mut all = Vec::new();
    let mut total = None;
    for page_no in 1.. {
        let page = list(&query.clone().with_page(page_no, page_size).unwrap());
        assert_eq!(
            *total.get_or_insert(page.total_count),
            page.total_count,
            "TotalCount changed on page {page_no} of {query:?}"
        );
        assert!(page.jobs.len() <= page_size as usize);
        if page.jobs.is_empty() {
            break;
        }
        all.extend(ids_of(&page));
    }
    (all, total.unwrap_or(0))
}

/// The listing laws, on the engine alone:
/// - the matches are exactly the held jobs that [`reference::matches`] accepts, each once,
///   in (CreateTime, JobId) order, and `TotalCount` is their number;
/// - concatenating every page gives that sequence, whatever the page size;
/// - `asc` is `desc` reversed;
/// - a page past the end is empty and keeps the total.
pub fn check_laws(index: &JobIndex, query: &Query) {
    let mut expected: Vec<&Job> = index
        .jobs()
        .filter(|j| reference::matches(j, query))
        .collect();
    expected.sort_by(|a, b| order(a, b));
    let asc: Vec<String> = expected.iter().map(|j| j.id().to_owned()).collect();
    let desc: Vec<String> = asc.iter().rev().cloned().collect();
    let total = asc.len() as u64;
    let asc_query = query.clone().with_sort(SortBy::Asc);
    let desc_query = query.clone().with_sort(SortBy::Desc);
    let mut sizes = vec![100, query.page_size(), 7];
    if total <= 300 {
        sizes.push(1);
    }
    for size in sizes {
        assert_eq!(
            every_page(index, &asc_query, size),
            (asc.clone(), total),
            "asc, pages of {size}: {query:?}"
        );
        assert_eq!(
            every_page(index, &desc_query, size),
            (desc.clone(), total),
            "desc, pages of {size}: {query:?}"
        );
    }
    // A long keyword's two ways, the scan and the candidates, page alike.
    for scan in [true, false] {
        let list = |q: &Query| index.list_with_scan(q, scan);
        assert_eq!(
            every_page_by(list, &asc_query, 7),
            (asc.clone(), total),
            "asc, scan {scan}: {query:?}"
        );
        assert_eq!(
            every_page_by(list, &desc_query, 7),
            (desc.clone(), total),
            "desc, scan {scan}: {query:?}"
        );
    }
    let past = index.list(&query.clone().with_page(u64::MAX, 100).unwrap());
    assert!(past.jobs.is_empty());
    assert_eq!(past.total_count, total);
}
