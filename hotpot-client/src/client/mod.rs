//! [`Client`]: sends moments with retries (spec §5) and looks requests up (§4).

mod answer;
mod builder;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use tokio::time::Instant;
use tracing::Instrument;

pub use answer::{Receipt, RequestState, RequestStatus};
pub use builder::{ClientBuilder, IntoWebhookUrl, USER_AGENT, WebhookUrlSource};

use hotpot_protocol::{
    IDEMPOTENCY_KEY, check_idempotency_key, error_body, new_idempotency_key, parse_retry_after,
};

use crate::env::ENV_API_KEY;
use crate::error::TransportError;
use crate::{Error, Moment, RetryPolicy, WebhookUrl};
use answer::{Endpoint, classify};

/// Bytes of a 2xx body read for the receipt; bytes of an error body read before cutting.
const SUCCESS_BODY_LIMIT: usize = 64 * 1024;
const ERROR_BODY_LIMIT: usize = 8 * 1024;

/// An asynchronous Hotpot client: one webhook, one connection pool, one retry policy.
///
/// Cheap to clone (an [`Arc`] inside) and safe to share between tasks; clones share the
/// connection pool. Use [`blocking::Client`](crate::blocking::Client) outside async code.
///
/// ```no_run
/// use hotpot_client::{Client, Moment, MomentType};
///
/// # async fn demo() -> Result<(), hotpot_client::Error> {
/// let client = Client::new("https://api.hotpot.works/moment/845b1e3c9d0f")?;
/// let moment = Moment::builder("Failed deploy with successful rollback", MomentType::NearMiss)
///     .source("Deploybot")
///     .build()?;
/// let receipt = client.send(&moment).await?;
/// println!("queued as {:?}", receipt.request_id);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    url: WebhookUrl,
    retry: RetryPolicy,
    timeout: Duration,
    api_key: Option<HeaderValue>,
}

/// A non-2xx answer or a failed attempt, with the wait the server asked for.
struct FailedAttempt {
    error: Error,
    retry_after: Option<Duration>,
}

impl Client {
    /// The webhook this client sends to (prints redacted).
    pub fn webhook_url(&self) -> &WebhookUrl {
        &self.inner.url
    }

