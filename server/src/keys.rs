//! [`AccessKeys`]: the AccessKey file (`--access-keys FILE`), one key a line:
//! `ACCESS_KEY_ID ACCESS_KEY_SECRET ACCOUNT_ID`, fields separated by spaces or tabs; `#` starts
//! a comment; blank lines are skipped.

use std::collections::HashMap;
use std::fmt;

/// One AccessKey: its secret and the account it acts for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessKey {
    /// The AccessKey secret.
    pub secret: String,
    /// The account the key belongs to.
    pub account: String,
}

/// Every AccessKey the server accepts, by id.
///
/// Invariant: ids, secrets and accounts are non-empty and hold no whitespace.
#[derive(Clone, Debug, Default)]
pub struct AccessKeys {
    by_id: HashMap<String, AccessKey>,
}

/// A line of the key file that cannot be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyFileError {
    /// The line, from 1.
    pub line: usize,
    /// What is wrong with it.
    pub reason: String,
}

impl fmt::Display for KeyFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

impl std::error::Error for KeyFileError {}

impl AccessKeys {
    /// Reads a key file's text. O(length).
    ///
    /// # Errors
    /// [`KeyFileError`] for the first line that does not have three fields, or repeats an id.
    pub fn parse(text: &str) -> Result<AccessKeys, KeyFileError> {
        let mut by_id = HashMap::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("");
            let fields: Vec<&str> = line.split_whitespace().collect();
            let error = |reason: String| KeyFileError {
                line: i + 1,
                reason,
            };
            match fields.as_slice() {
                [] => continue,
                [id, secret, account] => {
                    let key = AccessKey {
                        secret: (*secret).to_owned(),
                        account: (*account).to_owned(),
                    };
                    if by_id.insert((*id).to_owned(), key).is_some() {
                        return Err(error(format!("AccessKey ID {id} is given twice")));
                    }
                }
                _ => {
                    return Err(error(format!(
                        "expected ACCESS_KEY_ID ACCESS_KEY_SECRET ACCOUNT_ID, found {} fields",
                        fields.len()
                    )));
                }
            }
        }
        Ok(AccessKeys { by_id })
    }

    /// The key with this id. O(1).
    pub fn get(&self, access_key_id: &str) -> Option<&AccessKey> {
        self.by_id.get(access_key_id)
    }

    /// Every account some key acts for, each once, sorted.
    pub fn accounts(&self) -> Vec<String> {
        let mut accounts: Vec<String> = self.by_id.values().map(|k| k.account.clone()).collect();
        accounts.sort();
        accounts.dedup();
        accounts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_keys_comments_and_blank_lines() {
        let keys =
            AccessKeys::parse("# keys\n\nAK1 s1 acct-a  # first\n\tAK2\ts2\tacct-b\n").unwrap();
        assert_eq!(keys.get("AK1").unwrap().secret, "s1");
        assert_eq!(keys.get("AK2").unwrap().account, "acct-b");
        assert!(keys.get("s1").is_none());
        assert_eq!(keys.accounts(), ["acct-a", "acct-b"]);
    }

    #[test]
    fn refuses_bad_lines_with_their_number() {
        for (text, line) in [
            ("AK1 s1\n", 1),
            ("AK1 s1 a\nAK1 s2 b\n", 2),
            ("\nA B C D\n", 2),
        ] {
            assert_eq!(AccessKeys::parse(text).unwrap_err().line, line, "{text:?}");
        }
        let error = AccessKeys::parse("AK1 s1 a\nAK1 s2 b\n").unwrap_err();
        assert_eq!(error.to_string(), "line 2: AccessKey ID AK1 is given twice");
    }
}
