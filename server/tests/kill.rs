//! The kill test: the server as a child process takes a stream of submissions, is killed
//! with SIGKILL part-way, and is started again on the same database: every acknowledged job
//! is listed, none twice, and at most the requests in flight at the kill added a job more.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;

const SUBMITTERS: usize = 4;

#[test]
fn every_acknowledged_job_survives_a_sigkill() {
    let dir = TempDir::new("kill");
    let (mut child, addr) = spawn_server(&dir, &[]);
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let submitters: Vec<_> = (0..SUBMITTERS)
        .map(|t| {
            let (acknowledged, stop) = (Arc::clone(&acknowledged), Arc::clone(&stop));
            std::thread::spawn(move || {
                let Ok(mut conn) = snapjobs_server::client::Connection::connect(addr) else {
                    return;
                };
                let a = key("AK-A1");
                for i in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let name = format!("kill-{t}-{i}");
                    let request =
                        signed("POST", "SubmitLiveSnapshotJob", &submit_params(&name), &a);
                    // The kill ends the connection: an error is an unacknowledged submission.
                    let Ok((200, body)) = conn.send(&request) else {
                        return;
                    };
                    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
                    acknowledged
                        .lock()
                        .unwrap()
                        .push(json["JobId"].as_str().unwrap().to_owned());
                }
            })
        })
        .collect();
    let started = Instant::now();
    // Until 300 are acknowledged, or every submitter has stopped (a refused submission ends
    // one), or a minute has passed.
    while acknowledged.lock().unwrap().len() < 300
        && submitters.iter().any(|s| !s.is_finished())
        && started.elapsed() < Duration::from_secs(60)
    {
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    for submitter in submitters {
        submitter.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= 300,
        "only {} acknowledged before the kill",
        acknowledged.len()
    );

    let (mut child, addr) = spawn_server(&dir, &[]);
    let mut conn = snapjobs_server::client::Connection::connect(addr).unwrap();
    let (listed, totals) = list_all(&mut conn, &key("AK-A1"), &[]);
    child.kill().unwrap();
    child.wait().unwrap();

    let unique: std::collections::HashSet<&String> = listed.iter().collect();
    assert_eq!(unique.len(), listed.len(), "a job listed twice");
    assert!(
        totals.iter().all(|&t| t == listed.len() as u64),
        "TotalCount {totals:?}"
    );
    let missing: Vec<&String> = acknowledged
        .iter()
        .filter(|id| !unique.contains(id))
        .collect();
    assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");
    assert!(
        listed.len() <= acknowledged.len() + SUBMITTERS,
        "{} listed, {} acknowledged, {SUBMITTERS} in flight at most",
        listed.len(),
        acknowledged.len()
    );
}
