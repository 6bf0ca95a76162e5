//! [`NonceCache`]: the `x-acs-signature-nonce`s seen while their requests' dates are still
//! accepted, so that a signed request cannot be replayed.

use std::collections::{HashSet, VecDeque};

/// Nonces by AccessKey, each kept until the date window of its request closes.
///
/// Invariants: `seen` and `by_expiry` hold the same (key, nonce) pairs; `by_expiry` is in
/// the order of insertion, and an entry leaves both when its expiry is past.
#[derive(Debug, Default)]
pub struct NonceCache {
    seen: HashSet<(String, String)>,
    /// (expiry in Unix seconds, key, nonce).
    by_expiry: VecDeque<(i64, String, String)>,
}

impl NonceCache {
    /// Records `nonce` for `access_key_id` until `expires` (Unix seconds), first forgetting
    /// those expired at `now`. Returns `false` if it was already recorded. Amortised O(1).
    pub fn insert(&mut self, access_key_id: &str, nonce: &str, now: i64, expires: i64) -> bool {
        // Entries go in by arrival; one that expires later than its successors keeps them
        // until it goes, which only delays their forgetting.
        while let Some((expiry, _, _)) = self.by_expiry.front() {
            if *expiry > now {
                break;
            }
            if let Some((_, key, nonce)) = self.by_expiry.pop_front() {
                self.seen.remove(&(key, nonce));
            }
        }
        let entry = (access_key_id.to_owned(), nonce.to_owned());
        if self.seen.contains(&entry) {
            return false;
        }
        self.by_expiry
            .push_back((expires, entry.0.clone(), entry.1.clone()));
        self.seen.insert(entry);
        true
    }

    /// How many nonces are held.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// Whether none is held.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_a_nonce_twice_until_it_expires() {
        let mut cache = NonceCache::default();
        assert!(cache.is_empty());
        assert!(cache.insert("AK1", "n1", 0, 100));
        assert!(!cache.is_empty());
        assert!(!cache.insert("AK1", "n1", 50, 150));
        assert!(
            cache.insert("AK2", "n1", 50, 150),
            "another key's nonce is its own"
        );
        assert!(
            cache.insert("AK1", "n1", 100, 200),
            "forgotten once expired"
        );
        assert_eq!(cache.len(), 2);
        assert!(cache.insert("AK1", "n2", 1000, 1100));
        assert_eq!(cache.len(), 1);
    }
}
