//! [`RawRequest`]: the API's parameters as they arrive, and their validation into a [`Query`].

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::error::{self, ApiError, ErrorCode};
use crate::job::Status;
use crate::query::{self, Query, SortBy};
use crate::time::{DAY, Timestamp};

/// One parameter as it arrived.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
enum Param {
    /// Not given (or given as JSON `null`).
    #[default]
    Absent,
    /// Given as text (possibly empty, which means "use the default").
    Text(String),
    /// Given, but not as text: bytes that are not UTF-8, or a JSON value that is not a string
    /// or an integer.
    NotText,
}

impl Param {
    /// The value, `None` for the default (absent or empty), `Err` if it is not text.
    fn value(&self) -> Result<Option<&str>, ()> {
        match self {
            Param::Absent => Ok(None),
            Param::Text(text) if text.is_empty() => Ok(None),
            Param::Text(text) => Ok(Some(text)),
            Param::NotText => Err(()),
        }
    }
}

/// The parameters of a `ListLiveSnapshotJobs` request, as they arrived, before validation.
///
/// Built from a query string ([`RawRequest::from_query_string`]), from a JSON object
/// ([`RawRequest::from_json`], or any serde format through `Deserialize`), or one parameter at a
/// time ([`RawRequest::set`]). [`RawRequest::to_query`] applies the defaults and the checks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawRequest {
    start_time: Param,
    end_time: Param,
    search_keyword: Param,
    status: Param,
    page_no: Param,
    page_size: Param,
    sort_by: Param,
}

impl RawRequest {
    /// A request with no parameters (every default).
    pub fn new() -> RawRequest {
        RawRequest::default()
    }

    fn slot(&mut self, name: &[u8]) -> Option<&mut Param> {
        match name {
            b"StartTime" => Some(&mut self.start_time),
            b"EndTime" => Some(&mut self.end_time),
            b"SearchKeyWord" => Some(&mut self.search_keyword),
            b"Status" => Some(&mut self.status),
            b"PageNo" => Some(&mut self.page_no),
            b"PageSize" => Some(&mut self.page_size),
            b"SortBy" => Some(&mut self.sort_by),
            _ => None,
        }
    }

    /// Sets parameter `name` (exact, case-sensitive) to `value`; a later call wins. An unknown
    /// name is ignored. Returns `self` for chaining.
    ///
    /// ```
    /// use snapjobs::{RawRequest, Timestamp};
    /// let now = Timestamp::parse("2022-02-10T00:00:00Z").unwrap();
    /// let query = RawRequest::new().set("PageSize", "20").set("SortBy", "asc").to_query(now).unwrap();
    /// assert_eq!(query.page_size(), 20);
    /// ```
    pub fn set(&mut self, name: &str, value: &str) -> &mut RawRequest {
        self.set_bytes(name.as_bytes(), value.as_bytes())
    }

    /// Like [`RawRequest::set`], for a value that may not be UTF-8 (such a value is invalid
    /// for its parameter).
    pub fn set_bytes(&mut self, name: &[u8], value: &[u8]) -> &mut RawRequest {
        let param = match String::from_utf8(value.to_vec()) {
            Ok(text) => Param::Text(text),
            Err(_) => Param::NotText,
        };
        if let Some(slot) = self.slot(name) {
            *slot = param;
        }
        self
    }

    /// Parses a query string as an HTML form: pairs split on `&`, name and value on the first
    /// `=`, `+` decoded as a space and `%XX` as the byte XX. A `%` not followed by two hex
    /// digits stays as it is; a pair without `=` has an empty value; one leading `?` is skipped.
    /// Never fails: bad values are reported by [`RawRequest::to_query`]. O(length).
    ///
    /// ```
    /// use snapjobs::{RawRequest, Timestamp};
    /// let raw = RawRequest::from_query_string("StartTime=2022-02-02T00%3A00%3A00Z&SearchKeyWord=live+01");
    /// let query = raw.to_query(Timestamp::parse("2022-02-05T00:00:00Z").unwrap()).unwrap();
    /// assert_eq!(query.start().to_string(), "2022-02-02T00:00:00Z");
    /// assert_eq!(query.keyword(), Some("live 01"));
    /// ```
    pub fn from_query_string(query_string: impl AsRef<[u8]>) -> RawRequest {
        let bytes = query_string.as_ref();
        let bytes = bytes.strip_prefix(b"?").unwrap_or(bytes);
        let mut raw = RawRequest::new();
        for pair in bytes.split(|&b| b == b'&').filter(|pair| !pair.is_empty()) {
            let (name, value) = match pair.iter().position(|&b| b == b'=') {
                Some(at) => (
                    pair.get(..at).unwrap_or_default(),
                    pair.get(at + 1..).unwrap_or_default(),
                ),
                None => (pair, &[][..]),
            };
            raw.set_bytes(&form_decode(name), &form_decode(value));
        }
        raw
    }

    /// Parses a JSON object of parameters. Values may be strings or integers (`"PageNo": 2`);
    /// `null` means absent; any other value is invalid for its parameter. A name given twice
    /// counts with its last value; unknown names are ignored.
    ///
    /// # Errors
    /// `InvalidParameter` if the text is not a JSON object.
    pub fn from_json(json: &str) -> Result<RawRequest, ApiError> {
        serde_json::from_str(json).map_err(|_| {
            ApiError::invalid_parameter(
                "the request body",
                "it must be a JSON object of parameters",
            )
        })
    }

