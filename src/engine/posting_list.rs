//! [`PostingList`]: a compact, counted list of order keys, cheap to append to.
//!
//! The keys are cut into **blocks** of at most [`BLOCK_MAX`] keys. A block keeps its first
//! and last key and its count in the clear, and every other key as the difference from the key
//! before it: the seconds between their `CreateTime`s and the signed distance between their
//! slots, packed in one variable-length integer (see [`put_delta`]). Keys of a posting list
//! are close in time, and jobs created one after another mostly hold nearby slots, so a key
//! takes about 2 bytes instead of 8.
//!
//! Blocks are gathered in **groups** of at most [`GROUP_MAX`] blocks, each group knowing its
//! count and last key: finding a key or a rank is a binary search over the groups' last keys
//! (summing the counts before it), the same within the group, then a decode of one block.
//!
//! Appending a key after every other one, the common write (a job submitted now), encodes one
//! difference at the end of the last block: no search. A key inserted elsewhere decodes its
//! block, inserts, and encodes it again, splitting it (and its group) when full; a removal does
//! the same, and merges a block with a neighbour when the two hold few keys together, so that
//! blocks stay, on average, at least a quarter full whatever the order of writes.
//!
//! Status: built, tested against a sorted map and fuzzed, but not yet the name index's lists.
//! Measured in the name index at 10^6 jobs, it took the index from 470 to 280 bytes a job,
//! and made keyword listings 2 to 5 times slower (the rank searches and walks decode up to a
//! block of differences, where a tree leaf is read directly) and writes at an old CreateTime
//! about twice as slow; the name index waits for reads as fast as the trees'.

use std::cmp::Ordering;
use std::ops::ControlFlow;

use super::key::{self, Key};

/// Most keys in a block.
pub(crate) const BLOCK_MAX: usize = 128;
/// Most blocks in a group.
pub(crate) const GROUP_MAX: usize = 64;

/// Appends `v` in 7-bit groups, low first, the high bit set on every byte but the last.
fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v & 0x7f) as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Reads a [`put_varint`] integer at `*at`, moving `*at` past it.
fn get_varint(bytes: &[u8], at: &mut usize) -> u64 {
    let mut v = 0u64;
    let mut shift = 0u32;
    while let Some(&b) = bytes.get(*at) {
        *at += 1;
        v |= u64::from(b & 0x7f).checked_shl(shift).unwrap_or(0);
        if b < 0x80 {
            break;
        }
        shift += 7;
    }
    v
}

/// Slot distances whose zigzag code is below this share a byte with the time difference.
const SLOT_INLINE: u64 = 63;

/// Appends the difference from `prev` to `key`, a key after it: `dt · 64 + z` where `dt` is
/// the seconds between them and `z` the zigzag code of the slot distance (0, -1, 1, -2, ... as
/// 0, 1, 2, 3, ...) if below 63; otherwise 63 there, and `z - 63` in a second integer.
fn put_delta(out: &mut Vec<u8>, prev: Key, key: Key) {
    let dt = key::time_bits(key).saturating_sub(key::time_bits(prev));
    debug_assert!(key::time_bits(key) >= key::time_bits(prev), "keys in order");
    let distance = i64::from(key::slot(key)) - i64::from(key::slot(prev));
    let z = ((distance << 1) ^ (distance >> 63)) as u64;
    if z < SLOT_INLINE {
        put_varint(out, dt << 6 | z);
    } else {
        put_varint(out, dt << 6 | SLOT_INLINE);
        put_varint(out, z - SLOT_INLINE);
    }
}

/// Reads a [`put_delta`] difference at `*at` and returns the key it leads to from `prev`.
fn get_delta(bytes: &[u8], at: &mut usize, prev: Key) -> Key {
    let v = get_varint(bytes, at);
    let mut z = v & SLOT_INLINE;
    if z == SLOT_INLINE {
        z += get_varint(bytes, at);
    }
    let distance = (z >> 1) as i64 ^ -((z & 1) as i64);
    let slot = i64::from(key::slot(prev)) + distance;
    key::from_parts(key::time_bits(prev) + (v >> 6), slot as u32)
}

/// Up to [`BLOCK_MAX`] keys, consecutive in the list.
///
/// Invariants: `count` is 1 to [`BLOCK_MAX`]; `deltas` holds exactly `count - 1` differences,
/// which lead from `first` through strictly increasing keys to `last`.
#[derive(Clone, Debug)]
struct Block {
    first: Key,
    last: Key,
    count: u32,
    deltas: Vec<u8>,
}

impl Block {
    fn single(key: Key) -> Block {
        Block {
            first: key,
            last: key,
            count: 1,
            deltas: Vec::new(),
        }
    }

    /// The block of `keys`, which are strictly increasing; `None` if there are none.
    fn encode(keys: &[Key]) -> Option<Block> {
        Block::encode_with(keys, &mut Vec::with_capacity(2 * keys.len()))
    }

