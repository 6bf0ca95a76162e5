//! The SQLite peer: the same jobs in an in-memory SQLite database, queried the way a server
//! would (prepared statements, indexes on the query's columns), optionally with an FTS5
//! trigram index on the names.
#![allow(dead_code)]

use rusqlite::{Connection, params_from_iter, types::Value};
use snapjobs::{Job, Query, SortBy};

pub struct Sqlite {
    pub conn: Connection,
}

/// The database, queried with or without its FTS5 index.
pub struct View<'a> {
    pub db: &'a Sqlite,
    pub fts: bool,
}

/// One listed row, read as a server would read it.
#[derive(Debug)]
pub struct Row {
    pub job_id: String,
    pub name: String,
    pub template_id: String,
    pub template_name: String,
    pub status: String,
    pub endpoint: String,
    pub bucket: String,
    pub time_interval: i64,
    pub create_time: i64,
}

const SCHEMA: &str = "
    CREATE TABLE jobs (
        id INTEGER PRIMARY KEY,
        job_id TEXT NOT NULL,
        name TEXT NOT NULL,
        template_id TEXT NOT NULL,
        template_name TEXT NOT NULL,
        status TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        bucket TEXT NOT NULL,
        time_interval INTEGER NOT NULL,
        create_time INTEGER NOT NULL
    );";
const INDEXES: &str = "
    CREATE UNIQUE INDEX jobs_id ON jobs(job_id);
    CREATE INDEX jobs_time ON jobs(create_time, job_id);
    CREATE INDEX jobs_status_time ON jobs(status, create_time, job_id);";
const INSERT: &str = "INSERT INTO jobs (job_id, name, template_id, template_name, status, endpoint, bucket, time_interval, create_time) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

fn job_params(job: &Job) -> [Value; 9] {
    [
        job.id().to_owned().into(),
        job.name().to_owned().into(),
        job.template_id().to_owned().into(),
        job.template_name().to_owned().into(),
        job.status().as_str().to_owned().into(),
        job.endpoint().to_owned().into(),
        job.bucket().to_owned().into(),
        i64::from(job.time_interval()).into(),
        job.create_time().unix_seconds().into(),
    ]
}

/// Creates the table in `conn`, inserts `jobs` in one transaction, then indexes them.
fn fill(conn: &Connection, jobs: &[Job]) {
    conn.execute_batch(SCHEMA).unwrap();
    {
        let tx = conn.unchecked_transaction().unwrap();
        {
            let mut insert = tx.prepare(INSERT).unwrap();
            for job in jobs {
                insert.execute(params_from_iter(job_params(job))).unwrap();
            }
        }
        tx.commit().unwrap();
    }
    conn.execute_batch(INDEXES).unwrap();
}

impl Sqlite {
    /// A database holding `jobs`: rows inserted in one transaction, then indexed.
    pub fn load(jobs: &[Job], fts: bool) -> Sqlite {
        let conn = Connection::open_in_memory().unwrap();
        fill(&conn, jobs);
        if fts {
            // Names with ASCII letters folded, matched case-sensitively: exactly the API's rule.
            conn.execute_batch(
                "CREATE VIRTUAL TABLE names USING fts5(folded, tokenize = 'trigram case_sensitive 1');
                 INSERT INTO names (rowid, folded) SELECT id, lower(name) FROM jobs;",
            )
            .unwrap();
        }
        conn.execute_batch("ANALYZE;").unwrap();
        Sqlite { conn }
    }

    /// The same database in a file at `path`, in WAL mode (readers on their own connections
    /// see the last committed state while the writer commits).
    pub fn load_file(path: &std::path::Path, jobs: &[Job]) -> Sqlite {
        let conn = Connection::open(path).unwrap();
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
            .unwrap();
        fill(&conn, jobs);
        conn.execute_batch("ANALYZE;").unwrap();
        Sqlite { conn }
    }