    /// Applies the defaults and checks of the API, reporting the first error in the order
    /// StartTime, EndTime, the pair, SearchKeyWord, Status, PageNo, PageSize, SortBy. `now`
    /// is the caller's clock (the crate reads none). O(length of the parameters).
    ///
    /// Defaults: StartTime `now - 7 days`, EndTime `StartTime + 7 days` (both clamped to
    /// the years 0000 to 9999), no keyword, every status, PageNo 1, PageSize 10, SortBy desc.
    ///
    /// # Errors
    /// The [`ApiError`] of the first parameter that breaks its rule.
    pub fn to_query(&self, now: Timestamp) -> Result<Query, ApiError> {
        let start = match self.start_time.value() {
            Ok(None) => Some(now.saturating_add_seconds(-7 * DAY)),
            Ok(Some(text)) => Timestamp::parse(text).ok(),
            Err(()) => None,
        }
        .ok_or_else(|| ApiError::new(ErrorCode::MalformedStartTime))?;
        let end = match self.end_time.value() {
            Ok(None) => Some(start.saturating_add_seconds(7 * DAY)),
            Ok(Some(text)) => Timestamp::parse(text).ok(),
            Err(()) => None,
        }
        .ok_or_else(|| ApiError::new(ErrorCode::MalformedEndTime))?;
        let query = Query::new(start, end)?;

        let keyword = self.search_keyword.value().map_err(|()| {
            ApiError::invalid_parameter("SearchKeyWord", "it must be text in UTF-8")
        })?;
        let query = query.with_keyword(keyword.unwrap_or_default())?;

        let status = match self.status.value() {
            Ok(None) => None,
            Ok(Some(text)) => Some(Status::from_api(text).ok_or(())),
            Err(()) => Some(Err(())),
        }
        .transpose()
        .map_err(|()| {
            ApiError::invalid_parameter("Status", "it must be one of init, paused, started")
        })?;

        let page_no = decimal(&self.page_no, 1)
            .filter(|&no| no >= 1)
            .ok_or_else(error::invalid_page_no)?;
        let page_size = decimal(&self.page_size, u64::from(query::DEFAULT_PAGE_SIZE))
            .and_then(|size| u32::try_from(size).ok())
            .filter(|size| (1..=query::MAX_PAGE_SIZE).contains(size))
            .ok_or_else(error::invalid_page_size)?;
        let query = query.with_page(page_no, page_size)?;

        let sort_by = match self.sort_by.value() {
            Ok(None) => Some(SortBy::Desc),
            Ok(Some("asc")) => Some(SortBy::Asc),
            Ok(Some("desc")) => Some(SortBy::Desc),
            _ => None,
        }
        .ok_or_else(|| ApiError::invalid_parameter("SortBy", "it must be asc or desc"))?;

        Ok(query.with_status(status).with_sort(sort_by))
    }
}

/// A parameter read as a decimal integer of ASCII digits only (leading zeros allowed), or its
/// default; `None` if it is not such an integer or exceeds `u64::MAX`.
fn decimal(param: &Param, default: u64) -> Option<u64> {
    match param.value() {
        Ok(None) => Some(default),
        Ok(Some(text)) if text.bytes().all(|b| b.is_ascii_digit()) => text.parse().ok(),
        _ => None,
    }
}

fn hex_value(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// Decodes one name or value of an HTML form: `+` is a space, `%XX` the byte XX.
fn form_decode(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        let escaped = match (b, text.get(i + 1), text.get(i + 2)) {
            (b'%', Some(&hi), Some(&lo)) => hex_value(hi).zip(hex_value(lo)),
            _ => None,
        };
        match (b, escaped) {
            (_, Some((hi, lo))) => {
                out.push(hi << 4 | lo);
                i += 3;
            }
            (b'+', None) => {
                out.push(b' ');
                i += 1;
            }
            (_, None) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// A JSON parameter value: strings and integers are text, `null` is absent, the rest invalid.
struct JsonParam(Param);

impl<'de> Deserialize<'de> for JsonParam {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ParamVisitor;
        impl<'de> Visitor<'de> for ParamVisitor {
            type Value = JsonParam;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a parameter value")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<JsonParam, E> {
                Ok(JsonParam(Param::Text(v.to_owned())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<JsonParam, E> {
                Ok(JsonParam(Param::Text(v.to_string())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<JsonParam, E> {
                Ok(JsonParam(Param::Text(v.to_string())))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<JsonParam, E> {
                Ok(JsonParam(Param::NotText))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<JsonParam, E> {
                Ok(JsonParam(Param::NotText))
            }
            fn visit_unit<E: de::Error>(self) -> Result<JsonParam, E> {
                Ok(JsonParam(Param::Absent))
            }
            fn visit_none<E: de::Error>(self) -> Result<JsonParam, E> {
                Ok(JsonParam(Param::Absent))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<JsonParam, D::Error> {
                JsonParam::deserialize(d)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<JsonParam, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(JsonParam(Param::NotText))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonParam, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(JsonParam(Param::NotText))
            }
        }
        deserializer.deserialize_any(ParamVisitor)
    }
}

impl<'de> Deserialize<'de> for RawRequest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RequestVisitor;
        impl<'de> Visitor<'de> for RequestVisitor {
            type Value = RawRequest;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of ListLiveSnapshotJobs parameters")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawRequest, A::Error> {
                let mut raw = RawRequest::new();
                while let Some(name) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    let JsonParam(param) = map.next_value()?;
                    if let Some(slot) = raw.slot(name.as_bytes()) {
                        *slot = param;
                    }
                }
                Ok(raw)
            }
        }
        deserializer.deserialize_map(RequestVisitor)
    }
}
