//! [`FoldedNames`]: every held job's name, ASCII letters folded to lower case, end to end in
//! one buffer, so that a keyword found in many names is counted by one vectorised pass over
//! them all ([`memchr::memmem`]) rather than by checking each candidate's name.
//!
//! Each held job has one live *record*: its folded name (the records' names lie one after
//! another in `bytes`, in record order), its order key and its status. A write that gives a
//! job a name (insert, rename) appends a record; one that takes a name away (remove, rename)
//! marks the old record dead. When dead records outnumber live ones the records are compacted
//! in place, so a write costs amortised O(name length) and the buffer holds at most about
//! twice the live names.
//!
//! A scan finds the keyword's first occurrence from a position, moves a cursor forward over
//! the record lengths to the record that holds it, and, if the occurrence ends inside that
//! record (it may run on into the next), counts the record when its key is in the window and
//! its status is the one asked; the next search starts where that record ends. An occurrence
//! running across a boundary hides no match: a match that started after it in the same record
//! would end after the record too. At 10^6 realistic names (27 MB) a pass takes about 2 ms,
//! plus some 20 ns a matching record.

use memchr::memmem;

use super::key::{self, Key};
use super::slots::Slots;
use crate::job::{Job, MAX_NAME_CHARS, Status};

/// The key of a dead record: above every real key (whose time bits stay under 2^39), so it is
/// in no window.
const DEAD: Key = Key::MAX;

// A name has at most MAX_NAME_CHARS characters of at most 4 bytes: its length fits a u16.
const _: () = assert!(MAX_NAME_CHARS * 4 <= u16::MAX as usize);

/// The folded name of `name`: ASCII letters in lower case, every other byte as it is.
fn fold(name: &str) -> impl Iterator<Item = u8> + '_ {
    name.bytes().map(|b| b.to_ascii_lowercase())
}

/// The held jobs' folded names, end to end, with each record's key and status.
///
/// Invariants: `lens`, `keys` and `statuses` have one entry per record, and the lengths sum
/// to `bytes.len()`; the live records (key not [`DEAD`]) are exactly one per held job, whose
/// record holds its folded name, its key and its status, and `record_of_slot` gives each held
/// job's slot its live record; `dead` counts the dead records, and is at most the live ones
/// after every write.
#[derive(Clone, Debug, Default)]
pub(crate) struct FoldedNames {
    bytes: Vec<u8>,
    lens: Vec<u16>,
    keys: Vec<Key>,
    statuses: Vec<Status>,
    record_of_slot: Vec<u32>,
    dead: usize,
}

/// A set of slots, as a bitmap.
pub(crate) struct SlotMarks(Vec<u64>);

impl SlotMarks {
    /// An empty set for slots below `slots`.
    pub(crate) fn new(slots: usize) -> SlotMarks {
        SlotMarks(vec![0; slots.div_ceil(64)])
    }

    fn insert(&mut self, slot: u32) {
        if let Some(word) = self.0.get_mut(slot as usize / 64) {
            *word |= 1 << (slot % 64);
        }
    }

    /// Whether `slot` is in the set.
    pub(crate) fn contains(&self, slot: u32) -> bool {
        self.0
            .get(slot as usize / 64)
            .is_some_and(|word| word >> (slot % 64) & 1 == 1)
    }
}

