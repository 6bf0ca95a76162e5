//! The response and error shapes (CONTRACT "Response" and "Errors").

mod common;

use common::{job, query, t};
use serde_json::{Value, json};
use snapjobs::{ApiError, ErrorCode, JobIndex, ListResponse, Status};

const SAMPLE: &str = r#"{
  "RequestId": "******11-DB8D-4A9A-875B-275798******",
  "JobList": [
    {
      "JobId": "****a046-263c-3560-978a-fb287782****",
      "JobName": "",
      "TemplateId": "****a046-263c-3560-978a-fb287666****",
      "TemplateName": "",
      "Status": "started",
      "SnapshotOutput": {
        "StorageType": "oss",
        "Endpoint": "oss-cn-shanghai.aliyuncs.com",
        "Bucket": "testbucket"
      },
      "TimeInterval": 5,
      "CreateTime": "2022-07-20T02:48:58Z"
    }
  ],
  "PageNo": 1,
  "PageSize": 10,
  "SortBy": "desc",
  "TotalCount": 100
}"#;

#[test]
fn sample_response_round_trips() {
    let response: ListResponse<'_> = serde_json::from_str(SAMPLE).unwrap();
    assert_eq!(response.total_count, 100);
    let back = serde_json::to_value(&response).unwrap();
    assert_eq!(back, serde_json::from_str::<Value>(SAMPLE).unwrap());
}

#[test]
fn fields_are_written_in_the_reference_order() {
    let response: ListResponse<'_> = serde_json::from_str(SAMPLE).unwrap();
    let text = serde_json::to_string(&response).unwrap();
    let order = [
        "RequestId",
        "JobList",
        "JobId",
        "JobName",
        "TemplateId",
        "TemplateName",
        "Status",
        "SnapshotOutput",
        "StorageType",
        "Endpoint",
        "Bucket",
        "TimeInterval",
        "CreateTime",
        "PageNo",
        "PageSize",
        "SortBy",
        "TotalCount",
    ];
    let positions: Vec<usize> = order
        .iter()
        .map(|f| text.find(&format!("\"{f}\"")).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
}

#[test]
fn response_echoes_effective_values_and_borrows_jobs() {
    let mut index = JobIndex::new();
    index
        .insert(job("j1", "2022-02-02T03:04:05Z", "", Status::Paused))
        .unwrap();
    let query = query(
        "StartTime=2022-02-02T00:00:00Z&EndTime=2022-02-03T00:00:00Z",
        "2022-02-10T00:00:00Z",
    )
    .unwrap();
    let response = index.list(&query).into_response("req-1", &query);
    assert!(matches!(
        response.job_list[0],
        std::borrow::Cow::Borrowed(_)
    ));
    let value = serde_json::to_value(&response).unwrap();
    assert_eq!(value["RequestId"], "req-1");
    assert_eq!(value["PageNo"], 1);
    assert_eq!(value["PageSize"], 10);
    assert_eq!(value["SortBy"], "desc");
    assert_eq!(value["TotalCount"], 1);
    let listed = &value["JobList"][0];
    assert_eq!(listed["CreateTime"], "2022-02-02T03:04:05Z");
    assert_eq!(listed["JobName"], "");
    assert_eq!(listed["TemplateId"], "");
    assert_eq!(listed["Status"], "paused");
    assert_eq!(
        listed["SnapshotOutput"],
        json!({"StorageType": "oss", "Endpoint": "", "Bucket": ""})
    );
}

#[test]
fn every_error_has_its_status_code_and_message() {
    let table = [
        (ErrorCode::MissingParameter, 400, None),
        (ErrorCode::InvalidParameter, 400, None),
        (
            ErrorCode::MalformedStartTime,
            400,
            Some("Specified parameter StartTime is not valid."),
        ),
        (
            ErrorCode::MalformedEndTime,
            400,
            Some("Specified parameter EndTime is not valid."),
        ),
        (
            ErrorCode::EndTimeMismatch,
            400,
            Some("Specified end time does not math the specified start time."),
        ),
        (ErrorCode::UserDisable, 403, Some("User is disable.")),
        (
            ErrorCode::Forbidden,
            403,
            Some("User not authorized to operate on the specified resource."),
        ),
        (
            ErrorCode::OperationDenied,
            403,
            Some("Your account has not enabled the ICE service."),
        ),
        (
            ErrorCode::InternalError,
            500,
            Some("The request processing has failed due to some unknown error."),
        ),
    ];
    assert_eq!(table.len(), ErrorCode::ALL.len());
    for (code, status, message) in table {
        let err = ApiError::new(code);
        assert_eq!(err.http_status(), status, "{code}");
        if let Some(message) = message {
            assert_eq!(err.message(), message);
        }
        let value = serde_json::to_value(err.with_request_id("rid")).unwrap();
        assert_eq!(
            value,
            json!({"RequestId": "rid", "Code": code.as_str(), "Message": err.message()})
        );
    }
    assert_eq!(
        ApiError::missing_parameter("StartTime").message(),
        "Required parameter StartTime is missing."
    );
    let invalid = ApiError::invalid_parameter("PageSize", "it must be an integer from 1 to 100");
    assert!(invalid.message().contains("PageSize") && invalid.message().contains("1 to 100"));
}

#[test]
fn request_errors_name_the_parameter_and_what_is_allowed() {
    let now = "2022-02-10T00:00:00Z";
    for (query_string, words) in [
        (
            "SearchKeyWord=".to_owned() + &"x".repeat(129),
            ["SearchKeyWord", "128"],
        ),
        ("Status=x".to_owned(), ["Status", "init, paused, started"]),
        ("PageNo=0".to_owned(), ["PageNo", "at least 1"]),
        ("PageSize=0".to_owned(), ["PageSize", "1 to 100"]),
        ("SortBy=x".to_owned(), ["SortBy", "asc or desc"]),
        (
            "StartTime=2022-01-01T00:00:00Z&EndTime=2022-03-01T00:00:00Z".to_owned(),
            ["EndTime", "30 days"],
        ),
    ] {
        let err = query(&query_string, now).unwrap_err();
        assert_eq!(
            (err.http_status(), err.code()),
            (400, ErrorCode::InvalidParameter)
        );
        for word in words {
            assert!(
                err.message().contains(word),
                "{query_string}: {}",
                err.message()
            );
        }
    }
    assert_eq!(t(now).to_string(), now);
}
