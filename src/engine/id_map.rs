//! [`IdMap`]: `JobId` to slot, storing only the slot (the id is read from the job itself).

use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};

use super::slots::Slots;

/// A hash table of slots keyed by the id of the job in each slot.
///
/// Invariant: holds each occupied slot of the index exactly once, and no other; every method
/// takes the index's slots, in which each held slot's job must be present.
#[derive(Clone, Debug, Default)]
pub(crate) struct IdMap {
    table: HashTable<u32>,
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

impl IdMap {
    /// An empty map with room for `capacity` ids.
    pub(crate) fn with_capacity(capacity: usize) -> IdMap {
        IdMap {
            table: HashTable::with_capacity(capacity),
            hasher: DefaultHashBuilder::default(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.table.len()
    }

    /// The slot of the job with this id. O(1) expected.
    pub(crate) fn get(&self, slots: &Slots, id: &str) -> Option<u32> {
        let hash = self.hasher.hash_one(id);
        self.table
            .find(hash, |&slot| id_in(slots, slot) == id)
            .copied()
    }

    /// Adds `slot`, whose job (already in `slots`) has an id not yet in the map.
    pub(crate) fn insert(&mut self, slots: &Slots, slot: u32) {
        let hasher = &self.hasher;
        let hash = hasher.hash_one(id_in(slots, slot));
        self.table
            .insert_unique(hash, slot, |&s| hasher.hash_one(id_in(slots, s)));
    }

    /// Removes the slot of the job with this id (still in `slots`), if held.
    pub(crate) fn remove(&mut self, slots: &Slots, id: &str) {
        let hash = self.hasher.hash_one(id);
        if let Ok(entry) = self
            .table
            .find_entry(hash, |&slot| id_in(slots, slot) == id)
        {
            entry.remove();
        }
    }

    /// Every slot held.
    pub(crate) fn slots(&self) -> impl Iterator<Item = u32> + '_ {
        self.table.iter().copied()
    }

    /// Bytes of heap the table holds.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.table.allocation_size()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_map_made_with_room_holds_that_many_without_growing() {
        // A bulk load sizes the map once, for every job it adds.
        let map = IdMap::with_capacity(1_000);
        assert!(map.table.capacity() >= 1_000, "{}", map.table.capacity());
        assert_eq!(map.len(), 0);
        assert_eq!(IdMap::default().table.capacity(), 0);
    }
}
