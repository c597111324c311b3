//! Teams (`/teams`, spec §14 and §15): each team with who is on call now (its first stage), its
//! stages, backstop, copy list and the time between stages; and the users pages can reach.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};

use super::html_page;
use super::layout::{self, Root, Section};
use crate::oncall::{Team, User};
use crate::state::Shared;

/// `GET /teams`.
pub(crate) async fn view(State(shared): State<Arc<Shared>>) -> Response {
    html_page(StatusCode::OK, render(&shared.teams(), &shared.users()))
}

/// The Teams view of `teams` and `users`.
pub(crate) fn render(teams: &[Team], users: &[User]) -> Markup {
    let body = html! {
        p {
            "Who pages reach. A team page notifies the first stage and the copy list at once, each "
            "next stage after the team's delay (on the mock's clock), then the backstop, until "
            "someone marks it handled on the " a href="./pages" { "Pages" } " view. As JSON: "
            a href="./_mock/teams" { "_mock/teams" } ", " a href="./_mock/users" { "_mock/users" } "."
        }
        @if teams.is_empty() {
            p { "No teams." }
        }
        @for team in teams { (team_section(team)) }
        h2 { "Users" }
        @if users.is_empty() {
            p { "No users." }
        } @else {
            table.users {
                caption { "Users pages can reach" }
                thead { tr { th scope="col" { "Name" } th scope="col" { "E-mail" } th scope="col" { "Id" } } }
                tbody {
                    @for u in users {
                        tr { td { (u.name) } td { (u.email) } td { code { (u.id) } } }
                    }
                }
            }
        }
    };
    layout::page("Teams", Section::Teams, Root::TOP, body)
}

/// `a@example.com, b@example.com`, or `nobody`.
fn people(emails: &[String]) -> String {
    if emails.is_empty() {
        "nobody".to_owned()
    } else {
        emails.join(", ")
    }
}

fn team_section(team: &Team) -> Markup {
    let on_call = team.stages.first().map(Vec::as_slice).unwrap_or_default();
    html! {
        section.team id=(format!("team-{}", team.slug)) aria-labelledby=(format!("team-{}-name", team.slug)) {
            h2 id=(format!("team-{}-name", team.slug)) { (team.name) " " span.meta { "(" code { (team.slug) } ")" } }
            dl.facts {
                dt { "On call now" } dd.oncall { (people(on_call)) }
                dt { "Escalates after" } dd { (team.escalate_after_s) " s" }
                dt { "Backstop" } dd { (team.backstop.as_deref().unwrap_or("none")) }
                dt { "Copy" } dd { (people(&team.copy)) }
            }
            @if team.stages.is_empty() {
                p { "No stages." }
            } @else {
                ol.stages aria-label=(format!("Stages of {}", team.name)) {
                    @for (i, stage) in team.stages.iter().enumerate() {
                        li { "Stage " (i + 1) ": " (people(stage)) }
                    }
                }
            }
        }
    }
}
