//! Raising the exceptions of `hotpot._errors` (defined in Python, where multiple inheritance
//! from the builtin exceptions is easy) from Rust errors.
//!
//! Every message of a client error goes through [`WebhookUrl::redact`] before it reaches
//! Python (spec §2). (A URL that does not parse has no token to redact: the messages of
//! [`hotpot_client::UrlError`] never contain one.)

use std::error::Error as _;

use hotpot_client::{ApiKey, DropReason, Error, Problem, WebhookUrl};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyTuple, PyType};

/// One of the exception classes of `hotpot._errors`, imported once.
fn class<'py>(py: Python<'py>, name: &'static str) -> PyResult<Bound<'py, PyType>> {
    static MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    let module = MODULE.get_or_try_init(py, || py.import("hotpot._errors").map(Bound::unbind))?;
    module
        .bind(py)
        .getattr(name)?
        .cast_into()
        .map_err(Into::into)
}

/// Builds `hotpot.<name>(message, **kwargs)`.
fn exception(
    py: Python<'_>,
    name: &'static str,
    message: String,
    kwargs: &Bound<'_, PyDict>,
) -> PyResult<PyErr> {
    let exc = class(py, name)?.call((message,), Some(kwargs))?;
    Ok(PyErr::from_value(exc))
}

/// The problems as a list of `(field, message)` tuples.
pub(crate) fn problem_list<'py>(
    py: Python<'py>,
    problems: &[Problem],
) -> PyResult<Bound<'py, PyList>> {
    let items = problems
        .iter()
        .map(|p| PyTuple::new(py, [p.field.as_str(), p.message.as_str()]))
        .collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, items)
}

/// A `hotpot.ValidationError` listing every problem of a moment.
pub(crate) fn validation_error(py: Python<'_>, problems: &[Problem]) -> PyErr {
    validation_error_of(py, "moment", problems)
}

/// A `hotpot.ValidationError` listing every problem of a `subject` (`moment`, `page`).
pub(crate) fn validation_error_of(py: Python<'_>, subject: &str, problems: &[Problem]) -> PyErr {
    let message = match problems {
        [one] => format!("invalid {subject}: {one}"),
        many => {
            let mut text = format!("invalid {subject}: {} problems:", many.len());
            for p in many {
                text.push_str("\n  - ");
                text.push_str(&p.to_string());
            }
            text
        }
    };
    let build = || {
        let kwargs = PyDict::new(py);
        kwargs.set_item("errors", problem_list(py, problems)?)?;
        exception(py, "ValidationError", message, &kwargs)
    };
    build().unwrap_or_else(|e| e)
}

/// A `hotpot.ConfigError` (also a `ValueError`): a bad argument to a client or server.
pub(crate) fn config_error(py: Python<'_>, message: impl Into<String>) -> PyErr {
    exception(py, "ConfigError", message.into(), &PyDict::new(py)).unwrap_or_else(|e| e)
}

/// The secret a client holds, redacted from every message it raises.
#[derive(Clone, Copy)]
pub(crate) enum Secret<'a> {
    /// A webhook client's URL (its token).
    Url(&'a WebhookUrl),
    /// An API client's key.
    Key(&'a ApiKey),
}

impl Secret<'_> {
    fn redact(&self, text: &str) -> String {
        match self {
            Secret::Url(url) => url.redact(text),
            Secret::Key(key) => key.redact_in(text),
        }
    }
}

/// The message of `err` and of its sources (reqwest's own message alone says little: "error
/// sending request"), the secret redacted.
fn full_message(err: &Error, url: Secret<'_>) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = cause.source();
    }
    url.redact(&text)
}

/// What a rejected payload's body says: its `message` (or `error`), and the `details` of a
/// strict 422.
fn rejection(body: &str) -> (Option<String>, Vec<Problem>) {
    let Ok(json) = serde_json::from_str::<serde_json::Value>(body) else {
        return ((!body.is_empty()).then(|| body.to_owned()), Vec::new());
    };
    let text = |key: &str| json.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    let details = json
        .get("details")
        .and_then(|d| serde_json::from_value::<Vec<Problem>>(d.clone()).ok())
        .unwrap_or_default();
    (text("message").or_else(|| text("error")), details)
}

/// The Python exception for a client error (spec §5) of the client for `url`, its
/// message redacted.
pub(crate) fn client_error(py: Python<'_>, err: &Error, url: &WebhookUrl) -> PyErr {
    if let Error::Validation(v) = err {
        return validation_error(py, v.problems());
    }
    build_client_error(py, err, Secret::Url(url)).unwrap_or_else(|e| e)
}

/// The Python exception for an error of the API client (spec §14) holding `key`, its message
/// redacted: `ValidationError` for a page, `PageFailedError` for a page whose status became
/// `error`, else as for [`client_error`].
pub(crate) fn api_error(py: Python<'_>, err: &Error, key: &ApiKey) -> PyErr {
    match err {
        Error::Validation(v) => validation_error_of(py, v.subject(), v.problems()),
        Error::PageFailed { request_id, errors } => {
            let build = || {
                let kwargs = PyDict::new(py);
                kwargs.set_item("errors", problem_list(py, errors)?)?;
                kwargs.set_item("request_id", request_id)?;
                exception(
                    py,
                    "PageFailedError",
                    key.redact_in(&err.to_string()),
                    &kwargs,
                )
            };
            build().unwrap_or_else(|e| e)
        }
        _ => build_client_error(py, err, Secret::Key(key)).unwrap_or_else(|e| e),
    }
}

