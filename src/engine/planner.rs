//! The planner: answers a [`Query`] from the index's trees.
//!
//! 1. The window `[StartTime, EndTime]` is a key range; in any tree its bounds are two rank
//!    searches, O(log n).
//! 2. The *source* is a tree whose keys in the window include every match:
//!    - no keyword: the status tree (or the all-jobs tree), and its window is the exact answer;
//!    - a 2- or 3-byte keyword and no status: that gram's posting list, also exact;
//!    - otherwise the smallest, counted in the window, of the status (or all-jobs) tree and
//!      the keyword's gram lists. Its keys in the window are *candidates*, each checked
//!      against the real job (status, and the keyword in the name).
//! 3. The keyword's other arm, a job whose `JobId` equals it, is looked up by id; if it
//!    matches the window and status but not by name, it is merged into the sequence at its
//!    place in the order.
//! 4. The page is cut from that sequence: for an exact source by rank, O(log n + page); for
//!    candidates by walking them all in the requested direction, counting matches for
//!    `TotalCount` and keeping those on the page, O(log n + candidates).

use std::cmp::Ordering;
use std::ops::ControlFlow;

use super::name_index::{keyword_grams, name_contains};
use super::order_tree::OrderTree;
use super::{JobIndex, Key, compare, key, key_of};
use crate::job::Job;
use crate::query::{Query, SortBy};
use crate::response::Page;

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

pub(super) fn list<'a>(index: &'a JobIndex, query: &Query) -> Page<'a> {
    let slots = &index.slots;
    let cmp = |a, b| compare(slots, a, b);
    let job_at = |k: Key| slots.get(key::slot(k) as usize).and_then(Option::as_ref);
    let (lo_bound, hi_bound) = (key::first_at(query.start()), key::first_after(query.end()));
    let in_window = |tree| Source {
        tree,
        lo: tree.rank_where(|k| k < lo_bound),
        hi: tree.rank_where(|k| k < hi_bound),
    };
    let base = in_window(match query.status() {
        Some(status) => index.by_status.get(status.bucket()).unwrap_or(&index.all),
        None => &index.all,
    });
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

    let mut gram_lists = Vec::new();
    for gram in keyword_grams(keyword) {
        match index.names.list(gram) {
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
    if let ([only], None, 2..=3) = (gram_lists.as_slice(), query.status(), keyword.len()) {
        return to_jobs(exact(*only, by_id, page, &cmp));
    }
    let smallest =
        gram_lists.into_iter().fold(
            base,
            |best, list| if list.len() < best.len() { list } else { best },
        );
    let is_match =
        |k: Key| job_at(k).is_some_and(|job| status_ok(job) && name_contains(job.name(), keyword));
    to_jobs(checked(smallest, is_match, by_id, page, &cmp))
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

/// The page and total when the keys of `source` in its window are candidates to check with
/// `is_match`, plus `extra` (a match not among them). O(log n + candidates).
fn checked<C: Fn(Key, Key) -> Ordering>(
    source: Source<'_>,
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
    source.tree.walk(source.lo, source.hi, page.desc, |k| {
        if is_match(k) {
            if let Some(e) = pending.filter(|&e| cmp(e, k) == comes_first) {
                emit(e);
                pending = None;
            }
            emit(k);
        }
        ControlFlow::Continue(())
    });
    if let Some(e) = pending {
        emit(e);
    }
    (keys, position)
}
