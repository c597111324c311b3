//! The on-call directory (spec §14): users and teams, their checks, and the directory the
//! server started with (which `POST /_mock/reset {"oncall": true}` puts back).

use crate::Error;
use crate::oncall::{
    DEFAULT_ESCALATE_AFTER_S, DEFAULT_ONCALL_EMAIL, DEFAULT_TEAM_SLUG, NewTeam, NewUser,
    OncallDirectory, Team, User, within,
};

use super::{Shared, fast_uuid};

/// Longest user or team name.
const MAX_NAME_CHARS: usize = 200;

/// Users and teams, in the order they were added.
#[derive(Clone, Debug, Default)]
pub(crate) struct Directory {
    users: Vec<User>,
    teams: Vec<Team>,
}

impl Directory {
    /// The directory a server starts with: `given`, or without one the default user and team.
    pub(crate) fn start(given: Option<OncallDirectory>) -> Result<Self, Error> {
        let mut directory = Directory::default();
        match given {
            Some(given) => {
                for (i, user) in given.users.into_iter().enumerate() {
                    directory
                        .add_user(user)
                        .map_err(|e| within(&format!("users[{i}]"), e))?;
                }
                for (i, team) in given.teams.into_iter().enumerate() {
                    directory
                        .add_team(team)
                        .map_err(|e| within(&format!("teams[{i}]"), e))?;
                }
            }
            None => {
                directory.add_user(NewUser::new(DEFAULT_ONCALL_EMAIL))?;
                directory.add_team(NewTeam::new(DEFAULT_TEAM_SLUG, [[DEFAULT_ONCALL_EMAIL]]))?;
            }
        }
        Ok(directory)
    }

    pub(crate) fn users(&self) -> &[User] {
        &self.users
    }

    pub(crate) fn teams(&self) -> &[Team] {
        &self.teams
    }

