//! The blocking `hotpot.Client` and `hotpot.send`, and [`Config`], the checked settings that `hotpot.AsyncClient` and `hotpot.Emitter` share.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use hotpot_client::env::{ENV_API_KEY, env_var, webhook_url_from_env};
use hotpot_client::{Error, Moment, RetryPolicy, UrlError, WebhookUrl, defaults};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString, PyType};
use tokio::runtime::{Handle, Runtime};

use crate::args::{attempt_args, bool_arg, given, keywords, str_arg, wrong_type};
use crate::errors::{client_error, config_error};
use crate::moment::{PyMoment, moment_from_call, moment_text_signature};
use crate::process::{PerProcess, lock, runtimes};
use crate::receipt::{PyReceipt, PyRequestStatus};
use crate::spin::Latency;

/// `User-Agent` of the Python package (spec §5).
pub(crate) const USER_AGENT: &str = concat!("hotpot-python/", env!("CARGO_PKG_VERSION"));

/// How often a blocking send looks for a pending signal (Ctrl-C) while it waits.
const SIGNAL_CHECK: Duration = Duration::from_millis(100);

/// What a client is made of, checked; enough to build it again after a fork.
#[derive(Clone)]
pub(crate) struct Config {
    /// The webhook URL: its `Display` and [`WebhookUrl::redact`] keep the token out of every
    /// message.
    pub(crate) url: WebhookUrl,
    timeout: Duration,
    max_retries: u32,
    api_key: Option<String>,
    /// PEM certificates of extra certificate authorities to trust (`ca_cert`).
    ca_cert: Option<Vec<u8>>,
}

impl Config {
    /// The arguments of `Client(...)` and `AsyncClient(...)` (`function` names the
    /// constructor in a `TypeError`): a value of the wrong Python type is a `TypeError`
    /// naming the argument; a value out of range (or a URL that is not a webhook URL) a
    /// `hotpot.ConfigError`. Left out (or None), a setting takes its default from
    /// [`hotpot_client::defaults`].
    pub(crate) fn from_args(
        py: Python<'_>,
        function: &str,
        webhook_url: &Bound<'_, PyAny>,
        settings: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let names = ["timeout", "max_retries", "api_key", "ca_cert", "allow_http"];
        let settings = keywords(function, settings, names)?;
        let [timeout, max_retries, api_key, ca_cert, allow_http] =
            settings.each_ref().map(Option::as_ref);
        let url = str_arg(webhook_url, "webhook_url", "a str")?;
        let allow_http = allow_http_arg(allow_http)?;
        let (timeout, max_retries) = attempt_args(timeout, max_retries)?;
        let api_key = match given(api_key) {
            Some(v) => Some(str_arg(v, "api_key", "a str or None")?),
            None => None,
        };
        let mut config = Config::new(py, &url, timeout, max_retries, api_key, allow_http)?;
        if let Some(value) = given(ca_cert) {
            config.ca_cert = Some(ca_cert_arg(value)?);
            // A certificate that does not parse is reported now, not at the first send.
            config
                .build(runtimes(py)?.blocking.handle())
                .map_err(|e| client_error(py, &e, &config.url))?;
        }
        Ok(config)
    }

    /// Checks the URL and the API key.
    fn new(
        py: Python<'_>,
        webhook_url: &str,
        timeout: Duration,
        max_retries: u32,
        api_key: Option<String>,
        allow_http: bool,
    ) -> PyResult<Self> {
        // UrlError messages never contain the token, so this one needs no redaction.
        let parsed = if allow_http {
            WebhookUrl::parse_allowing_http(webhook_url)
        } else {
            WebhookUrl::parse(webhook_url)
        };
        let url = parsed.map_err(|e| match e {
            // The opt-in, in Python's words.
            UrlError::InsecureHttp(host) => config_error(
                py,
                format!(
                    "invalid webhook URL: refusing plain http to {host}: the URL carries a \
                     secret, so use https, or opt in explicitly for a trusted network (a mock \
                     server in a container, say) with allow_http=True"
                ),
            ),
            e => config_error(py, Error::InvalidUrl(e).to_string()),
        })?;
        if api_key.as_deref().is_some_and(|k| k.trim().is_empty()) {
            return Err(config_error(
                py,
                "api_key: expected a non-empty key or None, found an empty string",
            ));
        }
        Ok(Config {
            url,
            timeout,
            max_retries,
            api_key,
            ca_cert: None,
        })
    }

