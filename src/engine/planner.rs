//! The planner: answers a [`Query`] from the index's trees.
//!
//! 1. The window `[StartTime, EndTime]` is a key range; in any tree its bounds are two rank
//!    searches, O(log n).
//! 2. The matches are drawn from trees restricted to the window:
//!    - no keyword: the status tree (or the all-jobs tree), and its window is the exact answer;
//!    - a 1-byte keyword: the keys of the status tree (or the all-jobs tree) whose names have
//!      that byte, which the tree's byte counts count and page exactly;
//!    - a 2- or 3-byte keyword and no status: that gram's posting list, also exact;
//!    - otherwise, when the smallest of the keyword's gram lists (and the status tree) holds
//!      at least one key in [`SCAN_SHARE`] names, a *scan*: one pass of
//!      [`memchr::memmem`] over every folded name ([`FoldedNames`]) counts the matches in the
//!      window and status and marks their slots; the page is cut by walking the status (or
//!      all-jobs) tree's window from whichever end is nearer the page, taking marked keys;
//!    - otherwise the keyword's gram lists and the status tree, each restricted to the
//!      window: the keys of the smallest, narrowed by merging in the next smallest while it is
//!      at most [`MERGE_RATIO`] times as long, are the *candidates*, each checked against the
//!      real job (status, and the keyword in the name; only the status if the name list is
//!      exact, and nothing if, besides, every list was merged).
//! 3. The keyword's other arm, a job whose `JobId` equals it, is looked up by id; if it
//!    matches the window and status but not by name, it is merged into the sequence at its
//!    place in the order.
//! 4. The page is cut from that sequence: for an exact source by rank, O(log n + page); for a
//!    scan, O(names' bytes + records + the window's keys up to the page, from the nearer end); for
//!    candidates by walking them all in the requested direction, counting matches for
//!    `TotalCount` and keeping those on the page, O(log n + keys merged + candidates).

use std::cmp::Ordering;
use std::ops::ControlFlow;

#[cfg(doc)]
use super::folded_names::FoldedNames;
use super::folded_names::SlotMarks;
use super::name_index::{keyword_grams, name_contains};
use super::order_tree::OrderTree;
use super::{JobIndex, Key, bytes_at, compare, key, key_of};
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

/// A tree and the ranks `[lo, hi)` of its keys in the window.
#[derive(Clone, Copy)]
struct Source<'t> {
    tree: &'t OrderTree,
    lo: usize,
    hi: usize,
}

impl Source<'_> {
    fn len(&self) -> usize {
        self.hi - self.lo
    }
}

/// Whether a keyword that no list answers exactly is found by a scan of every folded name,
/// or by checking the candidates its gram lists leave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scan {
    /// The cheaper by the planner's estimate.
    Planned,
    /// Always the scan.
    Always,
    /// Never the scan.
    Never,
}

/// A scan of every folded name is chosen when the candidates would be at least this
/// fraction of the names: checking a candidate costs about 75 ns, a scan about 2 ns a name
/// and 20 ns a match (measured on 10^6 realistic names).
const SCAN_SHARE: usize = 24;

