//! [`Service`]: the server without its HTTP: authenticates a request, runs its action on the
//! caller's account, and gives the status and JSON to answer. Reads no clock (`now` is given).
//!
//! Each account has its own [`SharedIndex`]: listings read a snapshot, never waiting for a
//! write. A write is committed to the [`Store`] first, then applied to the account's index
//! and published; if the commit fails, nothing changes and the caller gets `InternalError`.

use std::collections::HashMap;
use std::sync::mpsc::{SyncSender, sync_channel};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use serde::Deserialize;
use snapjobs::{ApiError, Job, JobIndex, RawRequest, SharedIndex, Status, Timestamp, WriteError};

use crate::error::ServerError;
use crate::ids::new_id;
use crate::keys::AccessKeys;
use crate::nonces::NonceCache;
use crate::signature::{self, SignedRequest};
use crate::store::{JobExtras, Store, StoreError, StoredJob};

/// The API version every request must name.
pub const VERSION: &str = "2020-11-09";
/// How far `x-acs-date` may be from the server's clock, in seconds.
pub const MAX_CLOCK_SKEW: i64 = 15 * 60;
/// The largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// The longest `x-acs-signature-nonce` accepted, in bytes.
pub const MAX_NONCE_BYTES: usize = 256;
/// `TimeInterval` of a submitted job: the server has no templates to take it from.
pub const DEFAULT_TIME_INTERVAL: u32 = 5;
/// A keyword listing slower than this has its keyword kept (see [`Service`]).
pub const DEFAULT_KEEP_AFTER: Duration = Duration::from_micros(500);
/// Keywords waiting to be kept, at most; more are dropped (asked again, they come back).
const KEEP_QUEUE: usize = 64;
/// The slow keywords an account remembers having been asked once, most recent last.
const SLOW_ONCE: usize = 256;

/// Where `ListLiveSnapshotJobs` is answered from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListFrom {
    /// The account's in-memory index (the server's normal mode).
    Index,
    /// SQL queries on the database: the benchmarks' peer.
    Sqlite,
}

/// A request as the HTTP layer hands it over.
#[derive(Clone, Debug, Default)]
pub struct Incoming {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The URL's path.
    pub path: String,
    /// The raw query string (without `?`).
    pub query: String,
    /// Every header, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

/// The answer: an HTTP status and a JSON body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    /// The HTTP status.
    pub status: u16,
    /// The JSON body.
    pub body: String,
}

/// One account: its jobs' index and what `GetLiveSnapshotJob` needs beyond it.
#[derive(Debug)]
struct Account {
    index: SharedIndex,
    /// Invariant: one entry per job of `index`'s published state, by id (updated under the
    /// same writer, after the index's publish for an insert).
    extras: RwLock<HashMap<String, JobExtras>>,
    /// The last [`SLOW_ONCE`] keywords (ASCII-folded) whose listing was slow once, oldest
    /// first, each once. Held by readers only, for a slow listing's bookkeeping.
    slow_once: Mutex<std::collections::VecDeque<String>>,
}

impl Account {
    fn new(index: JobIndex, extras: HashMap<String, JobExtras>) -> Account {
        Account {
            index: SharedIndex::new(index),
            extras: RwLock::new(extras),
            slow_once: Mutex::new(std::collections::VecDeque::new()),
        }
    }

    /// Records a slow listing of `keyword`: true if it was slow once before (and is now
    /// forgotten here, to be kept), false if this is the first time. O(SLOW_ONCE).
    fn slow_again(&self, keyword: &str) -> bool {
        let folded = keyword.to_ascii_lowercase();
        let mut slow_once = lock(&self.slow_once);
        if let Some(at) = slow_once.iter().position(|k| *k == folded) {
            slow_once.remove(at);
            return true;
        }
        if slow_once.len() == SLOW_ONCE {
            slow_once.pop_front();
        }
        slow_once.push_back(folded);
        false
    }
}

