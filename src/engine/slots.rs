//! [`Slots`]: the jobs by slot, in chunks that clones of the index share.

use std::sync::Arc;

use crate::job::Job;

/// Slots a chunk holds.
const CHUNK: usize = 128;

type Chunk = [Option<Job>; CHUNK];

/// A vector of `Option<Job>` cut into fixed chunks behind `Arc`s: a clone copies one pointer
/// a chunk, and a write copies the one chunk it changes if a clone shares it
/// (`Arc::make_mut`).
///
/// Invariants: `chunks.len() == len.div_ceil(CHUNK)`; every slot at or past `len` (in the
/// last chunk) is `None`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Slots {
    chunks: Vec<Arc<Chunk>>,
    len: usize,
}

fn empty_chunk() -> Arc<Chunk> {
    Arc::new(std::array::from_fn(|_| None))
}

impl Slots {
    /// Slots held, occupied or free. O(1).
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Slot `at`, if below [`Slots::len`]. O(1).
    #[inline]
    pub(crate) fn get(&self, at: usize) -> Option<&Option<Job>> {
        if at >= self.len {
            return None;
        }
        self.chunks.get(at / CHUNK)?.get(at % CHUNK)
    }

    /// Slot `at` to write to, if below [`Slots::len`]; its chunk is copied first if a clone
    /// shares it. O(1), or O(CHUNK) for the copy.
    pub(crate) fn get_mut(&mut self, at: usize) -> Option<&mut Option<Job>> {
        if at >= self.len {
            return None;
        }
        Arc::make_mut(self.chunks.get_mut(at / CHUNK)?).get_mut(at % CHUNK)
    }

    /// Adds a slot at the end. O(1), or O(CHUNK) for a new or copied chunk.
    pub(crate) fn push(&mut self, job: Option<Job>) {
        if self.len.is_multiple_of(CHUNK) {
            self.chunks.push(empty_chunk());
        }
        self.len += 1;
        if let Some(slot) = self.get_mut(self.len - 1) {
            *slot = job;
        }
    }

    /// Every slot, in order. O(len).
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Option<Job>> + Clone {
        self.chunks.iter().flat_map(|c| c.iter()).take(self.len)
    }

    /// Every slot, in order, to write to (copying every shared chunk). O(len).
    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = &mut Option<Job>> {
        self.chunks
            .iter_mut()
            .flat_map(|c| Arc::make_mut(c).iter_mut())
            .take(self.len)
    }

    /// Bytes of heap of the chunks and their table (not the jobs' own text).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.chunks.capacity() * size_of::<Arc<Chunk>>()
            + self.chunks.len() * (2 * size_of::<usize>() + size_of::<Chunk>())
    }
}

impl<'a> IntoIterator for &'a Slots {
    type Item = &'a Option<Job>;
    type IntoIter = Box<dyn Iterator<Item = &'a Option<Job>> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl FromIterator<Option<Job>> for Slots {
    fn from_iter<I: IntoIterator<Item = Option<Job>>>(jobs: I) -> Slots {
        let mut slots = Slots::default();
        slots.extend(jobs);
        slots
    }
}

impl Extend<Option<Job>> for Slots {
    fn extend<I: IntoIterator<Item = Option<Job>>>(&mut self, jobs: I) {
        for job in jobs {
            self.push(job);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Timestamp;

    fn job(i: usize) -> Job {
        Job::builder(
            &format!("j{i}"),
            Timestamp::parse("2022-02-02T00:00:00Z").unwrap(),
        )
        .build()
        .unwrap()
    }

    #[test]
    fn slots_across_chunks_read_and_write_like_a_vec_and_clones_stay_apart() {
        let n = 3 * CHUNK + 5;
        let mut slots: Slots = (0..n).map(|i| (i % 3 != 0).then(|| job(i))).collect();
        let model: Vec<Option<String>> = (0..n)
            .map(|i| (i % 3 != 0).then(|| format!("j{i}")))
            .collect();
        let ids = |s: &Slots| -> Vec<Option<String>> {
            s.iter()
                .map(|j| j.as_ref().map(|j| j.id().to_string()))
                .collect()
        };
        assert_eq!((slots.len(), ids(&slots)), (n, model.clone()));
        assert!(slots.get(n).is_none());
        assert_eq!(slots.chunks.len(), n.div_ceil(CHUNK));

        let copy = slots.clone();
        *slots.get_mut(CHUNK + 1).unwrap() = None;
        slots.push(Some(job(9_999)));
        assert_eq!(ids(&copy), model, "the clone did not change");
        assert!(
            Arc::ptr_eq(&copy.chunks[0], &slots.chunks[0]),
            "untouched chunks shared"
        );
        assert!(
            !Arc::ptr_eq(&copy.chunks[1], &slots.chunks[1]),
            "the written one copied"
        );
        let mut expected = model;
        expected[CHUNK + 1] = None;
        expected.push(Some("j9999".into()));
        assert_eq!(ids(&slots), expected);
        assert_eq!(
            slots.get(n).and_then(|j| j.as_ref()).map(Job::id),
            Some("j9999")
        );
    }
}
