//! The blocking `hotpot.Client`, `hotpot.Receipt`, `hotpot.RequestStatus` and `hotpot.send`.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use hotpot_client::{
    ENV_API_KEY, Error, RequestState, RetryPolicy, WebhookUrl, defaults, env_var,
    webhook_url_from_env,
};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyString, PyType};
use tokio::runtime::{Handle, Runtime};

use crate::errors::{Secret, client_error, config_error};
use crate::moment::{MomentArgs, PyMoment, describe};
use crate::process::{PerProcess, lock, runtimes};
use crate::spin::Latency;

/// `User-Agent` of the Python package (contract §5).
pub(crate) const USER_AGENT: &str = concat!("hotpot-python/", env!("CARGO_PKG_VERSION"));

/// How often a blocking send looks for a pending signal (Ctrl-C) while it waits.
const SIGNAL_CHECK: Duration = Duration::from_millis(100);

/// The most retries a client may be configured with.
const MAX_RETRIES: i64 = 100;

/// What a client is made of, checked; enough to build it again after a fork.
#[derive(Clone)]
pub(crate) struct Config {
    url: WebhookUrl,
    timeout: Duration,
    max_retries: u32,
    api_key: Option<String>,
    /// PEM certificates of extra certificate authorities to trust (`ca_cert`).
    ca_cert: Option<Vec<u8>>,
    pub(crate) secret: Secret,
}

/// The arguments of `Client(...)` and `AsyncClient(...)`, as Python gave them.
pub(crate) struct ClientArgs<'a, 'py> {
    pub(crate) webhook_url: &'a Bound<'py, PyAny>,
    pub(crate) timeout: Option<&'a Bound<'py, PyAny>>,
    pub(crate) max_retries: Option<&'a Bound<'py, PyAny>>,
    pub(crate) api_key: Option<&'a Bound<'py, PyAny>>,
    pub(crate) ca_cert: Option<&'a Bound<'py, PyAny>>,
}

impl ClientArgs<'_, '_> {
    /// A value of the wrong Python type is a `TypeError` naming the argument; a value out of
    /// range (or a URL that is not a webhook URL) a `hotpot.ConfigError`.
    pub(crate) fn config(&self, py: Python<'_>) -> PyResult<Config> {
        let url = str_arg(self.webhook_url, "webhook_url", "a str")?;
        let timeout = match self.timeout.filter(|v| !v.is_none()) {
            Some(v) => number_arg(v, "timeout", "a number of seconds")?,
            None => DEFAULT_TIMEOUT,
        };
        let max_retries = match self.max_retries {
            Some(v) => int_arg(v, "max_retries")?,
            None => DEFAULT_MAX_RETRIES,
        };
        let api_key = match self.api_key.filter(|v| !v.is_none()) {
            Some(v) => Some(str_arg(v, "api_key", "a str or None")?),
            None => None,
        };
        let mut config = Config::new(py, &url, timeout, max_retries, api_key)?;
        if let Some(value) = self.ca_cert.filter(|v| !v.is_none()) {
            config.ca_cert = Some(ca_cert_arg(value)?);
            // A certificate that does not parse is reported now, not at the first send.
            config
                .build(runtimes(py)?.blocking.handle())
                .map_err(|e| client_error(py, e, &config.secret))?;
        }
        Ok(config)
    }
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

/// Default `timeout`, seconds per attempt (contract §5: 15 s for the whole request).
const DEFAULT_TIMEOUT: f64 = 15.0;
/// Default `max_retries` (contract §5: 3 attempts in all).
const DEFAULT_MAX_RETRIES: i64 = 2;

fn wrong_type(value: &Bound<'_, PyAny>, name: &str, expected: &str) -> PyErr {
    PyTypeError::new_err(format!(
        "{name}: expected {expected}, found {}",
        describe(value)
    ))
}

/// A `str` argument (subclasses included).
pub(crate) fn str_arg(value: &Bound<'_, PyAny>, name: &str, expected: &str) -> PyResult<String> {
    let s = value
        .cast::<PyString>()
        .map_err(|_| wrong_type(value, name, expected))?;
    Ok(s.to_cow()?.into_owned())
}

/// An `int` or `float` argument (not a `bool`).
fn number_arg(value: &Bound<'_, PyAny>, name: &str, expected: &str) -> PyResult<f64> {
    if value.is_instance_of::<PyBool>()
        || !(value.is_instance_of::<PyFloat>() || value.is_instance_of::<PyInt>())
    {
        return Err(wrong_type(value, name, expected));
    }
    value.extract()
}

/// An `int` argument (not a `bool`).
fn int_arg(value: &Bound<'_, PyAny>, name: &str) -> PyResult<i64> {
    if value.is_instance_of::<PyBool>() || !value.is_instance_of::<PyInt>() {
        return Err(wrong_type(value, name, "an int"));
    }
    value.extract::<i64>().map_err(|_| {
        let found = format!("{name}: expected 0 to {MAX_RETRIES}, found {value}");
        config_error(value.py(), found)
    })
}

impl Config {
    /// Checks the values of `Client(...)` and `AsyncClient(...)`.
    fn new(
        py: Python<'_>,
        webhook_url: &str,
        timeout: f64,
        max_retries: i64,
        api_key: Option<String>,
    ) -> PyResult<Self> {
        let secret = Secret::of_url(webhook_url);
        let url = WebhookUrl::parse(webhook_url)
            .map_err(|e| client_error(py, Error::InvalidUrl(e), &secret))?;
        if !(timeout.is_finite() && timeout > 0.0) {
            return Err(config_error(
                py,
                format!("timeout: expected a positive number of seconds, found {timeout}"),
            ));
        }
        if !(0..=MAX_RETRIES).contains(&max_retries) {
            return Err(config_error(
                py,
                format!("max_retries: expected 0 to {MAX_RETRIES}, found {max_retries}"),
            ));
        }
        if api_key.as_deref().is_some_and(|k| k.trim().is_empty()) {
            return Err(config_error(
                py,
                "api_key: expected a non-empty key or None, found an empty string",
            ));
        }
        Ok(Config {
            url,
            timeout: Duration::from_secs_f64(timeout),
            max_retries: max_retries as u32,
            api_key,
            ca_cert: None,
            secret,
        })
    }

