//! The page model of spec §14: [`Page`], [`PageBuilder`], [`Urgency`], [`Recipient`], the body
//! a page is sent as ([`PageRequest`]), the server-side parse ([`parse_page_lenient`]) and the
//! acknowledgement records ([`Acknowledgement`]).
//!
//! The field rules are in [`rules`]; the rest only call them.

mod ack;
mod lenient;
mod recipient;
pub mod rules;
mod urgency;

use std::borrow::Cow;

use serde::ser::{Serialize, SerializeMap, Serializer};

pub use ack::{ACK_HANDLED, Acknowledgement, parse_acknowledgements};
pub use lenient::{LenientPage, parse_page_lenient};
pub use recipient::{Recipient, RecipientKind};
pub use urgency::Urgency;

use crate::moment::{Problem, ValidationError};

/// A page's content that satisfies every field rule of spec §14: a title, a text, and
/// optionally an urgency and a link. Who it goes to is given when it is sent
/// ([`PageRequest`]), so one page can be sent to a team and to a person.
///
/// ```
/// use hotpot_protocol::{Page, Urgency};
///
/// let page = Page::builder("Rollback failed", "The deploy of api 1.4.2 could not be rolled back.")
///     .urgency(Urgency::High)
///     .source_url("https://ci.example.com/runs/1234")
///     .build()?;
/// assert_eq!(page.urgency(), Some(Urgency::High));
/// # Ok::<(), hotpot_protocol::ValidationError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Page {
    title: String,
    text: String,
    urgency: Option<Urgency>,
    source_url: Option<String>,
}

impl Page {
    /// Starts a page with its two required fields.
    pub fn builder(title: impl Into<String>, text: impl Into<String>) -> PageBuilder {
        PageBuilder {
            fields: Page {
                title: title.into(),
                text: text.into(),
                urgency: None,
                source_url: None,
            },
        }
    }

    /// A builder holding this page's fields, to derive a changed copy.
    pub fn to_builder(&self) -> PageBuilder {
        PageBuilder {
            fields: self.clone(),
        }
    }

    /// The short summary (at most 200 characters).
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The full body (at most 10,000 characters).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The urgency, if set (Hotpot uses `medium` when it is not).
    pub fn urgency(&self) -> Option<Urgency> {
        self.urgency
    }

    /// A link to more detail, if set (an absolute http or https URL).
    pub fn source_url(&self) -> Option<&str> {
        self.source_url.as_deref()
    }
}

/// Collects a page's fields; [`build`](PageBuilder::build) checks every §14 rule at once.
///
/// ```
/// use hotpot_protocol::Page;
/// let err = Page::builder("", " ").source_url("ftp://x").build().unwrap_err();
/// let fields: Vec<&str> = err.problems().iter().map(|p| p.field.as_str()).collect();
/// assert_eq!(fields, ["title", "text", "source_url"]);
/// assert!(err.to_string().starts_with("invalid page: 3 problems: "));
/// ```
#[derive(Clone, Debug)]
#[must_use = "a builder does nothing until build() is called"]
pub struct PageBuilder {
    fields: Page,
}

impl PageBuilder {
    /// Sets the urgency.
    pub fn urgency(mut self, urgency: Urgency) -> Self {
        self.fields.urgency = Some(urgency);
        self
    }

    /// Sets a link to more detail; checked by `build()` to be an absolute http(s) URL.
    pub fn source_url(mut self, url: impl Into<String>) -> Self {
        self.fields.source_url = Some(url.into());
        self
    }

    /// Checks every rule of §14 and returns the page, or every problem found.
    pub fn build(self) -> Result<Page, ValidationError> {
        let f = &self.fields;
        let mut problems = Vec::new();
        let mut check = |field: &str, result: Result<(), String>| {
            if let Err(message) = result {
                problems.push(Problem::new(field, message));
            }
        };
        check("title", rules::check_title(&f.title));
        check("text", rules::check_text(&f.text));
        if let Some(url) = &f.source_url {
            check("source_url", rules::check_source_url(url));
        }
        if problems.is_empty() {
            Ok(self.fields)
        } else {
            Err(ValidationError::for_page(problems))
        }
    }
}

/// A page and its recipient: the body of `POST /page/person` or `POST /page/team`.
///
/// ```
/// use hotpot_protocol::{Page, PageRequest, Recipient, Urgency};
///
/// let page = Page::builder("Backup missing", "No backup since 02:00.").urgency(Urgency::High).build()?;
/// let request = PageRequest::new(Recipient::team("ops")?, page);
/// assert_eq!(request.path(), "/page/team");
/// assert_eq!(
///     request.to_json(),
///     r#"{"title":"Backup missing","text":"No backup since 02:00.","recipient":"ops","urgency":"high"}"#
/// );
/// # Ok::<(), hotpot_protocol::ValidationError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PageRequest {
    recipient: Recipient,
    page: Page,
}

impl PageRequest {
    /// Pairs a checked recipient with a checked page.
    pub fn new(recipient: Recipient, page: Page) -> Self {
        PageRequest { recipient, page }
    }

    /// Who the page is for.
    pub fn recipient(&self) -> &Recipient {
        &self.recipient
    }

    /// What the page says.
    pub fn page(&self) -> &Page {
        &self.page
    }

    /// The route it is sent to: `/page/person` or `/page/team`.
    pub fn path(&self) -> &'static str {
        self.recipient.kind().path()
    }

    /// The body's fields as they go on the wire, in the specification's order, absent ones
    /// left out.
    pub fn wire_fields(&self) -> impl Iterator<Item = (&'static str, Cow<'_, str>)> {
        let p = &self.page;
        [
            ("title", Some(Cow::Borrowed(p.title.as_str()))),
            ("text", Some(Cow::Borrowed(p.text.as_str()))),
            ("recipient", Some(Cow::Borrowed(self.recipient.as_str()))),
            ("urgency", p.urgency.map(|u| Cow::Borrowed(u.as_str()))),
            ("source_url", p.source_url.as_deref().map(Cow::Borrowed)),
        ]
        .into_iter()
        .filter_map(|(key, value)| Some((key, value?)))
    }

    /// The canonical JSON body.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The canonical JSON body as bytes, ready to be a request body.
    pub fn to_json_vec(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// The canonical JSON body as a [`serde_json::Value`].
    pub fn to_json_value(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

impl Serialize for PageRequest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (key, value) in self.wire_fields() {
            map.serialize_entry(key, &value)?;
        }
        map.end()
    }
}
