//! Reading a `tracing` event's fields into a [`LogRecord`], and a span's into one line.

use std::error::Error as StdError;
use std::fmt::{self, Write as _};

use tracing::field::{Field, Visit};

use super::record::{LogRecord, PRIORITY_FIELD, SOURCE_URL_FIELD, TYPE_FIELD};

/// The field `tracing`'s macros put the message in.
const MESSAGE_FIELD: &str = "message";

/// The field whose value is written as an error chain, however it was recorded.
const ERROR_FIELD: &str = "error";

impl LogRecord<'_> {
    fn put(&mut self, field: &Field, value: String) {
        match field.name() {
            MESSAGE_FIELD => self.message = value,
            TYPE_FIELD => self.hotpot_type = Some(value),
            PRIORITY_FIELD => self.hotpot_priority = Some(value),
            SOURCE_URL_FIELD => self.hotpot_source_url = Some(value),
            ERROR_FIELD => self.errors.push((field.name(), value)),
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
