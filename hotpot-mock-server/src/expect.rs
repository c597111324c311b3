//! Verification for tests (spec §7 `POST /_mock/expect`, `MockServer::expect_moment`): a
//! [`MomentMatch`] names fields a moment must have; when fewer than `count` moments match, an
//! [`ExpectationFailed`] lists the received moments closest to the match, field by field.

use std::fmt;
use std::time::Duration;

use hotpot_protocol::moment::rules;
use hotpot_protocol::{MomentType, Priority};
use serde::Serialize;
use serde_json::{Value, json};

use crate::Error;
use crate::model::RecordedMoment;

/// The fields of a moment (spec §7) a match may name: its ids, the payload's fields
/// ([`rules::FIELDS`]), and what the mock records with it.
fn match_fields() -> impl Iterator<Item = &'static str> {
    ["id", "request_id"]
        .into_iter()
        .chain(rules::FIELDS)
        .chain(["created_at", "webhook_label", "integration"])
}

/// Most near misses listed.
pub(crate) const MAX_NEAR_MISSES: usize = 5;

/// What one field must be.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Want {
    /// Exactly this JSON value.
    Equals(Value),
    /// A string containing this text (`name` only).
    Contains(String),
}

impl Want {
    fn accepts(&self, found: &Value) -> bool {
        match self {
            Want::Equals(value) => value == found,
            Want::Contains(text) => found.as_str().is_some_and(|s| s.contains(text.as_str())),
        }
    }

    fn to_json(&self) -> Value {
        match self {
            Want::Equals(value) => value.clone(),
            Want::Contains(text) => json!({ "contains": text }),
        }
    }
}

/// What [`MockServer::expect_moment`](crate::MockServer::expect_moment) waits for: moments
/// whose fields are equal to the ones given (`name` may be matched by a part of it), at least
/// [`count`](Self::count) of them, within [`within`](Self::within).
///
/// ```
/// use std::time::Duration;
/// use hotpot_mock_server::MomentMatch;
/// use hotpot_protocol::MomentType;
///
/// let wanted = MomentMatch::new()
///     .name_contains("deploy")
///     .moment_type(MomentType::NearMiss)
///     .count(2)
///     .within(Duration::from_secs(5));
/// # let _ = wanted;
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[must_use = "a match does nothing until given to expect_moment"]
pub struct MomentMatch {
    pub(crate) fields: Vec<(String, Want)>,
    pub(crate) count: usize,
    pub(crate) within: Duration,
    pub(crate) token: Option<String>,
}

impl MomentMatch {
    /// A match on no field yet: any moment; `count` 1, no wait.
    pub fn new() -> Self {
        MomentMatch {
            count: 1,
            ..MomentMatch::default()
        }
    }

    fn set(mut self, field: &str, want: Want) -> Self {
        self.fields.retain(|(f, _)| f != field);
        self.fields.push((field.to_owned(), want));
        self
    }

    /// The name, exactly.
    pub fn name(self, name: impl Into<String>) -> Self {
        self.set("name", Want::Equals(Value::String(name.into())))
    }

    /// A name that contains `part`.
    pub fn name_contains(self, part: impl Into<String>) -> Self {
        self.set("name", Want::Contains(part.into()))
    }

    /// The type.
    pub fn moment_type(self, moment_type: MomentType) -> Self {
        self.set("type", Want::Equals(json!(moment_type)))
    }

    /// The priority (`medium` when the payload left it out).
    pub fn priority(self, priority: Priority) -> Self {
        self.set("priority", Want::Equals(json!(priority)))
    }

    /// The source; `None` matches a moment without one.
    pub fn source(self, source: Option<&str>) -> Self {
        self.set("source", Want::Equals(json!(source)))
    }

    /// The source URL; `None` matches a moment without one.
    pub fn source_url(self, url: Option<&str>) -> Self {
        self.set("source_url", Want::Equals(json!(url)))
    }

    /// The description; `None` matches a moment without one.
    pub fn description(self, description: Option<&str>) -> Self {
        self.set("description", Want::Equals(json!(description)))
    }

    /// The label of the webhook it came through.
    pub fn webhook_label(self, label: impl Into<String>) -> Self {
        self.set("webhook_label", Want::Equals(Value::String(label.into())))
    }

    /// The integration of its path (`/moment/TOKEN/INTEGRATION`); `None` for none.
    pub fn integration(self, integration: Option<&str>) -> Self {
        self.set("integration", Want::Equals(json!(integration)))
    }

    /// At least this many moments must match (1 otherwise).
    pub fn count(mut self, count: usize) -> Self {
        self.count = count;
        self
    }

