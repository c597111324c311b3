//! Logs and the attempt count.
//!
//! With `RUST_LOG` set, tracing's logs go to stderr (never stdout), through the same
//! redaction as everything else. Without it, no formatting layer and no filter are built:
//! startup matters for a command run once per deploy step.
//!
//! Either way, a small layer watches the client's `attempt failed` events (target
//! `hotpot_client`, field `attempt`), so that a send that gave up can say how many attempts
//! it made.

use std::io;
use std::sync::atomic::{AtomicU32, Ordering};

use tracing::field::{Field, Visit};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::DynFilterFn;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, SubscriberExt as _};
use tracing_subscriber::util::SubscriberInitExt as _;

use crate::output;

/// The highest `attempt` the client has reported since [`reset_attempts`].
static ATTEMPTS: AtomicU32 = AtomicU32::new(0);

/// Installs the subscriber (once per process; a second call changes nothing).
pub(crate) fn init() {
    // A filter of its own (not the layer's `enabled`), so that it filters only this layer.
    let counter = AttemptCounter.with_filter(
        DynFilterFn::new(|metadata, _| AttemptCounter::wanted(metadata)).with_callsite_filter(
            |metadata| {
                if AttemptCounter::wanted(metadata) {
                    Interest::always()
                } else {
                    Interest::never()
                }
            },
        ),
    );
    let logs = std::env::var_os("RUST_LOG")
        .filter(|v| !v.is_empty())
        .map(|_| {
            tracing_subscriber::fmt::layer()
                .with_writer(Redacting)
                .with_ansi(false)
                .with_filter(tracing_subscriber::EnvFilter::from_default_env())
        });
    let _ = tracing_subscriber::registry()
        .with(counter)
        .with(logs)
        .try_init();
}

/// Forgets the attempts counted so far (before a send).
pub(crate) fn reset_attempts() {
    ATTEMPTS.store(0, Ordering::Relaxed);
}

/// The attempts the last send made (1 when the client reported none).
pub(crate) fn attempts() -> u32 {
    ATTEMPTS.load(Ordering::Relaxed).max(1)
}

/// Counts the client's failed attempts.
struct AttemptCounter;

impl AttemptCounter {
    fn wanted(metadata: &Metadata<'_>) -> bool {
        metadata.is_event()
            && metadata.target().starts_with("hotpot_client")
            && metadata.fields().field("attempt").is_some()
    }
}

impl<S: Subscriber> Layer<S> for AttemptCounter {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        struct Attempt(Option<u64>);
        impl Visit for Attempt {
            fn record_u64(&mut self, field: &Field, value: u64) {
                if field.name() == "attempt" {
                    self.0 = Some(value);
                }
            }
            fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
        }
        let mut attempt = Attempt(None);
        event.record(&mut attempt);
        if let Some(n) = attempt.0 {
            ATTEMPTS.fetch_max(u32::try_from(n).unwrap_or(u32::MAX), Ordering::Relaxed);
        }
    }
}

/// stderr, with every line redacted like the rest of the output.
struct Redacting;

impl<'a> MakeWriter<'a> for Redacting {
    type Writer = RedactingWriter;
    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter
    }
}

/// One write is one formatted event.
struct RedactingWriter;

impl io::Write for RedactingWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        output::stderr(&String::from_utf8_lossy(buf));
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
