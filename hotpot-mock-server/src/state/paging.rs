//! Pages (spec §14): the on-call directory, the recorded pages, their `Idempotency-Key`s and
//! the API key's rate-limit bucket, as one part of the state; and the reads of pages (the
//! notifications due by the mock's clock are worked out when a page is read).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use hotpot_protocol::page::rules;
use hotpot_protocol::{Acknowledgement, Problem};
use uuid::Uuid;

use super::idempotency::{Answer, Idempotency};
use super::oncall::Directory;
use super::rate::Bucket;
use super::stream::Item;
use super::{Shared, State};
use crate::Error;
use crate::oncall::OncallDirectory;
use crate::pages::{Notification, PageKind, PageStatus, RecordedPage};

/// How often the stream is checked for notifications come due on a running clock.
const ESCALATION_CHECK: Duration = Duration::from_secs(1);

/// What the state keeps for pages.
#[derive(Debug, Default)]
pub(crate) struct Paging {
    /// Users and teams as they are now.
    pub directory: Directory,
    /// The directory the server started with.
    initial: Directory,
    /// The recorded pages, oldest first; `pages[0]` has the sequence number `first`.
    pages: VecDeque<StoredPage>,
    first: u64,
    /// Each kept page's sequence number by request id.
    by_request: HashMap<Uuid, u64>,
    /// Remembered answers by (route, `Idempotency-Key`) for the API key, in the same compact
    /// store as the webhooks' keys: 24 hours, at most 1,000,000, the oldest out first.
    keys: Idempotency,
    /// The API key's rate-limit bucket.
    pub bucket: Bucket,
    max_pages: usize,
    /// The clock's instant up to which the stream was told of notifications come due.
    announced: DateTime<Utc>,
    /// The earliest notification not yet due of a page nobody has handled, if any.
    next_due: Option<DateTime<Utc>>,
}

/// A recorded page as the state keeps it: every notification it will make, due or not.
#[derive(Clone, Debug)]
pub(crate) struct StoredPage {
    pub request_id: Uuid,
    pub id: Option<Uuid>,
    pub kind: PageKind,
    pub recipient: Option<String>,
    pub title: Option<String>,
    pub text: Option<String>,
    pub urgency: Option<String>,
    pub source_url: Option<String>,
    pub received_at: DateTime<Utc>,
    pub errors: Vec<Problem>,
    pub warnings: Vec<Problem>,
    /// Everyone it notifies if nobody handles it, in the order they are due.
    pub plan: Vec<Notification>,
    pub acknowledgements: Vec<Acknowledgement>,
}

impl StoredPage {
    pub(crate) fn status(&self) -> PageStatus {
        if self.errors.is_empty() {
            PageStatus::Success
        } else {
            PageStatus::Error
        }
    }

    /// `Page delivered`, or why not.
    pub(crate) fn status_message(&self) -> String {
        match self.errors.len() {
            0 => "Page delivered".to_owned(),
            1 => format!("Page not delivered: {}", self.errors[0]),
            n => format!("Page not delivered: the page has {n} problems"),
        }
    }

    /// The last instant whose notifications count at `now`: escalation stops at the first
    /// acknowledgement.
    fn notified_until(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        self.acknowledgements
            .first()
            .map_or(now, |ack| ack.acknowledged_at.min(now))
    }

    /// The notifications due at `now`.
    fn notified(&self, now: DateTime<Utc>) -> Vec<Notification> {
        let until = self.notified_until(now);
        self.plan
            .iter()
            .filter(|n| n.at <= until)
            .cloned()
            .collect()
    }

    /// How many notifications are due at `now` (without copying them).
    fn notified_count(&self, now: DateTime<Utc>) -> usize {
        let until = self.notified_until(now);
        self.plan.iter().filter(|n| n.at <= until).count()
    }

    /// When its next notification comes due after `now`, unless someone handled it.
    fn next_due(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if !self.acknowledgements.is_empty() {
            return None;
        }
        self.plan.iter().map(|n| n.at).find(|at| *at > now)
    }

    fn to_recorded(&self, now: DateTime<Utc>) -> RecordedPage {
        RecordedPage {
            id: self.id.map(|id| id.to_string()),
            request_id: self.request_id.to_string(),
            kind: self.kind,
            recipient: self.recipient.clone(),
            title: self.title.clone(),
            text: self.text.clone(),
            urgency: self.urgency.clone(),
            source_url: self.source_url.clone(),
            received_at: self.received_at,
            status: self.status(),
            status_message: self.status_message(),
            errors: self.errors.clone(),
            notified: self.notified(now),
            acknowledgements: self.acknowledgements.clone(),
            warnings: self.warnings.clone(),
        }
    }

    /// The page as `GET /_mock/pages` shows it at `now`, as JSON (the stream's `event: page`).
    pub(crate) fn to_json(&self, now: DateTime<Utc>) -> serde_json::Value {
        serde_json::to_value(self.to_recorded(now)).unwrap_or_default()
    }

