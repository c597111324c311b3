//! Whether the calling thread is running async code of a tokio runtime: the one place where a
//! blocking call stalls the runtime (a current-thread runtime entirely, the in-process mock of a
//! `#[tokio::test]` with it).

use std::task::{Context, Poll, Waker};

use tokio::runtime::{Handle, RuntimeFlavor};

/// Whether the caller is async code on a tokio runtime's thread: a task, or the future given to
/// `block_on` (the body of `#[tokio::main]` and `#[tokio::test]`). The closures of
/// `spawn_blocking` and `block_in_place`, and plain threads, are not: blocking is what they are
/// for.
///
/// tokio answers this only by panicking ("Cannot start a runtime from within a runtime"), so
/// the sign used is its cooperative budget: tokio polls async code with a budget (128 units a
/// poll, spent by its resources) and runs `spawn_blocking` and `block_in_place` closures with
/// none, on purpose. Spending units tells which: with a budget they run out, without one never.
/// Every unit spent is given back before this returns.
pub(crate) fn in_async_code() -> bool {
    Handle::try_current().is_ok() && budget_is_limited()
}

/// Whether the caller is async code on a current-thread runtime (`#[tokio::test]`'s default):
/// while it blocks, no task of that runtime runs at all.
pub(crate) fn on_current_thread_runtime() -> bool {
    Handle::try_current().is_ok_and(|h| h.runtime_flavor() == RuntimeFlavor::CurrentThread)
        && budget_is_limited()
}

fn budget_is_limited() -> bool {
    let mut cx = Context::from_waker(Waker::noop());
    let mut spent = Vec::new();
    // The budget is a u8: more steps than it can hold exhaust any.
    let limited = loop {
        if spent.len() > usize::from(u8::MAX) {
            break false;
        }
        match tokio::task::coop::poll_proceed(&mut cx) {
            Poll::Ready(unit) => spent.push(unit),
            Poll::Pending => break true,
        }
    };
    // A unit dropped without `made_progress` puts back the budget it found: dropped last one
    // first, the first one leaves the budget as it was.
    while let Some(unit) = spent.pop() {
        drop(unit);
    }
    limited
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_thread_is_not_async_code() {
        assert!(!in_async_code());
        assert!(!on_current_thread_runtime());
    }

    #[test]
    fn async_code_is_and_spawn_blocking_is_not_on_either_flavour() {
        for rt in [
            tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap(),
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .build()
                .unwrap(),
        ] {
            let current_thread = rt.handle().runtime_flavor() == RuntimeFlavor::CurrentThread;
            rt.block_on(async move {
                assert!(in_async_code(), "block_on's future");
                assert_eq!(on_current_thread_runtime(), current_thread);
                // Asking twice gives the same answer: the budget was given back.
                assert!(in_async_code());
                assert!(
                    tokio::spawn(async { in_async_code() }).await.unwrap(),
                    "a task"
                );
                let in_pool =
                    tokio::task::spawn_blocking(|| (in_async_code(), on_current_thread_runtime()));
                assert_eq!(in_pool.await.unwrap(), (false, false), "spawn_blocking");
            });
        }
    }
}
