//! [`OrderTree`]: a B+tree of order keys whose inner nodes count their subtrees.
//!
//! It answers "how many keys come before `x`" and "the keys at ranks `a..b`" in O(log n)
//! (plus the keys returned), which is what turns a time window and a page number into two
//! searches instead of a scan. Keys are `u64`s whose high bits are the `CreateTime` (see
//! [`key`](super::key)); ties are broken by a comparator the caller passes in, which is why
//! every method that places a key takes one.
//!
//! Within a node, a search halves the range only until [`SCAN`] entries are left, then scans
//! them: the processor issues the loads of a scan ahead and in parallel, where each step of a
//! binary search waits for the line the previous step chose. On an index too large for the
//! cache (10^6 jobs) this cut the time of an insert by about 40%, as its posting-list
//! updates are almost all searches.

use std::cmp::Ordering;
use std::ops::ControlFlow;

use super::key::Key;

/// Most keys in a leaf.
const LEAF_MAX: usize = 128;
/// Fewest keys in a leaf other than the root.
const LEAF_MIN: usize = LEAF_MAX / 4;
/// Most children of a branch.
const BRANCH_MAX: usize = 64;
/// Fewest children of a branch other than the root.
const BRANCH_MIN: usize = BRANCH_MAX / 4;

/// A counted B+tree of distinct keys in comparator order.
///
/// Invariants (checked by [`OrderTree::check_invariants`]):
/// - keys are strictly increasing under the comparator, across the whole tree;
/// - every leaf is at the same depth;
/// - a leaf other than the root holds `LEAF_MIN..=LEAF_MAX` keys, a branch other than the
///   root `BRANCH_MIN..=BRANCH_MAX` children; a root branch has at least 2 children, a root
///   leaf at most `LEAF_MAX` keys;
/// - each [`Child`] records the exact number of keys below it and its largest key;
/// - `len` is the number of keys.
#[derive(Clone, Debug, Default)]
pub(crate) struct OrderTree {
    root: Node,
    len: usize,
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

/// A subtree with its key count and largest key.
#[derive(Clone, Debug)]
struct Child {
    count: usize,
    max: Key,
    node: Node,
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

    /// Wraps the node as a child, or `None` if it is empty.
    fn into_child(self) -> Option<Child> {
        let max = self.max_key()?;
        Some(Child {
            count: self.count(),
            max,
            node: self,
        })
    }

