//! [`Store`]: the system of record, a SQLite database in WAL mode. A write returns once it is
//! committed (`synchronous = FULL`: durable through a crash of the process or the machine);
//! the server acknowledges it only then.

use std::path::Path;

use rusqlite::{Connection, params, params_from_iter, types::Value};
use snapjobs::{Job, Query, SortBy, Status, Timestamp};

/// What the server keeps of a job beyond the index's fields, for `GetLiveSnapshotJob`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobExtras {
    /// `StreamInput.Type` (`rtmp`).
    pub stream_type: String,
    /// `StreamInput.Url`.
    pub stream_url: String,
    /// `CallbackUrl` (may be empty).
    pub callback_url: String,
    /// `LastModified`, Unix seconds.
    pub last_modified: i64,
}

/// A job as stored: the index's job and the rest.
#[derive(Clone, Debug)]
pub struct StoredJob {
    /// The account it belongs to.
    pub account: String,
    /// The fields the index holds.
    pub job: Job,
    /// The rest.
    pub extras: JobExtras,
}

/// A database failure, with SQLite's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreError {
    /// What failed.
    pub detail: String,
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "database: {}", self.detail)
    }
}

impl std::error::Error for StoreError {}

fn failed(error: impl std::fmt::Display) -> StoreError {
    StoreError {
        detail: error.to_string(),
    }
}

const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS jobs (
        account TEXT NOT NULL,
        job_id TEXT NOT NULL,
        job_name TEXT NOT NULL,
        template_id TEXT NOT NULL,
        template_name TEXT NOT NULL,
        status TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        bucket TEXT NOT NULL,
        time_interval INTEGER NOT NULL,
        create_time INTEGER NOT NULL,
        last_modified INTEGER NOT NULL,
        stream_type TEXT NOT NULL,
        stream_url TEXT NOT NULL,
        callback_url TEXT NOT NULL,
        PRIMARY KEY (account, job_id)
    );
    CREATE INDEX IF NOT EXISTS jobs_by_time ON jobs(account, create_time, job_id);
    CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs(account, status, create_time, job_id);";

const COLUMNS: &str = "account, job_id, job_name, template_id, template_name, status, endpoint, \
     bucket, time_interval, create_time, last_modified, stream_type, stream_url, callback_url";

