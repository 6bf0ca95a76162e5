//! [`KeptKeywords`]: the matches of chosen keywords, kept as lists of their own and current
//! under every write, so that a keyword no gram list answers exactly is answered in
//! O(log n + page) once kept, as a 2- or 3-byte keyword is.
//!
//! A kept keyword has an [`OrderTree`] of the keys of the held jobs whose names contain it,
//! and one for each status; a listing with the keyword is then the window of one of them.
//! Every write that adds, renames, re-statuses or removes a job checks its name against each
//! kept keyword and moves its key in the trees of those it matches. The lists are a cache:
//! the keywords kept and forgotten change no answer, only its cost. They are bounded by
//! [`MAX_KEPT_KEYWORDS`] and by a limit on their matches summed, which the oldest kept keywords
//! are forgotten to respect.

use std::cmp::Ordering;

use super::key::Key;
use super::name_index::name_contains;
use super::order_tree::OrderTree;
use super::per_status::PerStatus;
use crate::job::Status;

/// The most keywords kept at once: each write checks its job's name against every one.
pub const MAX_KEPT_KEYWORDS: usize = 16;

/// The default limit on the matches kept, summed over the kept keywords: 2^20 = 1,048,576.
pub const DEFAULT_KEPT_MATCHES: usize = 1 << 20;

/// One kept keyword and its matches.
///
/// Invariants: `all` holds exactly the keys of the held jobs whose names contain `keyword`,
/// and the tree of each status exactly those of them with that status.
#[derive(Clone, Debug)]
pub(crate) struct Kept {
    /// The keyword, ASCII letters folded to lower case; 2 bytes or more.
    pub(crate) keyword: Box<str>,
    pub(crate) all: OrderTree,
    pub(crate) by_status: PerStatus<OrderTree>,
}

/// The kept keywords, oldest first.
///
/// Invariants: at most [`MAX_KEPT_KEYWORDS`] of them, no two alike; `matches` is the sum of
/// their `all` trees' lengths and at most `limit`.
#[derive(Clone, Debug)]
pub(crate) struct KeptKeywords {
    pub(crate) kept: Vec<Kept>,
    matches: usize,
    limit: usize,
}

impl Default for KeptKeywords {
    fn default() -> KeptKeywords {
        KeptKeywords {
            kept: Vec::new(),
            matches: 0,
            limit: DEFAULT_KEPT_MATCHES,
        }
    }
}

impl Kept {
    /// The lists of `keyword` from its matches, (key, status) in key order.
    pub(crate) fn from_sorted(keyword: &str, matches: &[(Key, Status)]) -> Kept {
        let mut by_status: PerStatus<Vec<Key>> = PerStatus::default();
        for &(key, status) in matches {
            by_status.get_mut(status).push(key);
        }
        Kept {
            keyword: keyword.to_ascii_lowercase().into(),
            all: OrderTree::from_sorted(matches.iter().map(|&(key, _)| key).collect()),
            by_status: by_status.map(OrderTree::from_sorted),
        }
    }
}

/// The kept keywords that `name` contains.
fn containing<'k>(kept: &'k mut [Kept], name: &'k str) -> impl Iterator<Item = &'k mut Kept> {
    kept.iter_mut()
        .filter(move |kept| name_contains(name, &kept.keyword))
}

impl KeptKeywords {
    /// The kept keyword equal to `keyword` (ASCII letters compared case-insensitively), if
    /// any. O(kept).
    pub(crate) fn get(&self, keyword: &str) -> Option<&Kept> {
        self.kept
            .iter()
            .find(|kept| kept.keyword.eq_ignore_ascii_case(keyword))
    }

    /// No keyword kept, with the limit of `other`.
    pub(crate) fn with_limit_of(self, other: &KeptKeywords) -> KeptKeywords {
        KeptKeywords {
            limit: other.limit,
            ..self
        }
    }

    /// The most matches kept.
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    /// Sets the limit, forgetting the oldest keywords until the rest are within it.
    pub(crate) fn set_limit(&mut self, limit: usize) {
        self.limit = limit;
        self.forget_while_over(0);
    }

    /// Forgets the oldest keywords while the matches kept, plus `room`, exceed the limit.
    fn forget_while_over(&mut self, room: usize) {
        while self.matches.saturating_add(room) > self.limit && !self.kept.is_empty() {
            let oldest = self.kept.remove(0);
            self.matches -= oldest.all.len();
        }
    }

    /// Adds `kept` as the newest, replacing the same keyword if kept already, forgetting
    /// the oldest as needed; `false`, changing nothing, if its matches alone exceed the
    /// limit.
    pub(crate) fn keep(&mut self, kept: Kept) -> bool {
        if kept.all.len() > self.limit {
            return false;
        }
        self.forget(&kept.keyword);
        self.forget_while_over(kept.all.len());
        if self.kept.len() == MAX_KEPT_KEYWORDS {
            let oldest = self.kept.remove(0);
            self.matches -= oldest.all.len();
        }
        self.matches += kept.all.len();
        self.kept.push(kept);
        true
    }

