//! [`Timestamp`]: a UTC second, and the API's strict `YYYY-MM-DDTHH:MM:SSZ` format.

use std::fmt;

use chrono::{DateTime, NaiveDate, NaiveTime};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Seconds in one day.
pub(crate) const DAY: i64 = 86_400;

/// A UTC second between `0000-01-01T00:00:00Z` and `9999-12-31T23:59:59Z` inclusive.
///
/// Invariant: `MIN.0 <= self.0 <= MAX.0`; every value can be written in the API's format.
/// Ordered by time. Serializes as `YYYY-MM-DDTHH:MM:SSZ`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

/// Why a text is not a [`Timestamp`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeError {
    /// The text is not exactly `YYYY-MM-DDTHH:MM:SSZ` naming a real UTC second.
    Malformed {
        /// The offending text.
        text: String,
    },
    /// The Unix second lies outside the years 0000 to 9999.
    OutOfRange {
        /// The offending Unix second.
        unix_seconds: i64,
    },
}

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeError::Malformed { text } => {
                write!(f, "{text:?} is not a UTC time written YYYY-MM-DDTHH:MM:SSZ")
            }
            TimeError::OutOfRange { unix_seconds } => {
                write!(
                    f,
                    "Unix second {unix_seconds} lies outside the years 0000 to 9999"
                )
            }
        }
    }
}

impl std::error::Error for TimeError {}

impl Timestamp {
    /// The earliest timestamp, `0000-01-01T00:00:00Z`.
    pub const MIN: Timestamp = Timestamp(-62_167_219_200);
    /// The latest timestamp, `9999-12-31T23:59:59Z`.
    pub const MAX: Timestamp = Timestamp(253_402_300_799);

    /// The timestamp `unix_seconds` seconds after `1970-01-01T00:00:00Z`.
    ///
    /// # Errors
    /// [`TimeError::OutOfRange`] outside the years 0000 to 9999.
    pub fn from_unix(unix_seconds: i64) -> Result<Timestamp, TimeError> {
        if (Self::MIN.0..=Self::MAX.0).contains(&unix_seconds) {
            Ok(Timestamp(unix_seconds))
        } else {
            Err(TimeError::OutOfRange { unix_seconds })
        }
    }

    /// Seconds since `1970-01-01T00:00:00Z` (negative before).
    pub fn unix_seconds(self) -> i64 {
        self.0
    }

    /// Parses exactly `YYYY-MM-DDTHH:MM:SSZ`: a 4-digit year, a real calendar date, seconds
    /// `00` to `59`, a literal `T` and `Z`; no offset, fraction, space or sign. O(1).
    ///
    /// ```
    /// use snapjobs::Timestamp;
    /// let t = Timestamp::parse("2022-07-20T02:48:58Z").unwrap();
    /// assert_eq!(t.to_string(), "2022-07-20T02:48:58Z");
    /// assert!(Timestamp::parse("2022-02-30T00:00:00Z").is_err());
    /// assert!(Timestamp::parse("2022-02-02T00:00:00+08:00").is_err());
    /// ```
    ///
    /// # Errors
    /// [`TimeError::Malformed`] for any other text.
    pub fn parse(text: &str) -> Result<Timestamp, TimeError> {
        parse_strict(text).ok_or_else(|| TimeError::Malformed {
            text: text.to_owned(),
        })
    }

    /// `self + seconds` (negative to go back), clamped to [`Timestamp::MIN`]..=[`Timestamp::MAX`].
    pub fn saturating_add_seconds(self, seconds: i64) -> Timestamp {
        Timestamp(
            self.0
                .saturating_add(seconds)
                .clamp(Self::MIN.0, Self::MAX.0),
        )
    }
}

/// The digits of `bytes`, or `None` if any byte is not an ASCII digit.
fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

fn parse_strict(text: &str) -> Option<Timestamp> {
    let b = text.as_bytes();
    if b.len() != 20 {
        return None;
    }
    let separators = [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'Z'),
    ];
    if separators.iter().any(|&(i, c)| b.get(i) != Some(&c)) {
        return None;
    }
    let field = |from: usize, to: usize| b.get(from..to).and_then(digits);
    let year = i32::try_from(field(0, 4)?).ok()?;
    let date = NaiveDate::from_ymd_opt(year, field(5, 7)?, field(8, 10)?)?;
    // `from_hms_opt` refuses second 60 (chrono models leap seconds only through fractions).
    let time = NaiveTime::from_hms_opt(field(11, 13)?, field(14, 16)?, field(17, 19)?)?;
    Timestamp::from_unix(date.and_time(time).and_utc().timestamp()).ok()
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match DateTime::from_timestamp(self.0, 0) {
            Some(t) => write!(f, "{}", t.format("%Y-%m-%dT%H:%M:%SZ")),
            // Unreachable for values inside MIN..=MAX, which chrono covers.
            None => write!(f, "@{}", self.0),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Timestamp::parse(&text).map_err(serde::de::Error::custom)
    }
}