    /// `HOTPOT_WEBHOOK_URL` and, where set, `HOTPOT_API_KEY`, with the default settings.
    pub(crate) fn from_env(py: Python<'_>) -> PyResult<(String, Option<String>)> {
        let read = || Ok((webhook_url_from_env()?, env_var(ENV_API_KEY)?));
        read().map_err(|e: Error| config_error(py, e.to_string()))
    }

    /// The `hotpot_client::Client`, built inside `runtime` (its connections belong there).
    pub(crate) fn build(&self, runtime: &Handle) -> Result<hotpot_client::Client, Error> {
        let _entered = runtime.enter();
        // One attempt may use the whole timeout, however short the default deadline.
        let deadline = defaults::SEND_DEADLINE.max(self.timeout);
        let mut builder = hotpot_client::Client::builder(&self.url)
            .timeout(self.timeout)
            .connect_timeout(self.timeout.min(defaults::CONNECT_TIMEOUT))
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

    pub(crate) fn timeout(&self) -> f64 {
        self.timeout.as_secs_f64()
    }

    /// The webhook URL (its `Display` redacts the token).
    pub(crate) fn url(&self) -> &WebhookUrl {
        &self.url
    }

    pub(crate) fn max_retries(&self) -> u32 {
        self.max_retries
    }
}

/// Runs `future` on the current-thread runtime from this thread, returning early with
/// `KeyboardInterrupt` (or whatever a signal handler raises) when a signal arrives.
///
/// Nobody drives the runtime between two calls, so the news of its sockets waits in the
/// kernel meanwhile: most importantly a server closing an idle keep-alive connection (load
/// balancers do after a minute or so). So the runtime first catches up with it, before
/// `future` runs, or a send would take the closed connection from the pool and fail (or
/// spend a retry) on it.
pub(crate) fn block_on<T>(runtime: &Runtime, future: impl Future<Output = T>) -> PyResult<T> {
    runtime.block_on(async {
        // Yielding lets the runtime poll its sockets without blocking, which wakes the task
        // of each connection with news; yielding again lets those tasks run (a connection
        // that reads the end of its stream closes and leaves the pool).
        tokio::task::yield_now().await;
        tokio::task::yield_now().await;
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

/// The server's answer to an accepted moment: `status_code` (202 from Hotpot), `request_id`
/// (`hotpot_request_id`, for `request_status`), `message` ("Your request has been queued."),
/// the `idempotency_key` every attempt carried and the number of `attempts`.
#[pyclass(module = "hotpot", name = "Receipt", frozen, get_all, eq)]
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PyReceipt {
    /// The HTTP status (202 from Hotpot).
    status_code: u16,
    /// `hotpot_request_id`, to look the request up with `request_status`, or None.
    request_id: Option<String>,
    /// The server's message ("Your request has been queued."), or None.
    message: Option<String>,
    /// The `Idempotency-Key` sent with every attempt of this moment.
    idempotency_key: String,
    /// How many attempts the send took (1 when nothing was retried).
    attempts: u32,
}

impl From<hotpot_client::Receipt> for PyReceipt {
    fn from(r: hotpot_client::Receipt) -> Self {
        PyReceipt {
            status_code: r.status,
            request_id: r.request_id,
            message: r.message,
            idempotency_key: r.idempotency_key,
            attempts: r.attempts,
        }
    }
}

#[pymethods]
impl PyReceipt {
    #[new]
    #[pyo3(signature = (status_code, request_id=None, message=None, *, idempotency_key=None, attempts=1))]
    fn new(
        status_code: u16,
        request_id: Option<String>,
        message: Option<String>,
        idempotency_key: Option<String>,
        attempts: u32,
    ) -> Self {
        PyReceipt {
            status_code,
            request_id,
            message,
            idempotency_key: idempotency_key.unwrap_or_default(),
            attempts,
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "Receipt(status_code={}, request_id={}, message={})",
            self.status_code,
            py_repr(self.request_id.as_deref()),
            py_repr(self.message.as_deref()),
        )
    }
}

/// What became of a request (`GET /request/{id}/status`): `status` is "accepted",
/// "success" or "error"; on "error", `errors` lists the problems as `(field, message)` pairs.
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
    /// The created moment's id, on "success".
    moment_id: Option<String>,
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
            moment_id: s.moment_id,
        }
    }
}

#[pymethods]
impl PyRequestStatus {
    fn __repr__(&self) -> String {
        format!(
            "RequestStatus(request_id={}, status={}, status_message={}, errors={:?}, moment_id={})",
            py_repr(Some(&self.request_id)),
            py_repr(Some(&self.status)),
            py_repr(self.status_message.as_deref()),
            self.errors,
            py_repr(self.moment_id.as_deref()),
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

/// The blocking client. The public class is `hotpot.Client`, a subclass.
#[pyclass(module = "hotpot._hotpot", name = "Client", subclass, frozen)]
pub(crate) struct PyClient {
    config: Config,
    client: PerProcess<hotpot_client::Client>,
    /// How fast recent sends were answered: whether a send spins before it sleeps.
    latency: Latency,
}

impl PyClient {
    /// The checked settings (for `hotpot.Emitter`, which builds its own client from them).
    pub(crate) fn config(&self) -> &Config {
        &self.config
    }

    fn send_checked(&self, py: Python<'_>, moment: &hotpot_client::Moment) -> PyResult<PyReceipt> {
        let runtime = &runtimes(py)?.blocking;
        let client = self.client(py, runtime.handle())?;
        let send = self.latency.wait(client.send(moment));
        let result = py.detach(|| block_on(runtime, send))?;
        result
            .map(PyReceipt::from)
            .map_err(|e| client_error(py, e, &self.config.secret))
    }

    fn client(&self, py: Python<'_>, runtime: &Handle) -> PyResult<hotpot_client::Client> {
        self.client
            .get_or_try_init(py, || self.config.build(runtime))
            .map_err(|e| client_error(py, e, &self.config.secret))
    }
}

#[pymethods]
impl PyClient {
    #[new]
    #[pyo3(signature = (webhook_url, *, timeout=None, max_retries=None, api_key=None, ca_cert=None))]
    fn new(
        py: Python<'_>,
        webhook_url: &Bound<'_, PyAny>,
        timeout: Option<&Bound<'_, PyAny>>,
        max_retries: Option<&Bound<'_, PyAny>>,
        api_key: Option<&Bound<'_, PyAny>>,
        ca_cert: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let args = ClientArgs {
            webhook_url,
            timeout,
            max_retries,
            api_key,
            ca_cert,
        };
        Ok(PyClient {
            config: args.config(py)?,
            client: PerProcess::new(),
            latency: Latency::default(),
        })
    }

    /// A client for `HOTPOT_WEBHOOK_URL`, with `HOTPOT_API_KEY` where it is set.
    #[classmethod]
    fn from_env<'py>(cls: &Bound<'py, PyType>) -> PyResult<Bound<'py, PyAny>> {
        let py = cls.py();
        let (url, api_key) = Config::from_env(py)?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("api_key", api_key)?;
        cls.call((url,), Some(&kwargs))
    }

    /// Sends one moment and returns the server's receipt; raises a `hotpot.HotpotError`
    /// subclass when it is invalid (before anything is sent) or not accepted after the retries.
    /// The GIL is released while waiting for the network.
    #[pyo3(signature = (name, r#type, *, priority=None, source=None, source_url=None, description=None, occurred_at=None))]
    #[allow(clippy::too_many_arguments)]
    fn send(
        &self,
        py: Python<'_>,
        name: &Bound<'_, PyAny>,
        r#type: &Bound<'_, PyAny>,
        priority: Option<&Bound<'_, PyAny>>,
        source: Option<&Bound<'_, PyAny>>,
        source_url: Option<&Bound<'_, PyAny>>,
        description: Option<&Bound<'_, PyAny>>,
        occurred_at: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyReceipt> {
        let moment = MomentArgs {
            name,
            kind: r#type,
            priority,
            source,
            source_url,
            description,
            occurred_at,
        }
        .build(py)?;
        self.send_checked(py, &moment)
    }

    /// Sends a `hotpot.Moment` built earlier; see `send`.
    fn send_moment(&self, py: Python<'_>, moment: PyRef<'_, PyMoment>) -> PyResult<PyReceipt> {
        self.send_checked(py, &moment.inner)
    }

    /// Looks up what became of a request (`GET /request/{id}/status`); needs the client's
    /// `api_key`. Returns a `hotpot.RequestStatus`.
    fn request_status(&self, py: Python<'_>, request_id: &str) -> PyResult<PyRequestStatus> {
        let runtime = &runtimes(py)?.blocking;
        let client = self.client(py, runtime.handle())?;
        let lookup = self.latency.wait(client.request_status(request_id));
        let result = py.detach(|| block_on(runtime, lookup))?;
        result
            .map(PyRequestStatus::from)
            .map_err(|e| client_error(py, e, &self.config.secret))
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

/// Clients of `hotpot.send`, by URL: a new client per call would load the TLS roots and open a
/// connection every time.
static SEND_CLIENTS: Mutex<Vec<(String, Py<PyClient>)>> = Mutex::new(Vec::new());
const SEND_CLIENTS_MAX: usize = 16;

/// Sends one moment to `webhook_url` with the default settings and returns the receipt: the
/// one-line replacement for `requests.post(url, json=payload)`. Clients are kept per URL.
#[pyfunction]
#[pyo3(signature = (webhook_url, name, r#type, *, priority=None, source=None, source_url=None, description=None, occurred_at=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn send(
    py: Python<'_>,
    webhook_url: &Bound<'_, PyAny>,
    name: &Bound<'_, PyAny>,
    r#type: &Bound<'_, PyAny>,
    priority: Option<&Bound<'_, PyAny>>,
    source: Option<&Bound<'_, PyAny>>,
    source_url: Option<&Bound<'_, PyAny>>,
    description: Option<&Bound<'_, PyAny>>,
    occurred_at: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyReceipt> {
    let moment = MomentArgs {
        name,
        kind: r#type,
        priority,
        source,
        source_url,
        description,
        occurred_at,
    }
    .build(py)?;
    let webhook_url = &str_arg(webhook_url, "webhook_url", "a str")?;
    // SEND_CLIENTS is only locked with the GIL held, never across a release of it (fork
    // safety), and nothing that runs Python code (an allocation may run the GC) is done
    // while it is locked.
    let known = lock(&SEND_CLIENTS)
        .iter()
        .find(|(url, _)| url == webhook_url)
        .map(|(_, client)| client.clone_ref(py));
    let client = match known {
        Some(client) => client,
        None => {
            let config = Config::new(py, webhook_url, DEFAULT_TIMEOUT, DEFAULT_MAX_RETRIES, None)?;
            let client = Py::new(
                py,
                PyClient {
                    config,
                    client: PerProcess::new(),
                    latency: Latency::default(),
                },
            )?;
            let evicted = {
                let mut clients = lock(&SEND_CLIENTS);
                let evicted = (clients.len() >= SEND_CLIENTS_MAX).then(|| clients.remove(0));
                clients.push((webhook_url.to_owned(), client.clone_ref(py)));
                evicted
            };
            drop(evicted); // released after the lock
            client
        }
    };
    client.get().send_checked(py, &moment)
}
