//! [`ListResponse`]: the API's JSON answer for a [`Page`].

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::job::Job;
use crate::query::{Page, Query, SortBy};

impl<'a> Page<'a> {
    /// The API's answer for this page: `request_id` is the caller's, and `PageNo`, `PageSize`
    /// and `SortBy` echo the effective values of `query`. No job is cloned. O(page).
    pub fn into_response(self, request_id: &'a str, query: &Query) -> ListResponse<'a> {
        ListResponse {
            request_id: Cow::Borrowed(request_id),
            job_list: self.jobs.into_iter().map(Cow::Borrowed).collect(),
            page_no: query.page_no(),
            page_size: query.page_size(),
            sort_by: query.sort_by(),
            total_count: self.total_count,
        }
    }
}

/// The JSON body of a successful `ListLiveSnapshotJobs` answer, with the reference's field
/// names in its order. Serializes from borrowed jobs; deserializes into owned ones.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListResponse<'a> {
    /// `RequestId`, given by the caller.
    #[serde(borrow)]
    pub request_id: Cow<'a, str>,
    /// `JobList`: the page.
    pub job_list: Vec<Cow<'a, Job>>,
    /// `PageNo`.
    pub page_no: u64,
    /// `PageSize`.
    pub page_size: u32,
    /// `SortBy`.
    pub sort_by: SortBy,
    /// `TotalCount`.
    pub total_count: u64,
}
