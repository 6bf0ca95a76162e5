//! Writes: field rules, and refused writes leaving a store exactly as it was
//! (CONTRACT "Jobs").

mod common;

use common::{Store, job, t};
use snapjobs::Status::{Init, Paused, Started};
use snapjobs::reference::Model;
use snapjobs::{Job, JobField, JobIndex, SnapshotOutput, Status, Timestamp, WriteError};

fn invalid(field: JobField) -> impl Fn(&WriteError) -> bool {
    move |err| matches!(err, WriteError::InvalidField { field: f, .. } if *f == field)
}

#[test]
fn job_fields_are_checked_on_build() {
    let at = t("2022-02-02T00:00:00Z");
    let base = || Job::builder("id-1", at);
    let cases: Vec<(&str, snapjobs::JobBuilder, JobField)> = vec![
        ("empty id", Job::builder("", at), JobField::JobId),
        (
            "65-byte id",
            Job::builder(&"a".repeat(65), at),
            JobField::JobId,
        ),
        ("id with space", Job::builder("a b", at), JobField::JobId),
        ("id with tab", Job::builder("a\tb", at), JobField::JobId),
        ("non-ASCII id", Job::builder("北京", at), JobField::JobId),
        (
            "129-char name",
            base().name(&"北".repeat(129)),
            JobField::JobName,
        ),
        (
            "65-byte template id",
            base().template(&"t".repeat(65), ""),
            JobField::TemplateId,
        ),
        (
            "non-ASCII template id",
            base().template("模板", ""),
            JobField::TemplateId,
        ),
        (
            "129-char template name",
            base().template("", &"x".repeat(129)),
            JobField::TemplateName,
        ),
        (
            "257-byte endpoint",
            base().output(&"e".repeat(257), ""),
            JobField::Endpoint,
        ),
        (
            "257-byte bucket",
            base().output("", &"b".repeat(257)),
            JobField::Bucket,
        ),
        (
            "zero interval",
            base().time_interval(0),
            JobField::TimeInterval,
        ),
    ];
    for (what, builder, field) in cases {
        let err = builder.build().unwrap_err();
        assert!(invalid(field)(&err), "{what}: {err}");
    }
    let at_limits = Job::builder(&"~".repeat(64), at)
        .name(&"北".repeat(128))
        .template(&"t ".repeat(32), &"x".repeat(128))
        .output(&"e".repeat(256), &"b".repeat(256))
        .time_interval(1)
        .build();
    assert!(at_limits.is_ok());
    assert!(Job::builder("!", at).build().is_ok(), "1 byte is enough");
}

#[test]
fn create_time_spans_the_years_0000_to_9999() {
    assert!(Timestamp::from_unix(Timestamp::MIN.unix_seconds()).is_ok());
    assert!(Timestamp::from_unix(Timestamp::MAX.unix_seconds()).is_ok());
    assert!(Timestamp::from_unix(Timestamp::MIN.unix_seconds() - 1).is_err());
    assert!(Timestamp::from_unix(Timestamp::MAX.unix_seconds() + 1).is_err());
    assert_eq!(Timestamp::MIN.to_string(), "0000-01-01T00:00:00Z");
    assert_eq!(Timestamp::MAX.to_string(), "9999-12-31T23:59:59Z");
}

