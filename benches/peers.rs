//! snapjobs against what a server would otherwise use, on the same data and queries:
//! the reference model (`naive`) and SQLite in memory (`sqlite`, and `sqlite_fts5` with an
//! FTS5 trigram index for keywords of 3+ bytes).
//!
//! The query groups are named by scenario: `window_7d_page1`, `status_30d_page1`,
//! `status_30d_deep_page`, `keyword_rare`, `keyword_common_3byte`, `keyword_job_id`,
//! `window_1d_100_asc`, `keyword_2byte_deep_page`, `keyword_two_words` and `keyword_1byte`
//! (which no gram list covers); then the writes `insert`, `set_status`, `rename`, `remove`
//! and `load`. Each group's functions are the peers and its parameter the number of jobs.
//! Every peer's answer is checked against snapjobs' before anything is timed.
//!
//! The inserts come in three kinds: `insert` (a CreateTime anywhere in the data's 180 days),
//! `insert_now` (a CreateTime after every job held: a submission) and `insert_90d_back` (90
//! days before the newest job).
//!
//! Two data sets: the synthetic names of `support/synth.rs`, at every size, and its
//! realistic names (channels, dates, series, embedded ids), at 10^6 jobs, for the writes and
//! the load; their parameter is `N-realistic`.
//!
//! `cargo bench --bench peers` (add `SNAPJOBS_BENCH_LARGE=1` for 10^7 jobs, snapjobs and
//! sqlite only; `SNAPJOBS_BENCH_SIZES=10000,100000` to choose the sizes of the synthetic set,
//! `SNAPJOBS_BENCH_REALISTIC_SIZES` those of the realistic one, empty for none).

#[path = "support/sqlite.rs"]
mod sqlite;
#[path = "support/synth.rs"]
mod synth;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BatchSize, BenchmarkGroup, BenchmarkId, Criterion, measurement::WallTime};
use snapjobs::reference::Model;
use snapjobs::{Job, JobIndex, Query, SortBy, Status};
use sqlite::Sqlite;

const SEED: u64 = 42;

struct Fixture {
    n: usize,
    names: synth::Names,
    jobs: Vec<Job>,
    index: JobIndex,
    /// `None` at sizes where the naive model is not measured.
    model: Option<Model>,
    sqlite: Sqlite,
}

impl Fixture {
    /// The benchmark parameter: the number of jobs, and the data set unless synthetic.
    fn param(&self) -> String {
        match self.names {
            synth::Names::Synthetic => self.n.to_string(),
            names => format!("{}-{}", self.n, names.label()),
        }
    }
}

/// The sizes listed in environment variable `var`, if it is set.
fn sizes_from(var: &str) -> Option<Vec<usize>> {
    let list = std::env::var(var).ok()?;
    Some(
        list.split(',')
            .filter(|n| !n.trim().is_empty())
            .map(|n| n.trim().parse().expect("sizes: numbers"))
            .collect(),
    )
}

fn realistic_sizes() -> Vec<usize> {
    sizes_from("SNAPJOBS_BENCH_REALISTIC_SIZES").unwrap_or_else(|| vec![1_000_000])
}

fn sizes() -> Vec<usize> {
    if let Some(sizes) = sizes_from("SNAPJOBS_BENCH_SIZES") {
        return sizes;
    }
    let mut sizes = vec![10_000, 100_000, 1_000_000];
    if std::env::var("SNAPJOBS_BENCH_LARGE").is_ok_and(|v| v == "1") {
        sizes.push(10_000_000);
    }
    sizes
}

fn fixture(n: usize, names: synth::Names) -> Fixture {
    let started = Instant::now();
    let jobs = synth::named_jobs(n, SEED, names);
    let mut index = JobIndex::new();
    index.load(jobs.clone()).unwrap();
    let model = (n <= 1_000_000 && names == synth::Names::Synthetic).then(|| {
        let mut model = Model::new();
        model.load(jobs.clone()).unwrap();
        model
    });
    let sqlite = Sqlite::load(&jobs, true);
    eprintln!(
        "fixture of {n} jobs ({} names) built in {:.1?}",
        names.label(),
        started.elapsed()
    );
    Fixture {
        n,
        names,
        jobs,
        index,
        model,
        sqlite,
    }
}

