//! The four actions over HTTP, the API's errors for what is not one of them, and isolation
//! between accounts.

mod common;

use common::*;
use snapjobs_server::ListFrom;

#[test]
fn submit_get_command_and_list_round_trip() {
    let dir = TempDir::new("routes");
    let server = TestServer::start(open_service(&dir.file("jobs.db"), ListFrom::Index));
    let mut conn = server.connect();
    let a = key("AK-A1");
    let id = submit(&mut conn, &a, "live-Beijing-01");

    let (status, job) = call(
        &mut conn,
        &signed("GET", "GetLiveSnapshotJob", &[("JobId", &id)], &a),
    );
    assert_eq!(status, 200, "{job}");
    assert_eq!(job["JobId"], id.as_str());
    assert_eq!(job["JobName"], "live-Beijing-01");
    assert_eq!(job["Status"], "init");
    assert_eq!(job["TemplateId"], "tpl-1");
    assert_eq!(job["CallbackUrl"], "http://example.com/cb");
    assert_eq!(job["StreamInput"]["Url"], "rtmp://example.com/live/s1");
    assert_eq!(job["SnapshotOutput"]["Bucket"], "b1");
    assert_eq!(job["SnapshotOutput"]["StorageType"], "oss");
    assert!(job["RequestId"].as_str().is_some_and(|r| !r.is_empty()));

    for (command, status) in [
        ("start", "started"),
        ("stop", "paused"),
        ("restart", "started"),
    ] {
        let (code, json) = call(
            &mut conn,
            &signed(
                "POST",
                "SendLiveSnapshotJobCommand",
                &[("JobId", &id), ("Command", command)],
                &a,
            ),
        );
        assert_eq!(code, 200, "{command}: {json}");
        let (_, job) = call(
            &mut conn,
            &signed("GET", "GetLiveSnapshotJob", &[("JobId", &id)], &a),
        );
        assert_eq!(job["Status"], status, "after {command}");
    }
    let (code, json) = call(
        &mut conn,
        &signed(
            "POST",
            "SendLiveSnapshotJobCommand",
            &[("JobId", &id), ("Command", "start")],
            &a,
        ),
    );
    assert_eq!(
        (code, json["Code"].as_str()),
        (409, Some("JobAlreadyStarted"))
    );

    let (status, list) = call(
        &mut conn,
        &signed(
            "GET",
            "ListLiveSnapshotJobs",
            &[("SearchKeyWord", "beijing"), ("Status", "started")],
            &a,
        ),
    );
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["TotalCount"], 1);
    assert_eq!(list["JobList"][0]["JobId"], id.as_str());
    assert_eq!(list["JobList"][0]["Status"], "started");
    // Another key of the same account sees the same jobs.
    let (ids, _) = list_all(&mut conn, &key("AK-A2"), &[]);
    assert_eq!(ids, [id]);
}