#[test]
fn job_json_is_checked_too() {
    let good = r#"{"JobId":"j","JobName":"","TemplateId":"","TemplateName":"","Status":"init",
        "SnapshotOutput":{"StorageType":"oss","Endpoint":"","Bucket":""},"TimeInterval":5,
        "CreateTime":"2022-07-20T02:48:58Z"}"#;
    assert!(serde_json::from_str::<Job>(good).is_ok());
    for (from, to) in [
        (r#""oss""#, r#""s3""#),
        (r#""init""#, r#""running""#),
        (r#""TimeInterval":5"#, r#""TimeInterval":0"#),
        (r#""TimeInterval":5"#, r#""TimeInterval":-5"#),
        (r#""JobId":"j""#, r#""JobId":"""#),
        ("2022-07-20T02:48:58Z", "2022-07-20T02:48:58+08:00"),
        (r#""JobName":"","#, ""),
    ] {
        let bad = good.replace(from, to);
        assert!(serde_json::from_str::<Job>(&bad).is_err(), "{to}");
    }
}

fn sample() -> Vec<Job> {
    vec![
        job("a", "2022-02-02T00:00:00Z", "alpha", Init),
        job("b", "2022-02-02T00:00:00Z", "beta", Paused),
        job("c", "2022-02-03T00:00:00Z", "gamma", Started),
    ]
}

/// Each refused write, on a store loaded with `sample()`.
fn refused_writes<S: Store>() {
    let mut store = S::default();
    store.load(sample()).unwrap();
    let before = store.snapshot();
    let unchanged = |store: &S, what: &str| {
        store.check();
        assert_eq!(
            store.snapshot(),
            before,
            "{}: {what} changed the store",
            store.name()
        );
    };

    let err = store
        .insert(job("a", "2023-01-01T00:00:00Z", "other", Started))
        .unwrap_err();
    assert_eq!(err, WriteError::DuplicateJobId { id: "a".into() });
    unchanged(&store, "duplicate insert");

    let batch = vec![
        job("x", "2022-02-02T00:00:00Z", "", Init),
        job("b", "2022-02-02T00:00:00Z", "", Init),
    ];
    assert_eq!(
        store.load(batch).unwrap_err(),
        WriteError::DuplicateJobId { id: "b".into() }
    );
    unchanged(&store, "load clashing with a held id");

    let batch = vec![
        job("x", "2022-02-02T00:00:00Z", "", Init),
        job("x", "2022-02-04T00:00:00Z", "", Init),
    ];
    assert_eq!(
        store.load(batch).unwrap_err(),
        WriteError::DuplicateJobId { id: "x".into() }
    );
    unchanged(&store, "load repeating an id");

    let unknown = WriteError::UnknownJobId { id: "zz".into() };
    assert_eq!(store.set_status("zz", Started).unwrap_err(), unknown);
    assert_eq!(store.rename("zz", "n").unwrap_err(), unknown);
    assert_eq!(store.set_template("zz", "t", "n").unwrap_err(), unknown);
    assert_eq!(store.set_time_interval("zz", 3).unwrap_err(), unknown);
    assert_eq!(store.remove("zz").unwrap_err(), unknown);
    unchanged(&store, "writes to an unknown id");

    assert!(invalid(JobField::JobName)(
        &store.rename("a", &"n".repeat(129)).unwrap_err()
    ));
    assert!(invalid(JobField::TemplateId)(
        &store.set_template("a", &"t".repeat(65), "").unwrap_err()
    ));
    assert!(invalid(JobField::TemplateName)(
        &store.set_template("a", "", &"n".repeat(129)).unwrap_err()
    ));
    assert!(invalid(JobField::TimeInterval)(
        &store.set_time_interval("a", 0).unwrap_err()
    ));
    unchanged(&store, "invalid updates");
}

#[test]
fn refused_writes_change_nothing_in_the_model() {
    refused_writes::<Model>();
}

#[test]
fn refused_writes_change_nothing_in_the_engine() {
    refused_writes::<JobIndex>();
}

/// Accepted writes, on a store loaded with `sample()`.
fn accepted_writes<S: Store>() {
    let mut store = S::default();
    store.load(sample()).unwrap();
    store.set_status("a", Started).unwrap();
    store.rename("b", "BETA max").unwrap();
    store.set_template("c", "tpl-1", "模板").unwrap();
    store.set_time_interval("c", 30).unwrap();
    store.check();
    let a = store.get("a").unwrap();
    assert_eq!(a.status(), Started);
    assert_eq!(store.get("b").unwrap().name(), "BETA max");
    let c = store.get("c").unwrap();
    assert_eq!(
        (c.template_id(), c.template_name(), c.time_interval()),
        ("tpl-1", "模板", 30)
    );
    let removed = store.remove("a").unwrap();
    assert_eq!(removed.id(), "a");
    assert!(store.get("a").is_none());
    store
        .insert(job("a", "2022-02-05T00:00:00Z", "again", Paused))
        .unwrap();
    assert_eq!(
        store.get("a").unwrap().create_time(),
        t("2022-02-05T00:00:00Z")
    );
    store.check();
}

#[test]
fn accepted_writes_apply_in_the_model() {
    accepted_writes::<Model>();
}

#[test]
fn accepted_writes_apply_in_the_engine() {
    accepted_writes::<JobIndex>();
}

#[test]
fn set_output_replaces_the_output() {
    let mut index = JobIndex::new();
    index.load(sample()).unwrap();
    let output = SnapshotOutput::oss("oss-cn-shanghai.aliyuncs.com", "testbucket").unwrap();
    index.set_output("a", output.clone()).unwrap();
    assert_eq!(index.get("a").unwrap().output(), output);
    assert!(SnapshotOutput::oss(&"e".repeat(257), "").is_err());
    let mut model = Model::new();
    model.load(sample()).unwrap();
    model.set_output("a", output.clone()).unwrap();
    assert_eq!(model.get("a").unwrap().output(), output);
}

#[test]
fn status_buckets_are_all_three() {
    assert_eq!(
        Status::ALL.map(|s| s.as_str()),
        ["init", "paused", "started"]
    );
}

#[test]
fn len_and_is_empty_follow_the_writes() {
    let mut index = JobIndex::new();
    assert!(index.is_empty());
    assert_eq!(index.len(), 0);
    index
        .insert(job("a", "2022-02-02T00:00:00Z", "x", Init))
        .unwrap();
    assert!(!index.is_empty());
    assert_eq!(index.len(), 1);
    index.remove("a").unwrap();
    assert!(index.is_empty());
    index.load(sample()).unwrap();
    assert_eq!((index.len(), index.is_empty()), (3, false));
}

#[test]
fn an_index_holds_at_most_its_limit() {
    let jobs = |ids: &[&str]| -> Vec<Job> {
        ids.iter()
            .map(|id| job(id, "2022-02-02T00:00:00Z", id, Init))
            .collect()
    };
    let full = WriteError::CapacityExceeded { limit: 3 };
    // Loads: what fits, and what does not by one.
    for (held, loaded, fits) in [(0, 3, true), (0, 4, false), (1, 2, true), (2, 2, false)] {
        let mut index = JobIndex::with_max_jobs(3);
        let ids = ["a", "b", "c", "d", "e", "f"];
        index.load(jobs(&ids[..held])).unwrap();
        let before = index.len();
        let result = index.load(jobs(&ids[held..held + loaded]));
        assert_eq!(result.is_ok(), fits, "{held} held, {loaded} loaded");
        if !fits {
            assert_eq!(result, Err(full.clone()));
            assert_eq!(index.len(), before);
        }
        index.check_invariants().unwrap();
    }
    // Inserts, reusing a freed slot once full.
    let mut index = JobIndex::with_max_jobs(3);
    for job in jobs(&["a", "b", "c"]) {
        index.insert(job).unwrap();
    }
    assert_eq!(index.insert(jobs(&["d"]).remove(0)), Err(full.clone()));
    assert_eq!(index.len(), 3);
    index.remove("b").unwrap();
    index.insert(jobs(&["d"]).remove(0)).unwrap();
    assert_eq!(index.insert(jobs(&["e"]).remove(0)), Err(full));
    index.check_invariants().unwrap();
    assert_eq!(
        JobIndex::with_max_jobs(usize::MAX).max_jobs(),
        snapjobs::MAX_JOBS
    );
    let mut none = JobIndex::with_max_jobs(0);
    assert!(none.insert(jobs(&["a"]).remove(0)).is_err());
    assert!(none.load(Vec::new()).is_ok());
}

#[test]
fn domain_types_give_back_what_they_hold() {
    let output = SnapshotOutput::oss("oss-cn-beijing.aliyuncs.com", "frames").unwrap();
    assert_eq!(output.endpoint(), "oss-cn-beijing.aliyuncs.com");
    assert_eq!(output.bucket(), "frames");
    assert_eq!(output.storage_type(), snapjobs::StorageType::Oss);
    let id = snapjobs::JobId::new("job-7").unwrap();
    assert_eq!(id.as_str(), "job-7");
    assert_eq!(AsRef::<str>::as_ref(&id), "job-7");
    assert_eq!(std::borrow::Borrow::<str>::borrow(&id), "job-7");
    assert_eq!(id.to_string(), "job-7");
    let job = Job::builder("job-7", t("2022-02-02T00:00:00Z"))
        .output("oss-cn-beijing.aliyuncs.com", "frames")
        .build()
        .unwrap();
    assert_eq!(job.bucket(), "frames");
    assert_eq!(job.endpoint(), "oss-cn-beijing.aliyuncs.com");
    assert_eq!(job.output(), output);
}