/// The keywords of the scenarios, chosen once on 10^5 jobs by their share of names.
struct Keywords {
    rare: String,
    common3: String,
    short: String,
    long: String,
    one_byte: String,
}

fn keywords() -> Keywords {
    let sample = synth::jobs(100_000, SEED);
    let words = synth::word_pool();
    let ascii: Vec<&str> = words
        .iter()
        .map(String::as_str)
        .filter(|w| w.is_ascii())
        .collect();
    let grams = |len: usize| -> Vec<String> {
        let mut grams: Vec<String> = ascii[..60]
            .iter()
            .flat_map(|w| {
                (0..w.len().saturating_sub(len - 1)).map(move |i| w[i..i + len].to_owned())
            })
            .collect();
        grams.sort();
        grams.dedup();
        grams
    };
    let (rare, rare_share) = synth::nearest_share(
        &sample,
        ascii.iter().copied().filter(|w| w.len() >= 5),
        1e-4,
    );
    let common3 = grams(3);
    let (common3, common3_share) =
        synth::nearest_share(&sample, common3.iter().map(String::as_str), 0.10);
    let short = grams(2);
    let (short, short_share) =
        synth::nearest_share(&sample, short.iter().map(String::as_str), 0.20);
    let pairs: Vec<String> = ascii[..12]
        .iter()
        .flat_map(|a| ascii[..12].iter().map(move |b| format!("{a}-{b}")))
        .filter(|p| p.len() >= 8)
        .collect();
    let (long, long_share) = synth::nearest_share(&sample, pairs.iter().map(String::as_str), 2e-3);
    let letters: Vec<String> = ('a'..='z').map(String::from).collect();
    let (one_byte, one_byte_share) =
        synth::nearest_share(&sample, letters.iter().map(String::as_str), 0.10);
    eprintln!(
        "keywords: rare {rare:?} ({:.4}% of names), common 3-byte {common3:?} ({:.1}%), short {short:?} ({:.1}%), long {long:?} ({:.3}%), 1-byte {one_byte:?} ({:.1}%)",
        rare_share * 100.0,
        common3_share * 100.0,
        short_share * 100.0,
        long_share * 100.0,
        one_byte_share * 100.0
    );
    Keywords {
        rare,
        common3,
        short,
        long,
        one_byte,
    }
}

fn window(from_day: i64, days: i64) -> Query {
    Query::new(synth::day(from_day), synth::day(from_day + days)).unwrap()
}

/// Half-way through the matches of `query`, as a page number.
fn middle_page(index: &JobIndex, query: &Query) -> Query {
    let total = index.list(query).total_count;
    let page_no = (total / 2 / u64::from(query.page_size())).max(1);
    query.clone().with_page(page_no, query.page_size()).unwrap()
}

struct Scenario {
    group: &'static str,
    /// Whether the FTS5 variant of the SQLite peer applies (keywords of 3+ bytes).
    fts: bool,
    query: Box<dyn Fn(&Fixture) -> Query>,
}

fn scenarios(keywords: &Keywords) -> Vec<Scenario> {
    let Keywords {
        rare,
        common3,
        short,
        long,
        one_byte,
    } = keywords;
    let (rare, common3, short, long, one_byte) = (
        rare.clone(),
        common3.clone(),
        short.clone(),
        long.clone(),
        one_byte.clone(),
    );
    vec![
        Scenario {
            group: "window_7d_page1",
            fts: false,
            query: Box::new(|_| window(100, 7)),
        },
        Scenario {
            group: "status_30d_page1",
            fts: false,
            query: Box::new(|_| window(100, 30).with_status(Some(Status::Paused))),
        },
        Scenario {
            group: "status_30d_deep_page",
            fts: false,
            query: Box::new(|f| {
                middle_page(&f.index, &window(100, 30).with_status(Some(Status::Paused)))
            }),
        },
        Scenario {
            group: "keyword_rare",
            fts: true,
            query: Box::new(move |_| window(100, 30).with_keyword(&rare).unwrap()),
        },
        Scenario {
            group: "keyword_common_3byte",
            fts: true,
            query: Box::new(move |_| window(100, 30).with_keyword(&common3).unwrap()),
        },
        Scenario {
            group: "keyword_job_id",
            fts: true,
            query: Box::new(|f| {
                let q = window(100, 30);
                let inside = f.index.list(&q.clone().with_page(1, 1).unwrap()).jobs[0]
                    .id()
                    .to_string();
                q.with_keyword(&inside).unwrap()
            }),
        },
        Scenario {
            group: "window_1d_100_asc",
            fts: false,
            query: Box::new(|_| {
                window(120, 1)
                    .with_page(1, 100)
                    .unwrap()
                    .with_sort(SortBy::Asc)
            }),
        },
        Scenario {
            group: "keyword_2byte_deep_page",
            fts: false,
            query: Box::new(move |f| {
                middle_page(&f.index, &window(100, 30).with_keyword(&short).unwrap())
            }),
        },
        Scenario {
            group: "keyword_two_words",
            fts: true,
            query: Box::new(move |_| window(100, 30).with_keyword(&long).unwrap()),
        },
        // A 1-byte keyword, which no gram list covers: the engine checks every job of the
        // window.
        Scenario {
            group: "keyword_1byte",
            fts: false,
            query: Box::new(move |_| window(100, 30).with_keyword(&one_byte).unwrap()),
        },
    ]
}