/// One connection to the database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating if need be) the database at `path`, in WAL mode.
    ///
    /// # Errors
    /// [`StoreError`] if the file cannot be opened or is not this server's database.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let conn = Connection::open(path).map_err(failed)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(failed)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(failed)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(failed)?;
        conn.execute_batch(SCHEMA).map_err(failed)?;
        Ok(Store { conn })
    }

    /// Commits a new job. O(log n).
    ///
    /// # Errors
    /// [`StoreError`] if it is not committed (a job with its id in the account included).
    pub fn insert(&self, stored: &StoredJob) -> Result<(), StoreError> {
        insert_row(&self.conn, stored)
    }

    /// Commits many new jobs in one transaction: all or none. O(k log n).
    ///
    /// # Errors
    /// [`StoreError`] if they are not committed; then none is.
    pub fn insert_many(&mut self, jobs: &[StoredJob]) -> Result<(), StoreError> {
        let transaction = self.conn.transaction().map_err(failed)?;
        for stored in jobs {
            insert_row(&transaction, stored)?;
        }
        transaction.commit().map_err(failed)
    }

    /// Commits a job's new status. Returns whether the job was there. O(log n).
    ///
    /// # Errors
    /// [`StoreError`] if it is not committed.
    pub fn set_status(
        &self,
        account: &str,
        job_id: &str,
        status: Status,
        last_modified: i64,
    ) -> Result<bool, StoreError> {
        self.conn
            .prepare_cached(
                "UPDATE jobs SET status = ?3, last_modified = ?4 WHERE account = ?1 AND job_id = ?2",
            )
            .and_then(|mut update| {
                update.execute(params![account, job_id, status.as_str(), last_modified])
            })
            .map(|changed| changed == 1)
            .map_err(failed)
    }

    /// Removes a job (an insert the index refused after its commit). O(log n).
    ///
    /// # Errors
    /// [`StoreError`] if it is not committed.
    pub fn remove(&self, account: &str, job_id: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "DELETE FROM jobs WHERE account = ?1 AND job_id = ?2",
                params![account, job_id],
            )
            .map(drop)
            .map_err(failed)
    }

    /// Every job of every account, oldest first. O(n).
    ///
    /// # Errors
    /// [`StoreError`] if the database cannot be read or holds a job the index's rules refuse.
    pub fn load_all(&self) -> Result<Vec<StoredJob>, StoreError> {
        let mut select = self
            .conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM jobs ORDER BY account, create_time, job_id"
            ))
            .map_err(failed)?;
        let rows = select.query_map([], read_row).map_err(failed)?;
        rows.map(|row| row.map_err(failed).and_then(|r| r))
            .collect()
    }

    /// A listing answered by SQL, as a server without the index would (the benchmarks' peer):
    /// the page and the total, with the contract's filter and order. O(rows in the window).
    ///
    /// # Errors
    /// [`StoreError`] if the database cannot be read.
    pub fn list(&self, account: &str, query: &Query) -> Result<(Vec<Job>, u64), StoreError> {
        let mut filter = String::from("account = ? AND create_time BETWEEN ? AND ?");
        let mut values: Vec<Value> = vec![
            account.to_owned().into(),
            query.start().unix_seconds().into(),
            query.end().unix_seconds().into(),
        ];
        if let Some(status) = query.status() {
            filter.push_str(" AND status = ?");
            values.push(status.as_str().to_owned().into());
        }
        if let Some(keyword) = query.keyword() {
            // SQLite's lower() folds ASCII letters only, as the contract does.
            filter.push_str(" AND (job_id = ? OR instr(lower(job_name), ?) > 0)");
            values.push(keyword.to_owned().into());
            values.push(keyword.to_ascii_lowercase().into());
        }
        let order = match query.sort_by() {
            SortBy::Asc => "create_time ASC, job_id ASC",
            SortBy::Desc => "create_time DESC, job_id DESC",
        };
        let mut page_values = values.clone();
        page_values.push(i64::from(query.page_size()).into());
        page_values.push(i64::try_from(query.offset()).unwrap_or(i64::MAX).into());
        let mut page = self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM jobs WHERE {filter} ORDER BY {order} LIMIT ? OFFSET ?"
            ))
            .map_err(failed)?;
        let jobs = page
            .query_map(params_from_iter(page_values), read_row)
            .map_err(failed)?
            .map(|row| row.map_err(failed).and_then(|r| r.map(|s| s.job)))
            .collect::<Result<Vec<Job>, StoreError>>()?;
        let total: i64 = self
            .conn
            .prepare_cached(&format!("SELECT COUNT(*) FROM jobs WHERE {filter}"))
            .and_then(|mut count| count.query_row(params_from_iter(values), |r| r.get(0)))
            .map_err(failed)?;
        Ok((jobs, u64::try_from(total).unwrap_or(0)))
    }
}

fn insert_row(conn: &Connection, stored: &StoredJob) -> Result<(), StoreError> {
    let (job, extras) = (&stored.job, &stored.extras);
    conn.prepare_cached(&format!(
        "INSERT INTO jobs ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
    ))
    .and_then(|mut insert| {
        insert.execute(params![
            stored.account,
            job.id(),
            job.name(),
            job.template_id(),
            job.template_name(),
            job.status().as_str(),
            job.endpoint(),
            job.bucket(),
            job.time_interval(),
            job.create_time().unix_seconds(),
            extras.last_modified,
            extras.stream_type,
            extras.stream_url,
            extras.callback_url,
        ])
    })
    .map(drop)
    .map_err(failed)
}

