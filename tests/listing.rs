//! Matching, order and pages, checked on the reference model and the engine alike
//! (CONTRACT "Matching" and "Order and pages").

mod common;

use common::{job, on_both, query};
use snapjobs::Status::{Init, Paused, Started};
use snapjobs::{Job, JobIndex, Query, SortBy, Status};

const NOW: &str = "2022-02-10T00:00:00Z";
const DAY: &str = "StartTime=2022-02-02T00:00:00Z&EndTime=2022-02-02T23:59:59Z";

fn q(extra: &str) -> Query {
    query(&format!("{DAY}&{extra}"), NOW).unwrap()
}

fn strings(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

fn jobs() -> Vec<Job> {
    vec![
        job(
            "a-early",
            "2022-02-01T23:59:59Z",
            "live-beijing-00",
            Started,
        ),
        job(
            "b-first",
            "2022-02-02T00:00:00Z",
            "live-BEIJING-01",
            Started,
        ),
        job("c-mid", "2022-02-02T12:00:00Z", "Shanghai news", Paused),
        job("d-tie", "2022-02-02T12:00:00Z", "北京直播 test", Init),
        job("e-tie", "2022-02-02T12:00:00Z", "beijing", Paused),
        job("f-last", "2022-02-02T23:59:59Z", "", Started),
        job("g-late", "2022-02-03T00:00:00Z", "live-beijing-02", Started),
    ]
}

#[test]
fn window_ends_are_inclusive() {
    on_both(&jobs(), |list| {
        let (ids, total) = list(&q("SortBy=asc"));
        assert_eq!(
            ids,
            strings(&["b-first", "c-mid", "d-tie", "e-tie", "f-last"])
        );
        assert_eq!(total, 5);
        let one_second = query(
            "StartTime=2022-02-02T12:00:00Z&EndTime=2022-02-02T12:00:00Z",
            NOW,
        )
        .unwrap();
        assert_eq!(list(&one_second).1, 3);
    });
}

#[test]
fn ties_are_ordered_by_job_id_and_desc_is_the_exact_reverse() {
    on_both(&jobs(), |list| {
        let asc = list(&q("SortBy=asc")).0;
        let mut desc = list(&q("SortBy=desc")).0;
        desc.reverse();
        assert_eq!(asc, desc);
        assert_eq!(asc[1..4], strings(&["c-mid", "d-tie", "e-tie"]));
    });
}

#[test]
fn order_does_not_depend_on_insertion_order() {
    let mut forward = JobIndex::new();
    let mut backward = JobIndex::new();
    for job in jobs() {
        forward.insert(job).unwrap();
    }
    for job in jobs().into_iter().rev() {
        backward.insert(job).unwrap();
    }
    let mut loaded = JobIndex::new();
    loaded.load(jobs().into_iter().rev()).unwrap();
    for page_no in 1..=4 {
        let query = q(&format!("PageSize=2&PageNo={page_no}"));
        let expected = common::ids(&forward.list(&query));
        assert_eq!(common::ids(&backward.list(&query)), expected);
        assert_eq!(common::ids(&loaded.list(&query)), expected);
    }
}

#[test]
fn status_filter_equals_the_job_status() {
    on_both(&jobs(), |list| {
        assert_eq!(
            list(&q("Status=paused&SortBy=asc")).0,
            strings(&["c-mid", "e-tie"])
        );
        assert_eq!(list(&q("Status=init")).0, strings(&["d-tie"]));
        assert_eq!(list(&q("Status=started")).1, 2);
    });
}

#[test]
fn keyword_matches_name_ascii_case_insensitively() {
    on_both(&jobs(), |list| {
        for keyword in ["beijing", "BEIJING", "BeiJing", "eiji", "EI", "j"] {
            let (ids, total) = list(&q(&format!("SearchKeyWord={keyword}&SortBy=asc")));
            assert_eq!(ids, strings(&["b-first", "e-tie"]), "{keyword}");
            assert_eq!(total, 2);
        }
        assert_eq!(
            list(&q("SearchKeyWord=live-beijing-01")).0,
            strings(&["b-first"])
        );
        assert_eq!(
            list(&q("SearchKeyWord=SHANGHAI+NEWS")).0,
            strings(&["c-mid"])
        );
        assert_eq!(list(&q("SearchKeyWord=beijingx")).1, 0);
    });
}

#[test]
fn keyword_matches_cjk_names_byte_for_byte() {
    on_both(&jobs(), |list| {
        for keyword in ["北京", "北", "直播", "京直", "北京直播+TEST"] {
            let (ids, _) = list(&q(&format!("SearchKeyWord={keyword}")));
            assert_eq!(ids, strings(&["d-tie"]), "{keyword}");
        }
        assert_eq!(list(&q("SearchKeyWord=南京")).1, 0);
    });
    // Only ASCII letters fold: É does not find é.
    on_both(&[job("x", "2022-02-02T01:00:00Z", "café", Init)], |list| {
        assert_eq!(list(&q("SearchKeyWord=CAFé")).1, 1);
        assert_eq!(list(&q("SearchKeyWord=cafÉ")).1, 0);
    });
}

#[test]
fn keyword_matches_job_id_exactly_and_case_sensitively() {
    on_both(&jobs(), |list| {
        assert_eq!(list(&q("SearchKeyWord=f-last")).0, strings(&["f-last"]));
        assert_eq!(list(&q("SearchKeyWord=F-LAST")).1, 0);
        // A part of an id is not an id match.
        assert_eq!(list(&q("SearchKeyWord=f-las")).1, 0);
        // The id must still be in the window and status.
        assert_eq!(list(&q("SearchKeyWord=g-late")).1, 0);
        assert_eq!(list(&q("SearchKeyWord=f-last&Status=init")).1, 0);
    });
}

#[test]
fn keyword_matching_by_id_and_by_name_counts_once() {
    let jobs = vec![
        job("beijing", "2022-02-02T01:00:00Z", "beijing", Init),
        job("other", "2022-02-02T02:00:00Z", "about beijing", Init),
        job("zz", "2022-02-02T03:00:00Z", "beijing again", Init),
        job("aa", "2022-02-02T04:00:00Z", "no match", Init),
    ];
    on_both(&jobs, |list| {
        let (ids, total) = list(&q("SearchKeyWord=beijing&SortBy=asc"));
        assert_eq!(ids, strings(&["beijing", "other", "zz"]));
        assert_eq!(total, 3);
        // By id only, merged at its place among name matches, on every page.
        let (ids, total) = list(&q("SearchKeyWord=aa&SortBy=asc"));
        assert_eq!((ids, total), (strings(&["aa"]), 1));
    });
    let jobs = vec![
        job("k1", "2022-02-02T01:00:00Z", "xk2x", Init),
        job("k2", "2022-02-02T02:00:00Z", "plain", Init),
        job("k3", "2022-02-02T03:00:00Z", "ak2", Init),
    ];
    on_both(&jobs, |list| {
        for (extra, expected) in [
            ("SortBy=asc", vec!["k1", "k2", "k3"]),
            ("SortBy=desc", vec!["k3", "k2", "k1"]),
            ("SortBy=asc&PageSize=1&PageNo=2", vec!["k2"]),
            ("SortBy=desc&PageSize=2&PageNo=2", vec!["k1"]),
            ("SortBy=asc&PageSize=1&PageNo=4", vec![]),
        ] {
            let (ids, total) = list(&q(&format!("SearchKeyWord=k2&{extra}")));
            assert_eq!((ids, total), (strings(&expected), 3), "{extra}");
        }
    });
}

#[test]
fn total_count_is_exact_on_every_page_and_past_the_end() {
    let many: Vec<Job> = (0..250)
        .map(|i| {
            job(
                &format!("job-{i:03}"),
                "2022-02-02T10:00:00Z",
                "cam",
                Status::ALL[i % 3],
            )
        })
        .collect();
    on_both(&many, |list| {
        let mut seen = Vec::new();
        for page_no in 1..=4 {
            let (ids, total) = list(&q(&format!("PageSize=100&PageNo={page_no}&SortBy=asc")));
            assert_eq!(total, 250);
            assert_eq!(ids.len(), [100, 100, 50, 0][page_no - 1]);
            seen.extend(ids);
        }
        let expected: Vec<String> = (0..250).map(|i| format!("job-{i:03}")).collect();
        assert_eq!(seen, expected);
        assert_eq!(
            list(&q("PageSize=1&PageNo=250&SortBy=asc")).0,
            strings(&["job-249"])
        );
        let (ids, total) = list(&q(&format!("PageNo={}", u64::MAX)));
        assert_eq!((ids.len(), total), (0, 250));
        let (ids, total) = list(&q(&format!(
            "PageNo={}&Status=paused&SearchKeyWord=cam",
            u64::MAX
        )));
        assert_eq!((ids.len(), total), (0, 83));
    });
}

#[test]
fn page_size_bounds_hold_on_lists() {
    on_both(&jobs(), |list| {
        assert_eq!(list(&q("PageSize=1")).0, strings(&["f-last"]));
        assert_eq!(list(&q("PageSize=100")).0.len(), 5);
        assert_eq!(list(&q("")).0.len(), 5);
    });
}

#[test]
fn empty_index_lists_nothing() {
    on_both(&[], |list| {
        assert_eq!(list(&q("")), (vec![], 0));
        assert_eq!(list(&q("SearchKeyWord=a&Status=init")), (vec![], 0));
    });
}

#[test]
fn typed_query_lists_like_the_parsed_one() {
    let typed = Query::new(
        common::t("2022-02-02T00:00:00Z"),
        common::t("2022-02-02T23:59:59Z"),
    )
    .unwrap()
    .with_sort(SortBy::Asc)
    .with_status(Some(Paused));
    on_both(&jobs(), |list| {
        assert_eq!(list(&typed), list(&q("SortBy=asc&Status=paused")))
    });
}

#[test]
fn only_ascii_letters_fold() {
    // Folding that set bit 0x20 of every byte would make `\r` equal `-`, `@` equal `` ` ``,
    // `[` equal `{` and `0x0c` equal `,`.
    let names = [
        ("j1", "x-a -ab x\rab"),
        ("j2", "mail@host"),
        ("j3", "a[1]"),
        ("j4", "p\u{c}q"),
    ];
    let jobs: Vec<Job> = names
        .iter()
        .map(|(id, name)| job(id, "2022-02-02T01:00:00Z", name, Init))
        .collect();
    on_both(&jobs, |list| {
        let cases = [
            ("x-ab", 0),
            ("x%0Dab", 1),
            ("-a+-", 1),
            ("X-A", 1),
            ("mail%60host", 0),
            ("MAIL%40HOST", 1),
            ("a%7B1%7D", 0),
            ("a%5B1", 1),
            ("p%2Cq", 0),
            ("P%0CQ", 1),
            // 1-, 2- and 3-byte keywords take other paths through the index.
            ("%60", 0),
            ("%40", 1),
            ("%0D", 1),
            ("%60h", 0),
            ("%40h", 1),
            ("l%60h", 0),
            ("l%40h", 1),
        ];
        for (keyword, total) in cases {
            assert_eq!(
                list(&q(&format!("SearchKeyWord={keyword}"))).1,
                total,
                "{keyword}"
            );
        }
    });
}

#[test]
fn counts_stay_exact_under_retention() {
    // 256 jobs a second apart; removing the oldest first leaves leaves under their minimum
    // beside full neighbours, which merge and split again.
    let start = common::t("2022-02-02T00:00:00Z");
    let jobs: Vec<Job> = (0..256)
        .map(|i| {
            Job::builder(&format!("j{i:03}"), start.saturating_add_seconds(i))
                .name(&format!("cam-{}", i % 7))
                .status(Status::ALL[i as usize % 3])
                .build()
                .unwrap()
        })
        .collect();
    let whole = q("PageSize=100");
    let mut index = JobIndex::new();
    index.load(jobs.clone()).unwrap();
    let mut model = snapjobs::reference::Model::new();
    model.load(jobs.clone()).unwrap();
    for (removed, job) in jobs.iter().enumerate() {
        index.remove(job.id()).unwrap();
        model.remove(job.id()).unwrap();
        let left = 255 - removed as u64;
        for query in [
            whole.clone(),
            whole.clone().with_status(Some(Paused)),
            whole.clone().with_keyword("cam-3").unwrap(),
            whole
                .clone()
                .with_sort(SortBy::Asc)
                .with_page(2, 100)
                .unwrap(),
        ] {
            let (got, want) = (index.list(&query), model.list(&query));
            assert_eq!(got, want, "after removing {} jobs: {query:?}", removed + 1);
        }
        assert_eq!(index.list(&whole).total_count, left);
        if removed == 96 {
            assert_eq!(index.list(&whole).total_count, 159);
        }
        index.check_invariants().unwrap();
    }
}
