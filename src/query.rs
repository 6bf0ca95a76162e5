//! [`Query`]: a validated `ListLiveSnapshotJobs` request, ready for an index.

use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ErrorCode};
use crate::job::Status;
use crate::time::{DAY, Timestamp};

/// The longest time window a query may span: 30 days.
pub const MAX_WINDOW_SECONDS: i64 = 30 * DAY;
/// Most characters (Unicode scalar values) in a keyword.
pub const MAX_KEYWORD_CHARS: usize = 128;
/// The largest page size.
pub const MAX_PAGE_SIZE: u32 = 100;
/// The page size when none is given.
pub const DEFAULT_PAGE_SIZE: u32 = 10;

/// The order of a listing by `CreateTime` (ties by `JobId`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortBy {
    /// `asc`: oldest first.
    Asc,
    /// `desc`: newest first (the default).
    #[default]
    Desc,
}

impl SortBy {
    /// `asc` or `desc`.
    pub fn as_str(self) -> &'static str {
        match self {
            SortBy::Asc => "asc",
            SortBy::Desc => "desc",
        }
    }
}

/// A validated listing request.
///
/// Invariants: `start <= end`, `end - start <= 30 days`; the keyword, if any, is 1 to 128
/// characters; `page_no >= 1`; `1 <= page_size <= 100`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    start: Timestamp,
    end: Timestamp,
    keyword: Option<Box<str>>,
    status: Option<Status>,
    page_no: u64,
    page_size: u32,
    sort_by: SortBy,
}

pub(crate) fn window_error(start: Timestamp, end: Timestamp) -> Option<ApiError> {
    if end < start {
        Some(ApiError::new(ErrorCode::EndTimeMismatch))
    } else if end.unix_seconds() - start.unix_seconds() > MAX_WINDOW_SECONDS {
        Some(ApiError::invalid_parameter(
            "EndTime",
            "it must be at most 30 days after StartTime",
        ))
    } else {
        None
    }
}

pub(crate) fn keyword_error() -> ApiError {
    ApiError::invalid_parameter("SearchKeyWord", "it must be at most 128 characters")
}

pub(crate) fn page_no_error() -> ApiError {
    ApiError::invalid_parameter("PageNo", "it must be an integer of at least 1")
}

pub(crate) fn page_size_error() -> ApiError {
    ApiError::invalid_parameter("PageSize", "it must be an integer from 1 to 100")
}

impl Query {
    /// Every job created from `start` to `end` inclusive, newest first, page 1 of 10.
    ///
    /// ```
    /// use snapjobs::{Query, Timestamp};
    /// let start = Timestamp::parse("2022-02-02T00:00:00Z").unwrap();
    /// let end = Timestamp::parse("2022-02-02T23:59:59Z").unwrap();
    /// let query = Query::new(start, end).unwrap().with_page(2, 20).unwrap();
    /// assert_eq!(query.offset(), 20);
    /// ```
    ///
    /// # Errors
    /// `EndTimeMismatch` if `end < start`; `InvalidParameter` if the span exceeds 30 days.
    pub fn new(start: Timestamp, end: Timestamp) -> Result<Query, ApiError> {
        match window_error(start, end) {
            Some(error) => Err(error),
            None => Ok(Query {
                start,
                end,
                keyword: None,
                status: None,
                page_no: 1,
                page_size: DEFAULT_PAGE_SIZE,
                sort_by: SortBy::Desc,
            }),
        }
    }

    /// Filters by keyword: a job matches if the keyword equals its `JobId`, or occurs in its
    /// `JobName` (ASCII letters compared case-insensitively). An empty keyword removes the filter.
    ///
    /// # Errors
    /// `InvalidParameter` if the keyword is over 128 characters.
    pub fn with_keyword(mut self, keyword: &str) -> Result<Query, ApiError> {
        if keyword.chars().count() > MAX_KEYWORD_CHARS {
            return Err(keyword_error());
        }
        self.keyword = (!keyword.is_empty()).then(|| Box::from(keyword));
        Ok(self)
    }

    /// Filters by status (`None`: every status).
    pub fn with_status(mut self, status: Option<Status>) -> Query {
        self.status = status;
        self
    }

    /// Selects page `page_no` (from 1) of `page_size` (1 to 100) jobs.
    ///
    /// # Errors
    /// `InvalidParameter` if `page_no` is 0 or `page_size` is outside 1 to 100.
    pub fn with_page(mut self, page_no: u64, page_size: u32) -> Result<Query, ApiError> {
        if page_no == 0 {
            return Err(page_no_error());
        }
        if !(1..=MAX_PAGE_SIZE).contains(&page_size) {
            return Err(page_size_error());
        }
        self.page_no = page_no;
        self.page_size = page_size;
        Ok(self)
    }

    /// Sets the order.
    pub fn with_sort(mut self, sort_by: SortBy) -> Query {
        self.sort_by = sort_by;
        self
    }

    /// The first second of the window (inclusive).
    pub fn start(&self) -> Timestamp {
        self.start
    }

    /// The last second of the window (inclusive).
    pub fn end(&self) -> Timestamp {
        self.end
    }

    /// The keyword, if any (never empty).
    pub fn keyword(&self) -> Option<&str> {
        self.keyword.as_deref()
    }

    /// The status filter, if any.
    pub fn status(&self) -> Option<Status> {
        self.status
    }

    /// The page number, from 1.
    pub fn page_no(&self) -> u64 {
        self.page_no
    }

    /// The page size, 1 to 100.
    pub fn page_size(&self) -> u32 {
        self.page_size
    }

    /// The order.
    pub fn sort_by(&self) -> SortBy {
        self.sort_by
    }

    /// How many matches come before the page: `(page_no - 1) * page_size`, saturating at
    /// `u64::MAX` (no index holds that many jobs, so a saturated offset is past the end).
    pub fn offset(&self) -> u64 {
        (self.page_no - 1).saturating_mul(u64::from(self.page_size))
    }
}
