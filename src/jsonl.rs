//! Reading jobs from JSON Lines: one job a line, in the shape of a `JobList` entry.
//!
//! [`JobLines`] takes the lines one at a time, so a caller reading a large file holds one line
//! of text at a time; [`parse_json_lines`] reads a whole text.

use std::collections::HashMap;
use std::fmt;

use crate::job::{Job, JobWire, WriteError};

/// Why a line of a JSON Lines text is not a job, with the line at fault (from 1).
///
/// Its [`Display`](fmt::Display) names the line once (`line 3: ...`, or `line 3, column 17:
/// ...` where the JSON parser points at a column); [`source`](std::error::Error::source) is
/// the underlying error where there is one (the UTF-8 error, the JSON parser's, or the
/// [`WriteError`] of a field).
#[derive(Debug)]
pub struct JsonLinesError {
    line: usize,
    cause: Cause,
}

/// What is wrong with a line of a JSON Lines text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JsonLinesErrorKind {
    /// The line's bytes are not UTF-8.
    NotUtf8,
    /// The line is JSON, but not an object (a job is an object, not an array).
    NotAnObject,
    /// The line is not JSON, or not JSON of a job's shape (a field missing, of the wrong
    /// type, or a `CreateTime` not in the API's format).
    Json,
    /// A field breaks its rule ([`JsonLinesError::write_error`] says which).
    InvalidJob,
    /// The line's `JobId` was already on an earlier line.
    DuplicateJobId,
}

#[derive(Debug)]
enum Cause {
    NotUtf8(std::str::Utf8Error),
    NotAnObject,
    Json(serde_json::Error),
    InvalidJob(WriteError),
    DuplicateJobId { id: String, first_line: usize },
}

impl JsonLinesError {
    /// The line at fault, counting from 1.
    pub fn line(&self) -> usize {
        self.line
    }

    /// What is wrong with it.
    pub fn kind(&self) -> JsonLinesErrorKind {
        match self.cause {
            Cause::NotUtf8(_) => JsonLinesErrorKind::NotUtf8,
            Cause::NotAnObject => JsonLinesErrorKind::NotAnObject,
            Cause::Json(_) => JsonLinesErrorKind::Json,
            Cause::InvalidJob(_) => JsonLinesErrorKind::InvalidJob,
            Cause::DuplicateJobId { .. } => JsonLinesErrorKind::DuplicateJobId,
        }
    }

    /// The column, in bytes from 1, where the JSON parser or the UTF-8 check stopped, where
    /// it says.
    pub fn column(&self) -> Option<usize> {
        match &self.cause {
            Cause::NotUtf8(error) => Some(error.valid_up_to() + 1),
            Cause::Json(error) if error.column() > 0 => Some(error.column()),
            _ => None,
        }
    }

    /// The field's error, for [`JsonLinesErrorKind::InvalidJob`].
    pub fn write_error(&self) -> Option<&WriteError> {
        match &self.cause {
            Cause::InvalidJob(error) => Some(error),
            _ => None,
        }
    }
}

impl fmt::Display for JsonLinesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}", self.line)?;
        if let Some(column) = self.column() {
            write!(f, ", column {column}")?;
        }
        f.write_str(": ")?;
        match &self.cause {
            Cause::NotUtf8(_) => f.write_str("not valid UTF-8"),
            Cause::NotAnObject => f.write_str("a job is a JSON object"),
            Cause::Json(error) => {
                // serde_json ends its message with its own position, always line 1 here.
                let text = error.to_string();
                let position = format!(" at line {} column {}", error.line(), error.column());
                f.write_str(text.strip_suffix(&position).unwrap_or(&text))
            }
            Cause::InvalidJob(error) => write!(f, "{error}"),
            Cause::DuplicateJobId { id, first_line } => {
                write!(f, "JobId {id:?} appears twice (first on line {first_line})")
            }
        }
    }
}

