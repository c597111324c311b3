//! A blocking [`Client`] and [`ApiClient`] for code that is not async: scripts, CLIs, threads.
//!
//! It wraps the async [`crate::Client`] and a small tokio runtime of its own, whose one
//! worker thread also tends the connection pool between calls. It works on any thread that may
//! block: a plain thread, and from async code the closures of `tokio::task::spawn_blocking`
//! (the usual way to run sync code there) and `block_in_place`. Called from async code itself
//! (a task, or the body of `#[tokio::main]` or `#[tokio::test]`), where waiting would stall the
//! runtime, it sends nothing and returns [`Error::BlockingInAsync`]: `.await` the async client
//! there.
//!
//! ```no_run
//! use hotpot_client::{blocking::Client, Moment, MomentType};
//!
//! let client = Client::new("https://api.hotpot.works/moment/845b1e3c9d0f")?;
//! let moment = Moment::builder("Nightly backup failed", MomentType::Alert).build()?;
//! let receipt = client.send(&moment)?;
//! println!("queued as {:?}", receipt.request_id);
//! # Ok::<(), hotpot_client::Error>(())
//! ```

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::{
    Acknowledgement, Error, Moment, Page, PageRequest, Receipt, RequestStatus, RetryPolicy,
    WebhookUrl,
};

pub use crate::client::IntoWebhookUrl;

/// The blocking client: the same methods as [`crate::Client`], without `async`.
///
/// Cheap to clone and safe to share between threads.
#[derive(Clone)]
pub struct Client {
    inner: crate::Client,
    runtime: Arc<BackgroundRuntime>,
}

/// Configures a blocking [`Client`]; the same settings as [`crate::ClientBuilder`].
///
/// ```
/// use std::time::Duration;
/// let client = hotpot_client::blocking::Client::builder("https://api.hotpot.works/moment/845b1e3c9d0f")
///     .timeout(Duration::from_secs(3))
///     .build()?;
/// # Ok::<(), hotpot_client::Error>(())
/// ```
#[must_use = "a builder does nothing until build() is called"]
pub struct ClientBuilder(crate::ClientBuilder);

