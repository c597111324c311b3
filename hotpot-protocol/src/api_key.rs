//! [`ApiKey`]: the secret of Hotpot's API (spec §14), redacted wherever it is printed.

use std::fmt;

use crate::webhook_url::redact_token;

/// A Hotpot API key, sent as `Authorization: Bearer <key>`.
///
/// It is a secret like the webhook token (spec §2): its [`Debug`](fmt::Debug) and
/// [`Display`](fmt::Display) show at most its first 4 characters and `…`. Only
/// [`expose`](ApiKey::expose) gives the key itself, for the header.
///
/// ```
/// use hotpot_protocol::ApiKey;
///
/// let key = ApiKey::new("hp_live_0123456789")?;
/// assert_eq!(key.to_string(), "hp_l…");
/// assert_eq!(format!("{key:?}"), "ApiKey(hp_l…)");
/// assert_eq!(key.expose(), "hp_live_0123456789");
/// assert!(ApiKey::new("").is_err());
/// let err = ApiKey::new("hp_live 01").unwrap_err();
/// assert!(!err.to_string().contains("hp_live 01"));
/// # Ok::<(), hotpot_protocol::ApiKeyError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ApiKey(String);

impl ApiKey {
    /// Checks a key: not empty, and only visible ASCII characters (it must fit in an HTTP
    /// header; a space or a line break usually means a badly pasted key). Surrounding
    /// whitespace (the newline at the end of a key file) is trimmed first.
    pub fn new(key: impl Into<String>) -> Result<Self, ApiKeyError> {
        let key = key.into();
        let trimmed = key.trim();
        if trimmed.is_empty() {
            return Err(ApiKeyError(
                "expected an API key, found an empty string".to_owned(),
            ));
        }
        if let Some((i, c)) = trimmed
            .chars()
            .enumerate()
            .find(|(_, c)| !c.is_ascii_graphic())
        {
            return Err(ApiKeyError(format!(
                "expected an API key of visible ASCII characters, found {} at character {} of the key {}",
                describe_char(c),
                i + 1,
                redact_token(trimmed)
            )));
        }
        Ok(ApiKey(trimmed.to_owned()))
    }

    /// The key itself, for the `Authorization` header. Never print it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The key as it may be printed: at most its first 4 characters and `…`.
    pub fn redacted(&self) -> String {
        redact_token(&self.0)
    }

    /// `text` with every occurrence of the key redacted.
    pub fn redact_in(&self, text: &str) -> String {
        crate::webhook_url::redact_secret_in(text, &self.0)
    }
}

fn describe_char(c: char) -> String {
    match c {
        ' ' => "a space".to_owned(),
        '\n' | '\r' => "a line break".to_owned(),
        '\t' => "a tab".to_owned(),
        c if c.is_control() => format!("the control character U+{:04X}", u32::from(c)),
        _ => format!("the non-ASCII character U+{:04X}", u32::from(c)),
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKey({})", self.redacted())
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// An API key that cannot be used; the message shows at most the key's first characters.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid API key: {0}")]
pub struct ApiKeyError(String);

/// An API key as it may be printed: at most its first 4 characters and `…`.
///
/// ```
/// assert_eq!(hotpot_protocol::redact_api_key("hp_live_0123456789"), "hp_l…");
/// ```
pub fn redact_api_key(key: &str) -> String {
    redact_token(key)
}
