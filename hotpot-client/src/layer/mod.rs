//! [`MomentLayer`]: a `tracing_subscriber` layer that turns chosen events into moments
//! (spec §11), through an [`Emitter`] so that the code that logs is never blocked.
//!
//! | file | holds |
//! |---|---|
//! | `mod.rs` | the layer, its settings, and which events it takes |
//! | `record` | the mapping of §11: a record's values to a moment (name, type, description) |
//! | `visit` | reading an event's and a span's fields |
//! | `dedup` | one moment per place and message within the window, and the fold counts |

mod dedup;
mod record;
mod visit;

use std::borrow::Cow;
use std::collections::hash_map::DefaultHasher;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use chrono::Utc;
use tracing::callsite::Identifier;
use tracing::dispatcher::WeakDispatch;
use tracing::span::{Attributes, Id, Record};
use tracing::{Dispatch, Event, Level, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use crate::throttle::Throttle;
use crate::{Emitter, defaults};
use dedup::Dedup;
use record::LogRecord;
use visit::SpanFields;

/// The target of the layer's own warnings (excluded from moments like every `hotpot*` one).
const OWN_TARGET: &str = "hotpot_client::layer";

/// Targets whose events never become moments: hotpot's own and the HTTP stack under the
/// client, so that Hotpot being unreachable cannot feed itself. Every target starting with
/// one of these prefixes (`rustls_platform_verifier` too)...
const EXCLUDED_PREFIXES: [&str; 2] = ["hotpot", "rustls"];
/// ... and every target of these crates.
const EXCLUDED_CRATES: [&str; 7] = [
    "reqwest",
    "hyper",
    "hyper_util",
    "h2",
    "tokio_rustls",
    "webpki",
    "want",
];

/// The shortest time between two of the layer's own warnings (a moment refused or invalid).
const WARN_PERIOD: Duration = Duration::from_secs(60);

type Filter = dyn Fn(&Metadata<'_>) -> bool + Send + Sync;

/// A [`tracing_subscriber::Layer`] that turns events at or above a level into moments,
/// handed to an [`Emitter`] (spec §11). Needs the cargo feature `tracing-layer`.
///
/// An event becomes a moment like this:
///
/// - `name`: the message, whitespace collapsed, cut to 70 characters with `…`; an event
///   without a message gives its target;
/// - `type`: a field `hotpot_type` (`error!(hotpot_type = "incident", ...)`), else `alert`;
///   `priority`: a field `hotpot_priority`, else none; `source_url`: `hotpot_source_url`;
/// - `source`: the [`source`](Self::source) set here, else the event's target;
/// - `description` (Markdown): the message and the chain of an `error` field (any field
///   recorded as a `dyn Error`) in fenced code blocks, then the other fields, the spans
///   (outermost first, with their fields) and the level, target and location, as lists;
/// - `occurred_at`: when the event was recorded.
///
/// The same message from the same callsite with the same errors (the type of the root of
/// each `error` field's chain, or none) within the [`dedup_window`](Self::dedup_window)
/// becomes one moment; the next one from there says how many were folded. Events from
/// `hotpot*` targets and from the HTTP stack beneath the client (`reqwest`, `hyper`,
/// `hyper_util`, `h2`, `rustls*`, `tokio_rustls`, `webpki`, `want`; records of the `log` crate,
/// forwarded by `tracing-log`, by their own target) never become moments, so an unreachable
/// Hotpot cannot feed itself. Nothing ever panics into or blocks the code that logs (unless
/// the emitter's overflow is [`Overflow::Block`](crate::Overflow::Block)): a moment refused by
/// the emitter, or an event that makes no valid moment (say `hotpot_type = "urgent"`), is
/// reported by a `warn` on the target `hotpot_client::layer`, at
/// most once a minute.
///
/// The layer needs a subscriber that keeps spans ([`tracing_subscriber::registry()`]). It keeps
/// each span's fields as one line, so spans cost a little formatting when they are created.
///
/// ```no_run
/// use std::time::Duration;
/// use hotpot_client::{Emitter, MomentLayer};
/// use tracing_subscriber::prelude::*;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// // HOTPOT_WEBHOOK_URL, and HOTPOT_SPOOL where set: the queue in a spool that survives a
/// // crash (every process of the service may name the same directory; spec §10).
/// let emitter = Emitter::from_env()?;
/// tracing_subscriber::registry()
///     .with(tracing_subscriber::fmt::layer())
///     .with(MomentLayer::new(emitter.clone()).source("checkout-service"))
///     .init();
///
/// let err = std::io::Error::other("connection refused");
/// tracing::error!(hotpot_type = "incident", error = &err as &dyn std::error::Error,
///                 order = 1234, "Payment provider unreachable");
///
/// emitter.shutdown(Duration::from_secs(5)); // before the service exits
/// # Ok(()) }
/// ```
pub struct MomentLayer {
    emitter: Emitter,
    level: Level,
    source: Option<String>,
    dedup: Dedup<(Identifier, u64)>,
    filter: Option<Arc<Filter>>,
    warnings: Warnings,
    /// The subscriber this layer is part of, for its warnings (weak: it owns the layer).
    dispatch: OnceLock<WeakDispatch>,
}

impl MomentLayer {
    /// A layer sending to `emitter`: events at `ERROR`, the target as `source`, a dedup window
    /// of [`defaults::LOG_DEDUP_WINDOW`] (60 s), no filter.
    ///
    /// ```
    /// use hotpot_client::{Client, Emitter, MomentLayer};
    /// let emitter = Emitter::new(Client::new("https://api.hotpot.works/moment/845b1e3c9d0f")?)?;
    /// let layer = MomentLayer::new(emitter);
    /// # Ok::<(), hotpot_client::Error>(())
    /// ```
    pub fn new(emitter: Emitter) -> Self {
        MomentLayer {
            emitter,
            level: Level::ERROR,
            source: None,
            dedup: Dedup::new(defaults::LOG_DEDUP_WINDOW),
            filter: None,
            warnings: Warnings::new(),
            dispatch: OnceLock::new(),
        }
    }

    /// The least severe level that becomes a moment (default `ERROR`): `Level::WARN` takes
    /// warnings and errors.
    ///
    /// ```
    /// # let emitter = hotpot_client::Emitter::new(hotpot_client::Client::new("https://api.hotpot.works/moment/845b1e3c9d0f")?)?;
    /// let layer = hotpot_client::MomentLayer::new(emitter).level(tracing::Level::WARN);
    /// # Ok::<(), hotpot_client::Error>(())
    /// ```
    #[must_use]
    pub fn level(mut self, level: Level) -> Self {
        self.level = level;
        self
    }

    /// The moments' `source` (default: each event's target).
    ///
    /// ```
    /// # let emitter = hotpot_client::Emitter::new(hotpot_client::Client::new("https://api.hotpot.works/moment/845b1e3c9d0f")?)?;
    /// let layer = hotpot_client::MomentLayer::new(emitter).source("checkout-service");
    /// # Ok::<(), hotpot_client::Error>(())
    /// ```
    #[must_use]
    pub fn source(mut self, source: impl Into<String>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// How long the same message from the same callsite (with the same errors) is folded into
    /// the moment sent for it (default 60 s); `Duration::ZERO` sends every event.
    ///
    /// ```
    /// # let emitter = hotpot_client::Emitter::new(hotpot_client::Client::new("https://api.hotpot.works/moment/845b1e3c9d0f")?)?;
    /// use std::time::Duration;
    /// let layer = hotpot_client::MomentLayer::new(emitter).dedup_window(Duration::from_secs(300));
    /// # Ok::<(), hotpot_client::Error>(())
    /// ```
    #[must_use]
    pub fn dedup_window(mut self, window: Duration) -> Self {
        self.dedup = Dedup::new(window);
        self
    }

    /// Only events for which `filter` returns `true` become moments (besides the level and
    /// the excluded targets). It sees the event's metadata (target, level, name, file, fields'
    /// names) and is called before anything is formatted.
    ///
    /// ```
    /// # let emitter = hotpot_client::Emitter::new(hotpot_client::Client::new("https://api.hotpot.works/moment/845b1e3c9d0f")?)?;
    /// let layer = hotpot_client::MomentLayer::new(emitter)
    ///     .filter(|meta| meta.target().starts_with("checkout"));
    /// # Ok::<(), hotpot_client::Error>(())
    /// ```
    #[must_use]
    pub fn filter(
        mut self,
        filter: impl Fn(&Metadata<'_>) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.filter = Some(Arc::new(filter));
        self
    }

    /// Whether an event with this metadata may become a moment: decided before any formatting
    /// (for a `log` record, its own target is checked once its fields are read).
    fn takes(&self, meta: &Metadata<'_>) -> bool {
        *meta.level() <= self.level
            && !is_excluded(meta.target())
            && self.filter.as_ref().is_none_or(|f| f(meta))
    }

    /// Says, at most once a minute, that an event did not become a moment. `tracing` drops
    /// events raised inside a subscriber's own callbacks, so the warning goes through this
    /// layer's subscriber from a short-lived thread: the caller neither waits for it nor
    /// sees it fail.
    fn warn(&self, what: fmt::Arguments<'_>) {
        let Some(held_back) = self.warnings.allow() else {
            return;
        };
        let Some(dispatch) = self.dispatch.get().and_then(WeakDispatch::upgrade) else {
            return;
        };
        let what = what.to_string();
        let _ = std::thread::Builder::new()
            .name("hotpot-layer-warning".into())
            .spawn(move || {
                tracing::dispatcher::with_default(&dispatch, || {
                    tracing::warn!(
                        target: OWN_TARGET,
                        held_back,
                        "hotpot: a log event did not become a moment: {what} ({held_back} more \
                         since the last warning, which comes at most once a minute)"
                    );
                });
            });
    }
}

impl<S> Layer<S> for MomentLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_register_dispatch(&self, subscriber: &Dispatch) {
        let _ = self.dispatch.set(subscriber.downgrade());
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if attrs.fields().is_empty() {
            return;
        }
        let mut fields = SpanFields::default();
        attrs.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(fields);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut extensions = span.extensions_mut();
        match extensions.get_mut::<SpanFields>() {
            Some(fields) => values.record(fields),
            None => {
                let mut fields = SpanFields::default();
                values.record(&mut fields);
                extensions.insert(fields);
            }
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let meta = event.metadata();
        if !self.takes(meta) {
            return;
        }
        let mut record = LogRecord {
            target: Cow::Borrowed(meta.target()),
            level: meta.level().as_str(),
            file: meta.file().map(Cow::Borrowed),
            line: meta.line(),
            ..LogRecord::default()
        };
        event.record(&mut record);
        if meta.target() == visit::LOG_TARGET && is_excluded(&record.target) {
            return;
        }
        let place = (meta.callsite(), hash(&record));
        let Some(folded) = self.dedup.admit(place, Instant::now()) else {
            return;
        };
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                let fields = span
                    .extensions()
                    .get::<SpanFields>()
                    .map(|f| f.0.clone())
                    .unwrap_or_default();
                record.spans.push((span.name(), fields));
            }
        }
        match record.to_moment(self.source.as_deref(), folded, Utc::now()) {
            Ok(moment) => {
                if let Err(e) = self.emitter.emit(moment) {
                    self.warn(format_args!("{e}"));
                }
            }
            Err(e) => self.warn(format_args!("{e}")),
        }
    }
}

impl fmt::Debug for MomentLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MomentLayer")
            .field("emitter", &self.emitter)
            .field("level", &self.level)
            .field("source", &self.source)
            .field(
                "filter",
                &self.filter.as_ref().map(|_| "Fn(&Metadata) -> bool"),
            )
            .finish_non_exhaustive()
    }
}

