//! The admin API of spec §7 over real HTTP: health, the OpenAPI description, unknown
//! routes and rejected input here; webhooks, events and moments, and the clock and reset in
//! the submodules.

mod control;
mod events;
mod webhooks;

use std::time::{Duration, Instant};

use hotpot_mock_server::{MockServer, OPENAPI_JSON};
use serde_json::{Value, json};

use crate::support;
use crate::support::{Answer, delete, get, http, patch_json, post_json, post_moment, post_raw};

async fn server() -> MockServer {
    support::server_with_token("default-token-123").await
}

/// A fresh server, a client, and the URL of its admin route `/_mock/{route}`.
async fn at_route(route: &str) -> (MockServer, reqwest::Client, String) {
    let server = server().await;
    let url = format!("{}/_mock/{route}", server.url());
    (server, http(), url)
}

async fn send(http: &reqwest::Client, url: &str, name: &str, kind: &str) -> Answer {
    post_json(http, url, &json!({"name": name, "type": kind})).await
}

fn assert_bad(a: &Answer, expected: &str) {
    assert_eq!(a.status, 400, "{}", a.text);
    assert_eq!(a.json["error"], "Bad Request");
    let message = a.json["message"].as_str().unwrap();
    assert!(
        message.contains(expected),
        "{message:?} should contain {expected:?}"
    );
}

#[tokio::test]
async fn health_openapi_and_unknown_routes() {
    let server = server().await;
    let http = http();
    let a = get(&http, &format!("{}/_mock/health", server.url())).await;
    assert_eq!((a.status, a.json), (200, json!({"status": "ok"})));
    let spec = get(&http, &format!("{}/_mock/openapi.json", server.url())).await;
    assert_eq!(spec.status, 200);
    let mut committed = serde_json::from_str::<Value>(OPENAPI_JSON).unwrap();
    committed["servers"] = json!([{"url": server.url(), "description": "this mock server"}]);
    assert_eq!(spec.json, committed);
    assert_eq!(spec.json["openapi"], "3.0.3");
    let nope = get(&http, &format!("{}/nope", server.url())).await;
    assert_eq!(
        (nope.status, nope.json),
        (404, json!({"error": "Not Found"}))
    );
    let wrong = post_raw(&http, &format!("{}/_mock/health", server.url()), None, "").await;
    assert_eq!(wrong.status, 405);
    assert_eq!(wrong.json, json!({"error": "Method Not Allowed"}));
    assert_eq!(wrong.headers["allow"], "GET,HEAD");
}

