//! Reading a `tracing` event's fields into a [`LogRecord`], and a span's into one line.

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt::{self, Write as _};

use tracing::field::{Field, Visit};

use super::record::{LogRecord, PRIORITY_FIELD, SOURCE_URL_FIELD, TYPE_FIELD};

/// The field `tracing`'s macros put the message in.
const MESSAGE_FIELD: &str = "message";

/// The field whose value is written as an error chain, however it was recorded.
const ERROR_FIELD: &str = "error";

/// The target `tracing-log` gives every record of the `log` crate (reqwest and rustls log
/// through it); the record's own target, file and line are in these fields.
pub(crate) const LOG_TARGET: &str = "log";
const LOG_TARGET_FIELD: &str = "log.target";
const LOG_FILE_FIELD: &str = "log.file";
const LOG_LINE_FIELD: &str = "log.line";
const LOG_MODULE_FIELD: &str = "log.module_path";

impl LogRecord<'_> {
    /// Whether this is a `log` record (its target taken from `log.target`, which comes first).
    fn target_is_from_log(&self) -> bool {
        matches!(self.target, Cow::Owned(_))
    }

    fn put(&mut self, field: &Field, value: String) {
        match field.name() {
            MESSAGE_FIELD => self.message = value,
            TYPE_FIELD => self.hotpot_type = Some(value),
            PRIORITY_FIELD => self.hotpot_priority = Some(value),
            SOURCE_URL_FIELD => self.hotpot_source_url = Some(value),
            ERROR_FIELD => {
                // Recorded as text (`error = %e`, `error = ?e`): its first line stands for it.
                self.add_error_key(value.lines().next().unwrap_or(""));
                self.errors.push((field.name(), value));
            }
            LOG_TARGET_FIELD if self.target == LOG_TARGET => self.target = Cow::Owned(value),
            LOG_FILE_FIELD if self.target_is_from_log() => self.file = Some(Cow::Owned(value)),
            LOG_LINE_FIELD if self.target_is_from_log() => self.line = value.parse().ok(),
            LOG_MODULE_FIELD if self.target_is_from_log() => {}
            name => self.fields.push((name, value)),
        }
    }
}

impl LogRecord<'_> {
    fn add_error_key(&mut self, key: &str) {
        if !self.error_key.is_empty() {
            self.error_key.push('\n');
        }
        self.error_key.push_str(key);
    }
}

/// What tells an error apart from others for folding (spec §11): the type of the root of its
/// chain (its deepest `source()`). Rust has no type name for a `dyn Error`, so it is read from
/// the root's `Debug`, whose first word is the type's or variant's name for a derived one
/// (`ParseIntError { kind: InvalidDigit }`); an `io::Error` is told apart by its kind; a root
/// whose `Debug` does not start with a name (a string error) by its message's first line.
pub(crate) fn root_key(error: &(dyn StdError + 'static)) -> String {
    let mut root = error;
    while let Some(next) = root.source() {
        root = next;
    }
    if let Some(io) = root.downcast_ref::<std::io::Error>() {
        return format!("io::Error({:?})", io.kind());
    }
    let debug = format!("{root:?}");
    let name: String = debug
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
        .collect();
    if name.is_empty() {
        root.to_string().lines().next().unwrap_or("").to_owned()
    } else {
        name
    }
}

impl Visit for LogRecord<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, value.to_owned());
    }

    fn record_error(&mut self, field: &Field, value: &(dyn StdError + 'static)) {
        let mut chain = value.to_string();
        let mut source = value.source();
        while let Some(cause) = source {
            let _ = write!(chain, "\ncaused by: {cause}");
            source = cause.source();
        }
        match field.name() {
            // An error passed as the message or a hotpot_* field is still text.
            MESSAGE_FIELD | TYPE_FIELD | PRIORITY_FIELD | SOURCE_URL_FIELD => {
                self.put(field, value.to_string());
            }
            name => {
                self.add_error_key(&root_key(value));
                self.errors.push((name, chain));
            }
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, value.to_string());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, format!("{value:?}"));
    }
}

/// A span's fields as one line, `name=value` pairs separated by spaces (strings unquoted).
#[derive(Default)]
pub(crate) struct SpanFields(pub(crate) String);

impl Visit for SpanFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.record_debug(field, &format_args!("{value}"));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if !self.0.is_empty() {
            self.0.push(' ');
        }
        let _ = write!(self.0, "{}={value:?}", field.name());
    }
}
