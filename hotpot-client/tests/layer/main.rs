//! `MomentLayer` (spec §11) against the in-process mock server: every mapping rule seen
//! on the wire, deduplication, the excluded targets, the layer's own warnings, many threads,
//! and no feedback loop while Hotpot is down.

use chrono::SubsecRound as _;
use hotpot_client::{Client, Emitter, MomentLayer, MomentType, Priority, RetryPolicy};
use hotpot_mock_server::{MockServer, RecordedMoment};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::runtime::Runtime;
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;

/// `examples/tracing_service.rs`, run here against the in-process mock.
#[allow(dead_code)]
#[path = "../../../examples/tracing_service.rs"]
mod tracing_service;

mod folding;

const WAIT: Duration = Duration::from_secs(10);

/// A mock server on its own runtime, and an emitter sending to it.
struct Setup {
    runtime: Runtime,
    mock: MockServer,
    emitter: Emitter,
}

impl Setup {
    fn new() -> Setup {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let mock = MockServer::builder().start_on(runtime.handle()).unwrap();
        let client = Client::builder(mock.webhook_url())
            .retry(RetryPolicy::default().with_base_delay(Duration::from_millis(1)))
            .build()
            .unwrap();
        let emitter = Emitter::new(client).unwrap();
        Setup {
            runtime,
            mock,
            emitter,
        }
    }

    /// A layer without deduplication (each test that needs it sets a window).
    fn layer(&self) -> MomentLayer {
        MomentLayer::new(self.emitter.clone()).dedup_window(Duration::ZERO)
    }

    /// Runs `f` with `layer` (and a [`Captured`] layer) as this thread's subscriber, then
    /// flushes the emitter; returns what was captured.
    fn log_with(&self, layer: MomentLayer, f: impl FnOnce()) -> Captured {
        let captured = Captured::default();
        let subscriber = tracing_subscriber::registry()
            .with(layer)
            .with(captured.clone());
        tracing::subscriber::with_default(subscriber, f);
        let report = self.emitter.flush(WAIT);
        assert!(!report.timed_out, "{report}");
        captured
    }

    fn moments(&self, n: usize) -> Vec<RecordedMoment> {
        let moments = self
            .runtime
            .block_on(self.mock.wait_for_moments(n, WAIT))
            .unwrap();
        assert_eq!(moments.len(), n, "{moments:#?}");
        moments
    }

    fn only_moment(&self) -> RecordedMoment {
        self.moments(1).remove(0)
    }
}

/// Every event the subscriber saw: target, level, the thread it came from, and its message.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<Seen>>>);

#[derive(Clone, Debug)]
struct Seen {
    target: String,
    level: tracing::Level,
    thread: Option<String>,
    message: String,
}

impl Captured {
    fn all(&self) -> Vec<Seen> {
        self.0.lock().unwrap().clone()
    }

