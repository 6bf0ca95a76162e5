//! [`SharedIndex`]: one index, many reading threads, one writer at a time; every read from a
//! consistent [`Snapshot`].
//!
//! The writer works on its own [`JobIndex`]; [`IndexWriter::publish`] makes a [`Snapshot`] of it (an
//! `Arc`) and swaps it into an [`ArcSwap`], which readers load without a lock. A reader holds
//! its snapshot for as long as it likes; the writer never waits for it, and what it holds is
//! freed when the last holder drops it.

use std::ops::Deref;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use arc_swap::ArcSwap;

use crate::engine::JobIndex;
use crate::job::{Job, SnapshotOutput, Status, WriteError};

/// An index shared between threads: readers take [`Snapshot`]s, never waiting for the writer;
/// writes go through one [`IndexWriter`] at a time and become visible together when published.
///
/// `SharedIndex` is `Send + Sync`: put it in an `Arc` and hand a clone to each thread.
///
/// # Guarantees
///
/// - Every answer from a snapshot (each page, and its `TotalCount`) comes from one state of
///   the index: the state after exactly [`Snapshot::version`] successful writes, never a
///   half-applied one.
/// - A snapshot never changes while it is held, however many writes are published after it.
/// - [`SharedIndex::snapshot`] takes no lock (it is an atomic load and a reference count);
///   a writer takes a mutex that only writers take, and publishes by swapping a pointer, so
///   neither waits for the other.
/// - A refused write changes nothing and publishes nothing.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use snapjobs::{Job, JobIndex, Query, SharedIndex, Timestamp};
///
/// let at = Timestamp::parse("2022-02-02T08:00:00Z")?;
/// let shared = Arc::new(SharedIndex::new(JobIndex::new()));
/// let before = shared.snapshot();
///
/// let writer_side = Arc::clone(&shared);
/// std::thread::spawn(move || -> Result<(), snapjobs::WriteError> {
///     let mut writer = writer_side.writer();
///     writer.insert(Job::builder("job-1", at).name("live-1").build()?)?;
///     writer.insert(Job::builder("job-2", at).name("live-2").build()?)?;
///     writer.publish(); // both at once
///     Ok(())
/// })
/// .join()
/// .expect("the writer thread ran")?;
///
/// let window = Query::new(at, at)?;
/// let now = shared.snapshot();
/// assert_eq!((now.version(), now.list(&window).total_count), (2, 2));
/// // The older snapshot still answers from its own state.
/// assert_eq!((before.version(), before.list(&window).total_count), (0, 0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct SharedIndex {
    /// The latest published state. Invariant: its version is the writer's `published`.
    current: ArcSwap<Snapshot>,
    /// The writer's own index, with its write counts. Only writers lock it.
    writer: Mutex<WriterState>,
}

/// What only the writer sees.
///
/// Invariant: `index` is the published snapshot's index with the writes numbered
/// `published + 1 ..= applied` applied to it; `published <= applied`.
#[derive(Debug)]
struct WriterState {
    index: JobIndex,
    applied: u64,
    published: u64,
    /// The indexes of dropped snapshots, freed by the writer.
    garbage: Receiver<JobIndex>,
    /// Given to each new snapshot.
    to_garbage: Sender<JobIndex>,
}

impl WriterState {
    /// Frees the indexes of the snapshots dropped since the last call.
    fn collect(&mut self) {
        while let Ok(index) = self.garbage.try_recv() {
            drop(index);
        }
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot {
            version: self.applied,
            index: Some(self.index.clone()),
            garbage: self.to_garbage.clone(),
        }
    }
}

/// One published state of a [`SharedIndex`]: a [`JobIndex`] that never changes, with its
/// version. Dereferences to the index, so every read of [`JobIndex`] works on it.
///
/// Dropping the last handle to a snapshot frees nothing on the dropping thread: the index
/// goes to the writer, which frees what no later state shares at its next write or publish,
/// so a reader never pays for freeing the nodes that writes replaced.
#[derive(Debug)]
pub struct Snapshot {
    version: u64,
    /// `None` only while the snapshot is dropped.
    index: Option<JobIndex>,
    /// Where the index goes when the snapshot is dropped: to the writer.
    garbage: Sender<JobIndex>,
}

