//! [`Interned`]: one shared copy of each distinct template-and-output of the held jobs.

use std::hash::BuildHasher;
use std::sync::Arc;

use hashbrown::hash_map::Entry;
use hashbrown::{DefaultHashBuilder, HashMap};

use crate::job::{Job, Shared};

/// Shards of the table, by 6 bits of the value's hash.
const SHARDS: usize = 64;

type Shard = HashMap<Arc<Shared>, usize>;

/// Each distinct shared part of the held jobs, once, with how many jobs use it; in shards
/// behind `Arc`s that clones of the index share, so a write copies only the shard it changes.
///
/// Invariants: `shards` is empty or holds [`SHARDS`] shards, each value in the shard of its
/// hash; every held job's shared part is the very `Arc` kept here, each count is the number
/// of held jobs using it, and no count is 0.
#[derive(Clone, Debug, Default)]
pub(crate) struct Interned {
    shards: Vec<Arc<Shard>>,
    hasher: DefaultHashBuilder,
}

impl Interned {
    fn shard_at(&self, shared: &Shared) -> usize {
        (self.hasher.hash_one(shared) >> 32) as usize % SHARDS
    }

    fn shard_mut(&mut self, shared: &Shared) -> Option<&mut Shard> {
        if self.shards.is_empty() {
            self.shards = (0..SHARDS).map(|_| Arc::default()).collect();
        }
        let at = self.shard_at(shared);
        self.shards.get_mut(at).map(Arc::make_mut)
    }

    /// Points `job` at the interned copy of its shared part, adding it if new. O(1) expected.
    pub(crate) fn intern(&mut self, job: &mut Job) {
        let shared = Arc::clone(job.shared());
        let Some(shard) = self.shard_mut(&shared) else {
            return;
        };
        match shard.entry(shared) {
            Entry::Occupied(mut entry) => {
                *entry.get_mut() += 1;
                job.replace_shared(Arc::clone(entry.key()));
            }
            Entry::Vacant(entry) => {
                entry.insert(1);
            }
        }
    }

    /// Records that one held job no longer uses `shared`, dropping it when none does.
    /// O(1) expected.
    pub(crate) fn release(&mut self, shared: &Shared) {
        if let Some(shard) = self.shard_mut(shared)
            && let Some(uses) = shard.get_mut(shared)
        {
            *uses -= 1;
            if *uses == 0 {
                shard.remove(shared);
            }
        }
    }

    /// Drops every entry.
    pub(crate) fn clear(&mut self) {
        self.shards.clear();
    }

    /// The kept copy equal to `shared`, and its count.
    pub(crate) fn get_key_value(&self, shared: &Shared) -> Option<(&Arc<Shared>, &usize)> {
        self.shards
            .get(self.shard_at(shared))?
            .get_key_value(shared)
    }

    /// Every kept copy with its count.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&Arc<Shared>, &usize)> {
        self.shards.iter().flat_map(|shard| shard.iter())
    }

    /// Miscounts one entry's uses, for tests that break the invariants.
    #[cfg(test)]
    pub(crate) fn miscount_one(&mut self) {
        if let Some(uses) = self
            .shards
            .iter_mut()
            .find_map(|shard| Arc::make_mut(shard).values_mut().next())
        {
            *uses += 1;
        }
    }

    /// Bytes of heap: the shards, their tables, and each kept copy with its text.
    pub(crate) fn heap_bytes(&self) -> usize {
        let arc = 2 * size_of::<usize>();
        self.shards.capacity() * size_of::<Arc<Shard>>()
            + self
                .shards
                .iter()
                .map(|shard| {
                    arc + size_of::<Shard>()
                        + shard.allocation_size()
                        + shard
                            .keys()
                            .map(|shared| arc + size_of::<Shared>() + shared.heap_bytes())
                            .sum::<usize>()
                })
                .sum::<usize>()
    }
}
