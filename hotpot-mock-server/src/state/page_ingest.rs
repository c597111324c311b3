//! The page ingest protocol (spec §14), in two short looks at the state with the body read
//! and parsed in between, without the lock, as for moments:
//!
//! 1. [`Shared::admit_page`]: a queued fault, the `Idempotency-Key` replay, the API key's
//!    rate limit.
//! 2. [`Shared::record_page`]: records the page, works out whom it notifies (the directory as
//!    it is at that moment), and remembers the answer for the key.

use std::sync::Arc;

use axum::http::StatusCode;
use bytes::Bytes;
use chrono::{DateTime, TimeDelta, Utc};
use hotpot_protocol::{LenientPage, Problem};
use serde_json::{Map, Value};

use super::idempotency::Answer;
use super::oncall::Directory;
use super::paging::StoredPage;
use super::stream::Item;
use super::{Shared, State, fast_uuid};
use crate::Fault;
use crate::fault::FaultRoute;
use crate::oncall::Team;
use crate::pages::{Notification, NotificationRole, PageKind};

/// What [`Shared::admit_page`] decided.
#[derive(Debug)]
pub(crate) enum PageAdmission {
    /// Read the body and process it.
    Go,
    /// The key was seen on this route within 24 hours: its first answer.
    Replay(Answer),
    /// Over the API key's rate limit: answer 429 (nothing recorded, the key not remembered).
    Limited { retry_after: u64 },
}

/// What the HTTP layer made of a page request it read.
pub(crate) enum PageOutcome {
    /// Answered before the fields (400, 413, 415): not a page, nothing recorded.
    Refused(Answer),
    /// A JSON object, checked against the §14 field rules.
    Parsed {
        body: Map<String, Value>,
        parsed: LenientPage,
    },
}

impl State {
    /// The first queued fault for a page request (one without a token, for pages or both).
    pub(super) fn take_page_fault(&mut self) -> Option<Fault> {
        self.take_first_fault(|f| f.token.is_none() && f.route != Some(FaultRoute::Moments))
    }
}

impl Shared {
    /// The queued fault that hits this page request, if any.
    pub(crate) fn take_page_fault(&self) -> Option<Fault> {
        self.lock().take_page_fault()
    }

    /// The first look at an authenticated page request: replay, then the rate limit.
    pub(crate) fn admit_page(
        &self,
        kind: PageKind,
        key: Option<&str>,
    ) -> (DateTime<Utc>, PageAdmission) {
        let mut guard = self.lock();
        let state = &mut *guard;
        let now = state.clock.now();
        if let Some(answer) = key.and_then(|k| state.paging.replay(kind, k, now)) {
            return (now, PageAdmission::Replay(answer));
        }
        if let Some(per_second) = self.config.rate_limit
            && let Err(retry_after) = state.paging.bucket.take(per_second, now)
        {
            return (now, PageAdmission::Limited { retry_after });
        }
        (now, PageAdmission::Go)
    }

    /// Records what the HTTP layer made of an admitted page request and returns the answer
    /// to give (the remembered one, and `true`, when a concurrent request with the same key
    /// got there first: then nothing is recorded).
    pub(crate) fn record_page(
        &self,
        kind: PageKind,
        key: Option<&str>,
        received_at: DateTime<Utc>,
        outcome: PageOutcome,
    ) -> (Answer, bool) {
        let mut guard = self.lock();
        let state = &mut *guard;
        if let Some(answer) = key.and_then(|k| state.paging.replay(kind, k, received_at)) {
            return (answer, true);
        }
        let answer = match outcome {
            PageOutcome::Refused(answer) => answer,
            PageOutcome::Parsed { body, parsed } => {
                let page = process(kind, &body, parsed, received_at, &state.paging.directory);
                let answer = match (&page.field_problems, self.config.strict) {
                    (Some(problems), true) => unprocessable(problems),
                    _ => Answer::Queued(page.stored.request_id),
                };
                let told = page.stored.to_json(received_at);
                state.paging.push(page.stored);
                state.publish(Item::Page(Arc::new(told)));
                answer
            }
        };
        if let Some(key) = key {
            state
                .paging
                .remember(kind, key, answer.clone(), received_at);
        }
        drop(guard);
        self.changed.notify_waiters();
        (answer, false)
    }
}

