//! Reading jobs from JSON Lines text: one job a line, in the shape of a `JobList` entry.

use std::collections::HashSet;
use std::fmt;

use crate::job::Job;

/// Why a JSON Lines text could not be read, with the line (from 1) at fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonLinesError {
    /// The line, counting from 1.
    pub line: usize,
    /// What is wrong with it.
    pub reason: String,
}

impl fmt::Display for JsonLinesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

impl std::error::Error for JsonLinesError {}

/// Parses one job per non-blank line. Every job is checked as [`JobBuilder::build`](crate::JobBuilder::build)
/// (crate::JobBuilder::build) checks it, and no two may share a `JobId`. O(length).
///
/// ```
/// let text = r#"{"JobId":"j1","JobName":"","TemplateId":"","TemplateName":"","Status":"init",
///   "SnapshotOutput":{"StorageType":"oss","Endpoint":"","Bucket":""},"TimeInterval":5,
///   "CreateTime":"2022-07-20T02:48:58Z"}"#.replace('\n', "");
/// let jobs = snapjobs::parse_json_lines(&text).unwrap();
/// assert_eq!(jobs[0].id(), "j1");
/// ```
///
/// # Errors
/// A [`JsonLinesError`] naming the first line that is not a valid job, or repeats an id.
pub fn parse_json_lines(text: &str) -> Result<Vec<Job>, JsonLinesError> {
    let mut jobs = Vec::new();
    let mut seen = HashSet::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let fail = |reason: String| JsonLinesError {
            line: index + 1,
            reason,
        };
        let job: Job = serde_json::from_str(line).map_err(|e| fail(e.to_string()))?;
        if !seen.insert(job.id().to_owned()) {
            return Err(fail(format!("JobId {:?} appears twice", job.id())));
        }
        jobs.push(job);
    }
    Ok(jobs)
}
