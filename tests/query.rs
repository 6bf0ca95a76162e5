//! The typed query layer: [`Query`]'s constructors enforce the contract's bounds with a
//! [`QueryError`] of their own, which the request layer answers with the API's error.

mod common;

use common::t;
use snapjobs::{ApiError, ErrorCode, Query, QueryError};

#[test]
fn window_bounds() {
    let start = t("2022-01-01T00:00:00Z");
    let cases = [
        ("2022-01-01T00:00:00Z", None),
        ("2022-01-31T00:00:00Z", None),
        (
            "2022-01-31T00:00:01Z",
            Some(QueryError::WindowTooLong { seconds: 2_592_001 }),
        ),
        (
            "2021-12-31T23:59:59Z",
            Some(QueryError::EndBeforeStart {
                start,
                end: t("2021-12-31T23:59:59Z"),
            }),
        ),
    ];
    for (end, want) in cases {
        assert_eq!(Query::new(start, t(end)).err(), want, "end {end}");
    }
}

#[test]
fn keyword_bounds() {
    let q = Query::new(t("2022-01-01T00:00:00Z"), t("2022-01-02T00:00:00Z")).unwrap();
    for unit in ["x", "北"] {
        let ok = q.clone().with_keyword(&unit.repeat(128)).unwrap();
        assert_eq!(ok.keyword().map(|k| k.chars().count()), Some(128));
        assert_eq!(
            q.clone().with_keyword(&unit.repeat(129)).unwrap_err(),
            QueryError::KeywordTooLong { chars: 129 }
        );
    }
    assert_eq!(q.with_keyword("").unwrap().keyword(), None);
}

#[test]
fn page_bounds() {
    let q = Query::new(t("2022-01-01T00:00:00Z"), t("2022-01-02T00:00:00Z")).unwrap();
    let cases = [
        (1, 1, None),
        (u64::MAX, 100, None),
        (0, 10, Some(QueryError::PageNoZero)),
        (0, 0, Some(QueryError::PageNoZero)),
        (1, 0, Some(QueryError::PageSizeOutOfRange { page_size: 0 })),
        (
            1,
            101,
            Some(QueryError::PageSizeOutOfRange { page_size: 101 }),
        ),
    ];
    for (page_no, page_size, want) in cases {
        let got = q.clone().with_page(page_no, page_size);
        assert_eq!(got.as_ref().err(), want.as_ref(), "{page_no} {page_size}");
        if let Ok(query) = got {
            assert_eq!((query.page_no(), query.page_size()), (page_no, page_size));
        }
    }
}

#[test]
fn offset_saturates() {
    let q = Query::new(t("2022-01-01T00:00:00Z"), t("2022-01-02T00:00:00Z")).unwrap();
    assert_eq!(q.offset(), 0);
    assert_eq!(q.clone().with_page(3, 7).unwrap().offset(), 14);
    assert_eq!(q.with_page(u64::MAX, 100).unwrap().offset(), u64::MAX);
}

#[test]
fn each_query_error_maps_to_the_api_error_of_its_parameter() {
    let at = t("2022-01-01T00:00:00Z");
    let cases = [
        (
            QueryError::EndBeforeStart { start: at, end: at },
            ErrorCode::EndTimeMismatch,
            "Specified end time does not math the specified start time.",
        ),
        (
            QueryError::WindowTooLong { seconds: 2_592_001 },
            ErrorCode::InvalidParameter,
            "Specified parameter EndTime is not valid: it must be at most 30 days after StartTime.",
        ),
        (
            QueryError::KeywordTooLong { chars: 129 },
            ErrorCode::InvalidParameter,
            "Specified parameter SearchKeyWord is not valid: it must be at most 128 characters.",
        ),
        (
            QueryError::PageNoZero,
            ErrorCode::InvalidParameter,
            "Specified parameter PageNo is not valid: it must be an integer of at least 1.",
        ),
        (
            QueryError::PageSizeOutOfRange { page_size: 0 },
            ErrorCode::InvalidParameter,
            "Specified parameter PageSize is not valid: it must be an integer from 1 to 100.",
        ),
    ];
    for (error, code, message) in cases {
        assert!(!error.to_string().is_empty());
        let api = ApiError::from(error);
        assert_eq!((api.code(), api.message()), (code, message));
        assert_eq!(api.http_status(), 400);
    }
}

#[test]
fn query_errors_say_what_is_wrong() {
    let cases = [
        (
            QueryError::EndBeforeStart {
                start: t("2022-01-02T00:00:00Z"),
                end: t("2022-01-01T00:00:00Z"),
            },
            "the window ends at 2022-01-01T00:00:00Z, before it starts at 2022-01-02T00:00:00Z",
        ),
        (
            QueryError::WindowTooLong { seconds: 2_592_001 },
            "the window spans 2592001 seconds, more than the 2592000 of 30 days",
        ),
        (
            QueryError::KeywordTooLong { chars: 129 },
            "the keyword has 129 characters, more than 128",
        ),
        (QueryError::PageNoZero, "page numbers start at 1, not 0"),
        (
            QueryError::PageSizeOutOfRange { page_size: 101 },
            "page size 101 is outside 1 to 100",
        ),
    ];
    for (error, text) in cases {
        assert_eq!(error.to_string(), text);
    }
}
