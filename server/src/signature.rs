//! ACS3-HMAC-SHA256, the signature Alibaba Cloud's SDKs put on every request (V3 signing):
//! the canonical request, the string to sign, and the `Authorization` header, for the server
//! to verify and for a client (the tests, the load generator) to sign with.
//!
//! Pure functions: no clock, no I/O. What the signature covers:
//!
//! ```text
//! CanonicalRequest = METHOD \n PATH \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n HexSha256(body)
//! StringToSign     = "ACS3-HMAC-SHA256" \n HexSha256(CanonicalRequest)
//! Signature        = Hex(HMAC-SHA256(AccessKeySecret, StringToSign))
//! Authorization    = ACS3-HMAC-SHA256 Credential=ID,SignedHeaders=a;b;c,Signature=HEX
//! ```
//!
//! `CanonicalQuery` is the decoded query parameters sorted by name, each `name=value` with
//! both percent-encoded as RFC 3986 says (every byte but `A-Z a-z 0-9 - _ . ~`), joined by
//! `&`. `CanonicalHeaders` is one `name:value` line per signed header, names in lower case and
//! sorted, values trimmed (repeated headers joined by `,`).

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The one algorithm accepted.
pub const ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// The headers a request must sign: without them a signature could be replayed under another
/// action, version, date, nonce or body.
pub const REQUIRED_SIGNED_HEADERS: [&str; 6] = [
    "host",
    "x-acs-action",
    "x-acs-content-sha256",
    "x-acs-date",
    "x-acs-signature-nonce",
    "x-acs-version",
];

/// A request as the signature sees it.
#[derive(Clone, Debug)]
pub struct SignedRequest<'a> {
    /// `GET`, `POST`, ...
    pub method: &'a str,
    /// The URL's path, as sent (`/`).
    pub path: &'a str,
    /// The query parameters, percent-decoded, in any order.
    pub query: &'a [(String, String)],
    /// Every header: names in lower case, values as sent.
    pub headers: &'a [(String, String)],
}

/// The parts of an `Authorization: ACS3-HMAC-SHA256 ...` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorization {
    /// `Credential`: the AccessKey ID.
    pub access_key_id: String,
    /// `SignedHeaders`, in the order given (which must be sorted).
    pub signed_headers: Vec<String>,
    /// `Signature`: 64 lower-case hex digits.
    pub signature: String,
}

/// Why an `Authorization` header or its request cannot be checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignatureError {
    /// The header does not have the `ACS3-HMAC-SHA256 Credential=..,SignedHeaders=..,
    /// Signature=..` shape, or a required header is unsigned or absent.
    Incomplete {
        /// What is wrong, for the error's message.
        reason: String,
    },
    /// The signature is not the one the secret gives, or the body is not the one hashed.
    Mismatch,
}

impl std::fmt::Display for SignatureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SignatureError::Incomplete { reason } => write!(f, "incomplete signature: {reason}"),
            SignatureError::Mismatch => f.write_str("the signature does not match"),
        }
    }
}

impl std::error::Error for SignatureError {}

fn incomplete(reason: impl Into<String>) -> SignatureError {
    SignatureError::Incomplete {
        reason: reason.into(),
    }
}

