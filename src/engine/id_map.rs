//! [`IdMap`]: `JobId` to slot, storing only the slot (the id is read from the job itself).

use std::hash::BuildHasher;

use std::sync::Arc;

use hashbrown::{DefaultHashBuilder, HashTable};

use super::slots::Slots;

/// Shards of the map, by 11 bits of the id's hash.
const SHARDS: usize = 2048;

/// A hash table of slots keyed by the id of the job in each slot, in shards that clones of
/// the index share: a write copies only the shard it changes (`Arc::make_mut`).
///
/// Invariant: holds each occupied slot of the index exactly once, and no other, in the shard
/// of its job's id; `shards` is empty or holds [`SHARDS`] shards; every method takes the
/// index's slots, in which each held slot's job must be present.
#[derive(Clone, Debug, Default)]
pub(crate) struct IdMap {
    shards: Vec<Arc<HashTable<u32>>>,
    /// How many slots the shards hold together (so that counting them reads no shard).
    len: usize,
    hasher: DefaultHashBuilder,
}

/// The id of the job in `slot`, which the map's invariant says is occupied.
fn id_in(slots: &Slots, slot: u32) -> &str {
    match slots.get(slot as usize) {
        Some(Some(job)) => job.id(),
        _ => {
            debug_assert!(false, "the id map holds slot {slot}, which is empty");
            ""
        }
    }
}

/// The shard of a hash: bits 32 to 39, apart from the low bits a table picks a bucket by
/// and the top 7 it tags entries with.
fn shard_of(hash: u64) -> usize {
    (hash >> 32) as usize % SHARDS
}

impl IdMap {
    /// An empty map with room for `capacity` ids.
    pub(crate) fn with_capacity(capacity: usize) -> IdMap {
        let mut map = IdMap::default();
        map.make_shards(capacity.div_ceil(SHARDS));
        map
    }

    fn make_shards(&mut self, room: usize) {
        if self.shards.is_empty() {
            self.shards = (0..SHARDS)
                .map(|_| Arc::new(HashTable::with_capacity(room)))
                .collect();
        }
    }

    /// How many slots it holds. O(1).
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Checks that the count is the shards' total. O(shards).
    pub(crate) fn check_len(&self) -> Result<(), String> {
        let held: usize = self.shards.iter().map(|shard| shard.len()).sum();
        if held == self.len {
            Ok(())
        } else {
            Err(format!(
                "the id map counts {} ids, its shards hold {held}",
                self.len
            ))
        }
    }

    /// Counts one id more than the shards hold, for tests that break the invariants.
    #[cfg(test)]
    pub(crate) fn miscount(&mut self) {
        self.len += 1;
    }

    /// The slot of the job with this id. O(1) expected.
    pub(crate) fn get(&self, slots: &Slots, id: &str) -> Option<u32> {
        let hash = self.hasher.hash_one(id);
        self.shards
            .get(shard_of(hash))?
            .find(hash, |&slot| id_in(slots, slot) == id)
            .copied()
    }

    /// Adds `slot`, whose job (already in `slots`) has an id not yet in the map.
    pub(crate) fn insert(&mut self, slots: &Slots, slot: u32) {
        self.make_shards(0);
        let hasher = &self.hasher;
        let hash = hasher.hash_one(id_in(slots, slot));
        if let Some(shard) = self.shards.get_mut(shard_of(hash)) {
            Arc::make_mut(shard).insert_unique(hash, slot, |&s| hasher.hash_one(id_in(slots, s)));
            self.len += 1;
        }
    }

    /// Removes the slot of the job with this id (still in `slots`), if held.
    pub(crate) fn remove(&mut self, slots: &Slots, id: &str) {
        let hash = self.hasher.hash_one(id);
        if let Some(shard) = self.shards.get_mut(shard_of(hash))
            && let Ok(entry) =
                Arc::make_mut(shard).find_entry(hash, |&slot| id_in(slots, slot) == id)
        {
            entry.remove();
            self.len -= 1;
        }
    }

    /// Every slot held.
    pub(crate) fn slots(&self) -> impl Iterator<Item = u32> + '_ {
        self.shards.iter().flat_map(|shard| shard.iter().copied())
    }

    /// Bytes of heap the shards hold.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.shards.capacity() * size_of::<Arc<HashTable<u32>>>()
            + self
                .shards
                .iter()
                .map(|shard| {
                    2 * size_of::<usize>() + size_of::<HashTable<u32>>() + shard.allocation_size()
                })
                .sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_map_made_with_room_holds_that_many_without_growing() {
        // A bulk load sizes the map once, for every job it adds.
        let map = IdMap::with_capacity(100_000);
        let room: usize = map.shards.iter().map(|shard| shard.capacity()).sum();
        assert!(room >= 100_000, "{room}");
        assert_eq!(map.len(), 0);
        assert!(IdMap::default().shards.is_empty());
    }
}
