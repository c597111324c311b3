//! The on-call directory the mock pages (spec §14): [`User`] and [`Team`] records, the inputs
//! that add them ([`NewUser`], [`NewTeam`]), and [`OncallDirectory`], the `--oncall FILE`
//! document `{"users": [...], "teams": [...]}`.
//!
//! The JSON forms are read by one set of functions, for the admin API (`POST /_mock/users`,
//! `POST /_mock/teams`) and the file alike: unknown fields are refused, and every message
//! names the field, what was expected and what was found.

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Error;
use crate::http::input::{Field, Input};

/// The e-mail of the user the mock has when it was given no on-call directory.
pub const DEFAULT_ONCALL_EMAIL: &str = "oncall@example.com";

/// The slug of the team the mock has when it was given no on-call directory.
pub const DEFAULT_TEAM_SLUG: &str = "default";

/// How long a team waits before paging its next stage unless told otherwise: 300 s.
pub const DEFAULT_ESCALATE_AFTER_S: u64 = 300;

/// The longest `escalate_after_s`: a week.
pub const MAX_ESCALATE_AFTER_S: u64 = 7 * 24 * 3600;

/// A person pages can reach: `{"id", "email", "name"}` as `GET /_mock/users` lists them.
///
/// ```
/// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
/// use hotpot_mock_server::{MockServer, NewUser};
/// let server = MockServer::start().await?;
/// let user = server.add_user(NewUser::new("ada@example.com").name("Ada"))?;
/// assert_eq!((user.email.as_str(), user.name.as_str()), ("ada@example.com", "Ada"));
/// assert!(!user.id.is_empty());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct User {
    /// Made by the mock (a UUID); an acknowledgement's `acknowledged_by`.
    pub id: String,
    /// The address pages to this person use (compared without regard to case).
    pub email: String,
    /// A display name.
    pub name: String,
}

/// A team pages can reach: `{"slug", "name", "stages", "backstop", "escalate_after_s",
/// "copy"}` as `GET /_mock/teams` lists them. Every e-mail in it is a known [`User`]'s, as
/// that user spells it.
///
/// ```
/// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
/// use hotpot_mock_server::MockServer;
/// let server = MockServer::start().await?;
/// let teams = server.teams();
/// assert_eq!(teams[0].slug, "default");
/// assert_eq!(teams[0].stages, vec![vec!["oncall@example.com".to_owned()]]);
/// assert_eq!(teams[0].escalate_after_s, 300);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Team {
    /// The slug pages name (compared exactly).
    pub slug: String,
    /// A display name.
    pub name: String,
    /// Who is paged, stage by stage: the first at once, each next one `escalate_after_s` later.
    pub stages: Vec<Vec<String>>,
    /// Paged once more after the last stage, if nobody has handled the page.
    pub backstop: Option<String>,
    /// Seconds between stages (on the mock's clock).
    pub escalate_after_s: u64,
    /// Notified at once with the first stage, and never escalated.
    pub copy: Vec<String>,
}

/// A user to add: `email` (required) and `name` (the part before `@` when absent).
///
/// ```
/// let user = hotpot_mock_server::NewUser::new("ops@example.com").name("Ops");
/// assert_eq!(user.email, "ops@example.com");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
#[must_use = "a NewUser does nothing until it is added"]
pub struct NewUser {
    /// The user's e-mail address.
    pub email: String,
    /// The display name; the part of `email` before `@` when `None`.
    pub name: Option<String>,
}

impl NewUser {
    /// A user with this e-mail address.
    ///
    /// ```
    /// assert!(hotpot_mock_server::NewUser::new("a@example.com").name.is_none());
    /// ```
    pub fn new(email: impl Into<String>) -> Self {
        NewUser {
            email: email.into(),
            name: None,
        }
    }

    /// Its display name.
    ///
    /// ```
    /// let user = hotpot_mock_server::NewUser::new("a@example.com").name("Ada");
    /// assert_eq!(user.name.as_deref(), Some("Ada"));
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Reads `{"email", "name"?}`.
    pub(crate) fn from_json(value: Value) -> Result<Self, Error> {
        let mut input = Input::object(value, &["email", "name"])?;
        let email = required(input.opt_string("email")?, "email", "an e-mail address")?;
        let name = input.opt_string("name")?;
        input.finish()?;
        Ok(NewUser { email, name })
    }
}

