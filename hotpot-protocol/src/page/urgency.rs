//! [`Urgency`]: how urgent a page is.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::moment::ParseKindError;
use crate::moment::kinds::wire_enum;

use super::rules;

/// How urgent a page is (spec §14 `urgency`; Hotpot's default is `medium`).
///
/// Parsing is case-insensitive; [`Display`](fmt::Display) and serde give the lower-case form
/// that clients send.
///
/// ```
/// use hotpot_protocol::Urgency;
///
/// assert_eq!("High".parse::<Urgency>().unwrap(), Urgency::High);
/// assert_eq!(Urgency::Low.to_string(), "low");
/// assert!("urgent".parse::<Urgency>().unwrap_err().to_string().contains("expected one of low, medium, high"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Urgency {
    /// Can wait.
    Low,
    /// Hotpot's default.
    Medium,
    /// Wake somebody up.
    High,
}

impl Urgency {
    /// Every urgency, lowest first.
    pub const ALL: [Urgency; 3] = [Urgency::Low, Urgency::Medium, Urgency::High];

    /// The lower-case wire form: `low`, `medium` or `high`.
    ///
    /// ```
    /// assert_eq!(hotpot_protocol::Urgency::High.as_str(), "high");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Urgency::Low => "low",
            Urgency::Medium => "medium",
            Urgency::High => "high",
        }
    }
}

wire_enum!(Urgency, rules::parse_urgency);
