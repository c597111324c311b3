//! hyper's header-read timer, one tokio timer per connection.
//!
//! hyper asks its timer for a new sleep each time it waits for a request's head and drops it
//! once the head has arrived: with `hyper_util`'s `TokioTimer` that is a new tokio timer,
//! entered into the runtime's timer wheel and taken out again, on every request. Here each
//! connection keeps one tokio timer that every such sleep shares: a sleep moves its deadline
//! (always later, which tokio does without touching the wheel) and waits on it.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use hyper::rt::{Sleep, Timer};

/// A connection's timer: give one to each connection's `http1::Builder`.
#[derive(Clone, Default)]
pub(crate) struct HeadTimer {
    shared: Shared,
}

/// The connection's tokio timer, made on the first wait.
type Shared = Arc<Mutex<Option<Pin<Box<tokio::time::Sleep>>>>>;

impl Timer for HeadTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Sleep>> {
        self.sleep_until(self.now() + duration)
    }

    /// tokio's clock, which a test may pause.
    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn Sleep>> {
        Box::pin(HeadSleep {
            deadline: deadline.into(),
            shared: Arc::clone(&self.shared),
        })
    }
}

/// One wait for a head: ready once `deadline` has passed.
struct HeadSleep {
    deadline: tokio::time::Instant,
    shared: Shared,
}

impl Future for HeadSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        let sleep = shared.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(self.deadline)));
        if sleep.deadline() != self.deadline {
            sleep.as_mut().reset(self.deadline);
        }
        sleep.as_mut().poll(cx)
    }
}

impl Sleep for HeadSleep {}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use hyper::rt::Timer;

    use super::HeadTimer;

    #[tokio::test(start_paused = true)]
    async fn each_sleep_waits_for_its_own_deadline_on_the_shared_timer() {
        let timer = HeadTimer::default();
        let start = timer.now();
        timer.sleep(Duration::from_secs(10)).await;
        assert_eq!(timer.now() - start, Duration::from_secs(10));
        // A later sleep moves the shared timer on; an abandoned one does not end it early.
        let abandoned = timer.sleep(Duration::from_secs(5));
        drop(abandoned);
        let at = tokio::time::Instant::now();
        timer.sleep(Duration::from_secs(10)).await;
        assert_eq!(tokio::time::Instant::now() - at, Duration::from_secs(10));
        // A sleep whose deadline has passed is ready at once.
        let at = tokio::time::Instant::now();
        timer.sleep(Duration::ZERO).await;
        assert_eq!(tokio::time::Instant::now(), at);
    }
}
