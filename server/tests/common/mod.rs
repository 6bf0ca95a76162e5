//! Helpers for the server's tests: temporary files, a key file, a server run in-process on a
//! free port, and signed calls.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

use snapjobs_server::client::{ApiRequest, Connection, Credentials, acs_date, encode_pairs};
use snapjobs_server::http::{Background, unix_now};
use snapjobs_server::{AccessKeys, Incoming, ListFrom, Service};

/// Two keys of account A, one of account B.
pub const KEYS: &str = "\
# test keys
AK-A1 secret-a1 account-a
AK-A2 secret-a2 account-a
AK-B1 secret-b1 account-b
";

pub fn key(id: &str) -> Credentials {
    let secret = KEYS
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{id} ")))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or("no-such-secret");
    Credentials {
        access_key_id: id.to_owned(),
        secret: secret.to_owned(),
    }
}

/// A fresh directory under the system's temporary one, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicU64 = AtomicU64::new(0);
        let path = std::env::temp_dir().join(format!(
            "snapjobs-server-{tag}-{}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed),
            unix_now()
        ));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn open_service(db: &std::path::Path, list_from: ListFrom) -> Service {
    Service::open(db, AccessKeys::parse(KEYS).unwrap(), list_from).unwrap()
}

/// A server on a free loopback port, stopped when dropped.
pub struct TestServer(Background);

impl std::ops::Deref for TestServer {
    type Target = Background;

    fn deref(&self) -> &Background {
        &self.0
    }
}

impl TestServer {
    pub fn start(service: Service) -> TestServer {
        TestServer(Background::start(service).unwrap())
    }

    pub fn connect(&self) -> Connection {
        Connection::connect(self.addr).unwrap()
    }
}

/// A request for `action`, signed by `key`, dated now.
pub fn signed(
    method: &str,
    action: &str,
    params: &[(&str, &str)],
    key: &Credentials,
) -> ApiRequest {
    let mut request = ApiRequest::new(method, action, params, "127.0.0.1", &acs_date(unix_now()));
    request.sign(key);
    request
}

/// The request as the HTTP layer would hand it to the service.
pub fn incoming(request: &ApiRequest) -> Incoming {
    Incoming {
        method: request.method.clone(),
        path: request.path.clone(),
        query: encode_pairs(&request.query),
        headers: request.headers.clone(),
        body: request.body.clone(),
    }
}

/// Sends and parses the JSON answer.
pub fn call(conn: &mut Connection, request: &ApiRequest) -> (u16, serde_json::Value) {
    let (status, body) = conn.send(request).unwrap();
    let json = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
    (status, json)
}

/// Submits a job named `name` for `key`'s account; returns its JobId.
pub fn submit(conn: &mut Connection, key: &Credentials, name: &str) -> String {
    let (status, json) = call(
        conn,
        &signed("POST", "SubmitLiveSnapshotJob", &submit_params(name), key),
    );
    assert_eq!(status, 200, "{json}");
    json["JobId"].as_str().unwrap().to_owned()
}

pub fn submit_params(name: &str) -> Vec<(&str, &str)> {
    vec![
        ("JobName", name),
        ("TemplateId", "tpl-1"),
        ("CallbackUrl", "http://example.com/cb"),
        (
            "StreamInput",
            r#"{"Type":"rtmp","Url":"rtmp://example.com/live/s1"}"#,
        ),
        (
            "SnapshotOutput",
            r#"{"Bucket":"b1","Endpoint":"oss-cn-shanghai.aliyuncs.com","StorageType":"oss"}"#,
        ),
    ]
}

/// Every JobId of `key`'s account listed with `params`, paging 100 at a time, and the
/// TotalCount each page gave.
pub fn list_all(
    conn: &mut Connection,
    key: &Credentials,
    params: &[(&str, &str)],
) -> (Vec<String>, Vec<u64>) {
    let (mut ids, mut totals) = (Vec::new(), Vec::new());
    for page in 1.. {
        let page_no = page.to_string();
        let mut all: Vec<(&str, &str)> = params.to_vec();
        all.push(("PageNo", &page_no));
        all.push(("PageSize", "100"));
        let (status, json) = call(conn, &signed("GET", "ListLiveSnapshotJobs", &all, key));
        assert_eq!(status, 200, "{json}");
        totals.push(json["TotalCount"].as_u64().unwrap());
        let jobs = json["JobList"].as_array().unwrap();
        if jobs.is_empty() {
            break;
        }
        ids.extend(jobs.iter().map(|j| j["JobId"].as_str().unwrap().to_owned()));
    }
    (ids, totals)
}

/// Starts the server binary on a free port with the test keys and `dir`'s database, and
/// `extra` arguments; returns it and the address it printed.
pub fn spawn_server(dir: &TempDir, extra: &[&str]) -> (Child, SocketAddr) {
    let keys = dir.file("keys.txt");
    std::fs::write(&keys, KEYS).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_snapjobs-server"))
        .args(["--listen", "127.0.0.1:0", "--access-keys"])
        .arg(&keys)
        .arg("--data")
        .arg(dir.file("jobs.db"))
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .parse()
        .unwrap();
    (child, addr)
}
