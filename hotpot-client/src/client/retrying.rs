//! The retry loop of every request (spec §5), shared by [`Client`](crate::Client) and
//! [`ApiClient`](crate::ApiClient): attempts, backoff, `Retry-After`, the deadline, and the
//! classification of each answer.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use reqwest::header::RETRY_AFTER;
use tokio::time::Instant;

use hotpot_protocol::{
    ApiKey, SUNSET, WebhookUrl, error_body, error_body_redacting, parse_retry_after, parse_sunset,
};

use super::answer::{Endpoint, classify};
use crate::error::TransportError;
use crate::{Error, RetryPolicy};

/// Bytes of a 2xx body read for the receipt; bytes of an error body read before cutting.
const SUCCESS_BODY_LIMIT: usize = 64 * 1024;
const ERROR_BODY_LIMIT: usize = 8 * 1024;

/// The secret a client holds, to redact from the error bodies it keeps.
pub(crate) trait Redactor: Sync {
    /// An error body as kept (spec §5): redacted, trimmed, cut to 512 characters.
    fn error_body(&self, bytes: &[u8], truncated: bool) -> String;
}

impl Redactor for WebhookUrl {
    fn error_body(&self, bytes: &[u8], truncated: bool) -> String {
        error_body(bytes, truncated, self)
    }
}

impl Redactor for ApiKey {
    fn error_body(&self, bytes: &[u8], truncated: bool) -> String {
        error_body_redacting(bytes, truncated, self.expose())
    }
}

/// What the retry loop needs of a client: the time allowed for one attempt, the secret
/// to redact, and where a `Sunset` header goes (spec §6: the webhook's answers only).
pub(crate) struct Caller<'a> {
    pub(crate) timeout: Duration,
    pub(crate) redactor: &'a dyn Redactor,
    /// Told of every answer's `Sunset` but a 410's (which says "expired" on its own); `None`:
    /// the header is not read.
    pub(crate) on_sunset: Option<&'a (dyn Fn(DateTime<Utc>) + Sync)>,
}

/// A 2xx answer: its status, its body and its `Sunset`.
pub(crate) struct Accepted {
    pub(crate) status: u16,
    pub(crate) body: Bytes,
    pub(crate) sunset: Option<DateTime<Utc>>,
}

/// A non-2xx answer or a failed attempt, with the wait the server asked for.
struct FailedAttempt {
    error: Error,
    retry_after: Option<Duration>,
    /// The connection closed before any answer arrived: see [`closed_unanswered`].
    closed_unanswered: bool,
}

