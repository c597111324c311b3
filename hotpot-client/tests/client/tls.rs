//! TLS against a local HTTPS server whose certificates are made at test time: a certificate
//! nobody vouches for is refused (with a message about the certificate, never the token), one
//! from a certificate authority given with `add_root_certificate_pem` is accepted, and giving
//! one does not switch off the host-name check.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use hotpot_client::{Client, Error, Moment, MomentType, RetryPolicy};
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::aws_lc_rs;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// Distinctive, so that a leak would be obvious in any message.
const TOKEN: &str = "tlsTESTtoken9f3c2a71";

/// A certificate authority and a server certificate it signed.
struct Pki {
    ca_pem: String,
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

/// A CA, and a certificate signed by it for `names` (DNS names or IP addresses).
fn pki_for(names: &[&str]) -> Pki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    let leaf = CertificateParams::new(names)
        .unwrap()
        .signed_by(&leaf_key, &ca)
        .unwrap();
    Pki {
        ca_pem: ca.pem(),
        chain: vec![leaf.der().clone()],
        key: PrivatePkcs8KeyDer::from(leaf_key.serialize_der()).into(),
    }
}

/// A certificate for `names` that signs itself (what a test server usually has).
fn self_signed_for(names: &[&str]) -> Pki {
    let key = KeyPair::generate().unwrap();
    let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    let cert = CertificateParams::new(names)
        .unwrap()
        .self_signed(&key)
        .unwrap();
    Pki {
        ca_pem: cert.pem(),
        chain: vec![cert.der().clone()],
        key: PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
    }
}