#[tokio::test]
async fn openapi_describes_every_route_and_the_record_shapes() {
    let spec: Value = serde_json::from_str(OPENAPI_JSON).unwrap();
    let routes = [
        ("/moment/{token}", "post"),
        ("/moment/{token}/{integration}", "post"),
        ("/request/{request_id}/status", "get"),
        ("/", "get"),
        ("/_mock/health", "get"),
        ("/_mock/openapi.json", "get"),
        ("/_mock/webhooks", "get"),
        ("/_mock/webhooks", "post"),
        ("/_mock/webhooks/{token}", "get"),
        ("/_mock/webhooks/{token}", "patch"),
        ("/_mock/webhooks/{token}", "delete"),
        ("/_mock/events", "get"),
        ("/_mock/events/{id}", "get"),
        ("/_mock/events/{id}/retry", "post"),
        ("/_mock/moments", "get"),
        ("/_mock/requests", "get"),
        ("/_mock/faults", "get"),
        ("/_mock/faults", "post"),
        ("/_mock/faults", "delete"),
        ("/_mock/clock", "get"),
        ("/_mock/clock", "post"),
        ("/_mock/clock", "delete"),
        ("/_mock/reset", "post"),
        ("/_mock/webhooks/{token}/senders", "get"),
        ("/_mock/rejected", "get"),
        ("/_mock/stream", "get"),
        ("/_mock/expect", "post"),
    ];
    for (path, method) in routes {
        assert!(
            spec["paths"][path][method].is_object(),
            "{method} {path} undocumented"
        );
    }
    let documented: usize = spec["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| {
            p.as_object()
                .unwrap()
                .keys()
                .filter(|k| *k != "parameters" && *k != "description")
                .count()
        })
        .sum();
    assert_eq!(
        documented,
        routes.len(),
        "a documented operation does not exist"
    );

    // The record schemas list exactly the fields the server sends.
    let server = server().await;
    let http = http();
    send(&http, &server.webhook_url(), "x", "alert").await;
    let required = |name: &str| -> Vec<String> {
        let mut fields: Vec<String> = spec["components"]["schemas"][name]["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        fields.sort();
        fields
    };
    let keys = |v: Value| -> Vec<String> {
        let mut keys: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    assert_eq!(
        keys(serde_json::to_value(&server.events()[0]).unwrap()),
        required("Event")
    );
    assert_eq!(
        keys(serde_json::to_value(&server.moments()[0]).unwrap()),
        required("Moment")
    );
    assert_eq!(
        keys(serde_json::to_value(&server.webhooks()[0]).unwrap()),
        required("Webhook")
    );
    assert_eq!(
        keys(serde_json::to_value(&server.requests()[0]).unwrap()),
        required("RecordedRequest")
    );
}

#[tokio::test]
async fn extractor_rejections_are_json_too() {
    let server = server().await;
    let http = http();
    let bad_path = get(&http, &format!("{}/_mock/webhooks/%FF%FE", server.url())).await;
    assert_eq!(bad_path.status, 400);
    assert_eq!(bad_path.headers["content-type"], "application/json");
    assert!(
        bad_path.json["message"]
            .as_str()
            .unwrap()
            .starts_with("path: ")
    );
    let huge = "x".repeat(3 * 1024 * 1024);
    let too_big = post_raw(&http, &format!("{}/_mock/faults", server.url()), None, huge).await;
    assert_eq!(too_big.status, 413);
    assert_eq!(too_big.json["error"], "Payload Too Large");
    let status = support::request_status(server.url(), "%FF", Some(server.api_key())).await;
    assert_eq!(
        (status.status, status.json),
        (404, json!({"error": "Not Found"}))
    );
}

#[tokio::test]
async fn openapi_examples_license_and_security_scheme() {
    let spec: Value = serde_json::from_str(OPENAPI_JSON).unwrap();
    assert_eq!(spec["info"]["license"]["name"], "MIT");
    assert_eq!(
        spec["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert_eq!(
        spec["paths"]["/request/{request_id}/status"]["get"]["security"],
        json!([{"bearer": []}])
    );
    // Each example names the schema's required fields and nothing it does not describe.
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    let mut with_examples = 0;
    for (name, schema) in schemas {
        let Some(example) = schema.get("example") else {
            continue;
        };
        with_examples += 1;
        let example = example.as_object().unwrap();
        for field in schema["required"].as_array().into_iter().flatten() {
            let field = field.as_str().unwrap();
            assert!(
                example.contains_key(field),
                "{name}'s example lacks {field}"
            );
        }
        let properties = schema["properties"].as_object().unwrap();
        for key in example.keys() {
            assert!(properties.contains_key(key), "{name}'s example has {key}");
        }
    }
    assert!(with_examples >= 10, "{with_examples} schemas with examples");
    // The record examples are what the server sends: the same fields as a real record.
    let server = server().await;
    let http = http();
    send(&http, &server.webhook_url(), "x", "alert").await;
    let keys = |v: &Value| -> Vec<String> {
        let mut keys: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    for (name, record) in [
        ("Event", serde_json::to_value(&server.events()[0]).unwrap()),
        (
            "Moment",
            serde_json::to_value(&server.moments()[0]).unwrap(),
        ),
        (
            "Webhook",
            serde_json::to_value(&server.webhooks()[0]).unwrap(),
        ),
        (
            "RecordedRequest",
            serde_json::to_value(&server.requests()[0]).unwrap(),
        ),
    ] {
        assert_eq!(keys(&schemas[name]["example"]), keys(&record), "{name}");
    }
}
