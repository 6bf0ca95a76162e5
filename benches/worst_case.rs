//! The slowest listings: common keywords over a month that holds every job.
//!
//! Data: the realistic names of `support/synth.rs`, their CreateTimes uniform over one 30-day
//! window (a busy month, or a tenant that keeps a month of jobs), and every query asks for
//! that whole window. A keyword's matches are then a large share of all the jobs, and
//! `TotalCount` must count them all.
//!
//! Keywords, chosen on the first 10^5 jobs by their share of names (ASCII folded): the most
//! common byte, the most common 4-byte substring, the most common 6-byte substring. Scenarios,
//! each in both orders (`_desc`, `_asc`): `month_1byte`, `month_1byte_status` and
//! `month_4byte_status` (with status `Started`), `month_4byte`, `month_6byte` and
//! `month_4byte_deep_page` (half-way through the 4-byte keyword's matches); and, on a copy of
//! the index that keeps the 4-byte keyword (`JobIndex::keep_keyword`), its page 2 with and
//! without the status (`month_4byte_kept_page2`, `month_4byte_kept_status_page2`: a user
//! paging). Peers: snapjobs, the reference model (`naive`) and SQLite in memory (`sqlite`,
//! as in `peers.rs`); each answer is checked equal before timing. The time one
//! `keep_keyword` takes is printed, once, before the groups run. Then `month_insert_now`: a
//! job created after every held one inserted into the index, into a copy that keeps the 16
//! most common 4-byte substrings, and into SQLite.
//!
//! `cargo bench --bench worst_case` (`SNAPJOBS_BENCH_MONTH_SIZES=100000` for other sizes).

#[path = "support/sqlite.rs"]
mod sqlite;
#[path = "support/synth.rs"]
mod synth;

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion};
use snapjobs::reference::Model;
use snapjobs::{Job, JobIndex, Query, SortBy, Status};
use sqlite::Sqlite;

const SEED: u64 = 42;
const MONTH_SECONDS: u64 = 30 * 86_400;

fn sizes() -> Vec<usize> {
    match std::env::var("SNAPJOBS_BENCH_MONTH_SIZES") {
        Ok(list) => list
            .split(',')
            .filter(|n| !n.trim().is_empty())
            .map(|n| n.trim().parse().expect("sizes: numbers"))
            .collect(),
        Err(_) => vec![1_000_000],
    }
}

/// `n` jobs with realistic names, created in the 30 days from `synth::day(0)`.
fn month_jobs(n: usize) -> Vec<Job> {
    let mut generator = synth::Generator::named(SEED, synth::Names::Realistic);
    let mut times = synth::Rng::new(SEED + 7);
    (0..n as u64)
        .map(|i| {
            let at = synth::day(0).saturating_add_seconds(times.below(MONTH_SECONDS) as i64);
            generator.job_at(i, at)
        })
        .collect()
}

/// The most common `len`-byte substring of the folded names of `jobs`, counting each name
/// once, and its share of the names.
fn most_common(jobs: &[Job], len: usize) -> (String, f64) {
    let (best, count) = by_names_holding(jobs, len)
        .into_iter()
        .next()
        .expect("names have substrings");
    (best, count as f64 / jobs.len() as f64)
}

/// Each `len`-byte substring of the folded names of `jobs` with the number of names holding
/// it, the most common first (ties in byte order).
fn by_names_holding(jobs: &[Job], len: usize) -> Vec<(String, usize)> {
    let mut counts: HashMap<Vec<u8>, usize> = HashMap::new();
    let mut seen = std::collections::HashSet::new();
    for job in jobs {
        let folded = job.name().to_ascii_lowercase();
        seen.clear();
        for w in folded.as_bytes().windows(len) {
            if std::str::from_utf8(w).is_ok() && seen.insert(w.to_vec()) {
                *counts.entry(w.to_vec()).or_default() += 1;
            }
        }
    }
    let mut counts: Vec<(Vec<u8>, usize)> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    counts
        .into_iter()
        .map(|(w, n)| (String::from_utf8(w).expect("checked UTF-8"), n))
        .collect()
}

