//! [`OrderTree`]: a B+tree of order keys whose inner nodes count their subtrees.
//!
//! It answers "how many keys come before `x`" and "the keys at ranks `a..b`" in O(log n)
//! (plus the keys returned), which is what turns a time window and a page number into two
//! searches instead of a scan. Keys are `u64`s whose high bits are the `CreateTime` (see
//! [`key`](super::key)); ties are broken by a comparator the caller passes in, which is why
//! every method that places a key takes one.
//!
//! A tree may also be **byte-counted**: each child then records, for every ASCII byte, how
//! many keys below it belong to jobs whose folded names contain that byte (see
//! [`ByteCounts`]). The counts say how many keys of a window have a byte, and where the j-th
//! of them is, in O(log n) descents, without a list per byte: a job's bytes are read from its
//! name (through a function the caller passes in) only in the one or two leaves where a
//! search ends. The all-jobs and per-status trees are byte-counted, so a 1-byte keyword, with
//! or without a status, is exact.
//!
//! Within a node, a search halves the range only until [`SCAN`] entries are left, then scans
//! them: the processor issues the loads of a scan ahead and in parallel, where each step of a
//! binary search waits for the line the previous step chose. On an index too large for the
//! cache (10^6 jobs) this cut the time of an insert by about 40%, as its posting-list
//! updates are almost all searches.

use std::cmp::Ordering;
use std::ops::ControlFlow;
use std::sync::Arc;

use super::edge_keys::{EDGE_MAX, EdgeKeys};
use super::key::Key;

/// The bytes of an `Arc`'s two reference counts, before its value in the allocation.
const ARC_COUNTS: usize = 2 * size_of::<usize>();

/// Most keys in a leaf.
const LEAF_MAX: usize = 128;
/// Fewest keys in a leaf other than the root.
const LEAF_MIN: usize = LEAF_MAX / 4;
/// Most children of a branch.
const BRANCH_MAX: usize = 64;
/// Fewest children of a branch other than the root.
const BRANCH_MIN: usize = BRANCH_MAX / 4;

/// For each ASCII byte, how many keys of a subtree name a job whose folded name contains it.
pub(crate) type ByteCounts = [u32; 128];

/// A key's ASCII bytes as a set: bit `b` is set when its job's folded name contains byte `b`.
pub(crate) type ByteSet = u128;

/// How a byte-counted tree learns the [`ByteSet`] of a key: from its job's name.
pub(crate) type BytesOf<'a> = &'a dyn Fn(Key) -> ByteSet;

fn add_bytes(counts: &mut ByteCounts, set: ByteSet) {
    let mut rest = set;
    while rest != 0 {
        let b = rest.trailing_zeros() as usize;
        rest &= rest - 1;
        if let Some(count) = counts.get_mut(b) {
            *count += 1;
        }
    }
}

fn sub_bytes(counts: &mut ByteCounts, set: ByteSet) {
    let mut rest = set;
    while rest != 0 {
        let b = rest.trailing_zeros() as usize;
        rest &= rest - 1;
        if let Some(count) = counts.get_mut(b) {
            *count -= 1;
        }
    }
}

/// Adds `moved` to `counts`, or takes it away if `subtract`.
fn shift_counts(counts: &mut ByteCounts, moved: &ByteCounts, subtract: bool) {
    for (c, m) in counts.iter_mut().zip(moved.iter()) {
        if subtract {
            *c -= m;
        } else {
            *c += m;
        }
    }
}

/// The byte count of `byte` in `counts` (0 for a byte that is not ASCII).
fn byte_count(counts: &ByteCounts, byte: u8) -> usize {
    counts.get(usize::from(byte)).map_or(0, |&c| c as usize)
}

fn has_byte(bytes: ByteSet, byte: u8) -> bool {
    byte < 128 && bytes >> byte & 1 == 1
}

/// The byte counts of the keys under `node`: from its children's counts, or from the keys'
/// byte sets in a leaf.
fn counts_of(node: &Node, bytes_of: BytesOf<'_>) -> Arc<ByteCounts> {
    let mut counts = [0; 128];
    match node {
        Node::Leaf(keys) => {
            for &k in keys {
                add_bytes(&mut counts, bytes_of(k));
            }
        }
        Node::Branch(children) => {
            for child in children {
                if let Some(child_counts) = &child.bytes {
                    shift_counts(&mut counts, child_counts, false);
                }
            }
        }
    }
    Arc::new(counts)
}

/// A counted B+tree of distinct keys in comparator order.
///
/// Invariants (checked by [`OrderTree::check_invariants`]):
/// - keys are strictly increasing under the comparator, across the whole tree;
/// - every leaf is at the same depth;
/// - a leaf other than the root holds `LEAF_MIN..=LEAF_MAX` keys, a branch other than the
///   root `BRANCH_MIN..=BRANCH_MAX` children; a root branch has at least 2 children, a root
///   leaf at most `LEAF_MAX` keys;
/// - each [`Child`] records the exact number of keys below it and its largest key;
/// - in a byte-counted tree every child records its [`ByteCounts`], exactly those of the keys
///   below it; in another, none does;
/// - `root_len` is the number of keys under `root`.
///
/// A tree that is not byte-counted also buffers the writes at its two ends, which are most
/// of a posting list's writes (a submission is newer than every job held, a retirement is
/// of the oldest): a key appended after every key goes to `tail`, and the first removal
/// from the front moves the first [`EDGE_MAX`] keys out of `root` into `head`, from which
/// the next ones are taken. So a run of writes at the ends changes the nodes of `root` once
/// in so many writes instead of at each, and where clones share `root` (snapshots), copies
/// its edge paths that much less often. The keys held are those of `head`, then `root`, then
/// `tail`, each part before the next; every key in them is held (a removed key is never
/// compared, so the comparator never looks up a job that is gone):
/// - `head` and `tail` are strictly increasing; every key of `head` comes before every key
///   of `root`, and every key of `tail` after;
/// - a byte-counted tree buffers nothing: `head` and `tail` are empty.
#[derive(Clone, Debug, Default)]
pub(crate) struct OrderTree {
    root: Arc<Node>,
    root_len: usize,
    byte_counted: bool,
    head: EdgeKeys,
    tail: EdgeKeys,
}

#[derive(Clone, Debug)]
enum Node {
    Leaf(Vec<Key>),
    Branch(Vec<Child>),
}

impl Default for Node {
    fn default() -> Node {
        Node::Leaf(Vec::new())
    }
}

/// A subtree with its key count and largest key, and in a byte-counted tree its byte counts.
#[derive(Clone, Debug)]
struct Child {
    count: usize,
    max: Key,
    node: Arc<Node>,
    bytes: Option<Arc<ByteCounts>>,
}

impl Node {
    /// Direct entries: keys of a leaf, children of a branch.
    fn entries(&self) -> usize {
        match self {
            Node::Leaf(keys) => keys.len(),
            Node::Branch(children) => children.len(),
        }
    }

    fn min_entries(&self) -> usize {
        match self {
            Node::Leaf(_) => LEAF_MIN,
            Node::Branch(_) => BRANCH_MIN,
        }
    }

    fn max_entries(&self) -> usize {
        match self {
            Node::Leaf(_) => LEAF_MAX,
            Node::Branch(_) => BRANCH_MAX,
        }
    }

    fn max_key(&self) -> Option<Key> {
        match self {
            Node::Leaf(keys) => keys.last().copied(),
            Node::Branch(children) => children.last().map(|c| c.max),
        }
    }

    fn count(&self) -> usize {
        match self {
            Node::Leaf(keys) => keys.len(),
            Node::Branch(children) => children.iter().map(|c| c.count).sum(),
        }
    }

    /// Wraps the node as a child, or `None` if it is empty; with its byte counts if
    /// `bytes_of` is given (a byte-counted tree).
    fn into_child(self, bytes_of: Option<BytesOf<'_>>) -> Option<Child> {
        let max = self.max_key()?;
        Some(Child {
            count: self.count(),
            max,
            bytes: bytes_of.map(|bytes_of| counts_of(&self, bytes_of)),
            node: Arc::new(self),
        })
    }

    /// Moves the upper half of the entries into a new sibling.
    fn split_half(&mut self, bytes_of: Option<BytesOf<'_>>) -> Option<Child> {
        self.split_keeping(self.entries() / 2, bytes_of)
    }

    /// Moves the entries after the first `keep` into a new sibling.
    fn split_keeping(&mut self, keep: usize, bytes_of: Option<BytesOf<'_>>) -> Option<Child> {
        let right = match self {
            Node::Leaf(keys) => Node::Leaf(keys.split_off(keep.min(keys.len()))),
            Node::Branch(children) => Node::Branch(children.split_off(keep.min(children.len()))),
        };
        right.into_child(bytes_of)
    }

    /// Splits an overflowing node after an append at its end: the new sibling takes a
    /// quarter more than the fewest entries a node may hold, so that the nodes a run of
    /// appends leaves behind stay about 70% full (an even split leaves them half full), and
    /// removing the key just appended does not merge the two again.
    fn split_after_append(&mut self, bytes_of: Option<BytesOf<'_>>) -> Option<Child> {
        let min = self.min_entries();
        let keep = self.entries() - (min + min / 4);
        self.split_keeping(keep, bytes_of)
    }

    /// Appends the entries of `right`, a node of the same depth whose keys all come after.
    fn append(&mut self, right: Node) {
        match (self, right) {
            (Node::Leaf(a), Node::Leaf(b)) => a.extend(b),
            (Node::Branch(a), Node::Branch(b)) => a.extend(b),
            _ => unreachable!("sibling nodes are always at the same depth"),
        }
    }

