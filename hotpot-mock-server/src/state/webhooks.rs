//! Webhooks (spec §6): creating, listing, changing and deleting them, and the checks on
//! their label, type and token (the token and slug rules are `hotpot_protocol`'s).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use hotpot_protocol::{MAX_TOKEN_CHARS, UrlError, WebhookUrl, check_integration, redact_token};

use super::rate::Bucket;
use super::stream::Item;
use super::{Shared, State, random_token};
use crate::Error;
use crate::model::{NewWebhook, Webhook, WebhookPatch};

/// Longest label accepted for a webhook.
const MAX_LABEL_CHARS: usize = 200;

/// Longest type accepted for a webhook.
const MAX_KIND_CHARS: usize = 50;

/// A webhook's identity as events remember it: a new one is made when the label changes, so
/// old events keep the label they arrived with.
#[derive(Debug)]
pub(crate) struct Ident {
    pub id: u64,
    pub token: Box<str>,
    pub label: Box<str>,
    pub hint: Box<str>,
}

/// A webhook as the state keeps it.
pub(super) struct Hook {
    pub ident: Arc<Ident>,
    pub kind: Box<str>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub bucket: Bucket,
}

impl Shared {
    pub(crate) fn create_webhook(&self, new: NewWebhook) -> Result<Webhook, Error> {
        check_label(&new.label)?;
        let kind = new.kind.unwrap_or_else(|| "custom".to_owned());
        check_kind(&kind)?;
        if let Some(token) = &new.token {
            check_token(token)?;
        }
        let token = new.token.unwrap_or_else(random_token);
        let mut state = self.lock();
        if state.webhooks.contains_key(token.as_str()) {
            return Err(Error::Conflict(format!(
                "token: expected a token no other webhook has, found {} already in use",
                redact_token(&token)
            )));
        }
        let now = state.clock.now();
        let hook = state.insert_hook(&token, &new.label, &kind, now, new.expires_at);
        let view = self.view_hook(hook);
        state.publish_hook(&view, "created");
        Ok(view)
    }

    /// The token of a webhook that exists, given as its token or its URL ([`token_of`]);
    /// [`Error::NotFound`] when no webhook has it.
    pub(crate) fn known_token(&self, given: &str) -> Result<String, Error> {
        let token = token_of(given)?;
        if self.lock().webhooks.contains_key(token.as_str()) {
            Ok(token)
        } else {
            Err(no_webhook(&token))
        }
    }

    pub(crate) fn webhooks(&self) -> Vec<Webhook> {
        let state = self.lock();
        let mut hooks: Vec<&Hook> = state.webhooks.values().collect();
        hooks.sort_by_key(|h| h.ident.id);
        hooks.into_iter().map(|h| self.view_hook(h)).collect()
    }

    pub(crate) fn webhook(&self, token: &str) -> Result<Webhook, Error> {
        let token = token_of(token)?;
        let token = token.as_str();
        let state = self.lock();
        let hook = state.webhooks.get(token).ok_or_else(|| no_webhook(token))?;
        Ok(self.view_hook(hook))
    }

    pub(crate) fn update_webhook(
        &self,
        token: &str,
        patch: WebhookPatch,
    ) -> Result<Webhook, Error> {
        if let Some(label) = &patch.label {
            check_label(label)?;
        }
        let token = token_of(token)?;
        let token = token.as_str();
        let mut state = self.lock();
        let hook = state
            .webhooks
            .get_mut(token)
            .ok_or_else(|| no_webhook(token))?;
        if let Some(label) = patch.label {
            hook.ident = Arc::new(Ident {
                id: hook.ident.id,
                token: hook.ident.token.clone(),
                label: label.into(),
                hint: hook.ident.hint.clone(),
            });
        }
        if let Some(expires_at) = patch.expires_at {
            hook.expires_at = expires_at;
        }
        let view = self.view_hook(hook);
        state.publish_hook(&view, "updated");
        Ok(view)
    }

    pub(crate) fn delete_webhook(&self, token: &str) -> Result<(), Error> {
        let token = token_of(token)?;
        let token = token.as_str();
        let mut state = self.lock();
        let hook = state
            .webhooks
            .remove(token)
            .ok_or_else(|| no_webhook(token))?;
        state.senders.forget(hook.ident.id);
        let view = self.view_hook(&hook);
        state.publish_hook(&view, "deleted");
        Ok(())
    }

