//! snapjobs (front page written below).
#![deny(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
#![cfg_attr(
    test,
    allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

mod engine;
mod error;
mod job;
mod jsonl;
mod query;
pub mod reference;
mod request;
mod response;
mod time;

pub use engine::{JobIndex, MAX_JOBS};
pub use error::{ApiError, ErrorCode, ErrorResponse, JobField, WriteError};
pub use job::{
    Job, JobBuilder, JobId, MAX_JOB_ID_BYTES, MAX_NAME_CHARS, MAX_OUTPUT_BYTES,
    MAX_TEMPLATE_ID_BYTES, SnapshotOutput, Status, StorageType,
};
pub use jsonl::{JsonLinesError, parse_json_lines};
pub use query::{
    DEFAULT_PAGE_SIZE, MAX_KEYWORD_CHARS, MAX_PAGE_SIZE, MAX_WINDOW_SECONDS, Query, SortBy,
};
pub use request::RawRequest;
pub use response::{ListResponse, Page};
pub use time::{TimeError, Timestamp};