macro_rules! forward {
    ($($(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*);)*) => {
        impl ClientBuilder {
            $(
                $(#[$doc])*
                pub fn $name(self, $($arg: $ty),*) -> Self {
                    ClientBuilder(self.0.$name($($arg),*))
                }
            )*
        }
    };
}

forward! {
    /// See [`crate::ClientBuilder::timeout`].
    fn timeout(timeout: Duration);
    /// See [`crate::ClientBuilder::connect_timeout`].
    fn connect_timeout(timeout: Duration);
    /// See [`crate::ClientBuilder::retry`].
    fn retry(policy: RetryPolicy);
    /// See [`crate::ClientBuilder::api_key`].
    fn api_key(key: impl Into<String>);
    /// See [`crate::ClientBuilder::user_agent`].
    fn user_agent(user_agent: impl Into<String>);
    /// See [`crate::ClientBuilder::allow_http`].
    fn allow_http(allow: bool);
    /// See [`crate::ClientBuilder::proxy`].
    fn proxy(proxy_url: impl Into<String>);
    /// See [`crate::ClientBuilder::no_proxy`].
    fn no_proxy();
    /// See [`crate::ClientBuilder::add_root_certificate_pem`].
    fn add_root_certificate_pem(pem: impl Into<Vec<u8>>);
    /// See [`crate::ClientBuilder::only_given_root_certificates`].
    fn only_given_root_certificates(only: bool);
    /// See [`crate::ClientBuilder::pool_idle_timeout`].
    fn pool_idle_timeout(timeout: Duration);
}

impl ClientBuilder {
    /// Builds the client and its runtime.
    pub fn build(self) -> Result<Client, Error> {
        let (inner, runtime) = BackgroundRuntime::start(|| self.0.build())?;
        Ok(Client { inner, runtime })
    }
}

impl Client {
    /// A blocking client with the default settings.
    pub fn new(webhook_url: impl IntoWebhookUrl) -> Result<Client, Error> {
        Self::builder(webhook_url).build()
    }

    /// A builder for timeouts, retries, the API key and more.
    pub fn builder(webhook_url: impl IntoWebhookUrl) -> ClientBuilder {
        ClientBuilder(crate::Client::builder(webhook_url))
    }

    /// A blocking client from `HOTPOT_WEBHOOK_URL` and `HOTPOT_API_KEY` (where set).
    pub fn from_env() -> Result<Client, Error> {
        ClientBuilder(crate::Client::builder_from_env()?).build()
    }

    /// The webhook this client sends to (prints redacted).
    pub fn webhook_url(&self) -> &WebhookUrl {
        self.inner.webhook_url()
    }

    /// The async client inside, sharing this client's connection pool. Use it only on this
    /// client's runtime, i.e. through the blocking methods, or build a separate async client.
    pub fn as_async(&self) -> &crate::Client {
        &self.inner
    }

    /// Sends one moment and waits for the receipt; see [`crate::Client::send`].
    pub fn send(&self, moment: &Moment) -> Result<Receipt, Error> {
        self.block_on(self.inner.send(moment))
    }

    /// Sends one moment with a chosen `Idempotency-Key`; see
    /// [`crate::Client::send_with_idempotency_key`].
    pub fn send_with_idempotency_key(&self, moment: &Moment, key: &str) -> Result<Receipt, Error> {
        self.block_on(self.inner.send_with_idempotency_key(moment, key))
    }

    /// When the webhook expires, as the last answer with a `Sunset` header said (spec §6);
    /// see [`crate::Client::sunset`].
    pub fn sunset(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.inner.sunset()
    }

    /// Looks a request up (§4); see [`crate::Client::request_status`].
    pub fn request_status(&self, request_id: &str) -> Result<RequestStatus, Error> {
        self.block_on(self.inner.request_status(request_id))
    }

    fn block_on<T>(&self, future: impl Future<Output = Result<T, Error>>) -> Result<T, Error> {
        self.runtime.block_on(future)
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("blocking::Client")
            .field(&self.inner)
            .finish()
    }
}

/// The blocking API client: the same methods as [`crate::ApiClient`], without `async`.
///
/// ```no_run
/// use std::time::Duration;
/// use hotpot_client::{blocking::ApiClient, Page};
///
/// let api = ApiClient::from_env()?;
/// let page = Page::builder("Backup missing", "No backup of db-1 since 02:00").build()?;
/// let receipt = api.page_person("ana@example.com", &page)?;
/// let ack = api.wait_for_acknowledgement(receipt.request_id.as_deref().unwrap_or_default(), Duration::from_secs(600))?;
/// println!("handled by {}", ack.email);
/// # Ok::<(), hotpot_client::Error>(())
/// ```
#[derive(Clone)]
pub struct ApiClient {
    inner: crate::ApiClient,
    runtime: Arc<BackgroundRuntime>,
}

/// Configures a blocking [`ApiClient`]; the same settings as [`crate::ApiClientBuilder`].
#[must_use = "a builder does nothing until build() is called"]
pub struct ApiClientBuilder(crate::ApiClientBuilder);

macro_rules! forward_api {
    ($($(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*);)*) => {
        impl ApiClientBuilder {
            $(
                $(#[$doc])*
                pub fn $name(self, $($arg: $ty),*) -> Self {
                    ApiClientBuilder(self.0.$name($($arg),*))
                }
            )*
        }
    };
}

forward_api! {
    /// See [`crate::ApiClientBuilder::base_url`].
    fn base_url(base: impl Into<String>);
    /// See [`crate::ApiClientBuilder::allow_http`].
    fn allow_http(allow: bool);
    /// See [`crate::ApiClientBuilder::timeout`].
    fn timeout(timeout: Duration);
    /// See [`crate::ApiClientBuilder::connect_timeout`].
    fn connect_timeout(timeout: Duration);
    /// See [`crate::ApiClientBuilder::retry`].
    fn retry(policy: RetryPolicy);
    /// See [`crate::ApiClientBuilder::poll_interval`].
    fn poll_interval(interval: Duration);
    /// See [`crate::ApiClientBuilder::user_agent`].
    fn user_agent(user_agent: impl Into<String>);
    /// See [`crate::ApiClientBuilder::proxy`].
    fn proxy(proxy_url: impl Into<String>);
    /// See [`crate::ApiClientBuilder::no_proxy`].
    fn no_proxy();
    /// See [`crate::ApiClientBuilder::add_root_certificate_pem`].
    fn add_root_certificate_pem(pem: impl Into<Vec<u8>>);
}

impl ApiClientBuilder {
    /// Builds the client and its runtime.
    pub fn build(self) -> Result<ApiClient, Error> {
        let (inner, runtime) = BackgroundRuntime::start(|| self.0.build())?;
        Ok(ApiClient { inner, runtime })
    }
}

impl ApiClient {
    /// A blocking API client with the default settings.
    pub fn new(api_key: impl Into<String>) -> Result<ApiClient, Error> {
        Self::builder(api_key).build()
    }

    /// A builder for the base, timeouts, retries and the poll interval.
    pub fn builder(api_key: impl Into<String>) -> ApiClientBuilder {
        ApiClientBuilder(crate::ApiClient::builder(api_key))
    }

    /// A blocking API client from the environment; see [`crate::ApiClient::builder_from_env`].
    pub fn from_env() -> Result<ApiClient, Error> {
        ApiClientBuilder(crate::ApiClient::builder_from_env()?).build()
    }

    /// The async client inside (use it only through the blocking methods).
    pub fn as_async(&self) -> &crate::ApiClient {
        &self.inner
    }

    /// See [`crate::ApiClient::page_person`].
    pub fn page_person(&self, email: &str, page: &Page) -> Result<Receipt, Error> {
        self.runtime.block_on(self.inner.page_person(email, page))
    }

    /// See [`crate::ApiClient::page_team`].
    pub fn page_team(&self, slug: &str, page: &Page) -> Result<Receipt, Error> {
        self.runtime.block_on(self.inner.page_team(slug, page))
    }

    /// See [`crate::ApiClient::send_page`].
    pub fn send_page(&self, request: &PageRequest) -> Result<Receipt, Error> {
        self.runtime.block_on(self.inner.send_page(request))
    }

    /// See [`crate::ApiClient::send_page_with_idempotency_key`].
    pub fn send_page_with_idempotency_key(
        &self,
        request: &PageRequest,
        key: &str,
    ) -> Result<Receipt, Error> {
        self.runtime
            .block_on(self.inner.send_page_with_idempotency_key(request, key))
    }

    /// See [`crate::ApiClient::request_status`].
    pub fn request_status(&self, request_id: &str) -> Result<RequestStatus, Error> {
        self.runtime.block_on(self.inner.request_status(request_id))
    }

    /// See [`crate::ApiClient::acknowledgements`].
    pub fn acknowledgements(&self, request_id: &str) -> Result<Vec<Acknowledgement>, Error> {
        self.runtime
            .block_on(self.inner.acknowledgements(request_id))
    }

    /// See [`crate::ApiClient::wait_for_acknowledgement`].
    pub fn wait_for_acknowledgement(
        &self,
        request_id: &str,
        timeout: Duration,
    ) -> Result<Acknowledgement, Error> {
        self.runtime
            .block_on(self.inner.wait_for_acknowledgement(request_id, timeout))
    }
}

impl fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("blocking::ApiClient")
            .field(&self.inner)
            .finish()
    }
}