/// The server's state.
///
/// **Kept keywords.** A listing whose keyword has 4 bytes or more is answered from the gram
/// lists or a scan of the names, which at 10^6 jobs can take milliseconds; a user paging
/// through its results asks it again. When such a listing takes longer than
/// [`DEFAULT_KEEP_AFTER`] for the second time (among the account's last 256 slow keywords:
/// a keyword asked once is not worth the scan that keeping costs), the keyword goes to a
/// background thread that keeps it in the account's index ([`snapjobs::IndexWriter::keep_keyword`]: its matches as lists of their
/// own, current under every write, so that its later listings cost O(log n + page)). The
/// reader never waits for this (a bounded queue, dropped when full); answers never change,
/// only their cost. The index bounds what is kept (16 keywords, 2^20 matches an account,
/// the oldest forgotten first).
#[derive(Debug)]
pub struct Service {
    keys: AccessKeys,
    nonces: Mutex<NonceCache>,
    /// Every account of the key file and of the database; fixed at start.
    accounts: HashMap<String, Arc<Account>>,
    /// To the keyword keeper's thread.
    keeper: SyncSender<(Arc<Account>, String)>,
    keep_after: Duration,
    /// The one connection that writes; writes to all accounts take it in turn.
    store: Mutex<Store>,
    /// Read connections for [`ListFrom::Sqlite`], reused.
    readers: Mutex<Vec<Store>>,
    path: std::path::PathBuf,
    list_from: ListFrom,
    host_id: String,
}

/// A failure to start: the database, or a job in it the index refuses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StartError {
    /// What failed.
    pub detail: String,
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail)
    }
}

impl std::error::Error for StartError {}

