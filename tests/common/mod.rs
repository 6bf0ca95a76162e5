//! Helpers shared by the integration tests.
#![allow(dead_code)]

use snapjobs::reference::Model;
use snapjobs::{ApiError, Job, JobIndex, Page, Query, RawRequest, Status, Timestamp, WriteError};

/// A timestamp from the API's format.
pub fn t(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

/// A job with the fields listing looks at.
pub fn job(id: &str, create_time: &str, name: &str, status: Status) -> Job {
    Job::builder(id, t(create_time))
        .name(name)
        .status(status)
        .build()
        .unwrap()
}

/// The ids on a page, in order.
pub fn ids<'a>(page: &Page<'a>) -> Vec<&'a str> {
    page.jobs.iter().map(|job| job.id()).collect()
}

/// A query string validated at `now`.
pub fn query(query_string: &str, now: &str) -> Result<Query, ApiError> {
    RawRequest::from_query_string(query_string).to_query(t(now))
}

/// What the reference model and the engine both offer, so that every listing rule is checked
/// on both.
pub trait Store: Default {
    fn name(&self) -> &'static str;
    fn insert(&mut self, job: Job) -> Result<(), WriteError>;
    fn load(&mut self, jobs: Vec<Job>) -> Result<(), WriteError>;
    fn list(&self, query: &Query) -> Page<'_>;
    fn get(&self, id: &str) -> Option<&Job>;
    fn set_status(&mut self, id: &str, status: Status) -> Result<(), WriteError>;
    fn rename(&mut self, id: &str, name: &str) -> Result<(), WriteError>;
    fn set_template(&mut self, id: &str, template_id: &str, name: &str) -> Result<(), WriteError>;
    fn set_time_interval(&mut self, id: &str, seconds: u32) -> Result<(), WriteError>;
    fn remove(&mut self, id: &str) -> Result<Job, WriteError>;
    /// Every job, sorted by id: the whole observable state.
    fn snapshot(&self) -> Vec<Job>;
    fn check(&self);
}

macro_rules! impl_store {
    ($ty:ty, $name:literal, $check:expr) => {
        impl Store for $ty {
            fn name(&self) -> &'static str {
                $name
            }
            fn insert(&mut self, job: Job) -> Result<(), WriteError> {
                <$ty>::insert(self, job)
            }
            fn load(&mut self, jobs: Vec<Job>) -> Result<(), WriteError> {
                <$ty>::load(self, jobs)
            }
            fn list(&self, query: &Query) -> Page<'_> {
                <$ty>::list(self, query)
            }
            fn get(&self, id: &str) -> Option<&Job> {
                <$ty>::get(self, id)
            }
            fn set_status(&mut self, id: &str, status: Status) -> Result<(), WriteError> {
                <$ty>::set_status(self, id, status)
            }
            fn rename(&mut self, id: &str, name: &str) -> Result<(), WriteError> {
                <$ty>::rename(self, id, name)
            }
            fn set_template(&mut self, id: &str, tid: &str, name: &str) -> Result<(), WriteError> {
                <$ty>::set_template(self, id, tid, name)
            }
            fn set_time_interval(&mut self, id: &str, seconds: u32) -> Result<(), WriteError> {
                <$ty>::set_time_interval(self, id, seconds)
            }
            fn remove(&mut self, id: &str) -> Result<Job, WriteError> {
                <$ty>::remove(self, id)
            }
            fn snapshot(&self) -> Vec<Job> {
                let mut jobs: Vec<Job> = self.jobs().cloned().collect();
                jobs.sort_by(|a, b| a.id().cmp(b.id()));
                jobs
            }
            fn check(&self) {
                let check: fn(&$ty) = $check;
                check(self);
            }
        }
    };
}

impl_store!(Model, "reference", |_| {});
impl_store!(JobIndex, "engine", |index| index
    .check_invariants()
    .unwrap());

/// Lists a query: the page's ids and the total.
pub type List<'a> = &'a dyn Fn(&Query) -> (Vec<String>, u64);

/// Runs `test` on a reference model and on an engine, each loaded with `jobs`.
pub fn on_both(jobs: &[Job], test: impl Fn(List<'_>)) {
    fn run<S: Store>(jobs: &[Job], test: &dyn Fn(List<'_>)) {
        let mut store = S::default();
        eprintln!("checking the {} store", store.name());
        store.load(jobs.to_vec()).unwrap();
        store.check();
        test(&|query: &Query| {
            let page = store.list(query);
            (
                ids(&page).into_iter().map(String::from).collect(),
                page.total_count,
            )
        });
    }
    run::<Model>(jobs, &test);
    run::<JobIndex>(jobs, &test);
}