/// Reads a row of [`COLUMNS`]; the inner result is the index's verdict on its fields.
fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<StoredJob, StoreError>> {
    let account: String = r.get(0)?;
    let job_id: String = r.get(1)?;
    let status: String = r.get(5)?;
    let create_time: i64 = r.get(9)?;
    let time_interval: i64 = r.get(8)?;
    let extras = JobExtras {
        last_modified: r.get(10)?,
        stream_type: r.get(11)?,
        stream_url: r.get(12)?,
        callback_url: r.get(13)?,
    };
    let (name, template_id, template_name, endpoint, bucket): (
        String,
        String,
        String,
        String,
        String,
    ) = (r.get(2)?, r.get(3)?, r.get(4)?, r.get(6)?, r.get(7)?);
    let job = (|| {
        let status = Status::from_api(&status).ok_or_else(|| format!("status {status:?}"))?;
        let create_time = Timestamp::from_unix(create_time).map_err(|e| e.to_string())?;
        let time_interval = u32::try_from(time_interval).map_err(|e| e.to_string())?;
        Job::builder(&job_id, create_time)
            .name(&name)
            .template(&template_id, &template_name)
            .status(status)
            .output(&endpoint, &bucket)
            .time_interval(time_interval)
            .build()
            .map_err(|e| e.to_string())
    })();
    Ok(job
        .map(|job| StoredJob {
            account,
            job,
            extras,
        })
        .map_err(|reason| StoreError {
            detail: format!("job {job_id:?}: {reason}"),
        }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(account: &str, id: &str, at: i64) -> StoredJob {
        let job = Job::builder(id, Timestamp::from_unix(at).unwrap())
            .name(&format!("job {id}"))
            .output("oss-cn-shanghai.aliyuncs.com", "b")
            .build()
            .unwrap();
        StoredJob {
            account: account.to_owned(),
            job,
            extras: JobExtras {
                stream_type: "rtmp".to_owned(),
                stream_url: format!("rtmp://x/{id}"),
                callback_url: String::new(),
                last_modified: at,
            },
        }
    }

    fn ids(store: &Store) -> Vec<(String, String)> {
        store
            .load_all()
            .unwrap()
            .into_iter()
            .map(|s| (s.account, s.job.id().to_owned()))
            .collect()
    }

    #[test]
    fn writes_are_read_back_and_a_failed_batch_writes_nothing() {
        let path = std::env::temp_dir().join(format!("snapjobs-store-{}.db", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let mut store = Store::open(&path).unwrap();
        store
            .insert_many(&[
                stored("a", "j2", 20),
                stored("a", "j1", 10),
                stored("b", "j1", 5),
            ])
            .unwrap();
        assert_eq!(
            ids(&store),
            [
                ("a".into(), "j1".into()),
                ("a".into(), "j2".into()),
                ("b".into(), "j1".into())
            ]
        );
        // A batch with a repeated id fails whole.
        assert!(
            store
                .insert_many(&[stored("a", "j3", 30), stored("a", "j1", 40)])
                .is_err()
        );
        assert_eq!(ids(&store).len(), 3);
        assert!(
            store.insert(&stored("a", "j1", 50)).is_err(),
            "a repeated id"
        );
        store.remove("a", "j1").unwrap();
        assert_eq!(
            ids(&store),
            [("a".into(), "j2".into()), ("b".into(), "j1".into())]
        );
        assert!(store.set_status("b", "j1", Status::Started, 60).unwrap());
        assert!(
            !store.set_status("a", "j1", Status::Started, 60).unwrap(),
            "removed"
        );
        let b = store
            .load_all()
            .unwrap()
            .into_iter()
            .find(|s| s.account == "b")
            .unwrap();
        assert_eq!(
            (b.job.status(), b.extras.last_modified),
            (Status::Started, 60)
        );
        drop(store);
        let _ = std::fs::remove_file(&path);
    }
}
