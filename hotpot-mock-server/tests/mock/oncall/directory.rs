//! Users and teams: every answer of `/_mock/users` and `/_mock/teams`, the default directory,
//! the builder's directory, `--oncall FILE`, and `POST /_mock/reset {"oncall": true}`.

use std::process::{Command, Stdio};

use hotpot_mock_server::{Error, MockServer, NewTeam, NewUser, OncallDirectory};
use serde_json::json;

use crate::support::{delete, get, http, post_json};

#[tokio::test]
async fn the_default_directory_is_one_user_and_one_team() {
    let server = MockServer::start().await.unwrap();
    let http = http();
    let users = get(&http, &format!("{}/_mock/users", server.url())).await;
    assert_eq!(users.status, 200);
    let [user] = users.json["users"].as_array().unwrap().as_slice() else {
        panic!("{}", users.text)
    };
    assert_eq!(user["email"], "oncall@example.com");
    assert_eq!(user["name"], "oncall");
    assert!(user["id"].as_str().is_some_and(|id| !id.is_empty()));
    let teams = get(&http, &format!("{}/_mock/teams", server.url())).await;
    assert_eq!(
        teams.json,
        json!({"teams": [{"slug": "default", "name": "default",
            "stages": [["oncall@example.com"]], "backstop": null,
            "escalate_after_s": 300, "copy": []}]})
    );
}

#[tokio::test]
async fn users_are_added_with_defaults_and_refused_with_reasons() {
    let server = MockServer::start().await.unwrap();
    let http = http();
    let url = format!("{}/_mock/users", server.url());
    let made = post_json(&http, &url, &json!({"email": "Ada@Example.com"})).await;
    assert_eq!(made.status, 201, "{}", made.text);
    assert_eq!(made.json["email"], "Ada@Example.com");
    assert_eq!(made.json["name"], "Ada", "the part before @");
    let named = post_json(
        &http,
        &url,
        &json!({"email": "b@example.com", "name": "Bea"}),
    )
    .await;
    assert_eq!((named.status, &named.json["name"]), (201, &json!("Bea")));

    let again = post_json(&http, &url, &json!({"email": "ada@example.COM"})).await;
    assert_eq!(again.status, 409, "e-mails compare without regard to case");
    assert!(again.message().contains("already in use"), "{}", again.text);
    let missing = post_json(&http, &url, &json!({"name": "Nobody"})).await;
    assert_eq!(missing.status, 400);
    assert!(
        missing.message().starts_with("email: required"),
        "{}",
        missing.text
    );
    let bad = post_json(&http, &url, &json!({"email": "not-an-address"})).await;
    assert_eq!(bad.status, 400);
    assert!(bad.message().starts_with("email: expected"), "{}", bad.text);
    let unknown = post_json(&http, &url, &json!({"email": "c@example.com", "mail": 1})).await;
    assert_eq!(unknown.status, 400);
    assert!(
        unknown.message().starts_with("mail: unknown field"),
        "{}",
        unknown.text
    );
    let typed = post_json(&http, &url, &json!({"email": 7})).await;
    assert_eq!(
        typed.message(),
        "email: expected a string, found a number (7)"
    );
    let query = post_json(
        &http,
        &format!("{url}?x=1"),
        &json!({"email": "c@example.com"}),
    )
    .await;
    assert_eq!(query.status, 400, "unknown query parameter");

    let users = server.users();
    let emails: Vec<&str> = users.iter().map(|u| u.email.as_str()).collect();
    assert_eq!(
        emails,
        ["oncall@example.com", "Ada@Example.com", "b@example.com"]
    );
}

