//! The domain: [`Job`] and its parts, each validated when it is made.

use std::borrow::Borrow;
use std::fmt;
use std::sync::Arc;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

mod error;

use crate::time::Timestamp;
pub use error::{JobField, WriteError};

/// Most bytes in a [`JobId`].
pub const MAX_JOB_ID_BYTES: usize = 64;
/// Most characters (Unicode scalar values) in a job name or template name.
pub const MAX_NAME_CHARS: usize = 128;
/// Most bytes in a template id.
pub const MAX_TEMPLATE_ID_BYTES: usize = 64;
/// Most bytes in an output endpoint or bucket.
pub const MAX_OUTPUT_BYTES: usize = 256;

/// The state of a job.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// `init`: the job is not started.
    Init,
    /// `paused`: the job is paused.
    Paused,
    /// `started`: the job is in progress.
    Started,
}

impl Status {
    /// Every status, in the API reference's order.
    pub const ALL: [Status; 3] = [Status::Init, Status::Paused, Status::Started];

    /// The status as the API writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Init => "init",
            Status::Paused => "paused",
            Status::Started => "started",
        }
    }

    /// The status written exactly `init`, `paused` or `started`; `None` for anything else.
    pub fn from_api(text: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where snapshots are stored. `oss` is the only documented value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StorageType {
    /// `oss`: Alibaba Cloud Object Storage Service.
    #[default]
    #[serde(rename = "oss")]
    Oss,
}

/// A job's output: storage type, endpoint and bucket.
///
/// Invariant: endpoint and bucket are at most [`MAX_OUTPUT_BYTES`] bytes each.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SnapshotOutput {
    storage_type: StorageType,
    endpoint: Box<str>,
    bucket: Box<str>,
}

impl SnapshotOutput {
    /// An OSS output.
    ///
    /// # Errors
    /// [`WriteError::InvalidField`] if the endpoint or bucket is over 256 bytes.
    pub fn oss(endpoint: &str, bucket: &str) -> Result<SnapshotOutput, WriteError> {
        let check = |field, value: &str| {
            if value.len() <= MAX_OUTPUT_BYTES {
                Ok(Box::from(value))
            } else {
                Err(WriteError::InvalidField {
                    field,
                    rule: "at most 256 bytes",
                })
            }
        };
        Ok(SnapshotOutput {
            storage_type: StorageType::Oss,
            endpoint: check(JobField::Endpoint, endpoint)?,
            bucket: check(JobField::Bucket, bucket)?,
        })
    }

    /// The storage type.
    pub fn storage_type(&self) -> StorageType {
        self.storage_type
    }

    /// The endpoint, e.g. `oss-cn-shanghai.aliyuncs.com`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The bucket.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct OutputWire<'a> {
    storage_type: StorageType,
    #[serde(borrow)]
    endpoint: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    bucket: std::borrow::Cow<'a, str>,
}

impl Serialize for SnapshotOutput {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        OutputWire {
            storage_type: self.storage_type,
            endpoint: (*self.endpoint).into(),
            bucket: (*self.bucket).into(),
        }
        .serialize(serializer)
    }
}

impl OutputWire<'_> {
    fn into_output(self) -> Result<SnapshotOutput, WriteError> {
        SnapshotOutput::oss(&self.endpoint, &self.bucket)
    }
}

impl<'de> Deserialize<'de> for SnapshotOutput {
    /// Reads the API's object `{"StorageType", "Endpoint", "Bucket"}` (not an array),
    /// checking the fields as [`SnapshotOutput::oss`] does.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        from_map_only::<D, OutputWire<'de>>(deserializer)?
            .into_output()
            .map_err(de::Error::custom)
    }
}

/// Deserializes the struct `T` from a map only. serde's derived structs also accept a
/// sequence of their fields in order, which would let a JSON array stand for a job.
fn from_map_only<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    struct MapOnly<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for MapOnly<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            T::deserialize(de::value::MapAccessDeserializer::new(map))
        }
    }
    deserializer.deserialize_map(MapOnly(std::marker::PhantomData))
}

/// A job's id: 1 to 64 bytes of printable ASCII without spaces (`!` to `~`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JobId(Box<str>);

