//! Authentication: a request signed as the SDK signs it passes; each way of getting it wrong
//! gets the error code and HTTP status Alibaba Cloud uses.

mod common;

use common::*;
use snapjobs_server::ListFrom;
use snapjobs_server::client::{ApiRequest, acs_date};
use snapjobs_server::http::unix_now;

fn list_request(date: i64) -> ApiRequest {
    let mut request = ApiRequest::new(
        "GET",
        "ListLiveSnapshotJobs",
        &[("PageSize", "5"), ("SearchKeyWord", "a b+c/ü")],
        "127.0.0.1",
        &acs_date(date),
    );
    request.sign(&key("AK-A1"));
    request
}

#[test]
fn each_way_of_getting_the_signature_wrong_is_refused() {
    let dir = TempDir::new("sig");
    let service = open_service(&dir.file("jobs.db"), ListFrom::Index);
    let now = unix_now();
    let ok = |r: &ApiRequest| service.handle(&incoming(r), now);
    assert_eq!(
        ok(&list_request(now)).status,
        200,
        "a signed request passes"
    );

    type Tamper = Box<dyn Fn(&mut ApiRequest)>;
    let cases: Vec<(&str, Tamper, u16, &str)> = vec![
        (
            "no Authorization",
            Box::new(|r| r.headers.retain(|(n, _)| n != "authorization")),
            400,
            "IncompleteSignature",
        ),
        (
            "another algorithm",
            Box::new(|r| {
                let v = r
                    .headers
                    .iter()
                    .find(|(n, _)| n == "authorization")
                    .unwrap()
                    .1
                    .replace("SHA256", "SHA1");
                r.set_header("authorization", &v);
            }),
            400,
            "IncompleteSignature",
        ),
        (
            "an unknown AccessKey",
            Box::new(|r| {
                r.sign(&snapjobs_server::client::Credentials {
                    access_key_id: "AK-ZZ".into(),
                    secret: "s".into(),
                });
            }),
            404,
            "InvalidAccessKeyId.NotFound",
        ),
        (
            "a wrong secret",
            Box::new(|r| {
                r.sign(&snapjobs_server::client::Credentials {
                    access_key_id: "AK-A1".into(),
                    secret: "secret-a2".into(),
                });
            }),
            400,
            "SignatureDoesNotMatch",
        ),
        (
            "another account's secret under this id",
            Box::new(|r| {
                r.sign(&snapjobs_server::client::Credentials {
                    access_key_id: "AK-A1".into(),
                    secret: "secret-b1".into(),
                });
            }),
            400,
            "SignatureDoesNotMatch",
        ),
        (
            "a query changed after signing",
            Box::new(|r| r.query[0].1 = "100".into()),
            400,
            "SignatureDoesNotMatch",
        ),
        (
            "a parameter added after signing",
            Box::new(|r| r.query.push(("Status".into(), "init".into()))),
            400,
            "SignatureDoesNotMatch",
        ),
        (
            "a body added after signing",
            Box::new(|r| r.body = b"PageSize=6".to_vec()),
            400,
            "SignatureDoesNotMatch",
        ),
        (
            "the action changed after signing",
            Box::new(|r| r.set_header("x-acs-action", "GetLiveSnapshotJob")),
            400,
            "SignatureDoesNotMatch",
        ),
        (
            "the signature's last digit changed",
            Box::new(|r| {
                let mut v = r
                    .headers
                    .iter()
                    .find(|(n, _)| n == "authorization")
                    .unwrap()
                    .1
                    .clone();
                let last = if v.ends_with('0') { "1" } else { "0" };
                v.pop();
                v.push_str(last);
                r.set_header("authorization", &v);
            }),
            400,
            "SignatureDoesNotMatch",
        ),
        (
            "x-acs-date unsigned",
            Box::new(|r| {
                let date = r
                    .headers
                    .iter()
                    .find(|(n, _)| n == "x-acs-date")
                    .unwrap()
                    .1
                    .clone();
                r.headers.retain(|(n, _)| n != "x-acs-date");
                r.sign(&key("AK-A1"));
                r.headers.push(("x-acs-date".into(), date));
            }),
            400,
            "IncompleteSignature",
        ),
        (
            "16 minutes early",
            Box::new(move |r| {
                r.set_header("x-acs-date", &acs_date(now - 16 * 60));
                r.sign(&key("AK-A1"));
            }),
            400,
            "InvalidTimeStamp.Expired",
        ),
        (
            "16 minutes late",
            Box::new(move |r| {
                r.set_header("x-acs-date", &acs_date(now + 16 * 60));
                r.sign(&key("AK-A1"));
            }),
            400,
            "InvalidTimeStamp.Expired",
        ),
        (
            "a date that is not one",
            Box::new(|r| {
                r.set_header("x-acs-date", "yesterday");
                r.sign(&key("AK-A1"));
            }),
            400,
            "InvalidTimeStamp.Expired",
        ),
        (
            "another version",
            Box::new(|r| {
                r.set_header("x-acs-version", "2017-03-21");
                r.sign(&key("AK-A1"));
            }),
            400,
            "InvalidVersion",
        ),
    ];
    for (what, tamper, status, code) in cases {
        let mut request = list_request(now);
        tamper(&mut request);
        let answer = ok(&request);
        let json: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
        assert_eq!(
            (answer.status, json["Code"].as_str()),
            (status, Some(code)),
            "{what}: {json}"
        );
    }
    for skew in [-14 * 60, 14 * 60] {
        assert_eq!(
            ok(&list_request(now + skew)).status,
            200,
            "{skew} s off is accepted"
        );
    }
}