pub(super) fn list<'a>(index: &'a JobIndex, query: &Query, scan: Scan) -> Page<'a> {
    let slots = &index.slots;
    let cmp = |a, b| compare(slots, a, b);
    let job_at = |k: Key| {
        let job = slots.get(key::slot(k) as usize).and_then(Option::as_ref);
        debug_assert!(job.is_some(), "key {k:#x} names an empty slot");
        job
    };
    let (lo_bound, hi_bound) = (key::first_at(query.start()), key::first_after(query.end()));
    let in_window = |tree: &'a OrderTree| Source {
        tree,
        lo: tree.rank_where(|k| k < lo_bound),
        hi: tree.rank_where(|k| k < hi_bound),
    };
    let base = in_window(match query.status() {
        Some(status) => index.by_status.get(status),
        None => &index.all,
    });
    let page = PageRange::of(query);
    let to_jobs = |(keys, total): (Vec<Key>, usize)| Page {
        jobs: keys.into_iter().filter_map(job_at).collect(),
        total_count: total as u64,
    };

    let Some(keyword) = query.keyword() else {
        return to_jobs(exact(
            &WindowOf {
                source: &base,
                cmp: &cmp,
            },
            None,
            page,
        ));
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

    if let &[byte] = keyword.as_bytes() {
        let byte = byte.to_ascii_lowercase();
        let bytes_of = |k| bytes_at(slots, k);
        let with_byte = |bound: Key| {
            base.tree
                .rank_with_byte_where(|k| k < bound, byte, &bytes_of)
        };
        let lo = with_byte(lo_bound);
        let matches = WithByte {
            window: base,
            byte,
            lo,
            len: with_byte(hi_bound) - lo,
            bytes_of: &bytes_of,
            cmp: &cmp,
        };
        return to_jobs(exact(&matches, by_id, page));
    }
    if let Some(kept) = index.kept.get(keyword) {
        let tree = match query.status() {
            Some(status) => kept.by_status.get(status),
            None => &kept.all,
        };
        return to_jobs(exact(
            &WindowOf {
                source: &in_window(tree),
                cmp: &cmp,
            },
            by_id,
            page,
        ));
    }
    let mut gram_lists = Vec::new();
    for gram in keyword_grams(keyword) {
        match index.names.list(gram) {
            Some(tree) => gram_lists.push(in_window(tree)),
            // No name has this gram, so no name contains the keyword.
            None => {
                let nothing = Source {
                    lo: 0,
                    hi: 0,
                    ..base
                };
                return to_jobs(exact(
                    &WindowOf {
                        source: &nothing,
                        cmp: &cmp,
                    },
                    by_id,
                    page,
                ));
            }
        }
    }
    if let ([only], None, 2..=3) = (gram_lists.as_slice(), query.status(), keyword.len()) {
        return to_jobs(exact(
            &WindowOf {
                source: only,
                cmp: &cmp,
            },
            by_id,
            page,
        ));
    }
    // A 2- or 3-byte keyword's one list holds exactly the jobs whose names match.
    let names_exact = gram_lists.len() == 1 && keyword.len() <= 3;
    let fewest = gram_lists
        .iter()
        .map(Source::len)
        .chain(query.status().map(|_| base.len()))
        .min()
        .unwrap_or(base.len());
    let scan_is_cheaper = fewest.saturating_mul(SCAN_SHARE) >= index.folded.records();
    if !names_exact && (scan == Scan::Always || (scan == Scan::Planned && scan_is_cheaper)) {
        let mut marks = SlotMarks::new(slots.len());
        let folded = keyword.to_ascii_lowercase();
        let len = index.folded.scan(
            folded.as_bytes(),
            (lo_bound, hi_bound),
            query.status(),
            &mut marks,
        );
        let matches = Marked {
            window: base,
            marks: &marks,
            len,
            cmp: &cmp,
        };
        return to_jobs(exact(&matches, by_id, page));
    }
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

/// A sequence of matches that can be counted, placed and paged without checking them.
trait ExactMatches {
    /// How many there are.
    fn len(&self) -> usize;
    /// How many come before `key` (not one of them) in ascending order.
    fn before(&self, key: Key) -> usize;
    /// The matches at positions `from..to` in the page's direction, pushed onto `out`.
    fn page_into(&self, from: usize, to: usize, desc: bool, out: &mut Vec<Key>);
}

/// Every key of a tree in its window. Positions are ranks: O(log n) to place, O(log n + p)
/// to page.
struct WindowOf<'s, 't, C> {
    source: &'s Source<'t>,
    cmp: &'s C,
}

impl<C: Fn(Key, Key) -> Ordering> ExactMatches for WindowOf<'_, '_, C> {
    fn len(&self) -> usize {
        self.source.len()
    }

    fn before(&self, key: Key) -> usize {
        let Source { tree, lo, .. } = *self.source;
        tree.rank_where(|k| (self.cmp)(k, key) == Ordering::Less)
            .saturating_sub(lo)
            .min(self.len())
    }

    fn page_into(&self, from: usize, to: usize, desc: bool, out: &mut Vec<Key>) {
        let Source { tree, lo, hi } = *self.source;
        let (a, b) = if desc {
            (hi - to, hi - from)
        } else {
            (lo + from, lo + to)
        };
        tree.walk(a, b, desc, |k| {
            out.push(k);
            ControlFlow::Continue(())
        });
    }
}

/// The keys of a byte-counted tree's window whose names have `byte`: `len` of them, `lo`
/// with the byte before the window.
struct WithByte<'s, 't> {
    window: Source<'t>,
    byte: u8,
    lo: usize,
    len: usize,
    bytes_of: &'s dyn Fn(Key) -> u128,
    cmp: &'s dyn Fn(Key, Key) -> Ordering,
}

impl ExactMatches for WithByte<'_, '_> {
    fn len(&self) -> usize {
        self.len
    }

    fn before(&self, key: Key) -> usize {
        let below = |k| (self.cmp)(k, key) == Ordering::Less;
        self.window
            .tree
            .rank_with_byte_where(below, self.byte, self.bytes_of)
            .saturating_sub(self.lo)
            .min(self.len)
    }

    fn page_into(&self, from: usize, to: usize, desc: bool, out: &mut Vec<Key>) {
        let Source { tree, lo, hi } = self.window;
        let mut left = to.saturating_sub(from);
        if left == 0 {
            return;
        }
        tree.walk_with_byte((lo, hi), desc, (self.byte, from), self.bytes_of, |k| {
            out.push(k);
            left -= 1;
            if left == 0 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
    }
}

/// The keys of a tree's window whose slots are marked: `len` of them.
struct Marked<'s, 't, C> {
    window: Source<'t>,
    marks: &'s SlotMarks,
    len: usize,
    cmp: &'s C,
}

impl<C> Marked<'_, '_, C> {
    /// The marked keys at positions `skip..skip + take` in direction `desc`, pushed onto
    /// `out`. O(log n + the window's keys up to the last of them).
    fn walk_marked(&self, skip: usize, take: usize, desc: bool, out: &mut Vec<Key>) {
        let Source { tree, lo, hi } = self.window;
        let (mut skip, mut take) = (skip, take);
        if take == 0 {
            return;
        }
        tree.walk(lo, hi, desc, |k| {
            if !self.marks.contains(key::slot(k)) {
                return ControlFlow::Continue(());
            }
            if skip > 0 {
                skip -= 1;
                return ControlFlow::Continue(());
            }
            out.push(k);
            take -= 1;
            if take == 0 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
    }
}

impl<C: Fn(Key, Key) -> Ordering> ExactMatches for Marked<'_, '_, C> {
    fn len(&self) -> usize {
        self.len
    }

    /// O(log n + the window's keys before `key`).
    fn before(&self, key: Key) -> usize {
        let Source { tree, lo, hi } = self.window;
        let mut count = 0;
        tree.walk(lo, hi, false, |k| {
            if (self.cmp)(k, key) != Ordering::Less {
                return ControlFlow::Break(());
            }
            count += usize::from(self.marks.contains(key::slot(k)));
            ControlFlow::Continue(())
        });
        count
    }

    /// Walks from whichever end of the window is nearer the page.
    fn page_into(&self, from: usize, to: usize, desc: bool, out: &mut Vec<Key>) {
        let to = to.min(self.len);
        let from = from.min(to);
        let (before, after) = (from, self.len - to);
        if before <= after {
            self.walk_marked(from, to - from, desc, out);
        } else {
            let start = out.len();
            self.walk_marked(after, to - from, !desc, out);
            if let Some(page) = out.get_mut(start..) {
                page.reverse();
            }
        }
    }
}

/// The page and total of `matches`, plus `extra` (a match not among them). O(the cost of
/// placing `extra` and of cutting the page from `matches`).
fn exact(matches: &impl ExactMatches, extra: Option<Key>, page: PageRange) -> (Vec<Key>, usize) {
    let n = matches.len();
    let total = n + usize::from(extra.is_some());
    // Position of `extra` in the combined sequence, in the page's direction.
    let extra_at = extra.map(|e| {
        let asc = matches.before(e).min(n);
        (e, if page.desc { n - asc } else { asc })
    });
    let (start, end) = (page.start.min(total), page.end.min(total));
    // Positions of the own matches on the page, in the page's direction.
    let shift = |pos: usize| match extra_at {
        Some((_, at)) if pos > at => pos - 1,
        _ => pos,
    };
    let (from, to) = (shift(start), shift(end));
    let mut keys = Vec::with_capacity(end - start);
    matches.page_into(from, to, page.desc, &mut keys);
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
