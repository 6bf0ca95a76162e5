//! `JobIndex::heap_bytes` against the bytes the allocator really holds for the index,
//! counted by an instrumented global allocator (this test binary's alone).
//!
//! The allocator counts every thread's allocations, so this test runs without libtest's
//! harness (`harness = false` in Cargo.toml): the harness's own thread allocating while a
//! test runs would be counted as the index's.

use std::alloc::System;

use snapjobs::{Job, JobIndex, Status, Timestamp};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Bytes allocated and not freed since `region` began (a reallocation counts its growth as
/// allocated, its shrinking as freed).
fn live(region: &Region<'_, System>) -> i64 {
    let change = region.change();
    change.bytes_allocated as i64 - change.bytes_deallocated as i64
}

fn jobs(n: usize, distinct_templates: bool, name_len: usize) -> Vec<Job> {
    let at = Timestamp::parse("2022-02-02T00:00:00Z").unwrap();
    (0..n)
        .map(|i| {
            let template = if distinct_templates { i } else { i % 3 };
            let name: String = format!("live-{i}-news-北京-")
                .chars()
                .cycle()
                .take(name_len)
                .collect();
            Job::builder(
                &format!("job-{i:06}"),
                at.saturating_add_seconds(i as i64 / 3),
            )
            .name(&name)
            .template(&format!("tpl-{template}"), "模板")
            .output("oss-cn-shanghai.aliyuncs.com", "bucket")
            .status(Status::ALL[i % 3])
            .build()
            .unwrap()
        })
        .collect()
}

/// `heap_bytes` is exactly what the allocator holds for `index`, built inside `region`.
fn assert_accounted(index: &JobIndex, region: &Region<'_, System>, stage: &str) {
    assert_eq!(index.heap_bytes() as i64, live(region), "{stage}");
}

fn main() {
    heap_bytes_is_what_the_allocator_holds();
    println!("test heap_bytes_is_what_the_allocator_holds ... ok");
}

fn heap_bytes_is_what_the_allocator_holds() {
    // Each stage makes one part large: names and trees, interned templates, free slots.
    for (n, distinct, name_len) in [(20_000, false, 40), (20_000, true, 0), (5_000, true, 12)] {
        let region = Region::new(GLOBAL);
        let mut index = JobIndex::new();
        index.load(jobs(n, distinct, name_len)).unwrap();
        assert_accounted(&index, &region, "loaded");
        // Kept keywords' lists, kept current through the writes below.
        index.keep_keyword("news-北");
        index.keep_keyword("1-n");
        assert_accounted(&index, &region, "keywords kept");
        for i in (0..n).filter(|i| i % 3 != 0) {
            index.remove(&format!("job-{i:06}")).unwrap();
        }
        assert_accounted(&index, &region, "two thirds removed");
        for job in jobs(n, distinct, name_len).into_iter().skip(1).step_by(3) {
            index.insert(job).unwrap();
        }
        assert_accounted(&index, &region, "a third inserted again");
        index.rename("job-000000", "renamed").unwrap();
        index.set_template("job-000003", "fresh", "").unwrap();
        assert_accounted(&index, &region, "renamed and retemplated");
        drop(index);
        assert_eq!(live(&region), 0, "dropping the index frees everything");
    }
}
