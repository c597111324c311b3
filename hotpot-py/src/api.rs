//! `hotpot.ApiClient` (spec §14): pages a person or a team, reads a request's status and a
//! page's acknowledgements, and waits for one; on `hotpot_client::ApiClient`.

use std::future::Future;
use std::time::Duration;

use hotpot_client::env::{ENV_API_KEY, api_base_from_env, env_var};
use hotpot_client::{ApiBase, ApiKey, Error, Page, RetryPolicy, defaults};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::args::{attempt_args, given, keywords, positive_seconds_arg, str_arg};
use crate::client::{USER_AGENT, block_on};
use crate::errors::{api_error, config_error};
use crate::page::{PyAcknowledgement, PyPage, page_from_args};
use crate::process::{PerProcess, runtimes};
use crate::receipt::{PyReceipt, PyRequestStatus};

/// A client of Hotpot's API for paging people (spec §14); safe to share between threads.
///
/// ``api_key`` defaults to ``HOTPOT_API_KEY`` (:class:`ConfigError` when neither is given);
/// ``base_url`` to ``HOTPOT_API_URL``, else the base of ``HOTPOT_WEBHOOK_URL``, else
/// ``https://api.hotpot.works`` (plain ``http://`` only to a loopback host). ``timeout`` is the
/// time allowed for one attempt in seconds, ``max_retries`` the retries of a retryable failure,
/// every attempt of one page carrying the same ``Idempotency-Key``. The key is a secret:
/// ``repr()`` and every exception show at most its first 4 characters. Calls release the GIL
/// while they wait.
///
/// >>> api = ApiClient()  # doctest: +SKIP
/// >>> receipt = api.page_team("payments", "Rollback failed", "api 1.4.2", urgency="high")  # doctest: +SKIP
/// >>> api.wait_for_acknowledgement(receipt.request_id, timeout=600)  # doctest: +SKIP
/// Acknowledgement(acknowledged_at='2026-12-06T03:00:00Z', email='ana@example.com', user_id='…', status='handled')
#[pyclass(module = "hotpot", name = "ApiClient", subclass, frozen)]
pub(crate) struct PyApiClient {
    key: ApiKey,
    base: ApiBase,
    timeout: Duration,
    max_retries: u32,
    client: PerProcess<hotpot_client::ApiClient>,
}

impl PyApiClient {
    fn build(&self) -> Result<hotpot_client::ApiClient, Error> {
        // One attempt may use the whole timeout, however short the default deadline.
        let deadline = defaults::SEND_DEADLINE.max(self.timeout);
        hotpot_client::ApiClient::builder(self.key.expose())
            .base_url(self.base.as_url().as_str())
            .allow_http(true) // checked when the client was made
            .timeout(self.timeout)
            .retry(
                RetryPolicy::default()
                    .with_max_retries(self.max_retries)
                    .with_deadline(deadline),
            )
            .user_agent(USER_AGENT)
            .build()
    }

