//! Parsing a received page body the way a server does: leniently, every problem and warning.

use serde_json::Value;

use crate::moment::lenient::parse_fields;
use crate::moment::{Problem, ValidationError};

use super::rules::{self, FIELDS, TEXT_MAX_CHARS, TITLE_MAX_CHARS};
use super::{Page, PageRequest, Recipient, RecipientKind};

/// What [`parse_page_lenient`] found in a page body: the page and its recipient, or every
/// problem; and the warnings (unknown fields) in either case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LenientPage {
    /// The page and its recipient, or every §14 field problem of the body.
    pub request: Result<PageRequest, ValidationError>,
    /// One warning per unknown field, which was ignored (`urgence` → "did you mean
    /// `urgency`?").
    pub warnings: Vec<Problem>,
}

/// Parses a page body received on the route for `kind` (spec §14), as a server does.
///
/// Lenient where the specification is: `urgency` in any case, `null` for an absent optional
/// field, unknown fields ignored with a warning. `""` is a value: an error for `urgency` and
/// `source_url`. Every problem is reported, each naming its field and saying what was
/// expected and what was found — wrong JSON types included.
///
/// ```
/// use hotpot_protocol::{parse_page_lenient, RecipientKind, Urgency};
/// use serde_json::json;
///
/// let parsed = parse_page_lenient(
///     &json!({"title": "Disk full", "text": "db-1 is at 100 %", "recipient": "ops",
///             "urgency": "HIGH", "source_url": null, "priority": "high"}),
///     RecipientKind::Team,
/// );
/// let request = parsed.request.unwrap();
/// assert_eq!(request.page().urgency(), Some(Urgency::High));
/// assert_eq!(parsed.warnings[0].field, "priority");
///
/// let parsed = parse_page_lenient(&json!({"title": 1, "urgency": ""}), RecipientKind::Person);
/// let fields: Vec<String> = parsed.request.unwrap_err().problems().iter().map(|p| p.field.clone()).collect();
/// assert_eq!(fields, ["title", "text", "recipient", "urgency"]);
/// ```
pub fn parse_page_lenient(payload: &Value, kind: RecipientKind) -> LenientPage {
    let owned =
        |check: fn(&str) -> Result<(), String>| move |s: &str| check(s).map(|()| s.to_owned());
    let (request, warnings) = parse_fields(payload, &FIELDS, |fields| {
        let title = fields.required(
            "title",
            &format_args!("a non-blank string of at most {TITLE_MAX_CHARS} characters"),
            owned(rules::check_title),
        );
        let text = fields.required(
            "text",
            &format_args!("a non-blank string of at most {TEXT_MAX_CHARS} characters"),
            owned(rules::check_text),
        );
        let recipient_expected = match kind {
            RecipientKind::Person => "an e-mail address",
            RecipientKind::Team => "a team slug",
        };
        let recipient = fields.required("recipient", &recipient_expected, |s| {
            kind.check(s).map(|()| s.to_owned())
        });
        let urgency = fields.optional("urgency", rules::parse_urgency);
        let source_url = fields.optional("source_url", owned(rules::check_source_url));
        Some(PageRequest::new(
            Recipient::unchecked(kind, recipient?),
            Page {
                title: title?,
                text: text?,
                urgency,
                source_url,
            },
        ))
    });
    LenientPage {
        request: request.map_err(ValidationError::for_page),
        warnings,
    }
}
