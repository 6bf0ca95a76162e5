//! The library at scale: an index of 10^6 generated jobs answering real API requests.
//!
//! ```text
//! cargo run --release --example demo [-- JOBS [synthetic|realistic] [churn]]
//! ```
//!
//! Loads the jobs (printing the time taken and the bytes per job), then answers a handful of
//! `ListLiveSnapshotJobs` query strings, printing each response (its job list cut to 3
//! entries) and the time the answer took. With `churn`, it then retires the oldest job and
//! submits a new one, JOBS times, one at a time, as a server does over a retention period,
//! and prints the bytes per job and resident memory again.

#[path = "../benches/support/synth.rs"]
mod synth;

use std::time::Instant;

use snapjobs::{JobIndex, RawRequest};

/// Resident memory of this process in bytes, if the system tells (Linux).
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = match std::env::args().nth(1) {
        Some(arg) => arg.parse()?,
        None => 1_000_000,
    };
    let names = match std::env::args().nth(2).as_deref() {
        None | Some("synthetic") => synth::Names::Synthetic,
        Some("realistic") => synth::Names::Realistic,
        Some(other) => return Err(format!("names: synthetic or realistic, not {other:?}").into()),
    };
    eprint!("generating {n} jobs with {} names... ", names.label());
    let started = Instant::now();
    let jobs = synth::named_jobs(n, 42, names);
    let churn = std::env::args().nth(3).as_deref() == Some("churn");
    let mut oldest_first: Vec<(snapjobs::Timestamp, String)> = if churn {
        jobs.iter()
            .map(|job| (job.create_time(), job.id().to_string()))
            .collect()
    } else {
        Vec::new()
    };
    oldest_first.sort();
    let name_bytes: usize = jobs.iter().map(|job| job.name().len()).sum();
    eprintln!(
        "{:.2?} ({:.1} bytes a name on average)",
        started.elapsed(),
        name_bytes as f64 / jobs.len().max(1) as f64
    );

    eprint!("loading them into the index... ");
    let rss_before = resident_bytes();
    let started = Instant::now();
    let mut index = JobIndex::new();
    index.load(jobs)?;
    let took = started.elapsed();
    let rss_after = resident_bytes();
    eprintln!(
        "{took:.2?}: {} jobs, {} bytes per job by the index's accounting{}",
        index.len(),
        index.heap_bytes() / index.len().max(1),
        match (rss_before, rss_after) {
            // The jobs were already resident before the load; the difference is the index's
            // structures (the jobs moved into it, not copied).
            (Some(before), Some(after)) => format!(
                ", resident memory {} MiB (+{} MiB for the index's structures)",
                after / (1 << 20),
                after.saturating_sub(before) / (1 << 20)
            ),
            _ => String::new(),
        }
    );

    let now = synth::day(180);
    let requests = [
        // The last week, newest first (every default).
        String::new(),
        // 30 days of paused jobs, deep in the listing.
        format!(
            "StartTime={}&EndTime={}&Status=paused&PageNo=1000&PageSize=10",
            synth::day(100),
            synth::day(130)
        ),
        // A keyword, ASCII case-insensitive.
        format!(
            "StartTime={}&EndTime={}&SearchKeyWord=BEIJING&PageSize=3",
            synth::day(150),
            synth::day(180)
        ),
        // A Chinese keyword, oldest first.
        format!(
            "StartTime={}&EndTime={}&SearchKeyWord=%E7%9B%B4%E6%92%AD&SortBy=asc",
            synth::day(170),
            synth::day(180)
        ),
        // Two words.
        format!(
            "StartTime={}&EndTime={}&SearchKeyWord=live-news&Status=started",
            synth::day(150),
            synth::day(180)
        ),
        // A request the API refuses.
        format!("StartTime={}&EndTime={}", synth::day(100), synth::day(140)),
    ];
    for (i, request) in requests.iter().enumerate() {
        let request = request.replace(':', "%3A");
        let request_id = format!("demo-{i}");
        let started = Instant::now();
        let answer = RawRequest::from_query_string(&request)
            .to_query(now)
            .map(|query| {
                let page = index.list(&query);
                (page, query)
            });
        let took = started.elapsed();
        println!("\nGET ?{request}");
        match answer {
            Ok((mut page, query)) => {
                let on_page = page.jobs.len();
                page.jobs.truncate(3);
                let response = page.into_response(&request_id, &query);
                println!("{}", serde_json::to_string_pretty(&response)?);
                println!("answered in {took:.2?} ({on_page} jobs on the page, at most 3 shown)");
            }
            Err(error) => {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&error.with_request_id(&request_id))?
                );
                println!("refused in {took:.2?} (HTTP {})", error.http_status());
            }
        }
    }
    if churn {
        eprint!("\nretiring the oldest job and submitting a new one, {n} times... ");
        let mut generator = synth::Generator::named(43, names);
        let started = Instant::now();
        for (i, (_, id)) in oldest_first.iter().enumerate() {
            index.remove(id)?;
            let at = now.saturating_add_seconds(i as i64);
            index.insert(generator.job_at(u64::MAX - i as u64, at))?;
        }
        eprintln!(
            "{:.2?}: {} jobs, {} bytes per job by the index's accounting{}",
            started.elapsed(),
            index.len(),
            index.heap_bytes() / index.len().max(1),
            resident_bytes().map_or_else(String::new, |rss| format!(
                ", resident memory {} MiB",
                rss / (1 << 20)
            ))
        );
    }
    Ok(())
}
