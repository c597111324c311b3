//! A mock server on its own runtime, and the `hotpot` command with a clean environment.

use std::time::Duration;

use assert_cmd::Command;
use hotpot_mock_server::{Event, MockServer, NewWebhook, RecordedMoment};

/// A token long and distinctive enough that a leak cannot hide.
pub const TOKEN: &str = "cliT0kenSecretZq81xW";
/// The mock's API key.
pub const API_KEY: &str = "cliApiKeySecretP4s9";

/// The mock server, running on a runtime of its own while the test runs the binary.
pub struct Mock {
    pub server: MockServer,
    _runtime: tokio::runtime::Runtime,
}

impl Mock {
    pub fn start() -> Mock {
        Self::with(MockServer::builder())
    }

    pub fn strict() -> Mock {
        Self::with(MockServer::builder().strict(true))
    }

    fn with(builder: hotpot_mock_server::MockServerBuilder) -> Mock {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let server = builder
            .token(TOKEN)
            .api_key(API_KEY)
            .start_on(runtime.handle())
            .unwrap();
        Mock {
            server,
            _runtime: runtime,
        }
    }

    pub fn url(&self) -> String {
        self.server.webhook_url()
    }

    /// A webhook that expired a day ago: its URL.
    pub fn expired_webhook(&self) -> String {
        self.server
            .create_webhook(
                NewWebhook::new("old")
                    .token("cliExpiredT0kenQ7")
                    .expires_at(chrono::Utc::now() - chrono::Duration::days(1)),
            )
            .unwrap()
    }

    pub fn moments(&self) -> Vec<RecordedMoment> {
        self.server.moments()
    }

    pub fn events(&self) -> Vec<Event> {
        self.server.events()
    }

    /// The moments, once `n` are there (the binary has exited, so they should be).
    pub fn wait_moments(&self, n: usize) -> Vec<RecordedMoment> {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            let moments = self.moments();
            if moments.len() >= n || std::time::Instant::now() > deadline {
                return moments;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// `hotpot` with no `HOTPOT_*`, `GITHUB_*` or `RUST_LOG` from the test's environment.
pub fn hotpot() -> Command {
    let mut cmd = Command::cargo_bin("hotpot").unwrap();
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        if key.starts_with("HOTPOT_") || key.starts_with("GITHUB_") || key == "RUST_LOG" {
            cmd.env_remove(&key);
        }
    }
    cmd.env("NO_COLOR", "1").timeout(Duration::from_secs(60));
    cmd
}

/// `hotpot` sending to `url`.
pub fn hotpot_to(url: &str) -> Command {
    let mut cmd = hotpot();
    cmd.env("HOTPOT_WEBHOOK_URL", url);
    cmd
}

/// What a finished command gave: its exit code (`None` when a signal ended it), and its
/// stdout and stderr as text.
#[derive(Debug)]
pub struct Ran {
    pub code: Option<i32>,
    pub out: String,
    pub err: String,
}

impl Ran {
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// Asserts that the command exited with `code` (showing its stderr if not); its stderr.
    #[track_caller]
    pub fn exits(&self, code: i32) -> &str {
        assert_eq!(self.code, Some(code), "{}", self.err);
        &self.err
    }

    /// [`exits`](Self::exits) with `code`, and a stderr that says `needle`; its stderr.
    #[track_caller]
    pub fn exits_with(&self, code: i32, needle: &str) -> &str {
        let err = self.exits(code);
        assert!(err.contains(needle), "{err}");
        err
    }

    /// [`exits`](Self::exits) with `code`, and a stderr that starts with `prefix`; its stderr.
    #[track_caller]
    pub fn exits_starting(&self, code: i32, prefix: &str) -> &str {
        let err = self.exits(code);
        assert!(err.starts_with(prefix), "{err}");
        err
    }
}

/// `.run()`: runs a command to its end and captures what it gave.
pub trait RunExt {
    fn run(&mut self) -> Ran;
}

fn ran(output: std::process::Output) -> Ran {
    Ran {
        code: output.status.code(),
        out: String::from_utf8_lossy(&output.stdout).into_owned(),
        err: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

impl RunExt for Command {
    fn run(&mut self) -> Ran {
        ran(self.output().expect("the command runs"))
    }
}

impl RunExt for std::process::Command {
    fn run(&mut self) -> Ran {
        ran(self.output().expect("the command runs"))
    }
}

/// stdout and stderr of a finished command, as text.
pub fn texts(ran: &Ran) -> (String, String) {
    (ran.out.clone(), ran.err.clone())
}

/// Fails if any 8 consecutive characters of a secret, or an unredacted webhook path,
/// appear in `text`.
pub fn assert_no_secret(text: &str, secrets: &[&str]) {
    for secret in secrets {
        for i in 0..=secret.len().saturating_sub(8) {
            let piece = &secret[i..(i + 8).min(secret.len())];
            assert!(
                !text.contains(piece),
                "{piece:?} of a secret leaked:\n{text}"
            );
        }
    }
    for (at, _) in text.match_indices("/moment/") {
        let token: String = text[at + 8..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        assert!(
            token.len() <= 4 || token == "TOKEN",
            "unredacted webhook path /moment/{token}:\n{text}"
        );
    }
}
