//! Waiting for a blocking send's answer without falling asleep at once.
//!
//! A thread that sleeps until its answer arrives must be woken by the kernel when it does,
//! and on a virtual machine a wake-up crosses the hypervisor: on the 2-core VMs this project
//! is measured on, a loopback round trip between two processes takes about 65 µs when the
//! waiting side sleeps and about 20 µs when it keeps polling (`BENCHMARKS.md`). That is more
//! than a server on the same host (the mock server, a sidecar) needs to answer.
//!
//! So a blocking send first *spins*: it keeps driving its runtime — polling its sockets
//! without blocking — for up to [`SPIN`], and only then sleeps. It spins only while its
//! client's recent sends were answered about that fast ([`Latency`], a moving average), so a
//! client of a distant server stops spinning after its first two sends, and one whose server
//! slows down stops too.
//! And it spins only when it is the process's only blocking send under way: the sends share
//! one current-thread runtime, which only one thread at a time drives, so a second thread
//! spinning would only take a core from the first (measured: 2 threads spinning sent 15 %
//! fewer moments than 2 threads sleeping, for twice the CPU).
//!
//! The cost is bounded: at most [`SPIN`] of one core per send. It is paid back: one send
//! spinning uses no more CPU than one sleeping (the wake-up it saves costs as much), and the
//! server uses less (it need not wake the client).

use std::future::{Future, poll_fn};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::Poll;
use std::time::{Duration, Instant};

/// The longest a send spins before it sleeps.
pub(crate) const SPIN: Duration = Duration::from_micros(200);

/// A send slower than this counts as this slow in the average (one slow answer, or a retry
/// after a backoff, then stops the spinning for a few sends only, not for hundreds).
const SAMPLE_CAP: Duration = Duration::from_millis(1);

/// Blocking sends of this process under way.
static WAITING: AtomicUsize = AtomicUsize::new(0);

/// Counts one blocking send while it waits.
struct Waiting;

impl Waiting {
    /// Counts a send in; returns whether no other one is under way.
    fn begin() -> (Waiting, bool) {
        let others = WAITING.fetch_add(1, Ordering::Relaxed);
        (Waiting, others == 0)
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        WAITING.fetch_sub(1, Ordering::Relaxed);
    }
}

/// In a child right after `fork()`: the sends under way were the parent's threads'.
/// (Only an atomic store: async-signal-safe.)
pub(crate) fn forget_waiting() {
    WAITING.store(0, Ordering::Relaxed);
}

/// The moving average of one client's recent send durations, deciding whether it spins.
///
/// Shared by the threads that use the client; their updates may interleave, which only
/// blurs an average that is a heuristic anyway.
#[derive(Debug, Default)]
pub(crate) struct Latency {
    /// Nanoseconds; 0 (spin) until the first send is measured.
    mean_ns: AtomicU64,
}

impl Latency {
    /// Whether the next send should spin: recent answers came within [`SPIN`].
    fn spins(&self) -> bool {
        self.mean_ns.load(Ordering::Relaxed) <= nanos(SPIN)
    }

    /// Adds one send's duration to the average (weight 1/8).
    fn record(&self, took: Duration) {
        let sample = nanos(took.min(SAMPLE_CAP));
        let mean = self.mean_ns.load(Ordering::Relaxed);
        let next = mean - mean / 8 + sample / 8;
        self.mean_ns.store(next, Ordering::Relaxed);
    }

    /// The average, for tests.
    #[cfg(test)]
    fn mean(&self) -> Duration {
        Duration::from_nanos(self.mean_ns.load(Ordering::Relaxed))
    }