fn ids_of(page: &snapjobs::Page<'_>) -> Vec<String> {
    page.jobs.iter().map(|j| j.id().to_string()).collect()
}

/// Asserts every peer returns snapjobs' page and total for `query`.
fn check_same_answers(fixture: &Fixture, query: &Query, fts: bool) {
    let page = fixture.index.list(query);
    let want = (ids_of(&page), page.total_count);
    if let Some(model) = &fixture.model {
        let page = model.list(query);
        assert_eq!(
            (ids_of(&page), page.total_count),
            want,
            "naive differs on {query:?}"
        );
    }
    let mut flavours = vec![false];
    if fts {
        flavours.push(true);
    }
    for use_fts in flavours {
        let (rows, total) = list_sqlite(&fixture.sqlite, query, use_fts);
        let ids: Vec<String> = rows.into_iter().map(|r| r.job_id).collect();
        assert_eq!(
            (ids, total),
            want,
            "sqlite (fts5: {use_fts}) differs on {query:?}"
        );
    }
}

fn list_sqlite(db: &Sqlite, query: &Query, fts: bool) -> (Vec<sqlite::Row>, u64) {
    // The connection holds the FTS table either way; `fts` picks the statement.
    let view = sqlite::View { db, fts };
    view.list(query)
}

fn configure<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group(name);
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    group
}

fn queries(c: &mut Criterion, fixtures: &[Fixture], keywords: &Keywords) {
    for scenario in scenarios(keywords) {
        let mut group = configure(c, scenario.group);
        for fixture in fixtures
            .iter()
            .filter(|f| f.names == synth::Names::Synthetic)
        {
            let query = (scenario.query)(fixture);
            check_same_answers(fixture, &query, scenario.fts);
            let n = fixture.n;
            group.bench_with_input(BenchmarkId::new("snapjobs", n), &query, |b, q| {
                b.iter(|| {
                    let page = fixture.index.list(black_box(q));
                    black_box((page.jobs.len(), page.total_count))
                })
            });
            if let Some(model) = &fixture.model {
                group.bench_with_input(BenchmarkId::new("naive", n), &query, |b, q| {
                    b.iter(|| {
                        let page = model.list(black_box(q));
                        black_box((page.jobs.len(), page.total_count))
                    })
                });
            }
            group.bench_with_input(BenchmarkId::new("sqlite", n), &query, |b, q| {
                b.iter(|| black_box(list_sqlite(&fixture.sqlite, black_box(q), false)))
            });
            if scenario.fts {
                group.bench_with_input(BenchmarkId::new("sqlite_fts5", n), &query, |b, q| {
                    b.iter(|| black_box(list_sqlite(&fixture.sqlite, black_box(q), true)))
                });
            }
        }
        group.finish();
    }
}

/// Times `op` alone over `iters` runs on `state`: its input, `input(i)`, is made before the
/// clock starts, and `undo` runs on what it returned after the clock stops.
fn timed_apart<S: ?Sized, T, R>(
    state: &mut S,
    iters: u64,
    input: impl Fn(u64) -> T,
    mut op: impl FnMut(&mut S, T) -> R,
    mut undo: impl FnMut(&mut S, u64, R),
) -> Duration {
    let mut total = Duration::ZERO;
    for i in 0..iters {
        let input = input(i);
        let started = Instant::now();
        let output = op(state, input);
        total += started.elapsed();
        undo(state, i, output);
    }
    total
}

