//! The engine against the reference model: random sequences of writes and queries, over small
//! domains that force collisions (shared ids, equal CreateTimes, window ends on job times,
//! repeated grams, CJK, 1- to 5-byte keywords, keywords that are ids), with every answer
//! compared and the engine's invariants checked after every step.
//!
//! `PROPTEST_CASES` sets the case count of both tests (by default 256 and 25).

mod common;

use common::Store;
use proptest::prelude::*;
use snapjobs::reference::Model;
use snapjobs::{Job, JobIndex, Query, SortBy, Status, Timestamp};

const BASE: i64 = 1_643_760_000; // 2022-02-02T00:00:00Z

/// Job times: mostly a few hours apart so many collide, one far off (outside any window).
fn time() -> impl Strategy<Value = i64> {
    prop_oneof![
        8 => (0..6i64).prop_map(|h| BASE + h * 3600),
        1 => Just(BASE + 40 * 86_400),
        1 => Just(BASE - 1),
    ]
}

const FRAGMENTS: &[&str] = &[
    "live", "LIVE", "Live", "aaaa", "aa", "a", "A", "北京", "北", "京", "news", "-", " ", "k1",
    "Beijing", "beiJING", "é", "É", "cam01",
];

fn name() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(FRAGMENTS), 0..5).prop_map(|parts| parts.concat())
}

const IDS: &[&str] = &[
    "a", "b", "c", "k1", "live", "aaaa", "Live", "z-9", "cam01", "x",
];

fn id() -> impl Strategy<Value = String> + Clone {
    prop::sample::select(IDS).prop_map(String::from)
}

fn status() -> impl Strategy<Value = Status> {
    prop::sample::select(&Status::ALL[..])
}

fn job_with(id: impl Strategy<Value = String>) -> impl Strategy<Value = Job> {
    (id, time(), name(), status()).prop_map(|(id, at, name, status)| {
        Job::builder(&id, Timestamp::from_unix(at).unwrap())
            .name(&name)
            .status(status)
            .build()
            .unwrap()
    })
}

fn keyword() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(FRAGMENTS).prop_map(String::from),
        2 => id(),
        2 => prop::collection::vec(prop::sample::select(&['a', 'A', 'i', 'v', 'e', '北', '-', 'k', '1'][..]), 1..6)
            .prop_map(|cs| cs.into_iter().collect()),
        1 => name(),
    ]
}

fn query() -> impl Strategy<Value = Query> {
    (
        time(),
        0..8i64,
        prop::option::of(keyword()),
        prop::option::of(status()),
        prop_oneof![4 => 1..6u64, 1 => Just(u64::MAX)],
        prop_oneof![4 => 1..6u32, 1 => Just(100u32)],
        any::<bool>(),
    )
        .prop_map(|(start, hours, keyword, status, page_no, page_size, asc)| {
            let start = Timestamp::from_unix(start).unwrap();
            let end = Timestamp::from_unix(
                (start.unix_seconds() + hours * 3600).min(Timestamp::MAX.unix_seconds()),
            )
            .unwrap();
            Query::new(start, end)
                .unwrap()
                .with_keyword(keyword.as_deref().unwrap_or(""))
                .unwrap()
                .with_status(status)
                .with_page(page_no, page_size)
                .unwrap()
                .with_sort(if asc { SortBy::Asc } else { SortBy::Desc })
        })
}

#[derive(Clone, Debug)]
enum Op {
    Insert(Job),
    Load(Vec<Job>),
    SetStatus(String, Status),
    Rename(String, String),
    SetTemplate(String, String),
    SetInterval(String, u32),
    Remove(String),
    List(Query),
}

fn op(id: impl Strategy<Value = String> + Clone + 'static) -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => job_with(id.clone()).prop_map(Op::Insert),
        1 => prop::collection::vec(job_with(id.clone()), 0..4).prop_map(Op::Load),
        2 => (id.clone(), status()).prop_map(|(i, s)| Op::SetStatus(i, s)),
        2 => (id.clone(), prop_oneof![5 => name(), 1 => Just("n".repeat(129))]).prop_map(|(i, n)| Op::Rename(i, n)),
        1 => (id.clone(), prop_oneof![3 => Just("tpl".to_owned()), 1 => Just("模板".to_owned())]).prop_map(|(i, t)| Op::SetTemplate(i, t)),
        1 => (id.clone(), 0..3u32).prop_map(|(i, s)| Op::SetInterval(i, s)),
        2 => id.prop_map(Op::Remove),
        6 => query().prop_map(Op::List),
    ]
}

