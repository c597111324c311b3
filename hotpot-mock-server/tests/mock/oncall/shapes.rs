//! The OpenAPI description's page, user, team, notification and acknowledgement schemas list
//! exactly the fields the server sends.

use hotpot_mock_server::{MockServer, OPENAPI_JSON};
use serde_json::Value;

use super::support::{body, page, request_id};

fn required(spec: &Value, name: &str) -> Vec<String> {
    let mut fields: Vec<String> = spec["components"]["schemas"][name]["required"]
        .as_array()
        .unwrap_or_else(|| panic!("{name} has required fields"))
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    fields.sort();
    fields
}

fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

#[tokio::test]
async fn the_schemas_name_every_field_sent() {
    let spec: Value = serde_json::from_str(OPENAPI_JSON).unwrap();
    let server = MockServer::start().await.unwrap();
    let id = request_id(&page(&server, "team", &body("default"), &[]).await);
    let ack = server.acknowledge(&id, "oncall@example.com").unwrap();
    let recorded = serde_json::to_value(server.page(&id).unwrap()).unwrap();
    assert_eq!(keys(&recorded), required(&spec, "Page"));
    assert_eq!(
        keys(&recorded["notified"][0]),
        required(&spec, "Notification")
    );
    let ack = serde_json::to_value(ack).unwrap();
    assert_eq!(keys(&ack), required(&spec, "Acknowledgement"));
    let user = serde_json::to_value(&server.users()[0]).unwrap();
    assert_eq!(keys(&user), required(&spec, "User"));
    let team = serde_json::to_value(&server.teams()[0]).unwrap();
    assert_eq!(keys(&team), required(&spec, "Team"));
}