    /// [`Block::encode`], writing the differences into `scratch` first so that the block's
    /// own buffer is allocated once, at its exact size.
    fn encode_with(keys: &[Key], scratch: &mut Vec<u8>) -> Option<Block> {
        let (&first, rest) = keys.split_first()?;
        scratch.clear();
        let mut last = first;
        for &k in rest {
            put_delta(scratch, last, k);
            last = k;
        }
        Some(Block {
            first,
            last,
            count: keys.len() as u32,
            deltas: scratch.as_slice().to_vec(),
        })
    }

    fn len(&self) -> usize {
        self.count as usize
    }

    /// Appends `key`, which comes after `last`. O(1).
    fn push(&mut self, key: Key) {
        put_delta(&mut self.deltas, self.last, key);
        self.last = key;
        self.count += 1;
    }

    /// The keys in order.
    fn iter(&self) -> BlockKeys<'_> {
        BlockKeys {
            block: self,
            at: 0,
            next: Some(self.first),
        }
    }

    /// Appends the keys to `out`, in order.
    fn decode_into(&self, out: &mut Vec<Key>) {
        out.extend(self.iter());
    }

    /// Drops the first key. The block must hold at least two. O(1): the next difference
    /// becomes the new first key, and the rest are relative to it already.
    fn pop_first(&mut self) {
        let mut at = 0;
        self.first = get_delta(&self.deltas, &mut at, self.first);
        self.deltas.drain(..at);
        self.count -= 1;
    }

    /// Adds `key`, which is not after `last`, editing the differences in place (no decode of
    /// the whole block); returns `false` (changing nothing) if it is there already. O(count).
    fn insert_not_after_last<C: Fn(Key, Key) -> Ordering>(&mut self, key: Key, cmp: &C) -> bool {
        let mut spliced = Vec::with_capacity(8);
        match cmp(key, self.first) {
            Ordering::Equal => return false,
            Ordering::Less => {
                put_delta(&mut spliced, key, self.first);
                self.deltas.splice(0..0, spliced);
                self.first = key;
                self.count += 1;
                return true;
            }
            Ordering::Greater => {}
        }
        let (mut prev, mut at) = (self.first, 0);
        while at < self.deltas.len() {
            let start = at;
            let next = get_delta(&self.deltas, &mut at, prev);
            match cmp(next, key) {
                Ordering::Less => prev = next,
                Ordering::Equal => return false,
                Ordering::Greater => {
                    // prev < key < next: one difference becomes two.
                    put_delta(&mut spliced, prev, key);
                    put_delta(&mut spliced, key, next);
                    self.deltas.splice(start..at, spliced);
                    self.count += 1;
                    return true;
                }
            }
        }
        debug_assert!(
            false,
            "a key after the block's last is appended, not inserted"
        );
        false
    }

    /// Removes `key` from a block of at least two keys, editing the differences in place;
    /// returns `false` (changing nothing) if it is not there. O(count).
    fn remove_from_several<C: Fn(Key, Key) -> Ordering>(&mut self, key: Key, cmp: &C) -> bool {
        if key == self.first {
            self.pop_first();
            return true;
        }
        let (mut prev, mut at) = (self.first, 0);
        while at < self.deltas.len() {
            let start = at;
            let current = get_delta(&self.deltas, &mut at, prev);
            match cmp(current, key) {
                Ordering::Less => prev = current,
                Ordering::Greater => return false,
                Ordering::Equal if at == self.deltas.len() => {
                    // The last key: its difference goes, and the one before is last.
                    self.deltas.truncate(start);
                    self.last = prev;
                    self.count -= 1;
                    return true;
                }
                Ordering::Equal => {
                    // prev < key < next: two differences become one.
                    let next = get_delta(&self.deltas, &mut at, current);
                    let mut spliced = Vec::with_capacity(8);
                    put_delta(&mut spliced, prev, next);
                    self.deltas.splice(start..at, spliced);
                    self.count -= 1;
                    return true;
                }
            }
        }
        false
    }

    fn heap_bytes(&self) -> usize {
        self.deltas.capacity()
    }
}

/// The keys of a [`Block`], decoded one by one.
struct BlockKeys<'b> {
    block: &'b Block,
    at: usize,
    next: Option<Key>,
}

impl Iterator for BlockKeys<'_> {
    type Item = Key;

    fn next(&mut self) -> Option<Key> {
        let key = self.next?;
        self.next = (self.at < self.block.deltas.len())
            .then(|| get_delta(&self.block.deltas, &mut self.at, key));
        Some(key)
    }
}

/// Up to [`GROUP_MAX`] blocks, consecutive in the list.
///
/// Invariants: 1 to [`GROUP_MAX`] blocks; `count` is the sum of their counts and `last` the
/// last key of the last; any two adjacent blocks hold more than `BLOCK_MAX / 2` keys together.
#[derive(Clone, Debug)]
struct Group {
    count: usize,
    last: Key,
    blocks: Vec<Block>,
}

