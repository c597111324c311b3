//! [`MockArgs`]: the flags of the standalone server, in one place for both ways to start it,
//! the `hotpot-mock-server` binary and `hotpot mock` (crate `hotpot-cli`), and
//! [`MockArgs::run`], which runs it until SIGINT or SIGTERM.
//!
//! Only with the `cli` feature (on by default), which brings clap and tracing-subscriber.

use std::io::{IsTerminal as _, Read as _, Write as _};
use std::net::{IpAddr, Ipv4Addr};
use std::process::ExitCode;
use std::time::Duration;

use tracing::field::{Field, Visit};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

use crate::{
    DEFAULT_API_KEY, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_EVENTS, DEFAULT_MAX_IDEMPOTENCY_KEYS,
    MockServer,
};

/// The flags of the standalone mock server (spec §7), each also read from a
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
    /// Address to bind: an IP address (0.0.0.0 for every interface), or localhost
    /// (127.0.0.1).
    #[arg(long, env = "HOTPOT_MOCK_HOST", default_value = "127.0.0.1", value_parser = parse_host)]
    pub host: IpAddr,
    /// Port to bind (0: a free one, printed on the first line).
    #[arg(long, env = "HOTPOT_MOCK_PORT", default_value_t = 8080)]
    pub port: u16,
    /// The default webhook's token ([A-Za-z0-9_-]); random when absent.
    #[arg(long, env = "HOTPOT_MOCK_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// API key accepted as `Authorization: Bearer KEY` by GET /request/{id}/status and
    /// /acknowledgements, and by the page routes (POST /page/person, /page/team).
    #[arg(long, env = "HOTPOT_MOCK_API_KEY", default_value = DEFAULT_API_KEY, hide_env_values = true)]
    pub api_key: String,
    /// Answer payloads that break the moment rules with 422 instead of 202.
    #[arg(long, env = "HOTPOT_MOCK_STRICT", value_parser = clap::builder::BoolishValueParser::new())]
    pub strict: bool,
    /// At most this many requests per second to each webhook, and for the API key's pages
    /// (429 with Retry-After beyond).
    #[arg(long, env = "HOTPOT_MOCK_RATE_LIMIT", value_name = "PER_SECOND",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit: Option<u32>,
    /// How many events (and moments) to keep; the oldest go first.
    #[arg(long, env = "HOTPOT_MOCK_MAX_EVENTS", value_name = "N", default_value_t = DEFAULT_MAX_EVENTS,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub max_events: usize,
    /// The base of every URL the server prints and returns (its start-up lines, webhook URLs,
    /// the OpenAPI servers) instead of http://HOST:PORT, for a mock reached by another name
    /// (http://hotpot-mock:8080 when it listens on 0.0.0.0 in a container).
    #[arg(long, env = "HOTPOT_MOCK_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// On SIGINT or SIGTERM, how long requests in flight may finish before their connections
    /// are cut.
    #[arg(long, env = "HOTPOT_MOCK_SHUTDOWN_GRACE", value_name = "SECONDS", default_value = "5",
          value_parser = parse_seconds)]
    pub shutdown_grace: Duration,
    /// Also stop, as on SIGTERM, when standard input closes: run under a test harness that
    /// holds a pipe to it, the mock goes when the harness goes, even killed.
    #[arg(long, env = "HOTPOT_MOCK_EXIT_WITH_PARENT", value_parser = clap::builder::BoolishValueParser::new())]
    pub exit_with_parent: bool,
    /// How long a request's headers, or its body, may take to arrive: a slower one is answered
    /// 408 and its connection closed; an idle connection is closed after as long.
    #[arg(long, env = "HOTPOT_MOCK_READ_TIMEOUT", value_name = "SECONDS", default_value = "10",
          value_parser = parse_positive_seconds)]
    pub read_timeout: Duration,
    /// How many connections are served at once; more wait in the backlog.
    #[arg(long, env = "HOTPOT_MOCK_MAX_CONNECTIONS", value_name = "N", default_value_t = DEFAULT_MAX_CONNECTIONS,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub max_connections: usize,
    /// How many Idempotency-Keys are remembered (each for 24 hours), independently of
    /// --max-events; past that the oldest go first.
    #[arg(long, env = "HOTPOT_MOCK_MAX_IDEMPOTENCY_KEYS", value_name = "N", default_value_t = DEFAULT_MAX_IDEMPOTENCY_KEYS,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub max_idempotency_keys: usize,
    /// Print one line per received event on standard output as it arrives (time, ok or
    /// error, type, name, webhook, problems).
    #[arg(long, env = "HOTPOT_MOCK_PRINT", value_parser = clap::builder::BoolishValueParser::new())]
    pub print: bool,
    /// The on-call directory pages reach: a JSON file {"users": [{"email", "name"?}, ...],
    /// "teams": [{"slug", "stages": [[email, ...], ...], "name"?, "backstop"?,
    /// "escalate_after_s"?, "copy"?}, ...]}. Without it: the user oncall@example.com and the
    /// team default.
    #[arg(long, env = "HOTPOT_MOCK_ONCALL", value_name = "FILE")]
    pub oncall: Option<std::path::PathBuf>,
    /// The logs' format on standard error: text lines, or one JSON object per line.
    #[arg(long, env = "HOTPOT_MOCK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// The format of the server's logs (`--log-format`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