impl From<StoreError> for StartError {
    fn from(error: StoreError) -> StartError {
        StartError {
            detail: error.to_string(),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding these locks leaves no half-done state behind (each write is
    // committed or not), so a poisoned lock is still good to use.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Service {
    /// Opens the database at `path` (creating it if need be) and loads every account's jobs
    /// into its index.
    ///
    /// # Errors
    /// [`StartError`] if the database cannot be opened or read, or holds jobs the index
    /// refuses.
    pub fn open(
        path: &std::path::Path,
        keys: AccessKeys,
        list_from: ListFrom,
    ) -> Result<Service, StartError> {
        let store = Store::open(path)?;
        let mut by_account: HashMap<String, (Vec<Job>, HashMap<String, JobExtras>)> = keys
            .accounts()
            .into_iter()
            .map(|a| (a, Default::default()))
            .collect();
        for stored in store.load_all()? {
            let (jobs, extras) = by_account.entry(stored.account).or_default();
            extras.insert(stored.job.id().to_owned(), stored.extras);
            jobs.push(stored.job);
        }
        let mut accounts = HashMap::new();
        for (account, (jobs, extras)) in by_account {
            let mut index = JobIndex::new();
            index.load(jobs).map_err(|e| StartError {
                detail: format!("account {account}: {e}"),
            })?;
            accounts.insert(account, Arc::new(Account::new(index, extras)));
        }
        let (keeper, to_keep) = sync_channel::<(Arc<Account>, String)>(KEEP_QUEUE);
        // Ends when the service (the only sender) is dropped.
        std::thread::Builder::new()
            .name("keyword-keeper".to_owned())
            .spawn(move || {
                for (account, keyword) in to_keep {
                    let mut writer = account.index.writer();
                    let kept = writer
                        .index()
                        .kept_keywords()
                        .any(|(k, _)| k.eq_ignore_ascii_case(&keyword));
                    if !kept && writer.keep_keyword(&keyword) {
                        writer.publish();
                    }
                }
            })
            .map_err(|e| StartError {
                detail: format!("the keyword keeper's thread: {e}"),
            })?;
        Ok(Service {
            keys,
            nonces: Mutex::new(NonceCache::default()),
            accounts,
            keeper,
            keep_after: DEFAULT_KEEP_AFTER,
            store: Mutex::new(store),
            readers: Mutex::new(Vec::new()),
            path: path.to_owned(),
            list_from,
            host_id: "snapjobs-server".to_owned(),
        })
    }

    /// Sets how slow a keyword listing must be for its keyword to be kept
    /// ([`DEFAULT_KEEP_AFTER`] unless set; `Duration::MAX` keeps none).
    pub fn set_keep_after(&mut self, keep_after: Duration) {
        self.keep_after = keep_after;
    }

    /// The keywords an account's published index keeps, oldest first.
    pub fn kept_keywords(&self, account: &str) -> Vec<String> {
        self.accounts.get(account).map_or_else(Vec::new, |a| {
            a.index
                .snapshot()
                .kept_keywords()
                .map(|(k, _)| k.to_owned())
                .collect()
        })
    }

    /// The number of jobs an account holds (0 for an unknown one). O(1).
    pub fn job_count(&self, account: &str) -> usize {
        self.accounts
            .get(account)
            .map_or(0, |a| a.index.snapshot().len())
    }

    /// Whether answering `request` may wait on the database (a write, or a listing answered
    /// by SQL): the HTTP layer runs those off its event loop. O(headers).
    pub fn may_block(&self, request: &Incoming) -> bool {
        let action = request
            .headers
            .iter()
            .find(|(n, _)| n == "x-acs-action")
            .map_or("", |(_, v)| v.as_str());
        match action {
            "ListLiveSnapshotJobs" => self.list_from == ListFrom::Sqlite,
            "GetLiveSnapshotJob" => false,
            _ => true,
        }
    }

    /// Answers one request at time `now` (Unix seconds).
    pub fn handle(&self, request: &Incoming, now: i64) -> Outgoing {
        let request_id = new_id().to_ascii_uppercase();
        match self.answer(request, now, &request_id) {
            Ok(body) => Outgoing { status: 200, body },
            Err(error) => {
                if let ServerError::Internal { detail } = &error {
                    eprintln!("request {request_id}: {detail}");
                }
                Outgoing {
                    status: error.http_status(),
                    body: error.to_json(&request_id, &self.host_id),
                }
            }
        }
    }

    fn answer(
        &self,
        request: &Incoming,
        now: i64,
        request_id: &str,
    ) -> Result<String, ServerError> {
        if request.body.len() > MAX_BODY_BYTES {
            return Err(ServerError::BodyTooLarge {
                limit: MAX_BODY_BYTES,
            });
        }
        let query = decode_pairs(request.query.as_bytes());
        let signed = SignedRequest {
            method: &request.method,
            path: &request.path,
            query: &query,
            headers: &request.headers,
        };
        let account_name = self.authenticate(&signed, &request.body, now)?;
        let version = signature::header(&signed, "x-acs-version").unwrap_or("");
        if version != VERSION {
            return Err(ServerError::InvalidVersion {
                version: version.to_owned(),
            });
        }
        let action = signature::header(&signed, "x-acs-action").unwrap_or("");
        let mut params = query.clone();
        let is_form = signature::header(&signed, "content-type")
            .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
        if is_form {
            params.extend(decode_pairs(&request.body));
        }
        let not_found = || ServerError::ActionNotFound {
            action: action.to_owned(),
        };
        if request.path != "/" {
            return Err(not_found());
        }
        // Every account of the key file got an index at start, so this finds it.
        let account = self.accounts.get(account_name).ok_or_else(not_found)?;
        let call = Call {
            account_name,
            account,
            params: &params,
            now,
            request_id,
        };
        match (request.method.as_str(), action) {
            ("GET", "ListLiveSnapshotJobs") => self.list(&call),
            ("GET", "GetLiveSnapshotJob") => get(&call),
            ("POST", "SubmitLiveSnapshotJob") => self.submit(&call),
            ("POST", "SendLiveSnapshotJobCommand") => self.command(&call),
            _ => Err(not_found()),
        }
    }

    /// Checks the signature, date and nonce; returns the caller's account.
    fn authenticate<'k>(
        &'k self,
        request: &SignedRequest<'_>,
        body: &[u8],
        now: i64,
    ) -> Result<&'k str, ServerError> {
        let incomplete = |e: signature::SignatureError| match e {
            signature::SignatureError::Incomplete { reason } => {
                ServerError::IncompleteSignature { reason }
            }
            signature::SignatureError::Mismatch => ServerError::SignatureDoesNotMatch,
        };
        let header = signature::header(request, "authorization").ok_or_else(|| {
            ServerError::IncompleteSignature {
                reason: "there is no Authorization header".to_owned(),
            }
        })?;
        let authorization = signature::parse_authorization(header).map_err(incomplete)?;
        let key = self.keys.get(&authorization.access_key_id).ok_or_else(|| {
            ServerError::AccessKeyNotFound {
                access_key_id: authorization.access_key_id.clone(),
            }
        })?;
        signature::verify(request, body, &authorization, &key.secret).map_err(incomplete)?;
        let date_text = signature::header(request, "x-acs-date").unwrap_or("");
        let date = Timestamp::parse(date_text)
            .map(Timestamp::unix_seconds)
            .ok()
            .filter(|date| (date - now).abs() <= MAX_CLOCK_SKEW)
            .ok_or_else(|| ServerError::TimestampExpired {
                date: date_text.to_owned(),
            })?;
        let nonce = signature::header(request, "x-acs-signature-nonce").unwrap_or("");
        if nonce.is_empty() || nonce.len() > MAX_NONCE_BYTES {
            return Err(ServerError::IncompleteSignature {
                reason: format!("x-acs-signature-nonce must be 1 to {MAX_NONCE_BYTES} bytes"),
            });
        }
        // A nonce is remembered until its date leaves the window: a replay later than that
        // is refused for its date.
        if !lock(&self.nonces).insert(
            &authorization.access_key_id,
            nonce,
            now,
            date + MAX_CLOCK_SKEW,
        ) {
            return Err(ServerError::NonceUsed {
                nonce: nonce.to_owned(),
            });
        }
        Ok(&key.account)
    }

    fn list(&self, call: &Call<'_>) -> Result<String, ServerError> {
        let Call {
            account_name,
            account,
            params,
            now,
            request_id,
        } = *call;
        let mut raw = RawRequest::new();
        for (name, value) in params {
            raw.set(name, value);
        }
        let now = Timestamp::from_unix(now).map_err(|e| internal(e.to_string()))?;
        let query = raw.to_query(now).map_err(ServerError::Api)?;
        let json = match self.list_from {
            ListFrom::Index => {
                let snapshot = account.index.snapshot();
                let started = Instant::now();
                let page = snapshot.list(&query);
                if let Some(keyword) = query.keyword()
                    && keyword.len() >= 4
                    && started.elapsed() >= self.keep_after
                    && !snapshot
                        .kept_keywords()
                        .any(|(k, _)| k.eq_ignore_ascii_case(keyword))
                    && account.slow_again(keyword)
                {
                    // Never waits: a full queue drops the keyword.
                    let _ = self
                        .keeper
                        .try_send((Arc::clone(account), keyword.to_owned()));
                }
                serde_json::to_string(&page.into_response(request_id, &query))
            }
            ListFrom::Sqlite => {
                let reader = lock(&self.readers).pop();
                let reader = match reader {
                    Some(reader) => reader,
                    None => Store::open(&self.path).map_err(|e| internal(e.detail))?,
                };
                let listed = reader.list(account_name, &query);
                lock(&self.readers).push(reader);
                let (jobs, total_count) = listed.map_err(|e| internal(e.detail))?;
                let page = snapjobs::Page {
                    jobs: jobs.iter().collect(),
                    total_count,
                };
                serde_json::to_string(&page.into_response(request_id, &query))
            }
        };
        json.map_err(|e| internal(e.to_string()))
    }

    fn submit(&self, call: &Call<'_>) -> Result<String, ServerError> {
        let Call {
            account_name,
            account,
            params,
            now,
            request_id,
        } = *call;
        let job_name = required(params, "JobName")?;
        let template_id = required(params, "TemplateId")?;
        let stream: StreamInputWire = json_param(params, "StreamInput")?;
        let output: SnapshotOutputWire = json_param(params, "SnapshotOutput")?;
        let callback_url = param(params, "CallbackUrl").unwrap_or("");
        if stream.kind != "rtmp" {
            return Err(invalid("StreamInput.Type", "it must be rtmp"));
        }
        if stream.url.is_empty() {
            return Err(ServerError::Api(ApiError::missing_parameter(
                "StreamInput.Url",
            )));
        }
        if output.storage_type.as_deref().is_some_and(|t| t != "oss") {
            return Err(invalid("SnapshotOutput.StorageType", "it must be oss"));
        }
        let created = Timestamp::from_unix(now).map_err(|e| internal(e.to_string()))?;
        let job = Job::builder(&new_id(), created)
            .name(job_name)
            .template(template_id, "")
            .status(Status::Init)
            .output(&output.endpoint, &output.bucket)
            .time_interval(DEFAULT_TIME_INTERVAL)
            .build()
            .map_err(write_error)?;
        let job_id = job.id().to_owned();
        let extras = JobExtras {
            stream_type: stream.kind,
            stream_url: stream.url,
            callback_url: callback_url.to_owned(),
            last_modified: now,
        };
        let store = lock(&self.store);
        let mut writer = account.index.writer();
        if writer.index().len() >= writer.index().max_jobs() {
            return Err(ServerError::JobLimitExceeded {
                limit: writer.index().max_jobs(),
            });
        }
        let stored = StoredJob {
            account: account_name.to_owned(),
            job,
            extras,
        };
        store.insert(&stored).map_err(|e| internal(e.detail))?;
        if let Err(error) = writer.insert(stored.job) {
            // Committed but refused by the index (a repeated id): undo the commit.
            store
                .remove(account_name, &job_id)
                .map_err(|e| internal(e.detail))?;
            return Err(write_error(error));
        }
        write_extras(account).insert(job_id.clone(), stored.extras);
        writer.publish();
        Ok(serde_json::json!({ "RequestId": request_id, "JobId": job_id }).to_string())
    }

    fn command(&self, call: &Call<'_>) -> Result<String, ServerError> {
        let Call {
            account_name,
            account,
            params,
            now,
            request_id,
        } = *call;
        let job_id = required(params, "JobId")?;
        let command = required(params, "Command")?;
        let store = lock(&self.store);
        let mut writer = account.index.writer();
        let current = writer.index().get(job_id).map(Job::status).ok_or_else(|| {
            ServerError::JobNotFound {
                job_id: job_id.to_owned(),
            }
        })?;
        let status = match (command, current) {
            ("start", Status::Started) => {
                return Err(ServerError::JobAlreadyStarted {
                    job_id: job_id.to_owned(),
                });
            }
            ("start" | "restart", _) => Status::Started,
            ("stop", _) => Status::Paused,
            _ => return Err(invalid("Command", "it must be start, stop or restart")),
        };
        if !store
            .set_status(account_name, job_id, status, now)
            .map_err(|e| internal(e.detail))?
        {
            return Err(internal(format!(
                "job {job_id} is in the index but not the database"
            )));
        }
        writer.set_status(job_id, status).map_err(write_error)?;
        if let Some(extras) = write_extras(account).get_mut(job_id) {
            extras.last_modified = now;
        }
        writer.publish();
        Ok(serde_json::json!({ "RequestId": request_id }).to_string())
    }
}

/// An authenticated request of an action: the caller's account, the parameters (query, then
/// form body), the server's clock and the request's id.
#[derive(Clone, Copy)]
struct Call<'a> {
    account_name: &'a str,
    account: &'a Arc<Account>,
    params: &'a [(String, String)],
    now: i64,
    request_id: &'a str,
}