impl Group {
    fn of(blocks: Vec<Block>) -> Option<Group> {
        let last = blocks.last()?.last;
        Some(Group {
            count: blocks.iter().map(Block::len).sum(),
            last,
            blocks,
        })
    }

    /// Refreshes `count` and `last` from the blocks.
    fn recount(&mut self) {
        self.count = self.blocks.iter().map(Block::len).sum();
        if let Some(block) = self.blocks.last() {
            self.last = block.last;
        }
    }

    /// Merges block `at` with its neighbours while a pair holds at most `BLOCK_MAX / 2` keys.
    fn merge_small(&mut self, at: usize) {
        let at = at.min(self.blocks.len().saturating_sub(1));
        // With the block after, then with the block before.
        for left in [at, at.wrapping_sub(1)] {
            let pair = self.blocks.get(left..left.wrapping_add(2));
            if let Some([a, b]) = pair
                && a.len() + b.len() <= BLOCK_MAX / 2
            {
                let mut keys = Vec::with_capacity(a.len() + b.len());
                a.decode_into(&mut keys);
                b.decode_into(&mut keys);
                if let Some(merged) = Block::encode(&keys) {
                    self.blocks.splice(left..left + 2, [merged]);
                }
            }
        }
    }

    fn heap_bytes(&self) -> usize {
        self.blocks.capacity() * size_of::<Block>()
            + self.blocks.iter().map(Block::heap_bytes).sum::<usize>()
    }
}

/// A list of distinct keys in comparator order, in delta-encoded blocks under counted groups.
///
/// Invariants (checked by [`PostingList::check_invariants`]):
/// - keys are strictly increasing under the comparator, across the whole list;
/// - every [`Group`] and [`Block`] obeys its own invariants;
/// - any two adjacent groups hold more than `GROUP_MAX / 2` blocks together;
/// - `len` is the number of keys.
#[derive(Clone, Debug, Default)]
pub(crate) struct PostingList {
    groups: Vec<Group>,
    len: usize,
}

/// The sum of the first `at` of `counts`, whose total is `total`, summed from the nearer
/// end (a walk from the newest keys, the default order, starts at the end).
fn sum_before(
    counts: impl DoubleEndedIterator<Item = usize> + ExactSizeIterator,
    total: usize,
    at: usize,
) -> usize {
    let n = counts.len();
    if at <= n / 2 {
        counts.take(at).sum()
    } else {
        total - counts.rev().take(n.saturating_sub(at)).sum::<usize>()
    }
}

/// Which of the runs of sizes `counts` (total `total`) holds the item at `rank` (< total),
/// and its position in that run, scanning from the nearer end.
fn nth_of(
    counts: impl DoubleEndedIterator<Item = usize> + ExactSizeIterator,
    total: usize,
    rank: usize,
) -> Option<(usize, usize)> {
    let n = counts.len();
    if rank < total / 2 {
        let mut rest = rank;
        for (i, count) in counts.enumerate() {
            if rest < count {
                return Some((i, rest));
            }
            rest -= count;
        }
        None
    } else {
        // `rest` counts the items after `rank`.
        let mut rest = total.checked_sub(rank + 1)?;
        for (i, count) in counts.rev().enumerate() {
            if rest < count {
                return Some((n - 1 - i, count - 1 - rest));
            }
            rest -= count;
        }
        None
    }
}

/// How many leading `items` satisfy `below`, which holds for a prefix of them.
fn prefix_where<T>(items: &[T], below: impl Fn(&T) -> bool) -> usize {
    items.partition_point(below)
}

impl PostingList {
    /// How many keys it holds. O(1).
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Whether it holds no key. O(1).
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The list of `keys`, which are strictly increasing: full blocks in full groups. O(n).
    pub(crate) fn from_sorted(keys: &[Key]) -> PostingList {
        let mut scratch = Vec::with_capacity(BLOCK_MAX * 4);
        let blocks: Vec<Block> = keys
            .chunks(BLOCK_MAX)
            .filter_map(|chunk| Block::encode_with(chunk, &mut scratch))
            .collect();
        let mut groups = Vec::with_capacity(blocks.len().div_ceil(GROUP_MAX));
        let mut blocks = blocks.into_iter();
        loop {
            let run: Vec<Block> = blocks.by_ref().take(GROUP_MAX).collect();
            match Group::of(run) {
                Some(group) => groups.push(group),
                None => break,
            }
        }
        PostingList {
            groups,
            len: keys.len(),
        }
    }

