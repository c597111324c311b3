//! The records a webhook's owner and a test watch with (spec §7): who sent to a webhook
//! ([`Sender`]) and the requests that reached no live webhook ([`Rejected`], with its
//! [`Near`] miss).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::ser_time;

/// One sender of a webhook: a distinct (`source`, `User-Agent`, client IP address), with how
/// often and when it sent (spec §7 `senders`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Sender {
    /// The moments' `source`, when the payload was a valid moment that had one.
    pub source: Option<String>,
    /// The `User-Agent` header (cut at 1 KiB), if any.
    pub user_agent: Option<String>,
    /// The client's IP address, without the port.
    pub client_addr: Option<String>,
    /// Its first request, by the server's clock.
    #[serde(serialize_with = "ser_time")]
    pub first_seen: DateTime<Utc>,
    /// Its latest request, by the server's clock.
    #[serde(serialize_with = "ser_time")]
    pub last_seen: DateTime<Utc>,
    /// How many requests it sent.
    pub count: u64,
}

/// A request that reached no live webhook: an unknown token (404), an expired one (410) or a
/// malformed webhook path (404) (spec §7 `rejected`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Rejected {
    /// Its number (a decimal string, increasing, never reused by one server).
    pub id: String,
    /// When it arrived, by the server's clock.
    #[serde(serialize_with = "ser_time")]
    pub received_at: DateTime<Utc>,
    /// The HTTP method.
    pub method: String,
    /// The path with the token redacted (spec §2).
    pub path_hint: String,
    /// The status it was answered with (404 or 410).
    pub status: u16,
    /// The `User-Agent` header (cut at 1 KiB), if any.
    pub user_agent: Option<String>,
    /// The client's IP address, without the port.
    pub client_addr: Option<String>,
    /// The JSON body, or `None` when the body was empty or not JSON.
    pub payload: Option<serde_json::Value>,
    /// The live webhook the request most likely meant, if any.
    pub near: Option<Near>,
}

/// The live webhook a rejected request most likely meant, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Near {
    /// That webhook's token hint (spec §2: never the token).
    pub token_hint: String,
    /// That webhook's label.
    pub label: String,
    /// Why it is the likely one, for a person ("this token differs from webhook `ci`'s by one
    /// character").
    pub why: String,
}
