//! The shared handle under concurrency: one writer thread applies a random op sequence and
//! publishes it in batches while reader threads take snapshots and list; afterwards each
//! answer is checked against the reference model replayed to its snapshot's version.
//!
//! Bounded in count (`WRITES` writes, at most `READS_PER_READER` listings a reader) and so in
//! time; `SNAPJOBS_STRESS_WRITES` sets the write count.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use snapjobs::reference::Model;
use snapjobs::{
    IndexWriter, Job, JobIndex, Query, SharedIndex, SortBy, Status, Timestamp, WriteError,
};

const READERS: usize = 2;
const READS_PER_READER: usize = 20_000;
const WORDS: [&str; 6] = ["live", "news", "cam", "北京", "Sport", "a"];

/// A small deterministic generator (xorshift64*), so that a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn base() -> Timestamp {
    Timestamp::parse("2022-02-02T00:00:00Z").unwrap()
}

/// One write, as applied to both the shared index and (later) the model.
#[derive(Clone, Debug)]
enum Write {
    Insert {
        id: String,
        seconds: i64,
        name: String,
        status: Status,
    },
    SetStatus {
        id: String,
        status: Status,
    },
    Rename {
        id: String,
        name: String,
    },
    Remove {
        id: String,
    },
}

impl Write {
    fn job(id: &str, seconds: i64, name: &str, status: Status) -> Job {
        Job::builder(id, base().saturating_add_seconds(seconds))
            .name(name)
            .status(status)
            .build()
            .unwrap()
    }

    /// Applies the write to the model or to the shared index's writer.
    fn to(&self, target: &mut impl Target) -> Result<(), WriteError> {
        match self {
            Write::Insert {
                id,
                seconds,
                name,
                status,
            } => target.insert(Write::job(id, *seconds, name, *status)),
            Write::SetStatus { id, status } => target.set_status(id, *status),
            Write::Rename { id, name } => target.rename(id, name),
            Write::Remove { id } => target.remove(id),
        }
    }
}

/// What a [`Write`] is applied to: the model, or the shared index's writer.
trait Target {
    fn insert(&mut self, job: Job) -> Result<(), WriteError>;
    fn set_status(&mut self, id: &str, status: Status) -> Result<(), WriteError>;
    fn rename(&mut self, id: &str, name: &str) -> Result<(), WriteError>;
    fn remove(&mut self, id: &str) -> Result<(), WriteError>;
}

impl Target for Model {
    fn insert(&mut self, job: Job) -> Result<(), WriteError> {
        Model::insert(self, job)
    }
    fn set_status(&mut self, id: &str, status: Status) -> Result<(), WriteError> {
        Model::set_status(self, id, status)
    }
    fn rename(&mut self, id: &str, name: &str) -> Result<(), WriteError> {
        Model::rename(self, id, name)
    }
    fn remove(&mut self, id: &str) -> Result<(), WriteError> {
        Model::remove(self, id).map(drop)
    }
}

impl Target for IndexWriter<'_> {
    fn insert(&mut self, job: Job) -> Result<(), WriteError> {
        IndexWriter::insert(self, job)
    }
    fn set_status(&mut self, id: &str, status: Status) -> Result<(), WriteError> {
        IndexWriter::set_status(self, id, status)
    }
    fn rename(&mut self, id: &str, name: &str) -> Result<(), WriteError> {
        IndexWriter::rename(self, id, name)
    }
    fn remove(&mut self, id: &str) -> Result<(), WriteError> {
        IndexWriter::remove(self, id).map(drop)
    }
}

fn status(rng: &mut Rng) -> Status {
    [Status::Init, Status::Paused, Status::Started][rng.below(3) as usize]
}

fn name(rng: &mut Rng) -> String {
    let parts = 1 + rng.below(3);
    (0..parts)
        .map(|_| WORDS[rng.below(WORDS.len() as u64) as usize])
        .collect::<Vec<_>>()
        .join("-")
}

/// A listing, as recorded by a reader: what it asked and what its snapshot answered.
struct Answer {
    version: u64,
    query: Query,
    total: u64,
    ids: Vec<String>,
}