    /// Appends `key`, which comes after every key held. O(1) amortised.
    pub(crate) fn push(&mut self, key: Key) {
        self.len += 1;
        if let Some(group) = self.groups.last_mut() {
            let block_has_room = group.blocks.last().is_some_and(|b| b.len() < BLOCK_MAX);
            if let Some(full) = group.blocks.last_mut().filter(|_| !block_has_room) {
                full.deltas.shrink_to_fit();
            }
            if block_has_room || group.blocks.len() < GROUP_MAX {
                group.count += 1;
                group.last = key;
                match group.blocks.last_mut() {
                    Some(block) if block_has_room => block.push(key),
                    _ => group.blocks.push(Block::single(key)),
                }
                return;
            }
        }
        self.groups.push(Group {
            count: 1,
            last: key,
            blocks: vec![Block::single(key)],
        });
    }

    /// The group and block where `key` belongs: the first block whose last key is not below
    /// it; `None` if every key held is below it. O(log n).
    fn locate<C: Fn(Key, Key) -> Ordering>(&self, key: Key, cmp: &C) -> Option<(usize, usize)> {
        let g = prefix_where(&self.groups, |g| cmp(g.last, key) == Ordering::Less);
        let group = self.groups.get(g)?;
        let b = prefix_where(&group.blocks, |b| cmp(b.last, key) == Ordering::Less);
        Some((g, b))
    }

    /// Adds `key`; returns `false` (changing nothing) if it is already there. O(1) amortised
    /// after every key held, O(log n + [`BLOCK_MAX`]) elsewhere.
    pub(crate) fn insert<C: Fn(Key, Key) -> Ordering>(&mut self, key: Key, cmp: &C) -> bool {
        // The common case first: a key after every other (a job created now).
        if self
            .groups
            .last()
            .is_none_or(|group| cmp(group.last, key) == Ordering::Less)
        {
            self.push(key);
            return true;
        }
        let Some((g, b)) = self.locate(key, cmp) else {
            self.push(key);
            return true;
        };
        let Some(group) = self.groups.get_mut(g) else {
            return false;
        };
        let Some(block) = group.blocks.get_mut(b) else {
            return false;
        };
        if !block.insert_not_after_last(key, cmp) {
            return false;
        }
        if block.len() > BLOCK_MAX {
            let mut keys = Vec::with_capacity(block.len());
            block.decode_into(&mut keys);
            let (left, right) = keys.split_at(keys.len() / 2);
            if let (Some(left), Some(right)) = (Block::encode(left), Block::encode(right)) {
                group.blocks.splice(b..=b, [left, right]);
            }
        }
        group.count += 1;
        if group.blocks.len() > GROUP_MAX {
            let right = group.blocks.split_off(group.blocks.len() / 2);
            group.recount();
            if let Some(right) = Group::of(right) {
                self.groups.insert(g + 1, right);
            }
        }
        self.len += 1;
        true
    }

    /// Removes `key`; returns `false` (changing nothing) if it is not there.
    /// O(log n + [`BLOCK_MAX`]).
    pub(crate) fn remove<C: Fn(Key, Key) -> Ordering>(&mut self, key: Key, cmp: &C) -> bool {
        let Some((g, b)) = self.locate(key, cmp) else {
            return false;
        };
        let Some(group) = self.groups.get_mut(g) else {
            return false;
        };
        let Some(block) = group.blocks.get_mut(b) else {
            return false;
        };
        if block.len() > 1 {
            if !block.remove_from_several(key, cmp) {
                return false;
            }
        } else if block.first == key {
            group.blocks.remove(b);
        } else {
            return false;
        }
        group.count -= 1;
        if let Some(last) = group.blocks.last() {
            group.last = last.last;
        }
        group.merge_small(b);
        if group.blocks.is_empty() {
            self.groups.remove(g);
        }
        self.merge_small_groups(g);
        self.len -= 1;
        true
    }

    /// Merges group `at` with its neighbours while a pair holds at most `GROUP_MAX / 2`
    /// blocks, and the blocks meeting at the seam when they are small together.
    fn merge_small_groups(&mut self, at: usize) {
        for left in [at, at.wrapping_sub(1)] {
            let pair = self.groups.get(left..left.wrapping_add(2));
            if let Some([a, b]) = pair
                && a.blocks.len() + b.blocks.len() <= GROUP_MAX / 2
            {
                let right = self.groups.remove(left + 1);
                if let Some(group) = self.groups.get_mut(left) {
                    let seam = group.blocks.len();
                    group.blocks.extend(right.blocks);
                    group.merge_small(seam);
                    group.recount();
                }
            }
        }
    }

    /// How many keys satisfy `below`, which must hold for a prefix of the keys in order.
    /// O(log n + [`BLOCK_MAX`]).
    pub(crate) fn rank_where(&self, below: impl Fn(Key) -> bool) -> usize {
        let g = prefix_where(&self.groups, |g| below(g.last));
        let mut rank = sum_before(self.groups.iter().map(|g| g.count), self.len, g);
        let Some(group) = self.groups.get(g) else {
            return rank;
        };
        let b = prefix_where(&group.blocks, |b| below(b.last));
        rank += sum_before(group.blocks.iter().map(Block::len), group.count, b);
        if let Some(block) = group.blocks.get(b) {
            rank += block.iter().take_while(|&k| below(k)).count();
        }
        rank
    }

