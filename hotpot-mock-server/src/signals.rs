//! What a connection is told from outside its task: the server is stopping, or a
//! `drop_connection` fault hangs up. The connection's task looks at these on every wake-up
//! (several per request), so they are a flag word and a waker, not a lock.

use std::collections::HashMap;
use std::future::poll_fn;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Poll;

use futures_util::task::AtomicWaker;

/// The server is stopping: finish the request in flight, then close.
pub(crate) const STOP: u8 = 1;
/// Close the connection now, unanswered.
pub(crate) const HANG_UP: u8 = 2;

/// One connection's signals.
#[derive(Default)]
pub(crate) struct Signals {
    flags: AtomicU8,
    waker: AtomicWaker,
}

impl Signals {
    /// Raises `flag` and wakes the connection's task.
    pub(crate) fn raise(&self, flag: u8) {
        self.flags.fetch_or(flag, Ordering::SeqCst);
        self.waker.wake();
    }

    /// Resolves to the flags raised, once one of `mask` is.
    pub(crate) async fn wait(&self, mask: u8) -> u8 {
        poll_fn(|cx| {
            let raised = self.flags.load(Ordering::SeqCst);
            if raised & mask != 0 {
                return Poll::Ready(raised);
            }
            self.waker.register(cx.waker());
            // A flag raised between the load and the registration woke nobody: look again.
            let raised = self.flags.load(Ordering::SeqCst);
            if raised & mask != 0 {
                Poll::Ready(raised)
            } else {
                Poll::Pending
            }
        })
        .await
    }
}

/// Every open connection's signals, so that the server can tell them all to stop.
#[derive(Default)]
pub(crate) struct Registry {
    next: AtomicU64,
    open: Mutex<HashMap<u64, Arc<Signals>>>,
}

/// A connection's place in the [`Registry`], given up when dropped.
pub(crate) struct Registered {
    registry: Arc<Registry>,
    id: u64,
    pub(crate) signals: Arc<Signals>,
}

impl Registry {
    /// New signals for a connection, registered until the returned guard is dropped.
    pub(crate) fn register(self: &Arc<Self>) -> Registered {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let signals = Arc::new(Signals::default());
        self.lock().insert(id, Arc::clone(&signals));
        Registered {
            registry: Arc::clone(self),
            id,
            signals,
        }
    }

    /// Raises `flag` on every open connection.
    pub(crate) fn raise_all(&self, flag: u8) {
        for signals in self.lock().values() {
            signals.raise(flag);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Signals>>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.registry.lock().remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::{HANG_UP, Registry, STOP};

    #[tokio::test]
    async fn a_raised_flag_wakes_the_waiter_and_the_registry_reaches_every_connection() {
        let registry = Arc::new(Registry::default());
        let a = registry.register();
        let b = registry.register();
        let signals = Arc::clone(&a.signals);
        let waiter = tokio::spawn(async move { signals.wait(STOP | HANG_UP).await });
        tokio::time::sleep(Duration::from_millis(10)).await;
        registry.raise_all(STOP);
        assert_eq!(waiter.await.unwrap(), STOP);
        // Already raised: at once; a flag outside the mask is not waited for.
        assert_eq!(b.signals.wait(STOP).await, STOP);
        b.signals.raise(HANG_UP);
        assert_eq!(b.signals.wait(HANG_UP).await, STOP | HANG_UP);
        drop(a);
        drop(b);
        assert!(registry.lock().is_empty());
    }
}
