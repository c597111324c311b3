//! The public records of pages (spec §14): [`RecordedPage`], who it [`Notification`]s, and
//! the small enums they use. Each serialises to the JSON shape `GET /_mock/pages` answers.

use chrono::{DateTime, Utc};
use hotpot_protocol::{Acknowledgement, Problem, RecipientKind};
use serde::Serialize;

use crate::model::ser_time;

/// Which route a page came through: `POST /page/person` or `POST /page/team`.
///
/// ```
/// use hotpot_mock_server::PageKind;
/// assert_eq!(serde_json::to_string(&PageKind::Team).unwrap(), "\"team\"");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PageKind {
    /// `POST /page/person`: the recipient is an e-mail address.
    Person,
    /// `POST /page/team`: the recipient is a team's slug.
    Team,
}

impl PageKind {
    /// `person` or `team`.
    ///
    /// ```
    /// assert_eq!(hotpot_mock_server::PageKind::Person.as_str(), "person");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            PageKind::Person => "person",
            PageKind::Team => "team",
        }
    }

    pub(crate) fn recipient_kind(self) -> RecipientKind {
        match self {
            PageKind::Person => RecipientKind::Person,
            PageKind::Team => RecipientKind::Team,
        }
    }
}

/// What became of a page: delivered to someone, or not.
///
/// ```
/// use hotpot_mock_server::PageStatus;
/// assert_eq!(serde_json::to_string(&PageStatus::Error).unwrap(), "\"error\"");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PageStatus {
    /// At least one person was notified.
    Success,
    /// A field problem, an unknown person or team, or a team with nobody to notify.
    Error,
}

impl PageStatus {
    /// `success` or `error`.
    ///
    /// ```
    /// assert_eq!(hotpot_mock_server::PageStatus::Success.as_str(), "success");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            PageStatus::Success => "success",
            PageStatus::Error => "error",
        }
    }
}

/// Why a person was notified of a page.
///
/// ```
/// use hotpot_mock_server::NotificationRole;
/// assert_eq!(serde_json::to_string(&NotificationRole::Backstop).unwrap(), "\"backstop\"");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NotificationRole {
    /// The recipient of a person page.
    Person,
    /// A member of one of the team's stages.
    Stage,
    /// On the team's `copy` list.
    Copy,
    /// The team's backstop, after the last stage.
    Backstop,
}

/// One person notified of a page: `{"email", "at", "role", "stage"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Notification {
    /// The user's e-mail address, as the directory spells it.
    pub email: String,
    /// When the notification was due, on the mock's clock: the page's `received_at`, plus
    /// `escalate_after_s` for each stage after the first (and once more for the backstop).
    #[serde(serialize_with = "ser_time")]
    pub at: DateTime<Utc>,
    /// Why this person.
    pub role: NotificationRole,
    /// The stage (1, 2, ...) for a [`NotificationRole::Stage`]; `None` otherwise.
    pub stage: Option<u32>,
}

/// A page the mock accepted (202, or 422 in strict mode), as `GET /_mock/pages` lists it.
///
/// ```
/// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
/// let server = hotpot_mock_server::MockServer::start().await?;
/// assert!(server.pages().is_empty());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RecordedPage {
    /// The page's id once it is delivered (the `message_id` of its status); `None` for an
    /// `error` page.
    pub id: Option<String>,
    /// The request id the 202 answered with.
    pub request_id: String,
    /// The route it came through.
    pub kind: PageKind,
    /// The recipient as sent (`None` when it was missing or not a string).
    pub recipient: Option<String>,
    /// The title as sent (`None` when it was missing or not a string).
    pub title: Option<String>,
    /// The text as sent (`None` when it was missing or not a string).
    pub text: Option<String>,
    /// The effective urgency in lower case (`medium` when none was sent; as sent when it was
    /// not a valid one).
    pub urgency: Option<String>,
    /// The source URL as sent, if any.
    pub source_url: Option<String>,
    /// When the mock received it, by its clock.
    #[serde(serialize_with = "ser_time")]
    pub received_at: DateTime<Utc>,
    /// Delivered, or not.
    pub status: PageStatus,
    /// `Page delivered`, or why not.
    pub status_message: String,
    /// Every problem (a field rule, an unknown recipient, nobody to notify).
    pub errors: Vec<Problem>,
    /// Everyone notified so far (by the mock's clock), in the order they were due; each
    /// person once.
    pub notified: Vec<Notification>,
    /// Who handled it, in order.
    pub acknowledgements: Vec<Acknowledgement>,
    /// One per unknown field of the body, which was ignored.
    pub warnings: Vec<Problem>,
}