#[test]
fn what_is_not_an_action_gets_the_apis_error() {
    let dir = TempDir::new("errors");
    let server = TestServer::start(open_service(&dir.file("jobs.db"), ListFrom::Index));
    let mut conn = server.connect();
    let a = key("AK-A1");
    let id = submit(&mut conn, &a, "x");
    let big = "x".repeat(70 * 1024);
    let cases: Vec<(&str, snapjobs_server::client::ApiRequest, u16, &str)> = vec![
        (
            "unknown action",
            signed("GET", "DeleteEverything", &[], &a),
            404,
            "InvalidAction.NotFound",
        ),
        (
            "list by POST",
            signed("POST", "ListLiveSnapshotJobs", &[], &a),
            404,
            "InvalidAction.NotFound",
        ),
        (
            "submit by GET",
            signed("GET", "SubmitLiveSnapshotJob", &submit_params("x"), &a),
            404,
            "InvalidAction.NotFound",
        ),
        (
            "get without JobId",
            signed("GET", "GetLiveSnapshotJob", &[], &a),
            400,
            "MissingParameter",
        ),
        (
            "get of no job",
            signed("GET", "GetLiveSnapshotJob", &[("JobId", "nope")], &a),
            404,
            "JobNotFound",
        ),
        (
            "command without Command",
            signed("POST", "SendLiveSnapshotJobCommand", &[("JobId", &id)], &a),
            400,
            "MissingParameter",
        ),
        (
            "command to no job",
            signed(
                "POST",
                "SendLiveSnapshotJobCommand",
                &[("JobId", "nope"), ("Command", "stop")],
                &a,
            ),
            404,
            "JobNotFound",
        ),
        (
            "unknown command",
            signed(
                "POST",
                "SendLiveSnapshotJobCommand",
                &[("JobId", &id), ("Command", "pause")],
                &a,
            ),
            400,
            "InvalidParameter",
        ),
        (
            "submit without JobName",
            signed("POST", "SubmitLiveSnapshotJob", &submit_params("")[..], &a),
            400,
            "MissingParameter",
        ),
        (
            "list with a bad PageSize",
            signed("GET", "ListLiveSnapshotJobs", &[("PageSize", "0")], &a),
            400,
            "InvalidParameter",
        ),
        (
            "list with a bad StartTime",
            signed("GET", "ListLiveSnapshotJobs", &[("StartTime", "today")], &a),
            400,
            "MalformedStartTime",
        ),
        (
            "a body over the limit",
            signed("POST", "SubmitLiveSnapshotJob", &[("JobName", &big)], &a),
            413,
            "RequestEntityTooLarge",
        ),
    ];
    for (what, request, status, code) in cases {
        let (got, json) = call(&mut conn, &request);
        assert_eq!(
            (got, json["Code"].as_str()),
            (status, Some(code)),
            "{what}: {json}"
        );
        assert!(
            json["RequestId"].is_string() && json["Message"].is_string(),
            "{what}: {json}"
        );
    }
    let mut bad_json = submit_params("y");
    bad_json[3] = ("StreamInput", "{not json");
    let (got, json) = call(
        &mut conn,
        &signed("POST", "SubmitLiveSnapshotJob", &bad_json, &a),
    );
    assert_eq!(
        (got, json["Code"].as_str()),
        (400, Some("InvalidParameter")),
        "{json}"
    );
    let long_name = "n".repeat(129);
    let (got, json) = call(
        &mut conn,
        &signed(
            "POST",
            "SubmitLiveSnapshotJob",
            &submit_params(&long_name),
            &a,
        ),
    );
    assert_eq!(
        (got, json["Code"].as_str()),
        (400, Some("InvalidParameter")),
        "{json}"
    );
    // Nothing refused was stored.
    assert_eq!(server.service.job_count("account-a"), 1);
    // A request that is not HTTP at all closes nothing but itself: the server still answers.
    let mut raw = server.connect();
    let _ = raw.send_bytes(b"GARBAGE\r\n\r\n");
    let (ids, _) = list_all(&mut server.connect(), &a, &[]);
    assert_eq!(ids, [id]);
}

#[test]
fn no_account_sees_counts_or_changes_anothers_jobs() {
    let dir = TempDir::new("isolation");
    let server = TestServer::start(open_service(&dir.file("jobs.db"), ListFrom::Index));
    let mut conn = server.connect();
    let (a, b) = (key("AK-A1"), key("AK-B1"));
    let a_ids: Vec<String> = (0..5)
        .map(|i| submit(&mut conn, &a, &format!("shared-name-{i}")))
        .collect();
    let b_id = submit(&mut conn, &b, "shared-name-b");

    let (ids, totals) = list_all(&mut conn, &b, &[("SearchKeyWord", "shared")]);
    assert_eq!((ids, totals[0]), (vec![b_id.clone()], 1));
    // Not even by JobId as a keyword.
    let (ids, totals) = list_all(&mut conn, &b, &[("SearchKeyWord", &a_ids[0])]);
    assert_eq!((ids.len(), totals[0]), (0, 0));
    let (status, json) = call(
        &mut conn,
        &signed("GET", "GetLiveSnapshotJob", &[("JobId", &a_ids[0])], &b),
    );
    assert_eq!((status, json["Code"].as_str()), (404, Some("JobNotFound")));
    let (status, _) = call(
        &mut conn,
        &signed(
            "POST",
            "SendLiveSnapshotJobCommand",
            &[("JobId", &a_ids[0]), ("Command", "start")],
            &b,
        ),
    );
    assert_eq!(status, 404);
    let (_, job) = call(
        &mut conn,
        &signed("GET", "GetLiveSnapshotJob", &[("JobId", &a_ids[0])], &a),
    );
    assert_eq!(job["Status"], "init", "B's command changed nothing");
    let (ids, _) = list_all(&mut conn, &a, &[]);
    assert_eq!(ids.len(), 5);
    assert!(!ids.contains(&b_id));
    assert_eq!(server.service.job_count("account-a"), 5);
    assert_eq!(server.service.job_count("account-b"), 1);
    assert_eq!(server.service.job_count("no-such-account"), 0);
}