fn write_extras(account: &Account) -> std::sync::RwLockWriteGuard<'_, HashMap<String, JobExtras>> {
    account
        .extras
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn get(call: &Call<'_>) -> Result<String, ServerError> {
    let Call {
        account,
        params,
        request_id,
        ..
    } = *call;
    let job_id = required(params, "JobId")?;
    let snapshot = account.index.snapshot();
    let not_found = || ServerError::JobNotFound {
        job_id: job_id.to_owned(),
    };
    let job = snapshot.get(job_id).ok_or_else(not_found)?;
    let extras = account
        .extras
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .get(job_id)
        .cloned()
        .ok_or_else(not_found)?;
    let last_modified = Timestamp::from_unix(extras.last_modified).unwrap_or(job.create_time());
    Ok(serde_json::json!({
        "RequestId": request_id,
        "JobId": job.id(),
        "JobName": job.name(),
        "TemplateId": job.template_id(),
        "TemplateName": job.template_name(),
        "Status": job.status().as_str(),
        "TimeInterval": job.time_interval(),
        "CallbackUrl": extras.callback_url,
        "StreamInput": { "Type": extras.stream_type, "Url": extras.stream_url },
        "SnapshotOutput": job.output(),
        "CreateTime": job.create_time(),
        "LastModified": last_modified,
    })
    .to_string())
}