    /// Whether `?recipient=` names this page's recipient: e-mails without regard to case,
    /// slugs exactly.
    fn is_for(&self, recipient: &str) -> bool {
        match (&self.recipient, self.kind) {
            (Some(r), PageKind::Person) => r.to_lowercase() == recipient.to_lowercase(),
            (Some(r), PageKind::Team) => r == recipient,
            (None, _) => false,
        }
    }
}

impl Paging {
    /// Without a directory given: the default user and team.
    pub(crate) fn new(max_pages: usize) -> Self {
        let directory = Directory::start(None).unwrap_or_default();
        Paging {
            initial: directory.clone(),
            directory,
            max_pages: max_pages.max(1),
            ..Paging::default()
        }
    }

    /// Appends a page, pushing the oldest out past the cap.
    pub(crate) fn push(&mut self, page: StoredPage) {
        if let Some(at) = page.next_due(page.received_at) {
            self.next_due = Some(self.next_due.map_or(at, |due| due.min(at)));
        }
        if self.pages.len() >= self.max_pages
            && let Some(old) = self.pages.pop_front()
        {
            self.by_request.remove(&old.request_id);
            self.first += 1;
        }
        let seq = self.first + self.pages.len() as u64;
        self.by_request.insert(page.request_id, seq);
        self.pages.push_back(page);
    }

    pub(crate) fn get_mut(&mut self, request_id: &str) -> Option<&mut StoredPage> {
        let id = Uuid::try_parse(request_id).ok()?;
        let seq = *self.by_request.get(&id)?;
        self.pages.get_mut((seq - self.first) as usize)
    }

    pub(crate) fn get(&self, request_id: &str) -> Option<&StoredPage> {
        let id = Uuid::try_parse(request_id).ok()?;
        let seq = *self.by_request.get(&id)?;
        self.pages.get((seq - self.first) as usize)
    }

    /// The answer remembered for `key` on `kind`'s route, if its request came less than 24
    /// hours before `now`.
    pub(crate) fn replay(&self, kind: PageKind, key: &str, now: DateTime<Utc>) -> Option<Answer> {
        let key = self.keys.key(kind as u64, key);
        self.keys.get(&key, now).map(|(answer, _)| answer)
    }

    pub(crate) fn remember(
        &mut self,
        kind: PageKind,
        key: &str,
        answer: Answer,
        at: DateTime<Utc>,
    ) {
        let key = self.keys.key(kind as u64, key);
        // Pages have no event number.
        self.keys.put(key, 0, answer, at);
    }
}

impl State {
    /// Tells the stream about every page that notifies someone more (or fewer) people now
    /// than when it was last told, the mock's clock having moved on (or back). Going forward
    /// it looks at the pages only once the earliest pending notification is due.
    pub(super) fn publish_due_pages(&mut self) {
        let now = self.clock.now();
        let paging = &mut self.paging;
        if now >= paging.announced && paging.next_due.is_none_or(|due| now < due) {
            paging.announced = now;
            return;
        }
        let since = paging.announced;
        let mut due = Vec::new();
        let mut next: Option<DateTime<Utc>> = None;
        for page in &paging.pages {
            let before = since.max(page.received_at);
            if page.notified_count(before) != page.notified_count(now) {
                due.push(page.to_json(now));
            }
            if let Some(at) = page.next_due(now) {
                next = Some(next.map_or(at, |n| n.min(at)));
            }
        }
        paging.announced = now;
        paging.next_due = next;
        for page in due {
            self.publish(Item::Page(Arc::new(page)));
        }
    }

    /// Forgets pages, their keys and the API key's bucket; with `oncall`, also puts the
    /// directory back as the server started.
    pub(super) fn reset_paging(&mut self, oncall: bool) {
        let paging = &mut self.paging;
        paging.pages.clear();
        paging.first = 0;
        paging.by_request.clear();
        paging.keys.clear();
        paging.bucket = Bucket::default();
        paging.next_due = None;
        if oncall {
            paging.directory = paging.initial.clone();
        }
    }
}