impl JobId {
    /// Checks and wraps an id. O(length).
    ///
    /// # Errors
    /// [`WriteError::InvalidField`] naming `JobId` if the rule is broken.
    pub fn new(id: &str) -> Result<JobId, WriteError> {
        if is_valid_job_id(id) {
            Ok(JobId(Box::from(id)))
        } else {
            Err(WriteError::InvalidField {
                field: JobField::JobId,
                rule: "1 to 64 bytes of printable ASCII without spaces",
            })
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether `id` obeys the [`JobId`] rule.
pub(crate) fn is_valid_job_id(id: &str) -> bool {
    (1..=MAX_JOB_ID_BYTES).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic())
}

impl Borrow<str> for JobId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for JobId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks a job name: at most 128 characters, may be empty.
pub(crate) fn check_job_name(name: &str) -> Result<Box<str>, WriteError> {
    check_chars(JobField::JobName, name)
}

fn check_chars(field: JobField, text: &str) -> Result<Box<str>, WriteError> {
    if text.chars().count() <= MAX_NAME_CHARS {
        Ok(Box::from(text))
    } else {
        Err(WriteError::InvalidField {
            field,
            rule: "at most 128 characters",
        })
    }
}

/// Checks a template id (at most 64 bytes of printable ASCII) and name (at most 128 characters).
pub(crate) fn check_template(
    template_id: &str,
    template_name: &str,
) -> Result<(Box<str>, Box<str>), WriteError> {
    let id_ok = template_id.len() <= MAX_TEMPLATE_ID_BYTES
        && template_id
            .bytes()
            .all(|b| b == b' ' || b.is_ascii_graphic());
    if !id_ok {
        return Err(WriteError::InvalidField {
            field: JobField::TemplateId,
            rule: "at most 64 bytes of printable ASCII",
        });
    }
    Ok((
        Box::from(template_id),
        check_chars(JobField::TemplateName, template_name)?,
    ))
}

/// Checks a snapshot interval: at least 1 second.
pub(crate) fn check_time_interval(seconds: u32) -> Result<u32, WriteError> {
    if seconds >= 1 {
        Ok(seconds)
    } else {
        Err(WriteError::InvalidField {
            field: JobField::TimeInterval,
            rule: "an integer of at least 1",
        })
    }
}

/// Text fields packed into one allocation: field `i` ends at byte `ends[i]`.
///
/// Invariant: `ends` is non-decreasing, each end a char boundary, the last `text.len()`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Packed<const N: usize> {
    text: Box<str>,
    ends: [u16; N],
}

impl<const N: usize> Packed<N> {
    /// Packs checked fields; the field rules bound a job's text to 1,664 bytes, within `u16`.
    fn new(fields: [&str; N]) -> Packed<N> {
        let mut text = String::with_capacity(fields.iter().map(|f| f.len()).sum());
        let mut ends = [0u16; N];
        for (end, field) in ends.iter_mut().zip(fields) {
            text.push_str(field);
            debug_assert!(
                text.len() <= usize::from(u16::MAX),
                "checked fields fit u16 ends"
            );
            *end = u16::try_from(text.len()).unwrap_or(u16::MAX);
        }
        Packed {
            text: text.into_boxed_str(),
            ends,
        }
    }

    /// Field `i`, which must be below `N` (the callers name fields by constant).
    fn get(&self, i: usize) -> &str {
        let start = match i.checked_sub(1) {
            Some(before) => self.ends.get(before).copied(),
            None => Some(0),
        };
        let field = start
            .zip(self.ends.get(i).copied())
            .and_then(|(start, end)| self.text.get(usize::from(start)..usize::from(end)));
        debug_assert!(field.is_some(), "field {i} of {N} lies within the text");
        field.unwrap_or_default()
    }

    /// The same fields with those in `changes` replaced.
    fn with(&self, changes: &[(usize, &str)]) -> Packed<N> {
        let mut fields: [&str; N] = std::array::from_fn(|i| self.get(i));
        for &(i, value) in changes {
            if let Some(field) = fields.get_mut(i) {
                *field = value;
            }
        }
        Packed::new(fields)
    }
}

/// The part of a job that many jobs share: its template and output. An index keeps one copy
/// of each distinct value (see the engine's interner).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Shared {
    /// Template id, template name, endpoint, bucket.
    text: Packed<4>,
    storage_type: StorageType,
}

const TEMPLATE_ID: usize = 0;
const TEMPLATE_NAME: usize = 1;
const ENDPOINT: usize = 2;
const BUCKET: usize = 3;

impl Shared {
    /// Bytes of heap it holds.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.text.text.len()
    }
}

/// A live snapshot job, as the API lists it.
///
/// Invariants: every field obeys its rule (see the crate's "Jobs" section); a `Job` is made only
/// through [`JobBuilder::build`] or deserialization, which both check them. `CreateTime` never
/// changes once the job is made. The id and name are packed in one allocation; the template
/// and output sit behind an `Arc` that an index shares between the jobs with equal values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    /// Id, name.
    own: Packed<2>,
    shared: Arc<Shared>,
    status: Status,
    time_interval: u32,
    create_time: Timestamp,
}

