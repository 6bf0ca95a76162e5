//! Properties of the signature over random requests: a request signed by the client verifies,
//! and changing any one parameter, header value or byte of the body after signing makes it
//! fail.

use proptest::prelude::*;
use snapjobs_server::client::{ApiRequest, Credentials};
use snapjobs_server::signature::{SignatureError, parse_authorization, verify};

fn credentials() -> Credentials {
    Credentials {
        access_key_id: "AK-P".to_owned(),
        secret: "secret-p".to_owned(),
    }
}

fn check(request: &ApiRequest) -> Result<(), SignatureError> {
    let header = request.authorization().unwrap_or_default();
    parse_authorization(header)
        .and_then(|a| verify(&request.as_signed(), &request.body, &a, "secret-p"))
}

/// Parameter names and values, any Unicode, including the characters encoding must escape.
fn params() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec(("[A-Za-z]{1,8}", "\\PC{0,12}|[ +%&=/*~?]{0,4}"), 0..6)
}

proptest! {
    #[test]
    fn signed_requests_verify_and_any_change_breaks_them(
        params in params(),
        post in any::<bool>(),
        which in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let pairs: Vec<(&str, &str)> = params.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let method = if post { "POST" } else { "GET" };
        let mut request = ApiRequest::new(method, "ListLiveSnapshotJobs", &pairs, "127.0.0.1:1", "2026-12-04T10:00:00Z");
        request.sign(&credentials());
        prop_assert_eq!(check(&request), Ok(()));

        // One change after signing: a parameter's value, a signed header's value, or a body byte.
        let mut changed = request.clone();
        if !changed.query.is_empty() && !post {
            let at = which.index(changed.query.len());
            changed.query[at].1.push('x');
        } else if post && !changed.body.is_empty() {
            let at = which.index(changed.body.len());
            changed.body[at] ^= flip;
        } else {
            let signed: Vec<usize> = (0..changed.headers.len())
                .filter(|&i| changed.headers[i].0 != "authorization")
                .collect();
            let at = signed[which.index(signed.len())];
            changed.headers[at].1.push('x');
        }
        prop_assert_ne!(check(&changed), Ok(()));
    }

    #[test]
    fn authorization_headers_of_any_text_never_panic(text in "\\PC{0,200}") {
        let _ = parse_authorization(&text);
        let prefixed = format!("ACS3-HMAC-SHA256 {text}");
        let _ = parse_authorization(&prefixed);
    }
}