fn random_query(rng: &mut Rng, span: i64) -> Query {
    let start = rng.below(span as u64 + 1) as i64 - 5;
    let end = start + rng.below(span as u64 + 10) as i64;
    let mut query = Query::new(
        base().saturating_add_seconds(start),
        base().saturating_add_seconds(end),
    )
    .unwrap();
    if rng.below(3) == 0 {
        query = query.with_status(Some(status(rng)));
    }
    if rng.below(2) == 0 {
        let word = WORDS[rng.below(WORDS.len() as u64) as usize];
        query = query.with_keyword(word).unwrap();
    }
    if rng.below(2) == 0 {
        query = query.with_sort(SortBy::Asc);
    }
    query
        .with_page(1 + rng.below(4), 1 + rng.below(10) as u32)
        .unwrap()
}

fn list(index: &JobIndex, query: &Query) -> (u64, Vec<String>) {
    let page = index.list(query);
    let ids = page.jobs.iter().map(|job| job.id().to_string()).collect();
    (page.total_count, ids)
}

#[test]
fn readers_see_whole_published_states_while_a_writer_works() {
    let writes: usize = std::env::var("SNAPJOBS_STRESS_WRITES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4_000);
    let shared = Arc::new(SharedIndex::new(JobIndex::new()));
    let done = Arc::new(AtomicBool::new(false));

    let writer = {
        let shared = Arc::clone(&shared);
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            let mut rng = Rng(0x5eed_0001);
            // Applied writes in version order: log[v - 1] made version v.
            let mut log: Vec<Write> = Vec::new();
            let mut held: std::collections::VecDeque<String> = Default::default();
            let mut now = 0i64;
            let mut next_id = 0u64;
            let mut refused = 0usize;
            while log.len() < writes {
                let mut writer = shared.writer();
                for _ in 0..1 + rng.below(8) {
                    let roll = rng.below(100);
                    let write = if roll < 45 || held.is_empty() {
                        now += rng.below(2) as i64;
                        next_id += 1;
                        Write::Insert {
                            id: format!("job-{next_id:05}"),
                            seconds: now,
                            name: name(&mut rng),
                            status: status(&mut rng),
                        }
                    } else if roll < 65 {
                        let id = held[rng.below(held.len() as u64) as usize].clone();
                        Write::SetStatus {
                            id,
                            status: status(&mut rng),
                        }
                    } else if roll < 75 {
                        let id = held[rng.below(held.len() as u64) as usize].clone();
                        Write::Rename {
                            id,
                            name: name(&mut rng),
                        }
                    } else if roll < 95 {
                        Write::Remove {
                            id: held[0].clone(),
                        }
                    } else {
                        // Refused: a duplicate id, or a job that is not held.
                        let before = writer.version();
                        let dup = Write::job(&held[0], now, "dup", Status::Init);
                        assert!(writer.insert(dup).is_err());
                        assert!(writer.set_status("job-none", Status::Paused).is_err());
                        assert_eq!(
                            writer.version(),
                            before,
                            "a refused write counts no version"
                        );
                        refused += 1;
                        continue;
                    };
                    write.to(&mut writer).unwrap();
                    match &write {
                        Write::Insert { id, .. } => held.push_back(id.clone()),
                        Write::Remove { .. } => {
                            held.pop_front();
                        }
                        _ => {}
                    }
                    log.push(write);
                    assert_eq!(writer.version(), log.len() as u64);
                }
                // A batch is published once, here or when the writer is dropped.
                if rng.below(2) == 0 {
                    assert_eq!(writer.publish(), log.len() as u64);
                }
            }
            done.store(true, Ordering::Release);
            (log, now, refused)
        })
    };

    let readers: Vec<_> = (0..READERS)
        .map(|r| {
            let shared = Arc::clone(&shared);
            let done = Arc::clone(&done);
            std::thread::spawn(move || {
                let mut rng = Rng(0xbeef_0000 + r as u64);
                let mut answers = Vec::new();
                let mut last_version = 0;
                while !done.load(Ordering::Acquire) && answers.len() < READS_PER_READER {
                    let snapshot = shared.snapshot();
                    assert!(snapshot.version() >= last_version, "versions never go back");
                    last_version = snapshot.version();
                    // Two listings from one snapshot, the writer going on between them:
                    // the first is asked again at the end and must not have changed.
                    let span = (snapshot.len() as i64 / 2).max(10);
                    let first = random_query(&mut rng, span);
                    let first_answer = list(&snapshot, &first);
                    for _ in 0..1 + rng.below(3) {
                        let query = random_query(&mut rng, span);
                        let (total, ids) = list(&snapshot, &query);
                        answers.push(Answer {
                            version: snapshot.version(),
                            query,
                            total,
                            ids,
                        });
                    }
                    std::thread::yield_now();
                    assert_eq!(
                        list(&snapshot, &first),
                        first_answer,
                        "a held snapshot changed"
                    );
                    let (total, ids) = first_answer;
                    answers.push(Answer {
                        version: snapshot.version(),
                        query: first,
                        total,
                        ids,
                    });
                }
                answers
            })
        })
        .collect();

    let (log, _, refused) = writer.join().unwrap();
    let mut answers: Vec<Answer> = readers
        .into_iter()
        .flat_map(|reader| reader.join().unwrap())
        .collect();
    assert!(refused > 0, "the sequence tried refused writes");
    assert_eq!(shared.snapshot().version(), log.len() as u64);

    // Replay the model through the versions, checking every answer at its version.
    answers.sort_by_key(|answer| answer.version);
    let versions: std::collections::BTreeSet<u64> = answers.iter().map(|a| a.version).collect();
    assert!(
        versions.len() > 10,
        "readers saw only {} distinct versions",
        versions.len()
    );
    let mut model = Model::new();
    let mut applied = 0u64;
    for answer in &answers {
        while applied < answer.version {
            log[applied as usize].to(&mut model).unwrap();
            applied += 1;
        }
        let page = model.list(&answer.query);
        let ids: Vec<String> = page.jobs.iter().map(|job| job.id().to_string()).collect();
        assert_eq!(
            (answer.total, &answer.ids),
            (page.total_count, &ids),
            "version {}: {:?}",
            answer.version,
            answer.query
        );
    }
    // The final state, as published, is the model's after every write.
    for write in &log[applied as usize..] {
        write.to(&mut model).unwrap();
    }
    let last = shared.snapshot();
    last.check_invariants().unwrap();
    assert_eq!(last.len(), model.len());
    let everything = Query::new(base(), base().saturating_add_seconds(1_000_000))
        .unwrap()
        .with_page(1, 100)
        .unwrap();
    assert_eq!(
        list(&last, &everything).0,
        model.list(&everything).total_count
    );
}

