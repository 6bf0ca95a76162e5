//! A [`PostingList`] against a sorted map, op by op: the check behind the list's proptests
//! and its fuzz target (through [`check_posting_list_ops`]).

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::ops::ControlFlow;

use super::key::{self, Key};
use super::posting_list::{BLOCK_MAX, GROUP_MAX, PostingList};

/// Keys ordered by time, then by their slot scrambled (a bijection on slots), as jobs of one
/// `CreateTime` are ordered by `JobId` and not by slot: slot distances take both signs.
pub(crate) fn sort_key(k: Key) -> (u64, u32) {
    let scrambled = key::slot(k).wrapping_mul(0x9E37_79B1) & (key::MAX_SLOTS as u32 - 1);
    (key::time_bits(k), scrambled)
}

/// The comparator of [`sort_key`].
pub(crate) fn scrambled(a: Key, b: Key) -> Ordering {
    sort_key(a).cmp(&sort_key(b))
}

/// The model: keys in comparator order.
pub(crate) type Model = BTreeMap<(u64, u32), Key>;

/// One operation on a list and its model.
#[derive(Clone, Debug)]
pub(crate) enum Op {
    /// A key `dt` seconds after the newest, in `slot` (a submission).
    Append { dt: u64, slot: u32 },
    /// A key anywhere.
    Insert { time: u64, slot: u32 },
    /// The key at this rank (modulo the size), if any.
    RemoveAt(usize),
    /// The `n` oldest keys (retention).
    RemoveOldest(usize),
    /// The rank of a probe key.
    Rank { time: u64, slot: u32 },
    /// The keys at ranks `lo..lo + len` (`lo` modulo the size plus 2), either way.
    Walk { lo: usize, len: usize, rev: bool },
}

/// `n` keys pushed in order: a second apart, slots cycling through 1,000.
pub(crate) fn appended(n: usize) -> (PostingList, Model) {
    let mut list = PostingList::default();
    let mut model = Model::new();
    for i in 0..n as u64 {
        let k = key::from_parts(1_000 + i, (i * 7 % 1_000) as u32);
        list.push(k);
        model.insert(sort_key(k), k);
    }
    (list, model)
}

/// The keys at ranks `lo..hi` as `walk` visits them.
pub(crate) fn walked(list: &PostingList, lo: usize, hi: usize, rev: bool) -> Vec<Key> {
    let mut seen = Vec::new();
    list.walk(lo, hi, rev, |k| {
        seen.push(k);
        ControlFlow::Continue(())
    });
    seen
}

fn expect_eq<T: PartialEq + std::fmt::Debug>(got: T, want: T, op: &Op) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{op:?}: got {got:?}, want {want:?}"))
    }
}

/// Applies `op` to the list and the model alike, checking what the list answers.
pub(crate) fn apply(list: &mut PostingList, model: &mut Model, op: &Op) -> Result<(), String> {
    let newest = model.keys().next_back().map_or(0, |&(t, _)| t);
    match *op {
        Op::Append { dt, slot } => {
            let k = key::from_parts(newest + dt, slot);
            let fresh = model.insert(sort_key(k), k).is_none();
            expect_eq(list.insert(k, &scrambled), fresh, op)?;
        }
        Op::Insert { time, slot } => {
            let k = key::from_parts(time, slot);
            let fresh = model.insert(sort_key(k), k).is_none();
            expect_eq(list.insert(k, &scrambled), fresh, op)?;
        }
        Op::RemoveAt(at) => {
            if let Some(&k) = model.values().nth(at % model.len().max(1)) {
                model.remove(&sort_key(k));
                expect_eq(list.remove(k, &scrambled), true, op)?;
                expect_eq(list.remove(k, &scrambled), false, op)?;
            }
        }
        Op::RemoveOldest(n) => {
            for _ in 0..n {
                let Some((_, k)) = model.pop_first() else {
                    break;
                };
                expect_eq(list.remove(k, &scrambled), true, op)?;
            }
        }
        Op::Rank { time, slot } => {
            let probe = key::from_parts(time, slot);
            let want = model.range(..sort_key(probe)).count();
            let got = list.rank_where(|k| scrambled(k, probe) == Ordering::Less);
            expect_eq(got, want, op)?;
        }
        Op::Walk { lo, len, rev } => {
            let lo = lo % (model.len() + 2);
            let mut want: Vec<Key> = model.values().copied().skip(lo).take(len).collect();
            if rev {
                want.reverse();
            }
            expect_eq(walked(list, lo, lo + len, rev), want, op)?;
        }
    }
    expect_eq(list.len(), model.len(), op)
}

/// Every key of the list is the model's, in order, and the list's invariants hold.
pub(crate) fn same(list: &PostingList, model: &Model) -> Result<(), String> {
    list.check_invariants(&scrambled)?;
    if list.keys().into_iter().eq(model.values().copied()) {
        Ok(())
    } else {
        Err("the keys differ from the model's".to_owned())
    }
}

/// Reads ops from bytes, 6 a piece: a kind, then two parameters of 16 and 24 bits.
fn decode(data: &[u8]) -> Vec<Op> {
    data.chunks_exact(6)
        .filter_map(|op| <[u8; 6]>::try_from(op).ok())
        .map(|[kind, a0, a1, b0, b1, b2]| {
            let a = u64::from(u16::from_le_bytes([a0, a1]));
            let b = u32::from_le_bytes([b0, b1, b2, 0]);
            // Mostly slots close together, sometimes anywhere (the escaped differences).
            let slot = if b & 0x80_0000 != 0 {
                b.wrapping_mul(0x9E37_79B1) % key::MAX_SLOTS as u32
            } else {
                b % 64
            };
            match kind % 6 {
                0 => Op::Append { dt: a % 3, slot },
                1 => Op::Insert {
                    time: a % 40_000,
                    slot,
                },
                2 => Op::RemoveAt(b as usize),
                3 => Op::RemoveOldest(a as usize % 400),
                4 => Op::Rank {
                    time: a % 40_002,
                    slot,
                },
                _ => Op::Walk {
                    lo: b as usize,
                    len: a as usize % 300,
                    rev: kind & 0x80 != 0,
                },
            }
        })
        .collect()
}

/// Runs the ops `data` encodes on a list of appended keys (their number in its first two
/// bytes, up to three groups' worth) and on a sorted map, comparing every answer and
/// checking the list's invariants after each op (every 64th op on lists of over 2,048
/// keys), and at the end. For the `posting_list` fuzz target.
///
/// # Errors
/// The first difference from the model, or the first broken invariant.
pub fn check_posting_list_ops(data: &[u8]) -> Result<(), String> {
    let (initial, ops) = match data {
        [a, b, rest @ ..] => (
            usize::from(u16::from_le_bytes([*a, *b])) % (3 * BLOCK_MAX * GROUP_MAX),
            rest,
        ),
        _ => (0, data),
    };
    let (mut list, mut model) = appended(initial);
    for (i, op) in decode(ops).iter().enumerate() {
        apply(&mut list, &mut model, op)?;
        // A full check reads the whole list: after every op while it is small, every 64th
        // op when large.
        if list.len() < 2 * BLOCK_MAX * 8 || i % 64 == 0 {
            list.check_invariants(&scrambled)?;
        }
    }
    same(&list, &model)
}
