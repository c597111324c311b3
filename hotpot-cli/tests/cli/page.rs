//! `hotpot page` (spec §14) against a wiremock API, row by row of its exit table, with and
//! without `--wait`; and `hotpot status` listing a page's acknowledgements.

use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{API_KEY, Ran, RunExt, assert_no_secret, hotpot};

/// A wiremock API server and the runtime that started it (its server runs on a thread of its
/// own, so the test may block on the command meanwhile).
struct Api {
    runtime: tokio::runtime::Runtime,
    server: MockServer,
}

impl Api {
    fn start() -> Api {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let server = runtime.block_on(MockServer::start());
        Api { runtime, server }
    }

    fn on(&self, verb: &str, route: &str, template: ResponseTemplate) -> &Self {
        self.on_times(verb, route, template, None)
    }

    fn on_times(
        &self,
        verb: &str,
        route: &str,
        template: ResponseTemplate,
        times: Option<u64>,
    ) -> &Self {
        let mut mock = Mock::given(method(verb))
            .and(path(route))
            .and(header(
                "authorization",
                format!("Bearer {API_KEY}").as_str(),
            ))
            .respond_with(template);
        if let Some(n) = times {
            mock = mock.up_to_n_times(n);
        }
        self.runtime.block_on(mock.mount(&self.server));
        self
    }

    fn queued(&self, route: &str) -> &Self {
        self.on(
            "POST",
            route,
            ResponseTemplate::new(202).set_body_json(json!({
                "hotpot_request_id": "req-1",
                "response": {"success": true, "message": "Your request has been queued."}})),
        )
    }

    fn acks(&self, acks: Value) -> &Self {
        self.on(
            "GET",
            "/request/req-1/acknowledgements",
            ResponseTemplate::new(200).set_body_json(json!({ "response": acks })),
        )
    }

    fn state(&self, state: &str, errors: Value) -> &Self {
        self.on(
            "GET",
            "/request/req-1/status",
            ResponseTemplate::new(200).set_body_json(json!({"response": {
                "message_request_id": "req-1", "status": state, "status_message": "",
                "errors": errors, "message_id": null}})),
        )
    }

    fn requests(&self) -> Vec<wiremock::Request> {
        self.runtime
            .block_on(self.server.received_requests())
            .unwrap_or_default()
    }

    fn page(&self, args: &[&str]) -> Ran {
        hotpot()
            .env("HOTPOT_API_URL", self.server.uri())
            .env("HOTPOT_API_KEY", API_KEY)
            .arg("page")
            .args(args)
            .args(["--retries", "1"])
            .run()
    }
}

const TEAM: [&str; 6] = [
    "--team",
    "payments",
    "--title",
    "Rollback failed",
    "--text",
    "api 1.4.2",
];

fn ack(email: &str) -> Value {
    json!({"acknowledged_at": "2026-12-06T03:00:00Z", "acknowledged_by_email": email,
           "acknowledged_by": "u-1", "status": "handled"})
}

#[test]
fn zero_queued_prints_the_request_id_and_sends_the_page() {
    let api = Api::start();
    api.queued("/page/team");
    let run = api.page(
        &[
            &TEAM[..],
            &[
                "--urgency",
                "HIGH",
                "--source-url",
                "https://ci.example.com/1",
            ],
        ]
        .concat(),
    );
    run.exits(0);
    assert_eq!(run.out, "req-1\n");
    let sent = api.requests();
    assert_eq!(sent.len(), 1);
    let body: Value = serde_json::from_slice(&sent[0].body).unwrap();
    assert_eq!(
        body,
        json!({"title": "Rollback failed", "text": "api 1.4.2", "recipient": "payments",
               "urgency": "high", "source_url": "https://ci.example.com/1"})
    );

    let run = api.page(
        &[
            &TEAM[..],
            &["--output", "json", "--idempotency-key", "page-42"],
        ]
        .concat(),
    );
    run.exits(0);
    let out: Value = serde_json::from_str(&run.out).unwrap();
    assert_eq!(
        out,
        json!({"status": 202, "request_id": "req-1", "attempts": 1, "idempotency_key": "page-42"})
    );
}

