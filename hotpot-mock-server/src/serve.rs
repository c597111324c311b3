//! The accept loop and the connections: HTTP/1.1 keep-alive with hyper, one tracing line per
//! request (token redacted), closing a connection on a `drop_connection` fault, and a graceful
//! shutdown that finishes in-flight requests, closes idle keep-alive connections at once and is
//! bounded in time.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, Response, Uri};
use hotpot_protocol::redact_token;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::io::AsyncWriteExt as _;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tower_service::Service;

use crate::head_timer::HeadTimer;
use crate::http::ingest::HangUp;
use crate::signals::{HANG_UP, Registry, STOP, Signals};

/// The bounds on connections: the shutdown grace, the read timeout, how many at once.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub grace: Duration,
    pub read_timeout: Duration,
    pub max_connections: usize,
}

/// Accepts connections until `shutdown` turns true, at most `limits.max_connections` at once
/// (more wait in the listen backlog), then lets the open ones finish for at most the grace
/// period before cutting them.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
    limits: Limits,
) {
    let mut connections = JoinSet::new();
    let registry = Arc::new(Registry::default());
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    loop {
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            () = stopped(&mut shutdown) => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
        };
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let registered = registry.register();
                    let signals = Arc::clone(&registered.signals);
                    let served = connection(stream, peer, router.clone(), signals, limits.read_timeout);
                    connections.spawn(async move {
                        served.await;
                        drop(registered);
                        drop(slot);
                    });
                }
                Err(e) => {
                    // Out of file descriptors and the like: do not spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
            () = stopped(&mut shutdown) => break,
            // A slot came free on the way: take the next one in the loop.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    registry.raise_all(STOP);
    let drained = tokio::time::timeout(limits.grace, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            open = connections.len(),
            "connections still busy after the shutdown grace period: closing them"
        );
    }
    connections.shutdown().await;
}

/// Resolves once the shutdown flag is true (or its sender is gone).
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

/// Serves one connection until the client closes it, a fault hangs up, shutdown, or the read
/// timeout: a request whose headers do not arrive in time is answered 408 and closed; an idle
/// connection is closed.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    signals: Arc<Signals>,
    read_timeout: Duration,
) {
    let _ = stream.set_nodelay(true);
    let service = ConnService {
        router,
        signals: Arc::clone(&signals),
        peer,
    };
    // hyper's header-read timer runs from the moment it waits for a request's head: it
    // covers a trickled head and an idle keep-alive connection alike.
    //
    // Half-close allowed: a client may end its side once its request is sent and still get
    // the answer. It also spares each request a read of the socket while the handler runs
    // (hyper looks for an early end there), which cost a syscall and, with the request's
    // bytes still in use, a new read buffer.
    let mut conn = http1::Builder::new()
        .timer(HeadTimer::default())
        .header_read_timeout(read_timeout)
        .half_close(true)
        .serve_connection(TokioIo::new(stream), service);
    let mut draining = false;
    loop {
        let mask = if draining { HANG_UP } else { HANG_UP | STOP };
        tokio::select! {
            biased;
            served = &mut conn => {
                if let Err(e) = served
                    && e.is_timeout()
                {
                    request_timeout(conn).await;
                }
                return;
            }
            raised = signals.wait(mask) => {
                if raised & HANG_UP != 0 {
                    return; // dropping `conn` closes the socket unanswered
                }
                // Finishes the request in flight, if any, then closes; idle ones close now.
                Pin::new(&mut conn).graceful_shutdown();
                draining = true;
            }
        }
    }
}

/// The header-read timeout fired: a connection that had begun a request is answered 408
/// before it is closed; an idle one is just closed.
async fn request_timeout(conn: http1::Connection<TokioIo<TcpStream>, ConnService>) {
    let parts = conn.into_parts();
    if parts.read_buf.is_empty() {
        return;
    }
    let mut stream = parts.io.into_inner();
    let body = crate::http::reply::REQUEST_TIMEOUT;
    let head = format!(
        "HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    let write = async {
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body).await?;
        stream.shutdown().await
    };
    // A client that does not read its answer does not hold the connection either.
    let _ = tokio::time::timeout(Duration::from_secs(1), write).await;
}

/// The router, wrapped to log each request and to hang up on a [`HangUp`] answer.
#[derive(Clone)]
struct ConnService {
    router: Router,
    signals: Arc<Signals>,
    /// The client's address, given to the handlers as [`ConnectInfo`].
    peer: SocketAddr,
}

type BoxFuture = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

impl hyper::service::Service<Request<Incoming>> for ConnService {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture;

    fn call(&self, mut request: Request<Incoming>) -> Self::Future {
        request.extensions_mut().insert(ConnectInfo(self.peer));
        let log = tracing::enabled!(target: "hotpot_mock_server::request", tracing::Level::INFO);
        let started = log.then(|| {
            (
                Instant::now(),
                request.method().clone(),
                request.uri().clone(),
            )
        });
        let mut router = self.router.clone();
        let signals = Arc::clone(&self.signals);
        Box::pin(async move {
            let response = match router.call(request).await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            let dropped = response.extensions().get::<HangUp>().is_some();
            if let Some((at, method, uri)) = started {
                let micros = at.elapsed().as_micros() as u64;
                if dropped {
                    tracing::info!(target: "hotpot_mock_server::request", %method, path = %Redacted(&uri), micros, "connection dropped (fault)");
                } else {
                    let status = response.status().as_u16();
                    tracing::info!(target: "hotpot_mock_server::request", %method, path = %Redacted(&uri), status, micros, "request");
                }
            }
            if dropped {
                signals.raise(HANG_UP);
                std::future::pending::<()>().await;
            }
            Ok(response)
        })
    }
}