impl Caller<'_> {
    /// Attempts until a 2xx answer, an answer not worth retrying, the last attempt or the
    /// deadline; returns the 2xx answer and the number of attempts. Calls `on_retry`
    /// before each retry's wait. `request` builds each attempt's request from the HTTP client.
    pub(crate) async fn with_retries(
        &self,
        policy: &RetryPolicy,
        endpoint: Endpoint<'_>,
        on_retry: &(dyn Fn() + Sync),
        request: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<(Accepted, u32), Error> {
        let started = Instant::now();
        let deadline = started + policy.deadline();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let remaining = deadline.saturating_duration_since(Instant::now());
            let timeout = self.timeout.min(remaining);
            let mut outcome = self
                .attempt(request().timeout(timeout), endpoint, started)
                .await;
            if let Err(failed) = &outcome
                && failed.closed_unanswered
            {
                // Most likely a keep-alive connection the server closed while it sat idle in
                // the pool (spec §5); whether the server read the request or not, the
                // Idempotency-Key makes sending it again safe. Once per attempt, not counted as one, so that
                // a server that drops every request still fails in the usual attempts.
                tracing::debug!(attempt, error = %failed.error, "connection closed before an answer; resending at once");
                let remaining = deadline.saturating_duration_since(Instant::now());
                let timeout = self.timeout.min(remaining);
                outcome = self
                    .attempt(request().timeout(timeout), endpoint, started)
                    .await;
            }
            let FailedAttempt {
                error, retry_after, ..
            } = match outcome {
                Ok(accepted) => {
                    tracing::debug!(attempt, status = accepted.status, "accepted");
                    return Ok((accepted, attempt));
                }
                Err(failed) => failed,
            };
            tracing::debug!(attempt, status = error.status(), error = %error, "attempt failed");
            if !error.is_retryable() || attempt >= policy.max_attempts() {
                return Err(error);
            }
            let delay = match retry_after {
                Some(wait) if wait > policy.max_retry_after() => {
                    tracing::debug!(
                        attempt,
                        wait_ms = wait.as_millis() as u64,
                        "Retry-After beyond the maximum"
                    );
                    return Err(error);
                }
                Some(wait) => wait,
                None => policy.backoff(attempt),
            };
            if Instant::now() + delay >= deadline {
                tracing::debug!(
                    attempt,
                    delay_ms = delay.as_millis() as u64,
                    "deadline reached"
                );
                return Err(match error {
                    Error::Timeout { source, .. } => Error::Timeout {
                        elapsed: started.elapsed(),
                        source,
                    },
                    other => other,
                });
            }
            tracing::debug!(attempt, delay_ms = delay.as_millis() as u64, "retrying");
            on_retry();
            tokio::time::sleep(delay).await;
        }
    }

    /// One request: the 2xx answer, or the error with the wait the server asked for.
    async fn attempt(
        &self,
        request: reqwest::RequestBuilder,
        endpoint: Endpoint<'_>,
        started: Instant,
    ) -> Result<Accepted, FailedAttempt> {
        let from_reqwest = |e: reqwest::Error| {
            let closed_unanswered = closed_unanswered(&e);
            let error = if e.is_timeout() {
                Error::Timeout {
                    elapsed: started.elapsed(),
                    source: Some(TransportError::new(e)),
                }
            } else {
                Error::Transport(TransportError::new(e))
            };
            FailedAttempt {
                closed_unanswered,
                error,
                retry_after: None,
            }
        };
        let mut response = request.send().await.map_err(from_reqwest)?;
        let status = response.status().as_u16();
        let sunset = self
            .on_sunset
            .and_then(|_| response.headers().get(SUNSET))
            .and_then(|v| v.to_str().ok())
            .and_then(parse_sunset);
        if let (Some(at), Some(heard)) = (sunset, self.on_sunset)
            && status != 410
        {
            heard(at);
        }
        if response.status().is_success() {
            // The server accepted the request; a body that cannot be read only costs the
            // receipt its details.
            let (body, _) = read_capped(&mut response, SUCCESS_BODY_LIMIT)
                .await
                .unwrap_or_default();
            return Ok(Accepted {
                status,
                body,
                sunset,
            });
        }
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemTime::now()));
        let (body, truncated) = read_capped(&mut response, ERROR_BODY_LIMIT)
            .await
            .unwrap_or_default();
        let body = self.redactor.error_body(&body, truncated);
        Err(FailedAttempt {
            error: classify(endpoint, status, body, retry_after),
            retry_after,
            closed_unanswered: false,
        })
    }
}

/// Whether `send` failed because an established connection was closed before any answer
/// arrived: hyper's "connection closed before message completed" (the server closed it as
/// the request went out), a request canceled because its connection closed, or a reset or
/// broken pipe. That is what sending on a keep-alive connection that the server closed while
/// it sat idle in the pool looks like. Not a timeout, nor a failure to connect.
fn closed_unanswered(error: &reqwest::Error) -> bool {
    if error.is_timeout() || error.is_connect() {
        return false;
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if let Some(hyper) = e.downcast_ref::<hyper::Error>()
            && (hyper.is_incomplete_message() || hyper.is_canceled())
        {
            return true;
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::{
                BrokenPipe, ConnectionAborted, ConnectionReset, UnexpectedEof,
            };
            return matches!(
                io.kind(),
                ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof
            );
        }
        source = e.source();
    }
    false
}

/// Reads at most `limit` bytes of the body; `true` when it stopped at the limit.
async fn read_capped(
    response: &mut reqwest::Response,
    limit: usize,
) -> Result<(Bytes, bool), reqwest::Error> {
    let mut out = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = limit - out.len();
        out.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if out.len() >= limit {
            return Ok((Bytes::from(out), true));
        }
    }
    Ok((Bytes::from(out), false))
}