#[test]
fn zero_with_wait_when_someone_handles_it() {
    let api = Api::start();
    api.queued("/page/person")
        .state("success", json!([]))
        .acks(json!([ack("ana@example.com")]));
    let args = [
        "--person",
        "ana@example.com",
        "--title",
        "t",
        "--text",
        "x",
        "--wait",
        "30s",
    ];
    let run = api.page(&args);
    run.exits(0);
    assert_eq!(
        run.out,
        "req-1\nhandled by ana@example.com at 2026-12-06T03:00:00Z\n"
    );

    let run = api.page(&[&args[..], &["--output", "json"]].concat());
    run.exits(0);
    let out: Value = serde_json::from_str(&run.out).unwrap();
    assert_eq!(out["request_id"], "req-1");
    assert_eq!(out["acknowledgements"], json!([ack("ana@example.com")]));
    assert_eq!(out["status"], 202);
}

#[test]
fn two_for_usage() {
    let api = Api::start();
    for args in [
        vec![
            "--team", "a", "--person", "b@c.d", "--title", "t", "--text", "x",
        ],
        vec!["--title", "t", "--text", "x"],
        vec!["--team", "a", "--title", "t"],
        vec![
            "--team",
            "a",
            "--title",
            "t",
            "--text",
            "x",
            "--text-file",
            "f",
        ],
        vec!["--team", "a", "--text", "x"],
        vec![
            "--team", "a", "--title", "t", "--text", "x", "--wait", "soon",
        ],
    ] {
        api.page(&args).exits(2);
    }
    assert!(api.requests().is_empty());
}

#[test]
fn sixty_five_for_field_problems_refusals_and_failed_pages() {
    let api = Api::start();
    // Every field problem at once, nothing sent.
    let run = api.page(&[
        "--person",
        "ana",
        "--title",
        "",
        "--text",
        "x",
        "--urgency",
        "urgent",
        "--source-url",
        "",
    ]);
    let err = run.exits(65);
    for field in ["title: ", "recipient: ", "urgency: ", "source_url: "] {
        assert!(err.contains(field), "{field} missing: {err}");
    }
    assert!(api.requests().is_empty());

    for status in [400u16, 413, 415, 422] {
        let api = Api::start();
        api.on("POST", "/page/team", ResponseTemplate::new(status));
        api.page(&TEAM)
            .exits_with(65, &format!("Hotpot refused the page (HTTP {status})"));
        assert_eq!(api.requests().len(), 1, "not retried");
    }

    // Queued, then failed: the unknown recipient is found after queueing.
    let api = Api::start();
    let problems = json!([{"field": "recipient", "message": "no team named payments"}]);
    api.queued("/page/team")
        .acks(json!([]))
        .state("error", problems);
    let run = api.page(&[&TEAM[..], &["--wait"]].concat());
    let err = run.exits(65);
    assert!(
        err.contains("the page req-1 failed") && err.contains("recipient: no team named payments"),
        "{err}"
    );
    assert_eq!(run.out, "req-1\n", "the id is printed before the wait");
}

#[test]
fn sixty_six_for_an_unreadable_text_file() {
    let api = Api::start();
    api.page(&[
        "--team",
        "a",
        "--title",
        "t",
        "--text-file",
        "/no/such/file.md",
    ])
    .exits_with(66, "--text-file");
}

#[test]
fn seventy_five_for_trouble_that_outlasts_the_retries_and_for_a_wait_that_runs_out() {
    let api = Api::start();
    api.on("POST", "/page/team", ResponseTemplate::new(503));
    let err = api.page(&TEAM).exits(75).to_owned();
    assert!(
        err.contains("HTTP 503") && err.contains("--idempotency-key"),
        "{err}"
    );
    let sent = api.requests();
    assert_eq!(sent.len(), 2, "--retries 1");
    assert_eq!(
        sent[0].headers.get("idempotency-key"),
        sent[1].headers.get("idempotency-key"),
        "one key for every attempt"
    );

    let api = Api::start();
    api.queued("/page/team")
        .acks(json!([]))
        .state("success", json!([]));
    let run = api.page(&[&TEAM[..], &["--wait", "1s"]].concat());
    run.exits_with(75, "nobody handled the page req-1 within 1s");
}

#[test]
fn seventy_seven_for_a_refused_key() {
    for status in [401u16, 403] {
        let api = Api::start();
        api.on("POST", "/page/team", ResponseTemplate::new(status));
        api.page(&TEAM).exits_with(77, "refused the API key");
    }
}

