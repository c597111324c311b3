//! [`Client`]: sends moments with retries (spec §5) and looks requests up (§4).

mod answer;
mod builder;
mod http;
mod retrying;

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{AUTHORIZATION, HeaderValue};
use tracing::Instrument;

pub use answer::{Receipt, RequestState, RequestStatus};
pub use builder::{ClientBuilder, IntoWebhookUrl, USER_AGENT, WebhookUrlSource};

use hotpot_protocol::new_idempotency_key;

use crate::env::ENV_API_KEY;
use crate::{Error, Moment, RetryPolicy, WebhookUrl};
pub(crate) use answer::Endpoint;
pub(crate) use http::{HttpSettings, JsonPost, bearer_header, http_setters};
pub(crate) use retrying::Caller;

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
    /// The last `Sunset` an answer of the webhook carried.
    sunset: Mutex<Option<DateTime<Utc>>>,
}

impl Client {
    /// The retry loop's view of this client: its timeout, its secret, and where an answer's
    /// `Sunset` goes (the webhook's answers only).
    fn caller<'a>(&'a self, on_sunset: Option<&'a (dyn Fn(DateTime<Utc>) + Sync)>) -> Caller<'a> {
        Caller {
            timeout: self.inner.timeout,
            redactor: &self.inner.url,
            on_sunset,
        }
    }

    /// The webhook this client sends to (prints redacted).
    pub fn webhook_url(&self) -> &WebhookUrl {
        &self.inner.url
    }

    /// The retry policy of [`send`](Self::send).
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// When the webhook expires, as the last answer that said so (a `Sunset` header, spec §6)
    /// said, through this client or a clone of it (an emitter's sends included); `None` while
    /// no answer has. A 410 (already expired) is an error of its own and does not count.
    ///
    /// ```no_run
    /// # async fn demo(client: hotpot_client::Client, moment: hotpot_client::Moment) -> Result<(), hotpot_client::Error> {
    /// let _ = client.send(&moment).await;
    /// if let Some(at) = client.sunset() {
    ///     eprintln!("this webhook expires at {at}; rotate it");
    /// }
    /// # Ok(()) }
    /// ```
    pub fn sunset(&self) -> Option<DateTime<Utc>> {
        self.inner.sunset.lock().ok().and_then(|at| *at)
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
    /// 255 printable ASCII characters, see
    /// [`check_idempotency_key`](hotpot_protocol::check_idempotency_key)): sending the same
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
        let post = JsonPost::new(key, moment.to_json_vec())?;
        let inner = &*self.inner;
        let span = tracing::debug_span!("hotpot.send", webhook = %inner.url, idempotency_key = key);
        let heard = |at| self.heard_sunset(at);
        let caller = self.caller(Some(&heard));
        post.send(caller, policy, Endpoint::Ingest, on_retry, span, |post| {
            post.request(&inner.http, inner.url.expose_url().clone())
        })
        .await
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
        let (answer, _) = self
            .caller(None)
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
        Ok(RequestStatus::from_answer(request_id, &answer.body))
    }
}

impl Client {
    /// An answer announced the webhook's expiry: kept for [`Client::sunset`], and warned
    /// about once per webhook URL per process ([`crate::sunset`]).
    fn heard_sunset(&self, at: DateTime<Utc>) {
        if let Ok(mut last) = self.inner.sunset.lock() {
            *last = Some(at);
        }
        crate::sunset::heard(&self.inner.url, at);
    }
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