/// A team to add: `slug` and `stages` (required; `stages` may be empty), `name` (the slug
/// when absent), `backstop` (none), `escalate_after_s` (300) and `copy` (nobody). Every
/// e-mail must be a known user's.
///
/// ```
/// use std::time::Duration;
/// use hotpot_mock_server::NewTeam;
/// let team = NewTeam::new("payments", [["ada@example.com"], ["bob@example.com"]])
///     .backstop("cto@example.com")
///     .escalate_after(Duration::from_secs(60))
///     .copy(["lead@example.com"]);
/// assert_eq!(team.stages.len(), 2);
/// assert_eq!(team.escalate_after_s, Some(60));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
#[must_use = "a NewTeam does nothing until it is added"]
pub struct NewTeam {
    /// The slug pages name: letters, digits, `-` and `_`.
    pub slug: String,
    /// The display name; the slug when `None`.
    pub name: Option<String>,
    /// Who is paged, stage by stage.
    pub stages: Vec<Vec<String>>,
    /// Paged after the last stage.
    pub backstop: Option<String>,
    /// Seconds between stages; [`DEFAULT_ESCALATE_AFTER_S`] when `None`.
    pub escalate_after_s: Option<u64>,
    /// Notified at once with the first stage.
    pub copy: Vec<String>,
}

impl NewTeam {
    /// A team with this slug and these stages (each a list of e-mail addresses).
    ///
    /// ```
    /// let team = hotpot_mock_server::NewTeam::new("ops", [["a@example.com", "b@example.com"]]);
    /// assert_eq!(team.stages[0].len(), 2);
    /// ```
    pub fn new<S, E>(slug: impl Into<String>, stages: S) -> Self
    where
        S: IntoIterator,
        S::Item: IntoIterator<Item = E>,
        E: Into<String>,
    {
        NewTeam {
            slug: slug.into(),
            name: None,
            stages: stages
                .into_iter()
                .map(|stage| stage.into_iter().map(Into::into).collect())
                .collect(),
            backstop: None,
            escalate_after_s: None,
            copy: Vec::new(),
        }
    }

    /// Its display name.
    ///
    /// ```
    /// let team = hotpot_mock_server::NewTeam::new("ops", [["a@example.com"]]).name("Operations");
    /// assert_eq!(team.name.as_deref(), Some("Operations"));
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The user paged after the last stage.
    ///
    /// ```
    /// let team = hotpot_mock_server::NewTeam::new("ops", [["a@example.com"]]).backstop("b@example.com");
    /// assert_eq!(team.backstop.as_deref(), Some("b@example.com"));
    /// ```
    pub fn backstop(mut self, email: impl Into<String>) -> Self {
        self.backstop = Some(email.into());
        self
    }

    /// The time between stages, in whole seconds (a fraction is dropped).
    ///
    /// ```
    /// use std::time::Duration;
    /// let team = hotpot_mock_server::NewTeam::new("ops", [["a@example.com"]])
    ///     .escalate_after(Duration::from_secs(120));
    /// assert_eq!(team.escalate_after_s, Some(120));
    /// ```
    pub fn escalate_after(mut self, after: Duration) -> Self {
        self.escalate_after_s = Some(after.as_secs());
        self
    }

    /// The users notified at once with the first stage, and never escalated.
    ///
    /// ```
    /// let team = hotpot_mock_server::NewTeam::new("ops", [["a@example.com"]]).copy(["c@example.com"]);
    /// assert_eq!(team.copy, vec!["c@example.com".to_owned()]);
    /// ```
    pub fn copy<E: Into<String>>(mut self, emails: impl IntoIterator<Item = E>) -> Self {
        self.copy = emails.into_iter().map(Into::into).collect();
        self
    }

    /// Reads `{"slug", "stages", "name"?, "backstop"?, "escalate_after_s"?, "copy"?}`.
    pub(crate) fn from_json(value: Value) -> Result<Self, Error> {
        let mut input = Input::object(
            value,
            &[
                "slug",
                "name",
                "stages",
                "backstop",
                "escalate_after_s",
                "copy",
            ],
        )?;
        let slug = required(input.opt_string("slug")?, "slug", "a team slug")?;
        let name = input.opt_string("name")?;
        let stages = match input.raw("stages") {
            Field::Set(Value::Array(stages)) => stages
                .into_iter()
                .enumerate()
                .map(|(i, stage)| emails(stage, &format!("stages[{i}]")))
                .collect::<Result<Vec<_>, _>>()?,
            Field::Set(other) => {
                return Err(Error::bad(format!(
                    "stages: expected a list of stages (each a list of e-mail addresses), found {}",
                    crate::http::input::kind(&other)
                )));
            }
            Field::Null | Field::Absent => {
                return Err(Error::bad(
                    "stages: required: expected a list of stages (each a list of e-mail addresses, possibly none), found nothing",
                ));
            }
        };
        let backstop = input.opt_string("backstop")?;
        let escalate_after_s = input
            .integer("escalate_after_s", 0, MAX_ESCALATE_AFTER_S as i64)?
            .map(|s| s as u64);
        let copy = match input.raw("copy") {
            Field::Set(value) => emails(value, "copy")?,
            Field::Null | Field::Absent => Vec::new(),
        };
        input.finish()?;
        Ok(NewTeam {
            slug,
            name,
            stages,
            backstop,
            escalate_after_s,
            copy,
        })
    }
}