    /// The layer's own warnings, once `n` have come (they come from another thread), or
    /// what there is after a while.
    fn warnings_of_the_layer(&self, n: usize) -> Vec<Seen> {
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            let warnings: Vec<_> = self
                .all()
                .into_iter()
                .filter(|s| s.target == "hotpot_client::layer")
                .collect();
            if warnings.len() >= n || std::time::Instant::now() > deadline {
                // A little longer, to catch one too many.
                std::thread::sleep(Duration::from_millis(100));
                return self
                    .all()
                    .into_iter()
                    .filter(|s| s.target == "hotpot_client::layer")
                    .collect();
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl<S: Subscriber> Layer<S> for Captured {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        struct Message(String);
        impl tracing::field::Visit for Message {
            fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
                if f.name() == "message" {
                    self.0 = format!("{v:?}");
                }
            }
        }
        let mut message = Message(String::new());
        event.record(&mut message);
        self.0.lock().unwrap().push(Seen {
            target: event.metadata().target().to_owned(),
            level: *event.metadata().level(),
            thread: std::thread::current().name().map(str::to_owned),
            message: message.0,
        });
    }
}

/// An error with a cause, for the chain.
#[derive(Debug)]
struct Wrapped(&'static str, Option<Box<Wrapped>>);

impl std::fmt::Display for Wrapped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Wrapped {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.1.as_deref().map(|e| e as _)
    }
}

#[test]
fn an_error_event_becomes_an_alert_named_after_its_message() {
    let s = Setup::new();
    let before = chrono::Utc::now();
    s.log_with(s.layer(), || {
        tracing::error!(target: "checkout::payments", order_id = 1234, "Payment provider unreachable");
    });
    let m = s.only_moment();
    assert_eq!(m.name, "Payment provider unreachable");
    assert_eq!(m.moment_type, MomentType::Alert);
    assert_eq!(
        m.priority,
        Priority::Medium,
        "no priority sent: the server's default"
    );
    assert_eq!(
        m.source.as_deref(),
        Some("checkout::payments"),
        "the target"
    );
    assert_eq!(m.source_url, None);
    assert!(m.occurred_at >= before.trunc_subsecs(0) && m.occurred_at <= chrono::Utc::now());
    let d = m.description.unwrap();
    assert!(
        d.starts_with("```\nPayment provider unreachable\n```"),
        "{d}"
    );
    assert!(d.contains("- `order_id`: `1234`"), "{d}");
    assert!(d.contains("- `level`: `ERROR`\n- `target`: `checkout::payments`\n- `location`: `hotpot-client/tests/layer/main.rs:"), "{d}");
}

#[test]
fn hotpot_fields_set_type_priority_and_source_url_and_the_source_is_configurable() {
    let s = Setup::new();
    s.log_with(s.layer().source("checkout-service"), || {
        tracing::error!(
            hotpot_type = "incident",
            hotpot_priority = "high",
            hotpot_source_url = "https://grafana.example.com/d/payments",
            "Payments down"
        );
    });
    let m = s.only_moment();
    assert_eq!(m.moment_type, MomentType::Incident);
    assert_eq!(m.priority, Priority::High);
    assert_eq!(m.source.as_deref(), Some("checkout-service"));
    assert_eq!(
        m.source_url.as_deref(),
        Some("https://grafana.example.com/d/payments")
    );
    let d = m.description.unwrap();
    assert!(
        !d.contains("hotpot_type"),
        "the hotpot_* fields are not listed: {d}"
    );
}

#[test]
fn a_200_character_message_is_cut_to_70_characters_and_kept_whole_in_the_description() {
    let s = Setup::new();
    let message = format!("{}{}", "é".repeat(150), "z".repeat(50));
    s.log_with(s.layer(), || tracing::error!("{message}"));
    let m = s.only_moment();
    assert_eq!(m.name, format!("{}…", "é".repeat(69)));
    assert_eq!(
        m.name.chars().count(),
        hotpot_protocol::moment::rules::NAME_MAX_CHARS
    );
    assert!(m.description.unwrap().contains(&message));
}

#[test]
fn a_message_with_newlines_and_markdown_is_one_line_named_and_fenced_in_full() {
    let s = Setup::new();
    let message = "Import failed\n\n# not a heading\n```sql\nSELECT 1\n```\n* not a list";
    s.log_with(s.layer(), || tracing::error!("{message}"));
    let m = s.only_moment();
    assert_eq!(
        m.name,
        "Import failed # not a heading ```sql SELECT 1 ``` * not a list"
    );
    let d = m.description.unwrap();
    assert!(d.starts_with(&format!("````\n{message}\n````\n")), "{d}");
}

#[test]
fn an_error_field_is_written_with_its_chain_of_causes() {
    let s = Setup::new();
    let err = Wrapped(
        "charge failed",
        Some(Box::new(Wrapped(
            "request timed out",
            Some(Box::new(Wrapped("connection reset", None))),
        ))),
    );
    s.log_with(s.layer(), || {
        tracing::error!(error = &err as &dyn std::error::Error, "Payment failed");
    });
    let d = s.only_moment().description.unwrap();
    assert!(
        d.contains("**error**\n\n```\ncharge failed\ncaused by: request timed out\ncaused by: connection reset\n```"),
        "{d}"
    );
}

#[test]
fn spans_are_listed_outermost_first_with_their_fields() {
    let s = Setup::new();
    s.log_with(s.layer(), || {
        let request = tracing::info_span!("request", method = "POST", path = "/pay");
        let _r = request.enter();
        let charge = tracing::info_span!("charge", attempt = tracing::field::Empty);
        charge.record("attempt", 2);
        let _c = charge.enter();
        tracing::error!("Payment failed");
    });
    let d = s.only_moment().description.unwrap();
    assert!(
        d.contains("**Spans**\n\n- `request`: `method=POST path=/pay`\n- `charge`: `attempt=2`\n"),
        "{d}"
    );
}

#[test]
fn only_events_at_or_above_the_level_and_passing_the_filter_become_moments() {
    let s = Setup::new();
    let layer = s
        .layer()
        .level(tracing::Level::WARN)
        .filter(|meta| !meta.target().starts_with("noisy"));
    s.log_with(layer, || {
        tracing::info!("Request served");
        tracing::warn!("Disk 91% full");
        tracing::error!(target: "noisy::cache", "Cache miss storm");
        tracing::error!("Payment failed");
    });
    let mut names: Vec<_> = s.moments(2).into_iter().map(|m| m.name).collect();
    names.sort();
    assert_eq!(names, ["Disk 91% full", "Payment failed"]);
    assert_eq!(s.emitter.stats().emitted, 2);
}

#[test]
fn events_of_hotpot_and_the_http_stack_never_become_moments() {
    let s = Setup::new();
    s.log_with(s.layer().level(tracing::Level::TRACE), || {
        tracing::error!(target: "hotpot_client::emitter", "x");
        tracing::error!(target: "hotpot_mock_server", "x");
        tracing::error!(target: "hotpot_cli", "x");
        tracing::error!(target: "reqwest::connect", "x");
        tracing::error!(target: "hyper::proto", "x");
        tracing::error!(target: "hyper_util::client::legacy", "x");
        tracing::error!(target: "h2::codec", "x");
        tracing::error!(target: "rustls::conn", "x");
        tracing::error!(target: "h2o_app", "Not the HTTP stack");
    });
    assert_eq!(s.only_moment().name, "Not the HTTP stack");
}

/// A record of the `log` crate, as `tracing-log` forwards it (reqwest and rustls log so).
fn log_record(target: &str, message: &str) {
    tracing_log::format_trace(
        &log::Record::builder()
            .level(log::Level::Error)
            .target(target)
            .file(Some("src/legacy.rs"))
            .line(Some(7))
            .args(format_args!("{message}"))
            .build(),
    )
    .unwrap();
}

#[test]
fn log_records_are_read_with_their_own_target_and_the_excluded_ones_dropped() {
    let s = Setup::new();
    s.log_with(s.layer(), || {
        log_record("reqwest::connect", "connection refused");
        log_record("rustls::conn", "alert received");
        log_record("legacy::billing", "Invoice run failed");
    });
    let m = s.only_moment();
    assert_eq!(m.name, "Invoice run failed");
    assert_eq!(m.source.as_deref(), Some("legacy::billing"));
    let d = m.description.unwrap();
    assert!(
        d.contains("- `target`: `legacy::billing`\n- `location`: `src/legacy.rs:7`"),
        "{d}"
    );
    assert!(!d.contains("log.target"), "{d}");
}

#[test]
fn a_shut_down_emitter_means_one_warning_and_no_panic() {
    let s = Setup::new();
    s.emitter.shutdown(Duration::ZERO);
    let captured = Captured::default();
    let subscriber = tracing_subscriber::registry()
        .with(s.layer())
        .with(captured.clone());
    tracing::subscriber::with_default(subscriber, || {
        for _ in 0..10 {
            tracing::error!("Payment failed");
        }
    });
    let warnings = captured.warnings_of_the_layer(1);
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert_eq!(warnings[0].level, tracing::Level::WARN);
    assert!(
        warnings[0].message.contains("shut down"),
        "{:?}",
        warnings[0]
    );
    assert!(
        !warnings[0].message.contains(s.mock.token()),
        "no token in {:?}",
        warnings[0]
    );
    assert_eq!(s.mock.moment_count(), 0);
}

#[test]
fn an_event_that_makes_no_valid_moment_is_a_warning_not_a_moment() {
    let s = Setup::new();
    let captured = s.log_with(s.layer(), || {
        tracing::error!(hotpot_type = "urgent", "Payment failed");
        tracing::error!(hotpot_source_url = "grafana/d/1", "Payment failed");
        tracing::error!("This one is fine");
    });
    assert_eq!(s.only_moment().name, "This one is fine");
    let warnings = captured.warnings_of_the_layer(1);
    assert_eq!(warnings.len(), 1, "once a minute: {warnings:#?}");
    assert!(
        warnings[0].message.contains("hotpot_type"),
        "{:?}",
        warnings[0]
    );
    assert!(
        warnings[0].message.contains("\"urgent\""),
        "{:?}",
        warnings[0]
    );
}

#[test]
fn many_threads_logging_at_once_each_get_their_moment() {
    let s = Setup::new();
    const THREADS: usize = 8;
    const EACH: usize = 50;
    let subscriber = tracing_subscriber::registry().with(s.layer());
    let dispatch = tracing::Dispatch::new(subscriber);
    std::thread::scope(|scope| {
        for t in 0..THREADS {
            let dispatch = dispatch.clone();
            scope.spawn(move || {
                tracing::dispatcher::with_default(&dispatch, || {
                    for i in 0..EACH {
                        tracing::error!(thread = t, "Job {i} failed on worker {t}");
                    }
                });
            });
        }
    });
    assert!(!s.emitter.flush(WAIT).timed_out);
    let moments = s.moments(THREADS * EACH);
    let mut names: Vec<_> = moments.into_iter().map(|m| m.name).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), THREADS * EACH, "every moment once");
}

