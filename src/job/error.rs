//! [`WriteError`]: why a write to an index (or the building of a job) was refused.

use std::fmt;

/// A field of a job, as named by the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JobField {
    /// `JobId`.
    JobId,
    /// `JobName`.
    JobName,
    /// `TemplateId`.
    TemplateId,
    /// `TemplateName`.
    TemplateName,
    /// `Status`.
    Status,
    /// `SnapshotOutput.StorageType`.
    StorageType,
    /// `SnapshotOutput.Endpoint`.
    Endpoint,
    /// `SnapshotOutput.Bucket`.
    Bucket,
    /// `TimeInterval`.
    TimeInterval,
    /// `CreateTime`.
    CreateTime,
}

impl JobField {
    /// The field's name in the API's JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            JobField::JobId => "JobId",
            JobField::JobName => "JobName",
            JobField::TemplateId => "TemplateId",
            JobField::TemplateName => "TemplateName",
            JobField::Status => "Status",
            JobField::StorageType => "SnapshotOutput.StorageType",
            JobField::Endpoint => "SnapshotOutput.Endpoint",
            JobField::Bucket => "SnapshotOutput.Bucket",
            JobField::TimeInterval => "TimeInterval",
            JobField::CreateTime => "CreateTime",
        }
    }
}

impl fmt::Display for JobField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a write (building a job, inserting, updating, removing, loading) was refused.
///
/// A refused write changes nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WriteError {
    /// A field breaks its rule.
    InvalidField {
        /// The field.
        field: JobField,
        /// The rule it breaks, e.g. `"at most 128 characters"`.
        rule: &'static str,
    },
    /// A job with this id is already held.
    DuplicateJobId {
        /// The id.
        id: String,
    },
    /// No job with this id is held.
    UnknownJobId {
        /// The id.
        id: String,
    },
    /// The index is full.
    CapacityExceeded {
        /// The most jobs the index can hold.
        limit: usize,
    },
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::InvalidField { field, rule } => write!(f, "{field} must be {rule}"),
            WriteError::DuplicateJobId { id } => {
                write!(f, "a job with JobId {id:?} already exists")
            }
            WriteError::UnknownJobId { id } => write!(f, "no job has JobId {id:?}"),
            WriteError::CapacityExceeded { limit } => {
                write!(f, "the index is full: it holds at most {limit} jobs")
            }
        }
    }
}

impl std::error::Error for WriteError {}
