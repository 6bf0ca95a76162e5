//! The command line: `--help`, a bad option, a bad key file, and `--list-from sqlite`
//! starting a server that answers.

mod common;

use std::process::Command;

use common::*;

fn server() -> Command {
    Command::new(env!("CARGO_BIN_EXE_snapjobs-server"))
}

#[test]
fn help_and_bad_arguments() {
    let help = server().arg("--help").output().unwrap();
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).starts_with("usage: snapjobs-server"));
    for args in [&["--list-from", "memory"][..], &["--bogus"], &["--listen"]] {
        let out = server().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
    let dir = TempDir::new("cli");
    let keys = dir.file("keys.txt");
    std::fs::write(&keys, "only-two fields\n").unwrap();
    let out = server().arg("--access-keys").arg(&keys).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 1"));
}

#[test]
fn list_from_sqlite_serves() {
    let dir = TempDir::new("cli-sqlite");
    let (mut child, addr) = spawn_server(&dir, &["--list-from", "sqlite"]);
    let mut conn = snapjobs_server::client::Connection::connect(addr).unwrap();
    let a = key("AK-A1");
    let id = submit(&mut conn, &a, "from-sql");
    let (ids, _) = list_all(&mut conn, &a, &[("SearchKeyWord", "FROM-sql")]);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(ids, [id]);
}
