//! The moment model of spec §1: [`Moment`], [`MomentBuilder`], [`MomentType`],
//! [`Priority`], the errors, and the lenient parser a server uses.
//!
//! The rules themselves are in [`rules`]; this module and [`lenient`](parse_lenient) only
//! call them.

pub(crate) mod kinds;
pub(crate) mod lenient;
mod problem;
pub mod rules;

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde::ser::{Serialize, SerializeMap, Serializer};

pub use kinds::{MomentType, ParseKindError, Priority};
pub use lenient::{FieldValue, JsonFields, LenientParse, parse_lenient, parse_lenient_fields};
pub use problem::{Problem, ValidationError};

/// A moment that satisfies every rule of spec §1.
///
/// The only ways to get one are [`Moment::builder`] and [`parse_lenient`], and both check
/// every rule, so a `Moment` is always valid and serialises to the canonical payload:
/// lower-case `type`, `occurred_at` as RFC 3339 UTC with a `Z`, absent fields omitted.
///
/// ```
/// use hotpot_protocol::{Moment, MomentType, Priority};
///
/// let moment = Moment::builder("Failed deploy with successful rollback", MomentType::NearMiss)
///     .priority(Priority::High)
///     .source("Deploybot")
///     .build()?;
/// assert_eq!(
///     moment.to_json(),
///     r#"{"name":"Failed deploy with successful rollback","type":"near-miss","priority":"high","source":"Deploybot"}"#
/// );
/// # Ok::<(), hotpot_protocol::ValidationError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Moment {
    name: String,
    moment_type: MomentType,
    priority: Option<Priority>,
    source: Option<String>,
    source_url: Option<String>,
    description: Option<String>,
    occurred_at: Option<DateTime<Utc>>,
}

impl Moment {
    /// Starts a moment with its two required fields.
    ///
    /// ```
    /// use hotpot_protocol::{Moment, MomentType};
    /// let moment = Moment::builder("A thing happened", MomentType::Alert).build()?;
    /// assert_eq!(moment.name(), "A thing happened");
    /// # Ok::<(), hotpot_protocol::ValidationError>(())
    /// ```
    pub fn builder(name: impl Into<String>, moment_type: MomentType) -> MomentBuilder {
        MomentBuilder {
            fields: Moment {
                name: name.into(),
                moment_type,
                priority: None,
                source: None,
                source_url: None,
                description: None,
                occurred_at: None,
            },
        }
    }

    /// A builder holding this moment's fields, to derive a changed copy.
    ///
    /// ```
    /// use hotpot_protocol::{Moment, MomentType, Priority};
    /// let a = Moment::builder("Disk full", MomentType::Alert).build()?;
    /// let b = a.to_builder().priority(Priority::High).build()?;
    /// assert_eq!(b.priority(), Some(Priority::High));
    /// # Ok::<(), hotpot_protocol::ValidationError>(())
    /// ```
    pub fn to_builder(&self) -> MomentBuilder {
        MomentBuilder {
            fields: self.clone(),
        }
    }

    /// The name (1 to 70 characters).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The type.
    pub fn moment_type(&self) -> MomentType {
        self.moment_type
    }

    /// The priority, if set (Hotpot uses `medium` when it is not).
    pub fn priority(&self) -> Option<Priority> {
        self.priority
    }

    /// The system, person or tool that produced the moment, if set.
    pub fn source(&self) -> Option<&str> {
        self.source.as_deref()
    }

    /// A link to more detail, if set (an absolute http or https URL).
    pub fn source_url(&self) -> Option<&str> {
        self.source_url.as_deref()
    }

    /// The Markdown description, if set.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// When it happened, if set; when absent, the server uses the time it received the moment.
    pub fn occurred_at(&self) -> Option<DateTime<Utc>> {
        self.occurred_at
    }

