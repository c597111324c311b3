//! What every method of `MockServer` does around its call to the Rust server: reaching it
//! (refused once closed, or in a forked child), reading a `token` argument (a token or a
//! webhook URL), and waiting for records without the GIL.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hotpot_mock_server::{MockServer, WaitTimeout};
use hotpot_protocol::redact_token;
use pyo3::exceptions::{PyLookupError, PyRuntimeError};
use pyo3::prelude::*;
use serde::Serialize;

use super::PyMockServer;
use super::convert::{duration_arg, to_py};
use crate::args::{given, int_arg, str_arg};
use crate::errors::wait_timeout;
use crate::process::lock;

/// How long a `wait_for_*` waits when no timeout is given, in seconds.
const WAIT_TIMEOUT: f64 = 5.0;

impl PyMockServer {
    pub(super) fn server(&self) -> PyResult<Arc<MockServer>> {
        if self.pid != crate::process::pid() {
            return Err(PyRuntimeError::new_err(
                "this MockServer runs in the parent process (it was started before a fork); \
                 start a new one here",
            ));
        }
        lock(&self.server)
            .clone()
            .ok_or_else(|| PyRuntimeError::new_err("the MockServer is closed"))
    }

    /// `value`, a token or the URL of one of this server's webhooks, as a token.
    pub(super) fn token_of(&self, value: &Bound<'_, PyAny>) -> PyResult<String> {
        let text = str_arg(value, "token", "a token or webhook URL (a str)")?;
        if !text.contains('/') {
            return Ok(text);
        }
        self.server()?
            .webhooks()
            .into_iter()
            .find(|hook| hook.url == text)
            .map(|hook| hook.token)
            // The URL is a secret: not repeated (this server's URLs all start with its url).
            .ok_or_else(|| {
                PyLookupError::new_err(format!(
                    "token: no webhook of the server at {} has that URL",
                    self.url
                ))
            })
    }

    /// `value`, a token or webhook URL, as the token of one of this server's webhooks:
    /// `LookupError` when none has it (a fault for it would never fire, a filter never match).
    pub(super) fn known_token(&self, value: &Bound<'_, PyAny>) -> PyResult<String> {
        let token = self.token_of(value)?;
        if self
            .server()?
            .webhooks()
            .iter()
            .any(|hook| hook.token == token)
        {
            return Ok(token);
        }
        Err(PyLookupError::new_err(format!(
            "token: no webhook of the server at {} has the token {} (webhooks() lists them; \
             create_webhook() makes one)",
            self.url,
            redact_token(&token)
        )))
    }

    /// Waits without the GIL for `wait` (a `wait_for_*` of the server); a timeout raises
    /// `hotpot.testing.WaitTimeout`.
    pub(super) fn wait<'py, T, F, Fut>(
        &self,
        py: Python<'py>,
        n: &Bound<'py, PyAny>,
        timeout: Option<&Bound<'py, PyAny>>,
        what: &str,
        wait: F,
    ) -> PyResult<Bound<'py, PyAny>>
    where
        T: Serialize + Send,
        F: FnOnce(Arc<MockServer>, usize, Duration) -> Fut + Send,
        Fut: Future<Output = Result<Vec<T>, WaitTimeout<T>>>,
    {
        let n = int_arg(n, "n", 0..=u64::MAX)? as usize;
        let timeout = match given(timeout) {
            Some(value) => duration_arg(value, "timeout")?,
            None => Duration::from_secs_f64(WAIT_TIMEOUT),
        };
        let server = self.server()?;
        let handle = self.handle.clone();
        match py.detach(move || handle.block_on(wait(server, n, timeout))) {
            Ok(records) => to_py(py, &records),
            Err(t) => {
                let message = format!(
                    "waited {:.1}s for {} {what}, found {}",
                    t.waited.as_secs_f64(),
                    t.wanted,
                    t.got.len()
                );
                let got = to_py(py, &t.got)?;
                Err(wait_timeout(
                    py,
                    message,
                    t.wanted,
                    got,
                    t.waited.as_secs_f64(),
                ))
            }
        }
    }
}
