//! [`ServerError`]: every error answer of the server, with the HTTP status and `Code` that
//! Alibaba Cloud uses for it. Serialized as the API's error JSON:
//! `{"RequestId", "HostId", "Code", "Message"}`.

use std::fmt;

use snapjobs::ApiError;

/// An error answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerError {
    /// An error of the listing contract (`MissingParameter`, `InvalidParameter`, ...), from
    /// the library, or one of a write's parameters, in the same codes.
    Api(ApiError),
    /// 400 `IncompleteSignature`: no `Authorization`, or one that cannot be checked.
    IncompleteSignature {
        /// What is wrong.
        reason: String,
    },
    /// 404 `InvalidAccessKeyId.NotFound`.
    AccessKeyNotFound {
        /// The AccessKey ID given.
        access_key_id: String,
    },
    /// 400 `SignatureDoesNotMatch`.
    SignatureDoesNotMatch,
    /// 400 `InvalidTimeStamp.Expired`: `x-acs-date` more than 15 minutes from the server's
    /// clock, or not a date.
    TimestampExpired {
        /// The date given.
        date: String,
    },
    /// 400 `SignatureNonceUsed`: this `x-acs-signature-nonce` was seen in the last 15 minutes.
    NonceUsed {
        /// The nonce.
        nonce: String,
    },
    /// 404 `InvalidAction.NotFound`: no such action, or not with this HTTP method.
    ActionNotFound {
        /// The action given (empty if none).
        action: String,
    },
    /// 400 `InvalidVersion`: `x-acs-version` is not `2020-11-09`.
    InvalidVersion {
        /// The version given.
        version: String,
    },
    /// 413 `RequestEntityTooLarge`: a body over the server's limit.
    BodyTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// 404 `JobNotFound`: no job with this id in the caller's account.
    JobNotFound {
        /// The id.
        job_id: String,
    },
    /// 409 `JobAlreadyStarted`: `start` sent to a started job.
    JobAlreadyStarted {
        /// The id.
        job_id: String,
    },
    /// 400 `JobLimitExceeded`: the account's index is full.
    JobLimitExceeded {
        /// The most jobs an account holds.
        limit: usize,
    },
    /// 500 `InternalError`: the database failed; nothing was acknowledged.
    Internal {
        /// What failed (logged, not sent).
        detail: String,
    },
}

impl ServerError {
    /// The HTTP status.
    pub fn http_status(&self) -> u16 {
        match self {
            ServerError::Api(error) => error.http_status(),
            ServerError::AccessKeyNotFound { .. }
            | ServerError::ActionNotFound { .. }
            | ServerError::JobNotFound { .. } => 404,
            ServerError::BodyTooLarge { .. } => 413,
            ServerError::JobAlreadyStarted { .. } => 409,
            ServerError::Internal { .. } => 500,
            ServerError::IncompleteSignature { .. }
            | ServerError::SignatureDoesNotMatch
            | ServerError::TimestampExpired { .. }
            | ServerError::NonceUsed { .. }
            | ServerError::InvalidVersion { .. }
            | ServerError::JobLimitExceeded { .. } => 400,
        }
    }

    /// The `Code`.
    pub fn code(&self) -> &str {
        match self {
            ServerError::Api(error) => error.code().as_str(),
            ServerError::IncompleteSignature { .. } => "IncompleteSignature",
            ServerError::AccessKeyNotFound { .. } => "InvalidAccessKeyId.NotFound",
            ServerError::SignatureDoesNotMatch => "SignatureDoesNotMatch",
            ServerError::TimestampExpired { .. } => "InvalidTimeStamp.Expired",
            ServerError::NonceUsed { .. } => "SignatureNonceUsed",
            ServerError::ActionNotFound { .. } => "InvalidAction.NotFound",
            ServerError::InvalidVersion { .. } => "InvalidVersion",
            ServerError::BodyTooLarge { .. } => "RequestEntityTooLarge",
            ServerError::JobNotFound { .. } => "JobNotFound",
            ServerError::JobAlreadyStarted { .. } => "JobAlreadyStarted",
            ServerError::JobLimitExceeded { .. } => "JobLimitExceeded",
            ServerError::Internal { .. } => "InternalError",
        }
    }