#[test]
fn a_nonce_is_accepted_once() {
    let dir = TempDir::new("nonce");
    let server = TestServer::start(open_service(&dir.file("jobs.db"), ListFrom::Index));
    let mut conn = server.connect();
    let request = signed("GET", "ListLiveSnapshotJobs", &[], &key("AK-A1"));
    assert_eq!(call(&mut conn, &request).0, 200);
    let (status, json) = call(&mut conn, &request);
    assert_eq!(
        (status, json["Code"].as_str()),
        (400, Some("SignatureNonceUsed"))
    );
    // A replayed write changes nothing.
    let submit_request = signed(
        "POST",
        "SubmitLiveSnapshotJob",
        &submit_params("once"),
        &key("AK-A1"),
    );
    assert_eq!(call(&mut conn, &submit_request).0, 200);
    assert_eq!(call(&mut conn, &submit_request).0, 400);
    assert_eq!(server.service.job_count("account-a"), 1);
    // Another key may use the same nonce.
    let mut other = request.clone();
    other.sign(&key("AK-A2"));
    assert_eq!(call(&mut conn, &other).0, 200);
}

#[test]
fn nonces_and_bodies_have_their_limits() {
    let dir = TempDir::new("limits");
    let service = open_service(&dir.file("jobs.db"), ListFrom::Index);
    let now = unix_now();
    let code = |request: &ApiRequest| {
        let answer = service.handle(&incoming(request), now);
        let json: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
        (
            answer.status,
            json["Code"].as_str().unwrap_or("").to_owned(),
        )
    };
    for (nonce, expected) in [
        (String::new(), (400, "IncompleteSignature")),
        ("n".repeat(257), (400, "IncompleteSignature")),
        ("n".repeat(256), (200, "")),
        ("m".to_owned(), (200, "")),
    ] {
        let mut request = list_request(now);
        request.set_header("x-acs-signature-nonce", &nonce);
        request.sign(&key("AK-A1"));
        let got = code(&request);
        assert_eq!(
            (got.0, got.1.as_str()),
            expected,
            "a nonce of {} bytes",
            nonce.len()
        );
    }
    // The service's own limit on a body (the HTTP layer stops longer ones before it).
    let limit = snapjobs_server::service::MAX_BODY_BYTES;
    for (size, too_large) in [(limit, false), (limit + 1, true)] {
        let mut request = list_request(now);
        request.body = vec![b'x'; size];
        let got = code(&request);
        assert_eq!(
            got.1 == "RequestEntityTooLarge",
            too_large,
            "a body of {size} bytes: {got:?}"
        );
    }
}

#[test]
fn a_nonce_is_forgotten_once_its_date_leaves_the_window() {
    let dir = TempDir::new("nonce-window");
    let service = open_service(&dir.file("jobs.db"), ListFrom::Index);
    let now = unix_now();
    let at = |date: i64, nonce: &str, clock: i64| {
        let mut request = list_request(date);
        request.set_header("x-acs-signature-nonce", nonce);
        request.sign(&key("AK-A1"));
        service.handle(&incoming(&request), clock).status
    };
    assert_eq!(at(now, "n-window", now), 200);
    assert_eq!(
        at(now + 600, "n-window", now + 600),
        400,
        "10 minutes on: still known"
    );
    assert_eq!(
        at(now + 1900, "n-window", now + 1900),
        200,
        "over 15 minutes past its date"
    );
}
