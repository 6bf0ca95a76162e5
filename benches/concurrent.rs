//! One reader thread listing while one writer thread writes: list latency (p50 / p99 /
//! p99.9) and throughput, and the writer's throughput, for [`SharedIndex`] and two peers:
//! `std::sync::RwLock<JobIndex>` and SQLite in WAL mode with a connection per thread.
//!
//! ```text
//! cargo bench --bench concurrent [-- JOBS] [writers]
//! ```
//!
//! With `writers`, only the writers' throughputs are measured (no reader, no peers).
//!
//! Each peer holds the same 10^6 realistic jobs (or JOBS). For each, three rounds of
//! `SECONDS` seconds: the reader alone; with a writer as fast as it can; with a writer at
//! 1,000 writes a second. The writes are a retention churn: a submission (created after every
//! job held), the retirement of the oldest job, a status change, in turn. The shared handle's
//! writer publishes after each write at 1,000 a second, and after every 64 writes when as
//! fast as it can (a batch; readers then see the state at most 64 writes old). The listings
//! are a fixed mix of the typical requests (a window, a status, 2- to 4-byte keywords, a deep
//! page). Before the rounds, each peer's answers to the mix are checked against the index's.
//! (The memory that sharing costs is measured by `examples/snapshot_memory.rs`.)

#[path = "support/sqlite.rs"]
mod sqlite;
#[path = "support/synth.rs"]
mod synth;

use std::collections::VecDeque;
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use snapjobs::{IndexWriter, Job, JobIndex, Query, SharedIndex, SortBy, Status, Timestamp};
use sqlite::{Sqlite, View};

const SECONDS: f64 = 3.0;
const BATCH: usize = 64;

/// The listing mix, inside the data's 180 days.
fn queries() -> Vec<Query> {
    let day = synth::day;
    let q = |a: i64, b: i64| Query::new(day(a), day(b)).unwrap();
    vec![
        q(100, 107),
        q(60, 90).with_status(Some(Status::Paused)),
        q(60, 90)
            .with_status(Some(Status::Started))
            .with_page(200, 10)
            .unwrap(),
        q(150, 157).with_keyword("cc").unwrap(),
        q(30, 60).with_keyword("hd").unwrap(),
        q(10, 40).with_keyword("new").unwrap(),
        q(0, 1).with_sort(SortBy::Asc).with_page(1, 100).unwrap(),
        q(120, 150).with_keyword("liv").unwrap(),
    ]
}

/// The writes, in turn: submit, retire the oldest, change a status.
enum Write {
    Submit(Job),
    Retire(String),
    SetStatus(String, Status),
}

struct Churn {
    generator: synth::Generator,
    held: VecDeque<String>,
    next: u64,
    now: i64,
    turn: u64,
}

impl Churn {
    fn new(jobs: &[Job]) -> Churn {
        let mut by_age: Vec<(Timestamp, &str)> =
            jobs.iter().map(|j| (j.create_time(), j.id())).collect();
        by_age.sort();
        Churn {
            generator: synth::Generator::named(7, synth::Names::Realistic),
            held: by_age.iter().map(|(_, id)| id.to_string()).collect(),
            next: 1 << 40,
            now: by_age.last().map_or(0, |(t, _)| t.unix_seconds()) + 1,
            turn: 0,
        }
    }

    fn next(&mut self) -> Write {
        self.turn += 1;
        match self.turn % 3 {
            0 => {
                self.now += 1;
                self.next += 1;
                let at = Timestamp::from_unix(self.now).unwrap();
                let job = self.generator.job_at(self.next, at);
                self.held.push_back(job.id().to_string());
                Write::Submit(job)
            }
            1 => Write::Retire(self.held.pop_front().unwrap()),
            _ => {
                let id = self.held[(self.turn as usize * 7919) % self.held.len()].clone();
                let status = Status::ALL[(self.turn / 3 % 3) as usize];
                Write::SetStatus(id, status)
            }
        }
    }
}

fn apply(index: &mut JobIndex, write: Write) {
    match write {
        Write::Submit(job) => index.insert(job).unwrap(),
        Write::Retire(id) => drop(index.remove(&id).unwrap()),
        Write::SetStatus(id, status) => index.set_status(&id, status).unwrap(),
    }
}