    /// Waits up to this long for them (not at all otherwise).
    pub fn within(mut self, within: Duration) -> Self {
        self.within = within;
        self
    }

    /// Only the moments of the webhook with this token (or URL).
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Any field of a moment (spec §7) by its JSON name, as `POST /_mock/expect` takes it: a
    /// string, number, boolean or `null` to be equal to, or for `name` also
    /// `{"contains": "..."}`. An unknown field or another value is [`Error::BadRequest`].
    ///
    /// ```
    /// use hotpot_mock_server::MomentMatch;
    /// use serde_json::json;
    ///
    /// let wanted = MomentMatch::new().field("source", json!("ci"))?;
    /// assert!(MomentMatch::new().field("nmae", json!("x")).is_err());
    /// # Ok::<(), hotpot_mock_server::Error>(())
    /// ```
    pub fn field(self, field: &str, value: Value) -> Result<Self, Error> {
        if !match_fields().any(|known| known == field) {
            let shown: String = field.chars().take(40).collect();
            return Err(Error::bad(format!(
                "match.{shown}: unknown field; expected one of {}",
                match_fields().collect::<Vec<_>>().join(", ")
            )));
        }
        let want = match value {
            Value::Object(mut map) if field == "name" => {
                match (map.remove("contains"), map.is_empty()) {
                    (Some(Value::String(part)), true) => Want::Contains(part),
                    _ => {
                        return Err(Error::bad(
                            "match.name: expected a string or {\"contains\": \"text\"}, found another object",
                        ));
                    }
                }
            }
            Value::Object(_) | Value::Array(_) => {
                return Err(Error::bad(format!(
                    "match.{field}: expected a string, a number, a boolean or null, found {}",
                    if value.is_array() {
                        "an array"
                    } else {
                        "an object"
                    }
                )));
            }
            other => Want::Equals(other),
        };
        Ok(self.set(field, want))
    }

    /// The fields of `moment` (as JSON) that do not match.
    pub(crate) fn differences(&self, moment: &Value) -> Vec<Difference> {
        self.fields
            .iter()
            .filter_map(|(field, want)| {
                let found = moment.get(field).cloned().unwrap_or(Value::Null);
                (!want.accepts(&found)).then(|| Difference {
                    field: field.clone(),
                    expected: want.to_json(),
                    found,
                })
            })
            .collect()
    }

    /// The match as JSON, for messages.
    fn describe(&self) -> String {
        let map: serde_json::Map<String, Value> = self
            .fields
            .iter()
            .map(|(f, w)| (f.clone(), w.to_json()))
            .collect();
        Value::Object(map).to_string()
    }
}

/// A received moment that did not match, and how.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct NearMiss {
    /// The moment.
    pub moment: RecordedMoment,
    /// Each field that differs.
    pub differences: Vec<Difference>,
}

/// One field of a near miss: what the match wanted, what the moment has.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Difference {
    /// The field's name.
    pub field: String,
    /// What the match wanted (`{"contains": "..."}` for a part of the name).
    pub expected: Value,
    /// What the moment has.
    pub found: Value,
}

/// Fewer moments matched than expected: how many did, and the received moments closest to the
/// match (fewest differing fields first, the newest first among equals), at most 5.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ExpectationFailed {
    /// How many moments had to match.
    pub wanted: usize,
    /// The moments that did match (fewer than `wanted`).
    pub matched: Vec<RecordedMoment>,
    /// The closest of the others.
    pub near_misses: Vec<NearMiss>,
    /// The match, as JSON text (for the message).
    pub(crate) described: String,
    /// How long it waited.
    pub waited: Duration,
}

impl ExpectationFailed {
    pub(crate) fn new(
        wanted: &MomentMatch,
        matched: Vec<RecordedMoment>,
        near_misses: Vec<NearMiss>,
    ) -> Self {
        ExpectationFailed {
            wanted: wanted.count,
            matched,
            near_misses,
            described: wanted.describe(),
            waited: wanted.within,
        }
    }
}

impl fmt::Display for ExpectationFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "expected at least {} moment(s) matching {}",
            self.wanted, self.described
        )?;
        if !self.waited.is_zero() {
            write!(f, " within {:?}", self.waited)?;
        }
        write!(f, ", found {}", self.matched.len())?;
        if self.near_misses.is_empty() {
            return f.write_str("; no other moment was received");
        }
        f.write_str("; closest received moments first:")?;
        for miss in &self.near_misses {
            write!(f, "\n  - moment {} {:?}:", miss.moment.id, miss.moment.name)?;
            for d in &miss.differences {
                write!(
                    f,
                    " {}: expected {}, found {};",
                    d.field, d.expected, d.found
                )?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for ExpectationFailed {}
