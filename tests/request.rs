//! Request parameters: parsing, defaults, bounds, error codes and the order errors are reported
//! in (CONTRACT "Request parameters").

mod common;

use common::{query, t};
use snapjobs::{ErrorCode, RawRequest, SortBy, Status};

const NOW: &str = "2022-02-10T12:00:00Z";

fn code(query_string: &str) -> ErrorCode {
    query(query_string, NOW).unwrap_err().code()
}

#[test]
fn start_time_defaults_to_now_minus_7_days() {
    let q = query("", NOW).unwrap();
    assert_eq!(q.start(), t("2022-02-03T12:00:00Z"));
}

#[test]
fn end_time_defaults_to_start_plus_7_days() {
    assert_eq!(query("", NOW).unwrap().end(), t("2022-02-10T12:00:00Z"));
    let q = query("StartTime=2022-01-01T00:00:00Z", NOW).unwrap();
    assert_eq!(q.end(), t("2022-01-08T00:00:00Z"));
}

#[test]
fn only_end_time_keeps_the_default_start() {
    let q = query("EndTime=2022-02-05T00:00:00Z", NOW).unwrap();
    assert_eq!(q.start(), t("2022-02-03T12:00:00Z"));
    assert_eq!(q.end(), t("2022-02-05T00:00:00Z"));
    assert_eq!(
        code("EndTime=2022-02-03T11:59:59Z"),
        ErrorCode::EndTimeMismatch
    );
}

#[test]
fn other_defaults() {
    let q = query("", NOW).unwrap();
    assert_eq!(q.keyword(), None);
    assert_eq!(q.status(), None);
    assert_eq!(q.page_no(), 1);
    assert_eq!(q.page_size(), 10);
    assert_eq!(q.sort_by(), SortBy::Desc);
}

