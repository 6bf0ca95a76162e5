//! `snapjobs-server`: the ICE server. See the crate's README.
//!
//! ```text
//! snapjobs-server [--listen 127.0.0.1:8080] [--access-keys server/access-keys.txt]
//!                 [--data snapjobs.db] [--list-from index|sqlite]
//! ```
//!
//! Prints `listening on ADDR` once it accepts connections (`--listen 127.0.0.1:0` picks a free
//! port). Exit status 2 for a bad command line, key file or database.

use std::process::ExitCode;
use std::sync::Arc;

use snapjobs_server::{AccessKeys, ListFrom, Service, http};

const USAGE: &str = "usage: snapjobs-server [--listen ADDR] [--access-keys FILE] [--data FILE] [--list-from index|sqlite]";

struct Args {
    listen: String,
    access_keys: String,
    data: String,
    list_from: ListFrom,
}

fn parse_args() -> Result<Option<Args>, String> {
    let mut parsed = Args {
        listen: "127.0.0.1:8080".to_owned(),
        access_keys: "server/access-keys.txt".to_owned(),
        data: "snapjobs.db".to_owned(),
        list_from: ListFrom::Index,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--listen" => parsed.listen = value()?,
            "--access-keys" => parsed.access_keys = value()?,
            "--data" => parsed.data = value()?,
            "--list-from" => {
                parsed.list_from = match value()?.as_str() {
                    "index" => ListFrom::Index,
                    "sqlite" => ListFrom::Sqlite,
                    other => return Err(format!("--list-from: {other:?} is not index or sqlite")),
                }
            }
            "-h" | "--help" => return Ok(None),
            _ => return Err(format!("unknown argument {arg:?}\n{USAGE}")),
        }
    }
    Ok(Some(parsed))
}

fn run() -> Result<(), String> {
    let Some(args) = parse_args()? else {
        println!("{USAGE}");
        return Ok(());
    };
    let text = std::fs::read_to_string(&args.access_keys)
        .map_err(|e| format!("{}: {e}", args.access_keys))?;
    let keys = AccessKeys::parse(&text).map_err(|e| format!("{}: {e}", args.access_keys))?;
    let service = Service::open(std::path::Path::new(&args.data), keys, args.list_from)
        .map_err(|e| format!("{}: {e}", args.data))?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .map_err(|e| format!("--listen {}: {e}", args.listen))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        println!("listening on {addr}");
        use std::io::Write;
        let _ = std::io::stdout().flush();
        axum::serve(listener, http::router(Arc::new(service)))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| e.to_string())
    })
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(2)
        }
    }
}
