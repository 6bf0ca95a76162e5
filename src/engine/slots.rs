//! [`Slots`]: the jobs by slot, in chunks that clones of the index share.

use std::sync::Arc;

use crate::job::Job;

/// Slots a chunk holds.
const CHUNK: usize = 32;
/// Chunks a group holds.
const GROUP: usize = 64;
/// Slots a group holds.
const GROUP_SLOTS: usize = CHUNK * GROUP;

type Chunk = [Option<Job>; CHUNK];
/// A group's chunks, in place in its allocation (no second pointer to follow), `None` past
/// the last.
type Group = [Option<Arc<Chunk>>; GROUP];

/// A vector of `Option<Job>` cut into fixed chunks, and the chunks into groups, each behind an
/// `Arc`: a clone copies one pointer a group, and a write copies the group and the chunk it
/// changes if a clone shares them (`Arc::make_mut`). Two levels keep both small: a clone of
/// 10^6 slots copies 489 pointers, a write 64 pointers and 32 jobs.
///
/// Invariants: `groups.len() == len.div_ceil(GROUP_SLOTS)`; every group but the last holds
/// [`GROUP`] chunks, the last `(len - its first slot).div_ceil(CHUNK)`, in its first places
/// (`None` after them); every slot at or past
/// `len` (in the last chunk) is `None`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Slots {
    groups: Vec<Arc<Group>>,
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
        self.groups
            .get(at / GROUP_SLOTS)?
            .get(at / CHUNK % GROUP)?
            .as_ref()?
            .get(at % CHUNK)
    }

    /// Slot `at` to write to, if below [`Slots::len`]; its group and chunk are copied first
    /// if a clone shares them. O(1), or O(GROUP + CHUNK) for the copies.
    pub(crate) fn get_mut(&mut self, at: usize) -> Option<&mut Option<Job>> {
        if at >= self.len {
            return None;
        }
        let group = Arc::make_mut(self.groups.get_mut(at / GROUP_SLOTS)?);
        Arc::make_mut(group.get_mut(at / CHUNK % GROUP)?.as_mut()?).get_mut(at % CHUNK)
    }

    /// Adds a slot at the end. O(1), or O(GROUP + CHUNK) for a new or copied group or chunk.
    pub(crate) fn push(&mut self, job: Option<Job>) {
        if self.len.is_multiple_of(GROUP_SLOTS) {
            self.groups.push(Arc::new(std::array::from_fn(|_| None)));
        }
        if self.len.is_multiple_of(CHUNK)
            && let Some(group) = self.groups.last_mut()
            && let Some(place) = Arc::make_mut(group).get_mut(self.len / CHUNK % GROUP)
        {
            *place = Some(empty_chunk());
        }
        self.len += 1;
        if let Some(slot) = self.get_mut(self.len - 1) {
            *slot = job;
        }
    }

    /// Every slot, in order. O(len).
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Option<Job>> + Clone {
        self.groups
            .iter()
            .flat_map(|g| g.iter().flatten())
            .flat_map(|c| c.iter())
            .take(self.len)
    }

    /// Every slot, in order, to write to (copying every shared group and chunk). O(len).
    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = &mut Option<Job>> {
        self.groups
            .iter_mut()
            .flat_map(|g| Arc::make_mut(g).iter_mut().flatten())
            .flat_map(|c| Arc::make_mut(c).iter_mut())
            .take(self.len)
    }

    /// Bytes of heap of the groups, the chunks and their tables (not the jobs' own text).
    pub(crate) fn heap_bytes(&self) -> usize {
        let arc_counts = 2 * size_of::<usize>();
        self.groups.capacity() * size_of::<Arc<Group>>()
            + self
                .groups
                .iter()
                .map(|g| {
                    arc_counts
                        + size_of::<Group>()
                        + g.iter().flatten().count() * (arc_counts + size_of::<Chunk>())
                })
                .sum::<usize>()
    }

    /// Checks the invariants listed on [`Slots`].
    #[cfg(test)]
    fn check_invariants(&self) -> Result<(), String> {
        if self.groups.len() != self.len.div_ceil(GROUP_SLOTS) {
            return Err(format!(
                "{} groups for {} slots",
                self.groups.len(),
                self.len
            ));
        }
        for (g, group) in self.groups.iter().enumerate() {
            let first = g * GROUP_SLOTS;
            let want = (self.len - first).min(GROUP_SLOTS).div_ceil(CHUNK);
            let held = group.iter().take_while(|c| c.is_some()).count();
            if held != want || group.iter().flatten().count() != want {
                return Err(format!("group {g} holds {held} chunks, not {want}"));
            }
        }
        let past = (self.groups.iter().flat_map(|g| g.iter().flatten()))
            .flat_map(|c| c.iter())
            .skip(self.len)
            .any(Option::is_some);
        if past {
            return Err("a slot past the end holds a job".into());
        }
        Ok(())
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
    fn slots_across_chunks_and_groups_read_and_write_like_a_vec_and_clones_stay_apart() {
        let n = GROUP_SLOTS + 3 * CHUNK + 5;
        let mut slots: Slots = (0..n).map(|i| (i % 3 != 0).then(|| job(i))).collect();
        slots.check_invariants().unwrap();
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
        assert_eq!(slots.groups.len(), 2);
        assert_eq!(slots.groups[1].iter().flatten().count(), 4);

        let copy = slots.clone();
        *slots.get_mut(GROUP_SLOTS + CHUNK + 1).unwrap() = None;
        slots.push(Some(job(9_999)));
        slots.check_invariants().unwrap();
        assert_eq!(ids(&copy), model, "the clone did not change");
        assert!(
            Arc::ptr_eq(&copy.groups[0], &slots.groups[0]),
            "untouched groups shared"
        );
        assert!(
            Arc::ptr_eq(
                copy.groups[1][0].as_ref().unwrap(),
                slots.groups[1][0].as_ref().unwrap()
            ),
            "untouched chunks of a copied group shared"
        );
        assert!(
            !Arc::ptr_eq(
                copy.groups[1][1].as_ref().unwrap(),
                slots.groups[1][1].as_ref().unwrap()
            ),
            "the written one copied"
        );
        let mut expected = model;
        expected[GROUP_SLOTS + CHUNK + 1] = None;
        expected.push(Some("j9999".into()));
        assert_eq!(ids(&slots), expected);
        assert_eq!(
            slots.get(n).and_then(|j| j.as_ref()).map(Job::id),
            Some("j9999")
        );
        for (i, slot) in slots.iter_mut().enumerate() {
            if i % 2 == 0 {
                *slot = None;
            }
        }
        slots.check_invariants().unwrap();
        assert_eq!(ids(&copy), ids(&copy.clone()));
        assert!(slots.iter().step_by(2).all(Option::is_none));
    }
}