/// A multi-thread runtime with one worker, shut down without blocking when dropped (so that
/// dropping a client inside async code cannot panic).
struct BackgroundRuntime(Option<tokio::runtime::Runtime>);

impl BackgroundRuntime {
    /// Starts a runtime and builds a client inside its context (reqwest needs one).
    fn start<T>(build: impl FnOnce() -> Result<T, Error>) -> Result<(T, Arc<Self>), Error> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("hotpot-blocking")
            .enable_all()
            .build()
            .map_err(|e| Error::Config(format!("cannot start the client's runtime: {e}")))?;
        // Wrapped at once, so that an error below drops it without blocking: a plain tokio
        // runtime dropped inside async code panics.
        let runtime = BackgroundRuntime(Some(runtime));
        let built = {
            let _guard = runtime.0.as_ref().map(tokio::runtime::Runtime::enter);
            build()?
        };
        Ok((built, Arc::new(runtime)))
    }

    /// Runs `future` to completion on this runtime, unless called from async code.
    fn block_on<T>(&self, future: impl Future<Output = Result<T, Error>>) -> Result<T, Error> {
        if crate::async_context::in_async_code() {
            return Err(Error::BlockingInAsync);
        }
        self.0.as_ref().map_or_else(
            || {
                Err(Error::Config(
                    "the client's runtime has shut down".to_owned(),
                ))
            },
            |rt| rt.block_on(future),
        )
    }
}

impl Drop for BackgroundRuntime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}
