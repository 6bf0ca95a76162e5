//! A small blocking HTTP/1.1 client that signs requests as the official SDK does, for the
//! tests and the load generator: one keep-alive connection, a request at a time.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};

use crate::ids::new_id;
use crate::service::VERSION;
pub use crate::signature::encode_pairs;
use crate::signature::{self, SignedRequest};

/// An AccessKey to sign with.
#[derive(Clone, Debug)]
pub struct Credentials {
    /// The AccessKey ID.
    pub access_key_id: String,
    /// The AccessKey secret.
    pub secret: String,
}

/// A request, before or after signing; every field may be changed to test the server.
#[derive(Clone, Debug)]
pub struct ApiRequest {
    /// `GET` or `POST`.
    pub method: String,
    /// The path (`/`).
    pub path: String,
    /// The query parameters, decoded.
    pub query: Vec<(String, String)>,
    /// The headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl ApiRequest {
    /// An unsigned request for `action`: its parameters in the query for GET, in a form body
    /// for any other method; the SDK's headers with `date` as `x-acs-date` and a fresh nonce.
    pub fn new(
        method: &str,
        action: &str,
        params: &[(&str, &str)],
        host: &str,
        date: &str,
    ) -> ApiRequest {
        let params: Vec<(String, String)> = params
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect();
        let (query, body) = if method == "GET" {
            (params, Vec::new())
        } else {
            (Vec::new(), encode_pairs(&params).into_bytes())
        };
        let mut headers = vec![
            ("host".to_owned(), host.to_owned()),
            ("x-acs-action".to_owned(), action.to_owned()),
            ("x-acs-version".to_owned(), VERSION.to_owned()),
            ("x-acs-date".to_owned(), date.to_owned()),
            ("x-acs-signature-nonce".to_owned(), new_id()),
            ("accept".to_owned(), "application/json".to_owned()),
            (
                "x-acs-content-sha256".to_owned(),
                signature::sha256_hex(&body),
            ),
        ];
        if method != "GET" {
            headers.push((
                "content-type".to_owned(),
                "application/x-www-form-urlencoded".to_owned(),
            ));
        }
        ApiRequest {
            method: method.to_owned(),
            path: "/".to_owned(),
            query,
            headers,
            body,
        }
    }

    /// Sets header `name` (lower case), replacing any value it had.
    pub fn set_header(&mut self, name: &str, value: &str) {
        self.headers.retain(|(n, _)| n != name);
        self.headers.push((name.to_owned(), value.to_owned()));
    }

    /// Adds `Authorization`, signing every header the request has.
    pub fn sign(&mut self, credentials: &Credentials) {
        self.headers.retain(|(n, _)| n != "authorization");
        let value = signature::authorization_header(
            &self.as_signed(),
            &credentials.access_key_id,
            &credentials.secret,
        );
        self.headers.push(("authorization".to_owned(), value));
    }

    /// The `Authorization` header, if signed.
    pub fn authorization(&self) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == "authorization")
            .map(|(_, v)| v.as_str())
    }

    /// The request as the signature sees it.
    pub fn as_signed(&self) -> SignedRequest<'_> {
        SignedRequest {
            method: &self.method,
            path: &self.path,
            query: &self.query,
            headers: &self.headers,
        }
    }

    /// The request's bytes on the wire.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut target = self.path.clone();
        if !self.query.is_empty() {
            target.push('?');
            target.push_str(&encode_pairs(&self.query));
        }
        let mut head = format!("{} {target} HTTP/1.1\r\n", self.method);
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!("content-length: {}\r\n\r\n", self.body.len()));
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

/// A keep-alive connection to the server.
#[derive(Debug)]
pub struct Connection {
    reader: BufReader<TcpStream>,
}

impl Connection {
    /// Connects to `addr`.
    ///
    /// # Errors
    /// The connection's I/O error.
    pub fn connect(addr: SocketAddr) -> io::Result<Connection> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        Ok(Connection {
            reader: BufReader::new(stream),
        })
    }

    /// Sends `request` and reads the answer: its status and body.
    ///
    /// # Errors
    /// The connection's I/O error, or an answer without `content-length`.
    pub fn send(&mut self, request: &ApiRequest) -> io::Result<(u16, String)> {
        self.send_bytes(&request.to_bytes())
    }

    /// Sends raw bytes and reads one answer.
    ///
    /// # Errors
    /// As [`Connection::send`].
    pub fn send_bytes(&mut self, bytes: &[u8]) -> io::Result<(u16, String)> {
        self.reader.get_mut().write_all(bytes)?;
        let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad("no status line"))?;
        let mut length = None;
        loop {
            line.clear();
            if self.reader.read_line(&mut line)? == 0 {
                return Err(bad("the connection closed in the headers"));
            }
            let trimmed = line.trim_end();
            if trimmed.is_empty() {
                break;
            }
            if let Some((name, value)) = trimmed.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse::<usize>().ok();
            }
        }
        let mut body = vec![0; length.ok_or_else(|| bad("no content-length"))?];
        self.reader.read_exact(&mut body)?;
        String::from_utf8(body)
            .map(|body| (status, body))
            .map_err(|_| bad("the body is not UTF-8"))
    }
}

/// The date as `x-acs-date` writes it.
pub fn acs_date(unix_seconds: i64) -> String {
    snapjobs::Timestamp::from_unix(unix_seconds)
        .map(|t| t.to_string())
        .unwrap_or_default()
}