    /// The `hotpot_client::Client`, built inside `runtime` (its connections belong there).
    pub(crate) fn build(&self, runtime: &Handle) -> Result<hotpot_client::Client, Error> {
        let _entered = runtime.enter();
        // One attempt may use the whole timeout, however short the default deadline.
        let deadline = defaults::SEND_DEADLINE.max(self.timeout);
        let mut builder = hotpot_client::Client::builder(&self.url)
            .timeout(self.timeout)
            .retry(
                RetryPolicy::default()
                    .with_max_retries(self.max_retries)
                    .with_deadline(deadline),
            )
            .user_agent(USER_AGENT);
        if let Some(key) = &self.api_key {
            builder = builder.api_key(key);
        }
        if let Some(pem) = &self.ca_cert {
            builder = builder.add_root_certificate_pem(pem.clone());
        }
        builder.build()
    }

    /// `Class(webhook_url='…/moment/845b…', timeout=15.0, max_retries=2, api_key=None)`.
    pub(crate) fn repr(&self, class: &str) -> String {
        format!(
            "{class}(webhook_url='{}', timeout={:?}, max_retries={}, api_key={})",
            self.url,
            self.timeout.as_secs_f64(),
            self.max_retries,
            if self.api_key.is_some() {
                "'…'"
            } else {
                "None"
            },
        )
    }

    /// Seconds allowed for one attempt.
    pub(crate) fn timeout(&self) -> f64 {
        self.timeout.as_secs_f64()
    }

    /// Retries after the first attempt.
    pub(crate) fn max_retries(&self) -> u32 {
        self.max_retries
    }
}

/// `allow_http`: a bool (default False).
fn allow_http_arg(value: Option<&Bound<'_, PyAny>>) -> PyResult<bool> {
    given(value).map_or(Ok(false), |v| bool_arg(v, "allow_http"))
}

/// `cls.from_env(allow_http=False)` of both clients: `cls(HOTPOT_WEBHOOK_URL,
/// api_key=HOTPOT_API_KEY, allow_http=allow_http)`, each read by
/// [`hotpot_client::env::env_var`] (trimmed; blank is unset).
pub(crate) fn from_env<'py>(
    cls: &Bound<'py, PyType>,
    allow_http: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = cls.py();
    let allow_http = allow_http_arg(allow_http)?;
    let read = || Ok((webhook_url_from_env()?, env_var(ENV_API_KEY)?));
    let (url, api_key) = read().map_err(|e: Error| config_error(py, e.to_string()))?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("api_key", api_key)?;
    kwargs.set_item("allow_http", allow_http)?;
    cls.call((url,), Some(&kwargs))
}

/// `ca_cert`: a path (`str` or `os.PathLike`) to a PEM file, or the PEM itself as `bytes`.
fn ca_cert_arg(value: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    let py = value.py();
    let pem = if let Ok(bytes) = value.cast::<PyBytes>() {
        bytes.as_bytes().to_vec()
    } else if value.cast::<PyString>().is_ok_and(|s| {
        s.to_cow()
            .is_ok_and(|s| s.trim_start().starts_with("-----BEGIN"))
    }) {
        return Err(config_error(
            py,
            "ca_cert: expected a path or PEM bytes, found PEM text in a str (pass it as bytes: pem.encode())",
        ));
    } else {
        let path: PathBuf = value.extract().map_err(|_| {
            wrong_type(value, "ca_cert", "a path (str or os.PathLike) or PEM bytes")
        })?;
        std::fs::read(&path).map_err(|e| {
            config_error(py, format!("ca_cert: cannot read {}: {e}", path.display()))
        })?
    };
    if !pem
        .windows(PEM_CERTIFICATE.len())
        .any(|w| w == PEM_CERTIFICATE)
    {
        return Err(config_error(
            py,
            "ca_cert: expected one or more PEM certificates (-----BEGIN CERTIFICATE-----), found none",
        ));
    }
    Ok(pem)
}

/// What starts each certificate of a PEM file.
const PEM_CERTIFICATE: &[u8] = b"-----BEGIN CERTIFICATE-----";

/// Runs `future` on the current-thread runtime from this thread, returning early with
/// `KeyboardInterrupt` (or whatever a signal handler raises) when a signal arrives.
///
/// Nobody drives the runtime between two calls, so a send may take from the pool a
/// keep-alive connection that the server closed meanwhile: the client resends such a request
/// at once, without counting an attempt (spec §5), so nothing here has to catch up first.
pub(crate) fn block_on<T>(runtime: &Runtime, future: impl Future<Output = T>) -> PyResult<T> {
    runtime.block_on(async {
        tokio::pin!(future);
        loop {
            tokio::select! {
                biased;
                out = &mut future => return Ok(out),
                () = tokio::time::sleep(SIGNAL_CHECK) => {
                    if let Some(Err(e)) = Python::try_attach(|py| py.check_signals()) {
                        return Err(e);
                    }
                }
            }
        }
    })
}

