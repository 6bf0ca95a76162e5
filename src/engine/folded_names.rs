//! [`FoldedNames`]: every held job's name, ASCII letters folded to lower case, end to end in
//! blocks of 256 records, so that a keyword found in many names is counted by one vectorised
//! pass over them all ([`memchr::memmem`], block by block) rather than by checking each
//! candidate's name.
//!
//! Each held job has one live *record*: its folded name (the records' names lie one after
//! another in their block's `bytes`, in record order), its order key and its status. A write that gives a
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

use std::sync::Arc;

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

/// Records a block holds.
const BLOCK: usize = 256;

/// Slots a chunk of `record_of_slot` holds.
const SLOT_CHUNK: usize = 1024;

/// Up to [`BLOCK`] consecutive records: their folded names end to end, and each one's length,
/// key and status.
#[derive(Clone, Debug, Default)]
struct Block {
    bytes: Vec<u8>,
    lens: Vec<u16>,
    keys: Vec<Key>,
    statuses: Vec<Status>,
}

/// The held jobs' folded names, end to end in blocks of records, with each record's key and
/// status. The blocks, and the chunks of `record_of_slot`, are `Arc`s that clones of the
/// index share: a write copies only the block (about 10 KB) and chunk it changes.
///
/// Invariants: every block but the last holds [`BLOCK`] records and the last at least one
/// (there are `records` in all); in each block `lens`, `keys` and `statuses` have one entry
/// per record and the lengths sum to `bytes.len()`; the live records (key not [`DEAD`]) are
/// exactly one per held job, whose record holds its folded name, its key and its status, and
/// `record_of_slot` gives each held job's slot its live record; `dead` counts the dead
/// records, and is at most the live ones after every write.
#[derive(Clone, Debug, Default)]
pub(crate) struct FoldedNames {
    blocks: Vec<Arc<Block>>,
    records: usize,
    record_of_slot: Vec<Arc<Vec<u32>>>,
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
    pub(crate) fn from_jobs<'a>(jobs: impl Iterator<Item = (Key, &'a Job)>) -> FoldedNames {
        let mut names = FoldedNames::default();
        for (key, job) in jobs {
            names.append(key, job.name(), job.status());
        }
        names
    }

    /// How many records there are, live and dead: what a scan walks.
    pub(crate) fn records(&self) -> usize {
        self.records
    }

    fn append(&mut self, key: Key, name: &str, status: Status) {
        let slot = key::slot(key) as usize;
        let record = self.records;
        if self.record_of_slot.len() <= slot / SLOT_CHUNK {
            self.record_of_slot.resize_with(slot / SLOT_CHUNK + 1, || {
                Arc::new(vec![u32::MAX; SLOT_CHUNK])
            });
        }
        if let Some(chunk) = self.record_of_slot.get_mut(slot / SLOT_CHUNK)
            && let Some(entry) = Arc::make_mut(chunk).get_mut(slot % SLOT_CHUNK)
        {
            // At most MAX_SLOTS live records and as many dead: under 2^26.
            *entry = record as u32;
        }
        if record.is_multiple_of(BLOCK) {
            self.blocks.push(Arc::new(Block {
                bytes: Vec::with_capacity(BLOCK * 32),
                lens: Vec::with_capacity(BLOCK),
                keys: Vec::with_capacity(BLOCK),
                statuses: Vec::with_capacity(BLOCK),
            }));
        }
        if let Some(block) = self.blocks.last_mut() {
            let block = Arc::make_mut(block);
            block.bytes.extend(fold(name));
            // Exact: at most 512 bytes (the assertion above).
            block.lens.push(name.len() as u16);
            block.keys.push(key);
            block.statuses.push(status);
        }
        self.records += 1;
    }

    fn key_at(&self, record: usize) -> Option<Key> {
        self.blocks
            .get(record / BLOCK)?
            .keys
            .get(record % BLOCK)
            .copied()
    }

    /// The block of `record` to write to (copied first if shared), and the record's place
    /// in it.
    fn block_mut(&mut self, record: usize) -> Option<(&mut Block, usize)> {
        let block = self.blocks.get_mut(record / BLOCK)?;
        Some((Arc::make_mut(block), record % BLOCK))
    }

    /// The live record of the job in `slot`, if the slot is held.
    fn record(&self, slot: u32) -> Option<usize> {
        let slot_at = slot as usize;
        let record = *self
            .record_of_slot
            .get(slot_at / SLOT_CHUNK)?
            .get(slot_at % SLOT_CHUNK)?;
        let record = record as usize;
        self.key_at(record)
            .is_some_and(|k| k != DEAD && key::slot(k) == slot)
            .then_some(record)
    }

    /// Adds the record of a new job. Amortised O(name length).
    pub(crate) fn insert(&mut self, key: Key, name: &str, status: Status) {
        self.append(key, name, status);
    }

    /// Drops the record of the job in `slot`. Amortised O(1).
    pub(crate) fn remove(&mut self, slot: u32) {
        if let Some(record) = self.record(slot)
            && let Some((block, at)) = self.block_mut(record)
            && let Some(k) = block.keys.get_mut(at)
        {
            *k = DEAD;
            self.dead += 1;
            self.compact_if_half_dead();
        }
    }

    /// Gives the job in `slot` a new name: a new record replaces its old one. Amortised
    /// O(name length).
    pub(crate) fn rename(&mut self, slot: u32, name: &str) {
        if let Some(record) = self.record(slot)
            && let Some(block) = self.blocks.get(record / BLOCK)
        {
            let at = record % BLOCK;
            let (key, status) = (
                block.keys.get(at).copied().unwrap_or(DEAD),
                block.statuses.get(at).copied().unwrap_or(Status::Init),
            );
            self.remove(slot);
            self.append(key, name, status);
        }
    }

    /// Records the new status of the job in `slot`. O(1).
    pub(crate) fn set_status(&mut self, slot: u32, status: Status) {
        if let Some(record) = self.record(slot)
            && let Some((block, at)) = self.block_mut(record)
            && let Some(s) = block.statuses.get_mut(at)
        {
            *s = status;
        }
    }

    /// Rewrites the live records, in order, into new blocks once the dead outnumber them.
    /// O(records + bytes) when it runs, which is after at least as many removals.
    fn compact_if_half_dead(&mut self) {
        if self.dead <= self.records - self.dead {
            return;
        }
        let blocks = std::mem::take(&mut self.blocks);
        (self.records, self.dead) = (0, 0);
        for block in &blocks {
            let mut start = 0;
            for ((&key, &len), &status) in block.keys.iter().zip(&block.lens).zip(&block.statuses) {
                let end = start + len as usize;
                if key != DEAD {
                    let name = block.bytes.get(start..end).unwrap_or_default();
                    self.append_folded(key, name, status);
                }
                start = end;
            }
        }
    }

    /// [`FoldedNames::append`] of a name already folded.
    fn append_folded(&mut self, key: Key, folded: &[u8], status: Status) {
        // Folding is idempotent and keeps a name's bytes and length; the bytes came from a
        // name, so they are UTF-8.
        match std::str::from_utf8(folded) {
            Ok(name) => self.append(key, name, status),
            Err(_) => debug_assert!(false, "a folded name is UTF-8"),
        }
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
        let mut count = 0;
        for block in &self.blocks {
            let (mut from, mut record, mut record_start) = (0, 0, 0);
            'block: while let Some(found) =
                block.bytes.get(from..).and_then(|rest| finder.find(rest))
            {
                let at = from + found;
                // The record holding `at`, and where it ends.
                let end = loop {
                    let Some(&len) = block.lens.get(record) else {
                        break 'block;
                    };
                    let end = record_start + len as usize;
                    if at < end {
                        break end;
                    }
                    record_start = end;
                    record += 1;
                };
                if at + keyword.len() <= end
                    && let (Some(&k), Some(&s)) =
                        (block.keys.get(record), block.statuses.get(record))
                    && lo <= k
                    && k < hi
                    && status.is_none_or(|status| status == s)
                {
                    marks.insert(key::slot(k));
                    count += 1;
                }
                (from, record, record_start) = (end, record + 1, end);
            }
        }
        count
    }

    /// Bytes of heap it holds.
    pub(crate) fn heap_bytes(&self) -> usize {
        // Each `Arc` allocation: two counts, then the value.
        let arc = 2 * size_of::<usize>();
        self.blocks.capacity() * size_of::<Arc<Block>>()
            + self
                .blocks
                .iter()
                .map(|b| {
                    arc + size_of::<Block>()
                        + b.bytes.capacity()
                        + b.lens.capacity() * size_of::<u16>()
                        + b.keys.capacity() * size_of::<Key>()
                        + b.statuses.capacity() * size_of::<Status>()
                })
                .sum::<usize>()
            + self.record_of_slot.capacity() * size_of::<Arc<Vec<u32>>>()
            + self
                .record_of_slot
                .iter()
                .map(|c| arc + size_of::<Vec<u32>>() + c.capacity() * size_of::<u32>())
                .sum::<usize>()
    }

    /// Checks the invariants against the held jobs, `slots` (indexed by slot).
    ///
    /// # Errors
    /// A description of the first broken invariant.
    pub(crate) fn check_invariants(&self, slots: &Slots) -> Result<(), String> {
        let mut live = 0;
        let mut records = 0;
        for (b, block) in self.blocks.iter().enumerate() {
            let n = block.keys.len();
            let last = b + 1 == self.blocks.len();
            if block.lens.len() != n
                || block.statuses.len() != n
                || n == 0
                || n > BLOCK
                || (!last && n != BLOCK)
            {
                return Err(format!(
                    "folded block {b}: {n} keys, {} lengths, {} statuses",
                    block.lens.len(),
                    block.statuses.len()
                ));
            }
            let total: usize = block.lens.iter().map(|&l| l as usize).sum();
            if total != block.bytes.len() {
                return Err(format!(
                    "folded block {b}: lengths sum to {total}, {} bytes held",
                    block.bytes.len()
                ));
            }
            let mut start = 0;
            for ((&k, &len), &status) in block.keys.iter().zip(&block.lens).zip(&block.statuses) {
                let record = records;
                records += 1;
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
                        || block.bytes.get(start..end) != Some(folded.as_slice())
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
        }
        if records != self.records {
            return Err(format!(
                "folded names: {records} records, counted {}",
                self.records
            ));
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
    fn records_over_several_blocks_scan_compact_and_stay_apart_from_a_clone() {
        let n = 5 * BLOCK as u32 + 7;
        let name = |slot: u32| format!("n{}-{}", slot % 7, slot % 3);
        let mut names = FoldedNames::default();
        for slot in 0..n {
            names.insert(key(slot, i64::from(slot)), &name(slot), Status::Init);
        }
        let found = |names: &FoldedNames, word: &str| {
            let mut marks = SlotMarks::new(n as usize);
            let count = names.scan(word.as_bytes(), (0, DEAD), None, &mut marks);
            let slots: Vec<u32> = (0..n).filter(|&s| marks.contains(s)).collect();
            assert_eq!(slots.len(), count);
            slots
        };
        let expected = |held: &dyn Fn(u32) -> bool, word: &str| -> Vec<u32> {
            (0..n)
                .filter(|&s| held(s) && name(s).contains(word))
                .collect()
        };
        assert_eq!(found(&names, "3-1"), expected(&|_| true, "3-1"));
        let copy = names.clone();
        // Remove two slots in three: the dead come to outnumber the live, which compacts.
        for slot in (0..n).filter(|s| s % 3 != 0) {
            names.remove(slot);
        }
        assert!(names.dead <= names.records() - names.dead);
        assert!(names.records() < n as usize, "compacted");
        assert_eq!(found(&names, "3-0"), expected(&|s| s % 3 == 0, "3-0"));
        assert_eq!(found(&names, "-1"), Vec::<u32>::new());
        assert_eq!(
            found(&copy, "3-1"),
            expected(&|_| true, "3-1"),
            "the clone is unchanged"
        );
        assert_eq!(copy.records(), n as usize);
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