/// Reads an `Authorization` header. O(length).
///
/// # Errors
/// [`SignatureError::Incomplete`] for another algorithm, a missing or repeated part, signed
/// headers that are not lower case, sorted and distinct, or a signature that is not 64 hex
/// digits.
pub fn parse_authorization(value: &str) -> Result<Authorization, SignatureError> {
    let rest = value
        .strip_prefix(ALGORITHM)
        .and_then(|rest| rest.strip_prefix(' '))
        .ok_or_else(|| incomplete(format!("the algorithm must be {ALGORITHM}")))?;
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (name, value) = part
            .trim()
            .split_once('=')
            .ok_or_else(|| incomplete(format!("{part:?} is not NAME=VALUE")))?;
        let slot = match name {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed,
            "Signature" => &mut signature,
            _ => return Err(incomplete(format!("unknown part {name:?}"))),
        };
        if slot.replace(value).is_some() {
            return Err(incomplete(format!("{name} is given twice")));
        }
    }
    let credential = credential
        .filter(|c| !c.is_empty())
        .ok_or_else(|| incomplete("Credential is missing"))?;
    let signed = signed.ok_or_else(|| incomplete("SignedHeaders is missing"))?;
    let signature = signature.ok_or_else(|| incomplete("Signature is missing"))?;
    let signed_headers: Vec<String> = signed.split(';').map(str::to_owned).collect();
    let well_formed = signed_headers.iter().all(|h| {
        !h.is_empty()
            && h.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    });
    if !well_formed || !signed_headers.windows(2).all(|w| w[0] < w[1]) {
        return Err(incomplete(
            "SignedHeaders must be lower-case header names, sorted, each once",
        ));
    }
    if signature.len() != 64 || !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(incomplete("Signature must be 64 hex digits"));
    }
    Ok(Authorization {
        access_key_id: credential.to_owned(),
        signed_headers,
        signature: signature.to_ascii_lowercase(),
    })
}

/// The hex digit of a nibble (`n < 16`), lower case.
fn hex_digit(n: u8) -> char {
    char::from_digit(u32::from(n & 15), 16).unwrap_or('0')
}

/// Appends `bytes` percent-encoded as RFC 3986 says: every byte but the unreserved ones, as
/// `%XX` in upper case.
pub fn percent_encode(bytes: &[u8], out: &mut String) {
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(hex_digit(b >> 4).to_ascii_uppercase());
            out.push(hex_digit(b).to_ascii_uppercase());
        }
    }
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(hex_digit(b >> 4));
        out.push(hex_digit(b));
    }
    out
}

/// Hex SHA-256 of `bytes`: what `x-acs-content-sha256` carries for a body.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// `a=b&c=d` in the order given, names and values percent-encoded as RFC 3986 says.
pub fn encode_pairs<'p>(pairs: impl IntoIterator<Item = &'p (String, String)>) -> String {
    let mut out = String::new();
    for (i, (name, value)) in pairs.into_iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        percent_encode(name.as_bytes(), &mut out);
        out.push('=');
        percent_encode(value.as_bytes(), &mut out);
    }
    out
}

/// The canonical query string of decoded parameters: sorted, then encoded. O(q log q +
/// length).
pub fn canonical_query(query: &[(String, String)]) -> String {
    let mut pairs: Vec<&(String, String)> = query.iter().collect();
    pairs.sort();
    encode_pairs(pairs)
}

/// The canonical request for `signed_headers` (lower case, sorted).
///
/// # Errors
/// [`SignatureError::Incomplete`] if a signed header is not in the request.
pub fn canonical_request(
    request: &SignedRequest<'_>,
    signed_headers: &[String],
) -> Result<String, SignatureError> {
    let mut out = format!(
        "{}\n{}\n{}\n",
        request.method,
        request.path,
        canonical_query(request.query)
    );
    for name in signed_headers {
        let mut values: Vec<&str> = request
            .headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.trim())
            .collect();
        if values.is_empty() {
            return Err(incomplete(format!(
                "signed header {name} is not in the request"
            )));
        }
        values.sort_unstable();
        out.push_str(name);
        out.push(':');
        out.push_str(&values.join(","));
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&signed_headers.join(";"));
    out.push('\n');
    out.push_str(header(request, "x-acs-content-sha256").unwrap_or(""));
    Ok(out)
}

/// The first value of header `name` (lower case).
pub fn header<'a>(request: &SignedRequest<'a>, name: &str) -> Option<&'a str> {
    request
        .headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// The hex signature of a canonical request under `secret`.
