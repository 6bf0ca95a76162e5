//! [`JobIndex`]: the in-memory engine.
//!
//! See [`JobIndex`] for the structures and how they fit together.

mod edge_keys;
mod folded_names;
mod id_map;
mod interned;
#[cfg(test)]
mod invariant_tests;
mod kept_keywords;
mod key;
mod name_index;
mod order_tree;
mod per_status;
mod planner;
mod slots;
// Not yet the name index's lists (which are order trees): the compact representation is
// built, tested and fuzzed, and its bulk build and memory accounting wait for the name index
// to use it, once its keyword reads are as fast as the trees' (see its module docs).
#[allow(dead_code)]
mod posting_list;
mod posting_list_check;

#[doc(hidden)]
pub use posting_list_check::check_posting_list_ops;

use std::cmp::Ordering;
use std::sync::Arc;

use hashbrown::{HashMap, HashSet};

use crate::job::WriteError;
use crate::job::{self, Job, Shared, SnapshotOutput, Status};
use crate::query::Page;
use crate::query::Query;
use folded_names::FoldedNames;
use folded_names::SlotMarks;
use id_map::IdMap;
use interned::Interned;
pub use kept_keywords::{DEFAULT_KEPT_MATCHES, MAX_KEPT_KEYWORDS};
use kept_keywords::{Kept, KeptKeywords};
use key::Key;
use name_index::NameIndex;
use order_tree::OrderTree;
use per_status::PerStatus;
use slots::Slots;

/// The most jobs a [`JobIndex`] can hold: 2^25 = 33,554,432.
pub const MAX_JOBS: usize = key::MAX_SLOTS;

/// An in-memory index of jobs answering `ListLiveSnapshotJobs` queries: in logarithmic time
/// for a window, a status and a 1- to 3-byte keyword, in the keys it merges and the
/// candidates it checks otherwise.
///
/// # Structure
///
/// - **Slots**: jobs live in a `Vec` of slots (freed slots are reused); a job's slot never
///   changes while it is held. An **id map** takes a `JobId` to its slot in O(1) expected.
/// - **Order keys**: each job is named in the trees by one `u64` packing its
///   `CreateTime` and slot; ties on `CreateTime` are ordered by `JobId` through the slots.
/// - **Order trees**: counted B+trees of keys. One holds every job, and one
///   per status holds that status's jobs, so a window with or without a status filter is two
///   O(log n) rank searches, `TotalCount` their difference, and any page a descent to its rank.
///   These trees also count, below each child, the keys whose names have each ASCII byte, so
///   a 1-byte keyword's matches in a window are counted and paged the same way.
/// - **Name index**: a posting list (also an order tree) per bigram and
///   trigram of the ASCII-folded names.
/// - **Folded names**: every name, ASCII-folded, end to end in one buffer with each one's key
///   and status, so that a long keyword found in many names is counted by one vectorised
///   pass over them all rather than by checking each candidate.
/// - **Interner**: jobs with equal template and output share one copy of them.
/// - **Planner**: picks, for each query, the cheapest exact list; or, for a keyword no list
///   answers exactly, a scan of the folded names when its candidates would be many, else the
///   smallest candidate list narrowed by merging in the next smallest, to check.
///
/// **Clones share**: every structure above is cut into chunks, shards or tree nodes behind
/// `Arc`s, so a clone copies only the tables of those pointers (O(n / 2,048) and the shards),
/// and a write to either copy first copies what it changes that the other still shares
/// (`Arc::make_mut`): the group and chunk of its slot, the block of its folded name, the
/// shards of its id and grams and the tree nodes on its paths. This is what makes a [`Snapshot`](crate::Snapshot) cheap.
///
/// Every write goes through [`JobIndex`]'s methods, which check their input first and then
/// update every structure together, so a refused write changes nothing.
///
/// Its API is that of the [reference model](crate::reference::Model), and it gives the same
/// answers; see the crate's front page for the cost of each operation.
#[derive(Clone, Debug)]
pub struct JobIndex {
    /// The most jobs it may hold. Invariant: at most [`MAX_JOBS`], and at least the number of
    /// slots.
    max_jobs: usize,
    /// Jobs by slot; `None` is a free slot. Invariant: the occupied slots are exactly the
    /// values of `ids`; there are at most `max_jobs` slots.
    slots: Slots,
    /// The free slots. Invariant: exactly the `None` slots, each once.
    free: Arc<Vec<u32>>,
    /// `JobId` to slot. Invariant: holds exactly the occupied slots, each findable by its
    /// job's id.
    ids: IdMap,
    /// Keys of every job. Invariant: exactly `key::make(job.create_time(), slot)` for every
    /// occupied slot.
    all: OrderTree,
    /// Keys of the jobs of each status. Invariant: together they hold exactly the keys of
    /// `all`, each in its job's status tree.
    by_status: PerStatus<OrderTree>,
    /// Posting lists of the names' grams. Invariant: see [`NameIndex`].
    names: NameIndex,
    /// Every held job's folded name, end to end, for scans of common keywords. Invariant:
    /// see [`FoldedNames`] (one live record per held job, with its name, key and status).
    folded: FoldedNames,
    /// The kept keywords' matches. Invariant: see [`KeptKeywords`] (each lists exactly the
    /// held jobs whose names contain it, within the limit).
    kept: KeptKeywords,
    /// One copy of each distinct template-and-output of the held jobs, with how many jobs
    /// use it. Invariant: every held job's shared part is the very `Arc` kept here, each count
    /// is the number of held jobs using it, and no count is 0.
    interned: Interned,
}