/// Applies `op` to both stores, then checks the engine's invariants and that both hold the
/// same jobs; fails the case on any difference.
fn apply(model: &mut Model, index: &mut JobIndex, op: &Op) -> Result<(), TestCaseError> {
    apply_unchecked(model, index, op)?;
    check_same(model, index)
}

/// Applies `op` to both stores and compares what each returns (the write's result, or the
/// page and total of a list).
fn apply_unchecked(model: &mut Model, index: &mut JobIndex, op: &Op) -> Result<(), TestCaseError> {
    match op {
        Op::Insert(job) => prop_assert_eq!(model.insert(job.clone()), index.insert(job.clone())),
        Op::Load(jobs) => prop_assert_eq!(model.load(jobs.clone()), index.load(jobs.clone())),
        Op::SetStatus(id, s) => prop_assert_eq!(model.set_status(id, *s), index.set_status(id, *s)),
        Op::Rename(id, n) => prop_assert_eq!(model.rename(id, n), index.rename(id, n)),
        Op::SetTemplate(id, t) => {
            prop_assert_eq!(model.set_template(id, t, t), index.set_template(id, t, t))
        }
        Op::SetInterval(id, s) => {
            prop_assert_eq!(
                model.set_time_interval(id, *s),
                index.set_time_interval(id, *s)
            )
        }
        Op::Remove(id) => prop_assert_eq!(model.remove(id), index.remove(id)),
        Op::List(query) => {
            let (want, got) = (model.list(query), index.list(query));
            prop_assert_eq!(common::ids(&got), common::ids(&want), "page of {:?}", query);
            prop_assert_eq!(got.total_count, want.total_count, "total of {:?}", query);
        }
    }
    Ok(())
}

/// The engine's invariants hold and it holds exactly the model's jobs.
fn check_same(model: &Model, index: &JobIndex) -> Result<(), TestCaseError> {
    if let Err(broken) = index.check_invariants() {
        return Err(TestCaseError::fail(broken));
    }
    prop_assert_eq!(Store::snapshot(index), Store::snapshot(model));
    Ok(())
}

proptest! {
    #[test]
    fn engine_answers_like_the_model(ops in prop::collection::vec(op(id()), 1..60)) {
        let (mut model, mut index) = (Model::new(), JobIndex::new());
        for op in &ops {
            apply(&mut model, &mut index, op)?;
        }
    }
}

fn many_ids() -> impl Strategy<Value = String> + Clone {
    (0..900u32).prop_map(|i| format!("j{i}"))
}

proptest! {
    // 25 cases by default, a tenth of the other test's 256, as each case is far larger. When
    // PROPTEST_CASES is set, proptest applies it to every config, this one included.
    #![proptest_config(ProptestConfig { cases: (ProptestConfig::default().cases / 10).max(1), ..ProptestConfig::default() })]

    /// Enough jobs on few CreateTimes to build several tree levels, with ties across leaves.
    #[test]
    fn engine_answers_like_the_model_at_depth(
        initial in prop::collection::vec(job_with(many_ids()), 200..700),
        ops in prop::collection::vec(op(many_ids()), 1..120),
    ) {
        let (mut model, mut index) = (Model::new(), JobIndex::new());
        let mut seen = std::collections::HashSet::new();
        let initial: Vec<Job> = initial.into_iter().filter(|j| seen.insert(j.id().to_owned())).collect();
        apply(&mut model, &mut index, &Op::Load(initial.clone()))?;
        // Half of them again one at a time, removed and reinserted, so removes merge nodes and
        // inserts split them. Each step's result is compared; the full check (invariants and
        // contents, O(n) each) runs every 16 steps and at the end of each phase.
        let half: Vec<&Job> = initial.iter().step_by(2).collect();
        let removes = half.iter().map(|job| Op::Remove(job.id().to_string()));
        let inserts = half.iter().map(|job| Op::Insert((*job).clone()));
        for phase in [removes.collect::<Vec<_>>(), inserts.collect()] {
            for (step, op) in phase.iter().enumerate() {
                apply_unchecked(&mut model, &mut index, op)?;
                if step % 16 == 15 {
                    check_same(&model, &index)?;
                }
            }
            check_same(&model, &index)?;
        }
        // The random operations, each fully checked.
        for op in &ops {
            apply(&mut model, &mut index, op)?;
        }
    }
}