    fn heap_bytes(&self) -> usize {
        match self {
            Node::Leaf(keys) => keys.capacity() * size_of::<Key>(),
            Node::Branch(children) => {
                children.capacity() * size_of::<Child>()
                    + children
                        .iter()
                        .map(|c| {
                            // Each child's node and counts are `Arc` allocations: two
                            // reference counts before the value.
                            ARC_COUNTS
                                + size_of::<Node>()
                                + c.node.heap_bytes()
                                + c.bytes
                                    .as_ref()
                                    .map_or(0, |_| ARC_COUNTS + size_of::<ByteCounts>())
                        })
                        .sum::<usize>()
            }
        }
    }
}

/// How many leading `items` satisfy `below`, which holds for a prefix of them: a binary search
/// down to [`SCAN`] items, then a scan (see the module docs). O(log len + SCAN).
fn prefix_where<T>(items: &[T], below: impl Fn(&T) -> bool) -> usize {
    // Halve while the range is long, then scan.
    let (mut lo, mut hi) = (0, items.len());
    while hi - lo > SCAN {
        let mid = lo + (hi - lo) / 2;
        if items.get(mid).is_some_and(&below) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo + items
        .get(lo..hi)
        .unwrap_or_default()
        .iter()
        .take_while(|item| below(item))
        .count()
}

/// How few entries a node search scans instead of halving further.
const SCAN: usize = 8;

/// Makes room in a node's entries for one more, growing them by doubling up to `max + 1` (as
/// many as a node holds before it splits) and never past: `Vec`'s own doubling would give a
/// full node room for twice its entries, which it would keep after splitting.
fn reserve_one<T>(entries: &mut Vec<T>, max: usize) {
    if entries.len() == entries.capacity() {
        let room = (entries.len() * 2).clamp(4, max + 1).max(entries.len() + 1);
        entries.reserve_exact(room - entries.len());
    }
}

/// Where `key` is in `keys` (strictly increasing under `cmp`), as `binary_search` reports it.
fn search_leaf<C: Fn(Key, Key) -> Ordering>(
    keys: &[Key],
    key: Key,
    cmp: &C,
) -> Result<usize, usize> {
    let at = prefix_where(keys, |&k| cmp(k, key) == Ordering::Less);
    match keys.get(at) {
        Some(&k) if k == key => Ok(at),
        _ => Err(at),
    }
}

/// Index of the child of `children` where `key` belongs: the first whose max is not below it
/// (the last child if every max is below).
fn child_for(children: &[Child], below: impl Fn(Key) -> bool) -> usize {
    prefix_where(children, |c| below(c.max)).min(children.len().saturating_sub(1))
}

/// Where a key goes, as far as a search needs to know before it starts.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Place {
    /// Anywhere: each node is searched.
    Searched,
    /// After every key of the node: each level takes its last child, with no search. A
    /// submission's key (created now) is after every key of each of its ~40 lists, and a
    /// search's probes are the cache misses that dominate a write at 10^6 jobs.
    Last,
    /// At or before the largest key of the node's first child: each level tries its first
    /// child, checking that the key is at or before that child's largest, and searches only
    /// where it is not. The oldest job, which retention removes, is first in every list.
    First,
}

/// The [`Place`] of `key` in a tree whose root is `node`, from the entries a search would
/// read first anyway: its largest key and its first child's.
fn place_of<C: Fn(Key, Key) -> Ordering>(node: &Node, key: Key, cmp: &C) -> Place {
    let first_max = match node {
        Node::Leaf(keys) => keys.first().copied(),
        Node::Branch(children) => children.first().map(|c| c.max),
    };
    match (node.max_key(), first_max) {
        (Some(max), _) if cmp(max, key) == Ordering::Less => Place::Last,
        (_, Some(first)) if cmp(key, first) != Ordering::Greater => Place::First,
        _ => Place::Searched,
    }
}

