//! The server's load generator: 16 keep-alive connections on loopback send signed listings
//! for a fixed time, with and without a concurrent stream of submissions, to the server as it
//! is (listings answered by the index) and to the same server answering them with SQL
//! queries (`ListFrom::Sqlite`), on the same database, in the same run.
//!
//! ```text
//! cargo run --release -p snapjobs-server --example load -- [--jobs N] [--seconds S] [--connections C]
//! ```
//!
//! Defaults: 10^6 jobs (realistic names, created over the last 30 days), 3 s a phase, 16
//! connections. Three servers on the same database: the server as it is (which keeps the
//! keywords of slow listings, see `Service`), the same keeping no keyword (every keyword
//! listing as costly as the first time it is asked), and the SQL-answering peer. Before
//! timing, every listing is asked of all three and their answers compared. Bounded: each phase stops after its time (or 10^6 requests a connection), and
//! the whole run after its phases; the database lives in a temporary directory, removed at
//! the end. Prints a Markdown table.

#[path = "../../benches/support/synth.rs"]
mod synth;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use snapjobs::Timestamp;
use snapjobs_server::client::{ApiRequest, Connection, Credentials, acs_date};
use snapjobs_server::http::{Background, unix_now};
use snapjobs_server::store::{JobExtras, Store, StoredJob};
use snapjobs_server::{AccessKeys, ListFrom, Service};

const KEYS: &str = "AK-LOAD load-secret account-load\n";
const MAX_REQUESTS_PER_CONNECTION: usize = 1_000_000;

/// One listing's parameters.
type Params = Vec<(String, String)>;

struct Options {
    jobs: usize,
    seconds: f64,
    connections: usize,
}

fn options() -> Options {
    let mut options = Options {
        jobs: 1_000_000,
        seconds: 3.0,
        connections: 16,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().unwrap_or_default();
        match arg.as_str() {
            "--jobs" => options.jobs = value.parse().expect("--jobs N"),
            "--seconds" => options.seconds = value.parse().expect("--seconds S"),
            "--connections" => options.connections = value.parse().expect("--connections C"),
            _ => panic!("unknown argument {arg}"),
        }
    }
    options
}

fn credentials() -> Credentials {
    Credentials {
        access_key_id: "AK-LOAD".to_owned(),
        secret: "load-secret".to_owned(),
    }
}

/// A scenario: its listings, and how connections go through them.
struct Scenario {
    name: &'static str,
    /// For a distinct scenario, the compared ones only (the rest come from
    /// [`distinct_listing`]).
    listings: Arc<Vec<Params>>,
    /// Whether every request of a phase asks a listing no other request of the server asked
    /// (the first [`COMPARED`] are asked only in the comparison), from [`distinct_listing`];
    /// otherwise each connection cycles through `listings`.
    distinct: bool,
}

/// How many listings of a distinct scenario are compared between the servers.
const COMPARED: usize = 16;

/// Listing `at` of the distinct scenario: a stream as the names have it
/// (`cctv5-sports-live-0042`) after its channel's last digit, `5-sports-live-0042`: 10
/// digits, 16 topics and 10,000 stream numbers, 1.6 million keywords of 15 to 21 bytes, each
/// matching a job or none: a user looking for one stream. Past those, they repeat.
fn distinct_listing(at: usize) -> Params {
    let topic = synth::TOPICS.get((at / 10) % 16).copied().unwrap_or("news");
    let keyword = format!("{}-{topic}-live-{:04}", at % 10, (at / 160) % 10_000);
    vec![("SearchKeyWord".to_owned(), keyword)]
}

/// The scenarios.
fn scenarios(now: i64) -> Vec<Scenario> {
    let date = |days: i64| acs_date(now - days * 86_400);
    let owned = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    };
    let window: Vec<Params> = (0..4)
        .map(|w| {
            let (start, end) = (date(7 * w + 7), date(7 * w));
            owned(&[("StartTime", &start), ("EndTime", &end)])
        })
        .collect();
    let status = ["started", "paused", "init"]
        .iter()
        .flat_map(|s| {
            let (start, end) = (date(30), date(0));
            [
                owned(&[("StartTime", &start), ("EndTime", &end), ("Status", s)]),
                owned(&[("Status", s), ("PageNo", "20"), ("PageSize", "20")]),
            ]
        })
        .collect();
    let keyword = ["cctv5", "news", "beijing", "hd", "sports-live", "weekly"]
        .iter()
        .map(|k| owned(&[("SearchKeyWord", k)]))
        .collect();
    let distinct = (0..COMPARED).map(distinct_listing).collect();
    vec![
        Scenario {
            name: "window (7 days, page 1)",
            listings: Arc::new(window),
            distinct: false,
        },
        Scenario {
            name: "status (30 days or 7, pages 1 and 20)",
            listings: Arc::new(status),
            distinct: false,
        },
        Scenario {
            name: "keyword (7 days, page 1)",
            listings: Arc::new(keyword),
            distinct: false,
        },
        Scenario {
            name: "keyword, a new one each request (7 days, page 1)",
            listings: Arc::new(distinct),
            distinct: true,
        },
    ]
}

