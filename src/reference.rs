//! The reference model: the executable specification of listing.
//!
//! [`Model`] keeps jobs in a plain `Vec` and answers [`Model::list`] the most obvious way:
//! filter every job, sort, skip, take, count. It is slow (O(n log n) a query) and meant to be
//! read: the fast [`JobIndex`](crate::JobIndex) is tested to give exactly its answers. Its write
//! API is the same as the index's.

use std::collections::HashSet;

use crate::job::WriteError;
use crate::job::{self, Job, SnapshotOutput, Status};
use crate::query::Page;
use crate::query::{Query, SortBy};

/// Whether `job` matches `query`'s window, status and keyword (ignoring the page).
///
/// The keyword matches if it equals the `JobId` exactly, or occurs in the `JobName` with ASCII
/// letters compared case-insensitively and every other byte exactly.
pub fn matches(job: &Job, query: &Query) -> bool {
    let in_window = query.start() <= job.create_time() && job.create_time() <= query.end();
    let status_ok = query.status().is_none_or(|status| job.status() == status);
    let keyword_ok = query.keyword().is_none_or(|keyword| {
        job.id() == keyword
            || job
                .name()
                .to_ascii_lowercase()
                .contains(&keyword.to_ascii_lowercase())
    });
    in_window && status_ok && keyword_ok
}

/// Jobs in a `Vec`, listed by brute force.
///
/// Invariant: no two jobs share a `JobId`.
#[derive(Clone, Debug, Default)]
pub struct Model {
    jobs: Vec<Job>,
}

impl Model {
    /// An empty model.
    pub fn new() -> Model {
        Model::default()
    }

    /// How many jobs it holds.
    pub fn len(&self) -> usize {
        self.jobs.len()
    }

    /// Whether it holds no job.
    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }

    /// The job with this id. O(n).
    pub fn get(&self, id: &str) -> Option<&Job> {
        self.jobs.iter().find(|job| job.id() == id)
    }

    /// Every job, in no particular order.
    pub fn jobs(&self) -> impl Iterator<Item = &Job> {
        self.jobs.iter()
    }

    fn get_mut(&mut self, id: &str) -> Result<&mut Job, WriteError> {
        self.jobs
            .iter_mut()
            .find(|job| job.id() == id)
            .ok_or_else(|| WriteError::UnknownJobId { id: id.to_owned() })
    }

    /// Adds a job.
    ///
    /// # Errors
    /// [`WriteError::DuplicateJobId`] if its id is taken.
    pub fn insert(&mut self, job: Job) -> Result<(), WriteError> {
        if self.get(job.id()).is_some() {
            return Err(WriteError::DuplicateJobId {
                id: job.id().to_string(),
            });
        }
        self.jobs.push(job);
        Ok(())
    }

    /// Adds many jobs, all or none.
    ///
    /// # Errors
    /// [`WriteError::DuplicateJobId`] if an id is taken or repeated; nothing is added.
    pub fn load(&mut self, jobs: impl IntoIterator<Item = Job>) -> Result<(), WriteError> {
        let jobs: Vec<Job> = jobs.into_iter().collect();
        let mut ids: HashSet<&str> = self.jobs.iter().map(|job| job.id()).collect();
        if let Some(taken) = jobs.iter().find(|job| !ids.insert(job.id())) {
            return Err(WriteError::DuplicateJobId {
                id: taken.id().to_string(),
            });
        }
        self.jobs.extend(jobs);
        Ok(())
    }

    /// Changes a job's status.
    ///
    /// # Errors
    /// [`WriteError::UnknownJobId`].
    pub fn set_status(&mut self, id: &str, status: Status) -> Result<(), WriteError> {
        self.get_mut(id)?.set_status(status);
        Ok(())
    }

    /// Changes a job's name.
    ///
    /// # Errors
    /// [`WriteError::UnknownJobId`], or [`WriteError::InvalidField`] for a name over 128
    /// characters.
    pub fn rename(&mut self, id: &str, name: &str) -> Result<(), WriteError> {
        let job = self.get_mut(id)?;
        job.set_name(&job::check_job_name(name)?);
        Ok(())
    }

    /// Changes a job's template id and name.
    ///
    /// # Errors
    /// [`WriteError::UnknownJobId`], or [`WriteError::InvalidField`] for a bad template.
    pub fn set_template(
        &mut self,
        id: &str,
        template_id: &str,
        template_name: &str,
    ) -> Result<(), WriteError> {
        let job = self.get_mut(id)?;
        job.set_template(job::check_template(template_id, template_name)?);
        Ok(())
    }

    /// Changes a job's output.
    ///
    /// # Errors
    /// [`WriteError::UnknownJobId`].
    pub fn set_output(&mut self, id: &str, output: SnapshotOutput) -> Result<(), WriteError> {
        self.get_mut(id)?.set_output(output);
        Ok(())
    }

    /// Changes a job's snapshot interval.
    ///
    /// # Errors
    /// [`WriteError::UnknownJobId`], or [`WriteError::InvalidField`] for 0.
    pub fn set_time_interval(&mut self, id: &str, seconds: u32) -> Result<(), WriteError> {
        let job = self.get_mut(id)?;
        job.set_time_interval(job::check_time_interval(seconds)?);
        Ok(())
    }

    /// Removes a job and returns it.
    ///
    /// # Errors
    /// [`WriteError::UnknownJobId`].
    pub fn remove(&mut self, id: &str) -> Result<Job, WriteError> {
        let at = self
            .jobs
            .iter()
            .position(|job| job.id() == id)
            .ok_or_else(|| WriteError::UnknownJobId { id: id.to_owned() })?;
        Ok(self.jobs.swap_remove(at))
    }

    /// The page of jobs that match `query`, and how many match in all.
    pub fn list(&self, query: &Query) -> Page<'_> {
        let mut hits: Vec<&Job> = self.jobs.iter().filter(|job| matches(job, query)).collect();
        hits.sort_by(|a, b| (a.create_time(), a.id()).cmp(&(b.create_time(), b.id())));
        if query.sort_by() == SortBy::Desc {
            hits.reverse();
        }
        let total_count = hits.len() as u64;
        let skip = usize::try_from(query.offset()).unwrap_or(usize::MAX);
        let take = usize::try_from(query.page_size()).unwrap_or(usize::MAX);
        Page {
            jobs: hits.into_iter().skip(skip).take(take).collect(),
            total_count,
        }
    }
}