#[tokio::test]
async fn teams_name_known_users_only() {
    let server = MockServer::start().await.unwrap();
    let http = http();
    let url = format!("{}/_mock/teams", server.url());
    server.add_user(NewUser::new("ada@example.com")).unwrap();
    server.add_user(NewUser::new("bob@example.com")).unwrap();

    let team = json!({"slug": "payments", "name": "Payments", "stages": [["ADA@example.com"], ["bob@example.com"]],
        "backstop": "oncall@example.com", "escalate_after_s": 60, "copy": ["bob@example.com"]});
    let made = post_json(&http, &url, &team).await;
    assert_eq!(made.status, 201, "{}", made.text);
    assert_eq!(
        made.json,
        json!({"slug": "payments", "name": "Payments", "stages": [["ada@example.com"], ["bob@example.com"]],
            "backstop": "oncall@example.com", "escalate_after_s": 60, "copy": ["bob@example.com"]}),
        "e-mails are kept as their users spell them"
    );
    let defaults = post_json(&http, &url, &json!({"slug": "quiet", "stages": []})).await;
    assert_eq!(
        defaults.json,
        json!({"slug": "quiet", "name": "quiet", "stages": [], "backstop": null,
            "escalate_after_s": 300, "copy": []})
    );

    let cases = [
        (
            json!({"slug": "payments", "stages": []}),
            409,
            "slug: expected a slug no team has",
        ),
        (
            json!({"slug": "Payments", "stages": [["nobody@example.com"]]}),
            400,
            "stages[0][0]: expected the e-mail of a known user",
        ),
        (
            json!({"slug": "x", "stages": [], "backstop": "nobody@example.com"}),
            400,
            "backstop: expected the e-mail of a known user",
        ),
        (
            json!({"slug": "x", "stages": [], "copy": ["ada@example.com", "z@example.com"]}),
            400,
            "copy[1]: expected the e-mail of a known user",
        ),
        (json!({"slug": "x"}), 400, "stages: required"),
        (json!({"stages": []}), 400, "slug: required"),
        (
            json!({"slug": "two words", "stages": []}),
            400,
            "slug: expected a team slug",
        ),
        (
            json!({"slug": "x", "stages": [[]]}),
            400,
            "stages[0]: expected at least one e-mail address",
        ),
        (
            json!({"slug": "x", "stages": ["ada@example.com"]}),
            400,
            "stages[0]: expected a list of e-mail addresses",
        ),
        (
            json!({"slug": "x", "stages": [], "escalate_after_s": -1}),
            400,
            "escalate_after_s: expected a whole number from 0 to 604800",
        ),
        (
            json!({"slug": "x", "stages": [], "escalation": 1}),
            400,
            "escalation: unknown field",
        ),
    ];
    for (body, status, message) in cases {
        let answer = post_json(&http, &url, &body).await;
        assert_eq!(answer.status, status, "{body}: {}", answer.text);
        assert!(
            answer.message().starts_with(message),
            "{body}: {}",
            answer.text
        );
    }
    let slugs: Vec<String> = server.teams().into_iter().map(|t| t.slug).collect();
    assert_eq!(
        slugs,
        ["default", "payments", "quiet"],
        "a refused team is not added"
    );
}

#[tokio::test]
async fn deleting_users_and_teams() {
    let server = MockServer::start().await.unwrap();
    let http = http();
    let base = server.url();
    server.add_user(NewUser::new("ada@example.com")).unwrap();
    let named = delete(&http, &format!("{base}/_mock/users/oncall@example.com")).await;
    assert_eq!(named.status, 409, "the default team names it");
    assert!(named.message().contains("default"), "{}", named.text);
    let gone = delete(&http, &format!("{base}/_mock/users/ADA%40example.com")).await;
    assert_eq!(gone.status, 204, "{}", gone.text);
    assert_eq!(
        delete(&http, &format!("{base}/_mock/users/ada@example.com"))
            .await
            .status,
        404
    );
    assert_eq!(
        delete(&http, &format!("{base}/_mock/teams/Default"))
            .await
            .status,
        404,
        "slugs compare exactly"
    );
    assert_eq!(
        delete(&http, &format!("{base}/_mock/teams/default"))
            .await
            .status,
        204
    );
    assert_eq!(
        delete(&http, &format!("{base}/_mock/teams/default"))
            .await
            .status,
        404
    );
    assert_eq!(
        delete(&http, &format!("{base}/_mock/users/oncall@example.com"))
            .await
            .status,
        204
    );
    assert!(server.users().is_empty() && server.teams().is_empty());
}