#[test]
fn seventy_eight_for_no_key_or_a_bad_base() {
    let no_key = hotpot().args(["page"]).args(TEAM).run();
    no_key.exits_with(78, "HOTPOT_API_KEY");
    for base in ["http://hotpot.example.com", "not a url", "ftp://127.0.0.1"] {
        let run = hotpot()
            .env("HOTPOT_API_KEY", API_KEY)
            .env("HOTPOT_API_URL", base)
            .args(["page"])
            .args(TEAM)
            .run();
        run.exits_with(78, "HOTPOT_API_URL");
    }
    // The base of the webhook URL is the API's when HOTPOT_API_URL is unset.
    let run = hotpot()
        .env("HOTPOT_API_KEY", API_KEY)
        .env(
            "HOTPOT_WEBHOOK_URL",
            "http://hotpot.example.com/moment/abcdef123456",
        )
        .args(["page"])
        .args(TEAM)
        .run();
    run.exits_with(78, "HOTPOT_WEBHOOK_URL");
}

#[test]
fn status_lists_a_pages_acknowledgements() {
    let api = Api::start();
    api.state("success", json!([]))
        .acks(json!([ack("ana@example.com"), ack("bo@example.com")]));
    let run = hotpot()
        .env("HOTPOT_API_URL", api.server.uri())
        .env("HOTPOT_API_KEY", API_KEY)
        .args(["status", "req-1"])
        .run();
    run.exits(0);
    assert_eq!(
        run.out,
        "success\nhandled by ana@example.com at 2026-12-06T03:00:00Z\nhandled by bo@example.com at 2026-12-06T03:00:00Z\n"
    );
    let run = hotpot()
        .env("HOTPOT_API_URL", api.server.uri())
        .env("HOTPOT_API_KEY", API_KEY)
        .args(["status", "req-1", "--output", "json"])
        .run();
    let out: Value = serde_json::from_str(&run.out).unwrap();
    assert_eq!(
        out["acknowledgements"][1]["acknowledged_by_email"],
        "bo@example.com"
    );
}

#[test]
fn the_key_is_in_no_output_at_trace() {
    let api = Api::start();
    api.on(
        "POST",
        "/page/team",
        ResponseTemplate::new(401).set_body_string(format!("bad key {API_KEY}")),
    );
    for extra in [&[][..], &["--output", "json"][..]] {
        let run = hotpot()
            .env("HOTPOT_API_URL", api.server.uri())
            .env("HOTPOT_API_KEY", API_KEY)
            .env("RUST_LOG", "trace")
            .arg("page")
            .args(TEAM)
            .args(extra)
            .run();
        run.exits(77);
        assert_no_secret(&run.out, &[API_KEY]);
        assert_no_secret(&run.err, &[API_KEY]);
    }
}

#[test]
fn github_actions_get_annotations_and_the_request_id() {
    let api = Api::start();
    api.queued("/page/team");
    let dir = tempfile::tempdir().unwrap();
    let github_output = dir.path().join("output");
    let run = hotpot()
        .env("HOTPOT_API_URL", api.server.uri())
        .env("HOTPOT_API_KEY", API_KEY)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &github_output)
        .arg("page")
        .args(TEAM)
        .run();
    run.exits(0);
    assert_eq!(
        std::fs::read_to_string(&github_output).unwrap(),
        "request_id=req-1\n"
    );

    let run = hotpot()
        .env("HOTPOT_API_URL", api.server.uri())
        .env("HOTPOT_API_KEY", API_KEY)
        .env("GITHUB_ACTIONS", "true")
        .args(["page", "--team", "a b", "--title", "t", "--text", "x"])
        .run();
    let err = run.exits(65);
    assert!(
        err.lines()
            .any(|l| l.starts_with("::error title=hotpot page::recipient: expected a team slug")),
        "{err}"
    );

    let down = Api::start();
    down.on("POST", "/page/team", ResponseTemplate::new(503));
    let run = hotpot()
        .env("HOTPOT_API_URL", down.server.uri())
        .env("HOTPOT_API_KEY", API_KEY)
        .env("GITHUB_ACTIONS", "true")
        .args(["page", "--retries", "0"])
        .args(TEAM)
        .run();
    let err = run.exits(75);
    assert!(
        err.lines()
            .any(|l| l.starts_with("::warning title=hotpot page::")),
        "{err}"
    );
    assert!(!err.contains("::error"), "{err}");
}