    /// The retry policy of [`send`](Self::send).
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// Sends one moment, retrying retryable answers as the retry policy says, and returns
    /// the server's receipt. Every attempt carries the same fresh `Idempotency-Key`.
    ///
    /// ```no_run
    /// # async fn demo(client: hotpot_client::Client) -> Result<(), hotpot_client::Error> {
    /// use hotpot_client::{Moment, MomentType};
    /// let moment = Moment::builder("Disk 91% full on db-1", MomentType::Alert).build()?;
    /// match client.send(&moment).await {
    ///     Ok(receipt) => println!("queued: {:?}", receipt.request_id),
    ///     Err(e) if e.is_retryable() => eprintln!("Hotpot unavailable, try later: {e}"),
    ///     Err(e) => eprintln!("not sent: {e}"),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn send(&self, moment: &Moment) -> Result<Receipt, Error> {
        let key = new_idempotency_key();
        self.send_moment(moment, &key, &self.inner.retry, &|| {})
            .await
    }

    /// Like [`send`](Self::send), with the `Idempotency-Key` chosen by the caller (1 to
    /// 255 printable ASCII characters, see [`check_idempotency_key`]): sending the same
    /// moment again with the same key cannot create a duplicate where the server honours the
    /// header.
    ///
    /// ```no_run
    /// # async fn demo(client: hotpot_client::Client, moment: hotpot_client::Moment) -> Result<(), hotpot_client::Error> {
    /// let receipt = client.send_with_idempotency_key(&moment, "deploy-1234-rollback").await?;
    /// assert_eq!(receipt.idempotency_key, "deploy-1234-rollback");
    /// # Ok(()) }
    /// ```
    pub async fn send_with_idempotency_key(
        &self,
        moment: &Moment,
        key: &str,
    ) -> Result<Receipt, Error> {
        self.send_moment(moment, key, &self.inner.retry, &|| {})
            .await
    }

    /// Every send of a moment, the public ones and the emitter's: checks the key, serialises
    /// the moment once and POSTs it through the retry loop, calling `on_retry` before each
    /// retry's wait (the emitter counts retries with it).
    pub(crate) async fn send_moment(
        &self,
        moment: &Moment,
        key: &str,
        policy: &RetryPolicy,
        on_retry: &(dyn Fn() + Sync),
    ) -> Result<Receipt, Error> {
        check_idempotency_key(key).map_err(|p| Error::Config(p.to_string()))?;
        let key_header = HeaderValue::from_str(key)
            .map_err(|_| Error::Config("Idempotency-Key: not a header value".to_owned()))?;
        let body = Bytes::from(moment.to_json_vec());
        let inner = &*self.inner;
        let span = tracing::debug_span!("hotpot.send", webhook = %inner.url, idempotency_key = key);
        let (status, answer, attempts) = self
            .with_retries(policy, Endpoint::Ingest, on_retry, || {
                inner
                    .http
                    .post(inner.url.expose_url().clone())
                    .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                    .header(IDEMPOTENCY_KEY, key_header.clone())
                    .body(body.clone())
            })
            .instrument(span)
            .await?;
        Ok(Receipt::from_answer(status, &answer, key, attempts))
    }

    /// Looks up what became of a request (spec §4), with the API key the client was
    /// built with.
    ///
    /// ```no_run
    /// # async fn demo(client: hotpot_client::Client, moment: hotpot_client::Moment) -> Result<(), hotpot_client::Error> {
    /// let receipt = client.send(&moment).await?;
    /// if let Some(id) = receipt.request_id {
    ///     let status = client.request_status(&id).await?;
    ///     println!("{:?} {:?}", status.state, status.message_id);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn request_status(&self, request_id: &str) -> Result<crate::RequestStatus, Error> {
        let inner = &*self.inner;
        let Some(api_key) = &inner.api_key else {
            return Err(Error::Config(format!(
                "request_status needs an API key: set it with ClientBuilder::api_key or {ENV_API_KEY}"
            )));
        };
        let url = inner.url.status_url(request_id);
        let span = tracing::debug_span!("hotpot.request_status", request_id);
        let (_, answer, _) = self
            .with_retries(
                &inner.retry,
                Endpoint::Status { request_id },
                &|| {},
                || {
                    inner
                        .http
                        .get(url.clone())
                        .header(AUTHORIZATION, api_key.clone())
                },
            )
            .instrument(span)
            .await?;
        Ok(RequestStatus::from_answer(request_id, &answer))
    }

    /// The retry loop of every request (spec §5): attempts until a 2xx answer, an answer
    /// not worth retrying, the last attempt or the deadline; returns the 2xx status, its body
    /// and the number of attempts. Calls `on_retry` before each retry's wait.
    async fn with_retries(
        &self,
        policy: &RetryPolicy,
        endpoint: Endpoint<'_>,
        on_retry: &(dyn Fn() + Sync),
        request: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<(u16, Bytes, u32), Error> {
        let started = Instant::now();
        let deadline = started + policy.deadline();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let remaining = deadline.saturating_duration_since(Instant::now());
            let timeout = self.inner.timeout.min(remaining);
            let FailedAttempt { error, retry_after } = match self
                .attempt(request().timeout(timeout), endpoint, started)
                .await
            {
                Ok((status, body)) => {
                    tracing::debug!(attempt, status, "accepted");
                    return Ok((status, body, attempt));
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

    /// One request: the 2xx status and body, or the error with the wait the server asked for.
    async fn attempt(
        &self,
        request: reqwest::RequestBuilder,
        endpoint: Endpoint<'_>,
        started: Instant,
    ) -> Result<(u16, Bytes), FailedAttempt> {
        let from_reqwest = |e: reqwest::Error| {
            let error = if e.is_timeout() {
                Error::Timeout {
                    elapsed: started.elapsed(),
                    source: Some(TransportError::new(e)),
                }
            } else {
                Error::Transport(TransportError::new(e))
            };
            FailedAttempt {
                error,
                retry_after: None,
            }
        };
        let mut response = request.send().await.map_err(from_reqwest)?;
        let status = response.status().as_u16();
        if response.status().is_success() {
            // The server accepted the moment; a body that cannot be read only costs the receipt
            // its details.
            let (body, _) = read_capped(&mut response, SUCCESS_BODY_LIMIT)
                .await
                .unwrap_or_default();
            return Ok((status, body));
        }
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemTime::now()));
        let (body, truncated) = read_capped(&mut response, ERROR_BODY_LIMIT)
            .await
            .unwrap_or_default();
        let body = error_body(&body, truncated, &self.inner.url);
        Err(FailedAttempt {
            error: classify(endpoint, status, body, retry_after),
            retry_after,
        })
    }
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

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("webhook_url", &self.inner.url)
            .field("retry", &self.inner.retry)
            .field("timeout", &self.inner.timeout)
            .field("api_key", &self.inner.api_key.as_ref().map(|_| "…"))
            .finish()
    }
}
