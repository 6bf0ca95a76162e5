//! What sharing an index between threads costs in memory, counted by the allocator.
//!
//! ```text
//! cargo run --release --example snapshot_memory [-- JOBS]
//! ```
//!
//! Loads JOBS realistic jobs (10^6 by default) and prints the bytes the allocator holds: for
//! the index alone; once shared (a [`SharedIndex`] made from it, its first snapshot
//! published); then after 10^4 writes (submissions, retirements of the oldest, status
//! changes, in turn) published in batches of 64, first with no snapshot held (only the
//! latest state is kept), then again with the first snapshot held by a reader throughout
//! (what an old snapshot pins); and once that snapshot is dropped.

#[path = "../benches/support/synth.rs"]
mod synth;

use std::alloc::System;
use std::collections::VecDeque;

use snapjobs::{JobIndex, SharedIndex, Status, Timestamp};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Bytes allocated and not yet freed since `region` began.
fn live(region: &Region<'_, System>) -> i64 {
    let change = region.change();
    change.bytes_allocated as i64 - change.bytes_deallocated as i64
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let region = Region::new(GLOBAL);
    let jobs = synth::named_jobs(n, 42, synth::Names::Realistic);
    let mut by_age: Vec<(Timestamp, String)> = jobs
        .iter()
        .map(|j| (j.create_time(), j.id().to_string()))
        .collect();
    by_age.sort();
    let mut held: VecDeque<String> = by_age.into_iter().map(|(_, id)| id).collect();
    let mut generator = synth::Generator::named(7, synth::Names::Realistic);
    let mut now = 1_900_000_000;
    let mut index = JobIndex::new();
    index.load(jobs).expect("the generated jobs load");
    let baseline = live(&region);
    let shared = SharedIndex::new(index);
    let mb = |bytes: i64| bytes as f64 / 1e6;
    println!(
        "{n} jobs: index and the benchmark's own data {:.1} MB; shared: {:+.3} MB",
        mb(baseline),
        mb(live(&region) - baseline)
    );

    let mut turn = 0u64;
    let mut writes = |shared: &SharedIndex| {
        for _ in 0..10_000 / 64 {
            let mut writer = shared.writer();
            for _ in 0..64 {
                turn += 1;
                match turn % 3 {
                    0 => {
                        now += 1;
                        let at = Timestamp::from_unix(now).expect("a time in range");
                        let job = generator.job_at(turn + (1 << 40), at);
                        held.push_back(job.id().to_string());
                        writer.insert(job).expect("a new id");
                    }
                    1 => {
                        let id = held.pop_front().expect("jobs are held");
                        writer.remove(&id).expect("the oldest is held");
                    }
                    _ => {
                        let id = &held[(turn as usize * 7919) % held.len()];
                        writer
                            .set_status(id, Status::ALL[(turn % 3) as usize])
                            .expect("a held job");
                    }
                }
            }
        }
    };
    let before = live(&region);
    writes(&shared);
    let after = live(&region);
    println!(
        "10^4 writes, no snapshot held: {:+.1} MB",
        mb(after - before)
    );
    let old = shared.snapshot();
    let before = live(&region);
    writes(&shared);
    let pinned = live(&region) - before;
    println!(
        "10^4 more writes with the snapshot before them held: {:+.1} MB pinned ({:.1}% of the index)",
        mb(pinned),
        pinned as f64 * 100.0 / baseline as f64
    );
    drop(old);
    // The writer frees the dropped snapshot's index at its next write or publish.
    shared.writer().publish();
    println!(
        "once it is dropped: {:+.1} MB against before those writes",
        mb(live(&region) - before)
    );
}