#[derive(Deserialize)]
struct StreamInputWire {
    #[serde(rename = "Type", default)]
    kind: String,
    #[serde(rename = "Url", default)]
    url: String,
}

#[derive(Deserialize)]
struct SnapshotOutputWire {
    #[serde(rename = "StorageType", default)]
    storage_type: Option<String>,
    #[serde(rename = "Endpoint", default)]
    endpoint: String,
    #[serde(rename = "Bucket", default)]
    bucket: String,
}

/// Percent-decodes `a=b&c=d` (`+` is a space).
pub fn decode_pairs(text: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(text)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn param<'p>(params: &'p [(String, String)], name: &str) -> Option<&'p str> {
    params
        .iter()
        .rev()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn required<'p>(params: &'p [(String, String)], name: &str) -> Result<&'p str, ServerError> {
    param(params, name)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ServerError::Api(ApiError::missing_parameter(name)))
}

fn json_param<T: for<'de> Deserialize<'de>>(
    params: &[(String, String)],
    name: &str,
) -> Result<T, ServerError> {
    serde_json::from_str(required(params, name)?)
        .map_err(|_| invalid(name, "it must be a JSON object of the documented fields"))
}

fn invalid(name: &str, allowed: &str) -> ServerError {
    ServerError::Api(ApiError::invalid_parameter(name, allowed))
}

fn internal(detail: String) -> ServerError {
    ServerError::Internal { detail }
}

/// A write the index refused, as the API's error.
fn write_error(error: WriteError) -> ServerError {
    match error {
        WriteError::InvalidField { field, rule } => {
            invalid(&field.to_string(), &format!("it must be {rule}"))
        }
        WriteError::CapacityExceeded { limit } => ServerError::JobLimitExceeded { limit },
        WriteError::UnknownJobId { id } => ServerError::JobNotFound { job_id: id },
        other => internal(other.to_string()),
    }
}
