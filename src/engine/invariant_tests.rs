//! `check_invariants` catches each kind of damage: every structure of a healthy index is
//! corrupted in one way at a time, and the check must name what broke.

use std::sync::Arc;

use super::{JobIndex, Key, compare, key, key_of, name_index};
use crate::job::{Job, Status};
use crate::time::Timestamp;

/// 600 jobs on a few times, names with shared grams, three templates; a tenth removed, so
/// there are free slots.
fn healthy() -> JobIndex {
    let at = Timestamp::parse("2022-02-02T00:00:00Z").unwrap();
    let jobs = (0..600).map(|i| {
        Job::builder(
            &format!("j{i}"),
            at.saturating_add_seconds(i64::from(i / 7)),
        )
        .name(&format!("cam-{}-live", i % 13))
        .status(Status::ALL[i as usize % 3])
        .template(["t0", "t1", "t2"][i as usize % 3], "")
        .build()
        .unwrap()
    });
    let mut index = JobIndex::new();
    index.load(jobs).unwrap();
    for i in (0..600).step_by(10) {
        index.remove(&format!("j{i}")).unwrap();
    }
    index.check_invariants().unwrap();
    index
}

/// The slot and key of job `id`.
fn slot_and_key(index: &JobIndex, id: &str) -> (u32, Key) {
    let (slot, job) = index.slot_of(id).unwrap();
    (slot, key_of(job, slot))
}

/// The ASCII bytes of the name of the job in `slot`.
fn name_bytes(ix: &JobIndex, slot: u32) -> u128 {
    let job = ix.slots.get(slot as usize).unwrap().as_ref().unwrap();
    name_index::ascii_bytes_of(job.name())
}

fn occupied_slot(index: &JobIndex) -> u32 {
    slot_and_key(index, "j1").0
}

type Damage = fn(&mut JobIndex);

#[test]
fn every_kind_of_damage_is_caught() {
    let cases: Vec<(&str, Damage)> = vec![
        ("occupied slots", |ix| {
            let slots = std::mem::take(&mut ix.slots);
            ix.ids.remove(&slots, "j1");
            ix.slots = slots;
        }),
        ("max_jobs", |ix| ix.max_jobs = 5),
        ("the id map counts", |ix| ix.ids.miscount()),
        ("free slot", |ix| {
            let slot = occupied_slot(ix);
            std::sync::Arc::make_mut(&mut ix.free).push(slot);
        }),
        ("free slot", |ix| {
            let slot = ix.free[0];
            std::sync::Arc::make_mut(&mut ix.free).push(slot);
        }),
        ("not in the free list", |ix| {
            std::sync::Arc::make_mut(&mut ix.free).pop();
        }),
        ("the id map holds slot", |ix| {
            // As many entries as jobs, but j1's twice and j2's not at all.
            let slots = std::mem::take(&mut ix.slots);
            ix.ids.remove(&slots, "j2");
            let (slot, _) = (ix.ids.get(&slots, "j1").unwrap(), ());
            ix.ids.insert(&slots, slot);
            ix.slots = slots;
        }),
        ("does not use the interned copy", |ix| {
            let slot = occupied_slot(ix) as usize;
            let job = ix.slots.get_mut(slot).unwrap().as_mut().unwrap();
            let copy = Arc::new((**job.shared()).clone());
            job.replace_shared(copy);
        }),
        ("not its real number", |ix| {
            ix.interned.miscount_one();
        }),
        ("all-jobs tree", |ix| {
            let (_, k) = slot_and_key(ix, "j5");
            let slots = &ix.slots;
            let bytes_of = |k| super::bytes_at(slots, k);
            ix.all
                .remove_counted(k, &|a, b| compare(slots, a, b), &bytes_of);
        }),
        ("tree does not hold exactly its jobs", |ix| {
            // j1 is paused: move its key to the started tree only.
            let (_, k) = slot_and_key(ix, "j1");
            let slots = &ix.slots;
            let cmp = |a, b| compare(slots, a, b);
            let bytes_of = |k| super::bytes_at(slots, k);
            ix.by_status
                .get_mut(Status::Paused)
                .remove_counted(k, &cmp, &bytes_of);
            ix.by_status
                .get_mut(Status::Started)
                .insert_counted(k, &cmp, &bytes_of);
        }),
        ("empty posting list", |ix| {
            ix.names.put(0x0200_7a7a, Default::default());
        }),
        ("is not true", |ix| {
            // A gram j1's name lacks.
            let (_, k) = slot_and_key(ix, "j1");
            let slots = &ix.slots;
            let gram = name_index::grams_of("zz")[0];
            ix.names.add(&[gram], k, &|a, b| compare(slots, a, b));
        }),
        ("is not true", |ix| {
            // A posting of j1's slot at another time.
            let (slot, k) = slot_and_key(ix, "j1");
            let slots = &ix.slots;
            let gram = name_index::grams_of("ca")[0];
            let cmp = |a, b| compare(slots, a, b);
            ix.names.withdraw(&[gram], k, &cmp);
            let later = Timestamp::parse("2023-01-01T00:00:00Z").unwrap();
            ix.names.add(&[gram], key::make(later, slot), &cmp);
        }),
        ("the names have", |ix| {
            let (_, k) = slot_and_key(ix, "j1");
            let slots = &ix.slots;
            let gram = name_index::grams_of("ca")[0];
            ix.names.withdraw(&[gram], k, &|a, b| compare(slots, a, b));
        }),
        ("child byte counts are not its keys'", |ix| {
            // j1's bytes moved in the all-jobs tree's counts only.
            let (slot, k) = slot_and_key(ix, "j1");
            let bytes = name_bytes(ix, slot);
            let slots = &ix.slots;
            assert!(
                ix.all
                    .rebyte(k, &|a, b| compare(slots, a, b), bytes, 1 << b'z')
            );
        }),
        ("child byte counts are not its keys'", |ix| {
            // The same in its status tree.
            let (slot, k) = slot_and_key(ix, "j1");
            let bytes = name_bytes(ix, slot);
            let slots = &ix.slots;
            let tree = ix.by_status.get_mut(Status::Paused);
            assert!(tree.rebyte(k, &|a, b| compare(slots, a, b), bytes, 0));
        }),
        ("a status tree is not byte-counted", |ix| {
            // A status tree built without counts.
            let keys = ix.by_status.get(Status::Init).keys();
            *ix.by_status.get_mut(Status::Init) = super::OrderTree::from_sorted(keys);
        }),
    ];
    for (expected, damage) in cases {
        let mut index = healthy();
        damage(&mut index);
        match index.check_invariants() {
            Ok(()) => panic!("damage not caught (expected {expected:?})"),
            Err(message) => assert!(message.contains(expected), "{expected:?}: got {message:?}"),
        }
    }
}

#[test]
fn a_gram_no_name_has_any_more_has_no_list() {
    let mut index = healthy();
    let at = Timestamp::parse("2022-02-02T00:00:00Z").unwrap();
    index
        .insert(Job::builder("q", at).name("qqq").build().unwrap())
        .unwrap();
    let gram = name_index::grams_of("qqq")[0];
    assert!(index.names.list(gram).is_some());
    index.rename("q", "cam").unwrap();
    assert!(index.names.list(gram).is_none(), "renamed away");
    index.rename("q", "qqq").unwrap();
    index.remove("q").unwrap();
    assert!(index.names.list(gram).is_none(), "removed");
    index.check_invariants().unwrap();
}