impl std::error::Error for JsonLinesError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.cause {
            Cause::NotUtf8(error) => Some(error),
            Cause::Json(error) => Some(error),
            Cause::InvalidJob(error) => Some(error),
            Cause::NotAnObject | Cause::DuplicateJobId { .. } => None,
        }
    }
}

/// Reads a JSON Lines text of jobs one line at a time: each non-blank line must be a job,
/// checked as [`JobBuilder::build`](crate::JobBuilder::build) checks it, and no two may share
/// a `JobId`. It holds the ids seen so far, not the lines.
///
/// ```
/// use snapjobs::JobLines;
/// let mut lines = JobLines::new();
/// let line = br#"{"JobId":"j1","JobName":"","TemplateId":"","TemplateName":"","Status":"init","SnapshotOutput":{"StorageType":"oss","Endpoint":"","Bucket":""},"TimeInterval":5,"CreateTime":"2022-07-20T02:48:58Z"}"#;
/// assert_eq!(lines.next_line(line)?.map(|job| job.id().to_owned()), Some("j1".to_owned()));
/// assert!(lines.next_line(b"  \r\n")?.is_none()); // blank
/// let error = lines.next_line(line).unwrap_err();
/// assert_eq!(error.to_string(), r#"line 3: JobId "j1" appears twice (first on line 1)"#);
/// # Ok::<(), snapjobs::JsonLinesError>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct JobLines {
    /// Lines read so far.
    lines: usize,
    /// The id of each job read so far, with its line.
    seen: HashMap<Box<str>, usize>,
}

impl JobLines {
    /// A reader at line 1.
    pub fn new() -> JobLines {
        JobLines::default()
    }

    /// Reads the next line (with or without its `\n` or `\r\n`): `None` for a blank line,
    /// else its job. O(length of the line).
    ///
    /// # Errors
    /// A [`JsonLinesError`] naming this line if it is not UTF-8, not a JSON object of a
    /// job's shape, breaks a field's rule or repeats an earlier line's `JobId`. The line
    /// still counts, so a caller may go on to the next.
    pub fn next_line(&mut self, line: &[u8]) -> Result<Option<Job>, JsonLinesError> {
        self.lines += 1;
        let number = self.lines;
        let fail = |cause| JsonLinesError {
            line: number,
            cause,
        };
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let text = std::str::from_utf8(line).map_err(|e| fail(Cause::NotUtf8(e)))?;
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        if !text.starts_with('{') && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() {
            return Err(fail(Cause::NotAnObject));
        }
        let wire = JobWire::from_json(text).map_err(|e| fail(Cause::Json(e)))?;
        let job = wire.into_job().map_err(|e| fail(Cause::InvalidJob(e)))?;
        if let Some(&first_line) = self.seen.get(job.id()) {
            return Err(fail(Cause::DuplicateJobId {
                id: job.id().to_owned(),
                first_line,
            }));
        }
        self.seen.insert(Box::from(job.id()), number);
        Ok(Some(job))
    }
}

/// Parses one job per non-blank line of `text`, as [`JobLines`] does. O(length).
///
/// ```
/// let text = r#"{"JobId":"j1","JobName":"","TemplateId":"","TemplateName":"","Status":"init",
///   "SnapshotOutput":{"StorageType":"oss","Endpoint":"","Bucket":""},"TimeInterval":5,
///   "CreateTime":"2022-07-20T02:48:58Z"}"#.replace('\n', "");
/// let jobs = snapjobs::parse_json_lines(&text)?;
/// assert_eq!(jobs[0].id(), "j1");
/// # Ok::<(), snapjobs::JsonLinesError>(())
/// ```
///
/// # Errors
/// The [`JsonLinesError`] of the first line that is not a job, or repeats an id.
pub fn parse_json_lines(text: &str) -> Result<Vec<Job>, JsonLinesError> {
    let mut lines = JobLines::new();
    let mut jobs = Vec::new();
    for line in text.split('\n') {
        jobs.extend(lines.next_line(line.as_bytes())?);
    }
    Ok(jobs)
}