/// A `hotpot.DroppedError` for a moment the emitter gave up without an answer from Hotpot —
/// as its subclass `QueueFullError` or `EmitterClosedError` for the reasons `emit` raises —
/// carrying the `reason` (`DropReason::as_str`) and the `moment`.
pub(crate) fn dropped_error(
    py: Python<'_>,
    reason: DropReason,
    message: String,
    moment: &Bound<'_, PyAny>,
) -> PyErr {
    let build = || {
        let name = match reason {
            DropReason::QueueFull => "QueueFullError",
            DropReason::ShutDown => "EmitterClosedError",
            DropReason::Spool => "SpoolError",
            _ => "DroppedError",
        };
        let kwargs = PyDict::new(py);
        kwargs.set_item("reason", reason.as_str())?;
        kwargs.set_item("moment", moment)?;
        // Sent another way (or later, to an emitter with room), the moment could get through.
        kwargs.set_item("retryable", reason != DropReason::ShutDown)?;
        exception(py, name, message, &kwargs)
    };
    build().unwrap_or_else(|e| e)
}

fn build_client_error(py: Python<'_>, err: &Error, url: Secret<'_>) -> PyResult<PyErr> {
    let kwargs = PyDict::new(py);
    kwargs.set_item("retryable", err.is_retryable())?;
    let name = match err {
        // The exception's class says it is a configuration error: the message is the rest.
        Error::Config(message) => {
            return exception(py, "ConfigError", url.redact(message), &kwargs);
        }
        Error::InvalidUrl(_) => "ConfigError",
        Error::Rejected { status, body } => {
            let (server_message, details) = rejection(body);
            kwargs.set_item("status_code", status)?;
            kwargs.set_item("message", server_message)?;
            kwargs.set_item("body", body)?;
            kwargs.set_item("errors", problem_list(py, &details)?)?;
            "RejectedError"
        }
        Error::Webhook { status, .. } => {
            kwargs.set_item("status_code", status)?;
            // "webhook unknown (HTTP 404): <advice>; Hotpot said: <body>".
            let text = full_message(err, url);
            let head = format!("(HTTP {status})");
            let (problem, said) = match text.find(&head) {
                Some(i) => text.split_at(i + head.len()),
                None => (text.as_str(), ""),
            };
            let said = said.trim_start_matches(": ");
            let said = if said.is_empty() {
                String::new()
            } else {
                format!("; Hotpot said: {said}")
            };
            let advice = match url {
                Secret::Url(url) => webhook_advice(*status, url),
                Secret::Key(_) => String::new(),
            };
            return exception(
                py,
                "WebhookError",
                format!("{problem}: {advice}{said}"),
                &kwargs,
            );
        }
        Error::RateLimited { retry_after, .. } => {
            kwargs.set_item("retry_after", retry_after.map(|d| d.as_secs_f64()))?;
            "RateLimitedError"
        }
        Error::Server { status, .. } => {
            kwargs.set_item("status_code", status)?;
            "ServerError"
        }
        Error::Timeout { elapsed, .. } => {
            kwargs.set_item("elapsed", elapsed.as_secs_f64())?;
            "TimeoutError"
        }
        Error::Transport(_) => "TransportError",
        Error::Unauthorized(_) => "UnauthorizedError",
        Error::UnknownRequest(_) => "UnknownRequestError",
        Error::UnexpectedStatus { status, .. } => {
            kwargs.set_item("status_code", status)?;
            "HotpotError"
        }
        // `Error` is non-exhaustive: a kind added later is still a HotpotError.
        _ => "HotpotError",
    };
    exception(py, name, full_message(err, url), &kwargs)
}

/// What an unknown (401, 403, 404) or expired (410) webhook means and what to do, as the
/// command line says it, in Python's words; the URL with its token redacted.
fn webhook_advice(status: u16, url: &WebhookUrl) -> String {
    if status == 410 {
        format!(
            "the webhook {url} has expired: rotate it: create a new webhook in Hotpot and give \
             the client its URL (HOTPOT_WEBHOOK_URL for Client.from_env())"
        )
    } else {
        format!(
            "Hotpot does not know the webhook {url}: it was deleted or revoked, or the URL is \
             mistyped; check the URL given to the client (HOTPOT_WEBHOOK_URL for \
             Client.from_env())"
        )
    }
}

/// A `hotpot.testing.WaitTimeout` (also a builtin `TimeoutError`): a wait of the mock server
/// for `wanted` records ended after `waited` seconds with only `got`.
pub(crate) fn wait_timeout(
    py: Python<'_>,
    message: String,
    wanted: usize,
    got: Bound<'_, PyAny>,
    waited: f64,
) -> PyErr {
    let build = || {
        let kwargs = PyDict::new(py);
        kwargs.set_item("wanted", wanted)?;
        kwargs.set_item("got", got)?;
        kwargs.set_item("waited", waited)?;
        exception(py, "WaitTimeout", message, &kwargs)
    };
    build().unwrap_or_else(|e| e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejection_bodies_give_their_message_and_details() {
        let (m, d) = rejection(
            r#"{"error": "Unprocessable Entity", "details": [{"field": "name", "message": "too long"}]}"#,
        );
        assert_eq!(m.as_deref(), Some("Unprocessable Entity"));
        assert_eq!(d, vec![Problem::new("name", "too long")]);
        let (m, d) = rejection(r#"{"error": "Bad Request", "message": "not JSON"}"#);
        assert_eq!(m.as_deref(), Some("not JSON"));
        assert!(d.is_empty());
        assert_eq!(rejection("plain text").0.as_deref(), Some("plain text"));
        assert_eq!(rejection("").0, None);
    }
}