/// Whether events of this target never become moments: hotpot's own (`hotpot*`) and the
/// HTTP stack's beneath it.
fn is_excluded(target: &str) -> bool {
    let krate = target.split("::").next().unwrap_or(target);
    EXCLUDED_PREFIXES.iter().any(|p| target.starts_with(p)) || EXCLUDED_CRATES.contains(&krate)
}

/// The message, where it comes from (for `log` records, which share a few callsites) and the
/// root types of its errors (distinct errors logged from one line are distinct moments).
fn hash(record: &LogRecord<'_>) -> u64 {
    let mut h = DefaultHasher::new();
    (
        &record.message,
        &record.target,
        &record.file,
        record.line,
        &record.error_key,
    )
        .hash(&mut h);
    h.finish()
}

/// At most one warning per [`WARN_PERIOD`], each saying how many were held back since the last.
struct Warnings {
    start: Instant,
    throttle: Throttle,
}

impl Warnings {
    fn new() -> Self {
        Warnings {
            start: Instant::now(),
            throttle: Throttle::new(WARN_PERIOD.as_millis() as u64),
        }
    }

    fn allow(&self) -> Option<u64> {
        let now_ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.throttle.allow(now_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hotpot_and_the_http_stack_are_excluded() {
        for target in [
            "hotpot_client",
            "hotpot_client::emitter",
            "hotpot_mock_server::server",
            "hotpot_cli",
            "hotpot",
            "reqwest::connect",
            "hyper",
            "hyper_util::client::legacy::pool",
            "h2::proto::connection",
            "rustls::conn",
            "rustls_platform_verifier::verification::others",
            "want",
        ] {
            assert!(is_excluded(target), "{target}");
        }
        for target in ["checkout", "app::db", "h2o", "hyperion", "my_hotpot"] {
            assert!(!is_excluded(target), "{target}");
        }
    }
}
