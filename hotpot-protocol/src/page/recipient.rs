//! [`Recipient`]: who a page is for, a person or a team.

use std::fmt;

use crate::moment::{Problem, ValidationError};

use super::rules;

/// The two kinds of recipient, and the route each is paged through.
///
/// ```
/// use hotpot_protocol::RecipientKind;
/// assert_eq!(RecipientKind::Team.path(), "/page/team");
/// assert_eq!(RecipientKind::Person.as_str(), "person");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecipientKind {
    /// A user, by e-mail address (`POST /page/person`).
    Person,
    /// The people on call for a team, by slug (`POST /page/team`).
    Team,
}

impl RecipientKind {
    /// `person` or `team`, as the mock's page records write it.
    pub const fn as_str(self) -> &'static str {
        match self {
            RecipientKind::Person => "person",
            RecipientKind::Team => "team",
        }
    }

    /// The route's path: `/page/person` or `/page/team`.
    pub const fn path(self) -> &'static str {
        match self {
            RecipientKind::Person => "/page/person",
            RecipientKind::Team => "/page/team",
        }
    }

    /// Checks `recipient` against this kind's rule (an e-mail address or a team slug).
    pub fn check(self, recipient: &str) -> Result<(), String> {
        match self {
            RecipientKind::Person => rules::check_email(recipient),
            RecipientKind::Team => rules::check_team_slug(recipient),
        }
    }
}

impl fmt::Display for RecipientKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A checked recipient: a person's e-mail address or a team's slug (spec §14).
///
/// ```
/// use hotpot_protocol::Recipient;
///
/// let ana = Recipient::person("Ana@Example.com")?;
/// assert!(ana.matches("ana@example.com")); // e-mail addresses: any case
/// let team = Recipient::team("payments")?;
/// assert!(!team.matches("Payments")); // slugs: exactly
/// let err = Recipient::person("ana").unwrap_err();
/// assert_eq!(err.problems()[0].field, "recipient");
/// # Ok::<(), hotpot_protocol::ValidationError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Recipient {
    /// A user's e-mail address.
    Person(String),
    /// A team's slug.
    Team(String),
}

impl Recipient {
    /// A person, by e-mail address; the error names the field `recipient`.
    pub fn person(email: impl Into<String>) -> Result<Self, ValidationError> {
        Self::new(RecipientKind::Person, email.into())
    }

    /// A team, by slug; the error names the field `recipient`.
    pub fn team(slug: impl Into<String>) -> Result<Self, ValidationError> {
        Self::new(RecipientKind::Team, slug.into())
    }

    /// A recipient of `kind`, checked.
    pub fn new(kind: RecipientKind, recipient: String) -> Result<Self, ValidationError> {
        match kind.check(&recipient) {
            Ok(()) => Ok(Self::unchecked(kind, recipient)),
            Err(message) => Err(ValidationError::for_page(vec![Problem::new(
                "recipient",
                message,
            )])),
        }
    }

    pub(crate) fn unchecked(kind: RecipientKind, recipient: String) -> Self {
        match kind {
            RecipientKind::Person => Recipient::Person(recipient),
            RecipientKind::Team => Recipient::Team(recipient),
        }
    }

    /// Person or team.
    pub fn kind(&self) -> RecipientKind {
        match self {
            Recipient::Person(_) => RecipientKind::Person,
            Recipient::Team(_) => RecipientKind::Team,
        }
    }

    /// The e-mail address or the slug, as given.
    pub fn as_str(&self) -> &str {
        match self {
            Recipient::Person(s) | Recipient::Team(s) => s,
        }
    }

    /// Whether `other` names this recipient: e-mail addresses compared without regard to
    /// case, slugs exactly.
    pub fn matches(&self, other: &str) -> bool {
        match self {
            Recipient::Person(email) => {
                email.eq_ignore_ascii_case(other) || email.to_lowercase() == other.to_lowercase()
            }
            Recipient::Team(slug) => slug == other,
        }
    }
}

impl fmt::Display for Recipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind(), self.as_str())
    }
}
