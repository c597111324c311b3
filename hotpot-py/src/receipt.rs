//! What the server answered, as Python sees it: `hotpot.Receipt` for a send and
//! `hotpot.RequestStatus` for `request_status` (spec §4).

use hotpot_client::RequestState;
use pyo3::prelude::*;

/// The server's answer to an accepted moment: ``status_code`` (202 from Hotpot),
/// ``request_id`` (``hotpot_request_id``, for ``request_status``), ``message`` ("Your request
/// has been queued."), the ``idempotency_key`` every attempt carried and the number of
/// ``attempts`` (1 when nothing was retried).
#[pyclass(module = "hotpot", name = "Receipt", frozen, get_all, eq)]
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PyReceipt {
    /// The HTTP status (202 from Hotpot).
    status_code: u16,
    /// `hotpot_request_id`, to look the request up with `request_status`, or None.
    request_id: Option<String>,
    /// The server's message ("Your request has been queued."), or None.
    message: Option<String>,
    /// How many attempts the send took (1 when nothing was retried).
    attempts: u32,
    /// The `Idempotency-Key` sent with every attempt of this moment.
    idempotency_key: String,
}

impl From<hotpot_client::Receipt> for PyReceipt {
    fn from(r: hotpot_client::Receipt) -> Self {
        PyReceipt {
            status_code: r.status,
            request_id: r.request_id,
            message: r.message,
            attempts: r.attempts,
            idempotency_key: r.idempotency_key,
        }
    }
}

#[pymethods]
impl PyReceipt {
    #[new]
    #[pyo3(signature = (status_code, request_id=None, message=None, *, attempts=1, idempotency_key=None))]
    fn new(
        status_code: u16,
        request_id: Option<String>,
        message: Option<String>,
        attempts: u32,
        idempotency_key: Option<String>,
    ) -> Self {
        PyReceipt {
            status_code,
            request_id,
            message,
            attempts,
            idempotency_key: idempotency_key.unwrap_or_default(),
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "Receipt(status_code={}, request_id={}, message={}, attempts={}, idempotency_key={})",
            self.status_code,
            py_repr(self.request_id.as_deref()),
            py_repr(self.message.as_deref()),
            self.attempts,
            py_repr(Some(&self.idempotency_key)),
        )
    }
}

/// What became of a request (``GET /request/{id}/status``): ``status`` is "accepted",
/// "success" or "error"; on "error", ``errors`` lists the problems as ``(field, message)``
/// pairs.
#[pyclass(module = "hotpot", name = "RequestStatus", frozen, get_all, eq)]
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PyRequestStatus {
    /// The request looked up.
    request_id: String,
    /// "accepted" (queued), "success" (a moment was created) or "error".
    status: String,
    /// The server's words ("Moment created"), or None.
    status_message: Option<String>,
    /// The §1 problems of an "error", as `(field, message)` pairs.
    errors: Vec<(String, String)>,
    /// On "success", the created moment's id (a moment's request) or the page's id.
    message_id: Option<String>,
}

impl From<hotpot_client::RequestStatus> for PyRequestStatus {
    fn from(s: hotpot_client::RequestStatus) -> Self {
        let status = match s.state {
            RequestState::Accepted => "accepted".to_owned(),
            RequestState::Success => "success".to_owned(),
            RequestState::Error => "error".to_owned(),
            RequestState::Other(other) => other,
            _ => "unknown".to_owned(),
        };
        PyRequestStatus {
            request_id: s.request_id,
            status,
            status_message: s.status_message,
            errors: s.errors.into_iter().map(|p| (p.field, p.message)).collect(),
            message_id: s.message_id,
        }
    }
}

#[pymethods]
impl PyRequestStatus {
    fn __repr__(&self) -> String {
        format!(
            "RequestStatus(request_id={}, status={}, status_message={}, errors={:?}, message_id={})",
            py_repr(Some(&self.request_id)),
            py_repr(Some(&self.status)),
            py_repr(self.status_message.as_deref()),
            self.errors,
            py_repr(self.message_id.as_deref()),
        )
    }
}

/// A Python-looking repr of an optional string (good enough for ids and messages).
fn py_repr(value: Option<&str>) -> String {
    match value {
        None => "None".to_owned(),
        Some(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
    }
}