    /// Moves the upper half of the entries into a new sibling.
    fn split_half(&mut self) -> Option<Child> {
        let right = match self {
            Node::Leaf(keys) => Node::Leaf(keys.split_off(keys.len() / 2)),
            Node::Branch(children) => Node::Branch(children.split_off(children.len() / 2)),
        };
        right.into_child()
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
                    + children.iter().map(|c| c.node.heap_bytes()).sum::<usize>()
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

/// Inserts `key` under `node`. Returns whether it was new, and a new right sibling if `node`
/// overflowed and split.
fn insert_into<C: Fn(Key, Key) -> Ordering>(
    node: &mut Node,
    key: Key,
    cmp: &C,
) -> (bool, Option<Child>) {
    let inserted = match node {
        Node::Leaf(keys) => match search_leaf(keys, key, cmp) {
            Ok(_) => false,
            Err(at) => {
                keys.insert(at, key);
                true
            }
        },
        Node::Branch(children) => {
            let at = child_for(children, |max| cmp(max, key) == Ordering::Less);
            let Some(child) = children.get_mut(at) else {
                return (false, None);
            };
            let (inserted, split) = insert_into(&mut child.node, key, cmp);
            if inserted {
                child.count += 1;
                if cmp(key, child.max) == Ordering::Greater {
                    child.max = key;
                }
            }
            if let Some(right) = split {
                child.count -= right.count;
                child.max = max_after_split(&child.node, child.max);
                children.insert(at + 1, right);
            }
            inserted
        }
    };
    let split = if node.entries() > node.max_entries() {
        node.split_half()
    } else {
        None
    };
    (inserted, split)
}

/// Removes `key` from under `node`; returns whether it was there.
fn remove_from<C: Fn(Key, Key) -> Ordering>(node: &mut Node, key: Key, cmp: &C) -> bool {
    match node {
        Node::Leaf(keys) => match search_leaf(keys, key, cmp) {
            Ok(at) => {
                keys.remove(at);
                true
            }
            Err(_) => false,
        },
        Node::Branch(children) => {
            let at = child_for(children, |max| cmp(max, key) == Ordering::Less);
            let Some(child) = children.get_mut(at) else {
                return false;
            };
            if !remove_from(&mut child.node, key, cmp) {
                return false;
            }
            child.count -= 1;
            if let Some(max) = child.node.max_key() {
                child.max = max;
            }
            if child.node.entries() < child.node.min_entries() {
                rebalance(children, at);
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
fn rebalance(children: &mut Vec<Child>, at: usize) {
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
    left.node.append(right.node);
    left.count += right.count;
    left.max = right.max;
    if left.node.entries() > left.node.max_entries()
        && let Some(new_right) = left.node.split_half()
    {
        left.count -= new_right.count;
        left.max = max_after_split(&left.node, left.max);
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

/// Builds an [`OrderTree`] of a known number of keys pushed in order, filling its leaves in
/// place (no buffer of all the keys first).
#[derive(Debug)]
pub(crate) struct TreeBuilder {
    plan: EvenRuns,
    leaves: Vec<Vec<Key>>,
}

impl TreeBuilder {
    /// A builder for a tree of `n` keys.
    pub(crate) fn new(n: usize) -> TreeBuilder {
        TreeBuilder {
            plan: EvenRuns::new(n, LEAF_MAX),
            leaves: Vec::new(),
        }
    }

    /// Appends `key`, which comes after every key pushed before it. O(1).
    pub(crate) fn push(&mut self, key: Key) {
        let started = self.leaves.len();
        let full = self
            .leaves
            .last()
            .is_none_or(|leaf| leaf.len() >= self.plan.size(started - 1));
        if full {
            self.leaves
                .push(Vec::with_capacity(self.plan.size(started)));
        }
        if let Some(leaf) = self.leaves.last_mut() {
            leaf.push(key);
        }
    }

    /// The tree of the keys pushed, which must be the `n` it was made for. O(leaves).
    pub(crate) fn finish(self) -> OrderTree {
        OrderTree::from_leaves(self.leaves)
    }
}

impl OrderTree {
    /// Builds a tree from keys already strictly increasing under the comparator. O(n).
    pub(crate) fn from_sorted(keys: Vec<Key>) -> OrderTree {
        OrderTree::from_leaves(even_runs(keys, LEAF_MAX))
    }

    /// Builds a tree from its leaves, in order, sized as [`EvenRuns`] plans. O(leaves).
    fn from_leaves(leaves: Vec<Vec<Key>>) -> OrderTree {
        let len = leaves.iter().map(Vec::len).sum();
        if leaves.len() <= 1 {
            return OrderTree {
                root: Node::Leaf(leaves.into_iter().next().unwrap_or_default()),
                len,
            };
        }
        let mut level: Vec<Child> = leaves
            .into_iter()
            .filter_map(|run| Node::Leaf(run).into_child())
            .collect();
        while level.len() > BRANCH_MAX {
            level = even_runs(level, BRANCH_MAX)
                .into_iter()
                .filter_map(|run| Node::Branch(run).into_child())
                .collect();
        }
        OrderTree {
            root: Node::Branch(level),
            len,
        }
    }

    /// How many keys it holds. O(1).
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Whether it holds no key. O(1).
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds `key`; returns `false` (changing nothing) if it is already there. O(log n).
    pub(crate) fn insert<C: Fn(Key, Key) -> Ordering>(&mut self, key: Key, cmp: &C) -> bool {
        let (inserted, split) = insert_into(&mut self.root, key, cmp);
        if inserted {
            self.len += 1;
        }
        if let Some(right) = split {
            let left = std::mem::take(&mut self.root);
            if let Some(left) = left.into_child() {
                self.root = Node::Branch(vec![left, right]);
            }
        }
        inserted
    }

    /// Removes `key`; returns `false` (changing nothing) if it is not there. O(log n).
    pub(crate) fn remove<C: Fn(Key, Key) -> Ordering>(&mut self, key: Key, cmp: &C) -> bool {
        if !remove_from(&mut self.root, key, cmp) {
            return false;
        }
        self.len -= 1;
        loop {
            let only_child = match &mut self.root {
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
        let mut node = &self.root;
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

    /// Visits the keys at ranks `lo..hi` ascending, or descending if `rev`, until `f` breaks.
    /// O(log n + keys visited).
    pub(crate) fn walk<F: FnMut(Key) -> ControlFlow<()>>(
        &self,
        lo: usize,
        hi: usize,
        rev: bool,
        mut f: F,
    ) {
        let hi = hi.min(self.len);
        if lo < hi {
            let _ = walk_node(&self.root, self.len, lo, hi, rev, &mut f);
        }
    }

    /// Every key in order (for checks and rebuilds). O(n).
    pub(crate) fn keys(&self) -> Vec<Key> {
        let mut out = Vec::with_capacity(self.len);
        self.walk(0, self.len, false, |k| {
            out.push(k);
            ControlFlow::Continue(())
        });
        out
    }

    /// Bytes of heap the tree holds.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.root.heap_bytes()
    }

    /// Checks every invariant listed on [`OrderTree`].
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
        let (count, _, _) = check(&self.root, true, cmp)?;
        if count != self.len {
            return Err(format!("tree says {} keys, holds {count}", self.len));
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
            matches!(&tree.root, Node::Branch(children) if matches!(children[0].node, Node::Branch(_)))
        );
        for &k in keys.iter().rev().step_by(3) {
            assert_eq!(tree.remove(k, &plain), model.remove(&k));
        }
        assert_like(&tree, &model);
        for &k in &keys {
            assert_eq!(tree.remove(k, &plain), model.remove(&k));
        }
        assert_like(&tree, &model);
        assert!(matches!(&tree.root, Node::Leaf(keys) if keys.is_empty()));
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
            ("tree says", |t| t.len += 1),
            ("overflows", |t| {
                let leaf = &mut children(&mut children(&mut t.root)[0].node)[0];
                leaf_keys(&mut leaf.node).splice(0..0, 0..LEAF_MAX as u64);
            }),
            ("underflows", |t| {
                let leaf = &mut children(&mut children(&mut t.root)[0].node)[1];
                let keys = leaf_keys(&mut leaf.node);
                let keep = keys.len() - (LEAF_MIN - 1);
                keys.drain(..keep);
                leaf.count = LEAF_MIN - 1;
            }),
            ("not strictly increasing", |t| {
                let leaf = &mut children(&mut children(&mut t.root)[0].node)[0];
                leaf_keys(&mut leaf.node).swap(0, 1);
            }),
            ("not strictly increasing", |t| {
                let leaf = &mut children(&mut children(&mut t.root)[0].node)[0];
                let keys = leaf_keys(&mut leaf.node);
                keys[1] = keys[0];
            }),
            ("fewer than 2 children", |t| {
                children(&mut t.root).truncate(1);
                t.len = t.root.count();
            }),
            ("child says", |t| {
                children(&mut children(&mut t.root)[0].node)[0].count += 1;
            }),
            ("child max is stale", |t| {
                children(&mut children(&mut t.root)[0].node)[0].max += 1;
            }),
            ("children out of order", |t| {
                children(&mut children(&mut t.root)[0].node).swap(0, 1);
            }),
            ("children out of order", |t| {
                // The first key of a leaf equal to the last of the one before it.
                let leaves = children(&mut children(&mut t.root)[0].node);
                let last = leaves[0].max;
                leaf_keys(&mut leaves[1].node)[0] = last;
            }),
            ("different depths", |t| {
                // A leaf where a branch stands, with its keys.
                let branch = &mut children(&mut t.root)[1];
                let first_leaf = leaf_keys(&mut children(&mut branch.node)[0].node).clone();
                branch.count = first_leaf.len();
                branch.max = *first_leaf.last().unwrap();
                branch.node = Node::Leaf(first_leaf);
                t.len = t.root.count();
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
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0..3_000u64).prop_map(Op::Insert),
            3 => (0..3_000u64).prop_map(Op::Remove),
            1 => (0..3_100u64).prop_map(Op::Rank),
            1 => (0..3_000usize, 0..200usize, any::<bool>()).prop_map(|(a, n, r)| Op::Walk(a, a + n, r)),
        ]
    }

    proptest! {
        #[test]
        fn behaves_like_btreeset(initial in proptest::collection::btree_set(0..3_000u64, 0..1_500), ops in proptest::collection::vec(op(), 1..3_000)) {
            let mut model = initial.clone();
            let mut tree = OrderTree::from_sorted(initial.into_iter().collect());
            for op in ops {
                match op {
                    Op::Insert(k) => prop_assert_eq!(tree.insert(k, &plain), model.insert(k)),
                    Op::Remove(k) => prop_assert_eq!(tree.remove(k, &plain), model.remove(&k)),
                    Op::Rank(k) => prop_assert_eq!(tree.rank_where(|x| x < k), model.range(..k).count()),
                    Op::Walk(lo, hi, rev) => {
                        let mut seen = Vec::new();
                        tree.walk(lo, hi, rev, |k| { seen.push(k); ControlFlow::Continue(()) });
                        let mut want: Vec<Key> = model.iter().copied().skip(lo).take(hi.saturating_sub(lo)).collect();
                        if rev { want.reverse(); }
                        prop_assert_eq!(seen, want);
                    }
                }
                prop_assert!(tree.check_invariants(&plain).is_ok());
                prop_assert_eq!(tree.len(), model.len());
            }
            prop_assert_eq!(tree.keys(), model.into_iter().collect::<Vec<_>>());
        }
    }
}