    /// The `Message`.
    pub fn message(&self) -> String {
        match self {
            ServerError::Api(error) => error.message().to_owned(),
            ServerError::IncompleteSignature { reason } => {
                format!("The request signature does not conform to Aliyun standards: {reason}.")
            }
            ServerError::AccessKeyNotFound { access_key_id } => {
                format!("Specified access key is not found: {access_key_id}.")
            }
            ServerError::SignatureDoesNotMatch => {
                "Specified signature is not matched with our calculation.".to_owned()
            }
            ServerError::TimestampExpired { date } => {
                format!("Specified time stamp or date value is expired: {date}.")
            }
            ServerError::NonceUsed { nonce } => {
                format!("Specified signature nonce was used already: {nonce}.")
            }
            ServerError::ActionNotFound { action } => {
                format!("Specified api is not found, please check your url and method: {action}.")
            }
            ServerError::InvalidVersion { version } => {
                format!("Specified parameter Version is not valid: {version}.")
            }
            ServerError::BodyTooLarge { limit } => {
                format!("The request body is larger than {limit} bytes.")
            }
            ServerError::JobNotFound { .. } => "No such job.".to_owned(),
            ServerError::JobAlreadyStarted { .. } => "Job is already started.".to_owned(),
            ServerError::JobLimitExceeded { .. } => "Job limit exceeded.".to_owned(),
            ServerError::Internal { .. } => {
                "The request processing has failed due to some unknown error.".to_owned()
            }
        }
    }

    /// The error's JSON body.
    pub fn to_json(&self, request_id: &str, host_id: &str) -> String {
        serde_json::json!({
            "RequestId": request_id,
            "HostId": host_id,
            "Code": self.code(),
            "Message": self.message(),
        })
        .to_string()
    }
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.http_status(),
            self.code(),
            self.message()
        )?;
        if let ServerError::Internal { detail } = self {
            write!(f, " ({detail})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ServerError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_has_its_status_code_and_message() {
        let cases = [
            (
                ServerError::Api(ApiError::missing_parameter("JobId")),
                400,
                "MissingParameter",
                "JobId",
            ),
            (
                ServerError::IncompleteSignature {
                    reason: "no header".into(),
                },
                400,
                "IncompleteSignature",
                "no header",
            ),
            (
                ServerError::AccessKeyNotFound {
                    access_key_id: "AK9".into(),
                },
                404,
                "InvalidAccessKeyId.NotFound",
                "AK9",
            ),
            (
                ServerError::SignatureDoesNotMatch,
                400,
                "SignatureDoesNotMatch",
                "not matched",
            ),
            (
                ServerError::TimestampExpired {
                    date: "2020-01-01T00:00:00Z".into(),
                },
                400,
                "InvalidTimeStamp.Expired",
                "2020-01-01",
            ),
            (
                ServerError::NonceUsed {
                    nonce: "n-1".into(),
                },
                400,
                "SignatureNonceUsed",
                "n-1",
            ),
            (
                ServerError::ActionNotFound {
                    action: "Nope".into(),
                },
                404,
                "InvalidAction.NotFound",
                "Nope",
            ),
            (
                ServerError::InvalidVersion {
                    version: "2017".into(),
                },
                400,
                "InvalidVersion",
                "2017",
            ),
            (
                ServerError::BodyTooLarge { limit: 65536 },
                413,
                "RequestEntityTooLarge",
                "65536",
            ),
            (
                ServerError::JobNotFound { job_id: "j".into() },
                404,
                "JobNotFound",
                "No such job.",
            ),
            (
                ServerError::JobAlreadyStarted { job_id: "j".into() },
                409,
                "JobAlreadyStarted",
                "already started",
            ),
            (
                ServerError::JobLimitExceeded { limit: 5 },
                400,
                "JobLimitExceeded",
                "Job limit exceeded.",
            ),
            (
                ServerError::Internal {
                    detail: "disk".into(),
                },
                500,
                "InternalError",
                "unknown error",
            ),
        ];
        for (error, status, code, fragment) in cases {
            assert_eq!(
                (error.http_status(), error.code()),
                (status, code),
                "{error:?}"
            );
            assert!(
                error.message().contains(fragment),
                "{error:?}: {}",
                error.message()
            );
            assert_eq!(
                error.to_string(),
                format!("{status} {code}: {}", error.message())
                    + if code == "InternalError" {
                        " (disk)"
                    } else {
                        ""
                    }
            );
            let json: serde_json::Value =
                serde_json::from_str(&error.to_json("R-1", "H-1")).unwrap();
            assert_eq!(
                json,
                serde_json::json!({"RequestId": "R-1", "HostId": "H-1", "Code": code, "Message": error.message()})
            );
        }
    }
}