    /// The group, block, and position in it of the key at rank `rank` (< len): a scan of the
    /// group counts, then of the group's block counts, each from its nearer end.
    fn at_rank(&self, rank: usize) -> Option<(usize, usize, usize)> {
        if rank >= self.len {
            return None;
        }
        let (g, rest) = nth_of(self.groups.iter().map(|g| g.count), self.len, rank)?;
        let group = self.groups.get(g)?;
        let (b, at) = nth_of(group.blocks.iter().map(Block::len), group.count, rest)?;
        Some((g, b, at))
    }

    /// The blocks from group `g`, block `b` on, in order.
    fn blocks_from(&self, g: usize, b: usize) -> impl Iterator<Item = &Block> {
        let first = self
            .groups
            .get(g)
            .into_iter()
            .flat_map(move |group| group.blocks.get(b..).unwrap_or_default());
        let rest = self
            .groups
            .get(g + 1..)
            .unwrap_or_default()
            .iter()
            .flat_map(|group| &group.blocks);
        first.chain(rest)
    }

    /// The blocks up to group `g`, block `b` included, last first.
    fn blocks_back_from(&self, g: usize, b: usize) -> impl Iterator<Item = &Block> {
        let first = self
            .groups
            .get(g)
            .into_iter()
            .flat_map(move |group| group.blocks.get(..=b).unwrap_or_default().iter().rev());
        let rest = self
            .groups
            .get(..g)
            .unwrap_or_default()
            .iter()
            .rev()
            .flat_map(|group| group.blocks.iter().rev());
        first.chain(rest)
    }

    /// Visits the keys at ranks `lo..hi` ascending, or descending if `rev`, until `f` breaks.
    /// O(n / [`BLOCK_MAX`] + keys visited) to find the first: a scan of the group counts.
    pub(crate) fn walk<F: FnMut(Key) -> ControlFlow<()>>(
        &self,
        lo: usize,
        hi: usize,
        rev: bool,
        mut f: F,
    ) {
        let hi = hi.min(self.len);
        if lo >= hi {
            return;
        }
        let mut left = hi - lo;
        if rev {
            let Some((g, b, at)) = self.at_rank(hi - 1) else {
                return;
            };
            let mut buffer = Vec::with_capacity(BLOCK_MAX);
            let mut skip_after = Some(at);
            for block in self.blocks_back_from(g, b) {
                buffer.clear();
                block.decode_into(&mut buffer);
                if let Some(at) = skip_after.take() {
                    buffer.truncate(at + 1);
                }
                for &k in buffer.iter().rev() {
                    if left == 0 || f(k).is_break() {
                        return;
                    }
                    left -= 1;
                }
            }
        } else {
            let Some((g, b, at)) = self.at_rank(lo) else {
                return;
            };
            let mut skip = at;
            for block in self.blocks_from(g, b) {
                for k in block.iter().skip(skip) {
                    if left == 0 || f(k).is_break() {
                        return;
                    }
                    left -= 1;
                }
                skip = 0;
            }
        }
    }

    /// Every key in order (for checks). O(n).
    pub(crate) fn keys(&self) -> Vec<Key> {
        let mut out = Vec::with_capacity(self.len);
        for block in self.blocks_from(0, 0) {
            block.decode_into(&mut out);
        }
        out
    }

