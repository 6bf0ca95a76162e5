//! The query layer: [`Query`], a validated listing request ready for an index; [`Page`], what
//! an index answers; [`QueryError`], why a query could not be made.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::job::{Job, Status};
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

/// Why a [`Query`] could not be made: a bound of the contract it would break.
///
/// The request layer answers each with the API's error (`impl From<QueryError> for
/// ApiError`): `EndTimeMismatch` for [`QueryError::EndBeforeStart`], `InvalidParameter`
/// naming the parameter for the others.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum QueryError {
    /// The window ends before it starts.
    EndBeforeStart {
        /// The first second of the window.
        start: Timestamp,
        /// The last second, before `start`.
        end: Timestamp,
    },
    /// The window spans more than [`MAX_WINDOW_SECONDS`].
    WindowTooLong {
        /// `end - start`, in seconds.
        seconds: i64,
    },
    /// The keyword is longer than [`MAX_KEYWORD_CHARS`].
    KeywordTooLong {
        /// Its length in characters (Unicode scalar values).
        chars: usize,
    },
    /// The page number is 0 (pages count from 1).
    PageNoZero,
    /// The page size is outside 1 to [`MAX_PAGE_SIZE`].
    PageSizeOutOfRange {
        /// The size asked for.
        page_size: u32,
    },
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueryError::EndBeforeStart { start, end } => {
                write!(f, "the window ends at {end}, before it starts at {start}")
            }
            QueryError::WindowTooLong { seconds } => write!(
                f,
                "the window spans {seconds} seconds, more than the {MAX_WINDOW_SECONDS} of 30 days"
            ),
            QueryError::KeywordTooLong { chars } => write!(
                f,
                "the keyword has {chars} characters, more than {MAX_KEYWORD_CHARS}"
            ),
            QueryError::PageNoZero => f.write_str("page numbers start at 1, not 0"),
            QueryError::PageSizeOutOfRange { page_size } => {
                write!(f, "page size {page_size} is outside 1 to {MAX_PAGE_SIZE}")
            }
        }
    }
}

impl std::error::Error for QueryError {}

/// One page of a listing: the jobs on the page, borrowed from the index, and the exact number
/// of jobs that match the query on every page.
///
/// Serialize it for the API with [`Page::into_response`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<'a> {
    /// The jobs on the page, in the query's order; at most `page_size` of them.
    pub jobs: Vec<&'a Job>,
    /// How many jobs match the query, whatever the page.
    pub total_count: u64,
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
    /// [`QueryError::EndBeforeStart`] if `end < start`; [`QueryError::WindowTooLong`] if the
    /// span exceeds 30 days.
    pub fn new(start: Timestamp, end: Timestamp) -> Result<Query, QueryError> {
        let seconds = end.unix_seconds() - start.unix_seconds();
        if end < start {
            Err(QueryError::EndBeforeStart { start, end })
        } else if seconds > MAX_WINDOW_SECONDS {
            Err(QueryError::WindowTooLong { seconds })
        } else {
            Ok(Query {
                start,
                end,
                keyword: None,
                status: None,
                page_no: 1,
                page_size: DEFAULT_PAGE_SIZE,
                sort_by: SortBy::Desc,
            })
        }
    }

    /// Filters by keyword: a job matches if the keyword equals its `JobId`, or occurs in its
    /// `JobName` (ASCII letters compared case-insensitively). An empty keyword removes the filter.
    ///
    /// # Errors
    /// [`QueryError::KeywordTooLong`] if the keyword is over 128 characters.
    pub fn with_keyword(mut self, keyword: &str) -> Result<Query, QueryError> {
        let chars = keyword.chars().count();
        if chars > MAX_KEYWORD_CHARS {
            return Err(QueryError::KeywordTooLong { chars });
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
    /// [`QueryError::PageNoZero`] if `page_no` is 0, [`QueryError::PageSizeOutOfRange`] if
    /// `page_size` is outside 1 to 100.
    pub fn with_page(mut self, page_no: u64, page_size: u32) -> Result<Query, QueryError> {
        if page_no == 0 {
            return Err(QueryError::PageNoZero);
        }
        if !(1..=MAX_PAGE_SIZE).contains(&page_size) {
            return Err(QueryError::PageSizeOutOfRange { page_size });
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
