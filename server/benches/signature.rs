//! What checking a request's ACS3-HMAC-SHA256 signature costs the server: reading the
//! `Authorization` header, rebuilding the canonical request, two SHA-256s of it and the body,
//! the HMAC, and the constant-time comparison, for a listing with every parameter.

use criterion::{Criterion, criterion_group, criterion_main};
use snapjobs_server::client::{ApiRequest, Credentials};
use snapjobs_server::signature::{parse_authorization, verify};

fn bench(c: &mut Criterion) {
    let credentials = Credentials {
        access_key_id: "LTAIsampleKeyAlpha01".to_owned(),
        secret: "alphaSampleSecret0000000000000".to_owned(),
    };
    let mut request = ApiRequest::new(
        "GET",
        "ListLiveSnapshotJobs",
        &[
            ("StartTime", "2026-11-27T00:00:00Z"),
            ("EndTime", "2026-12-04T00:00:00Z"),
            ("Status", "started"),
            ("SearchKeyWord", "cctv5-sports"),
            ("PageNo", "3"),
            ("PageSize", "20"),
            ("SortBy", "asc"),
        ],
        "127.0.0.1:8080",
        "2026-12-04T10:00:00Z",
    );
    request.sign(&credentials);
    let signed = request.as_signed();
    let header = request.authorization().unwrap_or_default().to_owned();
    let checked =
        parse_authorization(&header).and_then(|a| verify(&signed, b"", &a, &credentials.secret));
    assert_eq!(checked, Ok(()), "the request verifies before it is timed");
    c.bench_function("signature/verify_list_request", |b| {
        b.iter(|| {
            let authorization = parse_authorization(std::hint::black_box(&header));
            authorization.and_then(|a| verify(&signed, b"", &a, &credentials.secret))
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
