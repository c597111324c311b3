//! The `HOTPOT_*` environment variables, read one way by every entry point: the Rust
//! [`Client::from_env`](crate::Client::from_env) and
//! [`Emitter::from_env`](crate::Emitter::from_env), the Python package and the command line.

use std::path::PathBuf;

use crate::Error;

/// The environment variable that holds the webhook URL.
pub const ENV_WEBHOOK_URL: &str = "HOTPOT_WEBHOOK_URL";

/// The environment variable that holds the API key for request status (spec §4), where set.
pub const ENV_API_KEY: &str = "HOTPOT_API_KEY";

/// The environment variable that names the emitter's spool directory (spec §10), for
/// emitters that build themselves: [`Emitter::from_env`](crate::Emitter::from_env), Python's
/// `hotpot.Emitter.from_env()` and `hotpot.logging.MomentHandler()` without an emitter.
pub const ENV_SPOOL: &str = "HOTPOT_SPOOL";

/// Reads a `HOTPOT_*` variable: its value without surrounding whitespace (a value pasted
/// with a trailing newline still works), or `None` when it is unset or blank. A value that is
/// not valid UTF-8 is an [`Error::Config`] naming the variable (never its value, which may be
/// a secret).
///
/// ```
/// // SAFETY of the example: no other thread reads the environment meanwhile.
/// unsafe { std::env::set_var("HOTPOT_EXAMPLE_VAR", "  https://api.hotpot.works/moment/845b1e3c9d0f\n") };
/// let value = hotpot_client::env::env_var("HOTPOT_EXAMPLE_VAR")?;
/// assert_eq!(value.as_deref(), Some("https://api.hotpot.works/moment/845b1e3c9d0f"));
/// assert_eq!(hotpot_client::env::env_var("HOTPOT_UNSET_EXAMPLE_VAR")?, None);
/// # Ok::<(), hotpot_client::Error>(())
/// ```
pub fn env_var(name: &str) -> Result<Option<String>, Error> {
    match std::env::var(name) {
        Ok(value) => {
            let value = value.trim();
            Ok((!value.is_empty()).then(|| value.to_owned()))
        }
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(Error::Config(format!(
            "{name} is not valid UTF-8: set it to the value as text"
        ))),
    }
}

/// The webhook URL from [`ENV_WEBHOOK_URL`], or an [`Error::Config`] that says which
/// variable to set.
///
/// ```no_run
/// let url = hotpot_client::env::webhook_url_from_env()?;
/// # Ok::<(), hotpot_client::Error>(())
/// ```
pub fn webhook_url_from_env() -> Result<String, Error> {
    env_var(ENV_WEBHOOK_URL)?.ok_or_else(|| {
        Error::Config(format!(
            "{ENV_WEBHOOK_URL} is not set: set it to your webhook URL \
             (https://api.hotpot.works/moment/TOKEN)"
        ))
    })
}

/// The spool directory from [`ENV_SPOOL`], or `None` when it is unset or blank (the emitter
/// keeps its queue in memory).
///
/// ```
/// // SAFETY of the example: no other thread reads the environment meanwhile.
/// unsafe { std::env::set_var("HOTPOT_SPOOL", "/var/lib/myservice/hotpot-spool") };
/// let dir = hotpot_client::env::spool_from_env()?;
/// assert_eq!(dir, Some("/var/lib/myservice/hotpot-spool".into()));
/// # unsafe { std::env::remove_var("HOTPOT_SPOOL") };
/// # Ok::<(), hotpot_client::Error>(())
/// ```
pub fn spool_from_env() -> Result<Option<PathBuf>, Error> {
    Ok(env_var(ENV_SPOOL)?.map(PathBuf::from))
}

/// The environment variable that holds the base of Hotpot's API (spec §14).
pub const ENV_API_URL: &str = "HOTPOT_API_URL";

/// The base of Hotpot's API by the one rule of spec §14: [`ENV_API_URL`], else the base of
/// [`ENV_WEBHOOK_URL`] where that is set, else `https://api.hotpot.works`. A base that is not
/// an absolute http(s) URL, or plain http to a host that is not loopback (unless
/// `allow_http`), is an [`Error::Config`] naming the variable it came from.
///
/// ```no_run
/// let base = hotpot_client::env::api_base_from_env(false)?;
/// println!("paging through {base}");
/// # Ok::<(), hotpot_client::Error>(())
/// ```
pub fn api_base_from_env(allow_http: bool) -> Result<hotpot_protocol::ApiBase, Error> {
    use hotpot_protocol::{ApiBase, WebhookUrl};
    if let Some(base) = env_var(ENV_API_URL)? {
        return ApiBase::parse(&base, allow_http)
            .map_err(|e| Error::Config(format!("{ENV_API_URL}: {e}")));
    }
    if let Some(url) = env_var(ENV_WEBHOOK_URL)? {
        let url = WebhookUrl::parse_allowing_http(&url).map_err(|e| {
            Error::Config(format!(
                "{ENV_WEBHOOK_URL} (the API's base comes from it when {ENV_API_URL} is unset): {e}"
            ))
        })?;
        return ApiBase::parse(url.base().as_str(), allow_http).map_err(|e| {
            Error::Config(format!(
                "the API's base taken from {ENV_WEBHOOK_URL} ({ENV_API_URL} is unset): {e}"
            ))
        });
    }
    Ok(ApiBase::production())
}
