//! Order keys: a job's `CreateTime` and slot packed into one `u64`.
//!
//! The high 39 bits hold the `CreateTime` as seconds since `0000-01-01T00:00:00Z` (the years
//! 0000 to 9999 span under 2^39 seconds); the low 25 bits hold the job's slot in the index.
//! Comparing keys by their high bits is comparing by `CreateTime`, so a time window is a key
//! range found by plain integer comparison. Jobs with the same `CreateTime` are ordered by
//! `JobId`, which the trees learn from a comparator that looks the ids up by slot.

use crate::time::Timestamp;

/// An order key.
pub(crate) type Key = u64;

/// Bits of a key that hold the slot.
const SLOT_BITS: u32 = 25;
/// How many slots an index has: the most jobs it can hold.
pub(crate) const MAX_SLOTS: usize = 1 << SLOT_BITS;
const SLOT_MASK: u64 = (1 << SLOT_BITS) - 1;

fn offset(time: Timestamp) -> u64 {
    // In range by Timestamp's invariant; `unsigned_abs` of a non-negative difference.
    (time.unix_seconds() - Timestamp::MIN.unix_seconds()).unsigned_abs()
}

/// The key of the job in `slot` created at `time`.
pub(crate) fn make(time: Timestamp, slot: u32) -> Key {
    offset(time) << SLOT_BITS | (u64::from(slot) & SLOT_MASK)
}

/// The slot of a key.
pub(crate) fn slot(key: Key) -> u32 {
    // Exact: the mask keeps 25 bits.
    (key & SLOT_MASK) as u32
}

/// The time bits of a key: equal exactly when the `CreateTime`s are.
pub(crate) fn time_bits(key: Key) -> u64 {
    key >> SLOT_BITS
}

/// Every key of a job created before `time` is below this bound, every other key is not.
pub(crate) fn first_at(time: Timestamp) -> u64 {
    offset(time) << SLOT_BITS
}

/// Every key of a job created at or before `time` is below this bound, every other key is not.
pub(crate) fn first_after(time: Timestamp) -> u64 {
    (offset(time) + 1) << SLOT_BITS
}

/// The key with these time bits (as [`time_bits`] gives them) and slot.
pub(crate) fn from_parts(time_bits: u64, slot: u32) -> Key {
    time_bits << SLOT_BITS | (u64::from(slot) & SLOT_MASK)
}
