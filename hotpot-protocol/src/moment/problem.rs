//! [`Problem`] (one field, one message) and [`ValidationError`] (every problem of a moment).

use std::fmt;

use serde::{Deserialize, Serialize};

/// One problem with one field of a moment: which field, and a message that says what was
/// expected and what was found.
///
/// The same shape is used for the errors and the warnings of a lenient parse, for the
/// `errors` of the mock server's events and for the `details` of a strict 422 answer.
///
/// ```
/// use hotpot_protocol::{Moment, MomentType};
///
/// let err = Moment::builder("", MomentType::Alert).build().unwrap_err();
/// let problem = &err.problems()[0];
/// assert_eq!(problem.field, "name");
/// assert!(problem.message.contains("expected"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Problem {
    /// The payload field the problem is about (`name`, `type`, ...), or `payload` for the
    /// payload as a whole.
    pub field: String,
    /// What was expected and what was found.
    pub message: String,
}

impl Problem {
    /// A problem with `field`.
    ///
    /// ```
    /// let p = hotpot_protocol::Problem::new("name", "expected a string, found a number (42)");
    /// assert_eq!(p.to_string(), "name: expected a string, found a number (42)");
    /// ```
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// A moment that breaks one or more rules of the spec §1: every problem, not just the
/// first.
///
/// ```
/// use hotpot_protocol::{Moment, MomentType};
///
/// let err = Moment::builder("   ", MomentType::Page)
///     .source_url("not a url")
///     .build()
///     .unwrap_err();
/// let fields: Vec<&str> = err.problems().iter().map(|p| p.field.as_str()).collect();
/// assert_eq!(fields, ["name", "source_url"]);
/// println!("{err}"); // "invalid moment: 2 problems: name: ...; source_url: ..."
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ValidationError {
    problems: Vec<Problem>,
    /// What was invalid, for the message: `moment` or `page`.
    subject: &'static str,
}

impl ValidationError {
    /// Wraps a non-empty list of problems.
    ///
    /// ```
    /// use hotpot_protocol::{Problem, ValidationError};
    /// let err = ValidationError::new(vec![Problem::new("type", "expected one of page, alert, near-miss, incident, found nothing")]);
    /// assert_eq!(err.problems().len(), 1);
    /// ```
    pub fn new(problems: Vec<Problem>) -> Self {
        debug_assert!(!problems.is_empty(), "a ValidationError needs a problem");
        ValidationError {
            problems,
            subject: "moment",
        }
    }

    /// Wraps a non-empty list of problems of a page (spec §14); its message starts with
    /// `invalid page`.
    ///
    /// ```
    /// use hotpot_protocol::{Problem, ValidationError};
    /// let err = ValidationError::for_page(vec![Problem::new("title", "expected a non-blank string, found an empty string")]);
    /// assert!(err.to_string().starts_with("invalid page: title: "));
    /// ```
    pub fn for_page(problems: Vec<Problem>) -> Self {
        ValidationError {
            subject: "page",
            ..ValidationError::new(problems)
        }
    }

    /// What was invalid: `"moment"` or `"page"`.
    pub fn subject(&self) -> &'static str {
        self.subject
    }

    /// Every problem, in field order.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// Takes the problems out.
    pub fn into_problems(self) -> Vec<Problem> {
        self.problems
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problems.as_slice() {
            [one] => write!(f, "invalid {}: {one}", self.subject),
            many => {
                write!(f, "invalid {}: {} problems: ", self.subject, many.len())?;
                for (i, p) in many.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{p}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ValidationError {}
