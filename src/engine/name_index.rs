//! [`NameIndex`]: posting lists of the 2- and 3-byte grams of job names.
//!
//! A name is read as bytes with ASCII letters folded to lower case (so matching ignores ASCII
//! case and compares every other byte, CJK included, exactly). Every distinct bigram and
//! trigram of a folded name has a posting list: an [`OrderTree`] of the keys of the jobs whose
//! names contain it, in the same (CreateTime, JobId) order as every other tree, so a posting
//! list restricted to a time window is two searches and its size in the window a subtraction.
//!
//! - A 2- or 3-byte keyword is one gram: its posting list is exactly the jobs whose names
//!   contain it.
//! - A longer keyword is covered by its trigrams: only jobs in every one of their lists can
//!   match, so the planner takes the rarest (in the window), narrows it by merging in the
//!   next rarest, and checks each remaining candidate's name.
//! - A 1-byte keyword (an ASCII byte, as a 1-byte UTF-8 string must be) has no gram: the
//!   all-jobs and status trees count, for each ASCII byte, the jobs whose folded names have it
//!   (see [`ascii_bytes_of`] and the byte-counted [`OrderTree`]), which makes it exact too.

use hashbrown::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::sync::Arc;

use super::key::Key;
use super::order_tree::{OrderTree, TreeBuilder};
use std::cmp::Ordering;

/// A bigram or trigram of folded bytes: the length in the top byte, the bytes below it.
pub(crate) type Gram = u32;

/// A multiplicative hasher for [`Gram`]s: they are small integers, hashed in bulk on load.
///
/// A product's low bits depend only on the factors' low bits, and grams that end in the same
/// byte share their low bits; the table picks a bucket by the hash's low bits, so `finish`
/// rotates the well-mixed high half of the product down.
#[derive(Clone, Copy, Default)]
pub(crate) struct GramHasher(u64);

