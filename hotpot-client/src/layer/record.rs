//! The mapping of spec §11, in one place: a log record, reduced to plain values, becomes
//! one moment. [`MomentLayer`](super::MomentLayer) only gathers the values from a `tracing`
//! event; the Python `hotpot.logging` module follows the same rules for a `LogRecord`
//! (`hotpot-py/python/hotpot/logging.py`: the same layout and wording, with `logger` for
//! `target`, and its traceback under `exception`).

use chrono::{DateTime, Utc};
use std::borrow::Cow;
use std::fmt::Write as _;

use crate::{Moment, MomentType, Priority, Problem, ValidationError};
use hotpot_protocol::moment::rules::NAME_MAX_CHARS;

/// The field giving the moment's `type` (else `alert`).
pub(crate) const TYPE_FIELD: &str = "hotpot_type";
/// The field giving the moment's `priority` (else none).
pub(crate) const PRIORITY_FIELD: &str = "hotpot_priority";
/// The field giving the moment's `source_url` (else none).
pub(crate) const SOURCE_URL_FIELD: &str = "hotpot_source_url";

/// One log record, as the layer saw it: everything the moment is made of, already text.
#[derive(Debug, Default)]
pub(crate) struct LogRecord<'a> {
    /// The message, as written (newlines and all).
    pub message: String,
    /// The event's target (Python: the logger's name); a `log` record's own target.
    pub target: Cow<'a, str>,
    /// `ERROR`, `WARN`, ...
    pub level: &'a str,
    /// Where it was logged from: file and line, when known.
    pub file: Option<Cow<'a, str>>,
    /// The line in `file`.
    pub line: Option<u32>,
    /// `hotpot_type`, `hotpot_priority`, `hotpot_source_url`, when given.
    pub hotpot_type: Option<String>,
    /// See `hotpot_type`.
    pub hotpot_priority: Option<String>,
    /// See `hotpot_type`.
    pub hotpot_source_url: Option<String>,
    /// Error fields, by name, each as its chain of causes (one line per error).
    pub errors: Vec<(&'a str, String)>,
    /// What tells the record's errors apart for folding: each error field's root cause's
    /// type (see `visit::root_key`), one line each.
    pub error_key: String,
    /// The other fields, by name, in the order they were recorded.
    pub fields: Vec<(&'a str, String)>,
    /// The spans the event happened in, outermost first: name and formatted fields.
    pub spans: Vec<(&'a str, String)>,
}

impl LogRecord<'_> {
    /// The moment for this record, made at `now`: `source` is the configured one (else the
    /// target), `folded` the records folded since the last moment sent from this place.
    pub(crate) fn to_moment(
        &self,
        source: Option<&str>,
        folded: u64,
        now: DateTime<Utc>,
    ) -> Result<Moment, ValidationError> {
        let mut problems = Vec::new();
        let moment_type = match self.hotpot_type.as_deref() {
            None => MomentType::Alert,
            Some(t) => t.parse().unwrap_or_else(|e: crate::ParseKindError| {
                problems.push(Problem::new(TYPE_FIELD, e.message()));
                MomentType::Alert
            }),
        };
        let priority = self.hotpot_priority.as_deref().and_then(|p| {
            p.parse::<Priority>()
                .map_err(|e| problems.push(Problem::new(PRIORITY_FIELD, e.message())))
                .ok()
        });
        let mut builder = Moment::builder(moment_name(&self.message, &self.target), moment_type)
            .source(source.unwrap_or(&self.target))
            .description(self.description(folded))
            .occurred_at(now);
        if let Some(p) = priority {
            builder = builder.priority(p);
        }
        if let Some(url) = &self.hotpot_source_url {
            builder = builder.source_url(url.clone());
        }
        match builder.build_at(now) {
            Ok(moment) if problems.is_empty() => Ok(moment),
            Ok(_) => Err(ValidationError::new(problems)),
            Err(e) => {
                problems.extend(e.into_problems());
                Err(ValidationError::new(problems))
            }
        }
    }

    /// The Markdown description: the message and each error chain in fenced blocks, then the
    /// fold count, the fields, the spans and where the record came from, as lists.
    pub(crate) fn description(&self, folded: u64) -> String {
        let mut out = String::with_capacity(self.message.len() + 256);
        if !self.message.trim().is_empty() {
            fenced(&mut out, &self.message);
        }
        for (name, chain) in &self.errors {
            let _ = write!(out, "**{name}**\n\n");
            fenced(&mut out, chain);
        }
        if folded > 0 {
            let _ = write!(out, "{}\n\n", folded_note(folded));
        }
        list(&mut out, "Fields", &self.fields);
        list(&mut out, "Spans", &self.spans);
        // Where it came from: written directly, as it is on every moment.
        out.push_str("**Record**\n\n- `level`: ");
        inline_code(&mut out, self.level);
        out.push_str("\n- `target`: ");
        inline_code(&mut out, &self.target);
        if let Some(file) = &self.file {
            out.push_str("\n- `location`: ");
            match self.line {
                Some(line) => inline_code(&mut out, &format!("{file}:{line}")),
                None => inline_code(&mut out, file),
            }
        }
        out.truncate(out.trim_end().len());
        out
    }
}

/// The sentence that says how many records were folded into the last moment from a place.
pub(crate) fn folded_note(folded: u64) -> String {
    let records = if folded == 1 { "record" } else { "records" };
    format!(
        "**Folded:** {folded} more {records} like this one since the last moment from here \
         (not sent as moments)."
    )
}

/// The moment's `name` for a message: whitespace collapsed to single spaces, cut to
/// [`NAME_MAX_CHARS`] characters (§1 counts Unicode scalar values) ending in `…` when cut;
/// a message with no text gives `fallback` (the target), treated the same way.
pub(crate) fn moment_name(message: &str, fallback: &str) -> String {
    let mut name = String::with_capacity(message.len().min(4 * NAME_MAX_CHARS));
    let mut chars = 0;
    let mut cut = false;
    'words: for word in message.split_whitespace() {
        let space = (chars > 0).then_some(' ');
        for c in space.into_iter().chain(word.chars()) {
            if chars == NAME_MAX_CHARS {
                cut = true;
                break 'words;
            }
            name.push(c);
            chars += 1;
        }
    }
    if cut {
        name.pop();
        name.truncate(name.trim_end().len());
        name.push('…');
    }
    if name.is_empty() && !fallback.is_empty() {
        return moment_name(fallback, "");
    }
    name
}

