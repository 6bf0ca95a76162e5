//! Answer Alibaba Cloud ICE's `ListLiveSnapshotJobs` API from memory.
//!
//! `snapjobs` holds live snapshot jobs in an in-memory index ordered by creation time, with a
//! bucket per status and a gram index over job names, and answers the API's listings (a time
//! window, a status, a keyword, a page) with an exact `TotalCount`: in logarithmic time for a
//! window, a status, a 1-byte keyword (with or without a status), a 2- or 3-byte keyword and
//! a kept keyword ([`JobIndex::keep_keyword`]), whatever the page; in time proportional to the
//! keys it merges and the candidates it checks for a longer keyword, or a 2- or 3-byte one
//! with a status, or, when those would be many, to the length of all the names, read in one
//! pass (see the cost table below, and its worst case). It does no I/O and reads no clock: the
//! embedding server passes requests in, and `now` with them.
//!
//! The layers:
//! - domain types: [`Job`], [`JobId`], [`Status`], [`SnapshotOutput`], [`Timestamp`];
//! - the query layer: [`Query`], a validated listing (its constructors refuse what breaks the
//!   contract with a [`QueryError`]), and [`Page`], an index's answer;
//! - the API contract: [`RawRequest`] (parameters as they arrive) validated into a [`Query`],
//!   its [`Page`] serialized as a [`ListResponse`], or refused with an [`ApiError`];
//! - jobs from text: [`JobLines`] and [`parse_json_lines`] read JSON Lines, naming each bad
//!   line ([`JsonLinesError`]);
//! - the engine, [`JobIndex`], whose writes refuse bad input with a [`WriteError`];
//! - the shared handle, [`SharedIndex`]: [`Snapshot`]s for reading threads, one
//!   [`IndexWriter`] at a time for writes;
//! - the [`reference`](mod@reference) model, the executable specification the engine is tested against.
//!
//! # Example
//!
//! ```
//! use snapjobs::{Job, JobIndex, RawRequest, Status, Timestamp};
//!
//! let mut index = JobIndex::new();
//! let at = |text| Timestamp::parse(text).unwrap();
//! index.load([
//!     Job::builder("job-1", at("2022-02-02T08:00:00Z")).name("live-BEIJING-01").status(Status::Started).build()?,
//!     Job::builder("job-2", at("2022-02-02T09:30:00Z")).name("shanghai news").status(Status::Paused).build()?,
//!     Job::builder("job-3", at("2022-02-02T09:30:00Z")).name("北京直播").build()?,
//! ])?;
//!
//! // A request as the server receives it, validated with the server's clock.
//! let raw = RawRequest::from_query_string(
//!     "StartTime=2022-02-02T00%3A00%3A00Z&EndTime=2022-02-02T23%3A59%3A59Z&SearchKeyWord=Beijing",
//! );
//! let query = match raw.to_query(at("2022-02-05T00:00:00Z")) {
//!     Ok(query) => query,
//!     Err(error) => panic!("{}", serde_json::to_string(&error.with_request_id("req-1"))?),
//! };
//! let page = index.list(&query);
//! assert_eq!(page.total_count, 1);
//! assert_eq!(page.jobs[0].id(), "job-1");
//!
//! let json = serde_json::to_string(&page.into_response("req-1", &query))?;
//! assert!(json.starts_with(r#"{"RequestId":"req-1","JobList":[{"JobId":"job-1","JobName":"live-BEIJING-01""#));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # One example per query shape
//!
//! ```
//! use snapjobs::{Job, JobIndex, Query, SortBy, Status, Timestamp};
//! let at = |text| Timestamp::parse(text).unwrap();
//! let mut index = JobIndex::new();
//! for (i, name) in ["cam-北京-1", "cam-beijing-2", "studio", "Cam-3"].into_iter().enumerate() {
//!     let status = if i % 2 == 0 { Status::Started } else { Status::Paused };
//!     let job = Job::builder(&format!("id-{i}"), at("2022-02-02T00:00:00Z").saturating_add_seconds(i as i64 * 60))
//!         .name(name).status(status).build()?;
//!     index.insert(job)?;
//! }
//! let window = Query::new(at("2022-02-02T00:00:00Z"), at("2022-02-02T23:59:59Z"))?;
//! let ids = |q: &Query| index.list(q).jobs.iter().map(|j| j.id().to_string()).collect::<Vec<_>>();
//!
//! // Window only: newest first.
//! assert_eq!(ids(&window), ["id-3", "id-2", "id-1", "id-0"]);
//! // Status.
//! assert_eq!(ids(&window.clone().with_status(Some(Status::Paused))), ["id-3", "id-1"]);
//! // Keyword in the name, ASCII case-insensitive.
//! assert_eq!(ids(&window.clone().with_keyword("CAM")?), ["id-3", "id-1", "id-0"]);
//! // Keyword equal to a job id.
//! assert_eq!(ids(&window.clone().with_keyword("id-2")?), ["id-2"]);
//! // A page, oldest first; TotalCount counts every page.
//! let page2 = window.clone().with_sort(SortBy::Asc).with_page(2, 3)?;
//! assert_eq!(ids(&page2), ["id-3"]);
//! assert_eq!(index.list(&page2).total_count, 4);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Sharing between threads
//!
//! A [`SharedIndex`] is one index for many threads. [`SharedIndex::snapshot`] gives a reader
//! the latest published [`Snapshot`] without taking a lock; [`SharedIndex::writer`] gives one
//! writer at a time an [`IndexWriter`], whose writes become visible together when it
//! publishes. What a snapshot guarantees:
//!
//! - every page and `TotalCount` read from it come from one state, the one after exactly
//!   [`Snapshot::version`] successful writes, never from a half-applied write or batch;
//! - it never changes while it is held, whatever is published after it;
//! - taking it never waits for the writer, and the writer never waits for it to be dropped:
//!   a snapshot held long costs the memory of what has changed since, not a stall;
//! - a refused write changes nothing and publishes nothing.
//!
//! ```
//! use snapjobs::{Job, JobIndex, Query, SharedIndex, Timestamp};
//! let at = Timestamp::parse("2022-02-02T08:00:00Z")?;
//! let shared = SharedIndex::new(JobIndex::new());
//! let mut writer = shared.writer();
//! writer.insert(Job::builder("job-1", at).build()?)?;
//! assert!(writer.insert(Job::builder("job-1", at).build()?).is_err()); // refused: no version
//! let old = shared.snapshot(); // not yet published
//! assert_eq!(writer.publish(), 1);
//! drop(writer);
//! let window = Query::new(at, at)?;
//! assert_eq!((old.version(), old.list(&window).total_count), (0, 0));
//! assert_eq!(shared.snapshot().list(&window).total_count, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Semantics
//!
//! - **Parameters** arrive as text: a form-encoded query string (`%XX`, `+` for space) or a
//!   JSON object (strings or integers). Absent and empty mean "default"; unknown names are
//!   ignored; a repeated name counts with its last value; a value that is not UTF-8 is invalid
//!   for its parameter.
//! - **Defaults**: `StartTime` = now - 7 days; `EndTime` = StartTime + 7 days (even when only
//!   EndTime is given, StartTime stays now - 7 days); no keyword; every status; `PageNo` 1;
//!   `PageSize` 10; `SortBy` desc. Defaults that would leave the years 0000 to 9999 are clamped.
//! - **Checks**, reported first-broken in this order: `StartTime` and `EndTime` exactly
//!   `YYYY-MM-DDTHH:MM:SSZ` naming a real UTC second (`MalformedStartTime`,
//!   `MalformedEndTime`); `EndTime >= StartTime` (`EndTimeMismatch`); a span of at most 30 days
//!   (`InvalidParameter`); `SearchKeyWord` at most 128 characters; `Status` one of `init`,
//!   `paused`, `started`; `PageNo` a decimal integer >= 1 (up to `u64::MAX`, leading zeros
//!   allowed, no sign); `PageSize` 1 to 100; `SortBy` `asc` or `desc` (all `InvalidParameter`).
//! - **Matching**: `StartTime <= CreateTime <= EndTime`; the status, if given; the keyword, if
//!   given, equal to the `JobId` (case-sensitive) or found in the `JobName` with ASCII letters
//!   compared case-insensitively and every other byte exactly. A job matching both ways counts once.
//! - **Order**: by `CreateTime`, then `JobId` (bytes); `desc` is the exact reverse of `asc`,
//!   whatever the insertion order.
//! - **Pages**: the matches from position `(PageNo - 1) * PageSize` (saturating), at most
//!   `PageSize` of them; past the end the page is empty and `TotalCount` still exact.
//! - **Writes** refuse bad input with a [`WriteError`] and change nothing: `JobId` 1 to 64
//!   bytes of printable ASCII without spaces and unique; `JobName` and `TemplateName` at most 128
//!   characters; `TemplateId` at most 64 bytes of printable ASCII; endpoint and bucket at most
//!   256 bytes; `TimeInterval` >= 1; `CreateTime` in the years 0000 to 9999, never changed.
//!
//! # Cost of each operation
//!
//! For an index of n jobs; w is the number of jobs in the query's window (in the status
//! bucket, if a status is given), p the page size, g the number of distinct 2- and 3-byte
//! grams of a name (about twice its length), k the lists a keyword query counts in the window
//! (the keyword's trigrams, and the status bucket), r the keys it merges from the smallest of
//! them (each next list taken while at most 4 times the candidates so far), c the candidates
//! left to check; B the bytes of all the names and N the names stored (the held jobs', and at
//! most as many of removed or renamed jobs awaiting compaction), m the matches of a pass over
//! them, d the window's keys walked from its nearer end to the page; K the kept keywords (at
//! most [`MAX_KEPT_KEYWORDS`]) and L a name's length. "Amortised": the stored names are
//! compacted, O(B + N), once the removed ones outnumber the held.
//!
//! | operation | cost |
//! | --- | --- |
//! | [`JobIndex::list`], no keyword (any status, any page) | O(log n + p) |
//! | [`JobIndex::list`], 1-byte keyword, any status | O(log n + p) descents, reading names only in the leaves (of up to 128 jobs) where the window ends and the page's matches lie |
//! | [`JobIndex::list`], 2- or 3-byte keyword, no status | O(log n + p) |
//! | [`JobIndex::list`], a kept keyword ([`JobIndex::keep_keyword`]), any status | O(log n + p) |
//! | [`JobIndex::list`], longer keyword, or 2- or 3-byte keyword with status | O(k log n + r + c) |
//! | [`JobIndex::list`], longer keyword whose rarest list in the window holds one name in 24 or more | O(B + N + m + d): one pass over the names |
//! | [`JobIndex::get`], the keyword's id arm | O(1) expected |
//! | [`JobIndex::len`], [`JobIndex::is_empty`], [`JobIndex::max_jobs`] | O(1) |
//! | [`JobIndex::insert`], [`JobIndex::remove`] | O(g log n + K (L + log n)), amortised |
//! | [`JobIndex::set_status`] | O(log n + K (L + log n)) |
//! | [`JobIndex::rename`] | O((g_old + g_new) log n + K (L + log n)), amortised |
//! | [`JobIndex::keep_keyword`] | O(B + N) |
//! | [`JobIndex::forget_keyword`], [`JobIndex::kept_keywords`], [`JobIndex::set_kept_matches_limit`] | O(K) |
//! | [`JobIndex::set_template`], [`JobIndex::set_output`], [`JobIndex::set_time_interval`] | O(1) expected |
//! | [`JobIndex::load`] of m jobs | O((n + m) (log(n + m) + g)): one sort, trees built bottom-up (the name index on two threads, by default) |
//! | [`JobIndex::jobs`], [`JobIndex::heap_bytes`] | O(n) |
//! | [`SharedIndex::snapshot`] | O(1), lock-free |
//! | [`IndexWriter::publish`] | O(n / 2,048 + shards): the tables of pointers to the shared groups, blocks and shards |
//! | an [`IndexWriter`]'s write | as the [`JobIndex`] write, plus a copy of each node it changes that a snapshot still shares (at most the path from each root it changes) |
//! | [`RawRequest::from_query_string`], [`RawRequest::to_query`] | O(length of the parameters) |
//! | [`JobLines::next_line`], [`parse_json_lines`] | O(length of the text) |
//!
//! A write at an end of the lists, a submission (a job created after every held one) or the
//! retirement of the oldest job, goes down each tree's last or first child at every level
//! without searching a node: the same bound, with a fraction of the cache misses (at 10^6
//! jobs a submission took 4.5 to 5.0 µs, and an insert or a removal in the middle of the
//! lists 44 to 71 µs; BENCHMARKS.md). In a posting list it does not even go down: each list
//! holds up to 16 appended keys after its tree and up to 16 first keys before it, and its
//! tree's edge changes once in 16 such writes.
//!
//! The worst case is a long keyword found in many names: the pass over every name, whose
//! cost grows with n, not with the window. Measured at 10^6 jobs all in one 30-day window
//! (`cargo bench --bench worst_case`, on the project's 2-core machine), the 4-byte keyword
//! `live`, in 45% of the names, takes 11.8 ms (SQLite: 375 to 470 ms), a 6-byte one 11 to
//! 13 ms, `live` with a status 14 to 15 ms, a page half-way through its matches 14.5 ms;
//! once `live` is kept, any of its pages takes 160 to 200 ns. The most common byte, `e`, in
//! 78% of the names, takes about 1 µs, with or without a status.
//!
//! The engine's structures are described on [`JobIndex`], and measured
//! against SQLite and the reference model in the project's benchmarks.