/// An insert group: each job of `make(fixture)` inserted (timed) then removed (not timed).
fn inserts(
    c: &mut Criterion,
    name: &str,
    fixtures: &mut [Fixture],
    make: impl Fn(&Fixture) -> Vec<Job>,
) {
    let mut group = configure(c, name);
    for f in fixtures.iter_mut() {
        let n = f.param();
        let fresh = make(f);
        let pick = |i: u64| &fresh[(i % 1_000) as usize];
        let new_job = |i: u64| pick(i).clone();
        let index = &mut f.index;
        group.bench_function(BenchmarkId::new("snapjobs", &n), |b| {
            b.iter_custom(|iters| {
                timed_apart(
                    index,
                    iters,
                    new_job,
                    |index, job| index.insert(job).unwrap(),
                    |index, i, ()| drop(index.remove(pick(i).id()).unwrap()),
                )
            })
        });
        if let Some(model) = f.model.as_mut() {
            group.bench_function(BenchmarkId::new("naive", &n), |b| {
                b.iter_custom(|iters| {
                    timed_apart(
                        model,
                        iters,
                        new_job,
                        |model, job| model.insert(job).unwrap(),
                        |model, i, ()| drop(model.remove(pick(i).id()).unwrap()),
                    )
                })
            });
        }
        let mut db = &f.sqlite;
        group.bench_function(BenchmarkId::new("sqlite", &n), |b| {
            b.iter_custom(|iters| {
                timed_apart(
                    &mut db,
                    iters,
                    pick,
                    |db, job| db.insert(job),
                    |db, i, ()| db.remove(pick(i).id()),
                )
            })
        });
    }
    group.finish();
}

/// 1,000 new jobs named as `f`'s are, created `offset_seconds` after its newest job and a
/// second apart.
fn created_after_newest(f: &Fixture, offset_seconds: i64) -> Vec<Job> {
    let newest = f.jobs.iter().map(Job::create_time).max().unwrap();
    let mut generator = synth::Generator::named(SEED + 3, f.names);
    (0..1_000)
        .map(|i| generator.job_at(i, newest.saturating_add_seconds(offset_seconds + i as i64)))
        .collect()
}