    /// Bytes of heap the list holds.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.groups.capacity() * size_of::<Group>()
            + self.groups.iter().map(Group::heap_bytes).sum::<usize>()
    }

    /// Checks every invariant listed on [`PostingList`], [`Group`] and [`Block`].
    pub(crate) fn check_invariants<C: Fn(Key, Key) -> Ordering>(
        &self,
        cmp: &C,
    ) -> Result<(), String> {
        let mut total = 0;
        let mut previous: Option<Key> = None;
        for (g, group) in self.groups.iter().enumerate() {
            if group.blocks.is_empty() || group.blocks.len() > GROUP_MAX {
                return Err(format!("group {g} has {} blocks", group.blocks.len()));
            }
            if let Some(next) = self.groups.get(g + 1)
                && group.blocks.len() + next.blocks.len() <= GROUP_MAX / 2
            {
                return Err(format!("groups {g} and {} should have merged", g + 1));
            }
            let mut count = 0;
            for (b, block) in group.blocks.iter().enumerate() {
                if block.count == 0 || block.len() > BLOCK_MAX {
                    return Err(format!("block {g}.{b} has {} keys", block.count));
                }
                if let Some(next) = group.blocks.get(b + 1)
                    && block.len() + next.len() <= BLOCK_MAX / 2
                {
                    return Err(format!(
                        "blocks {g}.{b} and {g}.{} should have merged",
                        b + 1
                    ));
                }
                // Decode by hand to see that the differences are exactly `count - 1`.
                let mut at = 0;
                let mut key = block.first;
                let mut keys = 1;
                while at < block.deltas.len() {
                    let next = get_delta(&block.deltas, &mut at, key);
                    if cmp(key, next) != Ordering::Less {
                        return Err(format!("block {g}.{b}: keys not strictly increasing"));
                    }
                    key = next;
                    keys += 1;
                }
                if keys != block.len() || key != block.last {
                    return Err(format!("block {g}.{b}: count or last key is stale"));
                }
                if let Some(prev) = previous
                    && cmp(prev, block.first) != Ordering::Less
                {
                    return Err(format!("block {g}.{b} out of order"));
                }
                previous = Some(block.last);
                count += block.len();
            }
            if count != group.count || group.blocks.last().map(|b| b.last) != Some(group.last) {
                return Err(format!("group {g}: count or last key is stale"));
            }
            total += count;
        }
        if total != self.len {
            return Err(format!("list says {} keys, holds {total}", self.len));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::posting_list_check::{
        Model, Op, appended, apply, same, scrambled, sort_key, walked,
    };
    use super::*;
    use proptest::prelude::*;

    fn model_keys(model: &Model) -> Vec<Key> {
        model.values().copied().collect()
    }

    fn assert_like(list: &PostingList, model: &Model) {
        if let Err(message) = list.check_invariants(&scrambled) {
            panic!("{message}");
        }
        assert_eq!(list.len(), model.len());
        assert_eq!(list.is_empty(), model.is_empty());
        assert_eq!(list.keys(), model_keys(model));
    }

    #[test]
    fn varints_and_deltas_round_trip_at_their_edges() {
        for v in [
            0,
            1,
            0x7f,
            0x80,
            0x3fff,
            0x4000,
            u64::from(u32::MAX),
            u64::MAX >> 1,
            u64::MAX,
        ] {
            let mut bytes = Vec::new();
            put_varint(&mut bytes, v);
            let mut at = 0;
            assert_eq!(get_varint(&bytes, &mut at), v, "{v}");
            assert_eq!(at, bytes.len());
        }
        let top_slot = key::MAX_SLOTS as u32 - 1;
        let pairs = [
            (key::from_parts(5, 7), key::from_parts(5, 8)),
            (key::from_parts(5, 8), key::from_parts(5, 7)),
            (key::from_parts(5, 0), key::from_parts(5, 31)),
            (key::from_parts(5, 0), key::from_parts(5, 32)),
            (key::from_parts(5, 32), key::from_parts(5, 0)),
            (key::from_parts(5, 0), key::from_parts(9, top_slot)),
            (key::from_parts(5, top_slot), key::from_parts(5, 0)),
            (
                key::from_parts(0, 0),
                key::from_parts((1 << 39) - 1, top_slot),
            ),
        ];
        for (prev, next) in pairs {
            let mut bytes = Vec::new();
            put_delta(&mut bytes, prev, next);
            let mut at = 0;
            assert_eq!(
                get_delta(&bytes, &mut at, prev),
                next,
                "{prev:x} -> {next:x}"
            );
            assert_eq!(at, bytes.len());
        }
        // A job created a second after the one before it, in the next slot: one byte.
        let mut bytes = Vec::new();
        put_delta(&mut bytes, key::from_parts(5, 7), key::from_parts(6, 8));
        assert_eq!(bytes.len(), 1);
    }

    #[test]
    fn a_group_splits_only_past_its_most_blocks() {
        // 63 full blocks in one group, then inserts into one of them: the block splits, and
        // the group, now at its most (64 blocks), does not; one more block splits it.
        let (mut list, mut model) = appended((GROUP_MAX - 1) * BLOCK_MAX);
        assert_eq!(list.groups.len(), 1);
        let (time, slot) = (1_000 + 3 * BLOCK_MAX as u64, 5_000);
        let inserted = key::from_parts(time, slot);
        assert!(list.insert(inserted, &scrambled));
        model.insert(sort_key(inserted), inserted);
        assert_like(&list, &model);
        assert_eq!(
            (list.groups.len(), list.groups[0].blocks.len()),
            (1, GROUP_MAX)
        );
        let inserted = key::from_parts(time + 2 * BLOCK_MAX as u64, slot);
        assert!(list.insert(inserted, &scrambled));
        model.insert(sort_key(inserted), inserted);
        assert_like(&list, &model);
        assert_eq!(list.groups.len(), 2);
    }

    #[test]
    fn appends_fill_blocks_and_groups_in_order() {
        let full_group = BLOCK_MAX * GROUP_MAX;
        for n in [
            0,
            1,
            BLOCK_MAX,
            BLOCK_MAX + 1,
            full_group,
            full_group + 1,
            3 * full_group + 5,
        ] {
            let (list, model) = appended(n);
            assert_like(&list, &model);
            assert_eq!(list.groups.len(), n.div_ceil(full_group), "{n}");
            let blocks: usize = list.groups.iter().map(|g| g.blocks.len()).sum();
            assert_eq!(blocks, n.div_ceil(BLOCK_MAX), "{n}");
        }
        // A second apart and a few slots apart: about a byte a key.
        let (list, _) = appended(100_000);
        assert!(list.heap_bytes() < 2 * 100_000, "{}", list.heap_bytes());
    }

    #[test]
    fn a_bulk_build_equals_appends() {
        let full_group = BLOCK_MAX * GROUP_MAX;
        for n in [
            0,
            1,
            BLOCK_MAX,
            BLOCK_MAX + 1,
            full_group,
            full_group + 1,
            2 * full_group + 5,
        ] {
            let (appended_list, model) = appended(n);
            let built = PostingList::from_sorted(&model_keys(&model));
            assert_like(&built, &model);
            assert_eq!(built.groups.len(), appended_list.groups.len(), "{n}");
            assert_eq!(
                walked(&built, 0, n, true),
                walked(&appended_list, 0, n, true)
            );
        }
    }

    #[test]
    fn retention_removes_from_the_front_until_empty() {
        let (mut list, mut model) = appended(3 * BLOCK_MAX * GROUP_MAX + 5);
        let keys = model_keys(&model);
        for (i, &k) in keys.iter().enumerate() {
            assert!(list.remove(k, &scrambled));
            model.remove(&sort_key(k));
            if i % 997 == 0 {
                assert_like(&list, &model);
            }
        }
        assert_like(&list, &model);
        assert!(list.groups.is_empty());
        assert!(!list.remove(keys[0], &scrambled));
    }

    #[test]
    fn inserts_in_one_place_split_blocks_and_groups() {
        // Every key at one time, inserted in reverse comparator order: each lands first.
        let mut list = PostingList::default();
        let mut model = Model::new();
        let mut keys: Vec<Key> = (0..3 * (BLOCK_MAX * GROUP_MAX) as u32)
            .map(|s| key::from_parts(77, s))
            .collect();
        keys.sort_by(|&a, &b| scrambled(b, a));
        for &k in &keys {
            assert!(list.insert(k, &scrambled));
            model.insert(sort_key(k), k);
        }
        assert_like(&list, &model);
        assert!(list.groups.len() > 3, "{}", list.groups.len());
        for &k in keys.iter().step_by(5) {
            assert!(
                !list.insert(k, &scrambled),
                "a second insert changes nothing"
            );
        }
        assert_like(&list, &model);
        // Remove four in five, scattered: blocks and groups merge back.
        for (i, &k) in keys.iter().enumerate() {
            if i % 5 != 0 {
                assert!(list.remove(k, &scrambled));
                model.remove(&sort_key(k));
            }
        }
        assert_like(&list, &model);
        let blocks: usize = list.groups.iter().map(|g| g.blocks.len()).sum();
        assert!(blocks <= 4 * model.len() / BLOCK_MAX + 1, "{blocks} blocks");
    }

    #[test]
    fn rank_and_walk_at_the_edges() {
        let (list, model) = appended(2 * BLOCK_MAX * GROUP_MAX + 3);
        let keys = model_keys(&model);
        let n = keys.len();
        assert_eq!(list.rank_where(|_| false), 0);
        assert_eq!(list.rank_where(|_| true), n);
        for rank in [0, 1, BLOCK_MAX - 1, BLOCK_MAX, BLOCK_MAX * GROUP_MAX, n - 1] {
            let k = keys[rank];
            assert_eq!(list.rank_where(|x| scrambled(x, k) == Ordering::Less), rank);
            assert_eq!(walked(&list, rank, rank + 1, false), [k]);
            assert_eq!(walked(&list, rank, rank + 1, true), [k]);
        }
        assert_eq!(walked(&list, n - 2, n + 5, false), keys[n - 2..]);
        assert_eq!(
            walked(&list, n - 2, n + 5, true),
            [keys[n - 1], keys[n - 2]]
        );
        assert_eq!(walked(&list, 5, 5, false), Vec::<Key>::new());
        assert_eq!(walked(&list, 7, 3, true), Vec::<Key>::new());
        assert_eq!(walked(&list, n, n + 3, true), Vec::<Key>::new());
        let across = BLOCK_MAX * GROUP_MAX - 3..BLOCK_MAX * GROUP_MAX + 3;
        assert_eq!(
            walked(&list, across.start, across.end, false),
            keys[across.clone()]
        );
        let mut back = keys[across.clone()].to_vec();
        back.reverse();
        assert_eq!(walked(&list, across.start, across.end, true), back);
        let mut seen = 0;
        list.walk(0, n, true, |_| {
            seen += 1;
            if seen == 300 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        assert_eq!(seen, 300);
    }

    #[test]
    fn every_kind_of_damage_is_caught() {
        type Damage = fn(&mut PostingList);
        let cases: Vec<(&str, Damage)> = vec![
            ("list says", |l| l.len += 1),
            ("group 0 has 0 blocks", |l| {
                let blocks = std::mem::take(&mut l.groups[0].blocks);
                l.groups[1].blocks.splice(0..0, blocks);
                l.groups[1].recount();
            }),
            ("group 0 has 65 blocks", |l| {
                let block = l.groups[1].blocks.remove(0);
                l.groups[1].recount();
                l.groups[0].blocks.push(block);
                l.groups[0].recount();
            }),
            ("groups 0 and 1 should have merged", |l| {
                for group in &mut l.groups[..2] {
                    group.blocks.truncate(GROUP_MAX / 4);
                    group.recount();
                }
                l.groups.truncate(2);
                l.len = l.groups.iter().map(|g| g.count).sum();
            }),
            ("blocks 0.0 and 0.1 should have merged", |l| {
                // Two small blocks side by side.
                let keys: Vec<Key> = l.groups[0].blocks[0].iter().collect();
                let small = [
                    Block::encode(&keys[..10]).unwrap(),
                    Block::encode(&keys[10..20]).unwrap(),
                ];
                l.groups[0].blocks.splice(0..2, small);
                l.groups[0].recount();
                l.len = l.groups.iter().map(|g| g.count).sum();
            }),
            ("has 129 keys", |l| {
                let block = &mut l.groups[0].blocks[0];
                let next = key::from_parts(key::time_bits(block.last) + 1, 0);
                block.push(next);
                l.groups[0].blocks[1].pop_first();
            }),
            ("not strictly increasing", |l| {
                // A difference of zero: the second key equals the first.
                let first = l.groups[0].blocks[0].first;
                l.groups[0].blocks[0] = Block {
                    first,
                    last: first,
                    count: 2,
                    deltas: vec![0],
                };
            }),
            ("count or last key is stale", |l| {
                l.groups[0].blocks[0].count -= 1
            }),
            ("count or last key is stale", |l| {
                l.groups[0].blocks[0].last += 1
            }),
            ("count or last key is stale", |l| l.groups[0].count += 1),
            ("count or last key is stale", |l| l.groups[0].last += 1),
            ("out of order", |l| l.groups[0].blocks.swap(0, 1)),
        ];
        for (expected, damage) in cases {
            let (mut list, _) = appended(3 * BLOCK_MAX * GROUP_MAX);
            list.check_invariants(&scrambled).unwrap();
            damage(&mut list);
            match list.check_invariants(&scrambled) {
                Ok(()) => panic!("damage not caught (expected {expected:?})"),
                Err(message) => {
                    assert!(message.contains(expected), "{expected:?}: got {message:?}")
                }
            }
        }
    }

    /// Slots mostly close together, sometimes far apart (the escaped differences).
    fn slot() -> impl Strategy<Value = u32> {
        prop_oneof![
            8 => 0..64u32,
            1 => 0..key::MAX_SLOTS as u32,
        ]
    }

    fn op(times: u64) -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0..3u64, slot()).prop_map(|(dt, slot)| Op::Append { dt, slot }),
            3 => (0..times, slot()).prop_map(|(time, slot)| Op::Insert { time, slot }),
            3 => any::<usize>().prop_map(Op::RemoveAt),
            1 => (0..400usize).prop_map(Op::RemoveOldest),
            1 => (0..times + 2, slot()).prop_map(|(time, slot)| Op::Rank { time, slot }),
            1 => (any::<usize>(), 0..300usize, any::<bool>()).prop_map(|(lo, len, rev)| Op::Walk { lo, len, rev }),
        ]
    }

    proptest! {
        /// Small lists over a small domain (collisions, every list shape), checked after
        /// every op.
        #[test]
        fn behaves_like_a_sorted_set(ops in proptest::collection::vec(op(50), 1..1_500)) {
            let mut list = PostingList::default();
            let mut model = Model::new();
            for op in &ops {
                apply(&mut list, &mut model, op).map_err(TestCaseError::fail)?;
                list.check_invariants(&scrambled).map_err(TestCaseError::fail)?;
            }
            same(&list, &model).map_err(TestCaseError::fail)?;
        }

        /// Lists of several groups, appended to and retired from the front.
        #[test]
        fn behaves_like_a_sorted_set_across_groups(
            initial in 0..3 * BLOCK_MAX * GROUP_MAX,
            ops in proptest::collection::vec(op(40_000), 1..600),
        ) {
            let (mut list, mut model) = appended(initial);
            for (i, op) in ops.iter().enumerate() {
                apply(&mut list, &mut model, op).map_err(TestCaseError::fail)?;
                if i % 50 == 0 {
                    list.check_invariants(&scrambled).map_err(TestCaseError::fail)?;
                }
            }
            same(&list, &model).map_err(TestCaseError::fail)?;
        }

        /// The fuzz target's check, on random bytes.
        #[test]
        fn the_fuzz_check_passes_on_random_ops(data in proptest::collection::vec(any::<u8>(), 0..3_000)) {
            super::super::check_posting_list_ops(&data).map_err(TestCaseError::fail)?;
        }
    }
}
