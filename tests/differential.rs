//! The engine against the reference model: random sequences of the shared operations
//! (`tests/support/ops.rs`, also the `differential` fuzz target's), every answer compared and
//! the engine's invariants checked after every op.
//!
//! `PROPTEST_CASES` sets the case count of every test here (by default 256, and a tenth of
//! that for the larger ones).

#[path = "support/ops.rs"]
mod ops;

use arbitrary::{Arbitrary, Unstructured};
use ops::{Harness, Ids, JobSpec, Name, Op, decode as ops_from};
use proptest::prelude::*;

/// A tenth of the default cases (or of `PROPTEST_CASES`), for cases far larger.
fn larger() -> ProptestConfig {
    ProptestConfig {
        cases: (ProptestConfig::default().cases / 10).max(1),
        ..ProptestConfig::default()
    }
}

/// A thirtieth, for the cases of several thousand jobs.
fn largest() -> ProptestConfig {
    ProptestConfig {
        cases: (ProptestConfig::default().cases / 30).max(1),
        ..ProptestConfig::default()
    }
}

proptest! {
    /// Few ids: every op collides with earlier ones.
    #[test]
    fn engine_answers_like_the_model(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let mut harness = Harness::new(Ids::Few);
        for op in ops_from(&bytes).iter().take(200) {
            harness.apply(op);
        }
    }
}

fn job_spec() -> impl Strategy<Value = JobSpec> {
    (
        any::<u16>(),
        any::<u8>(),
        prop::collection::vec(any::<u8>(), 0..5),
        any::<u8>(),
        any::<u8>(),
    )
        .prop_map(|(id, time, parts, status, template)| JobSpec {
            id,
            time,
            name: Name::Fragments(parts),
            status,
            template,
        })
}

proptest! {
    #![proptest_config(larger())]

    /// Enough jobs on few CreateTimes to build several tree levels, with ties across leaves:
    /// a bulk load, half of it removed and reinserted one at a time (so removes merge nodes
    /// and inserts split them), then random ops.
    #[test]
    fn engine_answers_like_the_model_at_depth(
        initial in prop::collection::vec(job_spec(), 200..700),
        bytes in prop::collection::vec(any::<u8>(), 0..4096),
    ) {
        let mut harness = Harness::new(Ids::Many);
        let load = Op::Load(initial.clone());
        harness.apply(&load);
        let held: Vec<u16> = initial.iter().map(|s| s.id).step_by(2).collect();
        let removes: Vec<Op> = held.iter().map(|&id| Op::Remove(id)).collect();
        let inserts: Vec<Op> = initial.iter().step_by(2).cloned().map(Op::Insert).collect();
        // Each step's result is compared; the full check (O(n) each) runs every 16 steps.
        for phase in [removes, inserts] {
            for (step, op) in phase.iter().enumerate() {
                harness.apply_unchecked(op);
                if step % 16 == 15 {
                    harness.check(op);
                }
            }
            harness.check(&load);
        }
        for op in ops_from(&bytes).iter().take(120) {
            harness.apply(op);
        }
    }
}

proptest! {
    #![proptest_config(largest())]

    /// Retention and submission at several thousand jobs: long runs of removals of the
    /// oldest and of inserts at the newest time, so every rebalancing path of the trees runs
    /// (leaves and branches merging with a neighbour, splitting again, the root shrinking),
    /// with listings and the laws between the runs.
    #[test]
    fn retention_and_submission_at_scale(
        initial in 2_000..5_000usize,
        runs in prop::collection::vec((any::<bool>(), 1..6u8, any::<u8>()), 4..9),
        probes in prop::collection::vec(any::<[u8; 16]>(), 8),
    ) {
        let mut harness = Harness::new(Ids::Many);
        let name = Name::Fragments(vec![0, 12, 4, 7]);
        for _ in 0..initial / 250 {
            harness.apply_unchecked(&Op::Submit(250, name.clone()));
        }
        harness.check(&Op::Submit(250, name.clone()));
        let probes: Vec<Op> = probes.iter().flat_map(|bytes| ops::QuerySpec::arbitrary(&mut Unstructured::new(bytes))).flat_map(|q| [Op::List(q.clone()), Op::Laws(q)]).collect();
        for (retire, length, seed) in runs {
            let op = if retire { Op::RetireOldest(255) } else { Op::Submit(255, name.clone()) };
            for _ in 0..length {
                harness.apply_unchecked(&op);
            }
            harness.check(&op);
            for probe in &probes {
                harness.apply_unchecked(probe);
            }
            if seed % 4 == 0 {
                harness.apply(&Op::Rebuild(u64::from(seed)));
            }
        }
    }
}

/// The byte decoding feeds the tests above real work: random bytes make many ops, of every
/// kind.
#[test]
fn random_bytes_decode_to_many_ops_of_every_kind() {
    let mut state = 7u64;
    let mut kinds = std::collections::HashSet::new();
    for _ in 0..20 {
        let bytes: Vec<u8> = (0..2048)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                (state >> 56) as u8
            })
            .collect();
        let ops = ops_from(&bytes);
        assert!(ops.len() >= 20, "{} ops from 2048 bytes", ops.len());
        kinds.extend(ops.iter().map(std::mem::discriminant));
    }
    assert_eq!(kinds.len(), 17, "every kind of op appears");
}