#[test]
fn empty_value_means_default() {
    let q = query(
        "StartTime=&EndTime=&SearchKeyWord=&Status=&PageNo=&PageSize=&SortBy=",
        NOW,
    )
    .unwrap();
    assert_eq!(q, query("", NOW).unwrap());
    let q = RawRequest::from_json(r#"{"StartTime":"","PageNo":"","Status":null}"#)
        .unwrap()
        .to_query(t(NOW))
        .unwrap();
    assert_eq!(q, query("", NOW).unwrap());
}

#[test]
fn time_format_is_strict() {
    let malformed = [
        "2022-02-30T00:00:00Z",      // no such day
        "2022-02-02T00:00:00+08:00", // offset
        "2022-02-02 00:00:00Z",      // space
        "2022-02-02T00:00:00.5Z",    // fraction
        "2022-02-02T00:00:00",       // no Z
        "2022-02-02T23:59:60Z",      // leap second
        "2022-02-02T24:00:00Z",
        "2022-13-01T00:00:00Z",
        "22-02-02T00:00:00Z", // 2-digit year
        "+2022-02-02T00:00:00Z",
        "12022-02-02T00:00:00Z", // 5-digit year
        "2022-2-02T00:00:00Z",
        "2022-02-02t00:00:00z",
        "2022-02-02T00:00:00ZZ",
        "abc",
        "２０２２-02-02T00:00:00Z", // full-width digits
    ];
    for text in malformed {
        let encoded = text.replace('+', "%2B");
        assert_eq!(
            code(&format!("StartTime={encoded}")),
            ErrorCode::MalformedStartTime,
            "{text}"
        );
        let pair = format!("StartTime=2022-02-01T00:00:00Z&EndTime={encoded}");
        assert_eq!(code(&pair), ErrorCode::MalformedEndTime, "{text}");
    }
    for ok in [
        "2024-02-29T23:59:59Z",
        "0000-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
    ] {
        assert_eq!(t(ok).to_string(), ok);
    }
}

#[test]
fn encoded_colons_are_decoded() {
    let q = query(
        "StartTime=2022-02-02T00%3A00%3A00Z&EndTime=2022-02-02T23%3a59%3a59Z",
        NOW,
    )
    .unwrap();
    assert_eq!(q.start(), t("2022-02-02T00:00:00Z"));
    assert_eq!(q.end(), t("2022-02-02T23:59:59Z"));
}

#[test]
fn end_time_before_start_time_is_a_mismatch() {
    assert_eq!(
        code("StartTime=2022-02-02T00:00:01Z&EndTime=2022-02-02T00:00:00Z"),
        ErrorCode::EndTimeMismatch
    );
    let equal = query(
        "StartTime=2022-02-02T00:00:00Z&EndTime=2022-02-02T00:00:00Z",
        NOW,
    )
    .unwrap();
    assert_eq!(equal.start(), equal.end());
}

#[test]
fn window_of_30_days_is_the_limit() {
    let exactly = query(
        "StartTime=2022-01-01T00:00:00Z&EndTime=2022-01-31T00:00:00Z",
        NOW,
    )
    .unwrap();
    assert_eq!(
        exactly.end().unix_seconds() - exactly.start().unix_seconds(),
        2_592_000
    );
    assert_eq!(
        code("StartTime=2022-01-01T00:00:00Z&EndTime=2022-01-31T00:00:01Z"),
        ErrorCode::InvalidParameter
    );
}

#[test]
fn keyword_of_128_characters_is_the_limit() {
    for unit in ["a", "北"] {
        let ok = unit.repeat(128);
        assert_eq!(
            query(&format!("SearchKeyWord={ok}"), NOW)
                .unwrap()
                .keyword(),
            Some(&*ok)
        );
        assert_eq!(
            code(&format!("SearchKeyWord={}", unit.repeat(129))),
            ErrorCode::InvalidParameter
        );
    }
    // 128 CJK characters are 384 bytes: the limit counts characters, not bytes.
    assert_eq!("北".repeat(128).len(), 384);
}

#[test]
fn plus_and_escapes_decode_in_keywords() {
    let q = query("SearchKeyWord=live+%E5%8C%97%E4%BA%AC%2B1", NOW).unwrap();
    assert_eq!(q.keyword(), Some("live 北京+1"));
    // A stray `%` stays as it is.
    assert_eq!(
        query("SearchKeyWord=100%", NOW).unwrap().keyword(),
        Some("100%")
    );
    assert_eq!(
        query("SearchKeyWord=%zz%4", NOW).unwrap().keyword(),
        Some("%zz%4")
    );
}

#[test]
fn status_accepts_exactly_three_values() {
    for status in Status::ALL {
        let q = query(&format!("Status={status}"), NOW).unwrap();
        assert_eq!(q.status(), Some(status));
    }
    for bad in ["INIT", "Started", "stopped", "init ", "all"] {
        assert_eq!(
            code(&format!("Status={bad}")),
            ErrorCode::InvalidParameter,
            "{bad}"
        );
    }
}

#[test]
fn page_no_bounds() {
    assert_eq!(code("PageNo=0"), ErrorCode::InvalidParameter);
    assert_eq!(query("PageNo=1", NOW).unwrap().page_no(), 1);
    assert_eq!(query("PageNo=007", NOW).unwrap().page_no(), 7);
    let max = query(&format!("PageNo={}", u64::MAX), NOW).unwrap();
    assert_eq!(max.page_no(), u64::MAX);
    assert_eq!(
        max.offset(),
        u64::MAX,
        "the offset saturates instead of overflowing"
    );
    for bad in [
        "18446744073709551616",
        "-1",
        "+1",
        "1.0",
        " 1",
        "1e3",
        "abc",
        "0x10",
    ] {
        let bad = bad.replace('+', "%2B").replace(' ', "%20");
        assert_eq!(
            code(&format!("PageNo={bad}")),
            ErrorCode::InvalidParameter,
            "{bad}"
        );
    }
}

#[test]
fn page_size_bounds() {
    assert_eq!(code("PageSize=0"), ErrorCode::InvalidParameter);
    assert_eq!(query("PageSize=1", NOW).unwrap().page_size(), 1);
    assert_eq!(query("PageSize=100", NOW).unwrap().page_size(), 100);
    assert_eq!(code("PageSize=101"), ErrorCode::InvalidParameter);
    assert_eq!(
        code("PageSize=99999999999999999999"),
        ErrorCode::InvalidParameter
    );
}

#[test]
fn sort_by_accepts_asc_and_desc() {
    assert_eq!(query("SortBy=asc", NOW).unwrap().sort_by(), SortBy::Asc);
    assert_eq!(query("SortBy=desc", NOW).unwrap().sort_by(), SortBy::Desc);
    for bad in ["ASC", "Desc", "ascending", "1"] {
        assert_eq!(
            code(&format!("SortBy={bad}")),
            ErrorCode::InvalidParameter,
            "{bad}"
        );
    }
}

#[test]
fn unknown_parameters_are_ignored() {
    let q = query(
        "Action=ListLiveSnapshotJobs&pagesize=1000&PageSize=5&Foo",
        NOW,
    )
    .unwrap();
    assert_eq!(q.page_size(), 5);
}

#[test]
fn repeated_parameter_counts_with_its_last_value() {
    assert_eq!(
        query("PageSize=500&PageSize=5", NOW).unwrap().page_size(),
        5
    );
    assert_eq!(code("PageSize=5&PageSize=500"), ErrorCode::InvalidParameter);
    let json = RawRequest::from_json(r#"{"PageSize":"500","PageSize":5}"#).unwrap();
    assert_eq!(json.to_query(t(NOW)).unwrap().page_size(), 5);
}

#[test]
fn non_utf8_value_is_invalid_for_its_parameter() {
    let cases = [
        ("StartTime=%FF", ErrorCode::MalformedStartTime),
        ("EndTime=%FF", ErrorCode::MalformedEndTime),
        ("SearchKeyWord=%C3%28", ErrorCode::InvalidParameter),
        ("Status=%FF", ErrorCode::InvalidParameter),
        ("PageNo=%FF", ErrorCode::InvalidParameter),
        ("PageSize=%FF", ErrorCode::InvalidParameter),
        ("SortBy=%FF", ErrorCode::InvalidParameter),
    ];
    for (query_string, expected) in cases {
        assert_eq!(code(query_string), expected, "{query_string}");
    }
    // Raw (not escaped) invalid bytes too.
    let raw = RawRequest::from_query_string(b"SearchKeyWord=\xff\xfe");
    let err = raw.to_query(t(NOW)).unwrap_err();
    assert_eq!(
        err.message(),
        "Specified parameter SearchKeyWord is not valid: it must be text in UTF-8."
    );
}

#[test]
fn values_may_contain_equals_signs() {
    // The name ends at the first `=`; the rest, further `=` included, is the value.
    let q = query("SearchKeyWord=a=b", NOW).unwrap();
    assert_eq!(q.keyword(), Some("a=b"));
    let q = query("SearchKeyWord==x=", NOW).unwrap();
    assert_eq!(q.keyword(), Some("=x="));
    assert_eq!(code("PageSize=1=1"), ErrorCode::InvalidParameter);
}

#[test]
fn names_are_form_decoded_too() {
    let cases = [
        ("Page%53ize=1", 1, 1),
        ("Page%4eo=3", 3, 10),
        ("%50ageNo=2&%50age%53ize=20", 2, 20),
        ("PageSize+=1", 1, 10), // `PageSize ` is another name, ignored
        ("pagesize=1", 1, 10),  // names are case-sensitive
    ];
    for (query_string, page_no, page_size) in cases {
        let q = query(query_string, NOW).unwrap();
        assert_eq!(
            (q.page_no(), q.page_size()),
            (page_no, page_size),
            "{query_string}"
        );
    }
    assert_eq!(code("Page%53ize=0"), ErrorCode::InvalidParameter);
}

#[test]
fn a_pair_without_equals_is_an_empty_value() {
    let q = query("SearchKeyWord&PageSize", NOW).unwrap();
    assert_eq!(q, query("", NOW).unwrap());
    let q = query("?PageNo=4&&&", NOW).unwrap();
    assert_eq!(q.page_no(), 4);
}

#[test]
fn json_numbers_must_be_integers() {
    for body in [
        r#"{"PageNo":2.0}"#,
        r#"{"PageSize":1e1}"#,
        r#"{"PageNo":-1}"#,
        r#"{"PageSize":true}"#,
        r#"{"PageNo":[1]}"#,
        r#"{"PageSize":{"n":1}}"#,
    ] {
        let error = RawRequest::from_json(body)
            .unwrap()
            .to_query(t(NOW))
            .unwrap_err();
        assert_eq!(error.code(), ErrorCode::InvalidParameter, "{body}");
    }
    let q = RawRequest::from_json(r#"{"PageNo":2,"PageSize":"20"}"#)
        .unwrap()
        .to_query(t(NOW))
        .unwrap();
    assert_eq!((q.page_no(), q.page_size()), (2, 20));
}

#[test]
fn every_position_of_the_time_format_is_checked() {
    const GOOD: &str = "2022-02-02T01:02:03Z";
    assert_eq!(t(GOOD).to_string(), GOOD);
    // Each position wrong alone: a separator where a digit goes, a digit or another
    // separator where a separator goes, a letter anywhere.
    for at in 0..GOOD.len() {
        let expected = GOOD.as_bytes()[at];
        let wrong: &[u8] = if expected.is_ascii_digit() {
            b"-:TZ /a"
        } else {
            b"0-:/TZtzX "
        };
        for &byte in wrong.iter().filter(|&&b| b != expected) {
            let mut text = GOOD.as_bytes().to_vec();
            text[at] = byte;
            let text = String::from_utf8(text).unwrap();
            assert!(
                snapjobs::Timestamp::parse(&text).is_err(),
                "{text:?} (position {at})"
            );
        }
    }
    for text in [
        "2022/02-02T00:00:00Z",
        "2022-02/02T00:00:00Z",
        "2022-02-02T00-00:00Z",
        "2022-02-02T00:00-00Z",
        "2022-02-02T00:00:00z",
        "2022-02-02T00:00:00X",
        "2022-02-02T00:00:60Z",
        "2022-02-02T00:60:00Z",
        "2022-00-02T00:00:00Z",
        "2022-02-00T00:00:00Z",
        "2023-02-29T00:00:00Z",
        "2022-04-31T00:00:00Z",
    ] {
        assert_eq!(
            code(&format!("StartTime={text}")),
            ErrorCode::MalformedStartTime,
            "{text}"
        );
    }
    // Every field is read from its own digits.
    let cases = [
        ("0001-01-01T00:00:00Z", -62_135_596_800),
        ("1970-01-01T00:00:01Z", 1),
        ("1970-01-01T00:01:00Z", 60),
        ("1970-01-01T01:00:00Z", 3_600),
        ("1970-01-02T00:00:00Z", 86_400),
        ("1970-02-01T00:00:00Z", 2_678_400),
        ("1971-01-01T00:00:00Z", 31_536_000),
        ("2022-12-31T23:59:59Z", 1_672_531_199),
        ("1969-12-31T23:59:59Z", -1),
    ];
    for (text, unix) in cases {
        assert_eq!(t(text).unix_seconds(), unix, "{text}");
        assert_eq!(
            snapjobs::Timestamp::from_unix(unix).unwrap().to_string(),
            text
        );
    }
}

#[test]
fn errors_are_reported_in_contract_order() {
    // Each row breaks every parameter from some point on; the first broken one is reported.
    let bad = [
        (
            "StartTime",
            "x",
            "Specified parameter StartTime is not valid.",
        ),
        ("EndTime", "x", "Specified parameter EndTime is not valid."),
        ("SearchKeyWord", &"k".repeat(129), "SearchKeyWord"),
        ("Status", "x", "Status"),
        ("PageNo", "0", "PageNo"),
        ("PageSize", "0", "PageSize"),
        ("SortBy", "x", "SortBy"),
    ];
    for first in 0..bad.len() {
        let query_string: Vec<String> = bad[first..]
            .iter()
            .rev() // order in the string must not matter
            .map(|(name, value, _)| format!("{name}={value}"))
            .collect();
        let err = query(&query_string.join("&"), NOW).unwrap_err();
        assert!(
            err.message().contains(bad[first].2),
            "{first}: {}",
            err.message()
        );
    }
    // The pair checks come after both times parse, before the keyword.
    let mismatch = format!(
        "StartTime=2022-02-02T00:00:01Z&EndTime=2022-02-02T00:00:00Z&SearchKeyWord={}",
        "k".repeat(129)
    );
    assert_eq!(code(&mismatch), ErrorCode::EndTimeMismatch);
    let too_long = "StartTime=2022-01-01T00:00:00Z&EndTime=2022-03-01T00:00:00Z&Status=x";
    let err = query(too_long, NOW).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidParameter);
    assert!(err.message().contains("30 days"), "{}", err.message());
    assert_eq!(
        code("EndTime=x&StartTime=2022-02-02T00:00:01Z&PageSize=0"),
        ErrorCode::MalformedEndTime
    );
}

#[test]
fn json_parameters() {
    let raw = RawRequest::from_json(
        r#"{"StartTime":"2022-02-02T00:00:00Z","EndTime":"2022-02-02T23:59:59Z",
            "SearchKeyWord":"live","Status":"paused","PageNo":2,"PageSize":"20","SortBy":"asc",
            "Unknown":[1,{"a":2}]}"#,
    )
    .unwrap();
    let q = raw.to_query(t(NOW)).unwrap();
    assert_eq!(
        (q.start(), q.end()),
        (t("2022-02-02T00:00:00Z"), t("2022-02-02T23:59:59Z"))
    );
    assert_eq!(
        (q.keyword(), q.status()),
        (Some("live"), Some(Status::Paused))
    );
    assert_eq!(
        (q.page_no(), q.page_size(), q.sort_by()),
        (2, 20, SortBy::Asc)
    );
    // Values that are neither strings nor integers are invalid for their parameter.
    for (json, expected) in [
        (r#"{"StartTime":123}"#, ErrorCode::MalformedStartTime),
        (r#"{"SearchKeyWord":["a"]}"#, ErrorCode::InvalidParameter),
        (r#"{"PageNo":1.5}"#, ErrorCode::InvalidParameter),
        (r#"{"PageSize":-1}"#, ErrorCode::InvalidParameter),
        (r#"{"SortBy":true}"#, ErrorCode::InvalidParameter),
    ] {
        let err = RawRequest::from_json(json)
            .unwrap()
            .to_query(t(NOW))
            .unwrap_err();
        assert_eq!(err.code(), expected, "{json}");
    }
    for not_object in ["[]", "1", "\"x\"", "{", ""] {
        assert_eq!(
            RawRequest::from_json(not_object).unwrap_err().code(),
            ErrorCode::InvalidParameter
        );
    }
}

#[test]
fn default_window_is_clamped_to_representable_times() {
    let q = query("", "0000-01-03T00:00:00Z").unwrap();
    assert_eq!(q.start(), t("0000-01-01T00:00:00Z"));
    let q = query("StartTime=9999-12-30T00:00:00Z", NOW).unwrap();
    assert_eq!(q.end(), t("9999-12-31T23:59:59Z"));
}

#[test]
fn parameters_set_one_at_a_time_chain() {
    let mut raw = RawRequest::new();
    raw.set("PageSize", "20")
        .set("SortBy", "asc")
        .set_bytes(b"Status", b"paused")
        .set("Unknown", "x");
    let q = raw.to_query(t(NOW)).unwrap();
    assert_eq!(
        (q.page_size(), q.sort_by(), q.status()),
        (20, SortBy::Asc, Some(Status::Paused))
    );
    // A later call wins.
    raw.set("PageSize", "30");
    assert_eq!(raw.to_query(t(NOW)).unwrap().page_size(), 30);
}

#[test]
fn sort_and_status_write_as_the_api_does() {
    assert_eq!(SortBy::Asc.as_str(), "asc");
    assert_eq!(SortBy::Desc.as_str(), "desc");
    for (status, text) in [
        (Status::Init, "init"),
        (Status::Paused, "paused"),
        (Status::Started, "started"),
    ] {
        assert_eq!(status.as_str(), text);
        assert_eq!(status.to_string(), text);
        assert_eq!(Status::from_api(text), Some(status));
    }
    assert_eq!(Status::from_api("Init"), None);
}

#[test]
fn time_errors_say_what_is_wrong() {
    use snapjobs::{TimeError, Timestamp};
    assert_eq!(
        Timestamp::parse("2022-02-30T00:00:00Z").unwrap_err(),
        TimeError::Malformed {
            text: "2022-02-30T00:00:00Z".into()
        }
    );
    assert_eq!(
        Timestamp::parse("yesterday").unwrap_err().to_string(),
        r#""yesterday" is not a UTC time written YYYY-MM-DDTHH:MM:SSZ"#
    );
    let too_late = Timestamp::MAX.unix_seconds() + 1;
    assert_eq!(
        Timestamp::from_unix(too_late).unwrap_err(),
        TimeError::OutOfRange {
            unix_seconds: too_late
        }
    );
    assert_eq!(
        Timestamp::from_unix(too_late).unwrap_err().to_string(),
        "Unix second 253402300800 lies outside the years 0000 to 9999"
    );
    assert!(Timestamp::from_unix(Timestamp::MIN.unix_seconds() - 1).is_err());
    assert_eq!(Timestamp::MIN.saturating_add_seconds(-1), Timestamp::MIN);
    assert_eq!(
        Timestamp::MAX.saturating_add_seconds(i64::MAX),
        Timestamp::MAX
    );
}

#[test]
fn a_request_deserializes_only_from_an_object() {
    let error = serde_json::from_str::<RawRequest>("[1, 2]").unwrap_err();
    assert!(
        error
            .to_string()
            .contains("expected an object of ListLiveSnapshotJobs parameters"),
        "{error}"
    );
    assert_eq!(
        RawRequest::from_json("[1, 2]").unwrap_err().code(),
        ErrorCode::InvalidParameter
    );
}