impl Job {
    /// Starts a job with the two fields that have no default. The others default to: empty
    /// name and template, [`Status::Init`], an OSS output with empty endpoint and bucket, and a
    /// 5-second interval.
    ///
    /// ```
    /// use snapjobs::{Job, Status, Timestamp};
    /// let job = Job::builder("job-1", Timestamp::parse("2022-07-20T02:48:58Z").unwrap())
    ///     .name("live-Beijing-01")
    ///     .status(Status::Started)
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(job.name(), "live-Beijing-01");
    /// ```
    pub fn builder(id: &str, create_time: Timestamp) -> JobBuilder {
        JobBuilder {
            id: id.to_owned(),
            create_time,
            name: String::new(),
            template_id: String::new(),
            template_name: String::new(),
            status: Status::Init,
            output: Ok(SnapshotOutput::default()),
            time_interval: 5,
        }
    }

    /// `JobId`: 1 to 64 bytes of printable ASCII without spaces.
    pub fn id(&self) -> &str {
        self.own.get(0)
    }

    /// `JobName` (may be empty).
    pub fn name(&self) -> &str {
        self.own.get(1)
    }

    /// `TemplateId` (may be empty).
    pub fn template_id(&self) -> &str {
        self.shared.text.get(TEMPLATE_ID)
    }

    /// `TemplateName` (may be empty).
    pub fn template_name(&self) -> &str {
        self.shared.text.get(TEMPLATE_NAME)
    }

    /// `Status`.
    pub fn status(&self) -> Status {
        self.status
    }

    /// `SnapshotOutput.StorageType`.
    pub fn storage_type(&self) -> StorageType {
        self.shared.storage_type
    }

    /// `SnapshotOutput.Endpoint`.
    pub fn endpoint(&self) -> &str {
        self.shared.text.get(ENDPOINT)
    }

    /// `SnapshotOutput.Bucket`.
    pub fn bucket(&self) -> &str {
        self.shared.text.get(BUCKET)
    }

    /// `SnapshotOutput`, as an owned value. O(length of the endpoint and bucket).
    pub fn output(&self) -> SnapshotOutput {
        SnapshotOutput {
            storage_type: self.storage_type(),
            endpoint: self.endpoint().into(),
            bucket: self.bucket().into(),
        }
    }

    /// `TimeInterval`, in seconds.
    pub fn time_interval(&self) -> u32 {
        self.time_interval
    }

    /// `CreateTime`.
    pub fn create_time(&self) -> Timestamp {
        self.create_time
    }

    /// Bytes of heap the job holds itself (not counting its shared part).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.own.text.len()
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Swaps in an equal shared part (the index's copy); returns the one it had.
    pub(crate) fn replace_shared(&mut self, shared: Arc<Shared>) -> Arc<Shared> {
        std::mem::replace(&mut self.shared, shared)
    }

    /// Moves the job's own text (id and name) into a fresh allocation and returns the old
    /// one. An index that relocates many jobs in key order, dropping the old texts only
    /// after, gets their names laid out in that order, so a scan of a window reads memory
    /// in sequence.
    pub(crate) fn relocate_text(&mut self) -> impl Sized + use<> {
        let fresh = self.own.clone();
        std::mem::replace(&mut self.own, fresh)
    }

    pub(crate) fn set_status(&mut self, status: Status) {
        self.status = status;
    }

    pub(crate) fn set_name(&mut self, checked_name: &str) {
        self.own = self.own.with(&[(1, checked_name)]);
    }

    /// Gives the job a new shared part with this template; returns the old one.
    pub(crate) fn set_template(&mut self, checked: (Box<str>, Box<str>)) -> Arc<Shared> {
        let text = self
            .shared
            .text
            .with(&[(TEMPLATE_ID, &checked.0), (TEMPLATE_NAME, &checked.1)]);
        let storage_type = self.shared.storage_type;
        self.replace_shared(Arc::new(Shared { text, storage_type }))
    }

    /// Gives the job a new shared part with this output; returns the old one.
    pub(crate) fn set_output(&mut self, output: SnapshotOutput) -> Arc<Shared> {
        let text = self
            .shared
            .text
            .with(&[(ENDPOINT, &output.endpoint), (BUCKET, &output.bucket)]);
        let storage_type = output.storage_type;
        self.replace_shared(Arc::new(Shared { text, storage_type }))
    }

    pub(crate) fn set_time_interval(&mut self, checked_seconds: u32) {
        self.time_interval = checked_seconds;
    }
}

/// Builds a [`Job`], checking every field in [`JobBuilder::build`].
#[derive(Clone, Debug)]
pub struct JobBuilder {
    id: String,
    create_time: Timestamp,
    name: String,
    template_id: String,
    template_name: String,
    status: Status,
    output: Result<SnapshotOutput, WriteError>,
    time_interval: u32,
}

impl JobBuilder {
    /// Sets `JobName`.
    pub fn name(mut self, name: &str) -> JobBuilder {
        self.name = name.to_owned();
        self
    }

