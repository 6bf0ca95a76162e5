//! [`ApiError`]: the API's error answers (HTTP status, `Code`, `Message`), and the mapping of
//! the query layer's [`QueryError`] onto them.

use std::fmt;

use crate::query::QueryError;
use serde::ser::SerializeStruct;

use serde::{Serialize, Serializer};

/// The `Code` of an API error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// 400 `MissingParameter`.
    MissingParameter,
    /// 400 `InvalidParameter`.
    InvalidParameter,
    /// 400 `MalformedStartTime`.
    MalformedStartTime,
    /// 400 `MalformedEndTime`.
    MalformedEndTime,
    /// 400 `EndTimeMismatch`.
    EndTimeMismatch,
    /// 403 `UserDisable` (raised by the embedding server).
    UserDisable,
    /// 403 `Forbidden` (raised by the embedding server).
    Forbidden,
    /// 403 `OperationDenied` (raised by the embedding server).
    OperationDenied,
    /// 500 `InternalError` (raised by the embedding server).
    InternalError,
}

impl ErrorCode {
    /// Every code, in the reference's order.
    pub const ALL: [ErrorCode; 9] = [
        ErrorCode::MissingParameter,
        ErrorCode::InvalidParameter,
        ErrorCode::MalformedStartTime,
        ErrorCode::MalformedEndTime,
        ErrorCode::EndTimeMismatch,
        ErrorCode::UserDisable,
        ErrorCode::Forbidden,
        ErrorCode::OperationDenied,
        ErrorCode::InternalError,
    ];

    /// The code as the API writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::MissingParameter => "MissingParameter",
            ErrorCode::InvalidParameter => "InvalidParameter",
            ErrorCode::MalformedStartTime => "MalformedStartTime",
            ErrorCode::MalformedEndTime => "MalformedEndTime",
            ErrorCode::EndTimeMismatch => "EndTimeMismatch",
            ErrorCode::UserDisable => "UserDisable",
            ErrorCode::Forbidden => "Forbidden",
            ErrorCode::OperationDenied => "OperationDenied",
            ErrorCode::InternalError => "InternalError",
        }
    }

    /// The HTTP status that goes with the code.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::MissingParameter
            | ErrorCode::InvalidParameter
            | ErrorCode::MalformedStartTime
            | ErrorCode::MalformedEndTime
            | ErrorCode::EndTimeMismatch => 400,
            ErrorCode::UserDisable | ErrorCode::Forbidden | ErrorCode::OperationDenied => 403,
            ErrorCode::InternalError => 500,
        }
    }

    /// The fixed message of the code; `None` for the two codes whose message names a parameter.
    pub fn fixed_message(self) -> Option<&'static str> {
        match self {
            ErrorCode::MissingParameter | ErrorCode::InvalidParameter => None,
            ErrorCode::MalformedStartTime => Some("Specified parameter StartTime is not valid."),
            ErrorCode::MalformedEndTime => Some("Specified parameter EndTime is not valid."),
            // "math" (sic): the reference's own wording, kept so clients can match on it.
            ErrorCode::EndTimeMismatch => {
                Some("Specified end time does not math the specified start time.")
            }
            ErrorCode::UserDisable => Some("User is disable."),
            ErrorCode::Forbidden => {
                Some("User not authorized to operate on the specified resource.")
            }
            ErrorCode::OperationDenied => Some("Your account has not enabled the ICE service."),
            ErrorCode::InternalError => {
                Some("The request processing has failed due to some unknown error.")
            }
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error answer of the API: an HTTP status, a `Code` and a `Message`.
///
/// Serialize it with a request id through [`ApiError::with_request_id`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    code: ErrorCode,
    message: String,
}

impl ApiError {
    /// The error for a code with a fixed message. For `MissingParameter` and
    /// `InvalidParameter`, which name a parameter, prefer [`ApiError::missing_parameter`] and
    /// [`ApiError::invalid_parameter`]; here they get a generic message.
    pub fn new(code: ErrorCode) -> ApiError {
        let message = code
            .fixed_message()
            .unwrap_or("A parameter of the request is missing or not valid.");
        ApiError {
            code,
            message: message.to_owned(),
        }
    }

    /// 400 `MissingParameter`, naming the parameter.
    pub fn missing_parameter(name: &str) -> ApiError {
        ApiError {
            code: ErrorCode::MissingParameter,
            message: format!("Required parameter {name} is missing."),
        }
    }

    /// 400 `InvalidParameter`, naming the parameter and what it allows.
    pub fn invalid_parameter(name: &str, allowed: &str) -> ApiError {
        ApiError {
            code: ErrorCode::InvalidParameter,
            message: format!("Specified parameter {name} is not valid: {allowed}."),
        }
    }

    /// The `Code`.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The HTTP status.
    pub fn http_status(&self) -> u16 {
        self.code.http_status()
    }

    /// The `Message`.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The error as the API's JSON body `{"RequestId", "Code", "Message"}`.
    pub fn with_request_id<'a>(&'a self, request_id: &'a str) -> ErrorResponse<'a> {
        ErrorResponse {
            request_id,
            error: self,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.http_status(), self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

/// An [`ApiError`] with its request id, serializing as `{"RequestId", "Code", "Message"}`.
#[derive(Clone, Copy, Debug)]
pub struct ErrorResponse<'a> {
    request_id: &'a str,
    error: &'a ApiError,
}

impl Serialize for ErrorResponse<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("ErrorResponse", 3)?;
        s.serialize_field("RequestId", self.request_id)?;
        s.serialize_field("Code", self.error.code.as_str())?;
        s.serialize_field("Message", &self.error.message)?;
        s.end()
    }
}

impl From<QueryError> for ApiError {
    /// The API's answer to a query the query layer refused: `EndTimeMismatch` for an end
    /// before the start, `InvalidParameter` naming the parameter for the rest.
    fn from(error: QueryError) -> ApiError {
        match error {
            QueryError::EndBeforeStart { .. } => ApiError::new(ErrorCode::EndTimeMismatch),
            QueryError::WindowTooLong { .. } => {
                ApiError::invalid_parameter("EndTime", "it must be at most 30 days after StartTime")
            }
            QueryError::KeywordTooLong { .. } => {
                ApiError::invalid_parameter("SearchKeyWord", "it must be at most 128 characters")
            }
            QueryError::PageNoZero => invalid_page_no(),
            QueryError::PageSizeOutOfRange { .. } => invalid_page_size(),
        }
    }
}

/// `InvalidParameter` for a `PageNo` that is not a decimal integer of at least 1.
pub(crate) fn invalid_page_no() -> ApiError {
    ApiError::invalid_parameter("PageNo", "it must be an integer of at least 1")
}

/// `InvalidParameter` for a `PageSize` that is not a decimal integer from 1 to 100.
pub(crate) fn invalid_page_size() -> ApiError {
    ApiError::invalid_parameter("PageSize", "it must be an integer from 1 to 100")
}
