//! The index can be shared between threads: reads take `&self`.

use snapjobs::reference::Model;
use snapjobs::{ApiError, JobIndex, Query, RawRequest, SharedIndex, Snapshot, WriteError};

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn public_types_are_send_and_sync() {
    assert_send_sync::<JobIndex>();
    assert_send_sync::<SharedIndex>();
    assert_send_sync::<Snapshot>();
    assert_send_sync::<Model>();
    assert_send_sync::<Query>();
    assert_send_sync::<RawRequest>();
    assert_send_sync::<ApiError>();
    assert_send_sync::<WriteError>();
}

#[test]
fn errors_implement_std_error() {
    fn is_error<E: std::error::Error>(_: &E) {}
    is_error(&ApiError::new(snapjobs::ErrorCode::InternalError));
    let err = WriteError::UnknownJobId { id: "x".into() };
    is_error(&err);
    assert_eq!(err.to_string(), "no job has JobId \"x\"");
}
