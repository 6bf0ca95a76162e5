//! An Alibaba Cloud ICE server for live snapshot jobs, on the `snapjobs` library.
//!
//! It answers four actions in the RPC style the official SDKs send (path `/`, the action in
//! `x-acs-action`, version `2020-11-09`, parameters in the query string for GET and in a form
//! body for POST), each request signed with ACS3-HMAC-SHA256:
//!
//! | action | method | what it does |
//! | --- | --- | --- |
//! | `ListLiveSnapshotJobs` | GET | a page of the account's jobs, answered by the index |
//! | `GetLiveSnapshotJob` | GET | one job |
//! | `SubmitLiveSnapshotJob` | POST | a new job, created now (the server's clock), `init` |
//! | `SendLiveSnapshotJobCommand` | POST | `start`, `stop` or `restart` a job |
//!
//! Each account (the key file's third column) has its own index; a request sees only its
//! account's jobs. A write is committed to SQLite (WAL, `synchronous = FULL`) before it is
//! applied to the index and acknowledged; at start, every account's jobs are loaded from the
//! database. The layers: [`signature`] (pure), [`keys`], [`nonces`], [`store`] (SQLite),
//! [`service`] (the actions, no HTTP, no clock), [`http`] (axum), [`client`] (a small signed
//! HTTP/1.1 client for the tests and the load generator).

pub mod client;
pub mod error;
pub mod http;
pub mod ids;
pub mod keys;
pub mod nonces;
pub mod service;
pub mod signature;
pub mod store;

pub use error::ServerError;
pub use keys::{AccessKey, AccessKeys};
pub use service::{Incoming, ListFrom, Outgoing, Service};