impl Drop for Snapshot {
    fn drop(&mut self) {
        if let Some(index) = self.index.take() {
            // If the shared index is gone, so is the writer: the index is freed here.
            let _ = self.garbage.send(index);
        }
    }
}

/// An empty index, for the one moment a dropped snapshot holds none.
fn empty() -> &'static JobIndex {
    static EMPTY: OnceLock<JobIndex> = OnceLock::new();
    EMPTY.get_or_init(JobIndex::new)
}

impl Snapshot {
    /// The number of successful writes applied before this state (0 for the index the
    /// [`SharedIndex`] was made from). O(1).
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The index as it was at this version. O(1).
    pub fn index(&self) -> &JobIndex {
        self.index.as_ref().unwrap_or_else(|| empty())
    }
}

impl Deref for Snapshot {
    type Target = JobIndex;

    fn deref(&self) -> &JobIndex {
        self.index()
    }
}

impl SharedIndex {
    /// Shares `index`, published as version 0. O(1).
    pub fn new(index: JobIndex) -> SharedIndex {
        let (to_garbage, garbage) = channel();
        let state = WriterState {
            index,
            applied: 0,
            published: 0,
            garbage,
            to_garbage,
        };
        SharedIndex {
            current: ArcSwap::from_pointee(state.snapshot()),
            writer: Mutex::new(state),
        }
    }

    /// The latest published state. Lock-free (an atomic load and a reference count), whatever
    /// a writer is doing. O(1).
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    /// The writer: waits for any other writer to finish, never for readers. Writes made
    /// through it are seen by readers once it [publishes](IndexWriter::publish) them, or when it
    /// is dropped.
    ///
    /// If a thread panicked while it held the writer, its unpublished writes are discarded:
    /// the next writer starts from the latest published state.
    pub fn writer(&self) -> IndexWriter<'_> {
        let state = match self.writer.lock() {
            Ok(state) => state,
            Err(poisoned) => {
                let mut state = poisoned.into_inner();
                let current = self.current.load_full();
                state.index = current.index().clone();
                state.applied = current.version;
                state.published = current.version;
                self.writer.clear_poison();
                state
            }
        };
        IndexWriter {
            shared: self,
            state,
        }
    }
}

/// The one writer of a [`SharedIndex`], from [`SharedIndex::writer`]. Its writes are those of
/// [`JobIndex`], with the same checks and errors; each successful one counts one version, and
/// all of them become visible together at [`publish`](IndexWriter::publish) (or when the writer is
/// dropped).
#[derive(Debug)]
pub struct IndexWriter<'a> {
    shared: &'a SharedIndex,
    state: MutexGuard<'a, WriterState>,
}