    /// Forgets `keyword` (ASCII case-insensitive); whether it was kept.
    pub(crate) fn forget(&mut self, keyword: &str) -> bool {
        let Some(at) = self
            .kept
            .iter()
            .position(|kept| kept.keyword.eq_ignore_ascii_case(keyword))
        else {
            return false;
        };
        let kept = self.kept.remove(at);
        self.matches -= kept.all.len();
        true
    }

    /// Posts the key of a new job (or of a job given `name`) in the lists of the keywords
    /// its name contains, then forgets the oldest keywords while over the limit.
    /// O(kept · (name length + log n)).
    pub(crate) fn add<C: Fn(Key, Key) -> Ordering>(
        &mut self,
        key: Key,
        name: &str,
        status: Status,
        cmp: &C,
    ) {
        for kept in containing(&mut self.kept, name) {
            kept.all.insert(key, cmp);
            kept.by_status.get_mut(status).insert(key, cmp);
            self.matches += 1;
        }
        self.forget_while_over(0);
    }

    /// Withdraws the key of a job named `name` with `status` from the lists of the keywords
    /// its name contains. O(kept · (name length + log n)).
    pub(crate) fn withdraw<C: Fn(Key, Key) -> Ordering>(
        &mut self,
        key: Key,
        name: &str,
        status: Status,
        cmp: &C,
    ) {
        for kept in containing(&mut self.kept, name) {
            kept.all.remove(key, cmp);
            kept.by_status.get_mut(status).remove(key, cmp);
            self.matches -= 1;
        }
    }

    /// Moves the key of a job named `name` from the status tree of `old` to that of `new`,
    /// in the keywords its name contains. O(kept · (name length + log n)).
    pub(crate) fn restatus<C: Fn(Key, Key) -> Ordering>(
        &mut self,
        key: Key,
        name: &str,
        (old, new): (Status, Status),
        cmp: &C,
    ) {
        for kept in containing(&mut self.kept, name) {
            kept.by_status.get_mut(old).remove(key, cmp);
            kept.by_status.get_mut(new).insert(key, cmp);
        }
    }

    /// Bytes of heap held by the lists and their table.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.kept.capacity() * size_of::<Kept>()
            + self
                .kept
                .iter()
                .map(|kept| {
                    kept.keyword.len()
                        + kept.all.heap_bytes()
                        + kept
                            .by_status
                            .iter()
                            .map(|(_, tree)| tree.heap_bytes())
                            .sum::<usize>()
                })
                .sum::<usize>()
    }

    /// Checks the invariants, given the held jobs' keys in order with their names and
    /// statuses.
    ///
    /// # Errors
    /// A description of the first broken invariant.
    pub(crate) fn check_invariants<C: Fn(Key, Key) -> Ordering>(
        &self,
        held: &[(Key, &str, Status)],
        cmp: &C,
    ) -> Result<(), String> {
        if self.kept.len() > MAX_KEPT_KEYWORDS {
            return Err(format!("{} kept keywords", self.kept.len()));
        }
        let mut matches = 0;
        for (i, kept) in self.kept.iter().enumerate() {
            let keyword = &kept.keyword;
            if keyword.len() < 2
                || **keyword != keyword.to_ascii_lowercase()
                || self.kept.get(..i).is_some_and(|before| {
                    before
                        .iter()
                        .any(|other| other.keyword.eq_ignore_ascii_case(keyword))
                })
            {
                return Err(format!(
                    "kept keyword {keyword:?} is short, unfolded or repeated"
                ));
            }
            kept.all.check_invariants(cmp)?;
            let want: Vec<Key> = held
                .iter()
                .filter(|(_, name, _)| name_contains(name, keyword))
                .map(|&(key, _, _)| key)
                .collect();
            if kept.all.keys() != want {
                return Err(format!(
                    "kept keyword {keyword:?} does not list exactly its matches"
                ));
            }
            for (status, tree) in kept.by_status.iter() {
                tree.check_invariants(cmp)?;
                let want: Vec<Key> = held
                    .iter()
                    .filter(|&&(_, name, s)| s == status && name_contains(name, keyword))
                    .map(|&(key, _, _)| key)
                    .collect();
                if tree.keys() != want {
                    return Err(format!(
                        "kept keyword {keyword:?}: its {status} tree does not list exactly its matches"
                    ));
                }
            }
            matches += kept.all.len();
        }
        if matches != self.matches || matches > self.limit {
            return Err(format!(
                "{matches} kept matches, counted as {}, limit {}",
                self.matches, self.limit
            ));
        }
        Ok(())
    }
}
