//! The planner: answers a [`Query`] from the index's trees.
//!
//! 1. The window `[StartTime, EndTime]` is a key range; in any tree its bounds are two rank
//!    searches, O(log n).
//! 2. The matches are drawn from trees restricted to the window:
//!    - no keyword: the status tree (or the all-jobs tree), and its window is the exact answer;
//!    - a 1-byte keyword and no status: that byte's list, exact;
//!    - a 2- or 3-byte keyword and no status: that gram's posting list, also exact;
//!    - otherwise the keyword's byte or gram lists and the status tree, each restricted to
//!      the window: the keys of the smallest, narrowed by merging in the next smallest while
//!      it is at most [`MERGE_RATIO`] times as long, are the *candidates*, each checked
//!      against the real job (status, and the keyword in the name).
//! 3. The keyword's other arm, a job whose `JobId` equals it, is looked up by id; if it
//!    matches the window and status but not by name, it is merged into the sequence at its
//!    place in the order.
//! 4. The page is cut from that sequence: for an exact source by rank, O(log n + page); for
//!    candidates by walking them all in the requested direction, counting matches for
//!    `TotalCount` and keeping those on the page, O(log n + keys merged + candidates).

use std::cmp::Ordering;
use std::ops::ControlFlow;

use super::name_index::{keyword_grams, name_contains};
use super::order_tree::OrderTree;
use super::posting_list::PostingList;
use super::{JobIndex, Key, compare, key, key_of};
use crate::job::Job;
use crate::query::Page;
use crate::query::{Query, SortBy};

/// The positions `[start, end)` of the page in the sequence of matches.
#[derive(Clone, Copy)]
struct PageRange {
    start: usize,
    end: usize,
    desc: bool,
}

impl PageRange {
    fn of(query: &Query) -> PageRange {
        let start = usize::try_from(query.offset()).unwrap_or(usize::MAX);
        let size = usize::try_from(query.page_size()).unwrap_or(usize::MAX);
        PageRange {
            start,
            end: start.saturating_add(size),
            desc: query.sort_by() == SortBy::Desc,
        }
    }
}

/// A list of keys in order: an order tree, or a byte's compact list.
#[derive(Clone, Copy)]
enum List<'t> {
    Tree(&'t OrderTree),
    Compact(&'t PostingList),
}

impl List<'_> {
    fn rank_where(&self, below: impl Fn(Key) -> bool) -> usize {
        match self {
            List::Tree(tree) => tree.rank_where(below),
            List::Compact(list) => list.rank_where(below),
        }
    }

    fn walk(&self, lo: usize, hi: usize, rev: bool, f: impl FnMut(Key) -> ControlFlow<()>) {
        match self {
            List::Tree(tree) => tree.walk(lo, hi, rev, f),
            List::Compact(list) => list.walk(lo, hi, rev, f),
        }
    }
}

/// A list and the ranks `[lo, hi)` of its keys in the window.
#[derive(Clone, Copy)]
struct Source<'t> {
    tree: List<'t>,
    lo: usize,
    hi: usize,
}

impl Source<'_> {
    fn len(&self) -> usize {
        self.hi - self.lo
    }
}

