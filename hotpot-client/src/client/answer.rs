//! What the server answered: [`Receipt`] for a send, [`RequestStatus`] for §4, and the
//! classification of every other answer into an [`Error`] (spec §5).

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::Value;

use hotpot_protocol::{self as protocol, Answer};

use crate::{Error, Problem};

/// The server's answer to an accepted moment (any 2xx).
///
/// Hotpot answers 202 with `{"hotpot_request_id": "...", "response": {"success": true,
/// "message": "Your request has been queued."}}`; the body is parsed leniently, so a missing
/// field or a non-JSON body gives `None`s rather than an error.
///
/// ```
/// # async fn demo(client: hotpot_client::Client, moment: hotpot_client::Moment) -> Result<(), hotpot_client::Error> {
/// let receipt = client.send(&moment).await?;
/// println!("{} {:?} {:?}", receipt.status, receipt.request_id, receipt.message);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Receipt {
    /// The HTTP status (202 from Hotpot).
    pub status: u16,
    /// `hotpot_request_id`, to look the request up with [`Client::request_status`](crate::Client::request_status).
    pub request_id: Option<String>,
    /// `response.message` ("Your request has been queued.").
    pub message: Option<String>,
    /// The `Idempotency-Key` sent with every attempt of this moment.
    pub idempotency_key: String,
    /// How many attempts the send took (1 when nothing was retried).
    pub attempts: u32,
}

impl Receipt {
    pub(crate) fn from_answer(
        status: u16,
        body: &[u8],
        idempotency_key: &str,
        attempts: u32,
    ) -> Self {
        let (request_id, message) = match serde_json::from_slice::<Envelope<'_>>(body) {
            // The envelope as documented, or with fields missing: no tree built (the fast path).
            Ok(envelope) => (
                envelope.hotpot_request_id.map(Cow::into_owned),
                envelope
                    .response
                    .and_then(|r| r.message)
                    .map(Cow::into_owned),
            ),
            // Anything else: whatever strings are where they belong.
            Err(_) => {
                let json: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
                let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
                (
                    text(json.get("hotpot_request_id")),
                    text(json.pointer("/response/message")),
                )
            }
        };
        Receipt {
            status,
            request_id,
            message,
            idempotency_key: idempotency_key.to_owned(),
            attempts,
        }
    }
}

/// The queued envelope of §3, the fields a receipt keeps; other fields are skipped.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow, default)]
    hotpot_request_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    response: Option<EnvelopeResponse<'a>>,
}

#[derive(Deserialize)]
struct EnvelopeResponse<'a> {
    #[serde(borrow, default)]
    message: Option<Cow<'a, str>>,
}

/// Where a request is in Hotpot's processing (spec §4 `status`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RequestState {
    /// Queued, not yet processed.
    Accepted,
    /// Processed: a moment was created.
    Success,
    /// Processed: the payload broke §1 rules, listed in [`RequestStatus::errors`].
    Error,
    /// A state this client does not know yet.
    Other(String),
}

impl RequestState {
    fn parse(s: &str) -> Self {
        match s.to_ascii_lowercase().as_str() {
            "accepted" => RequestState::Accepted,
            "success" => RequestState::Success,
            "error" => RequestState::Error,
            _ => RequestState::Other(s.to_owned()),
        }
    }
}

/// The answer of `GET /request/{id}/status` (spec §4), parsed leniently.
///
/// ```no_run
/// # async fn demo(client: hotpot_client::Client) -> Result<(), hotpot_client::Error> {
/// use hotpot_client::RequestState;
/// let status = client.request_status("f1e5ae0a-f90c-4dac-affa-2eda897f5c3f").await?;
/// if status.state == RequestState::Error {
///     for problem in &status.errors {
///         eprintln!("{problem}");
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestStatus {
    /// `message_request_id`: the request looked up.
    pub request_id: String,
    /// `status`.
    pub state: RequestState,
    /// `status_message` ("Moment created").
    pub status_message: Option<String>,
    /// `errors`: the §1 problems, when the state is [`RequestState::Error`].
    pub errors: Vec<Problem>,
    /// `message_id`: on success, the created moment's id (a moment's request) or the page's
    /// id (a page's request).
    pub message_id: Option<String>,
}

impl RequestStatus {
    pub(crate) fn from_answer(request_id: &str, body: &[u8]) -> Self {
        let json: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let r = json.get("response").unwrap_or(&json);
        let text = |key: &str| r.get(key).and_then(Value::as_str).map(str::to_owned);
        let errors = r
            .get("errors")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .map(|e| match serde_json::from_value::<Problem>(e.clone()) {
                        Ok(p) => p,
                        Err(_) => Problem::new("", e.to_string()),
                    })
                    .collect()
            })
            .unwrap_or_default();
        RequestStatus {
            request_id: text("message_request_id").unwrap_or_else(|| request_id.to_owned()),
            state: RequestState::parse(&text("status").unwrap_or_default()),
            status_message: text("status_message"),
            errors,
            message_id: text("message_id"),
        }
    }
}

/// Which endpoint answered: 401/403/404 mean different things on each.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Endpoint<'a> {
    Ingest,
    Status { request_id: &'a str },
}

/// The error for a non-2xx answer, by the meaning spec §5 gives its status
/// ([`hotpot_protocol::classify`]).
pub(crate) fn classify(
    endpoint: Endpoint<'_>,
    status: u16,
    body: String,
    retry_after: Option<std::time::Duration>,
) -> Error {
    let answer = match endpoint {
        Endpoint::Ingest => protocol::classify(protocol::Endpoint::Ingest, status),
        Endpoint::Status { .. } => protocol::classify(protocol::Endpoint::Status, status),
    };
    match (answer, endpoint) {
        (Answer::RateLimited, _) => Error::RateLimited { retry_after, body },
        (Answer::Server, _) => Error::Server { status, body },
        (Answer::Webhook, _) => Error::Webhook { status, body },
        (Answer::Unauthorized, _) => Error::Unauthorized(if body.is_empty() {
            format!("HTTP {status}")
        } else {
            format!("HTTP {status}: {body}")
        }),
        (Answer::UnknownRequest, Endpoint::Status { request_id }) => {
            Error::UnknownRequest(request_id.to_owned())
        }
        (Answer::Rejected, _) => Error::Rejected { status, body },
        _ => Error::UnexpectedStatus { status, body },
    }
}
