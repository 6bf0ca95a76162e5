//! Answers one `ListLiveSnapshotJobs` request from a JSON Lines file of jobs.
//!
//! ```text
//! cargo run --release --example query -- JOBS.jsonl 'QUERY-STRING' [--now YYYY-MM-DDTHH:MM:SSZ] [--request-id ID]
//! ```
//!
//! Prints the API's JSON answer on stdout. Exit status: 0 for an answer (and for `--help`), 1
//! for an API error (its JSON on stdout), 2 for a bad jobs file or command line (a message on
//! stderr). `--now` defaults to the system clock; `--request-id` to `snapjobs-example`.
//!
//! The jobs file is read one line at a time ([`JobLines`]): only the jobs are held, never
//! the whole file's text.

use std::io::BufRead;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use snapjobs::{Job, JobIndex, JobLines, RawRequest, Timestamp};

const USAGE: &str =
    "usage: query JOBS.jsonl 'QUERY-STRING' [--now YYYY-MM-DDTHH:MM:SSZ] [--request-id ID]";

/// What the command line asks for.
enum Command {
    Help,
    Answer(Args),
}

struct Args {
    jobs_path: String,
    query_string: String,
    now: Option<String>,
    request_id: String,
}

fn parse_args() -> Result<Command, String> {
    let mut positional = Vec::new();
    let (mut now, mut request_id) = (None, "snapjobs-example".to_owned());
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--now" => now = Some(args.next().ok_or("--now needs a value")?),
            "--request-id" => request_id = args.next().ok_or("--request-id needs a value")?,
            "-h" | "--help" => return Ok(Command::Help),
            _ => positional.push(arg),
        }
    }
    match <[String; 2]>::try_from(positional) {
        Ok([jobs_path, query_string]) => Ok(Command::Answer(Args {
            jobs_path,
            query_string,
            now,
            request_id,
        })),
        Err(_) => Err(USAGE.to_owned()),
    }
}

fn system_now() -> Result<Timestamp, String> {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs();
    Timestamp::from_unix(i64::try_from(seconds).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())
}

/// Reads the jobs file one line at a time.
fn read_jobs(path: &str) -> Result<Vec<Job>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{path}: {e}"))?;
    let mut reader = std::io::BufReader::new(file);
    let (mut lines, mut jobs, mut line) = (JobLines::new(), Vec::new(), Vec::new());
    loop {
        line.clear();
        let read = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| format!("{path}: {e}"))?;
        if read == 0 {
            return Ok(jobs);
        }
        jobs.extend(lines.next_line(&line).map_err(|e| format!("{path}: {e}"))?);
    }
}

fn run() -> Result<ExitCode, String> {
    let args = match parse_args()? {
        Command::Help => {
            println!("{USAGE}");
            return Ok(ExitCode::SUCCESS);
        }
        Command::Answer(args) => args,
    };
    let now = match &args.now {
        Some(text) => Timestamp::parse(text).map_err(|e| format!("--now: {e}"))?,
        None => system_now()?,
    };
    let jobs = read_jobs(&args.jobs_path)?;
    let mut index = JobIndex::new();
    index
        .load(jobs)
        .map_err(|e| format!("{}: {e}", args.jobs_path))?;

    let (json, code) = match RawRequest::from_query_string(&args.query_string).to_query(now) {
        Ok(query) => {
            let response = index.list(&query).into_response(&args.request_id, &query);
            (serde_json::to_string_pretty(&response), ExitCode::SUCCESS)
        }
        Err(error) => (
            serde_json::to_string_pretty(&error.with_request_id(&args.request_id)),
            ExitCode::from(1),
        ),
    };
    println!("{}", json.map_err(|e| e.to_string())?);
    Ok(code)
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(2)
        }
    }
}