    /// The canonical JSON payload, as sent on the wire.
    ///
    /// ```
    /// use hotpot_protocol::{Moment, MomentType};
    /// let m = Moment::builder("Paged", MomentType::Page).build()?;
    /// assert_eq!(m.to_json(), r#"{"name":"Paged","type":"page"}"#);
    /// # Ok::<(), hotpot_protocol::ValidationError>(())
    /// ```
    pub fn to_json(&self) -> String {
        // Serialising a map of strings into a Vec cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The canonical JSON payload as bytes, ready to be a request body.
    pub fn to_json_vec(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_json(&mut out);
        out
    }

    /// Appends the canonical JSON payload to `out` (the spool writes it into its record).
    pub fn write_json(&self, out: &mut Vec<u8>) {
        // Room for every value plus the keys, quotes and time: one allocation, no regrowth
        // unless values need escaping.
        let values = [&self.source, &self.source_url, &self.description]
            .iter()
            .map(|v| v.as_ref().map_or(0, String::len))
            .sum::<usize>();
        out.reserve(160 + self.name.len() + values);
        // Writing into a Vec cannot fail for this shape.
        let _ = serde_json::to_writer(out, self);
    }

    /// The canonical JSON payload as a [`serde_json::Value`].
    pub fn to_json_value(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

impl Moment {
    /// The payload's fields as they go on the wire, in the specification's order, absent ones left
    /// out: the one definition of the wire format, which [`to_json`](Self::to_json), `Serialize`
    /// and the Python package's `to_dict()` and `repr()` all use.
    ///
    /// ```
    /// use hotpot_protocol::{Moment, MomentType, Priority};
    /// let m = Moment::builder("Disk full", MomentType::NearMiss).priority(Priority::Low).build()?;
    /// let fields: Vec<(&str, String)> = m.wire_fields().map(|(k, v)| (k, v.into_owned())).collect();
    /// assert_eq!(fields, [("name", "Disk full".into()), ("type", "near-miss".into()), ("priority", "low".into())]);
    /// # Ok::<(), hotpot_protocol::ValidationError>(())
    /// ```
    pub fn wire_fields(&self) -> impl Iterator<Item = (&'static str, Cow<'_, str>)> {
        fn text(v: &Option<String>) -> Option<Cow<'_, str>> {
            v.as_deref().map(Cow::Borrowed)
        }
        [
            ("name", Some(Cow::Borrowed(self.name.as_str()))),
            ("type", Some(Cow::Borrowed(self.moment_type.as_str()))),
            ("priority", self.priority.map(|p| Cow::Borrowed(p.as_str()))),
            ("source", text(&self.source)),
            ("source_url", text(&self.source_url)),
            ("description", text(&self.description)),
            (
                "occurred_at",
                self.occurred_at.map(|t| Cow::Owned(rules::format_time(t))),
            ),
        ]
        .into_iter()
        .filter_map(|(key, value)| Some((key, value?)))
    }
}

impl Serialize for Moment {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (key, value) in self.wire_fields() {
            map.serialize_entry(key, &value)?;
        }
        map.end()
    }
}

/// Collects a moment's fields; [`build`](MomentBuilder::build) checks every §1 rule at once.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use hotpot_protocol::{Moment, MomentType, Priority};
///
/// let moment = Moment::builder("Failed deploy with successful rollback", MomentType::NearMiss)
///     .priority(Priority::Medium)
///     .source("Deploybot")
///     .source_url("https://deploys.example.com/runs/1234")
///     .description("Rolled back **automatically** after health checks failed.")
///     .occurred_at(Utc.with_ymd_and_hms(2023, 4, 1, 12, 31, 26).unwrap())
///     .build()?;
/// assert!(moment.to_json().contains(r#""occurred_at":"2023-04-01T12:31:26Z""#));
/// # Ok::<(), hotpot_protocol::ValidationError>(())
/// ```
#[derive(Clone, Debug)]
#[must_use = "a builder does nothing until build() is called"]
pub struct MomentBuilder {
    fields: Moment,
}

impl MomentBuilder {
    /// Sets the priority.
    pub fn priority(mut self, priority: Priority) -> Self {
        self.fields.priority = Some(priority);
        self
    }

    /// Sets the source: the system, person or tool that produced the moment.
    pub fn source(mut self, source: impl Into<String>) -> Self {
        self.fields.source = Some(source.into());
        self
    }

    /// Sets a link to more detail; checked by `build()` to be an absolute http(s) URL.
    ///
    /// Takes a `&str`, a `String` or a [`url::Url`].
    pub fn source_url(mut self, url: impl Into<String>) -> Self {
        self.fields.source_url = Some(url.into());
        self
    }

    /// Sets the Markdown description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.fields.description = Some(description.into());
        self
    }

    /// Sets when it happened; checked by `build()` not to be in the future. Leave it unset
    /// for "now": the server's clock then decides.
    pub fn occurred_at(mut self, occurred_at: DateTime<Utc>) -> Self {
        self.fields.occurred_at = Some(occurred_at);
        self
    }

    /// Checks every rule of §1 against the current time and returns the moment, or every
    /// problem found.
    ///
    /// ```
    /// use hotpot_protocol::{Moment, MomentType};
    /// let err = Moment::builder("x".repeat(71), MomentType::Alert).build().unwrap_err();
    /// assert_eq!(err.problems()[0].field, "name");
    /// assert!(err.problems()[0].message.contains("found 71 characters"));
    /// ```
    pub fn build(self) -> Result<Moment, ValidationError> {
        self.build_at(Utc::now())
    }

    /// Like [`build`](Self::build), with `now` deciding what is "in the future" (for tests
    /// and servers with their own clock).
    ///
    /// ```
    /// use chrono::{Duration, Utc};
    /// use hotpot_protocol::{Moment, MomentType};
    /// let now = Utc::now();
    /// let err = Moment::builder("Later", MomentType::Alert)
    ///     .occurred_at(now + Duration::seconds(1))
    ///     .build_at(now)
    ///     .unwrap_err();
    /// assert_eq!(err.problems()[0].field, "occurred_at");
    /// ```
    pub fn build_at(self, now: DateTime<Utc>) -> Result<Moment, ValidationError> {
        let f = &self.fields;
        let mut problems = Vec::new();
        let mut check = |field: &str, result: Result<(), String>| {
            if let Err(message) = result {
                problems.push(Problem::new(field, message));
            }
        };
        check("name", rules::check_name(&f.name));
        if let Some(url) = &f.source_url {
            check("source_url", rules::check_source_url(url));
        }
        if let Some(t) = f.occurred_at {
            check("occurred_at", rules::check_occurred_at(t, now));
        }
        if problems.is_empty() {
            Ok(self.fields)
        } else {
            Err(ValidationError::new(problems))
        }
    }
}