/// Inserts `key` under `node`. Returns whether it was new, and a new right sibling if `node`
/// overflowed and split. A node that overflows from an append at its end (the key after
/// every other below it) splits unevenly (see [`Node::split_after_append`]).
fn insert_into<C: Fn(Key, Key) -> Ordering>(
    node: &mut Node,
    key: Key,
    cmp: &C,
    bytes: Option<(ByteSet, BytesOf<'_>)>,
) -> (bool, Option<Child>) {
    let place = match place_of(node, key, cmp) {
        // Inserts are rarely at the front: those there are searched for.
        Place::First => Place::Searched,
        place => place,
    };
    let (inserted, split, _) = insert_under(node, key, cmp, bytes, place);
    (inserted, split)
}

/// [`insert_into`] at a known [`Place`] (`Last` or `Searched`), also returning whether the
/// key went to the end of `node`.
fn insert_under<C: Fn(Key, Key) -> Ordering>(
    node: &mut Node,
    key: Key,
    cmp: &C,
    bytes: Option<(ByteSet, BytesOf<'_>)>,
    place: Place,
) -> (bool, Option<Child>, bool) {
    let bytes_of = bytes.map(|(_, bytes_of)| bytes_of);
    let (inserted, at_end) = match node {
        Node::Leaf(keys) => {
            let found = if place == Place::Last {
                Err(keys.len())
            } else {
                search_leaf(keys, key, cmp)
            };
            match found {
                Ok(_) => (false, false),
                Err(at) => {
                    let at_end = at == keys.len();
                    reserve_one(keys, LEAF_MAX);
                    keys.insert(at, key);
                    (true, at_end)
                }
            }
        }
        Node::Branch(children) => {
            let at = if place == Place::Last {
                children.len().saturating_sub(1)
            } else {
                child_for(children, |max| cmp(max, key) == Ordering::Less)
            };
            let last = at + 1 == children.len();
            let Some(child) = children.get_mut(at) else {
                return (false, None, false);
            };
            let (inserted, split, child_at_end) =
                insert_under(Arc::make_mut(&mut child.node), key, cmp, bytes, place);
            if inserted {
                child.count += 1;
                if cmp(key, child.max) == Ordering::Greater {
                    child.max = key;
                }
                if let (Some(counts), Some((set, _))) = (&mut child.bytes, bytes) {
                    add_bytes(Arc::make_mut(counts), set);
                }
            }
            if let Some(right) = split {
                child.count -= right.count;
                child.max = max_after_split(&child.node, child.max);
                if let (Some(counts), Some(moved)) = (&mut child.bytes, &right.bytes) {
                    shift_counts(Arc::make_mut(counts), moved, true);
                }
                reserve_one(children, BRANCH_MAX);
                children.insert(at + 1, right);
            }
            (inserted, last && child_at_end)
        }
    };
    let split = if node.entries() <= node.max_entries() {
        None
    } else if at_end {
        node.split_after_append(bytes_of)
    } else {
        node.split_half(bytes_of)
    };
    (inserted, split, at_end)
}

/// Removes `key` from under `node`; returns whether it was there.
fn remove_from<C: Fn(Key, Key) -> Ordering>(
    node: &mut Node,
    key: Key,
    cmp: &C,
    bytes: Option<(ByteSet, BytesOf<'_>)>,
) -> bool {
    let place = match place_of(node, key, cmp) {
        // After every key: not there.
        Place::Last => return false,
        place => place,
    };
    remove_under(node, key, cmp, bytes, place)
}

/// [`remove_from`] at a known [`Place`] (`First` or `Searched`).
fn remove_under<C: Fn(Key, Key) -> Ordering>(
    node: &mut Node,
    key: Key,
    cmp: &C,
    bytes: Option<(ByteSet, BytesOf<'_>)>,
    place: Place,
) -> bool {
    match node {
        Node::Leaf(keys) => {
            let found = if place == Place::First && keys.first() == Some(&key) {
                Ok(0)
            } else {
                search_leaf(keys, key, cmp)
            };
            match found {
                Ok(at) => {
                    keys.remove(at);
                    true
                }
                Err(_) => false,
            }
        }
        Node::Branch(children) => {
            let first = place == Place::First
                && children
                    .first()
                    .is_some_and(|c| cmp(key, c.max) != Ordering::Greater);
            let (at, place) = if first {
                (0, Place::First)
            } else {
                let at = child_for(children, |max| cmp(max, key) == Ordering::Less);
                (at, Place::Searched)
            };
            let Some(child) = children.get_mut(at) else {
                return false;
            };
            if !remove_under(Arc::make_mut(&mut child.node), key, cmp, bytes, place) {
                return false;
            }
            child.count -= 1;
            if let (Some(counts), Some((set, _))) = (&mut child.bytes, bytes) {
                sub_bytes(Arc::make_mut(counts), set);
            }
            if let Some(max) = child.node.max_key() {
                child.max = max;
            }
            if child.node.entries() < child.node.min_entries() {
                rebalance(children, at, bytes.map(|(_, bytes_of)| bytes_of));
            }
            true
        }
    }
}

/// The largest key of `node`, the left half of a split, which keeps at least half of what
/// overflowed (`stale` only if that were broken, which debug builds report).
fn max_after_split(node: &Node, stale: Key) -> Key {
    let max = node.max_key();
    debug_assert!(max.is_some(), "a split left an empty node");
    max.unwrap_or(stale)
}

/// Restores the size bounds of `children[at]`, which is under its minimum, by merging it with
/// a neighbour and, if the two together overflow, splitting them evenly again.
fn rebalance(children: &mut Vec<Child>, at: usize, bytes_of: Option<BytesOf<'_>>) {
    if children.len() < 2 {
        return;
    }
    let left_at = if at + 1 < children.len() { at } else { at - 1 };
    if left_at + 1 >= children.len() {
        return;
    }
    let right = children.remove(left_at + 1);
    let Some(left) = children.get_mut(left_at) else {
        return;
    };
    let left_node = Arc::make_mut(&mut left.node);
    left_node.append(Arc::unwrap_or_clone(right.node));
    left.count += right.count;
    left.max = right.max;
    if let (Some(counts), Some(moved)) = (&mut left.bytes, &right.bytes) {
        shift_counts(Arc::make_mut(counts), moved, false);
    }
    if left_node.entries() > left_node.max_entries()
        && let Some(new_right) = left_node.split_half(bytes_of)
    {
        left.count -= new_right.count;
        left.max = max_after_split(&left.node, left.max);
        if let (Some(counts), Some(moved)) = (&mut left.bytes, &new_right.bytes) {
            shift_counts(Arc::make_mut(counts), moved, true);
        }
        children.insert(left_at + 1, new_right);
    }
}

/// The sizes of the fewest runs of at most `max` that hold `n` items, as even as possible
/// (so each run of several has at least `max / 2`): `runs` runs, the first `extra` of them
/// one longer than `base`.
#[derive(Clone, Copy, Debug)]
struct EvenRuns {
    runs: usize,
    base: usize,
    extra: usize,
}

impl EvenRuns {
    fn new(n: usize, max: usize) -> EvenRuns {
        let runs = n.div_ceil(max).max(1);
        EvenRuns {
            runs,
            base: n / runs,
            extra: n % runs,
        }
    }

    /// The size of run `i`.
    fn size(&self, i: usize) -> usize {
        self.base + usize::from(i < self.extra)
    }
}

/// Splits `items` into [`EvenRuns`] of at most `max`.
fn even_runs<T>(items: Vec<T>, max: usize) -> Vec<Vec<T>> {
    let plan = EvenRuns::new(items.len(), max);
    let mut rest = items.into_iter();
    (0..plan.runs)
        .map(|i| rest.by_ref().take(plan.size(i)).collect())
        .collect()
}

/// How many keys under `node` satisfy `below`, which holds for a prefix of them. O(log n).
fn root_rank_where(node: &Node, below: impl Fn(Key) -> bool) -> usize {
    let mut node = node;
    let mut rank = 0;
    loop {
        match node {
            Node::Leaf(keys) => return rank + prefix_where(keys, |&k| below(k)),
            Node::Branch(children) => {
                let at = prefix_where(children, |c| below(c.max));
                rank += children.iter().take(at).map(|c| c.count).sum::<usize>();
                match children.get(at) {
                    Some(child) => node = &child.node,
                    None => return rank,
                }
            }
        }
    }
}

/// Whether `key` is the first key under `node`: down the first child while `key` is at or
/// before its largest, so a key past the first child's stops at the root. O(log n).
fn is_first<C: Fn(Key, Key) -> Ordering>(node: &Node, key: Key, cmp: &C) -> bool {
    let mut node = node;
    loop {
        match node {
            Node::Leaf(keys) => return keys.first() == Some(&key),
            Node::Branch(children) => match children.first() {
                Some(first) if cmp(key, first.max) != Ordering::Greater => node = &first.node,
                _ => return false,
            },
        }
    }
}

/// Visits the keys at ranks `lo..hi` (relative to `node`, which holds `count` keys), in
/// ascending order or, if `rev`, descending.
fn walk_node<F: FnMut(Key) -> ControlFlow<()>>(
    node: &Node,
    count: usize,
    lo: usize,
    hi: usize,
    rev: bool,
    f: &mut F,
) -> ControlFlow<()> {
    match node {
        Node::Leaf(keys) => {
            let run = keys.get(lo..hi);
            debug_assert!(run.is_some(), "ranks {lo}..{hi} lie within the leaf");
            let run = run.unwrap_or_default();
            if rev {
                run.iter().rev().try_for_each(|&k| f(k))
            } else {
                run.iter().try_for_each(|&k| f(k))
            }
        }
        Node::Branch(children) => {
            let mut visit = |child: &Child, start: usize| {
                let end = start + child.count;
                if start < hi && lo < end {
                    let (a, b) = (lo.max(start) - start, hi.min(end) - start);
                    walk_node(&child.node, child.count, a, b, rev, f)
                } else {
                    ControlFlow::Continue(())
                }
            };
            if rev {
                let mut end = count;
                for child in children.iter().rev() {
                    let start = end - child.count;
                    if end <= lo {
                        break;
                    }
                    visit(child, start)?;
                    end = start;
                }
            } else {
                let mut start = 0;
                for child in children {
                    if start >= hi {
                        break;
                    }
                    visit(child, start)?;
                    start += child.count;
                }
            }
            ControlFlow::Continue(())
        }
    }
}

/// What a walk over the keys with one byte is after: the byte, how many of the keys with it
/// are still to be skipped, and how to read a key's byte set.
struct ByteWalk<'a> {
    byte: u8,
    skip: usize,
    bytes_of: BytesOf<'a>,
}

/// Visits the keys with `walk.byte` at ranks `lo..hi` (relative to `node`, which holds
/// `count` keys) in ascending order or, if `rev`, descending, after skipping `walk.skip` of
/// them: whole children at once by their byte counts where they lie inside the ranks.
fn walk_byte_node<F: FnMut(Key) -> ControlFlow<()>>(
    node: &Node,
    count: usize,
    (lo, hi): (usize, usize),
    rev: bool,
    walk: &mut ByteWalk<'_>,
    f: &mut F,
) -> ControlFlow<()> {
    match node {
        Node::Leaf(keys) => {
            let run = keys.get(lo..hi);
            debug_assert!(run.is_some(), "ranks {lo}..{hi} lie within the leaf");
            let mut visit = |k: Key| {
                if !has_byte((walk.bytes_of)(k), walk.byte) {
                    ControlFlow::Continue(())
                } else if walk.skip > 0 {
                    walk.skip -= 1;
                    ControlFlow::Continue(())
                } else {
                    f(k)
                }
            };
            let run = run.unwrap_or_default();
            if rev {
                run.iter().rev().try_for_each(|&k| visit(k))
            } else {
                run.iter().try_for_each(|&k| visit(k))
            }
        }
        Node::Branch(children) => {
            let mut visit = |child: &Child, start: usize| {
                let end = start + child.count;
                if end <= lo || hi <= start {
                    return ControlFlow::Continue(());
                }
                let inside = lo <= start && end <= hi;
                let with_byte = child.bytes.as_ref().map(|c| byte_count(c, walk.byte));
                match with_byte {
                    Some(0) => return ControlFlow::Continue(()),
                    Some(n) if inside && n <= walk.skip => {
                        walk.skip -= n;
                        return ControlFlow::Continue(());
                    }
                    _ => {}
                }
                let range = (lo.max(start) - start, hi.min(end) - start);
                walk_byte_node(&child.node, child.count, range, rev, walk, f)
            };
            if rev {
                let mut end = count;
                for child in children.iter().rev() {
                    let start = end - child.count;
                    if end <= lo {
                        break;
                    }
                    visit(child, start)?;
                    end = start;
                }
            } else {
                let mut start = 0;
                for child in children {
                    if start >= hi {
                        break;
                    }
                    visit(child, start)?;
                    start += child.count;
                }
            }
            ControlFlow::Continue(())
        }
    }
}

/// Moves the byte counts of `key` from `old` to `new` along its path; returns whether `key`
/// is under `node`, changing nothing if not.
fn rebyte_under<C: Fn(Key, Key) -> Ordering>(
    node: &mut Node,
    key: Key,
    cmp: &C,
    (old, new): (ByteSet, ByteSet),
) -> bool {
    match node {
        Node::Leaf(keys) => search_leaf(keys, key, cmp).is_ok(),
        Node::Branch(children) => {
            let at = child_for(children, |max| cmp(max, key) == Ordering::Less);
            let Some(child) = children.get_mut(at) else {
                return false;
            };
            if !rebyte_under(Arc::make_mut(&mut child.node), key, cmp, (old, new)) {
                return false;
            }
            if let Some(counts) = &mut child.bytes {
                let counts = Arc::make_mut(counts);
                sub_bytes(counts, old);
                add_bytes(counts, new);
            }
            true
        }
    }
}

/// Builds an [`OrderTree`] of a known number of keys pushed in order, filling its leaves in
/// place (no buffer of all the keys first).
#[derive(Debug)]
pub(crate) struct TreeBuilder {
    /// Every leaf of the tree, made with room for its keys when the builder is made: the
    /// thread that makes a builder is the one that allocates its leaves, whichever fills
    /// them.
    leaves: Vec<Vec<Key>>,
    /// How many keys each leaf takes.
    plan: EvenRuns,
    /// The leaf being filled. Invariant: the leaves before it hold their planned keys, those
    /// after it none.
    filling: usize,
}

impl TreeBuilder {
    /// A builder for a tree of `n` keys, its leaves allocated. O(n / LEAF_MAX).
    pub(crate) fn new(n: usize) -> TreeBuilder {
        let plan = EvenRuns::new(n, LEAF_MAX);
        TreeBuilder {
            leaves: (0..plan.runs)
                .map(|i| Vec::with_capacity(plan.size(i)))
                .collect(),
            plan,
            filling: 0,
        }
    }

    /// Appends `key`, which comes after every key pushed before it; one of the `n` keys the
    /// builder was made for. O(1).
    pub(crate) fn push(&mut self, key: Key) {
        while let Some(leaf) = self.leaves.get_mut(self.filling) {
            if leaf.len() < self.plan.size(self.filling) {
                leaf.push(key);
                return;
            }
            self.filling += 1;
        }
        debug_assert!(false, "more keys pushed than the builder was made for");
    }

    /// The tree of the keys pushed, which must be the `n` it was made for. O(leaves).
    pub(crate) fn finish(self) -> OrderTree {
        OrderTree::from_leaves(self.leaves, None)
    }
}

impl OrderTree {
    /// Builds a tree from keys already strictly increasing under the comparator. O(n).
    pub(crate) fn from_sorted(keys: Vec<Key>) -> OrderTree {
        OrderTree::from_leaves(even_runs(keys, LEAF_MAX), None)
    }

    /// An empty byte-counted tree.
    pub(crate) fn byte_counted() -> OrderTree {
        OrderTree {
            byte_counted: true,
            ..OrderTree::default()
        }
    }

    /// A byte-counted tree of keys already strictly increasing under the comparator, each
    /// key's byte set given by `bytes_of`. O(n · name length).
    pub(crate) fn from_sorted_byte_counted(keys: Vec<Key>, bytes_of: BytesOf<'_>) -> OrderTree {
        OrderTree::from_leaves(even_runs(keys, LEAF_MAX), Some(bytes_of))
    }

    /// Builds a tree from its leaves, in order, sized as [`EvenRuns`] plans, byte-counted if
    /// `bytes_of` is given. O(leaves), or O(n · name length) byte-counted.
    fn from_leaves(leaves: Vec<Vec<Key>>, bytes_of: Option<BytesOf<'_>>) -> OrderTree {
        let len = leaves.iter().map(Vec::len).sum();
        let byte_counted = bytes_of.is_some();
        if leaves.len() <= 1 {
            return OrderTree {
                root: Arc::new(Node::Leaf(leaves.into_iter().next().unwrap_or_default())),
                root_len: len,
                byte_counted,
                ..OrderTree::default()
            };
        }
        let mut level: Vec<Child> = leaves
            .into_iter()
            .filter_map(|run| Node::Leaf(run).into_child(bytes_of))
            .collect();
        while level.len() > BRANCH_MAX {
            level = even_runs(level, BRANCH_MAX)
                .into_iter()
                .filter_map(|run| Node::Branch(run).into_child(bytes_of))
                .collect();
        }
        OrderTree {
            root: Arc::new(Node::Branch(level)),
            root_len: len,
            byte_counted,
            ..OrderTree::default()
        }
    }

    /// Whether it is byte-counted. O(1).
    pub(crate) fn is_byte_counted(&self) -> bool {
        self.byte_counted
    }

    /// How many keys it holds. O(1).
    pub(crate) fn len(&self) -> usize {
        self.head.len() + self.root_len + self.tail.len()
    }

    /// Whether it holds no key. O(1).
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds `key`; returns `false` (changing nothing) if it is already there. O(log n);
    /// O(1) after the last key, but for one write in [`EDGE_MAX`]. Not for a byte-counted
    /// tree, which takes [`OrderTree::insert_counted`].
    pub(crate) fn insert<C: Fn(Key, Key) -> Ordering>(&mut self, key: Key, cmp: &C) -> bool {
        debug_assert!(!self.byte_counted, "a byte-counted tree inserts counted");
        let last = (self.tail.last())
            .or_else(|| self.root.max_key())
            .or_else(|| self.head.last());
        if last.is_none_or(|last| cmp(key, last) == Ordering::Greater) {
            if self.tail.is_full() {
                self.flush_tail(cmp);
            }
            return self.tail.insert(self.tail.len(), key);
        }
        let in_tail = (self.tail.first()).is_some_and(|first| cmp(key, first) != Ordering::Less);
        let in_head = (self.head.last()).is_some_and(|last| cmp(key, last) != Ordering::Greater);
        if in_tail || in_head {
            let part = if in_tail { &self.tail } else { &self.head };
            // A search, and at most EDGE_MAX keys moved.
            let Err(at) = part.as_slice().binary_search_by(|&k| cmp(k, key)) else {
                return false;
            };
            if !part.is_full() {
                let part = if in_tail {
                    &mut self.tail
                } else {
                    &mut self.head
                };
                return part.insert(at, key);
            }
            // Full: its keys go into the root, and so does this one.
            if in_tail {
                self.flush_tail(cmp);
            } else {
                self.flush_head(cmp);
            }
        }
        self.insert_with(key, cmp, None)
    }

    /// Puts the tail's keys into the root: appends, each after every key there. O(EDGE_MAX ·
    /// log n).
    fn flush_tail<C: Fn(Key, Key) -> Ordering>(&mut self, cmp: &C) {
        let tail = std::mem::take(&mut self.tail);
        for &key in tail.as_slice() {
            self.insert_with(key, cmp, None);
        }
    }

    /// Puts the head's keys back into the root, each before every key there. O(EDGE_MAX ·
    /// log n).
    fn flush_head<C: Fn(Key, Key) -> Ordering>(&mut self, cmp: &C) {
        let head = std::mem::take(&mut self.head);
        for &key in head.as_slice().iter().rev() {
            self.insert_with(key, cmp, None);
        }
    }

    /// Moves the root's first [`EDGE_MAX`] keys (or all, if fewer) into the empty head:
    /// removals from the front of the root. O(EDGE_MAX · log n).
    fn fill_head<C: Fn(Key, Key) -> Ordering>(&mut self, cmp: &C) {
        debug_assert!(self.head.is_empty(), "only an empty head is filled");
        let take = self.root_len.min(EDGE_MAX);
        let mut head = EdgeKeys::default();
        let _ = walk_node(&self.root, self.root_len, 0, take, false, &mut |k| {
            head.insert(head.len(), k);
            ControlFlow::Continue(())
        });
        for &key in head.as_slice() {
            self.remove_with(key, cmp, None);
        }
        self.head = head;
    }

    /// Adds `key`, whose job's byte set `bytes_of` tells (as it does for every key held, in
    /// a byte-counted tree); returns `false` (changing nothing) if it is already there.
    /// O(log n), plus a leaf's names when a node splits.
    pub(crate) fn insert_counted<C: Fn(Key, Key) -> Ordering>(
        &mut self,
        key: Key,
        cmp: &C,
        bytes_of: BytesOf<'_>,
    ) -> bool {
        if !self.byte_counted {
            return self.insert(key, cmp);
        }
        self.insert_with(key, cmp, Some((bytes_of(key), bytes_of)))
    }

    fn insert_with<C: Fn(Key, Key) -> Ordering>(
        &mut self,
        key: Key,
        cmp: &C,
        bytes: Option<(ByteSet, BytesOf<'_>)>,
    ) -> bool {
        let (inserted, split) = insert_into(Arc::make_mut(&mut self.root), key, cmp, bytes);
        if inserted {
            self.root_len += 1;
        }
        if let Some(right) = split {
            let left = Arc::unwrap_or_clone(std::mem::take(&mut self.root));
            if let Some(left) = left.into_child(bytes.map(|(_, bytes_of)| bytes_of)) {
                self.root = Arc::new(Node::Branch(vec![left, right]));
            }
        }
        inserted
    }

    /// Reads, in each of `trees`, the ends of its head and tail, and where the write of `key`
    /// will go through the root at one of its ends (an append with an empty tail, a removal
    /// of the first key with an empty head; see [`Place`]), the nodes on the way there: all
    /// the trees together, a level at a time, so that each tree's nodes are on
    /// their way from memory while the others' are read, and the write that follows finds
    /// them in the cache. Returns a value made of what was read, for the caller to
    /// `black_box`. O(trees · log n).
    ///
    /// On 10^6 jobs this took a submission's ~40 list appends from 18.0 to 14.0 µs, 21.2 to
    /// 16.7 and 24.6 to 18.5 (three runs, each alternating rounds with and without it). For
    /// a key in the middle of a list it gained nothing measurable, so those are not read.
    pub(crate) fn touch_ends<C: Fn(Key, Key) -> Ordering>(
        trees: &[&OrderTree],
        key: Key,
        cmp: &C,
    ) -> Key {
        let mut seen = 0;
        let mut nodes = Vec::with_capacity(trees.len());
        for tree in trees {
            // An append goes to the tail, a removal of the first key to the head: their ends
            // are read, and the root's path only where the write will take it.
            let (head, tail) = (tree.head.first(), tree.tail.last());
            seen ^= head.unwrap_or_default() ^ tail.unwrap_or_default();
            let after_tail = tail.is_some_and(|last| cmp(key, last) == Ordering::Greater);
            let in_head =
                (tree.head.last()).is_some_and(|last| cmp(key, last) != Ordering::Greater);
            if after_tail || in_head {
                continue;
            }
            let place = place_of(&tree.root, key, cmp);
            let through_root = match place {
                Place::Last => tail.is_none(),
                Place::First => head.is_none(),
                Place::Searched => false,
            };
            if through_root {
                nodes.push((&*tree.root, place));
            }
        }
        while !nodes.is_empty() {
            nodes.retain_mut(|(node, place)| match node {
                Node::Leaf(keys) => {
                    let end = match place {
                        Place::Last => keys.last(),
                        _ => keys.first(),
                    };
                    seen ^= end.copied().unwrap_or_default();
                    false
                }
                Node::Branch(children) => {
                    let end = match place {
                        Place::Last => children.last(),
                        _ => children.first(),
                    };
                    match end {
                        Some(child) => {
                            *node = &child.node;
                            true
                        }
                        None => false,
                    }
                }
            });
        }
        seen
    }

    /// Removes `key`; returns `false` (changing nothing) if it is not there. O(log n); the
    /// first key's removal changes no node, but for one in [`EDGE_MAX`]. Not for a
    /// byte-counted tree, which takes [`OrderTree::remove_counted`].
    pub(crate) fn remove<C: Fn(Key, Key) -> Ordering>(&mut self, key: Key, cmp: &C) -> bool {
        debug_assert!(!self.byte_counted, "a byte-counted tree removes counted");
        if self.head.is_empty() && is_first(&self.root, key, cmp) {
            // The first key held: the root's first keys move to the head, taken from there.
            self.fill_head(cmp);
        }
        let in_tail = (self.tail.first()).is_some_and(|first| cmp(key, first) != Ordering::Less);
        let in_head = (self.head.last()).is_some_and(|last| cmp(key, last) != Ordering::Greater);
        if in_tail || in_head {
            let part = if in_tail {
                &mut self.tail
            } else {
                &mut self.head
            };
            return match part.as_slice().binary_search_by(|&k| cmp(k, key)) {
                Ok(at) => part.remove(at).is_some(),
                Err(_) => false,
            };
        }
        self.remove_with(key, cmp, None)
    }

    /// Removes `key`, whose job's byte set `bytes_of` tells (still the one it had when it was
    /// inserted); returns `false` (changing nothing) if it is not there. O(log n), plus a
    /// leaf's names when nodes merge and split again.
    pub(crate) fn remove_counted<C: Fn(Key, Key) -> Ordering>(
        &mut self,
        key: Key,
        cmp: &C,
        bytes_of: BytesOf<'_>,
    ) -> bool {
        if !self.byte_counted {
            return self.remove(key, cmp);
        }
        self.remove_with(key, cmp, Some((bytes_of(key), bytes_of)))
    }

    fn remove_with<C: Fn(Key, Key) -> Ordering>(
        &mut self,
        key: Key,
        cmp: &C,
        bytes: Option<(ByteSet, BytesOf<'_>)>,
    ) -> bool {
        if !remove_from(Arc::make_mut(&mut self.root), key, cmp, bytes) {
            return false;
        }
        self.root_len -= 1;
        loop {
            let only_child = match Arc::make_mut(&mut self.root) {
                Node::Branch(children) if children.len() == 1 => children.pop(),
                _ => None,
            };
            match only_child {
                Some(child) => self.root = child.node,
                None => break,
            }
        }
        true
    }

    /// How many keys satisfy `below`, which must hold for a prefix of the keys in order
    /// (for example "comes before x"). O(log n).
    pub(crate) fn rank_where(&self, below: impl Fn(Key) -> bool) -> usize {
        let in_head = prefix_where(self.head.as_slice(), |&k| below(k));
        if in_head < self.head.len() {
            return in_head;
        }
        let in_root = root_rank_where(&self.root, &below);
        if in_root < self.root_len {
            return in_head + in_root;
        }
        in_head + in_root + prefix_where(self.tail.as_slice(), |&k| below(k))
    }

    /// Visits the keys at ranks `lo..hi` ascending, or descending if `rev`, until `f` breaks.
    /// O(log n + keys visited).
    pub(crate) fn walk<F: FnMut(Key) -> ControlFlow<()>>(
        &self,
        lo: usize,
        hi: usize,
        rev: bool,
        mut f: F,
    ) {
        let hi = hi.min(self.len());
        if lo >= hi {
            return;
        }
        // Ranks below `h` are the head's, from `h` to `t` the root's, from `t` the tail's.
        let (h, t) = (self.head.len(), self.head.len() + self.root_len);
        let head = (self.head.as_slice().get(lo.min(h)..hi.min(h))).unwrap_or_default();
        let tail = (self.tail.as_slice().get(lo.max(t) - t..hi.max(t) - t)).unwrap_or_default();
        let (a, b) = (lo.clamp(h, t) - h, hi.clamp(h, t) - h);
        let root = |f: &mut F| {
            if a < b {
                walk_node(&self.root, self.root_len, a, b, rev, f)
            } else {
                ControlFlow::Continue(())
            }
        };
        if rev {
            if tail.iter().rev().try_for_each(|&k| f(k)).is_continue() && root(&mut f).is_continue()
            {
                let _ = head.iter().rev().try_for_each(|&k| f(k));
            }
        } else if head.iter().try_for_each(|&k| f(k)).is_continue() && root(&mut f).is_continue() {
            let _ = tail.iter().try_for_each(|&k| f(k));
        }
    }

    /// How many keys satisfy `below` (which must hold for a prefix of the keys in order) and
    /// name a job whose folded name has `byte`, in a byte-counted tree. O(log n), plus the byte
    /// sets of one leaf's keys.
    pub(crate) fn rank_with_byte_where(
        &self,
        below: impl Fn(Key) -> bool,
        byte: u8,
        bytes_of: BytesOf<'_>,
    ) -> usize {
        debug_assert!(self.byte_counted, "only a byte-counted tree counts bytes");
        let mut node: &Node = &self.root;
        let mut rank = 0;
        loop {
            match node {
                Node::Leaf(keys) => {
                    let prefix = keys.get(..prefix_where(keys, |&k| below(k)));
                    return rank
                        + prefix
                            .unwrap_or_default()
                            .iter()
                            .filter(|&&k| has_byte(bytes_of(k), byte))
                            .count();
                }
                Node::Branch(children) => {
                    let at = prefix_where(children, |c| below(c.max));
                    rank += children
                        .iter()
                        .take(at)
                        .filter_map(|c| c.bytes.as_ref())
                        .map(|counts| byte_count(counts, byte))
                        .sum::<usize>();
                    match children.get(at) {
                        Some(child) => node = &child.node,
                        None => return rank,
                    }
                }
            }
        }
    }

    /// Visits the keys with `byte` at ranks `lo..hi`, ascending or, if `rev`, descending,
    /// after skipping the first `skip` of them, until `f` breaks; in a byte-counted tree.
    /// O(log n) to skip, plus the byte sets of the keys read in the leaves it enters.
    pub(crate) fn walk_with_byte<F: FnMut(Key) -> ControlFlow<()>>(
        &self,
        (lo, hi): (usize, usize),
        rev: bool,
        (byte, skip): (u8, usize),
        bytes_of: BytesOf<'_>,
        mut f: F,
    ) {
        debug_assert!(self.byte_counted, "only a byte-counted tree counts bytes");
        debug_assert!(
            self.head.is_empty() && self.tail.is_empty(),
            "it buffers nothing"
        );
        let hi = hi.min(self.root_len);
        if lo < hi {
            let mut walk = ByteWalk {
                byte,
                skip,
                bytes_of,
            };
            let _ = walk_byte_node(&self.root, self.root_len, (lo, hi), rev, &mut walk, &mut f);
        }
    }

    /// Moves `key`'s counts from byte set `old` to `new` (its job's name changed); returns
    /// `false` (changing nothing) if `key` is not there. O(log n).
    pub(crate) fn rebyte<C: Fn(Key, Key) -> Ordering>(
        &mut self,
        key: Key,
        cmp: &C,
        old: ByteSet,
        new: ByteSet,
    ) -> bool {
        rebyte_under(Arc::make_mut(&mut self.root), key, cmp, (old, new))
    }

    /// Every key in order (for checks and rebuilds). O(n).
    pub(crate) fn keys(&self) -> Vec<Key> {
        let mut out = Vec::with_capacity(self.len());
        self.walk(0, self.len(), false, |k| {
            out.push(k);
            ControlFlow::Continue(())
        });
        out
    }

    /// Bytes of heap the tree holds.
    pub(crate) fn heap_bytes(&self) -> usize {
        ARC_COUNTS + size_of::<Node>() + self.root.heap_bytes()
    }

    /// Checks every invariant listed on [`OrderTree`], reading the keys' byte sets with
    /// `bytes_of` if it is byte-counted.
    pub(crate) fn check_invariants_counted<C: Fn(Key, Key) -> Ordering>(
        &self,
        cmp: &C,
        bytes_of: BytesOf<'_>,
    ) -> Result<(), String> {
        self.check_invariants(cmp)?;
        /// Checks the byte counts of every child under `node` against its keys'.
        fn check_counts(
            node: &Node,
            byte_counted: bool,
            bytes_of: BytesOf<'_>,
        ) -> Result<(), String> {
            if let Node::Branch(children) = node {
                for child in children {
                    match (&child.bytes, byte_counted) {
                        (Some(counts), true) => {
                            if **counts != *counts_of(&child.node, bytes_of) {
                                return Err("child byte counts are not its keys'".into());
                            }
                        }
                        (None, false) => {}
                        _ => return Err("a child's byte counts are missing or extra".into()),
                    }
                    check_counts(&child.node, byte_counted, bytes_of)?;
                }
            }
            Ok(())
        }
        check_counts(&self.root, self.byte_counted, bytes_of)
    }

    /// Checks every invariant listed on [`OrderTree`] but the byte counts (see
    /// [`OrderTree::check_invariants_counted`]).
    pub(crate) fn check_invariants<C: Fn(Key, Key) -> Ordering>(
        &self,
        cmp: &C,
    ) -> Result<(), String> {
        /// A checked subtree: its key count, smallest and largest key, and depth.
        type Checked = (usize, Option<(Key, Key)>, usize);
        /// Checks `node`.
        fn check<C: Fn(Key, Key) -> Ordering>(
            node: &Node,
            is_root: bool,
            cmp: &C,
        ) -> Result<Checked, String> {
            let entries = node.entries();
            if entries > node.max_entries() {
                return Err(format!("node with {entries} entries overflows"));
            }
            if !is_root && entries < node.min_entries() {
                return Err(format!("non-root node with {entries} entries underflows"));
            }
            match node {
                Node::Leaf(keys) => {
                    if keys
                        .windows(2)
                        .any(|w| matches!(w, [a, b] if cmp(*a, *b) != Ordering::Less))
                    {
                        return Err("leaf keys not strictly increasing".into());
                    }
                    let span = keys.first().copied().zip(keys.last().copied());
                    Ok((keys.len(), span, 0))
                }
                Node::Branch(children) => {
                    if is_root && children.len() < 2 {
                        return Err("root branch with fewer than 2 children".into());
                    }
                    let mut total = 0;
                    let mut depth = None;
                    let mut span: Option<(Key, Key)> = None;
                    for child in children {
                        let (count, child_span, child_depth) = check(&child.node, false, cmp)?;
                        if count != child.count {
                            return Err(format!("child says {} keys, holds {count}", child.count));
                        }
                        let Some((min, max)) = child_span else {
                            return Err("empty child".into());
                        };
                        if max != child.max {
                            return Err("child max is stale".into());
                        }
                        if let Some((_, prev_max)) = span
                            && cmp(prev_max, min) != Ordering::Less
                        {
                            return Err("children out of order".into());
                        }
                        if *depth.get_or_insert(child_depth) != child_depth {
                            return Err("leaves at different depths".into());
                        }
                        span = Some((span.map_or(min, |(first, _)| first), max));
                        total += count;
                    }
                    Ok((total, span, depth.unwrap_or(0) + 1))
                }
            }
        }
        let (count, span, _) = check(&self.root, true, cmp)?;
        if count != self.root_len {
            return Err(format!("tree says {} keys, holds {count}", self.root_len));
        }
        let increasing = |keys: &[Key]| {
            keys.windows(2)
                .all(|w| matches!(w, [a, b] if cmp(*a, *b) == Ordering::Less))
        };
        if !increasing(self.head.as_slice()) || !increasing(self.tail.as_slice()) {
            return Err("head or tail keys not strictly increasing".into());
        }
        if let (Some(last), Some((min, _))) = (self.head.last(), span)
            && cmp(last, min) != Ordering::Less
        {
            return Err("a head key not before every key of the root".into());
        }
        if let (Some(first), Some((_, max))) = (self.tail.first(), span)
            && cmp(max, first) != Ordering::Less
        {
            return Err("a tail key not after every key of the root".into());
        }
        if let (Some(first), Some(last)) = (self.tail.first(), self.head.last())
            && cmp(last, first) != Ordering::Less
        {
            return Err("a tail key not after every key of the head".into());
        }
        if self.byte_counted && (!self.head.is_empty() || !self.tail.is_empty()) {
            return Err("a byte-counted tree buffers keys".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    /// Keys compared as plain integers, so `BTreeSet` is the model.
    fn plain(a: Key, b: Key) -> Ordering {
        a.cmp(&b)
    }

    fn assert_like(tree: &OrderTree, model: &BTreeSet<Key>) {
        tree.check_invariants(&plain).unwrap();
        assert_eq!(tree.len(), model.len());
        assert_eq!(tree.keys(), model.iter().copied().collect::<Vec<_>>());
    }

    #[test]
    fn grows_several_levels_and_empties_again() {
        let mut tree = OrderTree::default();
        let mut model = BTreeSet::new();
        // A scattered order of 200,000 distinct keys: three levels at these node sizes.
        let keys: Vec<Key> = (0..200_000u64)
            .map(|i| i.wrapping_mul(2_654_435_761) % 1_000_003)
            .collect();
        for &k in &keys {
            assert_eq!(tree.insert(k, &plain), model.insert(k));
        }
        assert_like(&tree, &model);
        assert!(
            matches!(&*tree.root, Node::Branch(children) if matches!(*children[0].node, Node::Branch(_)))
        );
        for &k in keys.iter().rev().step_by(3) {
            assert_eq!(tree.remove(k, &plain), model.remove(&k));
        }
        assert_like(&tree, &model);
        for &k in &keys {
            assert_eq!(tree.remove(k, &plain), model.remove(&k));
        }
        assert_like(&tree, &model);
        assert!(matches!(&*tree.root, Node::Leaf(keys) if keys.is_empty()));
    }

    /// Leaves of the tree, with how many keys each holds.
    fn leaf_sizes(node: &Node, out: &mut Vec<usize>) {
        match node {
            Node::Leaf(keys) => out.push(keys.len()),
            Node::Branch(children) => children.iter().for_each(|c| leaf_sizes(&c.node, out)),
        }
    }

    /// Leaf allocations of the tree, by address.
    fn leaf_addresses(node: &Node, out: &mut BTreeSet<usize>) {
        if let Node::Branch(children) = node {
            for c in children {
                match &*c.node {
                    Node::Leaf(_) => {
                        out.insert(Arc::as_ptr(&c.node) as usize);
                    }
                    branch => leaf_addresses(branch, out),
                }
            }
        }
    }

    #[test]
    fn a_clone_shares_its_nodes_and_a_write_to_either_copies_only_its_path() {
        let keys: Vec<Key> = (0..200_000u64).map(|i| 4 * i).collect();
        let mut original = OrderTree::from_sorted(keys.clone());
        let mut copy = original.clone();
        let (mut before, mut shared) = (BTreeSet::new(), BTreeSet::new());
        leaf_addresses(&original.root, &mut before);
        leaf_addresses(&copy.root, &mut shared);
        assert!(before.len() > 1000);
        assert_eq!(before, shared, "a clone copies no leaf");

        // Writes to the copy: an append, an insert and a removal in the middle.
        assert!(copy.insert(4 * 200_000, &plain));
        assert!(copy.insert(401, &plain));
        assert!(copy.remove(4 * 1000, &plain));
        let mut after = BTreeSet::new();
        leaf_addresses(&copy.root, &mut after);
        let unshared = after.difference(&before).count();
        // At most two a write: its leaf, and the new sibling if the leaf split.
        assert!(unshared <= 6, "{unshared} leaves new for 3 writes");
        assert_eq!(original.keys(), keys, "the original is unchanged");
        original.check_invariants(&plain).unwrap();
        copy.check_invariants(&plain).unwrap();
        let mut expected = keys.clone();
        expected.push(4 * 200_000);
        expected.insert(101, 401);
        expected.retain(|&k| k != 4 * 1000);
        assert_eq!(copy.keys(), expected);

        // And writes to the original now leave the copy as it is.
        assert!(original.remove(0, &plain));
        assert_eq!(copy.keys(), expected);
        assert_eq!(original.keys(), keys[1..]);
    }

    #[test]
    fn appends_leave_nodes_three_quarters_full() {
        // Keys appended one at a time, as submissions arrive, then some inserted in between.
        let mut tree = OrderTree::default();
        let mut model = BTreeSet::new();
        for k in (0..300_000u64).map(|i| 2 * i) {
            tree.insert(k, &plain);
            model.insert(k);
        }
        assert_like(&tree, &model);
        let mut sizes = Vec::new();
        leaf_sizes(&tree.root, &mut sizes);
        let (last, behind) = sizes.split_last().unwrap();
        // Each leaf an append left behind holds all but LEAF_MIN + LEAF_MIN / 4 of the
        // LEAF_MAX + 1 keys it overflowed with (89 of 128); the last one takes the next
        // appends.
        let kept = LEAF_MAX + 1 - (LEAF_MIN + LEAF_MIN / 4);
        assert!(behind.iter().all(|&n| n == kept), "{behind:?}");
        assert!((LEAF_MIN..=LEAF_MAX).contains(last));
        let Node::Branch(children) = &*tree.root else {
            panic!("300,000 keys make a branch root");
        };
        let Some((_, lower)) = children.split_last() else {
            panic!("a root branch has children");
        };
        for child in lower {
            assert_eq!(
                child.node.entries(),
                BRANCH_MAX + 1 - (BRANCH_MIN + BRANCH_MIN / 4)
            );
        }
        // Inserts elsewhere split evenly, and every bound still holds.
        for k in (0..300_000u64).map(|i| 2 * i + 1).step_by(7) {
            tree.insert(k, &plain);
            model.insert(k);
        }
        assert_like(&tree, &model);
    }

    #[test]
    fn the_ends_of_three_levels_are_reached_without_a_search_and_stay_exact() {
        // Retention and submission: the oldest key removed, a newer one appended, over a
        // tree of three levels; then removals just after the front (the first child's range,
        // not its first leaf's), absent keys before, inside and after, and re-inserts.
        let mut tree = OrderTree::default();
        let mut model = BTreeSet::new();
        let n = (LEAF_MAX * BRANCH_MAX * 3) as u64;
        for k in (0..n).map(|i| 4 * i) {
            tree.insert(k, &plain);
            model.insert(k);
        }
        assert!(matches!(&*tree.root, Node::Branch(c) if matches!(&*c[0].node, Node::Branch(_))));
        for i in 0..n / 2 {
            let oldest = 4 * i;
            assert_eq!(place_of(&tree.root, oldest, &plain), Place::First);
            assert!(tree.remove(oldest, &plain));
            model.remove(&oldest);
            let newest = 4 * (n + i);
            assert_eq!(place_of(&tree.root, newest, &plain), Place::Last);
            assert!(tree.insert(newest, &plain));
            model.insert(newest);
            if i % 1_000 == 0 {
                assert_like(&tree, &model);
            }
        }
        assert_like(&tree, &model);
        let first = *model.first().unwrap();
        // Absent: before the first key, between keys of the first leaf, after the last.
        for absent in [
            first - 1,
            first + 1,
            first + 4 * 200 + 2,
            4 * (n + n / 2) + 1,
        ] {
            assert!(!tree.remove(absent, &plain), "{absent}");
        }
        // Present, in the first child but past its first leaf or grandchild.
        let Node::Branch(top) = &*tree.root else {
            panic!("still three levels");
        };
        let first_child_max = top[0].max;
        assert!(first + 4 * 300 < first_child_max);
        for k in [first + 4 * 300, first_child_max] {
            assert_eq!(place_of(&tree.root, k, &plain), Place::First, "{k}");
            assert!(tree.remove(k, &plain), "{k}");
            model.remove(&k);
            assert!(tree.insert(k, &plain), "{k}");
            model.insert(k);
            assert!(tree.remove(k, &plain), "{k}");
            model.remove(&k);
        }
        assert_like(&tree, &model);
        // What the touch pass reads: the tail's last key and the head's first, if any...
        let (head, tail) = (tree.head.first(), tree.tail.last());
        assert!(tail.is_some());
        let ends = head.unwrap_or_default() ^ tail.unwrap_or_default();
        assert_eq!(OrderTree::touch_ends(&[&tree], u64::MAX, &plain), ends);
        // ... and in a tree that buffers nothing, the last key, the first, or nothing for a
        // middle key.
        let tree = OrderTree::from_sorted(model.iter().copied().collect());
        let last = *model.last().unwrap();
        assert_eq!(OrderTree::touch_ends(&[&tree], last + 1, &plain), last);
        assert_eq!(OrderTree::touch_ends(&[&tree], first, &plain), first);
        let middle = *model.iter().nth(model.len() / 2).unwrap();
        assert_eq!(OrderTree::touch_ends(&[&tree], middle, &plain), 0);
        assert_eq!(
            OrderTree::touch_ends(&[&tree, &tree], last + 1, &plain),
            0,
            "the two trees' last keys cancel out"
        );
    }

    #[test]
    fn byte_counts_stay_exact_over_three_levels() {
        // Each key's byte set is a function of the key: bytes 0, 1, `a` and 127 by its bits.
        let bytes_of = |k: Key| byte_set((k.wrapping_mul(0x9e37_79b9) >> 7) as u8);
        let mut tree = OrderTree::byte_counted();
        let mut model = BTreeSet::new();
        let keys: Vec<Key> = (0..60_000u64)
            .map(|i| i.wrapping_mul(2_654_435_761) % 1_000_003)
            .collect();
        let count = |model: &BTreeSet<Key>, bound: Key, b: u8| {
            model
                .range(..bound)
                .filter(|&&k| has_byte(bytes_of(k), b))
                .count()
        };
        let check = |tree: &OrderTree, model: &BTreeSet<Key>| {
            tree.check_invariants_counted(&plain, &bytes_of).unwrap();
            assert_eq!(tree.keys(), model.iter().copied().collect::<Vec<_>>());
            for bound in [0, 1_000, 333_333, 999_999, u64::MAX] {
                for b in [0u8, 1, b'a', 127, 5] {
                    assert_eq!(
                        tree.rank_with_byte_where(|k| k < bound, b, &bytes_of),
                        count(model, bound, b),
                        "byte {b} below {bound}"
                    );
                }
            }
        };
        for &k in &keys {
            assert_eq!(tree.insert_counted(k, &plain, &bytes_of), model.insert(k));
        }
        check(&tree, &model);
        assert!(
            matches!(&*tree.root, Node::Branch(children) if matches!(*children[0].node, Node::Branch(_)))
        );
        for &k in keys.iter().rev().step_by(3) {
            assert_eq!(tree.remove_counted(k, &plain, &bytes_of), model.remove(&k));
        }
        check(&tree, &model);
        // A deep skip lands on the same key as counting from the start.
        let mut walked = Vec::new();
        tree.walk_with_byte((0, tree.len()), true, (b'a', 5_000), &bytes_of, |k| {
            walked.push(k);
            ControlFlow::Break(())
        });
        let want = model
            .iter()
            .rev()
            .filter(|&&k| has_byte(bytes_of(k), b'a'))
            .nth(5_000);
        assert_eq!(walked.first(), want);
        for &k in &keys {
            assert_eq!(tree.remove_counted(k, &plain, &bytes_of), model.remove(&k));
        }
        check(&tree, &model);
        // Built in bulk, the same counts.
        let sorted: Vec<Key> = {
            let mut all = keys.clone();
            all.sort_unstable();
            all.dedup();
            all
        };
        let bulk = OrderTree::from_sorted_byte_counted(sorted.clone(), &bytes_of);
        check(&bulk, &sorted.into_iter().collect());
    }

    /// A tree of three levels: a root branch over branches over leaves.
    fn three_levels() -> OrderTree {
        OrderTree::from_sorted((0..(LEAF_MAX * BRANCH_MAX * 2) as u64).collect())
    }

    fn children(node: &mut Node) -> &mut Vec<Child> {
        match node {
            Node::Branch(children) => children,
            Node::Leaf(_) => panic!("a leaf"),
        }
    }

    fn leaf_keys(node: &mut Node) -> &mut Vec<Key> {
        match node {
            Node::Leaf(keys) => keys,
            Node::Branch(_) => panic!("a branch"),
        }
    }

    #[test]
    fn every_kind_of_damage_is_caught() {
        type Damage = fn(&mut OrderTree);
        let cases: Vec<(&str, Damage)> = vec![
            ("tree says", |t| t.root_len += 1),
            ("overflows", |t| {
                let leaf = &mut children(Arc::make_mut(
                    &mut children(Arc::make_mut(&mut t.root))[0].node,
                ))[0];
                leaf_keys(Arc::make_mut(&mut leaf.node)).splice(0..0, 0..LEAF_MAX as u64);
            }),
            ("underflows", |t| {
                let leaf = &mut children(Arc::make_mut(
                    &mut children(Arc::make_mut(&mut t.root))[0].node,
                ))[1];
                let keys = leaf_keys(Arc::make_mut(&mut leaf.node));
                let keep = keys.len() - (LEAF_MIN - 1);
                keys.drain(..keep);
                leaf.count = LEAF_MIN - 1;
            }),
            ("not strictly increasing", |t| {
                let leaf = &mut children(Arc::make_mut(
                    &mut children(Arc::make_mut(&mut t.root))[0].node,
                ))[0];
                leaf_keys(Arc::make_mut(&mut leaf.node)).swap(0, 1);
            }),
            ("not strictly increasing", |t| {
                let leaf = &mut children(Arc::make_mut(
                    &mut children(Arc::make_mut(&mut t.root))[0].node,
                ))[0];
                let keys = leaf_keys(Arc::make_mut(&mut leaf.node));
                keys[1] = keys[0];
            }),
            ("fewer than 2 children", |t| {
                children(Arc::make_mut(&mut t.root)).truncate(1);
                t.root_len = t.root.count();
            }),
            ("child says", |t| {
                children(Arc::make_mut(
                    &mut children(Arc::make_mut(&mut t.root))[0].node,
                ))[0]
                    .count += 1;
            }),
            ("child max is stale", |t| {
                children(Arc::make_mut(
                    &mut children(Arc::make_mut(&mut t.root))[0].node,
                ))[0]
                    .max += 1;
            }),
            ("children out of order", |t| {
                children(Arc::make_mut(
                    &mut children(Arc::make_mut(&mut t.root))[0].node,
                ))
                .swap(0, 1);
            }),
            ("children out of order", |t| {
                // The first key of a leaf equal to the last of the one before it.
                let leaves = children(Arc::make_mut(
                    &mut children(Arc::make_mut(&mut t.root))[0].node,
                ));
                let last = leaves[0].max;
                leaf_keys(Arc::make_mut(&mut leaves[1].node))[0] = last;
            }),
            ("different depths", |t| {
                // A leaf where a branch stands, with its keys.
                let branch = &mut children(Arc::make_mut(&mut t.root))[1];
                let first_leaf = leaf_keys(Arc::make_mut(
                    &mut children(Arc::make_mut(&mut branch.node))[0].node,
                ))
                .clone();
                branch.count = first_leaf.len();
                branch.max = *first_leaf.last().unwrap();
                branch.node = Arc::new(Node::Leaf(first_leaf));
                t.root_len = t.root.count();
            }),
        ];
        for (expected, damage) in cases {
            let mut tree = three_levels();
            tree.check_invariants(&plain).unwrap();
            damage(&mut tree);
            match tree.check_invariants(&plain) {
                Ok(()) => panic!("damage not caught (expected {expected:?})"),
                Err(message) => {
                    assert!(message.contains(expected), "{expected:?}: got {message:?}")
                }
            }
        }
    }

    #[test]
    fn rank_and_walk_at_the_edges() {
        let tree = three_levels();
        let n = tree.len();
        assert_eq!(tree.rank_where(|_| false), 0);
        assert_eq!(tree.rank_where(|_| true), n);
        assert_eq!(tree.rank_where(|k| k < 1000), 1000);
        let collect = |lo, hi, rev| {
            let mut seen = Vec::new();
            tree.walk(lo, hi, rev, |k| {
                seen.push(k);
                ControlFlow::Continue(())
            });
            seen
        };
        assert_eq!(collect(n - 2, n + 5, false), [n as u64 - 2, n as u64 - 1]);
        assert_eq!(collect(n - 2, n + 5, true), [n as u64 - 1, n as u64 - 2]);
        assert_eq!(collect(5, 5, false), Vec::<Key>::new());
        assert_eq!(collect(7, 3, true), Vec::<Key>::new());
        // A walk stops when told to.
        let mut seen = 0;
        tree.walk(0, n, true, |_| {
            seen += 1;
            if seen == 300 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        assert_eq!(seen, 300);
    }

    #[test]
    fn a_leaf_left_under_its_minimum_merges_whichever_child_it_is() {
        // Two leaves (65 and 64 keys) and three (86, 86, 85): empty each leaf in turn down
        // to one under its minimum, first, middle and last child alike.
        for n in [LEAF_MAX + 1, 2 * LEAF_MAX + 1] {
            let keys: Vec<Key> = (0..n as u64).collect();
            let leaves = even_runs(keys.clone(), LEAF_MAX);
            let mut first = 0;
            for leaf in &leaves {
                let mut tree = OrderTree::from_sorted(keys.clone());
                let mut model: BTreeSet<Key> = keys.iter().copied().collect();
                let under = leaf.len() - (LEAF_MIN - 1);
                for k in first as u64..(first + under) as u64 {
                    assert!(tree.remove(k, &plain));
                    model.remove(&k);
                }
                assert_like(&tree, &model);
                first += leaf.len();
            }
        }
    }

    #[test]
    fn bulk_build_matches_inserts() {
        for n in [
            0,
            1,
            LEAF_MAX,
            LEAF_MAX + 1,
            2 * LEAF_MAX + 3,
            LEAF_MAX * BRANCH_MAX,
            LEAF_MAX * BRANCH_MAX + 1,
            LEAF_MAX * BRANCH_MAX * BRANCH_MAX,
            300_000,
        ] {
            let keys: Vec<Key> = (0..n as u64).map(|i| i * 3).collect();
            let tree = OrderTree::from_sorted(keys.clone());
            assert_like(&tree, &keys.iter().copied().collect());
        }
    }

    #[derive(Clone, Debug)]
    enum Op {
        Insert(Key),
        Remove(Key),
        Rank(Key),
        Walk(usize, usize, bool),
        /// Inserts the key this far after the last one (the tail's writes).
        Append(Key),
        /// Removes the first key (the head's writes).
        RemoveFirst,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0..3_000u64).prop_map(Op::Insert),
            3 => (0..3_000u64).prop_map(Op::Remove),
            3 => (1..4u64).prop_map(Op::Append),
            3 => Just(Op::RemoveFirst),
            1 => (0..3_100u64).prop_map(Op::Rank),
            1 => (0..3_000usize, 0..200usize, any::<bool>()).prop_map(|(a, n, r)| Op::Walk(a, a + n, r)),
        ]
    }

    proptest! {
        #[test]
        fn behaves_like_btreeset(initial in proptest::collection::btree_set(0..3_000u64, 0..1_500), ops in proptest::collection::vec(op(), 1..3_000)) {
            let mut model = initial.clone();
            let mut tree = OrderTree::from_sorted(initial.into_iter().collect());
            // The index's comparator looks a key's job up, which a removed key no longer has:
            // this one fails on a removed key, but for the key being written.
            let gone = std::cell::RefCell::new(BTreeSet::new());
            let cmp = |a: Key, b: Key| {
                let gone = gone.borrow();
                assert!(!gone.contains(&a) && !gone.contains(&b), "compared {a} with {b}, one removed");
                a.cmp(&b)
            };
            for op in ops {
                let op = match op {
                    Op::Append(gap) => Op::Insert(model.last().map_or(0, |last| last + gap)),
                    Op::RemoveFirst => Op::Remove(model.first().copied().unwrap_or(0)),
                    op => op,
                };
                match op {
                    Op::Insert(k) => {
                        gone.borrow_mut().remove(&k);
                        prop_assert_eq!(tree.insert(k, &cmp), model.insert(k));
                    }
                    Op::Remove(k) => {
                        gone.borrow_mut().remove(&k);
                        prop_assert_eq!(tree.remove(k, &cmp), model.remove(&k));
                        gone.borrow_mut().insert(k);
                    }
                    Op::Rank(k) => prop_assert_eq!(tree.rank_where(|x| x < k), model.range(..k).count()),
                    Op::Walk(lo, hi, rev) => {
                        let mut seen = Vec::new();
                        tree.walk(lo, hi, rev, |k| { seen.push(k); ControlFlow::Continue(()) });
                        let mut want: Vec<Key> = model.iter().copied().skip(lo).take(hi.saturating_sub(lo)).collect();
                        if rev { want.reverse(); }
                        prop_assert_eq!(seen, want);
                    }
                    Op::Append(_) | Op::RemoveFirst => unreachable!("mapped to an insert or a removal"),
                }
                prop_assert!(tree.check_invariants(&cmp).is_ok());
                prop_assert_eq!(tree.len(), model.len());
            }
            prop_assert_eq!(tree.keys(), model.into_iter().collect::<Vec<_>>());
        }
    }

    /// The byte set a small mask stands for: bits 0..5 of `mask` pick bytes 0, 1, 2, `a`
    /// and 127 (the first, a middle and the last ASCII byte among them).
    fn byte_set(mask: u8) -> ByteSet {
        [0u8, 1, 2, b'a', 127]
            .iter()
            .enumerate()
            .filter(|&(i, _)| mask >> i & 1 == 1)
            .fold(0, |set, (_, &b)| set | 1 << b)
    }

    #[derive(Clone, Debug)]
    enum CountedOp {
        Insert(Key, u8),
        Remove(Key),
        Rebyte(Key, u8),
        Count(Key, u8),
        Walk(usize, usize, bool, u8, usize),
    }

    fn counted_op() -> impl Strategy<Value = CountedOp> {
        let key = 0..2_000u64;
        let byte = prop::sample::select(vec![0u8, 1, 2, b'a', 127, 3]);
        prop_oneof![
            4 => (key.clone(), any::<u8>()).prop_map(|(k, m)| CountedOp::Insert(k, m)),
            3 => key.clone().prop_map(CountedOp::Remove),
            1 => (key.clone(), any::<u8>()).prop_map(|(k, m)| CountedOp::Rebyte(k, m)),
            1 => (key, byte.clone()).prop_map(|(k, b)| CountedOp::Count(k, b)),
            1 => (0..1_500usize, 0..1_500usize, any::<bool>(), byte, 0..300usize)
                .prop_map(|(lo, hi, rev, b, skip)| CountedOp::Walk(lo, hi, rev, b, skip)),
        ]
    }

    proptest! {
        /// A byte-counted tree against a sorted map of each key's byte set: the same keys,
        /// counts of keys with a byte below a bound, and walks over the keys with a byte,
        /// through splits, merges and name changes.
        #[test]
        fn byte_counts_match_a_sorted_map(
            initial in proptest::collection::btree_map(0..2_000u64, any::<u8>(), 0..1_000),
            ops in proptest::collection::vec(counted_op(), 1..1_500),
        ) {
            let mut model: std::collections::BTreeMap<Key, ByteSet> =
                initial.into_iter().map(|(k, m)| (k, byte_set(m))).collect();
            let snapshot = model.clone();
            let bytes_of = |k: Key| snapshot.get(&k).copied().unwrap_or(0);
            let mut tree = OrderTree::from_sorted_byte_counted(model.keys().copied().collect(), &bytes_of);
            for op in ops {
                match op {
                    CountedOp::Insert(k, m) => {
                        let fresh = !model.contains_key(&k);
                        let set = model.get(&k).copied().unwrap_or(byte_set(m));
                        model.insert(k, set);
                        let view = model.clone();
                        let bytes_of = |k: Key| view.get(&k).copied().unwrap_or(0);
                        prop_assert_eq!(tree.insert_counted(k, &plain, &bytes_of), fresh);
                    }
                    CountedOp::Remove(k) => {
                        let view = model.clone();
                        let bytes_of = |k: Key| view.get(&k).copied().unwrap_or(0);
                        prop_assert_eq!(tree.remove_counted(k, &plain, &bytes_of), model.remove(&k).is_some());
                    }
                    CountedOp::Rebyte(k, m) => {
                        let new = byte_set(m);
                        match model.get_mut(&k) {
                            Some(set) => {
                                prop_assert!(tree.rebyte(k, &plain, *set, new));
                                *set = new;
                            }
                            None => prop_assert!(!tree.rebyte(k, &plain, 0, new)),
                        }
                    }
                    CountedOp::Count(bound, b) => {
                        let view = model.clone();
                        let bytes_of = |k: Key| view.get(&k).copied().unwrap_or(0);
                        let want = model.range(..bound).filter(|(_, set)| has_byte(**set, b)).count();
                        prop_assert_eq!(tree.rank_with_byte_where(|k| k < bound, b, &bytes_of), want);
                    }
                    CountedOp::Walk(lo, hi, rev, b, skip) => {
                        let view = model.clone();
                        let bytes_of = |k: Key| view.get(&k).copied().unwrap_or(0);
                        let mut seen = Vec::new();
                        tree.walk_with_byte((lo, hi), rev, (b, skip), &bytes_of, |k| {
                            seen.push(k);
                            if seen.len() == 25 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
                        });
                        let mut ranked: Vec<(Key, ByteSet)> = model
                            .iter()
                            .map(|(&k, &set)| (k, set))
                            .skip(lo)
                            .take(hi.saturating_sub(lo))
                            .collect();
                        if rev { ranked.reverse(); }
                        let want: Vec<Key> = ranked
                            .into_iter()
                            .filter(|&(_, set)| has_byte(set, b))
                            .map(|(k, _)| k)
                            .skip(skip)
                            .take(25)
                            .collect();
                        prop_assert_eq!(seen, want);
                    }
                }
                let view = model.clone();
                let bytes_of = |k: Key| view.get(&k).copied().unwrap_or(0);
                prop_assert_eq!(tree.check_invariants_counted(&plain, &bytes_of), Ok(()));
                prop_assert_eq!(tree.len(), model.len());
            }
        }
    }
}