#[tokio::test]
async fn reset_with_oncall_puts_the_starting_directory_back() {
    let server = MockServer::start().await.unwrap();
    let http = http();
    let base = server.url();
    server.add_user(NewUser::new("ada@example.com")).unwrap();
    server.delete_team("default").unwrap();
    let plain = post_json(&http, &format!("{base}/_mock/reset"), &json!({})).await;
    assert_eq!(plain.status, 204);
    assert_eq!(server.users().len(), 2, "a plain reset keeps the directory");
    assert!(server.teams().is_empty());
    let default_id = server.users()[0].id.clone();
    let full = post_json(
        &http,
        &format!("{base}/_mock/reset"),
        &json!({"oncall": true}),
    )
    .await;
    assert_eq!(full.status, 204, "{}", full.text);
    let users = server.users();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].id, default_id, "the same user, id included");
    assert_eq!(server.teams()[0].slug, "default");
    let typed = post_json(
        &http,
        &format!("{base}/_mock/reset"),
        &json!({"oncall": "yes"}),
    )
    .await;
    assert_eq!(typed.status, 400);
}

#[tokio::test]
async fn a_builder_directory_replaces_the_default_one() {
    let server = MockServer::builder()
        .team(NewTeam::new("ops", [["ada@example.com"]]).copy(["bob@example.com"]))
        .user(NewUser::new("ada@example.com").name("Ada"))
        .user(NewUser::new("bob@example.com"))
        .start()
        .await
        .unwrap();
    let emails: Vec<String> = server.users().into_iter().map(|u| u.email).collect();
    assert_eq!(
        emails,
        ["ada@example.com", "bob@example.com"],
        "no default user"
    );
    let teams = server.teams();
    assert_eq!((teams.len(), teams[0].slug.as_str()), (1, "ops"));
    // Added later, the default team stays away; reset puts the builder's directory back.
    server.add_user(NewUser::new("cy@example.com")).unwrap();
    server.reset_oncall();
    assert_eq!(server.users().len(), 2);

    let bad = MockServer::builder()
        .team(NewTeam::new("ops", [["nobody@example.com"]]))
        .start()
        .await
        .unwrap_err();
    assert!(matches!(bad, Error::BadRequest(_)), "{bad}");
    assert!(bad.to_string().contains("stages[0][0]"), "{bad}");
    let empty = MockServer::builder()
        .oncall(OncallDirectory::default())
        .start()
        .await
        .unwrap();
    assert!(
        empty.users().is_empty() && empty.teams().is_empty(),
        "an empty directory is a directory"
    );
}

#[test]
fn oncall_documents_say_where_they_are_wrong() {
    let err =
        OncallDirectory::from_json(r#"{"users": [{"email": "a@example.com"}, {"name": "x"}]}"#)
            .unwrap_err();
    assert_eq!(
        err.to_string(),
        "users[1].email: required: expected an e-mail address, found nothing"
    );
    let err = OncallDirectory::from_json(r#"{"teams": {}}"#).unwrap_err();
    assert_eq!(
        err.to_string(),
        "teams: expected a list of objects, found an object"
    );
    assert!(
        OncallDirectory::from_json("[")
            .unwrap_err()
            .to_string()
            .contains("not JSON")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_reads_its_directory_from_a_file() {
    let dir = std::env::temp_dir().join(format!("hotpot-oncall-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("oncall.json");
    std::fs::write(
        &good,
        r#"{"users": [{"email": "ada@example.com", "name": "Ada"}],
            "teams": [{"slug": "ops", "stages": [["ada@example.com"]], "escalate_after_s": 30}]}"#,
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_hotpot-mock-server"))
        .args(["--port", "0", "--oncall"])
        .arg(&good)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.as_mut().unwrap()),
        &mut line,
    )
    .unwrap();
    let base = line
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();
    let teams = get(&http(), &format!("{base}/_mock/teams")).await;
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(teams.json["teams"][0]["slug"], "ops", "{}", teams.text);
    assert_eq!(teams.json["teams"][0]["escalate_after_s"], 30);
    assert_eq!(
        teams.json["teams"].as_array().unwrap().len(),
        1,
        "no default team"
    );

    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        r#"{"teams": [{"slug": "ops", "stages": [["nobody@example.com"]]}]}"#,
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_hotpot-mock-server"))
        .args(["--port", "0", "--oncall"])
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("teams[0].stages[0][0]: expected the e-mail of a known user"),
        "{stderr}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_hotpot-mock-server"))
        .args(["--port", "0", "--oncall", "/nonexistent/oncall.json"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/oncall.json"));
    let _ = std::fs::remove_dir_all(&dir);
}