fn build_database(path: &std::path::Path, jobs: usize, now: i64) {
    let mut store = Store::open(path).expect("open the database");
    let mut generator = synth::Generator::named(42, synth::Names::Realistic);
    let mut rng = synth::Rng::new(9);
    let mut batch = Vec::with_capacity(10_000);
    for i in 0..jobs as u64 {
        let at = now - 30 * 86_400 + rng.below(30 * 86_400) as i64;
        let job = generator.job_at(i, Timestamp::from_unix(at).expect("a time"));
        batch.push(StoredJob {
            account: "account-load".to_owned(),
            job,
            extras: JobExtras {
                stream_type: "rtmp".to_owned(),
                stream_url: format!("rtmp://example.com/live/{i}"),
                callback_url: String::new(),
                last_modified: at,
            },
        });
        if batch.len() == batch.capacity() {
            store.insert_many(&batch).expect("insert");
            batch.clear();
        }
    }
    store.insert_many(&batch).expect("insert");
}

fn list_request(params: &[(String, String)]) -> ApiRequest {
    let pairs: Vec<(&str, &str)> = params
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let mut request = ApiRequest::new(
        "GET",
        "ListLiveSnapshotJobs",
        &pairs,
        "127.0.0.1",
        &acs_date(unix_now()),
    );
    request.sign(&credentials());
    request
}

/// TotalCount and the page's JobIds.
fn answer(conn: &mut Connection, params: &[(String, String)]) -> (u64, Vec<String>) {
    let (status, body) = conn.send(&list_request(params)).expect("an answer");
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    let ids = json["JobList"]
        .as_array()
        .expect("JobList")
        .iter()
        .map(|j| j["JobId"].as_str().unwrap_or("").to_owned())
        .collect();
    (json["TotalCount"].as_u64().expect("TotalCount"), ids)
}

struct Phase {
    requests: usize,
    /// For a distinct scenario: how many listings from the first its connections went past.
    span: usize,
    p50: Duration,
    p99: Duration,
    submissions_per_second: f64,
    seconds: f64,
}

fn run_phase(
    addr: SocketAddr,
    scenario: &Scenario,
    first: usize,
    options: &Options,
    with_writes: bool,
) -> Phase {
    let stop = Arc::new(AtomicBool::new(false));
    let submitted = Arc::new(AtomicU64::new(0));
    let writer = with_writes.then(|| {
        let (stop, submitted) = (Arc::clone(&stop), Arc::clone(&submitted));
        std::thread::spawn(move || {
            let mut conn = Connection::connect(addr).expect("connect");
            let stream = r#"{"Type":"rtmp","Url":"rtmp://example.com/live/new"}"#;
            let output = r#"{"Bucket":"snapshots","Endpoint":"oss-cn-shanghai.aliyuncs.com","StorageType":"oss"}"#;
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let name = format!("cctv5-sports-live-{:04}", i % 10_000);
                let params = [
                    ("JobName", name.as_str()),
                    ("TemplateId", "tpl-01"),
                    ("StreamInput", stream),
                    ("SnapshotOutput", output),
                ];
                let mut request = ApiRequest::new(
                    "POST",
                    "SubmitLiveSnapshotJob",
                    &params,
                    "127.0.0.1",
                    &acs_date(unix_now()),
                );
                request.sign(&credentials());
                let (status, body) = conn.send(&request).expect("a submission's answer");
                assert_eq!(status, 200, "{body}");
                submitted.fetch_add(1, Ordering::Relaxed);
                i += 1;
            }
        })
    });
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(options.seconds);
    let threads: Vec<_> = (0..options.connections)
        .map(|c| {
            let listings = Arc::clone(&scenario.listings);
            let (distinct, connections) = (scenario.distinct, options.connections);
            std::thread::spawn(move || {
                let mut conn = Connection::connect(addr).expect("connect");
                let mut latencies = Vec::new();
                for i in 0..MAX_REQUESTS_PER_CONNECTION {
                    if Instant::now() >= deadline {
                        break;
                    }
                    let at = if distinct {
                        first + c + i * connections
                    } else {
                        c + i
                    };
                    let params = if distinct {
                        distinct_listing(at)
                    } else {
                        match listings.get(at % listings.len().max(1)) {
                            Some(params) => params.clone(),
                            None => break,
                        }
                    };
                    let request = list_request(&params);
                    let bytes = request.to_bytes();
                    let sent = Instant::now();
                    let (status, body) = conn.send_bytes(&bytes).expect("an answer");
                    latencies.push(sent.elapsed());
                    assert_eq!(status, 200, "{body}");
                }
                latencies
            })
        })
        .collect();
    let per_connection: Vec<Vec<Duration>> = threads
        .into_iter()
        .map(|t| t.join().expect("a connection thread"))
        .collect();
    let span = options.connections * per_connection.iter().map(Vec::len).max().unwrap_or(0);
    let mut latencies: Vec<Duration> = per_connection.into_iter().flatten().collect();
    let seconds = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    if let Some(writer) = writer {
        writer.join().expect("the writer");
    }
    latencies.sort();
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Phase {
        requests: latencies.len(),
        span,
        p50: at(0.50),
        p99: at(0.99),
        submissions_per_second: submitted.load(Ordering::Relaxed) as f64 / seconds,
        seconds,
    }
}

