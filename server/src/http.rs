//! The HTTP layer, on axum: every request goes to [`Service::handle`], on the event loop for
//! a listing or a get (microseconds, never waiting), on tokio's blocking pool for a write (it
//! waits for the database's commit).

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use crate::error::ServerError;
use crate::ids::new_id;
use crate::service::{Incoming, MAX_BODY_BYTES, Outgoing, Service};

/// The router: one handler for every path and method (the action is in a header).
pub fn router(service: Arc<Service>) -> Router {
    Router::new().fallback(handle).with_state(service)
}

/// The server's clock, in Unix seconds.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

async fn handle(State(service): State<Arc<Service>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = match to_bytes(body, MAX_BODY_BYTES).await {
        Ok(body) => body.to_vec(),
        Err(_) => {
            let error = ServerError::BodyTooLarge {
                limit: MAX_BODY_BYTES,
            };
            return respond(Outgoing {
                status: error.http_status(),
                body: error.to_json(&new_id().to_ascii_uppercase(), "snapjobs-server"),
            });
        }
    };
    let incoming = Incoming {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or("").to_owned(),
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body,
    };
    let outgoing = if service.may_block(&incoming) {
        let service = Arc::clone(&service);
        match tokio::task::spawn_blocking(move || service.handle(&incoming, unix_now())).await {
            Ok(outgoing) => outgoing,
            Err(join) => {
                let error = ServerError::Internal {
                    detail: join.to_string(),
                };
                Outgoing {
                    status: error.http_status(),
                    body: error.to_json(&new_id().to_ascii_uppercase(), "snapjobs-server"),
                }
            }
        }
    } else {
        service.handle(&incoming, unix_now())
    };
    respond(outgoing)
}

fn respond(outgoing: Outgoing) -> Response {
    let mut response = Response::new(Body::from(outgoing.body));
    *response.status_mut() =
        StatusCode::from_u16(outgoing.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=utf-8"),
    );
    response
}

/// A server on a free loopback port, on a runtime of its own (two worker threads) in a
/// thread of its own: for tests and the load generator. Stopped (gracefully) when dropped.
#[derive(Debug)]
pub struct Background {
    /// Where it listens.
    pub addr: std::net::SocketAddr,
    /// What it serves.
    pub service: Arc<Service>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Background {
    /// Starts `service` on `127.0.0.1:0`.
    ///
    /// # Errors
    /// The runtime's, the bind's or the thread's I/O error.
    pub fn start(service: Service) -> std::io::Result<Background> {
        let service = Arc::new(service);
        let app = router(Arc::clone(&service));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("snapjobs-server".to_owned())
            .spawn(move || {
                runtime.block_on(async move {
                    let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                        let _ = stopped.await;
                    });
                    if let Err(error) = serve.await {
                        eprintln!("server: {error}");
                    }
                });
            })?;
        Ok(Background {
            addr,
            service,
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_is_the_systems() {
        let system = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let ours = u64::try_from(unix_now()).unwrap_or(0);
        assert!(ours.abs_diff(system) <= 2, "{ours} against {system}");
    }
}