/// An HTTPS server on 127.0.0.1 that answers every request with the 202 envelope, and counts
/// the connections it accepted and the requests that got through the handshake.
struct HttpsServer {
    addr: SocketAddr,
    connections: Arc<AtomicUsize>,
    requests: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl HttpsServer {
    async fn start(pki: &Pki) -> Self {
        let config = ServerConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(pki.chain.clone(), pki.key.clone_key())
            .unwrap();
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(AtomicUsize::new(0));
        let (accepted, counter) = (connections.clone(), requests.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                accepted.fetch_add(1, Ordering::SeqCst);
                let acceptor = acceptor.clone();
                let counter = counter.clone();
                tokio::spawn(async move {
                    // A client that refuses the certificate ends the handshake: nothing to serve.
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let service = service_fn(move |request: Request<hyper::body::Incoming>| {
                        counter.fetch_add(1, Ordering::SeqCst);
                        let ok = request.uri().path() == format!("/moment/{TOKEN}");
                        async move {
                            let body = if ok {
                                r#"{"hotpot_request_id":"8d1c6f7e-2b1a-4c5e-9a3f-0e4d2c1b5a69","response":{"success":true,"message":"Your request has been queued."}}"#
                            } else {
                                r#"{"error":"Not Found"}"#
                            };
                            Response::builder()
                                .status(if ok { 202 } else { 404 })
                                .header("content-type", "application/json")
                                .body(Full::new(Bytes::from_static(body.as_bytes())))
                        }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        HttpsServer {
            addr,
            connections,
            requests,
            task,
        }
    }

    /// The webhook URL, by IP address or by `localhost`.
    fn url(&self, host: &str) -> String {
        format!("https://{host}:{}/moment/{TOKEN}", self.addr.port())
    }
}

impl Drop for HttpsServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn moment() -> Moment {
    Moment::builder("TLS check", MomentType::Alert)
        .build()
        .unwrap()
}

/// The error's Display, Debug and source chain, all of which a user may print.
fn everything_printed(err: &Error) -> String {
    let mut text = format!("{err}\n{err:?}");
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        text.push_str(&format!("\n{s}\n{s:?}"));
        source = s.source();
    }
    text
}

fn assert_no_token(text: &str) {
    assert!(!text.contains(TOKEN), "the token leaked: {text}");
    assert!(
        !text.contains(&TOKEN[..8]),
        "the token's first 8 characters leaked: {text}"
    );
}

/// The refusal every untrusted certificate gets: a transport error about the certificate.
fn assert_refused_for_its_certificate(err: &Error, why: &str) {
    assert!(
        matches!(err, Error::Transport(_)),
        "expected Error::Transport, got {err:?}"
    );
    assert!(err.is_transport());
    // The message alone (what `{err}` prints) says why, not just "error sending request".
    let message = err.to_string();
    assert!(
        message.to_lowercase().contains("certificate"),
        "the message should say the certificate was refused: {message}"
    );
    assert!(message.contains(why), "expected {why:?} in: {message}");
    crate::common::assert_each_cause_printed_once(err);
    assert_no_token(&everything_printed(err));
}

/// A client of `server` at 127.0.0.1 that does not retry and trusts `pki`'s authority, if
/// given, besides the system's.
fn client_trusting(server: &HttpsServer, pki: Option<&Pki>) -> Client {
    let mut builder = Client::builder(server.url("127.0.0.1")).retry(RetryPolicy::never());
    if let Some(pki) = pki {
        builder = builder.add_root_certificate_pem(pki.ca_pem.as_bytes());
    }
    builder.build().unwrap()
}

/// A server with `pki`'s certificate is refused for `why`, on its one connection, before
/// anything is sent; `trusted`: the client trusts `pki`'s authority.
async fn assert_refused_before_sending(pki: &Pki, trusted: bool, why: &str) {
    let server = HttpsServer::start(pki).await;
    let client = client_trusting(&server, trusted.then_some(pki));

    let err = client.send(&moment()).await.unwrap_err();

    assert_refused_for_its_certificate(&err, why);
    assert_eq!(server.connections.load(Ordering::SeqCst), 1);
    assert_eq!(
        server.requests.load(Ordering::SeqCst),
        0,
        "nothing was sent"
    );
}

#[tokio::test]
async fn a_self_signed_certificate_is_refused_by_default() {
    let pki = self_signed_for(&["localhost", "127.0.0.1"]);
    assert_refused_before_sending(&pki, false, "UnknownIssuer").await;
}

#[tokio::test]
async fn a_certificate_from_an_unknown_authority_is_refused_by_default() {
    let pki = pki_for(&["localhost", "127.0.0.1"]);
    assert_refused_before_sending(&pki, false, "UnknownIssuer").await;
}

#[tokio::test]
async fn the_refusal_is_retried_like_any_transport_error_and_still_refused() {
    let pki = self_signed_for(&["127.0.0.1"]);
    let server = HttpsServer::start(&pki).await;
    let client = Client::builder(server.url("127.0.0.1"))
        .retry(
            RetryPolicy::default()
                .with_max_retries(1)
                .with_base_delay(std::time::Duration::from_millis(1)),
        )
        .build()
        .unwrap();

    let err = client.send(&moment()).await.unwrap_err();

    assert_refused_for_its_certificate(&err, "UnknownIssuer");
    assert_eq!(server.connections.load(Ordering::SeqCst), 2, "two attempts");
    assert_eq!(server.requests.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_certificate_from_a_configured_authority_is_accepted() {
    let pki = pki_for(&["localhost", "127.0.0.1"]);
    let server = HttpsServer::start(&pki).await;
    for host in ["127.0.0.1", "localhost"] {
        let client = Client::builder(server.url(host))
            .add_root_certificate_pem(pki.ca_pem.as_bytes())
            .build()
            .unwrap();

        let receipt = client.send(&moment()).await.unwrap();

        assert_eq!(receipt.status, 202);
        assert_eq!(
            receipt.request_id.as_deref(),
            Some("8d1c6f7e-2b1a-4c5e-9a3f-0e4d2c1b5a69")
        );
    }
    assert_eq!(server.requests.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_self_signed_certificate_given_as_the_authority_is_accepted() {
    let pki = self_signed_for(&["127.0.0.1"]);
    let server = HttpsServer::start(&pki).await;
    let client = client_trusting(&server, Some(&pki));

    let receipt = client.send(&moment()).await.unwrap();

    assert_eq!(receipt.status, 202);
}

#[tokio::test]
async fn only_the_given_authorities_are_trusted_when_asked() {
    let pki = pki_for(&["127.0.0.1"]);
    let server = HttpsServer::start(&pki).await;

    let trusting = Client::builder(server.url("127.0.0.1"))
        .add_root_certificate_pem(pki.ca_pem.as_bytes())
        .only_given_root_certificates(true)
        .build()
        .unwrap();
    assert_eq!(trusting.send(&moment()).await.unwrap().status, 202);

    // Another authority only: the server's is not among the trusted ones.
    let other = pki_for(&["127.0.0.1"]);
    let not_trusting = Client::builder(server.url("127.0.0.1"))
        .add_root_certificate_pem(other.ca_pem.as_bytes())
        .only_given_root_certificates(true)
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    let err = not_trusting.send(&moment()).await.unwrap_err();
    assert_refused_for_its_certificate(&err, "certificate");
}

#[tokio::test]
async fn a_configured_authority_does_not_switch_off_the_host_name_check() {
    // Signed by the trusted CA, but for another host.
    let pki = pki_for(&["hotpot.example.com"]);
    assert_refused_before_sending(&pki, true, "not valid for name").await;
}

/// Building a client that trusts `pem` fails, with a configuration error.
fn build_trusting_pem(pem: &[u8]) -> Error {
    let err = Client::builder(format!("https://127.0.0.1:1/moment/{TOKEN}"))
        .add_root_certificate_pem(pem)
        .build()
        .unwrap_err();
    assert!(err.is_config(), "{err:?}");
    err
}

#[tokio::test]
async fn a_bad_pem_is_a_config_error_at_build_time() {
    let err =
        build_trusting_pem(b"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
    assert!(err.to_string().contains("PEM"), "{err}");
    assert_no_token(&everything_printed(&err));
}

#[test]
fn a_pem_whose_certificate_does_not_parse_is_a_config_error_that_says_why() {
    let pem = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n";
    let err = build_trusting_pem(pem.as_bytes());
    let message = err.to_string();
    // Not just reqwest's "builder error".
    assert!(
        message.to_lowercase().contains("certificate"),
        "the message should name the certificate: {message}"
    );
    assert_no_token(&everything_printed(&err));
}