pub(super) fn list<'a>(index: &'a JobIndex, query: &Query) -> Page<'a> {
    let slots = &index.slots;
    let cmp = |a, b| compare(slots, a, b);
    let job_at = |k: Key| {
        let job = slots.get(key::slot(k) as usize).and_then(Option::as_ref);
        debug_assert!(job.is_some(), "key {k:#x} names an empty slot");
        job
    };
    let (lo_bound, hi_bound) = (key::first_at(query.start()), key::first_after(query.end()));
    let in_window = |tree: List<'a>| Source {
        tree,
        lo: tree.rank_where(|k| k < lo_bound),
        hi: tree.rank_where(|k| k < hi_bound),
    };
    let base = in_window(List::Tree(match query.status() {
        Some(status) => index.by_status.get(status),
        None => &index.all,
    }));
    let page = PageRange::of(query);
    let to_jobs = |(keys, total): (Vec<Key>, usize)| Page {
        jobs: keys.into_iter().filter_map(job_at).collect(),
        total_count: total as u64,
    };

    let Some(keyword) = query.keyword() else {
        return to_jobs(exact(base, None, page, &cmp));
    };
    let status_ok = |job: &Job| query.status().is_none_or(|status| job.status() == status);
    // The id arm, counted only where the name arm misses it.
    let by_id = index.ids.get(slots, keyword).and_then(|slot| {
        let job = slots.get(slot as usize)?.as_ref()?;
        let time = job.create_time();
        let matches_apart_from_name =
            query.start() <= time && time <= query.end() && status_ok(job);
        (matches_apart_from_name && !name_contains(job.name(), keyword)).then(|| key_of(job, slot))
    });

    let lists = keyword_grams(keyword)
        .into_iter()
        .map(|gram| index.names.list(gram).map(List::Tree))
        .chain(match keyword.as_bytes() {
            &[byte] => Some(index.names.byte_list(byte).map(List::Compact)),
            _ => None,
        });
    let mut gram_lists = Vec::new();
    for list in lists {
        match list {
            Some(tree) => gram_lists.push(in_window(tree)),
            // No name has this gram, so no name contains the keyword.
            None => {
                return to_jobs(exact(
                    Source {
                        lo: 0,
                        hi: 0,
                        ..base
                    },
                    by_id,
                    page,
                    &cmp,
                ));
            }
        }
    }
    if let ([only], None, 1..=3) = (gram_lists.as_slice(), query.status(), keyword.len()) {
        return to_jobs(exact(*only, by_id, page, &cmp));
    }
    // A 1- to 3-byte keyword's one list holds exactly the jobs whose names match.
    let names_exact = gram_lists.len() == 1 && keyword.len() <= 3;
    if query.status().is_some() || gram_lists.is_empty() {
        gram_lists.push(base);
    }
    let (candidates, all_merged) = intersect(gram_lists, &cmp);
    let is_match = |k: Key| {
        // Every candidate is in every merged list: with all merged and the name list exact,
        // each is a match; with the name list exact, only the status is left to check.
        (names_exact && all_merged)
            || job_at(k).is_some_and(|job| {
                status_ok(job) && (names_exact || name_contains(job.name(), keyword))
            })
    };
    to_jobs(checked(candidates, is_match, by_id, page, &cmp))
}

/// A list may be merged into the candidates when it has at most this many keys per
/// candidate: walking a list's keys in sequence costs far less per key than checking a
/// candidate against its job.
const MERGE_RATIO: usize = 4;

/// In a merge, candidates created in the same second as a key are searched for it by value
/// when there are at most this many: comparing ids (the order within a second) reads two
/// jobs, comparing values reads nothing.
const SHORT_RUN: usize = 8;

/// Keys in a window that include every match, in ascending order.
enum Candidates<'t> {
    /// Every key of a source in its window.
    Window(Source<'t>),
    /// Keys gathered from several sources.
    Keys(Vec<Key>),
}

impl Candidates<'_> {
    fn len(&self) -> usize {
        match self {
            Candidates::Window(source) => source.len(),
            Candidates::Keys(keys) => keys.len(),
        }
    }

    /// The keys, ascending: those gathered already, or the window's collected.
    fn into_keys(self) -> Vec<Key> {
        match self {
            Candidates::Window(source) => {
                let mut keys = Vec::with_capacity(source.len());
                source.tree.walk(source.lo, source.hi, false, |k| {
                    keys.push(k);
                    ControlFlow::Continue(())
                });
                keys
            }
            Candidates::Keys(keys) => keys,
        }
    }

    fn for_each(&self, desc: bool, mut f: impl FnMut(Key)) {
        match self {
            Candidates::Window(source) => source.tree.walk(source.lo, source.hi, desc, |k| {
                f(k);
                ControlFlow::Continue(())
            }),
            Candidates::Keys(keys) if desc => keys.iter().rev().for_each(|&k| f(k)),
            Candidates::Keys(keys) => keys.iter().for_each(|&k| f(k)),
        }
    }
}