/// The (CreateTime, JobId) order of two keys, looking ids up in `slots`. Inlined into the
/// tree searches, which compare times; only equal times take the call to compare ids.
#[inline]
fn compare(slots: &Slots, a: Key, b: Key) -> Ordering {
    match key::time_bits(a).cmp(&key::time_bits(b)) {
        Ordering::Equal if a != b => compare_ids(slots, a, b),
        order => order,
    }
}

/// The order of the ids of two jobs created at the same time.
#[inline(never)]
fn compare_ids(slots: &Slots, a: Key, b: Key) -> Ordering {
    id_at(slots, a).cmp(id_at(slots, b))
}

/// The id of the job a key names; every key in a tree names a held job.
fn id_at(slots: &Slots, key: Key) -> &str {
    match slots.get(key::slot(key) as usize) {
        Some(Some(job)) => job.id(),
        _ => {
            debug_assert!(false, "key {key:#x} names an empty slot");
            ""
        }
    }
}

/// The ASCII bytes of the name of the job a key names (see [`name_index::ascii_bytes_of`]).
fn bytes_at(slots: &Slots, key: Key) -> u128 {
    match slots.get(key::slot(key) as usize) {
        Some(Some(job)) => name_index::ascii_bytes_of(job.name()),
        _ => {
            debug_assert!(false, "key {key:#x} names an empty slot");
            0
        }
    }
}

fn key_of(job: &Job, slot: u32) -> Key {
    key::make(job.create_time(), slot)
}

impl Default for JobIndex {
    fn default() -> JobIndex {
        JobIndex::with_max_jobs(MAX_JOBS)
    }
}

impl JobIndex {
    /// An empty index that can hold up to [`MAX_JOBS`] jobs.
    ///
    /// # Examples
    /// ```
    /// let index = snapjobs::JobIndex::new();
    /// assert!(index.is_empty());
    /// assert_eq!(index.max_jobs(), snapjobs::MAX_JOBS);
    /// ```
    pub fn new() -> JobIndex {
        JobIndex::default()
    }

    /// An empty index that refuses to hold more than `max_jobs` jobs (at most [`MAX_JOBS`]:
    /// a larger limit is [`MAX_JOBS`]). A server sets one to bound its memory.
    ///
    /// # Examples
    /// ```
    /// use snapjobs::{Job, JobIndex, Timestamp, WriteError};
    /// let mut index = JobIndex::with_max_jobs(1);
    /// let at = Timestamp::parse("2022-02-02T00:00:00Z")?;
    /// index.insert(Job::builder("a", at).build()?)?;
    /// assert_eq!(
    ///     index.insert(Job::builder("b", at).build()?),
    ///     Err(WriteError::CapacityExceeded { limit: 1 })
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_max_jobs(max_jobs: usize) -> JobIndex {
        JobIndex {
            max_jobs: max_jobs.min(MAX_JOBS),
            slots: Slots::default(),
            free: Arc::default(),
            ids: IdMap::default(),
            all: OrderTree::byte_counted(),
            by_status: PerStatus::default().map(|_: ()| OrderTree::byte_counted()),
            names: NameIndex::default(),
            folded: FoldedNames::default(),
            kept: KeptKeywords::default(),
            interned: Interned::default(),
        }
    }

