//! The [`MockServer`] methods of the on-call directory (spec §14): users and teams.

use super::MockServer;
use crate::Error;
use crate::oncall::{NewTeam, NewUser, Team, User};

impl MockServer {
    /// Every user of the on-call directory, in the order they were added.
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// let server = hotpot_mock_server::MockServer::start().await?;
    /// assert_eq!(server.users()[0].email, "oncall@example.com");
    /// # Ok(()) }
    /// ```
    pub fn users(&self) -> Vec<User> {
        self.shared.users()
    }

    /// Every team of the on-call directory, in the order they were added.
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// let server = hotpot_mock_server::MockServer::start().await?;
    /// assert_eq!(server.teams()[0].slug, "default");
    /// # Ok(()) }
    /// ```
    pub fn teams(&self) -> Vec<Team> {
        self.shared.teams()
    }

    /// Adds a user, as `POST /_mock/users` does: [`Error::BadRequest`] for an address that is
    /// not an e-mail address, [`Error::Conflict`] for one a user has (without regard to case).
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// use hotpot_mock_server::{Error, MockServer, NewUser};
    /// let server = MockServer::start().await?;
    /// let ada = server.add_user(NewUser::new("ada@example.com"))?;
    /// assert_eq!(ada.name, "ada");
    /// let again = server.add_user(NewUser::new("ADA@example.com")).unwrap_err();
    /// assert!(matches!(again, Error::Conflict(_)));
    /// # Ok(()) }
    /// ```
    pub fn add_user(&self, user: NewUser) -> Result<User, Error> {
        self.shared.add_user(user)
    }

    /// Adds a team, as `POST /_mock/teams` does: every e-mail must be a known user's
    /// ([`Error::BadRequest`] otherwise), the slug one no team has ([`Error::Conflict`]).
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// use hotpot_mock_server::{MockServer, NewTeam, NewUser};
    /// let server = MockServer::start().await?;
    /// server.add_user(NewUser::new("ada@example.com"))?;
    /// let team = server.add_team(NewTeam::new("ops", [["ada@example.com"]]).backstop("oncall@example.com"))?;
    /// assert_eq!(team.backstop.as_deref(), Some("oncall@example.com"));
    /// # Ok(()) }
    /// ```
    pub fn add_team(&self, team: NewTeam) -> Result<Team, Error> {
        self.shared.add_team(team)
    }

    /// Removes a user: [`Error::NotFound`] for an unknown one, [`Error::Conflict`] for one a
    /// team names.
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// let server = hotpot_mock_server::MockServer::start().await?;
    /// assert!(server.delete_user("oncall@example.com").is_err()); // the default team names it
    /// server.delete_team("default")?;
    /// server.delete_user("oncall@example.com")?;
    /// assert!(server.users().is_empty());
    /// # Ok(()) }
    /// ```
    pub fn delete_user(&self, email: &str) -> Result<(), Error> {
        self.shared.delete_user(email)
    }

    /// Removes a team ([`Error::NotFound`] for an unknown slug).
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// let server = hotpot_mock_server::MockServer::start().await?;
    /// server.delete_team("default")?;
    /// assert!(server.teams().is_empty());
    /// # Ok(()) }
    /// ```
    pub fn delete_team(&self, slug: &str) -> Result<(), Error> {
        self.shared.delete_team(slug)
    }

    /// Puts the users and teams back as the server started (`POST /_mock/reset
    /// {"oncall": true}` does this after a [`reset`](Self::reset)).
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// let server = hotpot_mock_server::MockServer::start().await?;
    /// server.delete_team("default")?;
    /// server.reset_oncall();
    /// assert_eq!(server.teams().len(), 1);
    /// # Ok(()) }
    /// ```
    pub fn reset_oncall(&self) {
        self.shared.reset_directory();
    }
}