pub fn signature(secret: &str, canonical_request: &str) -> String {
    let string_to_sign = format!("{ALGORITHM}\n{}", sha256_hex(canonical_request.as_bytes()));
    hex(&hmac_sha256(secret.as_bytes(), string_to_sign.as_bytes()))
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    // HMAC takes a key of any length: `new_from_slice` cannot fail for it.
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(message);
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

/// Compares two byte strings in time that depends on their lengths only.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Checks `request` and its `body` against `authorization` under `secret`: every required
/// header signed, the body's hash the one signed, and the signature the one the secret gives
/// (compared in constant time). Does not check the date or nonce (the caller's clock and
/// memory). O(request length).
///
/// # Errors
/// [`SignatureError::Incomplete`] for a required header unsigned or absent;
/// [`SignatureError::Mismatch`] for a body or signature that does not match.
pub fn verify(
    request: &SignedRequest<'_>,
    body: &[u8],
    authorization: &Authorization,
    secret: &str,
) -> Result<(), SignatureError> {
    for required in REQUIRED_SIGNED_HEADERS {
        if !authorization.signed_headers.iter().any(|h| h == required) {
            return Err(incomplete(format!("header {required} must be signed")));
        }
    }
    if request.headers.iter().any(|(n, _)| n == "content-type")
        && !authorization
            .signed_headers
            .iter()
            .any(|h| h == "content-type")
    {
        return Err(incomplete("header content-type must be signed"));
    }
    let canonical = canonical_request(request, &authorization.signed_headers)?;
    let body_hash = header(request, "x-acs-content-sha256").unwrap_or("");
    let expected = signature(secret, &canonical);
    let signature_ok = constant_time_eq(expected.as_bytes(), authorization.signature.as_bytes());
    let body_ok = constant_time_eq(sha256_hex(body).as_bytes(), body_hash.as_bytes());
    if signature_ok && body_ok {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// The `Authorization` header a client sends for `request`, signing every header it has (as
/// the SDK does). The request must already carry `x-acs-content-sha256`.
pub fn authorization_header(
    request: &SignedRequest<'_>,
    access_key_id: &str,
    secret: &str,
) -> String {
    let mut names: Vec<String> = request.headers.iter().map(|(n, _)| n.clone()).collect();
    names.sort();
    names.dedup();
    // Every name comes from the request, so the canonical request is always built.
    let canonical = canonical_request(request, &names).unwrap_or_default();
    format!(
        "{ALGORITHM} Credential={access_key_id},SignedHeaders={},Signature={}",
        names.join(";"),
        signature(secret, &canonical)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    // The expected headers below were computed by the official Python SDK
    // (alibabacloud-tea-openapi 0.4.6, `Utils.get_authorization`) for the same requests.
    #[test]
    fn signs_a_get_as_the_sdk_does() {
        let query = pairs(&[
            ("SearchKeyWord", "live ü/+*"),
            ("PageSize", "10"),
            ("StartTime", "2022-02-02T00:00:00Z"),
        ]);
        let headers = pairs(&[
            ("host", "127.0.0.1:8080"),
            ("x-acs-version", "2020-11-09"),
            ("x-acs-action", "ListLiveSnapshotJobs"),
            ("user-agent", "test"),
            ("x-acs-date", "2026-12-04T10:00:00Z"),
            ("x-acs-signature-nonce", "nonce-1"),
            ("accept", "application/json"),
            ("x-acs-content-sha256", &sha256_hex(b"")),
        ]);
        let request = SignedRequest {
            method: "GET",
            path: "/",
            query: &query,
            headers: &headers,
        };
        let expected = "ACS3-HMAC-SHA256 Credential=AKID1,SignedHeaders=accept;host;user-agent;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=1fdbd68121d1c82d1c88cd2307af30c5c0a1343dfb5f24faa6c50b114ffe3d61";
        assert_eq!(authorization_header(&request, "AKID1", "secret1"), expected);
        let parsed = parse_authorization(expected).unwrap();
        assert_eq!(verify(&request, b"", &parsed, "secret1"), Ok(()));
        assert_eq!(
            verify(&request, b"", &parsed, "secret2"),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn signs_a_form_post_as_the_sdk_does() {
        let body = b"Command=start&JobId=j+1";
        let headers = pairs(&[
            ("host", "127.0.0.1:8080"),
            ("x-acs-version", "2020-11-09"),
            ("x-acs-action", "SendLiveSnapshotJobCommand"),
            ("x-acs-date", "2026-12-04T10:00:00Z"),
            ("x-acs-signature-nonce", "nonce-2"),
            ("content-type", "application/x-www-form-urlencoded"),
            ("x-acs-content-sha256", &sha256_hex(body)),
        ]);
        let request = SignedRequest {
            method: "POST",
            path: "/",
            query: &[],
            headers: &headers,
        };
        let expected = "ACS3-HMAC-SHA256 Credential=AKID1,SignedHeaders=content-type;host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=25dc58c1464c1b9ddb0ec10b859151d427ec564ddcae430f734b2d3b714dbfc3";
        assert_eq!(authorization_header(&request, "AKID1", "secret1"), expected);
        let parsed = parse_authorization(expected).unwrap();
        assert_eq!(verify(&request, body, &parsed, "secret1"), Ok(()));
        assert_eq!(
            verify(&request, b"Command=stop&JobId=j+1", &parsed, "secret1"),
            Err(SignatureError::Mismatch),
            "a body other than the one hashed"
        );
    }

    #[test]
    fn refuses_malformed_authorization_headers() {
        let sig = "a".repeat(64);
        for bad in [
            String::new(),
            format!("ACS3-HMAC-SHA1 Credential=A,SignedHeaders=host,Signature={sig}"),
            format!("ACS3-HMAC-SHA256 SignedHeaders=host,Signature={sig}"),
            format!("ACS3-HMAC-SHA256 Credential=A,Signature={sig}"),
            "ACS3-HMAC-SHA256 Credential=A,SignedHeaders=host,Signature=abc".to_owned(),
            format!("ACS3-HMAC-SHA256 Credential=A,SignedHeaders=x-acs-date;host,Signature={sig}"),
            format!("ACS3-HMAC-SHA256 Credential=A,SignedHeaders=Host,Signature={sig}"),
            format!("ACS3-HMAC-SHA256 Credential=A,SignedHeaders=host;host,Signature={sig}"),
            format!(
                "ACS3-HMAC-SHA256 Credential=A,Credential=B,SignedHeaders=host,Signature={sig}"
            ),
            format!("ACS3-HMAC-SHA256 Credential=A,SignedHeaders=host,Signature={sig},Extra=1"),
        ] {
            assert!(
                matches!(
                    parse_authorization(&bad),
                    Err(SignatureError::Incomplete { .. })
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert_eq!(
            SignatureError::Mismatch.to_string(),
            "the signature does not match"
        );
        let error = parse_authorization("ACS3-HMAC-SHA1 x").unwrap_err();
        assert_eq!(
            error.to_string(),
            "incomplete signature: the algorithm must be ACS3-HMAC-SHA256"
        );
    }

    #[test]
    fn requires_the_acs_headers_to_be_signed() {
        let headers = pairs(&[
            ("content-type", "application/x-www-form-urlencoded"),
            ("host", "h"),
            ("x-acs-action", "A"),
            ("x-acs-content-sha256", &sha256_hex(b"")),
            ("x-acs-date", "d"),
            ("x-acs-signature-nonce", "n"),
            ("x-acs-version", "v"),
        ]);
        for left_out in REQUIRED_SIGNED_HEADERS.into_iter().chain(["content-type"]) {
            let kept: Vec<(String, String)> = headers
                .iter()
                .filter(|(n, _)| n != left_out)
                .cloned()
                .collect();
            let request = SignedRequest {
                method: "GET",
                path: "/",
                query: &[],
                headers: &kept,
            };
            let auth = parse_authorization(&authorization_header(&request, "A", "s")).unwrap();
            let full = SignedRequest {
                headers: &headers,
                ..request
            };
            assert!(
                matches!(
                    verify(&full, b"", &auth, "s"),
                    Err(SignatureError::Incomplete { .. })
                ),
                "{left_out} unsigned"
            );
        }
    }

    #[test]
    fn compares_in_constant_time_and_encodes_as_rfc_3986() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(
            !constant_time_eq(b"ab", b"ba"),
            "two differences that cancel out"
        );
        assert_eq!(
            canonical_query(&pairs(&[("b", "x y"), ("a", "~-_.*+/"), ("a", "")])),
            "a=&a=~-_.%2A%2B%2F&b=x%20y"
        );
    }
}