impl Hasher for GramHasher {
    fn finish(&self) -> u64 {
        self.0.rotate_left(26)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// The lists of one shard of the grams.
type Shard = HashMap<Gram, OrderTree, BuildHasherDefault<GramHasher>>;

/// Shards the lists are spread over, by 12 bits of their gram's hash.
const SHARDS: usize = 1 << SHARD_BITS;
const SHARD_BITS: u32 = 12;

/// The shard of `gram`: bits 32 to 43 of its hash, apart from the low bits a table picks a
/// bucket by and the top 7 it tags entries with.
fn shard_of(gram: Gram) -> usize {
    let hash = BuildHasherDefault::<GramHasher>::default().hash_one(gram);
    (hash >> 32) as usize & (SHARDS - 1)
}

/// Posting lists, one per gram present in some name, in shards that clones of the index
/// share: a write copies only the shards (each a small table of tree roots) of the grams it
/// changes, and each list only along the path it changes.
///
/// Invariants: `shards` is empty or holds [`SHARDS`] shards, each list in the shard of its
/// gram; every list is non-empty and a valid [`OrderTree`]; the key of a job is in the list
/// of gram `g` exactly when `g` is a gram of the job's folded name.
#[derive(Clone, Debug, Default)]
pub(crate) struct NameIndex {
    shards: Vec<Arc<Shard>>,
}

/// The ASCII bytes of a name, ASCII letters folded to lower case, as a set: bit `b` is set
/// when byte `b` occurs.
pub(crate) fn ascii_bytes_of(name: &str) -> u128 {
    name.bytes()
        .filter(u8::is_ascii)
        .fold(0, |set, b| set | 1 << b.to_ascii_lowercase())
}

fn bigram(a: u8, b: u8) -> Gram {
    2 << 24 | u32::from(a) << 8 | u32::from(b)
}

fn trigram(a: u8, b: u8, c: u8) -> Gram {
    3 << 24 | u32::from(a) << 16 | u32::from(b) << 8 | u32::from(c)
}

/// The distinct bigrams and trigrams of `name`, folded, sorted.
pub(crate) fn grams_of(name: &str) -> Vec<Gram> {
    // A name of n bytes has n - 1 bigrams and n - 2 trigrams: one allocation holds them.
    let mut grams = Vec::with_capacity((2 * name.len()).saturating_sub(3));
    grams_into(name, &mut grams);
    grams
}

/// Fills `grams` with the distinct bigrams and trigrams of `name`, folded, sorted.
fn grams_into(name: &str, grams: &mut Vec<Gram>) {
    raw_grams_into(name, grams);
    grams.sort_unstable();
    grams.dedup();
}

/// Fills `grams` with the bigrams and trigrams of `name`, folded, in order of occurrence
/// (repeats included).
fn raw_grams_into(name: &str, grams: &mut Vec<Gram>) {
    grams.clear();
    let folded = name.bytes().map(|b| b.to_ascii_lowercase());
    let (mut a, mut b) = (None, None);
    for c in folded {
        if let Some(b) = b {
            grams.push(bigram(b, c));
            if let Some(a) = a {
                grams.push(trigram(a, b, c));
            }
        }
        (a, b) = (b, Some(c));
    }
}

/// The grams a keyword needs: its one gram if it is 2 or 3 bytes, its distinct trigrams if
/// longer, none if 1 byte.
pub(crate) fn keyword_grams(keyword: &str) -> Vec<Gram> {
    if keyword.len() == 2 {
        grams_of(keyword)
    } else {
        grams_of(keyword)
            .into_iter()
            .filter(|g| g >> 24 == 3)
            .collect()
    }
}

/// Whether `keyword` occurs in `name`, ASCII letters compared case-insensitively. The
/// places where the keyword could start are found with `memchr2` on the two cases of its
/// first byte; each is then compared in full.
pub(crate) fn name_contains(name: &str, keyword: &str) -> bool {
    let (name, keyword) = (name.as_bytes(), keyword.as_bytes());
    let Some(&first) = keyword.first() else {
        return true;
    };
    let Some(last_start) = name.len().checked_sub(keyword.len()) else {
        return false;
    };
    let starts = name.get(..=last_start).unwrap_or_default();
    memchr::memchr2_iter(
        first.to_ascii_lowercase(),
        first.to_ascii_uppercase(),
        starts,
    )
    .any(|at| {
        name.get(at..at + keyword.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(keyword))
    })
}

/// Bulk builds of at least this many jobs build the name index on two threads (with the
/// `parallel-load` feature).
pub(crate) const PARALLEL_FROM: usize = 1 << 16;

/// The grams of a bulk load's jobs (those a `keep` accepts), numbered densely in order of
/// first sight, with each one's posting count and each job's gram numbers: the first pass of
/// building their lists (see [`Numbered::lists`]).
struct Numbered {
    /// The gram of each number.
    codes: Vec<Gram>,
    /// The postings of each number.
    counts: Vec<u32>,
    /// Every job's gram numbers, job after job, each once.
    flat: Vec<u32>,
    /// Where each job's numbers end in `flat`.
    ends: Vec<usize>,
}

impl Numbered {
    /// Numbers the grams of `jobs` (given as (key, name) in key order) that `keep` accepts.
    /// O(total name length).
    fn new(jobs: &[(Key, &str)], keep: impl Fn(&Gram) -> bool) -> Numbered {
        let mut numbers: HashMap<Gram, u32, BuildHasherDefault<GramHasher>> = HashMap::default();
        let mut codes: Vec<Gram> = Vec::new();
        let mut counts: Vec<u32> = Vec::new();
        let mut flat: Vec<u32> = Vec::new();
        let mut ends: Vec<usize> = Vec::with_capacity(jobs.len());
        // The last job (by position) that posted each gram, to skip a name's repeated grams.
        let mut last_poster: Vec<usize> = Vec::new();
        let mut grams = Vec::new();
        for (position, &(_, name)) in jobs.iter().enumerate() {
            raw_grams_into(name, &mut grams);
            for gram in grams.iter().filter(|g| keep(g)) {
                let number = *numbers.entry(*gram).or_insert_with(|| {
                    codes.push(*gram);
                    counts.push(0);
                    last_poster.push(usize::MAX);
                    (codes.len() - 1) as u32
                });
                let i = number as usize;
                if let (Some(count), Some(last)) = (counts.get_mut(i), last_poster.get_mut(i))
                    && *last != position
                {
                    *last = position;
                    *count += 1;
                    flat.push(number);
                }
            }
            ends.push(flat.len());
        }
        Numbered {
            codes,
            counts,
            flat,
            ends,
        }
    }

    /// A builder for each numbered gram's list, its leaves allocated (by the calling thread).
    fn builders(&self) -> Vec<TreeBuilder> {
        self.counts
            .iter()
            .map(|&count| TreeBuilder::new(count as usize))
            .collect()
    }

    /// The lists, as (gram, list): each job's key pushed, in job order (which is key order),
    /// into the leaves of its grams' `builders` (a counting sort by gram), and each list's
    /// branches built bottom-up. O(postings).
    fn lists(self, jobs: &[(Key, &str)], mut builders: Vec<TreeBuilder>) -> Vec<(Gram, OrderTree)> {
        let mut from = 0;
        for (&(key, _), &to) in jobs.iter().zip(&self.ends) {
            let numbers = self.flat.get(from..to);
            debug_assert!(numbers.is_some(), "each job's grams lie in `flat`");
            for &number in numbers.unwrap_or_default() {
                if let Some(list) = builders.get_mut(number as usize) {
                    list.push(key);
                }
            }
            from = to;
        }
        self.codes
            .into_iter()
            .zip(builders)
            .map(|(gram, list)| (gram, list.finish()))
            .collect()
    }
}

/// The lists of the grams of `jobs` (given as (key, name) in key order) that `keep` accepts,
/// as (gram, list), all built on the calling thread. O(total name length).
fn lists_of(jobs: &[(Key, &str)], keep: impl Fn(&Gram) -> bool) -> Vec<(Gram, OrderTree)> {
    let numbered = Numbered::new(jobs, keep);
    let builders = numbered.builders();
    numbered.lists(jobs, builders)
}

impl NameIndex {
    /// Builds the lists for `jobs`, given as (key, name) in key order. O(total name length).
    ///
    /// With the `parallel-load` feature (on by default) and at least [`PARALLEL_FROM`] jobs,
    /// the grams are split in two halves by a bit of their hash, and another thread numbers
    /// and fills the lists of one half while this one does the other's: the build is almost
    /// all hash-table lookups and scattered writes, which the two halves do apart. Every
    /// leaf is allocated on this thread, between the two passes (see the body).
    pub(crate) fn from_sorted(jobs: &[(Key, &str)]) -> NameIndex {
        let hasher = BuildHasherDefault::<GramHasher>::default();
        let half = |gram: &Gram| hasher.hash_one(gram) >> 63 == 1;
        let lists = if cfg!(feature = "parallel-load") && jobs.len() >= PARALLEL_FROM {
            let spawn = || std::thread::Builder::new().name("snapjobs-load".into());
            // Both halves numbered apart; then every leaf allocated here, on the caller's
            // thread; then both halves' leaves filled apart. If no thread can be made, or the
            // other thread fails (only an allocation can), its part is done here.
            let (mine, theirs) = std::thread::scope(|scope| {
                let other = spawn().spawn_scoped(scope, || Numbered::new(jobs, |g| half(g)));
                let mine = Numbered::new(jobs, |g| !half(g));
                let theirs = match other.map(|thread| thread.join()) {
                    Ok(Ok(theirs)) => theirs,
                    _ => Numbered::new(jobs, |g| half(g)),
                };
                (mine, theirs)
            });
            // A malloc keeps each thread's allocations in an arena of its own, and the writes
            // that follow a load, on the caller's thread, would not reuse the room of the
            // leaves they free in the other's: so the caller's thread allocates them all.
            let (my_builders, their_builders) = (mine.builders(), theirs.builders());
            std::thread::scope(|scope| {
                let other = spawn().spawn_scoped(scope, || theirs.lists(jobs, their_builders));
                let mut lists = mine.lists(jobs, my_builders);
                match other.map(|thread| thread.join()) {
                    Ok(Ok(more)) => lists.extend(more),
                    _ => lists.extend(lists_of(jobs, |g| half(g))),
                }
                lists
            })
        } else {
            lists_of(jobs, |_| true)
        };
        let mut index = NameIndex::default();
        index.make_shards(lists.len() / SHARDS);
        for (gram, list) in lists {
            index.shard_mut(gram).insert(gram, list);
        }
        index
    }

    /// Makes the shards, each with room for `room` lists, if there are none.
    fn make_shards(&mut self, room: usize) {
        if self.shards.is_empty() {
            self.shards = (0..SHARDS)
                .map(|_| Arc::new(Shard::with_capacity_and_hasher(room, Default::default())))
                .collect();
        }
    }

    /// The shard of `gram`, to write to: copied first if a clone shares it.
    fn shard_mut(&mut self, gram: Gram) -> &mut Shard {
        self.make_shards(0);
        match self.shards.get_mut(shard_of(gram)) {
            Some(shard) => Arc::make_mut(shard),
            None => unreachable!("there are SHARDS shards and shard_of is below SHARDS"),
        }
    }

    /// Every list, with its gram, in no particular order.
    pub(crate) fn lists(&self) -> impl Iterator<Item = (Gram, &OrderTree)> {
        self.shards
            .iter()
            .flat_map(|shard| shard.iter().map(|(&gram, list)| (gram, list)))
    }

    /// How many lists there are. O(shards).
    #[cfg(test)]
    pub(crate) fn list_count(&self) -> usize {
        self.shards.iter().map(|shard| shard.len()).sum()
    }

    /// Puts `list` under `gram` as it is, for tests that break the invariants.
    #[cfg(test)]
    pub(crate) fn put(&mut self, gram: Gram, list: OrderTree) {
        self.shard_mut(gram).insert(gram, list);
    }

    /// Posts `key` under each of `grams`. O(grams · log n).
    pub(crate) fn add<C: Fn(Key, Key) -> Ordering>(&mut self, grams: &[Gram], key: Key, cmp: &C) {
        self.touch(grams, key, cmp);
        for &gram in grams {
            self.shard_mut(gram)
                .entry(gram)
                .or_default()
                .insert(key, cmp);
        }
    }

    /// Withdraws `key` from each of `grams`, dropping lists that become empty.
    /// O(grams · log n).
    pub(crate) fn withdraw<C: Fn(Key, Key) -> Ordering>(
        &mut self,
        grams: &[Gram],
        key: Key,
        cmp: &C,
    ) {
        self.touch(grams, key, cmp);
        for &gram in grams {
            let shard = self.shard_mut(gram);
            if let Some(list) = shard.get_mut(&gram) {
                list.remove(key, cmp);
                if list.is_empty() {
                    shard.remove(&gram);
                }
            }
        }
    }

    /// Brings into the cache the ends of the lists of `grams` that `key` will be appended
    /// to or taken from the front of (see [`OrderTree::touch_ends`]).
    fn touch<C: Fn(Key, Key) -> Ordering>(&self, grams: &[Gram], key: Key, cmp: &C) {
        let mut lists = Vec::with_capacity(grams.len());
        lists.extend(grams.iter().filter_map(|&g| self.list(g)));
        std::hint::black_box(OrderTree::touch_ends(&lists, key, cmp));
    }

    /// The posting list of `gram`, if any name has it.
    pub(crate) fn list(&self, gram: Gram) -> Option<&OrderTree> {
        self.shards.get(shard_of(gram))?.get(&gram)
    }

    /// Bytes of heap held by the lists and their tables.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.shards.capacity() * size_of::<Arc<Shard>>()
            + self
                .shards
                .iter()
                .map(|shard| {
                    // The `Arc`'s two counts, the table, its allocation, its lists.
                    2 * size_of::<usize>()
                        + size_of::<Shard>()
                        + shard.allocation_size()
                        + shard.values().map(OrderTree::heap_bytes).sum::<usize>()
                })
                .sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grams_are_tagged_by_length_and_folded() {
        assert_eq!(grams_of(""), Vec::<Gram>::new());
        assert_eq!(grams_of("a"), Vec::<Gram>::new());
        assert_eq!(grams_of("aB"), [0x0200_6162]);
        assert_eq!(grams_of("abc"), [0x0200_6162, 0x0200_6263, 0x0361_6263]);
        // Repeats counted once, sorted.
        assert_eq!(grams_of("aaaa"), [0x0200_6161, 0x0361_6161]);
        // Only ASCII letters fold; other bytes stay as they are.
        assert_eq!(grams_of("@["), [0x0200_405b]);
        assert_eq!(grams_of("é"), [0x0200_c3a9]);
    }

    #[test]
    fn a_name_holds_its_ascii_bytes_folded() {
        assert_eq!(ascii_bytes_of(""), 0);
        assert_eq!(ascii_bytes_of("aA"), 1 << b'a');
        assert_eq!(
            ascii_bytes_of("Zz-9 北"),
            1 << b'z' | 1 << b'-' | 1 << b'9' | 1 << b' '
        );
        // Every ASCII byte, and no other: upper-case letters fold.
        let all: String = (0..128u8).map(char::from).collect();
        let upper = (b'A'..=b'Z').fold(0u128, |set, b| set | 1 << b);
        assert_eq!(ascii_bytes_of(&all), !upper);
    }

    #[test]
    fn every_gram_of_bytes_has_its_own_code() {
        let mut codes = std::collections::HashSet::new();
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                assert!(codes.insert(bigram(a, b)), "bigram {a} {b}");
            }
        }
        // Trigrams: every byte in every position, against each other and the bigrams.
        let triples: std::collections::HashSet<(u8, u8, u8)> = (0..=255u8)
            .flat_map(|x| [(x, 1, 2), (1, x, 2), (1, 2, x), (x, x, x)])
            .collect();
        for (a, b, c) in triples {
            assert!(codes.insert(trigram(a, b, c)), "trigram {a} {b} {c}");
        }
        assert_eq!(trigram(0x61, 0x62, 0x63) >> 24, 3);
        assert_eq!(bigram(0x61, 0x62) >> 24, 2);
    }