impl Shared {
    /// Until the server shuts down: once a second, tells the stream about pages whose next
    /// notification came due as a running clock went on (moving the clock tells at once).
    pub(crate) async fn announce_escalations(self: Arc<Self>) {
        let mut shutdown = self.shutdown.subscribe();
        let mut tick = tokio::time::interval(ESCALATION_CHECK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                _ = tick.tick() => self.lock().publish_due_pages(),
                _ = shutdown.wait_for(|stop| *stop) => return,
            }
        }
    }

    /// Puts the users and teams back as the server started (`POST /_mock/reset
    /// {"oncall": true}`).
    pub(crate) fn reset_directory(&self) {
        let mut state = self.lock();
        state.paging.directory = state.paging.initial.clone();
        drop(state);
        self.changed.notify_waiters();
    }

    /// Replaces the directory the server starts with (the builder's).
    pub(crate) fn install_directory(&self, given: OncallDirectory) -> Result<(), Error> {
        let directory = Directory::start(Some(given))?;
        let mut state = self.lock();
        state.paging.initial = directory.clone();
        state.paging.directory = directory;
        Ok(())
    }

    /// The recorded pages (for `recipient` only, if given), oldest first, with what is due
    /// by the mock's clock.
    pub(crate) fn pages(&self, recipient: Option<&str>) -> Vec<RecordedPage> {
        let state = self.lock();
        let now = state.clock.now();
        state
            .paging
            .pages
            .iter()
            .filter(|p| recipient.is_none_or(|r| p.is_for(r)))
            .map(|p| p.to_recorded(now))
            .collect()
    }

    /// The newest `n` recorded pages, newest first, and how many are kept (the console's
    /// Pages view: only what it shows is copied).
    pub(crate) fn newest_pages(&self, n: usize) -> (Vec<RecordedPage>, usize) {
        let state = self.lock();
        let now = state.clock.now();
        let pages = &state.paging.pages;
        let newest = pages.iter().rev().take(n).map(|p| p.to_recorded(now));
        (newest.collect(), pages.len())
    }

    /// One recorded page by its request id.
    pub(crate) fn page(&self, request_id: &str) -> Result<RecordedPage, Error> {
        let state = self.lock();
        let now = state.clock.now();
        state
            .paging
            .get(request_id)
            .map(|p| p.to_recorded(now))
            .ok_or_else(|| no_page(request_id))
    }

    /// The page with this request id, as the state keeps it (status and acknowledgements).
    pub(crate) fn stored_page(&self, request_id: &str) -> Option<StoredPage> {
        self.lock().paging.get(request_id).cloned()
    }

    /// How many pages the cap (`max_events`) has pushed out since the last reset.
    pub(crate) fn dropped_pages(&self) -> u64 {
        self.lock().paging.first
    }

    fn count_pages(&self, recipient: Option<&str>) -> usize {
        let state = self.lock();
        match recipient {
            None => state.paging.pages.len(),
            Some(r) => state.paging.pages.iter().filter(|p| p.is_for(r)).count(),
        }
    }

    /// Waits until at least `min` pages (for `recipient`) are recorded, `timeout` passes or
    /// the server shuts down; returns whether `min` was reached.
    pub(crate) async fn wait_pages(
        &self,
        recipient: Option<&str>,
        min: usize,
        timeout: Duration,
    ) -> bool {
        self.wait_until(timeout, || self.count_pages(recipient) >= min)
            .await
    }

    /// Records that the user `email` handled the page: the record and whether it is new (a
    /// repeat by the same person gives the existing one).
    pub(crate) fn acknowledge(
        &self,
        request_id: &str,
        email: &str,
    ) -> Result<(Acknowledgement, bool), Error> {
        let mut guard = self.lock();
        let state = &mut *guard;
        let now = state.clock.now();
        let paging = &mut state.paging;
        let Some(page) = paging.get(request_id) else {
            return Err(no_page(request_id));
        };
        if page.status() == PageStatus::Error {
            return Err(Error::Conflict(format!(
                "expected a delivered page, found one whose status is error ({}); nobody can handle it",
                page.status_message()
            )));
        }
        let Some(user) = paging.directory.user(email).cloned() else {
            let shown: String = email.chars().take(100).collect();
            return Err(Error::bad(format!(
                "email: expected the e-mail of a known user (GET /_mock/users lists them), found {shown:?}"
            )));
        };
        let page = paging
            .get_mut(request_id)
            .ok_or_else(|| no_page(request_id))?;
        if let Some(ack) = page.acknowledgements.iter().find(|a| a.user_id == user.id) {
            return Ok((ack.clone(), false));
        }
        let ack = Acknowledgement::new(now, user.email, user.id);
        page.acknowledgements.push(ack.clone());
        let told = page.to_json(now);
        state.publish(Item::Page(Arc::new(told)));
        drop(guard);
        self.changed.notify_waiters();
        Ok((ack, true))
    }
}

/// "no page with request id ...".
pub(crate) fn no_page(request_id: &str) -> Error {
    let shown: String = request_id.chars().take(40).collect();
    Error::NotFound(format!("no page with the request id {shown:?}"))
}

/// `key: <the rule's message>` unless `email` is an e-mail address (spec §14).
pub(crate) fn check_email(key: &str, email: &str) -> Result<(), Error> {
    rules::check_email(email).map_err(|m| Error::bad(format!("{key}: {m}")))
}

/// `key: <the rule's message>` unless `slug` is a team slug (spec §14).
pub(crate) fn check_slug(key: &str, slug: &str) -> Result<(), Error> {
    rules::check_team_slug(slug).map_err(|m| Error::bad(format!("{key}: {m}")))
}