fn ids_of(page: &snapjobs::Page<'_>) -> Vec<String> {
    page.jobs.iter().map(|j| j.id().to_string()).collect()
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    for n in sizes() {
        let jobs = month_jobs(n);
        let sample = &jobs[..jobs.len().min(100_000)];
        let (one, one_share) = most_common(sample, 1);
        let (four, four_share) = most_common(sample, 4);
        let (six, six_share) = most_common(sample, 6);
        eprintln!(
            "month of {n} jobs: 1-byte {one:?} ({:.1}% of names), 4-byte {four:?} ({:.1}%), 6-byte {six:?} ({:.1}%)",
            one_share * 100.0,
            four_share * 100.0,
            six_share * 100.0
        );
        let mut index = JobIndex::new();
        index.load(jobs.clone()).unwrap();
        eprintln!(
            "month of {n} jobs: index {} bytes per job",
            index.heap_bytes() / n.max(1)
        );
        let mut model = Model::new();
        model.load(jobs.clone()).unwrap();
        let db = Sqlite::load(&jobs, false);
        let month = Query::new(
            synth::day(0),
            synth::day(0).saturating_add_seconds(MONTH_SECONDS as i64),
        )
        .unwrap();
        let with = |keyword: &str| month.clone().with_keyword(keyword).unwrap();
        let deep = {
            let q = with(&four);
            let total = index.list(&q).total_count;
            q.with_page((total / 2 / 10).max(1), 10).unwrap()
        };
        // The same jobs, with the 4-byte keyword kept (`JobIndex::keep_keyword`).
        let mut kept_index = index.clone();
        let started = std::time::Instant::now();
        assert!(kept_index.keep_keyword(&four));
        eprintln!(
            "keep_keyword({four:?}) took {:.1} ms",
            started.elapsed().as_secs_f64() * 1e3
        );
        let page_2 = with(&four).with_page(2, 10).unwrap();
        let scenarios: [(&str, Query, &JobIndex); 8] = [
            ("month_1byte", with(&one), &index),
            (
                "month_1byte_status",
                with(&one).with_status(Some(Status::Started)),
                &index,
            ),
            ("month_4byte", with(&four), &index),
            ("month_6byte", with(&six), &index),
            (
                "month_4byte_status",
                with(&four).with_status(Some(Status::Started)),
                &index,
            ),
            ("month_4byte_deep_page", deep, &index),
            ("month_4byte_kept_page2", page_2.clone(), &kept_index),
            (
                "month_4byte_kept_status_page2",
                page_2.with_status(Some(Status::Started)),
                &kept_index,
            ),
        ];
        let param = format!("{n}-month");
        for (name, query, index) in scenarios {
            for sort in [SortBy::Desc, SortBy::Asc] {
                let query = query.clone().with_sort(sort);
                let group_name = format!("{name}_{}", sort.as_str().to_ascii_lowercase());
                let page = index.list(&query);
                let want = (ids_of(&page), page.total_count);
                let naive = model.list(&query);
                assert_eq!((ids_of(&naive), naive.total_count), want, "naive differs");
                let (rows, total) = (sqlite::View {
                    db: &db,
                    fts: false,
                })
                .list(&query);
                let rows: Vec<String> = rows.into_iter().map(|r| r.job_id).collect();
                assert_eq!((rows, total), want, "sqlite differs");
                eprintln!("{group_name}: TotalCount {}", want.1);

                let mut group = c.benchmark_group(&group_name);
                group
                    .sample_size(10)
                    .warm_up_time(Duration::from_millis(300))
                    .measurement_time(Duration::from_secs(2));
                group.bench_with_input(BenchmarkId::new("snapjobs", &param), &query, |b, q| {
                    b.iter(|| {
                        let page = index.list(black_box(q));
                        black_box((page.jobs.len(), page.total_count))
                    })
                });
                group.bench_with_input(BenchmarkId::new("naive", &param), &query, |b, q| {
                    b.iter(|| {
                        let page = model.list(black_box(q));
                        black_box((page.jobs.len(), page.total_count))
                    })
                });
                group.bench_with_input(BenchmarkId::new("sqlite", &param), &query, |b, q| {
                    b.iter(|| {
                        black_box(
                            (sqlite::View {
                                db: &db,
                                fts: false,
                            })
                            .list(black_box(q)),
                        )
                    })
                });
                group.finish();
            }
        }
        insert_now(&mut c, &param, (&mut index, &db), sample);
    }
    c.final_summary();
}

/// Group `month_insert_now`: a job created after every held one, inserted (timed) and removed
/// again (not timed), into the index as it is, into a copy keeping the 16 most common 4-byte
/// substrings, and into SQLite: what kept keywords add to a write.
fn insert_now(
    c: &mut Criterion,
    param: &str,
    (index, db): (&mut JobIndex, &Sqlite),
    sample: &[Job],
) {
    let newest = index.jobs().map(Job::create_time).max().unwrap();
    let mut generator = synth::Generator::named(SEED + 3, synth::Names::Realistic);
    let fresh: Vec<Job> = (0..1_000)
        .map(|i| {
            generator.job_at(
                1_000_000_000 + i,
                newest.saturating_add_seconds(1 + i as i64),
            )
        })
        .collect();
    let mut kept = index.clone();
    kept.set_kept_matches_limit(usize::MAX);
    let keywords = by_names_holding(sample, 4);
    for (keyword, _) in keywords.iter().take(snapjobs::MAX_KEPT_KEYWORDS) {
        assert!(kept.keep_keyword(keyword));
    }
    let kept_matches: usize = kept.kept_keywords().map(|(_, n)| n).sum();
    eprintln!(
        "month_insert_now: {} kept keywords, {kept_matches} matches",
        kept.kept_keywords().count()
    );
    let timed = |index: &mut JobIndex, iters: u64| {
        let mut total = Duration::ZERO;
        for i in 0..iters {
            let job = fresh[(i % 1_000) as usize].clone();
            let id = job.id().to_string();
            let started = std::time::Instant::now();
            index.insert(job).unwrap();
            total += started.elapsed();
            drop(index.remove(&id).unwrap());
        }
        total
    };
    let mut group = c.benchmark_group("month_insert_now");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(3));
    group.bench_function(BenchmarkId::new("snapjobs", param), |b| {
        b.iter_custom(|iters| timed(index, iters))
    });
    group.bench_function(BenchmarkId::new("snapjobs_16_kept", param), |b| {
        b.iter_custom(|iters| timed(&mut kept, iters))
    });
    group.bench_function(BenchmarkId::new("sqlite", param), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for i in 0..iters {
                let job = &fresh[(i % 1_000) as usize];
                let started = std::time::Instant::now();
                db.insert(job);
                total += started.elapsed();
                db.remove(job.id());
            }
            total
        })
    });
    group.finish();
}