/// [`apply`] through the shared handle's writer.
fn apply_shared(writer: &mut IndexWriter<'_>, write: Write) {
    match write {
        Write::Submit(job) => writer.insert(job).unwrap(),
        Write::Retire(id) => drop(writer.remove(&id).unwrap()),
        Write::SetStatus(id, status) => writer.set_status(&id, status).unwrap(),
    }
}

/// A peer: how the reader lists, and how the writer writes.
trait Peer: Sync {
    fn list(&self, query: &Query) -> u64;
    /// Runs writes until `stop`, at `rate` a second if given; returns how many.
    fn write(&self, churn: &mut Churn, rate: Option<u32>, stop: &AtomicBool) -> u64;
}

/// Paces a writer at `rate` writes a second, if given.
fn pace(started: Instant, done: u64, rate: Option<u32>) {
    if let Some(rate) = rate {
        let due = started + Duration::from_secs_f64(done as f64 / f64::from(rate));
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }
}

struct Shared(SharedIndex);

impl Peer for Shared {
    fn list(&self, query: &Query) -> u64 {
        self.0.snapshot().list(query).total_count
    }

    fn write(&self, churn: &mut Churn, rate: Option<u32>, stop: &AtomicBool) -> u64 {
        let batch = if rate.is_some() { 1 } else { BATCH };
        let (started, mut done) = (Instant::now(), 0);
        while !stop.load(Ordering::Relaxed) {
            let mut writer = self.0.writer();
            for _ in 0..batch {
                apply_shared(&mut writer, churn.next());
            }
            writer.publish();
            drop(writer);
            done += batch as u64;
            pace(started, done, rate);
        }
        done
    }
}

struct Locked(RwLock<JobIndex>);

impl Peer for Locked {
    fn list(&self, query: &Query) -> u64 {
        self.0.read().unwrap().list(query).total_count
    }

    fn write(&self, churn: &mut Churn, rate: Option<u32>, stop: &AtomicBool) -> u64 {
        let (started, mut done) = (Instant::now(), 0);
        while !stop.load(Ordering::Relaxed) {
            let write = churn.next();
            apply(&mut self.0.write().unwrap(), write);
            done += 1;
            pace(started, done, rate);
        }
        done
    }
}

struct Wal {
    path: std::path::PathBuf,
}

thread_local! {
    static CONNECTION: std::cell::RefCell<Option<Sqlite>> = const { std::cell::RefCell::new(None) };
}

impl Wal {
    fn with<T>(&self, f: impl FnOnce(&Sqlite) -> T) -> T {
        CONNECTION.with(|c| {
            let mut c = c.borrow_mut();
            let db = c.get_or_insert_with(|| Sqlite::open(&self.path));
            f(db)
        })
    }
}

impl Peer for Wal {
    fn list(&self, query: &Query) -> u64 {
        self.with(|db| View { db, fts: false }.list(query).1)
    }

    fn write(&self, churn: &mut Churn, rate: Option<u32>, stop: &AtomicBool) -> u64 {
        let (started, mut done) = (Instant::now(), 0);
        while !stop.load(Ordering::Relaxed) {
            let write = churn.next();
            self.with(|db| match write {
                Write::Submit(job) => db.insert(&job),
                Write::Retire(id) => db.remove(&id),
                Write::SetStatus(id, status) => db.set_status(&id, status.as_str()),
            });
            done += 1;
            pace(started, done, rate);
        }
        done
    }
}

struct Round {
    latencies: Vec<u64>,
    reads_per_second: f64,
    writes_per_second: f64,
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(at).copied().unwrap_or(0)
}

/// The reader for `SECONDS`, with a writer at `writer` (`None`: no writer; `Some(None)`: as
/// fast as it can; `Some(Some(rate))`).
fn round(peer: &dyn Peer, churn: &mut Churn, writer: Option<Option<u32>>) -> Round {
    let queries = queries();
    let stop = AtomicBool::new(false);
    let writes = AtomicU64::new(0);
    let mut latencies = Vec::new();
    let started = Instant::now();
    std::thread::scope(|scope| {
        if let Some(rate) = writer {
            let (stop, writes) = (&stop, &writes);
            let churn = &mut *churn;
            scope.spawn(move || writes.store(peer.write(churn, rate, stop), Ordering::Relaxed));
        }
        let mut i = 0;
        while started.elapsed().as_secs_f64() < SECONDS {
            let query = &queries[i % queries.len()];
            let t = Instant::now();
            std::hint::black_box(peer.list(query));
            latencies.push(t.elapsed().as_nanos() as u64);
            i += 1;
        }
        stop.store(true, Ordering::Relaxed);
    });
    let seconds = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    Round {
        reads_per_second: latencies.len() as f64 / SECONDS,
        writes_per_second: writes.load(Ordering::Relaxed) as f64 / seconds,
        latencies,
    }
}