    /// Waits for `work` (given this process's client) without the GIL; its error is raised
    /// redacted.
    fn run<T, F, Fut>(&self, py: Python<'_>, work: F) -> PyResult<T>
    where
        F: FnOnce(hotpot_client::ApiClient) -> Fut,
        Fut: Future<Output = Result<T, Error>> + Send,
        T: Send,
    {
        let runtime = &runtimes(py)?.blocking;
        let client = self
            .client
            .get_or_try_init(py, || {
                let _entered = runtime.enter();
                self.build()
            })
            .map_err(|e| api_error(py, &e, &self.key))?;
        let future = work(client);
        py.detach(|| block_on(runtime, future))?
            .map_err(|e| api_error(py, &e, &self.key))
    }

    fn page(
        &self,
        py: Python<'_>,
        team: bool,
        recipient: &Bound<'_, PyAny>,
        page: Page,
    ) -> PyResult<PyReceipt> {
        let name = if team { "slug" } else { "email" };
        let recipient = str_arg(recipient, name, "a str")?;
        self.run(py, |client| async move {
            if team {
                client.page_team(&recipient, &page).await
            } else {
                client.page_person(&recipient, &page).await
            }
        })
        .map(PyReceipt::from)
    }
}

/// The page of `title` (a `Page`, or a str with `text`) and the keyword fields.
fn page_arg(
    title: &Bound<'_, PyAny>,
    text: Option<&Bound<'_, PyAny>>,
    urgency: Option<&Bound<'_, PyAny>>,
    source_url: Option<&Bound<'_, PyAny>>,
) -> PyResult<Page> {
    if let Ok(page) = title.cast::<PyPage>() {
        if given(text).is_some() || given(urgency).is_some() || given(source_url).is_some() {
            return Err(pyo3::exceptions::PyTypeError::new_err(
                "a Page carries its own text, urgency and source_url: give the Page alone",
            ));
        }
        return Ok(page.get().inner.clone());
    }
    let Some(text) = given(text) else {
        return Err(pyo3::exceptions::PyTypeError::new_err(
            "text: expected a str (the page's full text), found nothing",
        ));
    };
    page_from_args(title, text, urgency, source_url)
}

/// `ApiClient.page_person` and `page_team`, a `#[pymethods]` block each: `$method` takes the
/// recipient as `$recipient` (its text signature `$signature`), then a :class:`Page` or its
/// title, text and keywords, and pages through `PyApiClient::page` (to a team if `$team`).
macro_rules! page_method {
    ($(#[doc = $doc:literal])* $method:ident($recipient:ident), $signature:literal, team: $team:literal) => {
        #[pymethods]
        impl PyApiClient {
            $(#[doc = $doc])*
            #[pyo3(
                signature = ($recipient, title, text=None, *, urgency=None, source_url=None),
                text_signature = $signature
            )]
            fn $method(
                &self,
                py: Python<'_>,
                $recipient: &Bound<'_, PyAny>,
                title: &Bound<'_, PyAny>,
                text: Option<&Bound<'_, PyAny>>,
                urgency: Option<&Bound<'_, PyAny>>,
                source_url: Option<&Bound<'_, PyAny>>,
            ) -> PyResult<PyReceipt> {
                let page = page_arg(title, text, urgency, source_url)?;
                self.page(py, $team, $recipient, page)
            }
        }
    };
}

page_method!(
    /// Pages a person directly (``POST /page/person``), whatever the on-call rotations say:
    /// ``page_person(email, title, text, *, urgency=None, source_url=None)``, or
    /// ``page_person(email, page)`` with a :class:`Page`. Returns the :class:`Receipt`.
    page_person(email),
    "($self, email, title, text=None, *, urgency=None, source_url=None)",
    team: false
);

page_method!(
    /// Pages the people on call for a team (``POST /page/team``), escalating until someone
    /// handles it: ``page_team(slug, title, text, *, urgency=None, source_url=None)``, or
    /// ``page_team(slug, page)``. Returns the :class:`Receipt`.
    page_team(slug),
    "($self, slug, title, text=None, *, urgency=None, source_url=None)",
    team: true
);

#[pymethods]
impl PyApiClient {
    /// Checks the key and settings (ConfigError otherwise); connects on the first call.
    #[new]
    #[pyo3(
        signature = (api_key=None, **settings),
        text_signature = "(api_key=None, *, base_url=None, timeout=15.0, max_retries=2)"
    )]
    fn new(
        py: Python<'_>,
        api_key: Option<&Bound<'_, PyAny>>,
        settings: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let settings = keywords(
            "ApiClient.__new__",
            settings,
            ["base_url", "timeout", "max_retries"],
        )?;
        let [base_url, timeout, max_retries] = settings.each_ref().map(Option::as_ref);
        let key = match given(api_key) {
            Some(v) => str_arg(v, "api_key", "a str or None")?,
            None => env_var(ENV_API_KEY)
                .map_err(|e| config_error(py, e.to_string()))?
                .ok_or_else(|| {
                    config_error(
                        py,
                        format!("api_key: none given and {ENV_API_KEY} is not set"),
                    )
                })?,
        };
        let key = ApiKey::new(key).map_err(|e| config_error(py, format!("api_key: {e}")))?;
        let base = match given(base_url) {
            Some(v) => {
                let text = str_arg(v, "base_url", "a str or None")?;
                ApiBase::parse(&text, false)
                    .map_err(|e| config_error(py, format!("base_url: {e}")))?
            }
            None => api_base_from_env(false).map_err(|e| config_error(py, e.to_string()))?,
        };
        let (timeout, max_retries) = attempt_args(timeout, max_retries)?;
        Ok(PyApiClient {
            key,
            base,
            timeout,
            max_retries,
            client: PerProcess::new(),
        })
    }

    /// What became of a request (``GET /request/{id}/status``): a :class:`RequestStatus`.
    fn request_status(&self, py: Python<'_>, request_id: &str) -> PyResult<PyRequestStatus> {
        self.run(py, |client| async move {
            client.request_status(request_id).await
        })
        .map(PyRequestStatus::from)
    }

    /// Who has handled the page so far: a list of :class:`Acknowledgement` (empty while
    /// nobody has).
    fn acknowledgements(
        &self,
        py: Python<'_>,
        request_id: &str,
    ) -> PyResult<Vec<PyAcknowledgement>> {
        self.run(py, |client| async move {
            client.acknowledgements(request_id).await
        })
        .map(|acks| acks.into_iter().map(PyAcknowledgement::from).collect())
    }

    /// Waits until someone handles the page and returns the first :class:`Acknowledgement`.
    /// Polls every ``poll_interval`` seconds plus up to 20 % jitter (never faster). Raises :class:`PageFailedError` at once
    /// when the page's status becomes ``error`` (an unknown recipient), and
    /// :class:`TimeoutError` (also the builtin one) when ``timeout`` seconds pass first.
    #[pyo3(
        signature = (request_id, timeout, poll_interval=None),
        text_signature = "($self, request_id, timeout, poll_interval=2.0)"
    )]
    fn wait_for_acknowledgement(
        &self,
        py: Python<'_>,
        request_id: &str,
        timeout: &Bound<'_, PyAny>,
        poll_interval: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyAcknowledgement> {
        let timeout = positive_seconds_arg(timeout, "timeout")?;
        let every = match given(poll_interval) {
            Some(v) => positive_seconds_arg(v, "poll_interval")?,
            None => hotpot_client::DEFAULT_POLL_INTERVAL,
        };
        self.run(py, |client| async move {
            client
                .wait_for_acknowledgement_every(request_id, timeout, every)
                .await
        })
        .map(PyAcknowledgement::from)
    }

    /// The API's base URL.
    #[getter]
    fn base_url(&self) -> String {
        self.base.to_string()
    }

    /// Seconds allowed for one attempt.
    #[getter]
    fn timeout(&self) -> f64 {
        self.timeout.as_secs_f64()
    }

    /// Retries after the first attempt.
    #[getter]
    fn max_retries(&self) -> u32 {
        self.max_retries
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let class = slf.get_type().name()?.to_string();
        let me = slf.get();
        Ok(format!(
            "{class}(api_key='{}', base_url='{}', timeout={:?}, max_retries={})",
            me.key.redacted(),
            me.base,
            me.timeout.as_secs_f64(),
            me.max_retries
        ))
    }
}
