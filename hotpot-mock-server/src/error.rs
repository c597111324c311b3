//! [`Error`] (what a library call or an admin request got wrong) and [`WaitTimeout`].

use std::fmt;
use std::time::Duration;

/// Why a [`MockServer`](crate::MockServer) call or an admin request failed.
///
/// The admin API answers each variant with its own status: [`BadRequest`](Error::BadRequest)
/// 400, [`NotFound`](Error::NotFound) 404, [`Conflict`](Error::Conflict) 409. Messages never
/// contain a webhook token, only its hint (`845b…`).
///
/// ```
/// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
/// use hotpot_mock_server::{Error, MockServer, NewWebhook};
///
/// let server = MockServer::start().await?;
/// let err = server.create_webhook(NewWebhook::new("")).unwrap_err();
/// assert!(matches!(err, Error::BadRequest(_)));
/// assert!(err.to_string().contains("label"));
/// # Ok(()) }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The listening socket could not be bound.
    #[error("could not bind the mock server's socket: {0}")]
    Bind(#[source] std::io::Error),
    /// The input breaks a rule; the message names the field, what was expected and what was found.
    #[error("{0}")]
    BadRequest(String),
    /// No such webhook or event.
    #[error("{0}")]
    NotFound(String),
    /// The request clashes with the current state (a token already in use, an event that cannot be retried).
    #[error("{0}")]
    Conflict(String),
    /// Fewer moments matched an expectation than it wanted
    /// ([`MockServer::expect_moment`](crate::MockServer::expect_moment)); the admin API
    /// answers 409 with the near misses.
    #[error("{0}")]
    ExpectationFailed(Box<crate::ExpectationFailed>),
}

impl Error {
    pub(crate) fn bad(message: impl Into<String>) -> Self {
        Error::BadRequest(message.into())
    }
}

/// What a `wait_for_*` call saw when its timeout passed before enough items arrived: the
/// same three fields, with the same meaning, as Python's `hotpot.testing.WaitTimeout`
/// (`wanted`, `got`, `waited`; Python gives `waited` in seconds and `got` as dicts).
///
/// ```
/// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
/// use std::time::Duration;
/// use hotpot_mock_server::MockServer;
///
/// let server = MockServer::start().await?;
/// let timeout = server.wait_for_events(1, Duration::from_millis(10)).await.unwrap_err();
/// assert_eq!(timeout.wanted, 1);
/// assert!(timeout.got.is_empty());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct WaitTimeout<T> {
    /// How many items the call waited for.
    pub wanted: usize,
    /// Every matching item there was when the timeout passed (fewer than `wanted`).
    pub got: Vec<T>,
    /// How long the call waited.
    pub waited: Duration,
}

impl<T> WaitTimeout<T> {
    pub(crate) fn new(wanted: usize, got: Vec<T>, waited: Duration) -> Self {
        WaitTimeout {
            wanted,
            got,
            waited,
        }
    }
}

impl<T> fmt::Display for WaitTimeout<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "waited {:?} for {} items, found {}",
            self.waited,
            self.wanted,
            self.got.len()
        )
    }
}

impl<T: fmt::Debug> std::error::Error for WaitTimeout<T> {}
