//! The binary's log writer: a line is appended to a shared buffer (a short lock, no system
//! call, nobody woken), and a thread of its own writes what gathered to the output every
//! [`EVERY`], in one system call per batch. A request never waits on the terminal or pipe, and
//! a busy server does not pay a thread wake-up and a `write(2)` per log line. Under a flood
//! that outruns the output, lines beyond [`MAX_BUFFERED`] bytes are dropped (and counted in a
//! line of their own) rather than slowing ingest.

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;

/// How often the thread writes what gathered.
const EVERY: Duration = Duration::from_millis(20);

/// The most text held for the thread; lines beyond it are dropped.
const MAX_BUFFERED: usize = 16 << 20;

/// Where log lines go (`with_writer`): one shared buffer.
#[derive(Clone)]
pub(crate) struct LogBuffer {
    inner: Arc<Inner>,
}

struct Inner {
    pending: Mutex<Pending>,
    /// Wakes the thread early, to write everything and stop.
    closing: Condvar,
}

#[derive(Default)]
struct Pending {
    text: Vec<u8>,
    dropped: u64,
    closed: bool,
}

/// Writes what is buffered and stops the thread when dropped.
pub(crate) struct FlushOnDrop {
    inner: Arc<Inner>,
    thread: Option<JoinHandle<()>>,
}

impl Inner {
    fn pending(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A buffer whose lines a thread writes to `out`, and the guard that flushes it at the end.
pub(crate) fn batched(mut out: impl Write + Send + 'static) -> (LogBuffer, FlushOnDrop) {
    let inner = Arc::new(Inner {
        pending: Mutex::new(Pending::default()),
        closing: Condvar::new(),
    });
    let shared = Arc::clone(&inner);
    let thread = std::thread::Builder::new()
        .name("hotpot-mock-log".to_owned())
        .spawn(move || {
            let mut batch = Vec::new();
            loop {
                let (dropped, closed) = {
                    let pending = shared.pending();
                    let (mut pending, _) = shared
                        .closing
                        .wait_timeout_while(pending, EVERY, |p| !p.closed)
                        .unwrap_or_else(|e| e.into_inner());
                    std::mem::swap(&mut pending.text, &mut batch);
                    (std::mem::take(&mut pending.dropped), pending.closed)
                };
                let _ = out.write_all(&batch);
                if dropped > 0 {
                    let _ = writeln!(
                        out,
                        "hotpot-mock-server: {dropped} log lines dropped (the output could not keep up)"
                    );
                }
                let _ = out.flush();
                batch.clear();
                if closed {
                    return;
                }
            }
        })
        .ok();
    if thread.is_none() {
        // No thread: lines are dropped rather than kept forever.
        inner.pending().closed = true;
    }
    (
        LogBuffer {
            inner: Arc::clone(&inner),
        },
        FlushOnDrop { inner, thread },
    )
}

impl Write for &LogBuffer {
    fn write(&mut self, line: &[u8]) -> std::io::Result<usize> {
        let mut pending = self.inner.pending();
        if pending.closed || pending.text.len() + line.len() > MAX_BUFFERED {
            pending.dropped += 1;
        } else {
            pending.text.extend_from_slice(line);
        }
        Ok(line.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for LogBuffer {
    type Writer = &'a LogBuffer;

    fn make_writer(&'a self) -> Self::Writer {
        self
    }
}

impl Drop for FlushOnDrop {
    fn drop(&mut self) {
        self.inner.pending().closed = true;
        self.inner.closing.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;
    use std::sync::{Arc, Mutex};

    use super::batched;

    /// An output that keeps what it was given.
    #[derive(Clone, Default)]
    struct Kept(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Kept {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lines_reach_the_output_in_order_and_all_by_the_end() {
        let kept = Kept::default();
        let (buffer, guard) = batched(kept.clone());
        for i in 0..1000 {
            (&buffer)
                .write_all(format!("line {i}\n").as_bytes())
                .unwrap();
        }
        drop(guard);
        let text = String::from_utf8(kept.0.lock().unwrap().clone()).unwrap();
        let expected: String = (0..1000).map(|i| format!("line {i}\n")).collect();
        assert_eq!(text, expected);
        // After the end, lines are dropped, not kept.
        (&buffer).write_all(b"late\n").unwrap();
        assert_eq!(buffer.inner.pending().text.len(), 0);
    }
}
