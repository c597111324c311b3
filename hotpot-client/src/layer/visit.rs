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
            ERROR_FIELD => self.errors.push((field.name(), value)),
            LOG_TARGET_FIELD if self.target == LOG_TARGET => self.target = Cow::Owned(value),
            LOG_FILE_FIELD if self.target_is_from_log() => self.file = Some(Cow::Owned(value)),
            LOG_LINE_FIELD if self.target_is_from_log() => self.line = value.parse().ok(),
            LOG_MODULE_FIELD if self.target_is_from_log() => {}
            name => self.fields.push((name, value)),
        }
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
            name => self.errors.push((name, chain)),
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