/// The methods `Client` and `AsyncClient` share, as a `#[pymethods]` block of `$class` (whose
/// Python name is `$name`): the constructor (a checked [`Config`], which `$class::with_config`
/// takes), `from_env`, the `timeout` and `max_retries` getters and `__repr__`.
macro_rules! webhook_client_methods {
    ($class:ident, $name:literal) => {
        #[pymethods]
        impl $class {
            /// Checks the URL and settings (ConfigError otherwise); connects on the first send.
            #[new]
            #[pyo3(
                signature = (webhook_url, **settings),
                text_signature = "(webhook_url, *, timeout=15.0, max_retries=2, api_key=None, ca_cert=None, allow_http=False)"
            )]
            fn new(
                py: Python<'_>,
                webhook_url: &Bound<'_, PyAny>,
                settings: Option<&Bound<'_, PyDict>>,
            ) -> PyResult<Self> {
                let function = concat!($name, ".__new__");
                let config = $crate::client::Config::from_args(py, function, webhook_url, settings)?;
                Ok($class::with_config(config))
            }

            /// A client for ``HOTPOT_WEBHOOK_URL``, with ``HOTPOT_API_KEY`` where it is set
            /// (``allow_http``: as for the constructor).
            #[classmethod]
            #[pyo3(signature = (*, allow_http=None), text_signature = "($cls, *, allow_http=False)")]
            fn from_env<'py>(
                cls: &Bound<'py, pyo3::types::PyType>,
                allow_http: Option<&Bound<'py, PyAny>>,
            ) -> PyResult<Bound<'py, PyAny>> {
                $crate::client::from_env(cls, allow_http)
            }

            /// Seconds allowed for one attempt.
            #[getter]
            fn timeout(&self) -> f64 {
                self.config.timeout()
            }

            /// Retries after the first attempt.
            #[getter]
            fn max_retries(&self) -> u32 {
                self.config.max_retries()
            }

            fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
                let class = slf.get_type().name()?.to_string();
                Ok(slf.get().config.repr(&class))
            }
        }
    };
}
pub(crate) use webhook_client_methods;

/// A client for one webhook URL; safe to share between threads.
///
/// ``timeout`` is the time allowed for one attempt, in seconds (default 15); ``max_retries``
/// how many times a retryable failure (429, 408, 500, 502, 503, 504, timeouts, refused or reset
/// connections) is tried again after the first attempt (default 2, so 3 attempts in all), with
/// exponential backoff and the same ``Idempotency-Key``; ``api_key`` enables
/// :meth:`request_status`; ``ca_cert`` adds a certificate authority to trust besides the
/// system's (for a private deployment or a TLS-inspecting proxy): the path of a PEM file, or
/// the PEM itself as ``bytes``. Certificates are always verified; there is no way to turn that
/// off.
///
/// The URL must be ``https://`` (plain ``http://`` only to a loopback host, or, with
/// ``allow_http=True``, to any host: for a mock server on a trusted network) and end in
/// ``/moment/TOKEN``; it is a secret, so ``repr()`` and every exception show only the
/// token's first 4 characters. Sends release the GIL while they wait, and a forked child
/// (gunicorn, celery, multiprocessing) gets its own connections automatically.
///
/// >>> client = Client(os.environ["HOTPOT_WEBHOOK_URL"])  # doctest: +SKIP
/// >>> client.send("Disk 91% full on db-1", "alert", priority="high")  # doctest: +SKIP
/// Receipt(status_code=202, request_id='f1e5ae0a-…', message='Your request has been queued.', attempts=1, idempotency_key='…')
#[pyclass(module = "hotpot", name = "Client", subclass, frozen)]
pub(crate) struct PyClient {
    config: Config,
    client: PerProcess<hotpot_client::Client>,
    /// How fast recent sends were answered: whether a send polls briefly before it sleeps
    /// (see `spin`).
    latency: Latency,
}

impl PyClient {
    /// The checked settings (for `hotpot.Emitter`, which builds its own client from them).
    pub(crate) fn config(&self) -> &Config {
        &self.config
    }

    fn with_config(config: Config) -> Self {
        PyClient {
            config,
            client: PerProcess::new(),
            latency: Latency::default(),
        }
    }

    /// Sends `moment`, waiting without the GIL.
    fn send_native(&self, py: Python<'_>, moment: &Moment) -> PyResult<PyReceipt> {
        self.run(py, |client| async move { client.send(moment).await })
            .map(PyReceipt::from)
    }

