//! The console's Pages and Teams views (spec §14, §15) over real HTTP: escaping of what a page
//! says, who was notified, the "Mark handled" form with its `303`, and the teams' on-call.
//! (The same views in a real browser: tests/python/console/test_pages.py.)

use std::time::Duration;

use hotpot_mock_server::{MockServer, NewTeam, NewUser};
use serde_json::json;

use crate::console::post_form;
use crate::support::{assert_contains_all, get, http, ops_in_two_stages, page};

#[tokio::test]
async fn the_pages_view_escapes_what_a_page_says_and_shows_who_was_notified() {
    let first = NewUser::new("a@example.com").name("Ann <admin>");
    let server = ops_in_two_stages(first, Duration::from_secs(60)).await;
    server.set_clock("2026-12-06T03:00:00Z".parse().unwrap());
    let http = http();
    let first = page(
        &server,
        "team",
        &json!({"title": "Disk <script>alert(1)</script>", "text": "x </pre><script>y()</script>",
                "recipient": "ops", "urgency": "HIGH", "source_url": "https://ci.example/run?a=1&b=2"}),
    )
    .await;
    server.advance_clock(Duration::from_secs(60));
    let second = page(
        &server,
        "person",
        &json!({"title": "Unknown", "text": "t", "recipient": "nobody@example.com"}),
    )
    .await;
    let html = get(&http, &format!("{}/pages", server.url())).await.text;
    assert!(!html.contains("<script>"), "{html}");
    assert_contains_all(
        &html,
        &[
            "<main id=\"main\" tabindex=\"-1\"><h1>Pages</h1>",
            "<a href=\"./pages\" aria-current=\"page\">Pages</a>",
            "<a href=\"./teams\">Teams</a>",
            "Disk &lt;script&gt;alert(1)&lt;/script&gt;",
            "x &lt;/pre&gt;&lt;script&gt;y()&lt;/script&gt;",
            "<a href=\"https://ci.example/run?a=1&amp;b=2\" rel=\"nofollow noopener noreferrer\">",
            "<dd>high</dd>",
            // Both stages by now, on the mock's clock.
            "<td>a@example.com</td><td>stage</td><td>1</td><td>2026-12-06T03:00:00Z</td>",
            "<td>b@example.com</td><td>stage</td><td>2</td><td>2026-12-06T03:01:00Z</td>",
            "Nobody has handled it yet.",
            "<option value=\"a@example.com\">Ann &lt;admin&gt; &lt;a@example.com&gt;</option>",
            "<form class=\"ack\" method=\"post\" action=\"./pages/ack\">",
            &format!("<input type=\"hidden\" name=\"id\" value=\"{first}\">"),
            &format!("<label for=\"page-{first}-email\">Handled by</label>"),
        ],
    );
    // Newest first; the page that reached nobody says why and has no form.
    let at = |id: &str| html.find(&format!("id=\"page-{id}\"")).unwrap();
    assert!(at(&second) < at(&first));
    let error_item = &html[at(&second)..at(&first)];
    assert!(
        error_item.contains("<span class=\"flag\">error</span>"),
        "{error_item}"
    );
    assert!(error_item.contains("Nobody was notified."), "{error_item}");
    assert!(!error_item.contains("<form"), "{error_item}");
}

#[tokio::test]
async fn mark_handled_posts_a_form_and_comes_back_to_the_page() {
    let server = MockServer::start().await.unwrap();
    let id = page(
        &server,
        "team",
        &json!({"title": "T", "text": "t", "recipient": "default"}),
    )
    .await;
    let url = format!("{}/pages/ack", server.url());
    let a = post_form(&url, &[("id", &id), ("email", "oncall@example.com")]).await;
    assert_eq!(a.status, 303, "{}", a.text);
    assert_eq!(
        a.headers["location"],
        format!("../pages#page-{id}").as_str()
    );
    let acks = &server.page(&id).unwrap().acknowledgements;
    assert_eq!(acks.len(), 1);
    assert_eq!(acks[0].email, "oncall@example.com");
    let html = get(&http(), &format!("{}/pages", server.url())).await.text;
    assert!(html.contains("Handled by oncall@example.com at "), "{html}");
    assert!(!html.contains("Nobody has handled it yet."));
    // Again by the same person: still one record, and back to the page.
    let again = post_form(&url, &[("id", &id), ("email", "OnCall@example.com")]).await;
    assert_eq!(again.status, 303);
    assert_eq!(server.page(&id).unwrap().acknowledgements.len(), 1);

    // An unknown user or page says why, as a page of the console's with a way back.
    let who = post_form(&url, &[("id", &id), ("email", "x@example.com")]).await;
    assert_eq!(who.status, 400);
    assert_contains_all(
        &who.text,
        &[
            "<h1>The page was not marked handled</h1>",
            "email: expected the e-mail of a known user",
            "<a href=\"../pages\">Back</a>",
        ],
    );
    let missing = post_form(&url, &[("id", "nope<b>"), ("email", "oncall@example.com")]).await;
    assert_eq!(missing.status, 404);
    assert!(
        missing
            .text
            .contains("no page with the request id &quot;nope&lt;b&gt;&quot;"),
        "{}",
        missing.text
    );
}

#[tokio::test]
async fn the_teams_view_shows_who_is_on_call_now_and_the_users() {
    let server = MockServer::start().await.unwrap();
    server
        .add_user(NewUser::new("b@example.com").name("Bea <ops>"))
        .unwrap();
    server.add_user(NewUser::new("c@example.com")).unwrap();
    server
        .add_team(
            NewTeam::new("db<1>", [vec!["b@example.com"], vec!["c@example.com"]])
                .backstop("oncall@example.com")
                .copy(["c@example.com"])
                .escalate_after(Duration::from_secs(90)),
        )
        .unwrap_err();
    server
        .add_team(
            NewTeam::new("db", [vec!["b@example.com"], vec!["c@example.com"]])
                .name("Data <base>")
                .backstop("oncall@example.com")
                .copy(["c@example.com"])
                .escalate_after(Duration::from_secs(90)),
        )
        .unwrap();
    let html = get(&http(), &format!("{}/teams", server.url())).await.text;
    assert!(!html.contains("<base>"), "{html}");
    assert_contains_all(
        &html,
        &[
            "<main id=\"main\" tabindex=\"-1\"><h1>Teams</h1>",
            "<a href=\"./teams\" aria-current=\"page\">Teams</a>",
            // The default team: its one stage is on call.
            "<h2 id=\"team-default-name\">",
            "<dt>On call now</dt><dd class=\"oncall\">oncall@example.com</dd>",
            "<dt>Escalates after</dt><dd>300 s</dd>",
            // The added one: the first stage is on call, the rest in order.
            "Data &lt;base&gt;",
            "<dt>On call now</dt><dd class=\"oncall\">b@example.com</dd>",
            "<dt>Escalates after</dt><dd>90 s</dd>",
            "<dt>Backstop</dt><dd>oncall@example.com</dd>",
            "<dt>Copy</dt><dd>c@example.com</dd>",
            "<li>Stage 1: b@example.com</li><li>Stage 2: c@example.com</li>",
            "<h2>Users</h2>",
            "<td>Bea &lt;ops&gt;</td><td>b@example.com</td>",
        ],
    );
}
