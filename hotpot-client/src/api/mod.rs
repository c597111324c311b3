//! [`ApiClient`]: pages a person or a team and follows what becomes of a page (spec §14),
//! with the retries of spec §5.

mod builder;
mod wait;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hotpot_protocol::{
    Acknowledgement, ApiBase, ApiKey, Page, PageRequest, Recipient, new_idempotency_key,
    parse_acknowledgements,
};
use reqwest::header::{AUTHORIZATION, HeaderValue};
use tracing::Instrument;

pub use builder::{ApiClientBuilder, DEFAULT_POLL_INTERVAL};

use crate::client::{Caller, Endpoint, JsonPost};
use crate::{Error, Receipt, RequestStatus, RetryPolicy};

/// An asynchronous client of Hotpot's API: pages (spec §14) and request status (§4).
///
/// Cheap to clone and safe to share between tasks. The API key is sent as
/// `Authorization: Bearer …` and never printed: `Debug`, errors and logs show at most its first
/// 4 characters. Use [`blocking::ApiClient`](crate::blocking::ApiClient) outside async code.
///
/// ```no_run
/// use std::time::Duration;
/// use hotpot_client::{ApiClient, Page, Urgency};
///
/// # async fn demo() -> Result<(), hotpot_client::Error> {
/// let api = ApiClient::from_env()?; // HOTPOT_API_KEY
/// let page = Page::builder("Rollback failed", "api 1.4.2 could not be rolled back")
///     .urgency(Urgency::High)
///     .build()?;
/// let receipt = api.page_team("payments", &page).await?;
/// let id = receipt.request_id.expect("Hotpot names the request");
/// let ack = api.wait_for_acknowledgement(&id, Duration::from_secs(600)).await?;
/// println!("handled by {} at {}", ack.email, ack.acknowledged_at);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ApiClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: ApiBase,
    key: ApiKey,
    auth: HeaderValue,
    retry: RetryPolicy,
    timeout: Duration,
    poll_interval: Duration,
}

impl ApiClient {
    fn caller(&self) -> Caller<'_> {
        Caller {
            timeout: self.inner.timeout,
            redactor: &self.inner.key,
            on_sunset: None,
        }
    }

    /// The API's base.
    pub fn base_url(&self) -> &ApiBase {
        &self.inner.base
    }

    /// The API key (prints redacted).
    pub fn api_key(&self) -> &ApiKey {
        &self.inner.key
    }

    /// The retry policy of every request.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// How often [`wait_for_acknowledgement`](Self::wait_for_acknowledgement) polls, before
    /// jitter.
    pub fn poll_interval(&self) -> Duration {
        self.inner.poll_interval
    }

    /// Pages a person directly (`POST /page/person`), whatever the on-call rotations say.
    /// The e-mail address is checked before anything is sent ([`Error::Validation`] with the
    /// field `recipient`).
    pub async fn page_person(&self, email: &str, page: &Page) -> Result<Receipt, Error> {
        let recipient = Recipient::person(email)?;
        self.send_page(&PageRequest::new(recipient, page.clone()))
            .await
    }

    /// Pages the people on call for a team (`POST /page/team`), escalating through the
    /// team's schedule until someone handles it. The slug is checked before anything is sent.
    pub async fn page_team(&self, slug: &str, page: &Page) -> Result<Receipt, Error> {
        let recipient = Recipient::team(slug)?;
        self.send_page(&PageRequest::new(recipient, page.clone()))
            .await
    }

    /// Sends a page to its recipient, with a fresh `Idempotency-Key` carried by every attempt.
    pub async fn send_page(&self, request: &PageRequest) -> Result<Receipt, Error> {
        self.send_page_with_idempotency_key(request, &new_idempotency_key())
            .await
    }

    /// Like [`send_page`](Self::send_page), with the `Idempotency-Key` chosen by the caller:
    /// sending the page again with the same key pages nobody again where the server honours
    /// the header.
    pub async fn send_page_with_idempotency_key(
        &self,
        request: &PageRequest,
        key: &str,
    ) -> Result<Receipt, Error> {
        let post = JsonPost::new(key, request.to_json_vec())?;
        let inner = &*self.inner;
        let url = inner
            .base
            .join(&["page", request.recipient().kind().as_str()]);
        let span = tracing::debug_span!(
            "hotpot.page",
            base = %inner.base,
            kind = request.recipient().kind().as_str(),
            idempotency_key = key
        );
        // The API's answers are not read for `Sunset` (the caller has no `on_sunset`).
        post.send(
            self.caller(),
            &inner.retry,
            Endpoint::Page,
            &|| {},
            span,
            |post| {
                post.request(&inner.http, url.clone())
                    .header(AUTHORIZATION, inner.auth.clone())
            },
        )
        .await
    }

    /// What became of a request (`GET /request/{id}/status`, spec §4): for a page,
    /// `accepted`, then `success` (delivered; `message_id` is the page's id) or `error`.
    pub async fn request_status(&self, request_id: &str) -> Result<RequestStatus, Error> {
        let answer = self.get(request_id, "status").await?;
        Ok(RequestStatus::from_answer(request_id, &answer))
    }

    /// Who has handled a page so far (`GET /request/{id}/acknowledgements`); empty while
    /// nobody has.
    pub async fn acknowledgements(&self, request_id: &str) -> Result<Vec<Acknowledgement>, Error> {
        let answer = self.get(request_id, "acknowledgements").await?;
        let json: serde_json::Value =
            serde_json::from_slice(&answer).map_err(|e| Error::UnexpectedStatus {
                status: 200,
                body: format!("acknowledgements: expected JSON, found {e}"),
            })?;
        parse_acknowledgements(&json).map_err(|e| Error::UnexpectedStatus {
            status: 200,
            body: e,
        })
    }

    /// `GET /request/{id}/{what}` with the retries, the 2xx body.
    async fn get(&self, request_id: &str, what: &str) -> Result<Bytes, Error> {
        let inner = &*self.inner;
        let url = inner.base.join(&["request", request_id, what]);
        let span = tracing::debug_span!("hotpot.request", request_id, what);
        let (answer, _) = self
            .caller()
            .with_retries(
                &inner.retry,
                Endpoint::Status { request_id },
                &|| {},
                || {
                    inner
                        .http
                        .get(url.clone())
                        .header(AUTHORIZATION, inner.auth.clone())
                },
            )
            .instrument(span)
            .await?;
        Ok(answer.body)
    }
}

impl fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiClient")
            .field("base", &self.inner.base)
            .field("api_key", &self.inner.key)
            .field("retry", &self.inner.retry)
            .field("timeout", &self.inner.timeout)
            .field("poll_interval", &self.inner.poll_interval)
            .finish()
    }
}