    /// Sets `TemplateId` and `TemplateName`.
    pub fn template(mut self, template_id: &str, template_name: &str) -> JobBuilder {
        self.template_id = template_id.to_owned();
        self.template_name = template_name.to_owned();
        self
    }

    /// Sets `Status`.
    pub fn status(mut self, status: Status) -> JobBuilder {
        self.status = status;
        self
    }

    /// Sets an OSS `SnapshotOutput` (checked in [`JobBuilder::build`]).
    pub fn output(mut self, endpoint: &str, bucket: &str) -> JobBuilder {
        self.output = SnapshotOutput::oss(endpoint, bucket);
        self
    }

    /// Sets `TimeInterval`, in seconds.
    pub fn time_interval(mut self, seconds: u32) -> JobBuilder {
        self.time_interval = seconds;
        self
    }

    /// Checks every field, in the order JobId, JobName, TemplateId, TemplateName,
    /// SnapshotOutput, TimeInterval. O(total length).
    ///
    /// # Errors
    /// [`WriteError::InvalidField`] naming the first field that breaks its rule.
    pub fn build(self) -> Result<Job, WriteError> {
        let id = JobId::new(&self.id)?;
        let name = check_job_name(&self.name)?;
        let (template_id, template_name) = check_template(&self.template_id, &self.template_name)?;
        let output = self.output?;
        let time_interval = check_time_interval(self.time_interval)?;
        Ok(Job {
            own: Packed::new([id.as_str(), &name]),
            shared: Arc::new(Shared {
                text: Packed::new([
                    &template_id,
                    &template_name,
                    &output.endpoint,
                    &output.bucket,
                ]),
                storage_type: output.storage_type,
            }),
            status: self.status,
            time_interval,
            create_time: self.create_time,
        })
    }
}

/// The JSON shape of a job: a `JobList` entry of the response, fields not yet checked.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct JobWire<'a> {
    #[serde(borrow)]
    job_id: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    job_name: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    template_id: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    template_name: std::borrow::Cow<'a, str>,
    status: Status,
    #[serde(borrow, deserialize_with = "from_map_only")]
    snapshot_output: OutputWire<'a>,
    time_interval: u32,
    create_time: Timestamp,
}

impl JobWire<'_> {
    /// Reads the JSON object of a job (not an array), fields unchecked.
    ///
    /// # Errors
    /// serde_json's, for text that is not such an object.
    pub(crate) fn from_json(text: &str) -> Result<JobWire<'_>, serde_json::Error> {
        let mut json = serde_json::Deserializer::from_str(text);
        let wire = from_map_only(&mut json)?;
        json.end()?;
        Ok(wire)
    }

    /// The job, every field checked as [`JobBuilder::build`] checks it.
    ///
    /// # Errors
    /// [`WriteError::InvalidField`] naming the first field that breaks its rule.
    pub(crate) fn into_job(self) -> Result<Job, WriteError> {
        let mut job = Job::builder(&self.job_id, self.create_time)
            .name(&self.job_name)
            .template(&self.template_id, &self.template_name)
            .status(self.status)
            .time_interval(self.time_interval);
        job.output = self.snapshot_output.into_output();
        job.build()
    }
}

impl Serialize for Job {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Job", 8)?;
        s.serialize_field("JobId", self.id())?;
        s.serialize_field("JobName", self.name())?;
        s.serialize_field("TemplateId", self.template_id())?;
        s.serialize_field("TemplateName", self.template_name())?;
        s.serialize_field("Status", &self.status)?;
        let output = OutputWire {
            storage_type: self.storage_type(),
            endpoint: self.endpoint().into(),
            bucket: self.bucket().into(),
        };
        s.serialize_field("SnapshotOutput", &output)?;
        s.serialize_field("TimeInterval", &self.time_interval)?;
        s.serialize_field("CreateTime", &self.create_time)?;
        s.end()
    }
}

impl<'de> Deserialize<'de> for Job {
    /// Reads a `JobList` entry (an object, not an array), checking every field as
    /// [`JobBuilder::build`] does.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        from_map_only::<D, JobWire<'de>>(deserializer)?
            .into_job()
            .map_err(de::Error::custom)
    }
}