/// The candidates of `sources` (each holding every match in its window, at least one of
/// them): the keys of the smallest, narrowed to those also in each next smallest while that
/// one is at most [`MERGE_RATIO`] times as long; and whether every source was merged (so
/// that the candidates are exactly the keys in all of them). O(log n + keys walked).
fn intersect<'t, C: Fn(Key, Key) -> Ordering>(
    mut sources: Vec<Source<'t>>,
    cmp: &C,
) -> (Candidates<'t>, bool) {
    sources.sort_by_key(Source::len);
    let mut sources = sources.into_iter();
    let Some(smallest) = sources.next() else {
        return (Candidates::Keys(Vec::new()), true);
    };
    let mut candidates = Candidates::Window(smallest);
    for next in sources.by_ref() {
        let keys = candidates.len();
        if keys == 0 {
            // Nothing is left to narrow: the empty set is in every list.
            return (candidates, true);
        }
        if next.len() > keys.saturating_mul(MERGE_RATIO) {
            return (candidates, false);
        }
        let mut kept = Vec::with_capacity(keys);
        let current = candidates.into_keys();
        let mut at = 0;
        next.tree.walk(next.lo, next.hi, false, |k| {
            let time = key::time_bits(k);
            while current.get(at).is_some_and(|&c| key::time_bits(c) < time) {
                at += 1;
            }
            let Some(&c) = current.get(at) else {
                return ControlFlow::Break(());
            };
            let run_is_short = current
                .get(at + SHORT_RUN)
                .is_none_or(|&c| key::time_bits(c) != time);
            if key::time_bits(c) != time {
                // No candidate at k's time.
            } else if run_is_short {
                // A few candidates share k's time: look for k among them by value, leaving
                // them all for the keys after k at that time (no id comparisons).
                let run = current.get(at..).unwrap_or_default().iter();
                if run.take(SHORT_RUN).any(|&c| c == k) {
                    kept.push(k);
                }
            } else {
                // Many share it: pass those before k in the (CreateTime, JobId) order.
                while current
                    .get(at)
                    .is_some_and(|&c| cmp(c, k) == Ordering::Less)
                {
                    at += 1;
                }
                if current.get(at) == Some(&k) {
                    kept.push(k);
                    at += 1;
                }
            }
            ControlFlow::Continue(())
        });
        candidates = Candidates::Keys(kept);
    }
    (candidates, true)
}

/// The page and total when every key of `source` in its window matches, plus `extra` (a
/// match not in the source). O(log n + page).
fn exact<C: Fn(Key, Key) -> Ordering>(
    source: Source<'_>,
    extra: Option<Key>,
    page: PageRange,
    cmp: &C,
) -> (Vec<Key>, usize) {
    let n = source.len();
    let total = n + usize::from(extra.is_some());
    // Position of `extra` in the combined sequence, in the page's direction.
    let extra_at = extra.map(|e| {
        let asc = source
            .tree
            .rank_where(|k| cmp(k, e) == Ordering::Less)
            .saturating_sub(source.lo)
            .min(n);
        (e, if page.desc { n - asc } else { asc })
    });
    let (start, end) = (page.start.min(total), page.end.min(total));
    // Positions of the source's own keys on the page, in the page's direction.
    let shift = |pos: usize| match extra_at {
        Some((_, at)) if pos > at => pos - 1,
        _ => pos,
    };
    let (from, to) = (shift(start), shift(end));
    let (lo, hi) = if page.desc {
        (source.hi - to, source.hi - from)
    } else {
        (source.lo + from, source.lo + to)
    };
    let mut keys = Vec::with_capacity(end - start);
    source.tree.walk(lo, hi, page.desc, |k| {
        keys.push(k);
        ControlFlow::Continue(())
    });
    if let Some((e, at)) = extra_at
        && (start..end).contains(&at)
    {
        keys.insert(at - start, e);
    }
    (keys, total)
}

/// The page and total when `candidates` are to be checked with `is_match`, plus `extra` (a
/// match not among them). O(candidates).
fn checked<C: Fn(Key, Key) -> Ordering>(
    candidates: Candidates<'_>,
    is_match: impl Fn(Key) -> bool,
    extra: Option<Key>,
    page: PageRange,
    cmp: &C,
) -> (Vec<Key>, usize) {
    let mut keys = Vec::new();
    let mut position = 0;
    let mut emit = |k: Key| {
        if (page.start..page.end).contains(&position) {
            keys.push(k);
        }
        position += 1;
    };
    let mut pending = extra;
    let comes_first = if page.desc {
        Ordering::Greater
    } else {
        Ordering::Less
    };
    candidates.for_each(page.desc, |k| {
        if is_match(k) {
            if let Some(e) = pending.filter(|&e| cmp(e, k) == comes_first) {
                emit(e);
                pending = None;
            }
            emit(k);
        }
    });
    if let Some(e) = pending {
        emit(e);
    }
    (keys, position)
}