    fn view_hook(&self, hook: &Hook) -> Webhook {
        Webhook {
            token: hook.ident.token.to_string(),
            url: self.webhook_url(&hook.ident.token),
            label: hook.ident.label.to_string(),
            kind: hook.kind.to_string(),
            expires_at: hook.expires_at,
            created_at: hook.created_at,
        }
    }
}

impl State {
    /// Tells the stream's readers about a webhook change.
    fn publish_hook(&mut self, view: &Webhook, change: &str) {
        let data = serde_json::json!({"change": change, "webhook": view});
        self.publish(Item::Webhook(
            Arc::from(view.token.as_str()),
            Arc::new(data),
        ));
    }

    /// Puts the default webhook back in its first state (or creates it).
    pub(super) fn insert_default(&mut self) {
        let now = self.clock.now();
        let token = self.default_token.clone();
        let created_at = self.webhooks.get(&token).map_or(now, |h| h.created_at);
        let id = self.webhooks.get(&token).map(|h| h.ident.id);
        let hook = self.insert_hook(&token, "default", "custom", created_at, None);
        if let Some(id) = id {
            // Keep the id so that idempotent answers stay tied to the same webhook.
            let ident = &hook.ident;
            hook.ident = Arc::new(Ident {
                id,
                token: ident.token.clone(),
                label: ident.label.clone(),
                hint: ident.hint.clone(),
            });
        }
    }

    fn insert_hook(
        &mut self,
        token: &str,
        label: &str,
        kind: &str,
        created_at: DateTime<Utc>,
        expires_at: Option<DateTime<Utc>>,
    ) -> &mut Hook {
        let id = self.next_hook_id;
        self.next_hook_id += 1;
        let hook = Hook {
            ident: Arc::new(Ident {
                id,
                token: token.into(),
                label: label.into(),
                hint: redact_token(token).into(),
            }),
            kind: kind.into(),
            created_at,
            expires_at,
            bucket: Bucket::default(),
        };
        self.webhooks
            .entry(token.into())
            .insert_entry(hook)
            .into_mut()
    }
}

/// The token of `given`, a token or a webhook URL (`…/moment/TOKEN[/INTEGRATION]`, read by
/// [`WebhookUrl`], whatever its host: the mock may be known by another name than its own).
pub(crate) fn token_of(given: &str) -> Result<String, Error> {
    if !given.contains("://") {
        return Ok(given.to_owned());
    }
    let url = WebhookUrl::parse_allowing_http(given).map_err(|e| {
        // The protocol's messages never repeat the token.
        Error::bad(format!(
            "token: expected a webhook token or its URL (…/moment/TOKEN), found a URL that is not one: {e}"
        ))
    })?;
    let path = url.expose_url().path();
    let token = path
        .get(url.base().path().len()..)
        .and_then(|rest| rest.strip_prefix("moment/"))
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_default();
    Ok(token.to_owned())
}

fn no_webhook(token: &str) -> Error {
    Error::NotFound(format!("no webhook with token {}", redact_token(token)))
}

fn check_label(label: &str) -> Result<(), Error> {
    let chars = label.chars().count();
    if label.trim().is_empty() || chars > MAX_LABEL_CHARS {
        return Err(Error::bad(format!(
            "label: expected 1 to {MAX_LABEL_CHARS} characters, not all whitespace, found {chars} characters"
        )));
    }
    Ok(())
}

fn check_kind(kind: &str) -> Result<(), Error> {
    if check_integration(kind).is_err() || kind.len() > MAX_KIND_CHARS {
        let shown: String = kind.chars().take(MAX_KIND_CHARS).collect();
        return Err(Error::bad(format!(
            "type: expected a slug of a-z, 0-9 and '-' (custom, datadog, linear, pagerduty, ...), found {shown:?}"
        )));
    }
    Ok(())
}

/// Checks a token with the rule of spec §2 ([`hotpot_protocol::check_token`]); the message
/// shows at most the token's hint.
pub(crate) fn check_token(token: &str) -> Result<(), Error> {
    hotpot_protocol::check_token(token).map_err(|e| {
        let found = match e {
            UrlError::Token(found) => found,
            other => other.to_string(),
        };
        Error::bad(format!(
            "token: expected only A-Z, a-z, 0-9, '_' and '-', 1 to {MAX_TOKEN_CHARS} characters, found {found}"
        ))
    })
}