/// 422 `{"error": "Unprocessable Entity", "details": [...]}`.
fn unprocessable(problems: &[Problem]) -> Answer {
    let body = serde_json::json!({"error": "Unprocessable Entity", "details": problems});
    Answer::Other {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        body: Bytes::from(serde_json::to_vec(&body).unwrap_or_default()),
    }
}

/// A processed page, and its field problems (for strict mode's 422).
struct Processed {
    stored: StoredPage,
    field_problems: Option<Vec<Problem>>,
}

/// Processes a page at once, as the mock does: the fields, then the recipient.
fn process(
    kind: PageKind,
    body: &Map<String, Value>,
    parsed: LenientPage,
    received_at: DateTime<Utc>,
    directory: &Directory,
) -> Processed {
    let text = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_owned);
    let mut stored = StoredPage {
        request_id: fast_uuid(),
        id: None,
        kind,
        recipient: text("recipient"),
        title: text("title"),
        text: text("text"),
        urgency: text("urgency").or_else(|| Some("medium".to_owned())),
        source_url: text("source_url"),
        received_at,
        errors: Vec::new(),
        warnings: parsed.warnings,
        plan: Vec::new(),
        acknowledgements: Vec::new(),
    };
    let request = match parsed.request {
        Ok(request) => request,
        Err(err) => {
            let problems = err.problems().to_vec();
            stored.errors = problems.clone();
            return Processed {
                stored,
                field_problems: Some(problems),
            };
        }
    };
    let page = request.page();
    stored.urgency = Some(page.urgency().map_or("medium", |u| u.as_str()).to_owned());
    let recipient = request.recipient().as_str();
    let plan = match kind {
        PageKind::Person => match directory.user(recipient) {
            Some(user) => Ok(vec![Notification {
                email: user.email.clone(),
                at: received_at,
                role: NotificationRole::Person,
                stage: None,
            }]),
            None => Err(format!(
                "expected the e-mail of a known user, found {recipient:?} (no user has it)"
            )),
        },
        PageKind::Team => match directory.team(recipient) {
            Some(team) => Ok(team_plan(team, received_at)),
            None => Err(format!(
                "expected the slug of a known team, found {recipient:?} (no team has it)"
            )),
        },
    };
    match plan {
        Ok(plan) if plan.first().is_some_and(|n| n.at == received_at) => {
            stored.plan = plan;
            stored.id = Some(fast_uuid());
        }
        Ok(_) => {
            stored.errors = vec![Problem::new(
                "recipient",
                format!(
                    "expected a team with someone to notify, found the team {recipient:?} with no stage, copy or backstop"
                ),
            )];
        }
        Err(message) => stored.errors = vec![Problem::new("recipient", message)],
    }
    Processed {
        stored,
        field_problems: None,
    }
}

/// Everyone a team page notifies if nobody handles it, in the order they are due: the first
/// stage and the copy list at once, each next stage `escalate_after_s` later, then the
/// backstop once more; each person once.
fn team_plan(team: &Team, received_at: DateTime<Utc>) -> Vec<Notification> {
    let step = TimeDelta::seconds(team.escalate_after_s as i64);
    // Stage n (from 0) is due n steps after the page came; the backstop one step after the last.
    let due = |n: usize| received_at + step * n as i32;
    let mut plan: Vec<Notification> = Vec::new();
    let mut add = |email: &str, at, role, stage| {
        if !plan.iter().any(|n| n.email.eq_ignore_ascii_case(email)) {
            let email = email.to_owned();
            plan.push(Notification {
                email,
                at,
                role,
                stage,
            });
        }
    };
    let stage = |i: usize| Some(i as u32 + 1);
    for email in team.stages.first().into_iter().flatten() {
        add(email, due(0), NotificationRole::Stage, stage(0));
    }
    for email in &team.copy {
        add(email, due(0), NotificationRole::Copy, None);
    }
    for (i, members) in team.stages.iter().enumerate().skip(1) {
        for email in members {
            add(email, due(i), NotificationRole::Stage, stage(i));
        }
    }
    if let Some(backstop) = &team.backstop {
        add(
            backstop,
            due(team.stages.len()),
            NotificationRole::Backstop,
            None,
        );
    }
    plan
}