    /// Waits for `work` (given this process's client) without the GIL; its error is raised
    /// redacted.
    fn run<T, F, Fut>(&self, py: Python<'_>, work: F) -> PyResult<T>
    where
        F: FnOnce(hotpot_client::Client) -> Fut,
        Fut: Future<Output = Result<T, Error>> + Send,
        T: Send,
    {
        let runtime = &runtimes(py)?.blocking;
        let client = self
            .client
            .get_or_try_init(py, || self.config.build(runtime.handle()))
            .map_err(|e| client_error(py, &e, &self.config.url))?;
        let future = self.latency.wait(work(client));
        let result = py.detach(|| block_on(runtime, future))?;
        crate::sunset::log_notices(py);
        result.map_err(|e| client_error(py, &e, &self.config.url))
    }
}

#[pymethods]
impl PyClient {
    #[doc = moment_text_signature!("send", "$self, ")]
    /// Sends one moment and returns the server's :class:`Receipt`: ``send_moment(Moment(...))``.
    /// Raises a :class:`HotpotError` subclass when it is invalid (:class:`ValidationError`,
    /// before anything is sent) or not accepted after the retries. The GIL is released while
    /// waiting for the network.
    #[pyo3(signature = (name, r#type, **fields), text_signature = None)]
    fn send(
        &self,
        py: Python<'_>,
        name: &Bound<'_, PyAny>,
        r#type: &Bound<'_, PyAny>,
        fields: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyReceipt> {
        let moment = moment_from_call("Client.send", name, r#type, fields)?;
        self.send_native(py, &moment)
    }

    /// Sends a :class:`Moment` built earlier; see :meth:`send`.
    fn send_moment(&self, py: Python<'_>, moment: &PyMoment) -> PyResult<PyReceipt> {
        self.send_native(py, &moment.inner)
    }

    /// Looks up what became of a request (``GET /request/{id}/status``); needs the client's
    /// ``api_key``. Returns a :class:`RequestStatus`.
    fn request_status(&self, py: Python<'_>, request_id: &str) -> PyResult<PyRequestStatus> {
        self.run(py, |client| async move {
            client.request_status(request_id).await
        })
        .map(PyRequestStatus::from)
    }
}

webhook_client_methods!(PyClient, "Client");

/// Clients of `hotpot.send`, by URL: a new client per call would load the TLS roots and open a
/// connection every time.
/// (URL, allow_http, client).
static SEND_CLIENTS: Mutex<Vec<(String, bool, Py<PyClient>)>> = Mutex::new(Vec::new());
const SEND_CLIENTS_MAX: usize = 16;

#[doc = moment_text_signature!("send", "$module, webhook_url, ", ", allow_http=False")]
/// Sends one moment to ``webhook_url`` with the default settings and returns the
/// :class:`Receipt`: the one-line replacement for ``requests.post(url, json=payload)``.
/// Clients are kept per URL. ``allow_http=True`` allows plain ``http://`` to a host that is
/// not loopback (see :class:`Client`).
#[pyfunction]
#[pyo3(signature = (webhook_url, name, r#type, *, allow_http=None, **fields), text_signature = None)]
pub(crate) fn send(
    py: Python<'_>,
    webhook_url: &Bound<'_, PyAny>,
    name: &Bound<'_, PyAny>,
    r#type: &Bound<'_, PyAny>,
    allow_http: Option<&Bound<'_, PyAny>>,
    fields: Option<&Bound<'_, PyDict>>,
) -> PyResult<PyReceipt> {
    let moment = moment_from_call("send", name, r#type, fields)?;
    let webhook_url = &str_arg(webhook_url, "webhook_url", "a str")?;
    let allow_http = allow_http_arg(allow_http)?;
    // SEND_CLIENTS is only locked with the GIL held, never across a release of it (fork
    // safety), and nothing that runs Python code (an allocation may run the GC) is done
    // while it is locked.
    let known = lock(&SEND_CLIENTS)
        .iter()
        .find(|(url, http, _)| url == webhook_url && *http == allow_http)
        .map(|(_, _, client)| client.clone_ref(py));
    let client = match known {
        Some(client) => client,
        None => {
            let config = Config::new(
                py,
                webhook_url,
                defaults::TIMEOUT,
                defaults::MAX_RETRIES,
                None,
                allow_http,
            )?;
            let client = Py::new(py, PyClient::with_config(config))?;
            let evicted = {
                let mut clients = lock(&SEND_CLIENTS);
                let evicted = (clients.len() >= SEND_CLIENTS_MAX).then(|| clients.remove(0));
                clients.push((webhook_url.to_owned(), allow_http, client.clone_ref(py)));
                evicted
            };
            drop(evicted); // released after the lock
            client
        }
    };
    client.get().send_native(py, &moment)
}
