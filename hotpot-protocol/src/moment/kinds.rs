//! [`MomentType`] and [`Priority`]: the two closed vocabularies of a moment.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::rules;

/// What kind of moment this is (spec §1 `type`).
///
/// Parsing is case-insensitive (`"Near-miss"` works); [`Display`](fmt::Display) and serde
/// always give the lower-case form that clients send.
///
/// ```
/// use hotpot_protocol::MomentType;
///
/// let t: MomentType = "Near-miss".parse().unwrap();
/// assert_eq!(t, MomentType::NearMiss);
/// assert_eq!(t.to_string(), "near-miss");
///
/// let err = "near_miss".parse::<MomentType>().unwrap_err();
/// assert!(err.to_string().contains("did you mean \"near-miss\""));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MomentType {
    /// Somebody was paged.
    Page,
    /// An alert fired.
    Alert,
    /// Something almost went wrong.
    NearMiss,
    /// Something went wrong.
    Incident,
}

impl MomentType {
    /// Every moment type, in the specification's order.
    pub const ALL: [MomentType; 4] = [
        MomentType::Page,
        MomentType::Alert,
        MomentType::NearMiss,
        MomentType::Incident,
    ];

    /// The lower-case wire form: `page`, `alert`, `near-miss` or `incident`.
    ///
    /// ```
    /// assert_eq!(hotpot_protocol::MomentType::NearMiss.as_str(), "near-miss");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            MomentType::Page => "page",
            MomentType::Alert => "alert",
            MomentType::NearMiss => "near-miss",
            MomentType::Incident => "incident",
        }
    }
}

/// How urgent a moment is (spec §1 `priority`; Hotpot's default is `medium`).
///
/// ```
/// use hotpot_protocol::Priority;
///
/// assert_eq!("HIGH".parse::<Priority>().unwrap(), Priority::High);
/// assert_eq!(Priority::Low.to_string(), "low");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Priority {
    /// Needs attention now.
    High,
    /// The server's default.
    Medium,
    /// Can wait.
    Low,
}

impl Priority {
    /// Every priority, highest first.
    pub const ALL: [Priority; 3] = [Priority::High, Priority::Medium, Priority::Low];

    /// The lower-case wire form: `high`, `medium` or `low`.
    ///
    /// ```
    /// assert_eq!(hotpot_protocol::Priority::Medium.as_str(), "medium");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Priority::High => "high",
            Priority::Medium => "medium",
            Priority::Low => "low",
        }
    }
}

/// A string that is not one of the allowed values of `type` or `priority`.
///
/// Its message says which values are allowed and what was found, with a suggestion where one
/// is obvious (`near_miss` → `near-miss`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseKindError {
    message: String,
}

impl ParseKindError {
    /// Wraps a message (what was expected, what was found).
    pub(crate) fn new(message: String) -> Self {
        ParseKindError { message }
    }

    /// The message alone (what was expected, what was found).
    pub fn message(&self) -> &str {
        &self.message
    }
}

macro_rules! wire_enum {
    ($ty:ident, $parse:path) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = ParseKindError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $parse(s).map_err(ParseKindError::new)
            }
        }

        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

pub(crate) use wire_enum;

wire_enum!(MomentType, rules::parse_moment_type);
wire_enum!(Priority, rules::parse_priority);