#[test]
fn a_restarted_server_holds_every_job_as_it_was() {
    let dir = TempDir::new("restart");
    let db = dir.file("jobs.db");
    let a = key("AK-A1");
    let (ids, started) = {
        let server = TestServer::start(open_service(&db, ListFrom::Index));
        let mut conn = server.connect();
        let ids: Vec<String> = (0..30)
            .map(|i| submit(&mut conn, &a, &format!("job-{i:02}")))
            .collect();
        let started = ids[7].clone();
        let (status, _) = call(
            &mut conn,
            &signed(
                "POST",
                "SendLiveSnapshotJobCommand",
                &[("JobId", &started), ("Command", "start")],
                &a,
            ),
        );
        assert_eq!(status, 200);
        (ids, started)
    };
    let server = TestServer::start(open_service(&db, ListFrom::Index));
    let mut conn = server.connect();
    let (mut listed, _) = list_all(&mut conn, &a, &[]);
    listed.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(listed, expected);
    let (_, job) = call(
        &mut conn,
        &signed("GET", "GetLiveSnapshotJob", &[("JobId", &started)], &a),
    );
    assert_eq!(job["Status"], "started");
    assert_eq!(job["StreamInput"]["Url"], "rtmp://example.com/live/s1");
    let (ids, _) = list_all(&mut conn, &a, &[("Status", "started")]);
    assert_eq!(ids, [started]);
}

#[test]
fn the_sqlite_peer_answers_listings_as_the_index_does() {
    let dir = TempDir::new("peer");
    let db = dir.file("jobs.db");
    let a = key("AK-A1");
    {
        let server = TestServer::start(open_service(&db, ListFrom::Index));
        let mut conn = server.connect();
        for i in 0..40 {
            let name = format!("{}-live-{i:03}", ["cctv", "News", "sports"][i % 3]);
            let id = submit(&mut conn, &a, &name);
            if i % 4 == 0 {
                let request = signed(
                    "POST",
                    "SendLiveSnapshotJobCommand",
                    &[("JobId", &id), ("Command", "start")],
                    &a,
                );
                assert_eq!(call(&mut conn, &request).0, 200);
            }
        }
    }
    let index = TestServer::start(open_service(&db, ListFrom::Index));
    let sqlite = TestServer::start(open_service(&db, ListFrom::Sqlite));
    let (mut by_index, mut by_sqlite) = (index.connect(), sqlite.connect());
    let queries: &[&[(&str, &str)]] = &[
        &[],
        &[("SearchKeyWord", "NEWS")],
        &[("SearchKeyWord", "live-01"), ("SortBy", "asc")],
        &[("Status", "started"), ("PageSize", "3"), ("PageNo", "2")],
        &[
            ("SearchKeyWord", "e"),
            ("Status", "init"),
            ("PageNo", "3"),
            ("PageSize", "5"),
        ],
        &[("PageNo", "100")],
    ];
    for params in queries {
        let (s1, mut j1) = call(
            &mut by_index,
            &signed("GET", "ListLiveSnapshotJobs", params, &a),
        );
        let (s2, mut j2) = call(
            &mut by_sqlite,
            &signed("GET", "ListLiveSnapshotJobs", params, &a),
        );
        assert_eq!((s1, s2), (200, 200));
        j1["RequestId"] = serde_json::Value::Null;
        j2["RequestId"] = serde_json::Value::Null;
        assert_eq!(j1, j2, "{params:?}");
    }
}