    /// Runs `future` (a send) on the current runtime, spinning for up to [`SPIN`] before
    /// sleeping when recent sends were that fast and no other blocking send is under way,
    /// and records how long it took.
    pub(crate) async fn wait<F: Future>(&self, future: F) -> F::Output {
        let start = Instant::now();
        let (_waiting, alone) = Waiting::begin();
        let mut future = std::pin::pin!(future);
        let out = if alone && self.spins() {
            loop {
                let polled = poll_fn(|cx| Poll::Ready(future.as_mut().poll(cx))).await;
                if let Poll::Ready(out) = polled {
                    break out;
                }
                if start.elapsed() >= SPIN {
                    break future.await;
                }
                // Back to the runtime, which polls the sockets without blocking (because a
                // task yielded) and runs whatever became ready, then polls us again.
                tokio::task::yield_now().await;
            }
        } else {
            future.await
        };
        self.record(start.elapsed());
        out
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tests that count sends in (`WAITING` is one per process) run one at a time.
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

    fn serial() -> std::sync::MutexGuard<'static, ()> {
        SERIAL
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn a_new_client_spins() {
        assert!(Latency::default().spins());
    }

    #[test]
    fn slow_answers_stop_the_spinning_and_fast_ones_bring_it_back() {
        let latency = Latency::default();
        for _ in 0..40 {
            latency.record(Duration::from_millis(30));
        }
        // Capped: the average tends to SAMPLE_CAP, not to 30 ms.
        assert!(latency.mean() <= SAMPLE_CAP);
        assert!(latency.mean() > SAMPLE_CAP / 2);
        assert!(!latency.spins());
        for _ in 0..40 {
            latency.record(Duration::from_micros(50));
        }
        assert!(latency.spins(), "mean {:?}", latency.mean());
    }

    #[test]
    fn one_slow_answer_does_not_stop_a_fast_client_spinning() {
        let latency = Latency::default();
        for _ in 0..40 {
            latency.record(Duration::from_micros(60));
        }
        latency.record(Duration::from_secs(2)); // a retry after a backoff
        assert!(latency.spins(), "mean {:?}", latency.mean());
        latency.record(Duration::from_secs(2));
        assert!(!latency.spins(), "mean {:?}", latency.mean());
        let mut sends = 0;
        while !latency.spins() {
            latency.record(Duration::from_micros(60));
            sends += 1;
        }
        assert!(sends <= 8, "{sends} sends");
    }

    #[test]
    fn a_distant_server_stops_the_spinning_after_two_sends() {
        let latency = Latency::default();
        latency.record(Duration::from_millis(20));
        assert!(latency.spins());
        latency.record(Duration::from_millis(20));
        assert!(!latency.spins());
    }

    #[test]
    fn only_a_lone_send_may_spin() {
        let _serial = serial();
        let (first, alone) = Waiting::begin();
        assert!(alone);
        let (second, alone) = Waiting::begin();
        assert!(!alone, "another send is under way");
        drop(first);
        drop(second);
        let (_third, alone) = Waiting::begin();
        assert!(alone, "both were counted out");
    }

    #[test]
    fn wait_returns_the_output_and_records_the_duration() {
        let _serial = serial();
        let latency = Latency::default();
        let out = runtime().block_on(latency.wait(async {
            tokio::time::sleep(Duration::from_millis(5)).await;
            7
        }));
        assert_eq!(out, 7);
        // One sample of >= 5 ms, capped at 1 ms, weighted 1/8.
        assert_eq!(latency.mean(), SAMPLE_CAP / 8);
    }

    #[test]
    fn a_spinning_wait_gets_an_answer_that_arrives_after_the_spin() {
        let _serial = serial();
        let latency = Latency::default();
        assert!(latency.spins());
        let out = runtime().block_on(latency.wait(async {
            // Longer than SPIN: the wait must fall back to sleeping and still finish.
            tokio::time::sleep(SPIN * 10).await;
            "late"
        }));
        assert_eq!(out, "late");
    }

    #[test]
    fn a_spinning_wait_drives_other_tasks_of_the_runtime() {
        let _serial = serial();
        // The answer comes from a spawned task (as hyper's connection task delivers one):
        // spinning must keep running the runtime's tasks, not only re-poll the send.
        let rt = runtime();
        let latency = Latency::default();
        let out = rt.block_on(async {
            let (tx, rx) = tokio::sync::oneshot::channel();
            tokio::spawn(async move {
                tokio::task::yield_now().await;
                tx.send(42).unwrap();
            });
            latency.wait(rx).await.unwrap()
        });
        assert_eq!(out, 42);
        assert!(latency.mean() < SPIN, "answered while spinning");
    }
}