/// The one test with a global subscriber: the emitter's own threads log there. Hotpot is
/// down (nothing listens), the emitter retries until a short deadline, and the layer takes
/// every level: neither the emitter's and the HTTP stack's real events nor an hour's worth
/// of their warnings (3,600, one a second) become a moment.
#[test]
fn no_feedback_loop_while_hotpot_is_down() {
    let down = {
        let s = Setup::new();
        s.mock.webhook_url()
    }; // the mock has stopped: connections are refused
    let client = Client::builder(down)
        .retry(
            RetryPolicy::default()
                .with_max_retries(u32::MAX)
                .with_base_delay(Duration::from_millis(1))
                .with_max_delay(Duration::from_millis(5)),
        )
        .build()
        .unwrap();
    let undelivered = Arc::new(Mutex::new(Vec::new()));
    let names = Arc::clone(&undelivered);
    let emitter = Emitter::builder(client)
        .on_error(move |m, _| {
            names
                .lock()
                .unwrap()
                .push(format!("{} {:?}", m.name(), m.source()))
        })
        .delivery_deadline(Duration::from_millis(500))
        .build()
        .unwrap();
    let captured = Captured::default();
    tracing_subscriber::registry()
        .with(
            MomentLayer::new(emitter.clone())
                .level(tracing::Level::TRACE)
                .dedup_window(Duration::ZERO),
        )
        .with(captured.clone())
        .init();

    tracing::error!(target: "checkout", "Payment failed"); // the one moment
    std::thread::spawn(|| {
        for second in 0..3_600 {
            tracing::warn!(target: "hotpot_client::emitter", second, "hotpot emitter failed to deliver 1 moment");
            tracing::error!(target: "hotpot_client::layer", second, "a log event did not become a moment");
            tracing::warn!(target: "reqwest::connect", second, "connection refused");
            tracing::error!(target: "hyper_util::client::legacy::pool", second, "pool error");
            tracing::error!(target: "h2::proto", second, "GOAWAY");
            tracing::error!(target: "rustls::conn", second, "alert received");
        }
    })
    .join()
    .unwrap();
    let report = emitter.flush(WAIT);
    let seen = captured.all();
    let own = |s: &&Seen| {
        s.target.starts_with("hotpot_client") && s.thread.as_deref() == Some("hotpot-emitter")
    };
    assert!(
        seen.iter().filter(own).count() >= 1,
        "the emitter's own events came through: {seen:#?}"
    );
    assert!(seen.len() > 6 * 3_600);
    let mut targets: Vec<_> = seen
        .iter()
        .filter(|s| !own(s))
        .map(|s| (s.target.as_str(), s.thread.as_deref()))
        .collect();
    targets.sort();
    targets.dedup();
    emitter.flush(WAIT);
    assert_eq!(
        emitter.stats().emitted,
        1,
        "none of them became a moment: {:?} {targets:?}",
        undelivered.lock().unwrap()
    );
    assert_eq!((report.emitted, report.failed), (1, 1), "{report}");
}

#[test]
fn the_tracing_service_example_runs_against_the_in_process_mock() {
    let summary = tracing_service::run(None).unwrap();
    let r = &summary.report;
    assert_eq!((r.emitted, r.delivered, r.unsent()), (2, 2, 0), "{r}");
    let names: Vec<_> = summary
        .moments
        .iter()
        .map(|(n, t, _)| (n.as_str(), t.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("Cache unreachable, serving from the database", "alert"),
            ("Payment provider refused order 1002", "incident"),
        ]
    );
    let payment = &summary.moments[1].2;
    assert!(
        payment.contains(
            "the payment provider refused the charge\ncaused by: card declined: zero amount"
        ),
        "{payment}"
    );
    assert!(
        payment.contains("- `request`: `method=POST path=/checkout order=1002`"),
        "{payment}"
    );
    assert!(
        summary
            .to_string()
            .contains("moment: Payment provider refused order 1002 (incident)")
    );
}