    /// The user with this e-mail address (without regard to case).
    pub(crate) fn user(&self, email: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.email.to_lowercase() == email.to_lowercase())
    }

    /// The team with this slug (exactly).
    pub(crate) fn team(&self, slug: &str) -> Option<&Team> {
        self.teams.iter().find(|t| t.slug == slug)
    }

    pub(crate) fn add_user(&mut self, new: NewUser) -> Result<User, Error> {
        super::paging::check_email("email", &new.email)?;
        if self.user(&new.email).is_some() {
            return Err(Error::Conflict(format!(
                "email: expected an e-mail address no user has, found {:?} already in use",
                new.email
            )));
        }
        let name = match new.name {
            Some(name) => check_name(name)?,
            None => new.email.split('@').next().unwrap_or_default().to_owned(),
        };
        let user = User {
            id: fast_uuid().to_string(),
            email: new.email,
            name,
        };
        self.users.push(user.clone());
        Ok(user)
    }

    pub(crate) fn add_team(&mut self, new: NewTeam) -> Result<Team, Error> {
        super::paging::check_slug("slug", &new.slug)?;
        if self.team(&new.slug).is_some() {
            return Err(Error::Conflict(format!(
                "slug: expected a slug no team has, found {:?} already in use",
                new.slug
            )));
        }
        let known = |key: &str, email: &str| -> Result<String, Error> {
            self.user(email).map(|u| u.email.clone()).ok_or_else(|| {
                let shown: String = email.chars().take(100).collect();
                Error::bad(format!(
                    "{key}: expected the e-mail of a known user (POST /_mock/users adds one), found {shown:?}"
                ))
            })
        };
        let mut stages = Vec::with_capacity(new.stages.len());
        for (i, stage) in new.stages.iter().enumerate() {
            if stage.is_empty() {
                return Err(Error::bad(format!(
                    "stages[{i}]: expected at least one e-mail address, found an empty stage"
                )));
            }
            let emails = stage
                .iter()
                .enumerate()
                .map(|(j, email)| known(&format!("stages[{i}][{j}]"), email))
                .collect::<Result<Vec<_>, _>>()?;
            stages.push(emails);
        }
        let backstop = new
            .backstop
            .as_deref()
            .map(|email| known("backstop", email))
            .transpose()?;
        let copy = new
            .copy
            .iter()
            .enumerate()
            .map(|(i, email)| known(&format!("copy[{i}]"), email))
            .collect::<Result<Vec<_>, _>>()?;
        let escalate_after_s = new.escalate_after_s.unwrap_or(DEFAULT_ESCALATE_AFTER_S);
        if escalate_after_s > crate::oncall::MAX_ESCALATE_AFTER_S {
            return Err(Error::bad(format!(
                "escalate_after_s: expected a whole number from 0 to {}, found {escalate_after_s}",
                crate::oncall::MAX_ESCALATE_AFTER_S
            )));
        }
        let name = match new.name {
            Some(name) => check_name(name)?,
            None => new.slug.clone(),
        };
        let team = Team {
            slug: new.slug,
            name,
            stages,
            backstop,
            escalate_after_s,
            copy,
        };
        self.teams.push(team.clone());
        Ok(team)
    }

    /// Removes a user no team names.
    pub(crate) fn delete_user(&mut self, email: &str) -> Result<(), Error> {
        let Some(user) = self.user(email) else {
            let shown: String = email.chars().take(100).collect();
            return Err(Error::NotFound(format!("no user has the e-mail {shown:?}")));
        };
        let email = user.email.clone();
        let naming: Vec<&str> = self
            .teams
            .iter()
            .filter(|t| {
                t.stages.iter().flatten().any(|e| *e == email)
                    || t.backstop.as_deref() == Some(email.as_str())
                    || t.copy.contains(&email)
            })
            .map(|t| t.slug.as_str())
            .collect();
        if !naming.is_empty() {
            return Err(Error::Conflict(format!(
                "email: expected a user no team names, found {email:?} in the team{} {} (delete or change the team first)",
                if naming.len() == 1 { "" } else { "s" },
                naming.join(", ")
            )));
        }
        self.users.retain(|u| u.email != email);
        Ok(())
    }

    pub(crate) fn delete_team(&mut self, slug: &str) -> Result<(), Error> {
        let before = self.teams.len();
        self.teams.retain(|t| t.slug != slug);
        if self.teams.len() == before {
            let shown: String = slug.chars().take(100).collect();
            return Err(Error::NotFound(format!("no team has the slug {shown:?}")));
        }
        Ok(())
    }
}

/// A display name: 1 to 200 characters, not blank.
fn check_name(name: String) -> Result<String, Error> {
    let count = name.chars().count();
    if name.trim().is_empty() || count > MAX_NAME_CHARS {
        let shown: String = name.chars().take(40).collect();
        return Err(Error::bad(format!(
            "name: expected a non-blank name of at most {MAX_NAME_CHARS} characters, found {shown:?} ({count} characters)"
        )));
    }
    Ok(name)
}

impl Shared {
    /// Every user, in the order they were added.
    pub(crate) fn users(&self) -> Vec<User> {
        self.lock().paging.directory.users().to_vec()
    }

    /// Every team, in the order they were added.
    pub(crate) fn teams(&self) -> Vec<Team> {
        self.lock().paging.directory.teams().to_vec()
    }

    pub(crate) fn add_user(&self, new: NewUser) -> Result<User, Error> {
        let user = self.lock().paging.directory.add_user(new)?;
        self.changed.notify_waiters();
        Ok(user)
    }

    pub(crate) fn add_team(&self, new: NewTeam) -> Result<Team, Error> {
        let team = self.lock().paging.directory.add_team(new)?;
        self.changed.notify_waiters();
        Ok(team)
    }

    pub(crate) fn delete_user(&self, email: &str) -> Result<(), Error> {
        self.lock().paging.directory.delete_user(email)?;
        self.changed.notify_waiters();
        Ok(())
    }

    pub(crate) fn delete_team(&self, slug: &str) -> Result<(), Error> {
        self.lock().paging.directory.delete_team(slug)?;
        self.changed.notify_waiters();
        Ok(())
    }
}
