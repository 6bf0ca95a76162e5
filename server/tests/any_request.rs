//! No request crashes the service: random methods, paths, query strings, headers and bodies,
//! some signed and some not, each get a status the API uses and a JSON body.

mod common;

use common::*;
use proptest::prelude::*;
use snapjobs_server::client::{ApiRequest, acs_date};
use snapjobs_server::http::unix_now;
use snapjobs_server::{Incoming, ListFrom};

const ACTIONS: [&str; 6] = [
    "ListLiveSnapshotJobs",
    "GetLiveSnapshotJob",
    "SubmitLiveSnapshotJob",
    "SendLiveSnapshotJobCommand",
    "",
    "Other",
];
const NAMES: [&str; 12] = [
    "StartTime",
    "EndTime",
    "Status",
    "SearchKeyWord",
    "PageNo",
    "PageSize",
    "SortBy",
    "JobId",
    "Command",
    "JobName",
    "StreamInput",
    "SnapshotOutput",
];

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,20}",
        Just("2026-12-01T00:00:00Z".to_owned()),
        Just(r#"{"Type":"rtmp","Url":"rtmp://x/y"}"#.to_owned()),
        Just(r#"{"Bucket":"b","Endpoint":"e","StorageType":"oss"}"#.to_owned()),
        Just("start".to_owned()),
        "[0-9]{1,25}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn every_request_gets_a_json_answer(
        signed_request in any::<bool>(),
        post in any::<bool>(),
        action in prop::sample::select(&ACTIONS[..]),
        params in prop::collection::vec((prop::sample::select(&NAMES[..]), value()), 0..6),
        raw_query in "\\PC{0,40}",
        raw_headers in prop::collection::vec(("[a-z-]{1,20}", "\\PC{0,30}"), 0..4),
        body in prop::collection::vec(any::<u8>(), 0..64),
        path in prop_oneof![Just("/".to_owned()), "/[a-z]{0,5}"],
    ) {
        let dir = TempDir::new("any");
        let service = open_service(&dir.file("jobs.db"), ListFrom::Index);
        let now = unix_now();
        let pairs: Vec<(&str, &str)> = params.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let method = if post { "POST" } else { "GET" };
        let mut request = ApiRequest::new(method, action, &pairs, "127.0.0.1", &acs_date(now));
        request.path = path;
        let incoming = if signed_request {
            request.sign(&key("AK-A1"));
            incoming(&request)
        } else {
            let mut headers = request.headers.clone();
            headers.extend(raw_headers);
            Incoming {
                method: method.to_owned(),
                path: request.path.clone(),
                query: raw_query,
                headers,
                body,
            }
        };
        let answer = service.handle(&incoming, now);
        prop_assert!([200, 400, 404, 409, 413].contains(&answer.status), "{answer:?}");
        let json: serde_json::Value = serde_json::from_str(&answer.body)
            .map_err(|e| TestCaseError::fail(format!("{e}: {}", answer.body)))?;
        prop_assert!(json["RequestId"].is_string(), "{json}");
        if answer.status != 200 {
            prop_assert!(json["Code"].is_string() && json["Message"].is_string(), "{json}");
        }
    }
}