/// A request's path and query for the logs, with nothing in it that could be a token: a
/// segment is shown as it is only when it is one of the routes' fixed words or a number (an
/// event id); any other segment — a token in its place, a misplaced one, a slug, a request
/// id — is shown as its hint. Query values are shown for `status`, `min` and `wait_ms` only; other names and values
/// as hints.
pub(crate) struct Redacted<'a>(pub &'a Uri);

/// The fixed words of the routes' paths.
const ROUTE_WORDS: [&str; 32] = [
    "moment",
    "request",
    "status",
    "_mock",
    "health",
    "openapi.json",
    "webhooks",
    "events",
    "moments",
    "requests",
    "retry",
    "faults",
    "clock",
    "reset",
    "senders",
    "rejected",
    "stream",
    "expect",
    // The console's (spec §15).
    "integrations",
    "expiry",
    "delete",
    "console.css",
    "console.js",
    "console.svg",
    // Pages (spec §14).
    "page",
    "person",
    "team",
    "acknowledgements",
    "users",
    "teams",
    "pages",
    "ack",
];

/// Query parameters whose values are never secret.
const PLAIN_PARAMETERS: [&str; 3] = ["status", "min", "wait_ms"];

impl fmt::Display for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.path().split('/').enumerate() {
            if i > 0 {
                f.write_str("/")?;
            }
            let plain = segment.is_empty()
                || ROUTE_WORDS.contains(&segment)
                || segment.bytes().all(|b| b.is_ascii_digit());
            if plain {
                f.write_str(segment)?;
            } else {
                f.write_str(&redact_token(segment))?;
            }
        }
        if let Some(query) = self.0.query() {
            f.write_str("?")?;
            for (i, pair) in query.split('&').enumerate() {
                if i > 0 {
                    f.write_str("&")?;
                }
                match pair.split_once('=') {
                    Some((key, value)) if PLAIN_PARAMETERS.contains(&key) => {
                        write!(f, "{key}={value}")?
                    }
                    Some(("token", value)) => write!(f, "token={}", redact_token(value))?,
                    Some((key, value)) => {
                        write!(f, "{}={}", redact_token(key), redact_token(value))?
                    }
                    None => f.write_str(&redact_token(pair))?,
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Redacted;

    fn shown(uri: &str) -> String {
        Redacted(&uri.parse().unwrap()).to_string()
    }

    #[test]
    fn logged_paths_never_hold_a_token() {
        assert_eq!(shown("/moment/845b1e3c9d0f"), "/moment/845b…");
        assert_eq!(shown("/moment/845b1e3c9d0f/datadog"), "/moment/845b…/dat…");
        assert_eq!(
            shown("/_mock/webhooks/845b1e3c9d0f"),
            "/_mock/webhooks/845b…"
        );
        assert_eq!(shown("/_mock/webhooks"), "/_mock/webhooks");
        assert_eq!(
            shown("/_mock/events?status=error&token=845b1e3c9d0f&min=1&wait_ms=50"),
            "/_mock/events?status=error&token=845b…&min=1&wait_ms=50"
        );
        assert_eq!(shown("/_mock/events/12/retry"), "/_mock/events/12/retry");
        assert_eq!(shown("/page/team"), "/page/team");
        assert_eq!(
            shown("/request/f1e5ae0a-f90c-4dac-affa-2eda897f5c3f/acknowledgements"),
            "/request/f1e5…/acknowledgements"
        );
        assert_eq!(
            shown("/_mock/pages/f1e5ae0a-f90c/ack"),
            "/_mock/pages/f1e5…/ack"
        );
        assert_eq!(
            shown("/request/f1e5ae0a-f90c-4dac-affa-2eda897f5c3f/status"),
            "/request/f1e5…/status"
        );
    }

    /// Found by tests/mock/bad_input/: an empty segment after `moment` used to end the
    /// redaction, so `/moment//TOKEN` and `/moment/x%0d%0a.../http://host/TOKEN` were logged
    /// with the token in full.
    #[test]
    fn misplaced_tokens_are_redacted_too() {
        let token = "845b1e3c9d0f";
        for path in [
            format!("/moment//{token}"),
            format!("//moment/{token}"),
            format!("/moment/x%0d%0aLocation:%20http://evil.example/{token}"),
            format!("/{token}"),
            format!("/moment/{token}/../{token}"),
            format!("/request/{token}/status"),
            format!("/moment/x?{token}"),
            format!("/moment/x?key={token}"),
            format!("/moment/x?{token}=1"),
        ] {
            let logged = shown(&path);
            assert!(!logged.contains(token), "{path} logged as {logged}");
            assert!(logged.contains("845b…"), "{logged}");
        }
    }
}