impl IndexWriter<'_> {
    /// The writer's own index: the published state with this writer's writes applied.
    pub fn index(&self) -> &JobIndex {
        &self.state.index
    }

    /// Successful writes so far, published or not: the version the next publish will have.
    pub fn version(&self) -> u64 {
        self.state.applied
    }

    /// Whether some writes have not been published yet.
    pub fn has_unpublished(&self) -> bool {
        self.state.applied != self.state.published
    }

    /// Makes every write so far visible to readers, as one new [`Snapshot`], and returns its
    /// version. Does nothing (and returns the current version) if there is nothing new.
    /// Costs a copy of the index's top-level structures; what the new state shares with the
    /// old is not copied.
    pub fn publish(&mut self) -> u64 {
        let state = &mut *self.state;
        if state.applied != state.published {
            self.shared.current.store(Arc::new(state.snapshot()));
            state.published = state.applied;
        }
        state.collect();
        state.published
    }

    /// Counts one write if `outcome` is a success.
    fn count<T>(&mut self, outcome: Result<T, WriteError>) -> Result<T, WriteError> {
        self.state.collect();
        if outcome.is_ok() {
            self.state.applied += 1;
        }
        outcome
    }

    /// [`JobIndex::insert`], one version.
    ///
    /// # Errors
    /// As [`JobIndex::insert`]; nothing changes.
    pub fn insert(&mut self, job: Job) -> Result<(), WriteError> {
        let outcome = self.state.index.insert(job);
        self.count(outcome)
    }

    /// [`JobIndex::load`], one version for the whole load.
    ///
    /// # Errors
    /// As [`JobIndex::load`]; nothing changes.
    pub fn load(&mut self, jobs: impl IntoIterator<Item = Job>) -> Result<(), WriteError> {
        let outcome = self.state.index.load(jobs);
        self.count(outcome)
    }

    /// [`JobIndex::set_status`], one version.
    ///
    /// # Errors
    /// As [`JobIndex::set_status`]; nothing changes.
    pub fn set_status(&mut self, id: &str, status: Status) -> Result<(), WriteError> {
        let outcome = self.state.index.set_status(id, status);
        self.count(outcome)
    }

    /// [`JobIndex::rename`], one version.
    ///
    /// # Errors
    /// As [`JobIndex::rename`]; nothing changes.
    pub fn rename(&mut self, id: &str, name: &str) -> Result<(), WriteError> {
        let outcome = self.state.index.rename(id, name);
        self.count(outcome)
    }

    /// [`JobIndex::set_template`], one version.
    ///
    /// # Errors
    /// As [`JobIndex::set_template`]; nothing changes.
    pub fn set_template(
        &mut self,
        id: &str,
        template_id: &str,
        template_name: &str,
    ) -> Result<(), WriteError> {
        let outcome = self
            .state
            .index
            .set_template(id, template_id, template_name);
        self.count(outcome)
    }

    /// [`JobIndex::set_output`], one version.
    ///
    /// # Errors
    /// As [`JobIndex::set_output`]; nothing changes.
    pub fn set_output(&mut self, id: &str, output: SnapshotOutput) -> Result<(), WriteError> {
        let outcome = self.state.index.set_output(id, output);
        self.count(outcome)
    }

    /// [`JobIndex::set_time_interval`], one version.
    ///
    /// # Errors
    /// As [`JobIndex::set_time_interval`]; nothing changes.
    pub fn set_time_interval(&mut self, id: &str, seconds: u32) -> Result<(), WriteError> {
        let outcome = self.state.index.set_time_interval(id, seconds);
        self.count(outcome)
    }

    /// [`JobIndex::remove`], one version.
    ///
    /// # Errors
    /// As [`JobIndex::remove`]; nothing changes.
    pub fn remove(&mut self, id: &str) -> Result<Job, WriteError> {
        let outcome = self.state.index.remove(id);
        self.count(outcome)
    }

    /// [`JobIndex::keep_keyword`], one version if it kept the keyword (listings answer the
    /// same either way; only their cost changes).
    pub fn keep_keyword(&mut self, keyword: &str) -> bool {
        let kept = self.state.index.keep_keyword(keyword);
        if kept {
            self.state.applied += 1;
        }
        kept
    }

    /// [`JobIndex::forget_keyword`], one version if it forgot one.
    pub fn forget_keyword(&mut self, keyword: &str) -> bool {
        let forgot = self.state.index.forget_keyword(keyword);
        if forgot {
            self.state.applied += 1;
        }
        forgot
    }
}

impl IndexWriter<'_> {
    /// [`JobIndex::set_kept_matches_limit`], one version.
    pub fn set_kept_matches_limit(&mut self, limit: usize) {
        self.state.index.set_kept_matches_limit(limit);
        self.state.applied += 1;
    }
}

impl Drop for IndexWriter<'_> {
    /// Publishes what is left unpublished, unless the thread is panicking (a write may have
    /// stopped half-way: the mutex is then poisoned and the next writer starts from the
    /// published state).
    fn drop(&mut self) {
        if !std::thread::panicking() {
            self.publish();
        }
    }
}
