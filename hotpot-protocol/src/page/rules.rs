//! The field rules of a page (spec §14), in one place.
//!
//! Every check returns the message of a [`Problem`](crate::Problem): what was expected and what
//! was found. The builder ([`PageBuilder::build`](super::PageBuilder::build)), the recipient
//! constructors ([`Recipient::person`](super::Recipient::person),
//! [`Recipient::team`](super::Recipient::team)) and the server-side parse
//! ([`parse_page_lenient`](super::parse_page_lenient)) all call these functions.

use crate::moment::rules::{parse_word, quote};

use super::Urgency;

/// Longest allowed `title`, in Unicode scalar values.
pub const TITLE_MAX_CHARS: usize = 200;

/// Longest allowed `text`, in Unicode scalar values.
pub const TEXT_MAX_CHARS: usize = 10_000;

/// The wire names of a page body's fields, in the specification's order.
pub const FIELDS: [&str; 5] = ["title", "text", "recipient", "urgency", "source_url"];

/// `title`: a non-blank string of at most [`TITLE_MAX_CHARS`] characters.
///
/// ```
/// use hotpot_protocol::page::rules::check_title;
/// assert!(check_title("Rollback failed").is_ok());
/// assert!(check_title(" ").unwrap_err().contains("found only whitespace"));
/// ```
pub fn check_title(title: &str) -> Result<(), String> {
    check_non_blank(title, TITLE_MAX_CHARS)
}

/// `text`: a non-blank string of at most [`TEXT_MAX_CHARS`] characters.
///
/// ```
/// use hotpot_protocol::page::rules::check_text;
/// assert!(check_text(&"x".repeat(10_001)).unwrap_err().contains("found 10001 characters"));
/// ```
pub fn check_text(text: &str) -> Result<(), String> {
    check_non_blank(text, TEXT_MAX_CHARS)
}

fn check_non_blank(s: &str, max: usize) -> Result<(), String> {
    let expected = format!("expected a non-blank string of at most {max} characters");
    if s.is_empty() {
        return Err(format!("{expected}, found an empty string"));
    }
    let chars = s.chars().count();
    if chars > max {
        return Err(format!(
            "{expected}, found {chars} characters ({})",
            quote(s)
        ));
    }
    if s.chars().all(char::is_whitespace) {
        return Err(format!("{expected}, found only whitespace ({})", quote(s)));
    }
    Ok(())
}

/// `urgency`: `low`, `medium` or `high`, in any case.
///
/// ```
/// use hotpot_protocol::{Urgency, page::rules::parse_urgency};
/// assert_eq!(parse_urgency("HIGH"), Ok(Urgency::High));
/// assert!(parse_urgency("").unwrap_err().contains("found \"\""));
/// ```
pub fn parse_urgency(s: &str) -> Result<Urgency, String> {
    parse_word(s, &Urgency::ALL, Urgency::as_str)
}

/// `source_url`: an absolute `http` or `https` URL, as for a moment (spec §1).
///
/// ```
/// use hotpot_protocol::page::rules::check_source_url;
/// assert!(check_source_url("https://ci.example.com/runs/1").is_ok());
/// assert!(check_source_url("").is_err());
/// ```
pub fn check_source_url(s: &str) -> Result<(), String> {
    crate::moment::rules::check_source_url(s)
}

const EMAIL: &str =
    "expected an e-mail address (one `@`, a non-empty local part and a domain with a dot)";

/// A person's `recipient`: one `@`, a non-empty local part, and a domain with a dot.
///
/// ```
/// use hotpot_protocol::page::rules::check_email;
/// assert!(check_email("ana@example.com").is_ok());
/// assert!(check_email("ana@localhost").unwrap_err().contains("a domain without a dot"));
/// assert!(check_email("a@b@c.d").unwrap_err().contains("found 2 `@`"));
/// ```
pub fn check_email(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err(format!("{EMAIL}, found an empty string"));
    }
    let ats = s.matches('@').count();
    let Some((local, domain)) = s.split_once('@') else {
        return Err(format!("{EMAIL}, found no `@` ({})", quote(s)));
    };
    if ats > 1 {
        return Err(format!("{EMAIL}, found {ats} `@` ({})", quote(s)));
    }
    if local.is_empty() {
        return Err(format!(
            "{EMAIL}, found nothing before the `@` ({})",
            quote(s)
        ));
    }
    if !domain.contains('.') {
        return Err(format!(
            "{EMAIL}, found a domain without a dot ({})",
            quote(s)
        ));
    }
    Ok(())
}

const SLUG: &str = "expected a team slug of letters, digits, `-` and `_`";

/// A team's `recipient`: a non-empty slug of ASCII letters, digits, `-` and `_`.
///
/// ```
/// use hotpot_protocol::page::rules::check_team_slug;
/// assert!(check_team_slug("payments-oncall_2").is_ok());
/// assert!(check_team_slug("my team").unwrap_err().contains("found ' ' at character 3"));
/// ```
pub fn check_team_slug(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err(format!("{SLUG}, found an empty string"));
    }
    match s
        .chars()
        .enumerate()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        Some((i, c)) => Err(format!(
            "{SLUG}, found {c:?} at character {} ({})",
            i + 1,
            quote(s)
        )),
        None => Ok(()),
    }
}