fn micros(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us >= 1000.0 {
        format!("{:.1} ms", us / 1000.0)
    } else {
        format!("{us:.0} µs")
    }
}

fn main() {
    let options = options();
    let dir = std::env::temp_dir().join(format!("snapjobs-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let db = dir.join("jobs.db");
    let now = unix_now();
    let t = Instant::now();
    build_database(&db, options.jobs, now);
    eprintln!(
        "database: {} jobs in {:.1} s",
        options.jobs,
        t.elapsed().as_secs_f64()
    );
    let keys = || AccessKeys::parse(KEYS).expect("keys");
    let t = Instant::now();
    let by_index = Background::start(Service::open(&db, keys(), ListFrom::Index).expect("open"))
        .expect("start");
    eprintln!("index server: loaded in {:.1} s", t.elapsed().as_secs_f64());
    let mut keeping_none = Service::open(&db, keys(), ListFrom::Index).expect("open");
    keeping_none.set_keep_after(Duration::MAX);
    let keeping_none = Background::start(keeping_none).expect("start");
    let by_sqlite = Background::start(Service::open(&db, keys(), ListFrom::Sqlite).expect("open"))
        .expect("start");

    let scenarios = scenarios(now);
    let mut connections: Vec<Connection> = [&by_index, &keeping_none, &by_sqlite]
        .iter()
        .map(|s| Connection::connect(s.addr).expect("connect"))
        .collect();
    for scenario in &scenarios {
        let compared = if scenario.distinct {
            COMPARED
        } else {
            usize::MAX
        };
        for params in scenario.listings.iter().take(compared) {
            let answers: Vec<_> = connections.iter_mut().map(|c| answer(c, params)).collect();
            assert!(
                answers.windows(2).all(|w| w[0] == w[1]),
                "{}: {params:?}",
                scenario.name
            );
        }
        eprintln!("{}: the three servers give the same answers", scenario.name);
    }
    drop(connections);

    println!("| server | listings | submissions | requests | list/s | p50 | p99 | submissions/s |");
    println!("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |");
    let servers = [
        ("index", &by_index),
        ("index, keeping no keyword", &keeping_none),
        ("SQLite", &by_sqlite),
    ];
    for (label, running) in servers {
        // A distinct scenario's phases take their listings in turn, after the compared ones.
        let mut first = COMPARED;
        for scenario in &scenarios {
            let name = scenario.name;
            for with_writes in [false, true] {
                let phase = run_phase(running.addr, scenario, first, &options, with_writes);
                if scenario.distinct {
                    first += phase.span;
                }
                let rate = phase.requests as f64 / phase.seconds;
                println!(
                    "| {label} | {name} | {} | {} | {rate:.0} | {} | {} | {} |",
                    if with_writes {
                        "as fast as they go"
                    } else {
                        "none"
                    },
                    phase.requests,
                    micros(phase.p50),
                    micros(phase.p99),
                    if with_writes {
                        format!("{:.0}", phase.submissions_per_second)
                    } else {
                        "-".to_owned()
                    },
                );
            }
        }
    }
    drop(by_index);
    drop(keeping_none);
    drop(by_sqlite);
    let _ = std::fs::remove_dir_all(&dir);
}