impl FoldedNames {
    /// The records of `jobs`, given as (key, job) in the order their records are to lie.
    /// O(total name length).
    pub(crate) fn from_jobs<'a>(jobs: impl Iterator<Item = (Key, &'a Job)> + Clone) -> FoldedNames {
        let (records, total) = jobs.clone().fold((0, 0), |(n, bytes), (_, job)| {
            (n + 1, bytes + job.name().len())
        });
        let mut names = FoldedNames {
            bytes: Vec::with_capacity(total),
            lens: Vec::with_capacity(records),
            keys: Vec::with_capacity(records),
            statuses: Vec::with_capacity(records),
            record_of_slot: Vec::new(),
            dead: 0,
        };
        for (key, job) in jobs {
            names.append(key, job.name(), job.status());
        }
        names
    }

    /// How many records there are, live and dead: what a scan walks.
    pub(crate) fn records(&self) -> usize {
        self.keys.len()
    }

    fn append(&mut self, key: Key, name: &str, status: Status) {
        let slot = key::slot(key) as usize;
        if self.record_of_slot.len() <= slot {
            self.record_of_slot.resize(slot + 1, u32::MAX);
        }
        if let Some(record) = self.record_of_slot.get_mut(slot) {
            // At most MAX_SLOTS live records and as many dead: under 2^26.
            *record = self.keys.len() as u32;
        }
        self.bytes.extend(fold(name));
        // Exact: at most 512 bytes (the assertion above).
        self.lens.push(name.len() as u16);
        self.keys.push(key);
        self.statuses.push(status);
    }

    /// The live record of the job in `slot`, if the slot is held.
    fn record(&self, slot: u32) -> Option<usize> {
        let record = *self.record_of_slot.get(slot as usize)? as usize;
        self.keys
            .get(record)
            .is_some_and(|&k| k != DEAD && key::slot(k) == slot)
            .then_some(record)
    }

    /// Adds the record of a new job. Amortised O(name length).
    pub(crate) fn insert(&mut self, key: Key, name: &str, status: Status) {
        self.append(key, name, status);
    }

    /// Drops the record of the job in `slot`. Amortised O(1).
    pub(crate) fn remove(&mut self, slot: u32) {
        if let Some(record) = self.record(slot)
            && let Some(k) = self.keys.get_mut(record)
        {
            *k = DEAD;
            self.dead += 1;
            self.compact_if_half_dead();
        }
    }

    /// Gives the job in `slot` a new name: a new record replaces its old one. Amortised
    /// O(name length).
    pub(crate) fn rename(&mut self, slot: u32, name: &str) {
        if let Some(record) = self.record(slot) {
            let (key, status) = (
                self.keys.get(record).copied().unwrap_or(DEAD),
                self.statuses.get(record).copied().unwrap_or(Status::Init),
            );
            self.remove(slot);
            self.append(key, name, status);
        }
    }

    /// Records the new status of the job in `slot`. O(1).
    pub(crate) fn set_status(&mut self, slot: u32, status: Status) {
        if let Some(record) = self.record(slot)
            && let Some(s) = self.statuses.get_mut(record)
        {
            *s = status;
        }
    }

    /// Moves the live records to the front, in order, once the dead outnumber them.
    /// O(records + bytes) when it runs, which is after at least as many removals.
    fn compact_if_half_dead(&mut self) {
        if self.dead <= self.keys.len() - self.dead {
            return;
        }
        let (mut to_record, mut to_byte, mut from_byte) = (0, 0, 0);
        for record in 0..self.keys.len() {
            let (Some(&key), Some(&len), Some(&status)) = (
                self.keys.get(record),
                self.lens.get(record),
                self.statuses.get(record),
            ) else {
                break;
            };
            let len = len as usize;
            if key != DEAD {
                self.bytes.copy_within(from_byte..from_byte + len, to_byte);
                if let (Some(k), Some(l), Some(s)) = (
                    self.keys.get_mut(to_record),
                    self.lens.get_mut(to_record),
                    self.statuses.get_mut(to_record),
                ) {
                    (*k, *l, *s) = (key, len as u16, status);
                }
                if let Some(r) = self.record_of_slot.get_mut(key::slot(key) as usize) {
                    *r = to_record as u32;
                }
                to_record += 1;
                to_byte += len;
            }
            from_byte += len;
        }
        self.bytes.truncate(to_byte);
        self.lens.truncate(to_record);
        self.keys.truncate(to_record);
        self.statuses.truncate(to_record);
        self.dead = 0;
    }

    /// Marks in `marks` the slots of the jobs with a key in `[lo, hi)`, the status `status`
    /// (any if `None`) and a folded name containing `keyword` (folded, not empty), and returns
    /// how many there are. O(bytes + records + matches).
    pub(crate) fn scan(
        &self,
        keyword: &[u8],
        (lo, hi): (Key, Key),
        status: Option<Status>,
        marks: &mut SlotMarks,
    ) -> usize {
        let finder = memmem::Finder::new(keyword);
        let (mut from, mut record, mut record_start, mut count) = (0, 0, 0, 0);
        while let Some(found) = self.bytes.get(from..).and_then(|rest| finder.find(rest)) {
            let at = from + found;
            // The record holding `at`, and where it ends.
            let end = loop {
                let Some(&len) = self.lens.get(record) else {
                    return count;
                };
                let end = record_start + len as usize;
                if at < end {
                    break end;
                }
                record_start = end;
                record += 1;
            };
            if at + keyword.len() <= end
                && let (Some(&k), Some(&s)) = (self.keys.get(record), self.statuses.get(record))
                && lo <= k
                && k < hi
                && status.is_none_or(|status| status == s)
            {
                marks.insert(key::slot(k));
                count += 1;
            }
            (from, record, record_start) = (end, record + 1, end);
        }
        count
    }

    /// Bytes of heap it holds.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.bytes.capacity()
            + self.lens.capacity() * size_of::<u16>()
            + self.keys.capacity() * size_of::<Key>()
            + self.statuses.capacity() * size_of::<Status>()
            + self.record_of_slot.capacity() * size_of::<u32>()
    }

    /// Checks the invariants against the held jobs, `slots` (indexed by slot).
    ///
    /// # Errors
    /// A description of the first broken invariant.
    pub(crate) fn check_invariants(&self, slots: &Slots) -> Result<(), String> {
        let records = self.keys.len();
        if self.lens.len() != records || self.statuses.len() != records {
            return Err(format!(
                "folded names: {records} keys, {} lengths, {} statuses",
                self.lens.len(),
                self.statuses.len()
            ));
        }
        let total: usize = self.lens.iter().map(|&l| l as usize).sum();
        if total != self.bytes.len() {
            return Err(format!(
                "folded names: lengths sum to {total}, {} bytes held",
                self.bytes.len()
            ));
        }
        let (mut start, mut live) = (0, 0);
        for (record, ((&k, &len), &status)) in self
            .keys
            .iter()
            .zip(&self.lens)
            .zip(&self.statuses)
            .enumerate()
        {
            let end = start + len as usize;
            if k != DEAD {
                live += 1;
                let slot = key::slot(k);
                let Some(Some(job)) = slots.get(slot as usize) else {
                    return Err(format!("folded record {record} names empty slot {slot}"));
                };
                let folded: Vec<u8> = fold(job.name()).collect();
                if super::key_of(job, slot) != k
                    || job.status() != status
                    || self.bytes.get(start..end) != Some(folded.as_slice())
                    || self.record(slot) != Some(record)
                {
                    return Err(format!(
                        "folded record {record} is not the live record of job {:?}",
                        job.id()
                    ));
                }
            }
            start = end;
        }
        let held = slots.iter().flatten().count();
        if live != held || records - live != self.dead {
            return Err(format!(
                "folded names: {live} live records and {held} jobs, {} dead counted as {}",
                records - live,
                self.dead
            ));
        }
        if self.dead > live {
            return Err(format!(
                "folded names: {} dead records, {live} live",
                self.dead
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Timestamp;

    fn key(slot: u32, second: i64) -> Key {
        let at = Timestamp::parse("2022-02-02T00:00:00Z").unwrap();
        key::make(at.saturating_add_seconds(second), slot)
    }

    fn scan(names: &FoldedNames, keyword: &str, status: Option<Status>) -> Vec<u32> {
        let mut marks = SlotMarks::new(64);
        let count = names.scan(keyword.as_bytes(), (0, DEAD), status, &mut marks);
        let slots: Vec<u32> = (0..64).filter(|&s| marks.contains(s)).collect();
        assert_eq!(slots.len(), count);
        slots
    }

    #[test]
    fn a_scan_finds_each_name_once_and_none_across_names() {
        let mut names = FoldedNames::default();
        for (slot, name) in ["LiveLive", "li", "ve", "", "xlive", "北京live"]
            .iter()
            .enumerate()
        {
            names.insert(key(slot as u32, 0), name, Status::ALL[slot % 3]);
        }
        assert_eq!(scan(&names, "live", None), [0, 4, 5]);
        // "li" + "ve" would read "live" across the boundary: not a match.
        assert_eq!(scan(&names, "ive", None), [0, 4, 5]);
        assert_eq!(scan(&names, "京l", None), [5]);
        assert_eq!(scan(&names, "live", Some(Status::Started)), [5]);
        assert_eq!(scan(&names, "nothing", None), Vec::<u32>::new());
    }

    #[test]
    fn a_scan_agrees_with_a_substring_check_where_occurrences_overlap_and_cross() {
        // Names and keywords over two letters, so that occurrences overlap within a name,
        // run across ends in every way, and follow a counted one in the same record.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        for _ in 0..3_000 {
            let names: Vec<String> = (0..1 + next(8))
                .map(|_| {
                    (0..next(7))
                        .map(|_| if next(2) == 0 { 'a' } else { 'B' })
                        .collect()
                })
                .collect();
            let keyword: String = (0..2 + next(3))
                .map(|_| if next(2) == 0 { 'A' } else { 'b' })
                .collect();
            let mut folded = FoldedNames::default();
            for (slot, name) in names.iter().enumerate() {
                folded.insert(key(slot as u32, 0), name, Status::Init);
            }
            let expected: Vec<u32> = (0..names.len() as u32)
                .filter(|&slot| {
                    names[slot as usize]
                        .to_ascii_lowercase()
                        .contains(&keyword.to_ascii_lowercase())
                })
                .collect();
            let keyword = keyword.to_ascii_lowercase();
            assert_eq!(
                scan(&folded, &keyword, None),
                expected,
                "{names:?} {keyword}"
            );
        }
    }

    #[test]
    fn a_scan_keeps_to_the_window() {
        let mut names = FoldedNames::default();
        for slot in 0..10 {
            names.insert(key(slot, i64::from(slot)), "same", Status::Init);
        }
        let mut marks = SlotMarks::new(10);
        assert_eq!(
            names.scan(b"same", (key(0, 3), key(0, 7)), None, &mut marks),
            4
        );
        assert!((3..7).all(|s| marks.contains(s)) && !marks.contains(2) && !marks.contains(7));
    }

    #[test]
    fn removals_compact_and_renames_replace() {
        let mut names = FoldedNames::default();
        for slot in 0..8 {
            names.insert(key(slot, 0), &format!("name-{slot}"), Status::Init);
        }
        names.rename(3, "renamed");
        names.set_status(3, Status::Paused);
        assert_eq!(scan(&names, "name-3", None), Vec::<u32>::new());
        assert_eq!(scan(&names, "renamed", Some(Status::Paused)), [3]);
        for slot in [0, 1, 2, 4] {
            names.remove(slot);
        }
        // Five dead records (four removed, one renamed) and four live: compacted.
        assert_eq!((names.records(), names.dead), (4, 0));
        assert_eq!(scan(&names, "name-", None), [5, 6, 7]);
        assert_eq!(scan(&names, "renamed", None), [3]);
        // A slot freed and taken again gets a new record.
        names.insert(key(0, 1), "again", Status::Started);
        assert_eq!(scan(&names, "again", None), [0]);
        names.remove(9);
        assert_eq!(names.records(), 5);
    }
}