#[non_exhaustive]
pub enum LogFormat {
    /// One line of text per event, as tracing-subscriber writes them.
    #[default]
    Text,
    /// One JSON object per line: `timestamp`, `level`, `target`, `message` and the fields.
    Json,
}

/// `--host`: an IP address, or `localhost` (127.0.0.1: the address printed is the one bound,
/// so a client never tries `::1` first and finds nothing there).
fn parse_host(given: &str) -> Result<IpAddr, String> {
    if given.eq_ignore_ascii_case("localhost") {
        return Ok(IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
    given.parse().map_err(|_| {
        let shown: String = given.chars().take(60).collect();
        format!("expected an IP address (127.0.0.1, 0.0.0.0, ::1) or localhost, found {shown:?}")
    })
}

/// `--read-timeout`: seconds, whole or not, more than 0 and at most a day.
fn parse_positive_seconds(given: &str) -> Result<Duration, String> {
    parse_seconds(given)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| {
            let shown: String = given.chars().take(40).collect();
            format!("expected a number of seconds more than 0 and at most 86400, found {shown:?}")
        })
}

/// `--shutdown-grace`: seconds, whole or not, from 0 to a day.
fn parse_seconds(given: &str) -> Result<Duration, String> {
    given
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && (0.0..=86_400.0).contains(s))
        .map(Duration::from_secs_f64)
        .ok_or_else(|| {
            let shown: String = given.chars().take(40).collect();
            format!("expected a number of seconds from 0 to 86400, found {shown:?}")
        })
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
        let filter = tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
        // Lines go to a buffer that a thread of its own writes to stderr every few
        // milliseconds (`log_writer`): a request never waits on the terminal or pipe, nor
        // wakes a thread. The guard flushes what is buffered when `run` returns.
        let (writer, _flush_on_exit) = crate::log_writer::batched(std::io::stderr());
        let logs = tracing_subscriber::fmt()
            .with_writer(writer)
            .with_env_filter(filter);
        let _ = match self.log_format {
            LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).try_init(),
            LogFormat::Json => logs.with_ansi(false).event_format(JsonLines).try_init(),
        };
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
        .max_events(args.max_events)
        .max_idempotency_keys(args.max_idempotency_keys)
        .read_timeout(args.read_timeout)
        .max_connections(args.max_connections)
        .shutdown_timeout(args.shutdown_grace);
    if let Some(url) = args.public_url {
        builder = builder.public_url(url);
    }
    if let Some(token) = args.token {
        builder = builder.token(token);
    }
    if let Some(per_second) = args.rate_limit {
        builder = builder.rate_limit(per_second);
    }
    if let Some(path) = &args.oncall {
        match crate::OncallDirectory::from_file(path) {
            Ok(directory) => builder = builder.oncall(directory),
            Err(e) => {
                eprintln!("error: cannot start the mock server: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let signals = Signals::listen();
    // Read from the start: a harness that closes the pipe at once must still be seen.
    let parent_gone = args.exit_with_parent.then(stdin_closed);
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
    let printer = args.print.then(|| server.spawn_printer());
    tracing::info!(
        address = %server.addr(),
        strict = args.strict,
        rate_limit = args.rate_limit,
        max_events = args.max_events,
        exit_with_parent = args.exit_with_parent,
        "hotpot mock server ready"
    );
    let reason = match parent_gone {
        Some(closed) => tokio::select! {
            signal = signals.wait() => signal,
            Ok(()) = closed => "standard input closed",
        },
        None => signals.wait().await,
    };
    tracing::info!(reason, "stopping");
    server.shutdown().await;
    if let Some(printer) = printer {
        let _ = printer.await;
    }
    ExitCode::SUCCESS
}

/// Resolves when standard input reaches its end (or fails): read on a thread of its own,
/// whatever arrives is thrown away.
fn stdin_closed() -> tokio::sync::oneshot::Receiver<()> {
    let (closed, receiver) = tokio::sync::oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name("hotpot-mock-stdin".to_owned())
        .spawn(move || {
            let mut stdin = std::io::stdin().lock();
            let mut buffer = [0u8; 1024];
            while matches!(stdin.read(&mut buffer), Ok(n) if n > 0) {}
            let _ = closed.send(());
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot watch standard input: --exit-with-parent is off");
    }
    receiver
}

/// `--log-format json`: one JSON object per line, with the event's fields beside its
/// `timestamp`, `level`, `target` and `message`.
struct JsonLines;

impl<S, N> FormatEvent<S, N> for JsonLines
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _context: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        let meta = event.metadata();
        let mut line = serde_json::Map::new();
        let now = hotpot_protocol::moment::rules::format_time(chrono::Utc::now());
        line.insert("timestamp".to_owned(), now.into());
        line.insert("level".to_owned(), meta.level().as_str().into());
        line.insert("target".to_owned(), meta.target().into());
        event.record(&mut JsonFields(&mut line));
        writeln!(writer, "{}", serde_json::Value::Object(line))
    }
}

/// Collects an event's fields as JSON values.
struct JsonFields<'a>(&'a mut serde_json::Map<String, serde_json::Value>);

impl Visit for JsonFields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().to_owned(), format!("{value:?}").into());
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.into());
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().to_owned(), value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_owned(), value.into());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().to_owned(), value.into());
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().to_owned(), value.into());
    }
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