    /// Another connection to the file database at `path`.
    pub fn open(path: &std::path::Path) -> Sqlite {
        let conn = Connection::open(path).unwrap();
        conn.execute_batch("PRAGMA synchronous = NORMAL;").unwrap();
        Sqlite { conn }
    }

    pub fn insert(&self, job: &Job) {
        self.conn
            .prepare_cached(INSERT)
            .unwrap()
            .execute(params_from_iter(job_params(job)))
            .unwrap();
    }

    pub fn remove(&self, id: &str) {
        self.conn
            .prepare_cached("DELETE FROM jobs WHERE job_id = ?")
            .unwrap()
            .execute([id])
            .unwrap();
    }

    pub fn set_status(&self, id: &str, status: &str) {
        self.conn
            .prepare_cached("UPDATE jobs SET status = ?2 WHERE job_id = ?1")
            .unwrap()
            .execute([id, status])
            .unwrap();
    }

    pub fn rename(&self, id: &str, name: &str) {
        self.conn
            .prepare_cached("UPDATE jobs SET name = ?2 WHERE job_id = ?1")
            .unwrap()
            .execute([id, name])
            .unwrap();
    }
}

impl View<'_> {
    /// The WHERE clause and its parameters for `query`.
    fn filter(&self, query: &Query) -> (String, Vec<Value>) {
        let mut sql = String::from("create_time BETWEEN ? AND ?");
        let mut params: Vec<Value> = vec![
            query.start().unix_seconds().into(),
            query.end().unix_seconds().into(),
        ];
        if let Some(status) = query.status() {
            sql.push_str(" AND status = ?");
            params.push(status.as_str().to_owned().into());
        }
        if let Some(keyword) = query.keyword() {
            let folded = keyword.to_ascii_lowercase();
            if self.fts && keyword.len() >= 3 {
                sql.push_str(
                    " AND (job_id = ? OR id IN (SELECT rowid FROM names WHERE names MATCH ?))",
                );
                params.push(keyword.to_owned().into());
                params.push(format!("\"{}\"", folded.replace('"', "\"\"")).into());
            } else {
                // SQLite's lower() folds ASCII letters only, as the API does.
                sql.push_str(" AND (job_id = ? OR instr(lower(name), ?) > 0)");
                params.push(keyword.to_owned().into());
                params.push(folded.into());
            }
        }
        (sql, params)
    }

    /// The page and the total, as two prepared statements.
    pub fn list(&self, query: &Query) -> (Vec<Row>, u64) {
        let (filter, params) = self.filter(query);
        let order = match query.sort_by() {
            SortBy::Asc => "create_time ASC, job_id ASC",
            SortBy::Desc => "create_time DESC, job_id DESC",
        };
        let page_sql = format!(
            "SELECT job_id, name, template_id, template_name, status, endpoint, bucket, time_interval, create_time
             FROM jobs WHERE {filter} ORDER BY {order} LIMIT ? OFFSET ?"
        );
        let mut page_params = params.clone();
        page_params.push(i64::from(query.page_size()).into());
        page_params.push(i64::try_from(query.offset()).unwrap_or(i64::MAX).into());
        let mut page = self.db.conn.prepare_cached(&page_sql).unwrap();
        let rows = page
            .query_map(params_from_iter(page_params), |r| {
                Ok(Row {
                    job_id: r.get(0)?,
                    name: r.get(1)?,
                    template_id: r.get(2)?,
                    template_name: r.get(3)?,
                    status: r.get(4)?,
                    endpoint: r.get(5)?,
                    bucket: r.get(6)?,
                    time_interval: r.get(7)?,
                    create_time: r.get(8)?,
                })
            })
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let mut count = self
            .db
            .conn
            .prepare_cached(&format!("SELECT COUNT(*) FROM jobs WHERE {filter}"))
            .unwrap();
        let total: i64 = count
            .query_row(params_from_iter(params), |r| r.get(0))
            .unwrap();
        (rows, total as u64)
    }
}