fn writes(c: &mut Criterion, fixtures: &mut [Fixture]) {
    inserts(c, "insert", fixtures, |f| {
        synth::named_jobs(1_000, SEED + 1, f.names)
    });
    inserts(c, "insert_now", fixtures, |f| created_after_newest(f, 1));
    inserts(c, "insert_90d_back", fixtures, |f| {
        created_after_newest(f, -90 * 86_400)
    });

    // Existing jobs, taken from the middle of the data.
    let existing = |f: &Fixture| -> Vec<String> {
        f.jobs
            .iter()
            .step_by((f.n / 1_000).max(1))
            .map(|j| j.id().to_string())
            .take(1_000)
            .collect()
    };

    let mut group = configure(c, "remove");
    for f in fixtures.iter_mut() {
        let n = f.param();
        let ids = existing(f);
        let jobs: Vec<Job> = ids
            .iter()
            .map(|id| f.index.get(id).unwrap().clone())
            .collect();
        let k = ids.len() as u64;
        let id_of = |i: u64| ids[(i % k) as usize].as_str();
        let index = &mut f.index;
        group.bench_function(BenchmarkId::new("snapjobs", &n), |b| {
            b.iter_custom(|iters| {
                timed_apart(
                    index,
                    iters,
                    id_of,
                    |index, id| index.remove(id).unwrap(),
                    |index, _, job| index.insert(job).unwrap(),
                )
            })
        });
        if let Some(model) = f.model.as_mut() {
            group.bench_function(BenchmarkId::new("naive", &n), |b| {
                b.iter_custom(|iters| {
                    timed_apart(
                        model,
                        iters,
                        id_of,
                        |model, id| model.remove(id).unwrap(),
                        |model, _, job| model.insert(job).unwrap(),
                    )
                })
            });
        }
        let mut db = &f.sqlite;
        group.bench_function(BenchmarkId::new("sqlite", &n), |b| {
            b.iter_custom(|iters| {
                timed_apart(
                    &mut db,
                    iters,
                    id_of,
                    |db, id| db.remove(id),
                    |db, i, ()| db.insert(&jobs[(i % k) as usize]),
                )
            })
        });
    }
    group.finish();

    let mut group = configure(c, "set_status");
    for f in fixtures.iter_mut() {
        let n = f.param();
        let ids = existing(f);
        let k = ids.len();
        let mut next = 0usize;
        let mut step = move || {
            next += 1;
            (ids[next % k].clone(), Status::ALL[(next / k) % 3])
        };
        let index = &mut f.index;
        group.bench_function(BenchmarkId::new("snapjobs", &n), |b| {
            b.iter_batched(
                &mut step,
                |(id, s)| index.set_status(&id, s).unwrap(),
                BatchSize::SmallInput,
            )
        });
        if let Some(model) = f.model.as_mut() {
            group.bench_function(BenchmarkId::new("naive", &n), |b| {
                b.iter_batched(
                    &mut step,
                    |(id, s)| model.set_status(&id, s).unwrap(),
                    BatchSize::SmallInput,
                )
            });
        }
        let db = &f.sqlite;
        group.bench_function(BenchmarkId::new("sqlite", &n), |b| {
            b.iter_batched(
                &mut step,
                |(id, s)| db.set_status(&id, s.as_str()),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();

    let mut group = configure(c, "rename");
    for f in fixtures.iter_mut() {
        let n = f.param();
        let mut names = synth::Generator::named(SEED + 2, f.names);
        let new_names: Vec<String> = (0..1_000).map(|_| names.name()).collect();
        let ids = existing(f);
        let k = ids.len();
        let mut next = 0usize;
        let mut step = || {
            next += 1;
            // Each round over the ids shifts the names, so every rename changes the name.
            (
                ids[next % k].clone(),
                new_names[(next + next / k) % new_names.len()].clone(),
            )
        };
        let index = &mut f.index;
        group.bench_function(BenchmarkId::new("snapjobs", &n), |b| {
            b.iter_batched(
                &mut step,
                |(id, name)| index.rename(&id, &name).unwrap(),
                BatchSize::SmallInput,
            )
        });
        if let Some(model) = f.model.as_mut() {
            group.bench_function(BenchmarkId::new("naive", &n), |b| {
                b.iter_batched(
                    &mut step,
                    |(id, name)| model.rename(&id, &name).unwrap(),
                    BatchSize::SmallInput,
                )
            });
        }
        let db = &f.sqlite;
        group.bench_function(BenchmarkId::new("sqlite", &n), |b| {
            b.iter_batched(
                &mut step,
                |(id, name)| db.rename(&id, &name),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

fn load(c: &mut Criterion, fixtures: &[Fixture]) {
    let mut group = c.benchmark_group("load");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(100))
        .measurement_time(Duration::from_secs(5));
    for f in fixtures {
        let n = f.param();
        group.bench_function(BenchmarkId::new("snapjobs", &n), |b| {
            b.iter_batched(
                || f.jobs.clone(),
                |jobs| {
                    let mut index = JobIndex::new();
                    index.load(jobs).unwrap();
                    index
                },
                BatchSize::PerIteration,
            )
        });
        if f.model.is_some() {
            group.bench_function(BenchmarkId::new("naive", &n), |b| {
                b.iter_batched(
                    || f.jobs.clone(),
                    |jobs| {
                        let mut model = Model::new();
                        model.load(jobs).unwrap();
                        model
                    },
                    BatchSize::PerIteration,
                )
            });
        }
        group.bench_function(BenchmarkId::new("sqlite", &n), |b| {
            b.iter(|| Sqlite::load(&f.jobs, false))
        });
    }
    group.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let keywords = keywords();
    let mut fixtures: Vec<Fixture> = sizes()
        .into_iter()
        .map(|n| fixture(n, synth::Names::Synthetic))
        .chain(
            realistic_sizes()
                .into_iter()
                .map(|n| fixture(n, synth::Names::Realistic)),
        )
        .collect();
    for f in &fixtures {
        eprintln!(
            "{}: index {} bytes per job",
            f.param(),
            f.index.heap_bytes() / f.n
        );
    }
    queries(&mut c, &fixtures, &keywords);
    writes(&mut c, &mut fixtures);
    load(&mut c, &fixtures);
    c.final_summary();
}