    #[test]
    fn a_keyword_needs_its_one_gram_or_its_trigrams() {
        assert_eq!(keyword_grams("a"), Vec::<Gram>::new());
        assert_eq!(keyword_grams("AB"), [0x0200_6162]);
        assert_eq!(keyword_grams("abc"), [0x0361_6263]);
        assert_eq!(keyword_grams("abcd"), [0x0361_6263, 0x0362_6364]);
        assert_eq!(keyword_grams("北"), [0x03e5_8c97]);
    }

    #[test]
    fn a_build_on_two_threads_equals_one_on_one() {
        let names: Vec<String> = (0..PARALLEL_FROM as u64 + 10)
            .map(|i| {
                format!(
                    "live-{}-北京-{}",
                    i % 977,
                    i.wrapping_mul(2_654_435_761) % 10_007
                )
            })
            .collect();
        let jobs: Vec<(Key, &str)> = (0..)
            .zip(&names)
            .map(|(i, name)| (i, name.as_str()))
            .collect();
        let built = NameIndex::from_sorted(&jobs);
        let one_thread: HashMap<Gram, OrderTree> = lists_of(&jobs, |_| true).into_iter().collect();
        for (gram, list) in built.lists() {
            assert_eq!(list.check_invariants(&|a: Key, b: Key| a.cmp(&b)), Ok(()));
            assert_eq!(built.list(gram).map(|l| l.len()), Some(list.len()));
        }
        assert_eq!(built.list_count(), one_thread.len());
        for (&gram, list) in &one_thread {
            let got = built.list(gram).map(OrderTree::keys);
            assert_eq!(got, Some(list.keys()), "gram {gram:#x}");
        }
        // Both halves hold a fair share of the grams.
        let hasher = BuildHasherDefault::<GramHasher>::default();
        let upper = one_thread
            .keys()
            .filter(|g| hasher.hash_one(g) >> 63 == 1)
            .count();
        assert!(upper * 4 > one_thread.len() && upper * 4 < 3 * one_thread.len());
    }

    #[test]
    fn the_gram_hasher_spreads_grams() {
        let hasher = BuildHasherDefault::<GramHasher>::default();
        let grams: Vec<Gram> = (0..=255u8)
            .flat_map(|a| [bigram(a, b'e'), trigram(b'l', a, b'v')])
            .collect();
        let hashes: std::collections::HashSet<u64> =
            grams.iter().map(|gram| hasher.hash_one(gram)).collect();
        assert_eq!(
            hashes.len(),
            grams.len(),
            "no two of these grams hash alike"
        );
        // The low bits, which pick a bucket, differ too.
        let buckets: std::collections::HashSet<u64> = hashes.iter().map(|h| h >> 57).collect();
        assert!(buckets.len() > 64, "{} top-7-bit tags", buckets.len());
        let low: std::collections::HashSet<u64> = hashes.iter().map(|h| h & 1023).collect();
        assert!(low.len() > 300, "{} low-bit buckets of 1024", low.len());
        // Bytes written one at a time hash as their values.
        let mut a = hasher.build_hasher();
        a.write(&[1, 2]);
        let mut b = hasher.build_hasher();
        b.write_u64(1);
        b.write_u64(2);
        assert_eq!(a.finish(), b.finish());
    }
}