/// The on-call directory a server starts with: the `--oncall FILE` document
/// `{"users": [{"email", "name"?}, ...], "teams": [{"slug", "stages", ...}, ...]}`, the same
/// objects `POST /_mock/users` and `POST /_mock/teams` take. Users come first, so teams can
/// name them.
///
/// ```
/// let directory = hotpot_mock_server::OncallDirectory::from_json(r#"{
///     "users": [{"email": "ada@example.com", "name": "Ada"}],
///     "teams": [{"slug": "ops", "stages": [["ada@example.com"]]}]
/// }"#).unwrap();
/// assert_eq!(directory.users.len(), 1);
/// assert_eq!(directory.teams[0].slug, "ops");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct OncallDirectory {
    /// The users, added first.
    pub users: Vec<NewUser>,
    /// The teams, added after the users.
    pub teams: Vec<NewTeam>,
}

impl OncallDirectory {
    /// Reads the JSON document; unknown fields are refused, and the message names where.
    ///
    /// ```
    /// let err = hotpot_mock_server::OncallDirectory::from_json(r#"{"user": []}"#).unwrap_err();
    /// assert_eq!(err.to_string(), "user: unknown field; expected only users, teams");
    /// ```
    pub fn from_json(text: &str) -> Result<Self, Error> {
        let value: Value = serde_json::from_str(text).map_err(|e| {
            Error::bad(format!(
                "expected a JSON object {{\"users\": [...], \"teams\": [...]}}, found text that is not JSON ({e})"
            ))
        })?;
        let mut input = Input::object(value, &["users", "teams"])?;
        let list = |field: Field<Value>, key: &str| -> Result<Vec<Value>, Error> {
            match field {
                Field::Set(Value::Array(items)) => Ok(items),
                Field::Set(other) => Err(Error::bad(format!(
                    "{key}: expected a list of objects, found {}",
                    crate::http::input::kind(&other)
                ))),
                Field::Null | Field::Absent => Ok(Vec::new()),
            }
        };
        let users = list(input.raw("users"), "users")?;
        let teams = list(input.raw("teams"), "teams")?;
        input.finish()?;
        let users = users
            .into_iter()
            .enumerate()
            .map(|(i, u)| NewUser::from_json(u).map_err(|e| within(&format!("users[{i}]"), e)))
            .collect::<Result<_, _>>()?;
        let teams = teams
            .into_iter()
            .enumerate()
            .map(|(i, t)| NewTeam::from_json(t).map_err(|e| within(&format!("teams[{i}]"), e)))
            .collect::<Result<_, _>>()?;
        Ok(OncallDirectory { users, teams })
    }

    /// Reads the document from a file (`--oncall FILE`); the message names the file.
    pub fn from_file(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::bad(format!(
                "oncall: expected a readable JSON file, found {} ({e})",
                path.display()
            ))
        })?;
        Self::from_json(&text)
            .map_err(|e| Error::bad(format!("oncall file {}: {e}", path.display())))
    }

    /// Adds a user.
    ///
    /// ```
    /// use hotpot_mock_server::{NewUser, OncallDirectory};
    /// let directory = OncallDirectory::default().user(NewUser::new("a@example.com"));
    /// assert_eq!(directory.users.len(), 1);
    /// ```
    #[must_use]
    pub fn user(mut self, user: NewUser) -> Self {
        self.users.push(user);
        self
    }

    /// Adds a team.
    ///
    /// ```
    /// use hotpot_mock_server::{NewTeam, OncallDirectory};
    /// let directory = OncallDirectory::default().team(NewTeam::new("ops", [["a@example.com"]]));
    /// assert_eq!(directory.teams.len(), 1);
    /// ```
    #[must_use]
    pub fn team(mut self, team: NewTeam) -> Self {
        self.teams.push(team);
        self
    }
}

/// `where: message` for an error inside a list of the document.
pub(crate) fn within(place: &str, err: Error) -> Error {
    match err {
        Error::BadRequest(m) => Error::bad(format!("{place}.{m}")),
        Error::Conflict(m) => Error::bad(format!("{place}.{m}")),
        other => other,
    }
}

/// The value of a required field, or "required: expected ..., found nothing".
fn required<T>(value: Option<T>, key: &str, what: &str) -> Result<T, Error> {
    value.ok_or_else(|| Error::bad(format!("{key}: required: expected {what}, found nothing")))
}

/// A JSON list of e-mail addresses.
fn emails(value: Value, key: &str) -> Result<Vec<String>, Error> {
    let Value::Array(items) = value else {
        return Err(Error::bad(format!(
            "{key}: expected a list of e-mail addresses, found {}",
            crate::http::input::kind(&value)
        )));
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| match item {
            Value::String(s) => Ok(s),
            other => Err(Error::bad(format!(
                "{key}[{i}]: expected an e-mail address (a string), found {}",
                crate::http::input::kind(&other)
            ))),
        })
        .collect()
}