    /// The most jobs it may hold. O(1).
    ///
    /// # Examples
    /// ```
    /// use snapjobs::{Job, JobIndex, Query, SnapshotOutput, Status, Timestamp, WriteError};
    /// let at = Timestamp::parse("2022-02-02T08:00:00Z")?;
    /// let mut index = JobIndex::new();
    /// index.insert(Job::builder("job-1", at).name("live-BEIJING-01").build()?)?;
    /// assert_eq!(snapjobs::JobIndex::with_max_jobs(1_000).max_jobs(), 1_000);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn max_jobs(&self) -> usize {
        self.max_jobs
    }

    /// How many jobs it holds. O(1).
    ///
    /// # Examples
    /// ```
    /// use snapjobs::{Job, JobIndex, Query, SnapshotOutput, Status, Timestamp, WriteError};
    /// let at = Timestamp::parse("2022-02-02T08:00:00Z")?;
    /// let mut index = JobIndex::new();
    /// index.insert(Job::builder("job-1", at).name("live-BEIJING-01").build()?)?;
    /// assert_eq!(index.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether it holds no job. O(1).
    ///
    /// # Examples
    /// ```
    /// use snapjobs::{Job, JobIndex, Query, SnapshotOutput, Status, Timestamp, WriteError};
    /// let at = Timestamp::parse("2022-02-02T08:00:00Z")?;
    /// let mut index = JobIndex::new();
    /// index.insert(Job::builder("job-1", at).name("live-BEIJING-01").build()?)?;
    /// assert!(!index.is_empty());
    /// index.remove("job-1")?;
    /// assert!(index.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.ids.len() == 0
    }

    /// The job with this id. O(1) expected.
    ///
    /// # Examples
    /// ```
    /// use snapjobs::{Job, JobIndex, Query, SnapshotOutput, Status, Timestamp, WriteError};
    /// let at = Timestamp::parse("2022-02-02T08:00:00Z")?;
    /// let mut index = JobIndex::new();
    /// index.insert(Job::builder("job-1", at).name("live-BEIJING-01").build()?)?;
    /// assert_eq!(index.get("job-1").map(Job::name), Some("live-BEIJING-01"));
    /// assert!(index.get("job-2").is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get(&self, id: &str) -> Option<&Job> {
        let slot = self.ids.get(&self.slots, id)?;
        self.slots.get(usize::try_from(slot).ok()?)?.as_ref()
    }

    /// Every job, in no particular order. O(n).
    ///
    /// # Examples
    /// ```
    /// use snapjobs::{Job, JobIndex, Query, SnapshotOutput, Status, Timestamp, WriteError};
    /// let at = Timestamp::parse("2022-02-02T08:00:00Z")?;
    /// let mut index = JobIndex::new();
    /// index.insert(Job::builder("job-1", at).name("live-BEIJING-01").build()?)?;
    /// assert_eq!(index.jobs().map(Job::id).collect::<Vec<_>>(), ["job-1"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn jobs(&self) -> impl Iterator<Item = &Job> {
        self.slots.iter().flatten()
    }

    fn slot_of(&self, id: &str) -> Result<(u32, &Job), WriteError> {
        self.ids
            .get(&self.slots, id)
            .and_then(|slot| Some((slot, self.slots.get(slot as usize)?.as_ref()?)))
            .ok_or_else(|| WriteError::UnknownJobId { id: id.to_owned() })
    }

    fn job_mut(&mut self, slot: u32) -> Option<&mut Job> {
        self.slots.get_mut(slot as usize)?.as_mut()
    }

    /// Applies `change`, which gives the job in `slot` a new shared part and returns the old
    /// one, then moves the job's use from the old interned copy to the new.
    fn change_shared(&mut self, slot: u32, change: impl FnOnce(&mut Job) -> Arc<Shared>) {
        if let Some(Some(job)) = self.slots.get_mut(slot as usize) {
            let old = change(job);
            self.interned.release(&old);
            self.interned.intern(job);
        }
    }

    /// Adds a job. O(g log n), g the distinct grams of its name, plus O(L + log n) for each
    /// kept keyword (L the name's length).
    ///
    /// # Errors
    /// [`WriteError::DuplicateJobId`] if its id is taken, [`WriteError::CapacityExceeded`] if
    /// the index holds [`JobIndex::max_jobs`] jobs. Nothing changes on error.
    ///
    /// # Examples
    /// ```
    /// use snapjobs::{Job, JobIndex, Query, SnapshotOutput, Status, Timestamp, WriteError};
    /// let at = Timestamp::parse("2022-02-02T08:00:00Z")?;
    /// let mut index = JobIndex::new();
    /// index.insert(Job::builder("job-1", at).name("live-BEIJING-01").build()?)?;
    /// let again = Job::builder("job-1", at).build()?;
    /// assert_eq!(index.insert(again), Err(WriteError::DuplicateJobId { id: "job-1".into() }));
    /// assert_eq!(index.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn insert(&mut self, mut job: Job) -> Result<(), WriteError> {
        if self.ids.get(&self.slots, job.id()).is_some() {
            return Err(WriteError::DuplicateJobId {
                id: job.id().to_string(),
            });
        }
        if self.len() >= self.max_jobs {
            return Err(WriteError::CapacityExceeded {
                limit: self.max_jobs,
            });
        }
        let free = (!self.free.is_empty()).then(|| Arc::make_mut(&mut self.free).pop());
        let slot = match free.flatten() {
            Some(slot) => slot,
            None => {
                // With no free slot, every slot is held: fewer than max_jobs <= MAX_JOBS = 2^25,
                // so the new slot's number is exact in a u32.
                self.slots.push(None);
                (self.slots.len() - 1) as u32
            }
        };
        self.interned.intern(&mut job);
        let key = key_of(&job, slot);
        let grams = name_index::grams_of(job.name());
        let status = job.status();
        self.folded.insert(key, job.name(), status);
        if let Some(place) = self.slots.get_mut(slot as usize) {
            *place = Some(job);
        }
        self.ids.insert(&self.slots, slot);
        let slots = &self.slots;
        let cmp = |a, b| compare(slots, a, b);
        let bytes_of = |k| bytes_at(slots, k);
        self.all.insert_counted(key, &cmp, &bytes_of);
        self.by_status
            .get_mut(status)
            .insert_counted(key, &cmp, &bytes_of);
        self.names.add(&grams, key, &cmp);
        if let Some(Some(job)) = slots.get(slot as usize) {
            self.kept.add(key, job.name(), status, &cmp);
        }
        Ok(())
    }

    /// Adds many jobs at once, all or none: far faster than inserting them one by one, as it
    /// sorts once and builds every structure bottom-up. O((n + m) (log(n + m) + g)) for m new
    /// jobs, g the grams of a name. With the `parallel-load` feature (on by default), from
    /// 2^16 jobs held in all, the name index is built on two threads, each the lists of half
    /// the grams (the caller's thread and one scoped thread, joined before it returns).
    ///
    /// # Errors
    /// [`WriteError::DuplicateJobId`] if an id is taken or repeated in `jobs`,
    /// [`WriteError::CapacityExceeded`] if they would not fit. Nothing changes on error.
    ///
    /// # Examples
    /// ```
    /// use snapjobs::{Job, JobIndex, Query, SnapshotOutput, Status, Timestamp, WriteError};
    /// let at = Timestamp::parse("2022-02-02T08:00:00Z")?;
    /// let mut index = JobIndex::new();
    /// index.insert(Job::builder("job-1", at).name("live-BEIJING-01").build()?)?;
    /// let jobs = (2..=4).map(|i| Job::builder(&format!("job-{i}"), at).build());
    /// index.load(jobs.collect::<Result<Vec<_>, _>>()?)?;
    /// assert_eq!(index.len(), 4);
    /// // All or nothing: job-5 is not added, as job-1 is held already.
    /// let refused = [Job::builder("job-5", at).build()?, Job::builder("job-1", at).build()?];
    /// assert!(index.load(refused).is_err());
    /// assert_eq!(index.len(), 4);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn load(&mut self, jobs: impl IntoIterator<Item = Job>) -> Result<(), WriteError> {
        let jobs: Vec<Job> = jobs.into_iter().collect();
        let mut seen = HashSet::with_capacity(jobs.len());
        for job in &jobs {
            let id = job.id();
            if self.ids.get(&self.slots, id).is_some() || !seen.insert(id) {
                return Err(WriteError::DuplicateJobId { id: id.to_owned() });
            }
        }
        if self.len() + jobs.len() > self.max_jobs {
            return Err(WriteError::CapacityExceeded {
                limit: self.max_jobs,
            });
        }
        drop(seen);
        let mut jobs = jobs.into_iter();
        // Fill freed slots first, then new ones.
        for slot in Arc::unwrap_or_clone(std::mem::take(&mut self.free)) {
            match jobs.next() {
                Some(job) => {
                    if let Some(place) = self.slots.get_mut(slot as usize) {
                        *place = Some(job);
                    }
                }
                None => Arc::make_mut(&mut self.free).push(slot),
            }
        }
        self.slots.extend(jobs.map(Some));
        self.rebuild();
        Ok(())
    }

    /// Rebuilds every structure from the slots, first moving the jobs into (CreateTime, JobId)
    /// order, so that slot order is key order and every pass below reads memory in sequence.
    fn rebuild(&mut self) {
        let keys_of = |slots: &Slots| -> Vec<Key> {
            (0u32..)
                .zip(slots)
                .filter_map(|(slot, job)| job.as_ref().map(|job| key_of(job, slot)))
                .collect()
        };
        let mut order = keys_of(&self.slots);
        let slots = &self.slots;
        order.sort_unstable_by(|&a, &b| compare(slots, a, b));
        let mut unordered = std::mem::take(&mut self.slots);
        self.slots = order
            .iter()
            .map(|&k| {
                unordered
                    .get_mut(key::slot(k) as usize)
                    .and_then(Option::take)
            })
            .collect();
        // Fresh text allocations in key order, all made before any old one is freed (so that
        // none reuses an old one's place): names then lie in memory in the order windows
        // are scanned.
        let old_texts: Vec<_> = self
            .slots
            .iter_mut()
            .flatten()
            .map(Job::relocate_text)
            .collect();
        drop(old_texts);
        self.free = Arc::default();
        self.interned.clear();
        for job in self.slots.iter_mut().flatten() {
            self.interned.intern(job);
        }

        let slots = &self.slots;
        let keys = keys_of(slots);
        let mut ids = IdMap::with_capacity(slots.len());
        let mut by_status: PerStatus<Vec<Key>> = PerStatus::default();
        for (&k, job) in keys.iter().zip(slots.iter().flatten()) {
            ids.insert(slots, key::slot(k));
            by_status.get_mut(job.status()).push(k);
        }
        self.folded = FoldedNames::from_jobs(keys.iter().copied().zip(slots.iter().flatten()));
        let named: Vec<(Key, &str)> = keys
            .iter()
            .copied()
            .zip(slots.iter().flatten().map(Job::name))
            .collect();
        self.names = NameIndex::from_sorted(&named);
        drop(named);
        let bytes_of = |k| bytes_at(slots, k);
        self.by_status = by_status.map(|keys| OrderTree::from_sorted_byte_counted(keys, &bytes_of));
        self.all = OrderTree::from_sorted_byte_counted(keys, &bytes_of);
        self.ids = ids;
        // Keys changed with the slots: each kept keyword's lists are made anew.
        let keywords: Vec<Box<str>> = self.kept.kept.drain(..).map(|kept| kept.keyword).collect();
        self.kept = KeptKeywords::default().with_limit_of(&self.kept);
        for keyword in keywords {
            let kept = self.kept_lists_of(&keyword);
            self.kept.keep(kept);
        }
    }

    /// The lists of `keyword`'s matches, from a scan of every name. O(n + names' bytes).
    fn kept_lists_of(&self, keyword: &str) -> Kept {
        let mut marks = SlotMarks::new(self.slots.len());
        let folded = keyword.to_ascii_lowercase();
        self.folded
            .scan(folded.as_bytes(), (0, Key::MAX), None, &mut marks);
        let mut matches = Vec::new();
        self.all.walk(0, self.all.len(), false, |k| {
            if marks.contains(key::slot(k))
                && let Some(Some(job)) = self.slots.get(key::slot(k) as usize)
            {
                matches.push((k, job.status()));
            }
            std::ops::ControlFlow::Continue(())
        });
        Kept::from_sorted(keyword, &matches)
    }

    /// Changes a job's status. O(log n), plus O(L + log n) for each kept keyword.
    ///
    /// # Errors
    /// [`WriteError::UnknownJobId`]; nothing changes.
    ///
    /// # Examples
    /// ```
    /// use snapjobs::{Job, JobIndex, Query, SnapshotOutput, Status, Timestamp, WriteError};
    /// let at = Timestamp::parse("2022-02-02T08:00:00Z")?;
    /// let mut index = JobIndex::new();
    /// index.insert(Job::builder("job-1", at).name("live-BEIJING-01").build()?)?;
    /// index.set_status("job-1", Status::Started)?;
    /// assert_eq!(index.get("job-1").map(Job::status), Some(Status::Started));
    /// assert!(index.set_status("job-9", Status::Paused).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_status(&mut self, id: &str, status: Status) -> Result<(), WriteError> {
        let (slot, job) = self.slot_of(id)?;
        let (old, key) = (job.status(), key_of(job, slot));
        if old != status {
            let slots = &self.slots;
            let cmp = |a, b| compare(slots, a, b);
            let bytes_of = |k| bytes_at(slots, k);
            self.by_status
                .get_mut(old)
                .remove_counted(key, &cmp, &bytes_of);
            self.by_status
                .get_mut(status)
                .insert_counted(key, &cmp, &bytes_of);
            self.folded.set_status(slot, status);
            if let Some(Some(job)) = slots.get(slot as usize) {
                self.kept.restatus(key, job.name(), (old, status), &cmp);
            }
        }
        if let Some(job) = self.job_mut(slot) {
            job.set_status(status);
        }
        Ok(())
    }

    /// Changes a job's name. O((g_old + g_new) log n), the grams of the old and new names,
    /// plus O(L + log n) for each kept keyword; amortised, as the stored names are compacted
    /// now and then.
    ///
    /// # Errors
    /// [`WriteError::UnknownJobId`], or [`WriteError::InvalidField`] for a name over 128
    /// characters; nothing changes.
    ///
    /// # Examples
    /// ```
    /// use snapjobs::{Job, JobIndex, Query, SnapshotOutput, Status, Timestamp, WriteError};
    /// let at = Timestamp::parse("2022-02-02T08:00:00Z")?;
    /// let mut index = JobIndex::new();
    /// index.insert(Job::builder("job-1", at).name("live-BEIJING-01").build()?)?;
    /// index.rename("job-1", "studio-2")?;
    /// let window = Query::new(at, at)?;
    /// assert_eq!(index.list(&window.clone().with_keyword("STUDIO")?).total_count, 1);
    /// assert_eq!(index.list(&window.with_keyword("beijing")?).total_count, 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn rename(&mut self, id: &str, name: &str) -> Result<(), WriteError> {
        let (slot, job) = self.slot_of(id)?;
        let checked = job::check_job_name(name)?;
        let key = key_of(job, slot);
        let old = name_index::grams_of(job.name());
        let new = name_index::grams_of(&checked);
        let gone: Vec<_> = old
            .iter()
            .filter(|g| new.binary_search(g).is_err())
            .copied()
            .collect();
        let added: Vec<_> = new
            .iter()
            .filter(|g| old.binary_search(g).is_err())
            .copied()
            .collect();
        let (old_bytes, new_bytes) = (
            name_index::ascii_bytes_of(job.name()),
            name_index::ascii_bytes_of(&checked),
        );
        let status = job.status();
        let slots = &self.slots;
        let cmp = |a, b| compare(slots, a, b);
        self.names.withdraw(&gone, key, &cmp);
        self.names.add(&added, key, &cmp);
        self.folded.rename(slot, &checked);
        if let Some(Some(job)) = slots.get(slot as usize) {
            self.kept.withdraw(key, job.name(), status, &cmp);
        }
        self.kept.add(key, &checked, status, &cmp);
        if old_bytes != new_bytes {
            self.all.rebyte(key, &cmp, old_bytes, new_bytes);
            self.by_status
                .get_mut(status)
                .rebyte(key, &cmp, old_bytes, new_bytes);
        }
        if let Some(job) = self.job_mut(slot) {
            job.set_name(&checked);
        }
        Ok(())
    }

    /// Changes a job's template id and name. O(1) expected.
    ///
    /// # Errors
    /// [`WriteError::UnknownJobId`], or [`WriteError::InvalidField`] for a bad template;
    /// nothing changes.
    ///
    /// # Examples
    /// ```
    /// use snapjobs::{Job, JobIndex, Query, SnapshotOutput, Status, Timestamp, WriteError};
    /// let at = Timestamp::parse("2022-02-02T08:00:00Z")?;
    /// let mut index = JobIndex::new();
    /// index.insert(Job::builder("job-1", at).name("live-BEIJING-01").build()?)?;
    /// index.set_template("job-1", "tpl-7", "every 5 s")?;
    /// assert_eq!(index.get("job-1").map(Job::template_name), Some("every 5 s"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_template(
        &mut self,
        id: &str,
        template_id: &str,
        template_name: &str,
    ) -> Result<(), WriteError> {
        let (slot, _) = self.slot_of(id)?;
        let checked = job::check_template(template_id, template_name)?;
        self.change_shared(slot, |job| job.set_template(checked));
        Ok(())
    }

    /// Changes a job's output. O(1) expected.
    ///
    /// # Errors
    /// [`WriteError::UnknownJobId`]; nothing changes.
    ///
    /// # Examples
    /// ```
    /// use snapjobs::{Job, JobIndex, Query, SnapshotOutput, Status, Timestamp, WriteError};
    /// let at = Timestamp::parse("2022-02-02T08:00:00Z")?;
    /// let mut index = JobIndex::new();
    /// index.insert(Job::builder("job-1", at).name("live-BEIJING-01").build()?)?;
    /// index.set_output("job-1", SnapshotOutput::oss("oss-cn-beijing.aliyuncs.com", "snaps")?)?;
    /// assert_eq!(index.get("job-1").map(Job::bucket), Some("snaps"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_output(&mut self, id: &str, output: SnapshotOutput) -> Result<(), WriteError> {
        let (slot, _) = self.slot_of(id)?;
        self.change_shared(slot, |job| job.set_output(output));
        Ok(())
    }

    /// Changes a job's snapshot interval. O(1) expected.
    ///
    /// # Errors
    /// [`WriteError::UnknownJobId`], or [`WriteError::InvalidField`] for 0; nothing changes.
    ///
    /// # Examples
    /// ```
    /// use snapjobs::{Job, JobIndex, Query, SnapshotOutput, Status, Timestamp, WriteError};
    /// let at = Timestamp::parse("2022-02-02T08:00:00Z")?;
    /// let mut index = JobIndex::new();
    /// index.insert(Job::builder("job-1", at).name("live-BEIJING-01").build()?)?;
    /// index.set_time_interval("job-1", 30)?;
    /// assert_eq!(index.get("job-1").map(Job::time_interval), Some(30));
    /// assert!(index.set_time_interval("job-1", 0).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_time_interval(&mut self, id: &str, seconds: u32) -> Result<(), WriteError> {
        let (slot, _) = self.slot_of(id)?;
        let checked = job::check_time_interval(seconds)?;
        if let Some(job) = self.job_mut(slot) {
            job.set_time_interval(checked);
        }
        Ok(())
    }

    /// Removes a job and returns it. O(g log n), g the distinct grams of its name, plus
    /// O(L + log n) for each kept keyword; amortised, as the stored names are compacted once
    /// the removed ones outnumber the held.
    ///
    /// # Errors
    /// [`WriteError::UnknownJobId`]; nothing changes.
    ///
    /// # Examples
    /// ```
    /// use snapjobs::{Job, JobIndex, Query, SnapshotOutput, Status, Timestamp, WriteError};
    /// let at = Timestamp::parse("2022-02-02T08:00:00Z")?;
    /// let mut index = JobIndex::new();
    /// index.insert(Job::builder("job-1", at).name("live-BEIJING-01").build()?)?;
    /// let job = index.remove("job-1")?;
    /// assert_eq!(job.name(), "live-BEIJING-01");
    /// assert_eq!(index.remove("job-1"), Err(WriteError::UnknownJobId { id: "job-1".into() }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn remove(&mut self, id: &str) -> Result<Job, WriteError> {
        let (slot, job) = self.slot_of(id)?;
        let key = key_of(job, slot);
        let grams = name_index::grams_of(job.name());
        let status = job.status();
        // Checked: the job is held. From here on nothing fails.
        let slots = &self.slots;
        let cmp = |a, b| compare(slots, a, b);
        let bytes_of = |k| bytes_at(slots, k);
        self.names.withdraw(&grams, key, &cmp);
        if let Some(Some(job)) = slots.get(slot as usize) {
            self.kept.withdraw(key, job.name(), status, &cmp);
        }
        self.by_status
            .get_mut(status)
            .remove_counted(key, &cmp, &bytes_of);
        self.all.remove_counted(key, &cmp, &bytes_of);
        self.ids.remove(slots, id);
        self.folded.remove(slot);
        Arc::make_mut(&mut self.free).push(slot);
        let removed = self.slots.get_mut(slot as usize).and_then(Option::take);
        debug_assert!(removed.is_some(), "slot_of found the job in slot {slot}");
        let job = removed.ok_or_else(|| WriteError::UnknownJobId { id: id.to_owned() })?;
        self.interned.release(job.shared());
        Ok(job)
    }

    /// The page of jobs that match `query`, and how many match in all.
    ///
    /// O(log n + p) without a keyword, with a 1-byte keyword, with a 2- or 3-byte keyword and
    /// no status, and with a kept keyword; otherwise O(k log n + r + c) (k lists counted, r
    /// keys merged, c candidates checked), or, when the candidates would be many, one pass
    /// over every name, O(bytes of the names + n). See the table on the crate's front page.
    ///
    /// # Examples
    /// ```
    /// use snapjobs::{Job, JobIndex, Query, SnapshotOutput, Status, Timestamp, WriteError};
    /// let at = Timestamp::parse("2022-02-02T08:00:00Z")?;
    /// let mut index = JobIndex::new();
    /// index.insert(Job::builder("job-1", at).name("live-BEIJING-01").build()?)?;
    /// let query = Query::new(at, at)?.with_keyword("beijing")?.with_status(Some(Status::Init));
    /// let page = index.list(&query);
    /// assert_eq!((page.jobs[0].id(), page.total_count), ("job-1", 1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn list(&self, query: &Query) -> Page<'_> {
        planner::list(self, query, planner::Scan::Planned)
    }

    /// Keeps the matches of `keyword` (the jobs whose names contain it) as lists of their
    /// own, current under every write, so that listings with it, whatever their window,
    /// status and page, cost O(log n + p) as a 2- or 3-byte keyword's do. For a server to
    /// call when a keyword's listing was slow and is likely to be asked again: a user paging
    /// through its results. Answers never change; only their cost does.
    ///
    /// Returns whether it is kept: not if it is shorter than 2 bytes (a 1-byte keyword costs
    /// O(log n + p) already) or longer than [`MAX_KEYWORD_CHARS`](crate::MAX_KEYWORD_CHARS),
    /// or if its matches alone exceed [`JobIndex::kept_matches_limit`]. Keeping it forgets
    /// the oldest kept keywords as needed to stay within that limit and
    /// [`MAX_KEPT_KEYWORDS`]; so do later writes that add matches.
    ///
    /// O(n + the names' bytes) now; afterwards each write checks its job's name against every
    /// kept keyword, O(kept · (name length + log n)).
    ///
    /// # Examples
    /// ```
    /// use snapjobs::{Job, JobIndex, Query, Status, Timestamp};
    /// let at = Timestamp::parse("2022-02-02T08:00:00Z")?;
    /// let mut index = JobIndex::new();
    /// index.insert(Job::builder("job-1", at).name("live-BEIJING-01").build()?)?;
    /// assert!(index.keep_keyword("Beijing"));
    /// index.insert(Job::builder("job-2", at).name("beijing-02").status(Status::Started).build()?)?;
    /// let query = Query::new(at, at)?.with_keyword("BEIJING")?;
    /// assert_eq!(index.list(&query).total_count, 2);
    /// assert_eq!(index.kept_keywords().collect::<Vec<_>>(), [("beijing", 2)]);
    /// assert!(!index.keep_keyword("b"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn keep_keyword(&mut self, keyword: &str) -> bool {
        if keyword.len() < 2 || keyword.chars().count() > crate::MAX_KEYWORD_CHARS {
            return false;
        }
        let kept = self.kept_lists_of(keyword);
        self.kept.keep(kept)
    }

    /// Stops keeping `keyword` (ASCII letters compared case-insensitively); whether it was
    /// kept. O(kept).
    ///
    /// # Examples
    /// ```
    /// let mut index = snapjobs::JobIndex::new();
    /// assert!(index.keep_keyword("live"));
    /// assert!(index.forget_keyword("LIVE"));
    /// assert!(!index.forget_keyword("live"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn forget_keyword(&mut self, keyword: &str) -> bool {
        self.kept.forget(keyword)
    }

    /// The kept keywords (ASCII-folded), oldest first, each with how many jobs it matches.
    /// O(kept).
    ///
    /// # Examples
    /// ```
    /// let mut index = snapjobs::JobIndex::new();
    /// index.keep_keyword("News");
    /// assert_eq!(index.kept_keywords().collect::<Vec<_>>(), [("news", 0)]);
    /// ```
    pub fn kept_keywords(&self) -> impl Iterator<Item = (&str, usize)> {
        self.kept
            .kept
            .iter()
            .map(|kept| (&*kept.keyword, kept.all.len()))
    }

    /// The most matches the kept keywords may hold, summed: [`DEFAULT_KEPT_MATCHES`] unless
    /// set. Each match costs two tree entries of 8 bytes (about 16 to 32 bytes, as the
    /// trees' leaves are full or half full). O(1).
    ///
    /// # Examples
    /// ```
    /// let index = snapjobs::JobIndex::new();
    /// assert_eq!(index.kept_matches_limit(), snapjobs::DEFAULT_KEPT_MATCHES);
    /// ```
    pub fn kept_matches_limit(&self) -> usize {
        self.kept.limit()
    }

    /// Sets [`JobIndex::kept_matches_limit`], forgetting the oldest kept keywords until the
    /// rest are within it. O(kept).
    ///
    /// # Examples
    /// ```
    /// use snapjobs::{Job, JobIndex, Timestamp};
    /// let at = Timestamp::parse("2022-02-02T08:00:00Z")?;
    /// let mut index = JobIndex::new();
    /// index.insert(Job::builder("job-1", at).name("live-01").build()?)?;
    /// index.keep_keyword("live");
    /// index.set_kept_matches_limit(0);
    /// assert_eq!(index.kept_keywords().count(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_kept_matches_limit(&mut self, limit: usize) {
        self.kept.set_limit(limit);
    }

    /// [`JobIndex::list`], with a keyword that no list answers exactly found by a scan of
    /// every name (`scan`) or by checking its gram lists' candidates (`!scan`), whatever the
    /// planner would choose: for tests and fuzzers, which compare both with the model.
    #[doc(hidden)]
    pub fn list_with_scan(&self, query: &Query, scan: bool) -> Page<'_> {
        let scan = if scan {
            planner::Scan::Always
        } else {
            planner::Scan::Never
        };
        planner::list(self, query, scan)
    }

    /// Bytes of heap the index holds: its slots and jobs, id map, order trees, name index and
    /// interned templates. Exactly the bytes its allocations asked for (tested against a
    /// counting allocator); the allocator's own overhead is not counted. A clone shares its
    /// structures with the original until either is written to, and each counts them in
    /// full. O(n + lists).
    ///
    /// # Examples
    /// ```
    /// let index = snapjobs::JobIndex::new();
    /// // An empty index holds only the empty roots of its order trees.
    /// assert!(index.heap_bytes() <= 256);
    /// ```
    pub fn heap_bytes(&self) -> usize {
        self.slots.heap_bytes()
            + self.jobs().map(Job::heap_bytes).sum::<usize>()
            + 2 * size_of::<usize>()
            + size_of::<Vec<u32>>()
            + self.free.capacity() * size_of::<u32>()
            + self.ids.heap_bytes()
            + self.all.heap_bytes()
            + self
                .by_status
                .iter()
                .map(|(_, tree)| tree.heap_bytes())
                .sum::<usize>()
            + self.names.heap_bytes()
            + self.folded.heap_bytes()
            + self.kept.heap_bytes()
            + self.interned.heap_bytes()
    }

    /// Checks every invariant of every structure, and the structures against each other.
    /// For tests and fuzzers; O(n · name length · log n).
    ///
    /// # Errors
    /// A description of the first broken invariant.
    ///
    /// # Examples
    /// ```
    /// use snapjobs::{Job, JobIndex, Query, SnapshotOutput, Status, Timestamp, WriteError};
    /// let at = Timestamp::parse("2022-02-02T08:00:00Z")?;
    /// let mut index = JobIndex::new();
    /// index.insert(Job::builder("job-1", at).name("live-BEIJING-01").build()?)?;
    /// index.check_invariants()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[doc(hidden)]
    pub fn check_invariants(&self) -> Result<(), String> {
        let slots = &self.slots;
        let cmp = |a, b| compare(slots, a, b);
        // Slots, free list and id map.
        self.ids.check_len()?;
        let occupied = slots.iter().filter(|s| s.is_some()).count();
        if occupied != self.ids.len() {
            return Err(format!("{occupied} occupied slots, {} ids", self.ids.len()));
        }
        if slots.len() > self.max_jobs || self.max_jobs > MAX_JOBS {
            return Err(format!("{} slots, max_jobs {}", slots.len(), self.max_jobs));
        }
        let mut free_seen = HashSet::new();
        for &slot in self.free.iter() {
            if !matches!(slots.get(slot as usize), Some(None)) || !free_seen.insert(slot) {
                return Err(format!(
                    "free slot {slot} is occupied, missing or listed twice"
                ));
            }
        }
        if free_seen.len() + occupied != slots.len() {
            return Err("a free slot is not in the free list".into());
        }
        let mut held = HashSet::new();
        for slot in self.ids.slots() {
            match slots.get(slot as usize) {
                Some(Some(job))
                    if self.ids.get(slots, job.id()) == Some(slot) && held.insert(slot) => {}
                _ => {
                    return Err(format!(
                        "the id map holds slot {slot}, which is not its job's"
                    ));
                }
            }
        }
        // Interned shared parts.
        let mut uses: HashMap<*const Shared, usize> = HashMap::new();
        for job in self.jobs() {
            match self.interned.get_key_value(job.shared()) {
                Some((kept, _)) if Arc::ptr_eq(kept, job.shared()) => {
                    *uses.entry(Arc::as_ptr(kept)).or_default() += 1;
                }
                _ => return Err(format!("job {:?} does not use the interned copy", job.id())),
            }
        }
        for (kept, &count) in self.interned.iter() {
            if uses.get(&Arc::as_ptr(kept)) != Some(&count) {
                return Err(format!(
                    "interned part counted {count} uses, not its real number"
                ));
            }
        }
        // Order trees.
        let bytes_of = |k| bytes_at(slots, k);
        if !self.all.is_byte_counted() || self.by_status.iter().any(|(_, t)| !t.is_byte_counted()) {
            return Err("the all-jobs or a status tree is not byte-counted".into());
        }
        self.all.check_invariants_counted(&cmp, &bytes_of)?;
        let mut expected: Vec<Key> = (0u32..)
            .zip(slots)
            .filter_map(|(slot, job)| job.as_ref().map(|job| key_of(job, slot)))
            .collect();
        expected.sort_unstable_by(|&a, &b| cmp(a, b));
        if self.all.keys() != expected {
            return Err("the all-jobs tree does not hold exactly the jobs' keys".into());
        }
        for (status, tree) in self.by_status.iter() {
            tree.check_invariants_counted(&cmp, &bytes_of)?;
            let of_status: Vec<Key> = expected
                .iter()
                .copied()
                .filter(|&k| matches!(slots.get(key::slot(k) as usize), Some(Some(j)) if j.status() == status))
                .collect();
            if tree.keys() != of_status {
                return Err(format!("the {status} tree does not hold exactly its jobs"));
            }
        }
        self.folded.check_invariants(slots)?;
        let held: Vec<(Key, &str, Status)> = expected
            .iter()
            .filter_map(|&k| {
                let job = slots.get(key::slot(k) as usize)?.as_ref()?;
                Some((k, job.name(), job.status()))
            })
            .collect();
        self.kept.check_invariants(&held, &cmp)?;
        // Name index: every list valid and non-empty, every posting true, none missing.
        // Each name's grams computed once, by slot.
        let grams_by_slot: Vec<Vec<name_index::Gram>> = slots
            .iter()
            .map(|job| {
                job.as_ref()
                    .map_or_else(Vec::new, |job| name_index::grams_of(job.name()))
            })
            .collect();
        let mut postings = 0;
        for (gram, list) in self.names.lists() {
            list.check_invariants(&cmp)?;
            if list.is_empty() {
                return Err(format!("empty posting list for gram {gram:#x}"));
            }
            for k in list.keys() {
                match slots.get(key::slot(k) as usize) {
                    Some(Some(job))
                        if key_of(job, key::slot(k)) == k
                            && grams_by_slot
                                .get(key::slot(k) as usize)
                                .is_some_and(|grams| grams.binary_search(&gram).is_ok()) => {}
                    _ => return Err(format!("posting {k:#x} of gram {gram:#x} is not true")),
                }
            }
            postings += list.len();
        }
        let needed: usize = grams_by_slot.iter().map(Vec::len).sum();
        if postings != needed {
            return Err(format!(
                "{postings} postings, the names have {needed} grams"
            ));
        }
        Ok(())
    }
}
