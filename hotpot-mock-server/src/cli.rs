//! [`MockArgs`]: the flags of the standalone server, in one place for both ways to start it,
//! the `hotpot-mock-server` binary and `hotpot mock` (crate `hotpot-cli`), and
//! [`MockArgs::run`], which runs it until SIGINT or SIGTERM.
//!
//! Only with the `cli` feature (on by default), which brings clap and tracing-subscriber.

use std::io::{IsTerminal as _, Write as _};
use std::net::IpAddr;
use std::process::ExitCode;

use crate::{DEFAULT_API_KEY, DEFAULT_MAX_EVENTS, MockServer};

/// The flags of the standalone mock server (contract §7), each also read from a
/// `HOTPOT_MOCK_*` variable.
///
/// Flatten it into a clap command to run the server from another binary:
///
/// ```
/// use clap::Parser;
/// use hotpot_mock_server::MockArgs;
///
/// #[derive(Parser)]
/// struct Cli {
///     #[command(flatten)]
///     mock: MockArgs,
/// }
///
/// let cli = Cli::parse_from(["mock", "--port", "0", "--strict"]);
/// assert_eq!(cli.mock.port, 0);
/// assert!(cli.mock.strict);
/// // cli.mock.run() would serve until SIGINT or SIGTERM.
/// ```
#[derive(Clone, Debug, clap::Args)]
#[non_exhaustive]
pub struct MockArgs {
    /// Address to bind.
    #[arg(long, env = "HOTPOT_MOCK_HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Port to bind (0: a free one, printed on the first line).
    #[arg(long, env = "HOTPOT_MOCK_PORT", default_value_t = 8080)]
    pub port: u16,
    /// The default webhook's token ([A-Za-z0-9_-]); random when absent.
    #[arg(long, env = "HOTPOT_MOCK_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// API key accepted by GET /request/{id}/status as `Authorization: Bearer KEY`.
    #[arg(long, env = "HOTPOT_MOCK_API_KEY", default_value = DEFAULT_API_KEY, hide_env_values = true)]
    pub api_key: String,
    /// Answer payloads that break the moment rules with 422 instead of 202.
    #[arg(long, env = "HOTPOT_MOCK_STRICT")]
    pub strict: bool,
    /// At most this many requests per second to each webhook (429 with Retry-After beyond).
    #[arg(long, env = "HOTPOT_MOCK_RATE_LIMIT", value_name = "PER_SECOND",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit: Option<u32>,
    /// How many events (and moments) to keep; the oldest go first.
    #[arg(long, env = "HOTPOT_MOCK_MAX_EVENTS", value_name = "N", default_value_t = DEFAULT_MAX_EVENTS,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub max_events: usize,
}

impl MockArgs {
    /// Runs the server as the binary does: logs (`RUST_LOG`, default `info`, tokens redacted)
    /// to stderr, `listening on http://HOST:PORT` and `webhook url: http://HOST:PORT/moment/TOKEN`
    /// as the first two stdout lines, then serves until SIGINT or SIGTERM and stops cleanly.
    /// Returns the process's exit status (failure when the address cannot be bound).
    ///
    /// ```no_run
    /// use clap::Parser;
    /// #[derive(Parser)]
    /// struct Cli { #[command(flatten)] mock: hotpot_mock_server::MockArgs }
    /// let status = Cli::parse().mock.run();
    /// ```
    pub fn run(self) -> ExitCode {
        // A subscriber set by the host program first stays in place.
        let _ = tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_ansi(std::io::stderr().is_terminal())
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
            )
            .try_init();
        let runtime = match tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime,
            Err(e) => {
                eprintln!("error: cannot start the mock server's runtime: {e}");
                return ExitCode::FAILURE;
            }
        };
        runtime.block_on(serve(self))
    }
}

async fn serve(args: MockArgs) -> ExitCode {
    let mut builder = MockServer::builder()
        .host(args.host)
        .port(args.port)
        .api_key(args.api_key)
        .strict(args.strict)
        .max_events(args.max_events);
    if let Some(token) = args.token {
        builder = builder.token(token);
    }
    if let Some(per_second) = args.rate_limit {
        builder = builder.rate_limit(per_second);
    }
    let signals = Signals::listen();
    let server = match builder.start().await {
        Ok(server) => server,
        Err(e) => {
            eprintln!("error: cannot start the mock server: {e}");
            return ExitCode::FAILURE;
        }
    };
    {
        // The one place the full webhook URL is printed: it is the user's own test URL.
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on {}", server.url());
        let _ = writeln!(out, "webhook url: {}", server.webhook_url());
        let _ = out.flush();
    }
    tracing::info!(
        strict = args.strict,
        rate_limit = args.rate_limit,
        max_events = args.max_events,
        "hotpot mock server ready"
    );
    let signal = signals.wait().await;
    tracing::info!(signal, "stopping");
    server.shutdown().await;
    ExitCode::SUCCESS
}

/// SIGINT and SIGTERM, listened to from before the start-up lines are printed: a caller that
/// signals as soon as it has read them must not find the default action (death) still there.
struct Signals {
    #[cfg(unix)]
    streams: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Signals {
    #[cfg(unix)]
    fn listen() -> Self {
        use tokio::signal::unix::{SignalKind, signal};
        let streams = match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(term), Ok(int)) => Some((term, int)),
            _ => None,
        };
        Signals { streams }
    }

    #[cfg(not(unix))]
    fn listen() -> Self {
        Signals {}
    }

    /// The name of the first signal received.
    async fn wait(self) -> &'static str {
        #[cfg(unix)]
        if let Some((mut term, mut int)) = self.streams {
            return tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
            };
        }
        let _ = tokio::signal::ctrl_c().await;
        "SIGINT"
    }
}