/// Writes `text` as a fenced code block, with a fence longer than any run of backticks in it.
fn fenced(out: &mut String, text: &str) {
    let fence = longest_backtick_run(text).max(2) + 1;
    backticks(out, fence);
    out.push('\n');
    out.push_str(text.trim_end_matches(['\n', '\r']));
    out.push('\n');
    backticks(out, fence);
    out.push_str("\n\n");
}

fn backticks(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n('`', n));
}

/// Writes a titled Markdown list of `name: value` items, nothing when there is none.
fn list<N: AsRef<str>>(out: &mut String, title: &str, items: &[(N, String)]) {
    if items.is_empty() {
        return;
    }
    let _ = write!(out, "**{title}**\n\n");
    for (name, value) in items {
        out.push_str("- ");
        inline_code(out, name.as_ref());
        if !value.is_empty() {
            out.push_str(": ");
            inline_code(out, value);
        }
        out.push('\n');
    }
    out.push('\n');
}

/// Writes `text` as one inline code span: on one line, so Markdown in it stays text.
fn inline_code(out: &mut String, text: &str) {
    if !text.contains(['`', '\n', '\r']) {
        // The usual case: nothing to escape, nothing to copy first.
        out.push('`');
        out.push_str(text);
        out.push('`');
        return;
    }
    let text = text.replace(['\n', '\r'], " ");
    let fence = longest_backtick_run(&text) + 1;
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    backticks(out, fence);
    out.push_str(pad);
    out.push_str(&text);
    out.push_str(pad);
    backticks(out, fence);
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(message: &str) -> LogRecord<'static> {
        LogRecord {
            message: message.to_owned(),
            target: "checkout::payments".into(),
            level: "ERROR",
            file: Some("src/payments.rs".into()),
            line: Some(42),
            ..LogRecord::default()
        }
    }

    fn moment(r: &LogRecord<'_>) -> Moment {
        r.to_moment(None, 0, Utc::now()).unwrap()
    }

    #[test]
    fn the_name_is_the_message_with_whitespace_collapsed() {
        assert_eq!(
            moment_name("  Disk\n\tfull   on \r\n db-1 ", "t"),
            "Disk full on db-1"
        );
        assert_eq!(moment_name("Disk full", "t"), "Disk full");
    }

    #[test]
    fn a_long_message_is_cut_to_the_name_limit_with_an_ellipsis() {
        let message = "x".repeat(200);
        let name = moment_name(&message, "t");
        assert_eq!(name.chars().count(), NAME_MAX_CHARS);
        assert_eq!(name, format!("{}…", "x".repeat(NAME_MAX_CHARS - 1)));
        let exact = "y".repeat(NAME_MAX_CHARS);
        assert_eq!(moment_name(&exact, "t"), exact, "70 characters are not cut");
        let one_more = format!("{exact}z");
        assert!(moment_name(&one_more, "t").ends_with("y…"));
    }

    #[test]
    fn the_cut_counts_characters_not_bytes() {
        let name = moment_name(&"é🔥".repeat(100), "t");
        assert_eq!(name.chars().count(), NAME_MAX_CHARS);
        assert!(name.ends_with('…'));
        assert!(name.len() > NAME_MAX_CHARS, "more bytes than characters");
        // Cut in the middle of the whitespace between words: no space before the ellipsis.
        let words = format!("{} b c", "a".repeat(NAME_MAX_CHARS - 2));
        assert_eq!(
            moment_name(&words, "t"),
            format!("{}…", "a".repeat(NAME_MAX_CHARS - 2))
        );
        // Whitespace runs count as one character once collapsed.
        let spaced = format!("{}\n\n\n\nb", "a".repeat(NAME_MAX_CHARS - 2));
        assert_eq!(
            moment_name(&spaced, "t"),
            format!("{} b", "a".repeat(NAME_MAX_CHARS - 2))
        );
    }

    #[test]
    fn an_empty_message_is_named_after_the_target() {
        assert_eq!(moment_name("", "checkout::payments"), "checkout::payments");
        assert_eq!(
            moment_name(" \n\t ", "checkout::payments"),
            "checkout::payments"
        );
        assert_eq!(moment(&record("")).name(), "checkout::payments");
        assert_eq!(moment_name("", ""), "");
    }

    #[test]
    fn type_priority_and_source_url_come_from_the_hotpot_fields() {
        let plain = moment(&record("Payment failed"));
        assert_eq!(plain.moment_type(), MomentType::Alert);
        assert_eq!(plain.priority(), None);
        assert_eq!(plain.source(), Some("checkout::payments"));
        assert_eq!(plain.source_url(), None);

        let mut r = record("Payment failed");
        r.hotpot_type = Some("Incident".into());
        r.hotpot_priority = Some("high".into());
        r.hotpot_source_url = Some("https://grafana.example.com/d/payments".into());
        let m = r
            .to_moment(Some("checkout-service"), 0, Utc::now())
            .unwrap();
        assert_eq!(m.moment_type(), MomentType::Incident);
        assert_eq!(m.priority(), Some(Priority::High));
        assert_eq!(
            m.source_url(),
            Some("https://grafana.example.com/d/payments")
        );
        assert_eq!(
            m.source(),
            Some("checkout-service"),
            "the configured source wins"
        );
    }

    #[test]
    fn occurred_at_is_when_the_record_was_made() {
        let t = Utc::now() - chrono::Duration::seconds(3);
        let m = record("Payment failed").to_moment(None, 0, t).unwrap();
        assert_eq!(m.occurred_at(), Some(t));
    }

    #[test]
    fn bad_hotpot_fields_are_every_problem_listed() {
        let mut r = record("");
        r.target = "".into();
        r.hotpot_type = Some("urgent".into());
        r.hotpot_priority = Some("asap".into());
        r.hotpot_source_url = Some("grafana/d/1".into());
        let e = r.to_moment(None, 0, Utc::now()).unwrap_err();
        let fields: Vec<_> = e.problems().iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            ["hotpot_type", "hotpot_priority", "name", "source_url"]
        );
        assert!(e.problems()[0].message.contains("\"urgent\""), "{e}");
    }

    #[test]
    fn the_description_keeps_the_message_verbatim_in_a_fence() {
        let message = "Import failed:\n# not a heading\n```\ncode in the log\n```\n*x*";
        let d = record(message).description(0);
        assert!(d.starts_with(&format!("````\n{message}\n````\n")), "{d}");
    }

    #[test]
    fn the_description_lists_errors_fields_spans_and_the_place() {
        let mut r = record("Payment failed");
        r.errors
            .push(("error", "timed out\ncaused by: connection reset".into()));
        r.fields.push(("order_id", "1234".into()));
        r.fields.push(("note", "two\nlines with `ticks`".into()));
        r.spans
            .push(("request", "method=\"POST\" path=\"/pay\"".into()));
        r.spans.push(("charge", String::new()));
        let d = r.description(3);
        let expected = "```\nPayment failed\n```\n\n\
            **error**\n\n```\ntimed out\ncaused by: connection reset\n```\n\n\
            **Folded:** 3 more records like this one since the last moment from here (not sent as moments).\n\n\
            **Fields**\n\n- `order_id`: `1234`\n- `note`: `` two lines with `ticks` ``\n\n\
            **Spans**\n\n- `request`: `method=\"POST\" path=\"/pay\"`\n- `charge`\n\n\
            **Record**\n\n- `level`: `ERROR`\n- `target`: `checkout::payments`\n- `location`: `src/payments.rs:42`";
        assert_eq!(d, expected);
        assert!(record("x").description(1).contains("1 more record like"));
        assert!(!record("x").description(0).contains("Folded"));
    }
}