#[test]
fn a_writer_dropped_without_publishing_publishes_and_a_refused_batch_publishes_nothing() {
    let at = base();
    let shared = SharedIndex::new(JobIndex::new());
    {
        let mut writer = shared.writer();
        writer
            .insert(Job::builder("a", at).name("x").build().unwrap())
            .unwrap();
        assert!(writer.has_unpublished());
        assert_eq!(shared.snapshot().version(), 0, "not yet published");
    }
    assert_eq!(shared.snapshot().version(), 1);
    let before = shared.snapshot();
    {
        let mut writer = shared.writer();
        assert!(writer.remove("nobody").is_err());
        assert!(!writer.has_unpublished());
        assert_eq!(writer.publish(), 1);
    }
    assert!(
        Arc::ptr_eq(&before, &shared.snapshot()),
        "nothing published"
    );
}

#[test]
fn a_writer_that_panicked_leaves_the_published_state_and_the_next_writer_starts_from_it() {
    let at = base();
    let shared = Arc::new(SharedIndex::new(JobIndex::new()));
    {
        let mut writer = shared.writer();
        writer
            .insert(Job::builder("kept", at).build().unwrap())
            .unwrap();
    }
    let panicking = Arc::clone(&shared);
    let outcome = std::thread::spawn(move || {
        let mut writer = panicking.writer();
        writer
            .insert(Job::builder("lost", at).build().unwrap())
            .unwrap();
        panic!("the writer's thread fails before publishing");
    })
    .join();
    assert!(outcome.is_err());
    assert_eq!(
        shared.snapshot().version(),
        1,
        "the panicking writer published nothing"
    );
    let mut writer = shared.writer();
    assert_eq!(writer.version(), 1);
    assert!(
        writer.index().get("lost").is_none(),
        "its unpublished write is gone"
    );
    writer
        .insert(Job::builder("next", at).build().unwrap())
        .unwrap();
    assert_eq!(writer.publish(), 2);
    drop(writer);
    let snapshot = shared.snapshot();
    assert!(snapshot.get("kept").is_some() && snapshot.get("next").is_some());
    assert!(snapshot.get("lost").is_none());
}
