//! [`EdgeKeys`]: a few keys held in place, the buffers at the two ends of an
//! [`OrderTree`](super::order_tree::OrderTree).

use super::key::Key;

/// Most keys an [`EdgeKeys`] holds.
pub(crate) const EDGE_MAX: usize = 16;

/// Up to [`EDGE_MAX`] keys in an array of the value itself, so that copying a table of trees
/// (a shard of the name index, when a snapshot shares it) copies them with no allocation.
///
/// Invariant: `len <= EDGE_MAX`; the keys held are `keys[..len]` (the rest are leftovers).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct EdgeKeys {
    len: u8,
    keys: [Key; EDGE_MAX],
}

impl EdgeKeys {
    /// The keys held, in order. O(1).
    pub(crate) fn as_slice(&self) -> &[Key] {
        self.keys.get(..usize::from(self.len)).unwrap_or_default()
    }

    /// How many keys it holds. O(1).
    pub(crate) fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Whether it holds no key. O(1).
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether it holds [`EDGE_MAX`] keys. O(1).
    pub(crate) fn is_full(&self) -> bool {
        self.len() == EDGE_MAX
    }

    /// The first key, if any. O(1).
    pub(crate) fn first(&self) -> Option<Key> {
        self.as_slice().first().copied()
    }

    /// The last key, if any. O(1).
    pub(crate) fn last(&self) -> Option<Key> {
        self.as_slice().last().copied()
    }

    /// Puts `key` at `at` (at most [`EdgeKeys::len`]), moving those after it up; returns
    /// `false` (changing nothing) if it is full or `at` is past the end. O(EDGE_MAX).
    pub(crate) fn insert(&mut self, at: usize, key: Key) -> bool {
        let len = self.len();
        if len == EDGE_MAX || at > len {
            return false;
        }
        if let Some(moved) = self.keys.get_mut(at..=len) {
            moved.rotate_right(1);
            if let Some(slot) = moved.first_mut() {
                *slot = key;
            }
        }
        self.len += 1;
        true
    }

    /// Takes out the key at `at`, if it holds one there. O(EDGE_MAX).
    pub(crate) fn remove(&mut self, at: usize) -> Option<Key> {
        let len = self.len();
        let moved = self.keys.get_mut(at..len)?;
        let key = moved.first().copied()?;
        moved.rotate_left(1);
        self.len -= 1;
        Some(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_keys_in_place_up_to_its_room() {
        let mut keys = EdgeKeys::default();
        assert!(keys.is_empty() && keys.first().is_none());
        for k in 0..EDGE_MAX as Key {
            assert!(keys.insert(keys.len(), 10 * k));
        }
        assert!(keys.is_full());
        assert!(!keys.insert(0, 5), "full");
        assert_eq!(keys.remove(1), Some(10));
        assert!(!keys.insert(EDGE_MAX, 1), "past the end");
        assert!(keys.insert(1, 15));
        assert_eq!(keys.as_slice()[..3], [0, 15, 20]);
        assert_eq!(keys.remove(EDGE_MAX), None);
        assert_eq!(keys.remove(EDGE_MAX - 1), Some(10 * (EDGE_MAX as Key - 1)));
        assert_eq!(keys.last(), Some(10 * (EDGE_MAX as Key - 2)));
        assert_eq!(keys.len(), EDGE_MAX - 1);
    }
}