#[test]
fn a_slow_keyword_is_kept_and_answers_the_same() {
    let dir = TempDir::new("keep");
    let mut service = open_service(&dir.file("jobs.db"), ListFrom::Index);
    service.set_keep_after(std::time::Duration::ZERO);
    let server = TestServer::start(service);
    let mut conn = server.connect();
    let a = key("AK-A1");
    for i in 0..20 {
        submit(
            &mut conn,
            &a,
            &format!("{}-beijing-{i}", ["live", "news"][i % 2]),
        );
    }
    let before = list_all(&mut conn, &a, &[("SearchKeyWord", "live-BEIJING")]);
    assert_eq!(before.0.len(), 10);
    let short = list_all(&mut conn, &a, &[("SearchKeyWord", "bei")]);
    assert_eq!(short.0.len(), 20);
    // Asked once (one page): not worth keeping.
    let once = signed(
        "GET",
        "ListLiveSnapshotJobs",
        &[("SearchKeyWord", "news-beijing")],
        &a,
    );
    assert_eq!(call(&mut conn, &once).1["TotalCount"], 10);
    // Slow twice with another keyword between: still remembered.
    for keyword in ["abcd-1", "efgh-2", "abcd-1"] {
        let request = signed(
            "GET",
            "ListLiveSnapshotJobs",
            &[("SearchKeyWord", keyword)],
            &a,
        );
        assert_eq!(call(&mut conn, &request).1["TotalCount"], 0);
    }
    // The keeper takes keywords in turn: once this last one is kept, the earlier ones
    // have been taken or were never sent.
    for _ in 0..2 {
        let last = signed(
            "GET",
            "ListLiveSnapshotJobs",
            &[("SearchKeyWord", "zzzz-last")],
            &a,
        );
        assert_eq!(call(&mut conn, &last).1["TotalCount"], 0);
    }
    let started = std::time::Instant::now();
    while !server
        .service
        .kept_keywords("account-a")
        .contains(&"zzzz-last".to_owned())
        && started.elapsed() < std::time::Duration::from_secs(5)
    {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert_eq!(
        server.service.kept_keywords("account-a"),
        ["live-beijing", "abcd-1", "zzzz-last"],
        "asked twice (two pages) are kept; 3 bytes, or asked once, are not"
    );
    assert!(server.service.kept_keywords("account-b").is_empty());
    assert_eq!(
        list_all(&mut conn, &a, &[("SearchKeyWord", "live-BEIJING")]),
        before
    );
    // A kept keyword stays current under writes.
    let id = submit(&mut conn, &a, "LIVE-beijing-new");
    let after = list_all(&mut conn, &a, &[("SearchKeyWord", "live-beijing")]);
    assert_eq!(after.0.len(), 11);
    assert!(after.0.contains(&id));
}

#[test]
fn a_stopped_server_listens_no_more() {
    let dir = TempDir::new("stop");
    let server = TestServer::start(open_service(&dir.file("jobs.db"), ListFrom::Index));
    let addr = server.addr;
    assert!(snapjobs_server::client::Connection::connect(addr).is_ok());
    drop(server);
    assert!(snapjobs_server::client::Connection::connect(addr).is_err());
}

#[test]
fn a_file_that_is_not_a_database_is_refused_at_start() {
    let dir = TempDir::new("baddb");
    let path = dir.file("jobs.db");
    std::fs::write(&path, vec![b'x'; 4096]).unwrap();
    let keys = snapjobs_server::AccessKeys::parse(KEYS).unwrap();
    let error = snapjobs_server::Service::open(&path, keys, ListFrom::Index).unwrap_err();
    assert!(error.to_string().contains("database"), "{error}");
}

#[test]
fn only_writes_and_sql_listings_may_block() {
    let dir = TempDir::new("block");
    let index = open_service(&dir.file("jobs.db"), ListFrom::Index);
    let sqlite = open_service(&dir.file("jobs.db"), ListFrom::Sqlite);
    let a = key("AK-A1");
    for (action, method, by_index, by_sqlite) in [
        ("ListLiveSnapshotJobs", "GET", false, true),
        ("GetLiveSnapshotJob", "GET", false, false),
        ("SubmitLiveSnapshotJob", "POST", true, true),
        ("SendLiveSnapshotJobCommand", "POST", true, true),
    ] {
        let request = incoming(&signed(method, action, &[], &a));
        assert_eq!(index.may_block(&request), by_index, "{action}, index");
        assert_eq!(sqlite.may_block(&request), by_sqlite, "{action}, SQL");
    }
}