fn show(nanos: u64) -> String {
    if nanos < 10_000 {
        format!("{nanos} ns")
    } else if nanos < 10_000_000 {
        format!("{:.1} µs", nanos as f64 / 1e3)
    } else {
        format!("{:.1} ms", nanos as f64 / 1e6)
    }
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    eprintln!("{n} realistic jobs");
    let jobs = synth::named_jobs(n, 42, synth::Names::Realistic);
    // Each peer its own index, loaded apart: clones would share their nodes, and the first
    // write to each shared node would copy it.
    let loaded = || {
        let mut index = JobIndex::new();
        index.load(jobs.clone()).unwrap();
        index
    };
    let index = loaded();

    // The single-threaded writer, for the writers' throughput to compare with.
    let mut alone = loaded();
    let mut churn = Churn::new(&jobs);
    let started = Instant::now();
    let mut count = 0u64;
    while started.elapsed().as_secs_f64() < SECONDS {
        apply(&mut alone, churn.next());
        count += 1;
    }
    let single = count as f64 / started.elapsed().as_secs_f64();
    drop(alone);
    println!("single-threaded JobIndex, no reader: {single:.0} writes/s");

    // The shared handle's writer alone, by how many writes it publishes at once: each
    // publish makes the next writes copy the nodes they change.
    let shared = SharedIndex::new(loaded());
    let _held = shared.snapshot();
    let mut churn = Churn::new(&jobs);
    for batch in [1usize, 64, 1024, 4096, 16384] {
        let started = Instant::now();
        let mut count = 0u64;
        while started.elapsed().as_secs_f64() < SECONDS {
            let mut writer = shared.writer();
            for _ in 0..batch {
                apply_shared(&mut writer, churn.next());
            }
            writer.publish();
            count += batch as u64;
        }
        let rate = count as f64 / started.elapsed().as_secs_f64();
        println!(
            "SharedIndex writer, no reader, a publish every {batch} writes: {rate:.0} writes/s ({:.0}% of JobIndex's)",
            rate * 100.0 / single
        );
    }
    drop((shared, _held));
    if std::env::args().any(|a| a == "writers") {
        return;
    }
    if std::env::args().any(|a| a == "writers") {
        return;
    }

    let dir = std::env::temp_dir().join(format!("snapjobs-concurrent-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("jobs.db");
    eprintln!("loading SQLite (WAL) at {}", path.display());
    drop(Sqlite::load_file(&path, &jobs));
    let peers: Vec<(&str, Box<dyn Peer>)> = vec![
        ("SharedIndex", Box::new(Shared(SharedIndex::new(loaded())))),
        ("RwLock<JobIndex>", Box::new(Locked(RwLock::new(loaded())))),
        ("SQLite WAL", Box::new(Wal { path: path.clone() })),
    ];
    for query in queries() {
        let expected = index.list(&query).total_count;
        for (name, peer) in &peers {
            assert_eq!(peer.list(&query), expected, "{name}: {query:?}");
        }
    }

    println!(
        "\n| peer | writer | list p50 | p99 | p99.9 | lists/s | writes/s |\n| --- | --- | ---: | ---: | ---: | ---: | ---: |"
    );
    for (name, peer) in &peers {
        let mut churn = Churn::new(&jobs);
        for (label, writer) in [
            ("none", None),
            ("as fast as it can", Some(None)),
            ("1,000 writes/s", Some(Some(1000))),
        ] {
            let r = round(peer.as_ref(), &mut churn, writer);
            let l = &r.latencies;
            println!(
                "| {name} | {label} | {} | {} | {} | {:.0} | {} |",
                show(percentile(l, 0.5)),
                show(percentile(l, 0.99)),
                show(percentile(l, 0.999)),
                r.reads_per_second,
                if writer.is_some() {
                    format!("{:.0}", r.writes_per_second)
                } else {
                    "-".into()
                }
            );
        }
    }
    drop(peers);
    let _ = std::fs::remove_dir_all(&dir);
}