#![deny(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
#![cfg_attr(
    test,
    allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

mod engine;
mod error;
mod job;
mod jsonl;
mod query;
pub mod reference;
mod request;
mod response;
mod shared;
mod time;

/// The README's code, compiled and run as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

#[doc(hidden)]
pub use engine::check_posting_list_ops;
pub use engine::{DEFAULT_KEPT_MATCHES, JobIndex, MAX_JOBS, MAX_KEPT_KEYWORDS};
pub use error::{ApiError, ErrorCode, ErrorResponse};
pub use job::{
    Job, JobBuilder, JobField, JobId, MAX_JOB_ID_BYTES, MAX_NAME_CHARS, MAX_OUTPUT_BYTES,
    MAX_TEMPLATE_ID_BYTES, SnapshotOutput, Status, StorageType, WriteError,
};
pub use jsonl::{JobLines, JsonLinesError, JsonLinesErrorKind, parse_json_lines};
pub use query::{
    DEFAULT_PAGE_SIZE, MAX_KEYWORD_CHARS, MAX_PAGE_SIZE, MAX_WINDOW_SECONDS, Page, Query,
    QueryError, SortBy,
};
pub use request::RawRequest;
pub use response::ListResponse;
pub use shared::{IndexWriter, SharedIndex, Snapshot};
pub use time::{TimeError, Timestamp};
