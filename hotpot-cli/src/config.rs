//! Where the webhook URL and the API key come from (`HOTPOT_WEBHOOK_URL` or `--url-file`,
//! `HOTPOT_API_KEY` or `--api-key-file`; never a flag), and the client built from them with
//! `--timeout` and `--retries`.

use std::path::Path;
use std::time::Duration;

use hotpot_client::env::{
    ENV_API_KEY, ENV_API_URL, ENV_WEBHOOK_URL, api_base_from_env, env_var, webhook_url_from_env,
};
use hotpot_client::{
    ApiBase, ApiClient, Client, Problem, RetryPolicy, UrlError, WebhookUrl, defaults,
};

use crate::args::{DeliveryArgs, OnceArgs};
use crate::exit;
use crate::output::add_secret;

/// A problem and the exit status it calls for.
pub(crate) type Failure = (u8, Problem);

/// The problem of a URL given as a flag (`--url`, which no subcommand has): usage (exit 2),
/// and the URL is never printed.
pub(crate) fn url_flag_problem() -> Problem {
    Problem::new(
        "--url",
        format!(
            "the webhook URL is never taken from the command line, where every user of the \
             machine can see it (ps): set {ENV_WEBHOOK_URL} or use --url-file PATH"
        ),
    )
}

/// The webhook URL: from `--url-file`'s first line, else from `HOTPOT_WEBHOOK_URL`. Its
/// token is registered as a secret before anything can print it.
pub(crate) fn webhook_url(args: &DeliveryArgs) -> Result<WebhookUrl, Failure> {
    let config = |field: &str, message: String| (exit::CONFIG, Problem::new(field, message));
    let (field, text) = match &args.url_file {
        Some(path) => (
            "--url-file",
            first_line(path).map_err(|m| config("--url-file", m))?,
        ),
        None => (
            ENV_WEBHOOK_URL,
            webhook_url_from_env().map_err(|e| config(ENV_WEBHOOK_URL, config_message(&e)))?,
        ),
    };
    register_webhook_secret(&text);
    let allow_http = allow_http(args)?;
    let parsed = if allow_http {
        WebhookUrl::parse_allowing_http(&text)
    } else {
        WebhookUrl::parse(&text)
    };
    parsed.map_err(|e| {
        let message = match e {
            // The command's opt-in, not the Rust API's the rule's own message names.
            UrlError::InsecureHttp(host) => format!(
                "refusing plain http to {host}: the URL carries a secret, so use https, or \
                 opt in explicitly for a trusted network with --allow-http (or \
                 {ENV_ALLOW_HTTP}=1)"
            ),
            other => other.to_string(),
        };
        config(field, format!("invalid webhook URL: {message}"))
    })
}

/// Registers a webhook URL's token (and the URL) as secrets to redact, whatever the rest of
/// the text turns out to be.
fn register_webhook_secret(text: &str) {
    if let Some((_, rest)) = text.split_once("/moment/") {
        add_secret(rest.split(['/', '?', '#']).next().unwrap_or(rest));
    }
    add_secret(text);
}

/// The environment variable that allows plain `http` to a host that is not loopback.
pub(crate) const ENV_ALLOW_HTTP: &str = "HOTPOT_ALLOW_HTTP";

/// Whether plain `http` to a host that is not loopback is allowed: `--allow-http`, or
/// `HOTPOT_ALLOW_HTTP` set to `1` or `true` (`0`, `false` or empty: not allowed; anything
/// else is a problem, exit 78, rather than a guess).
fn allow_http(args: &DeliveryArgs) -> Result<bool, Failure> {
    if args.allow_http {
        return Ok(true);
    }
    let Some(value) = std::env::var_os(ENV_ALLOW_HTTP) else {
        return Ok(false);
    };
    match value
        .to_str()
        .map(|v| v.trim().to_ascii_lowercase())
        .as_deref()
    {
        Some("1" | "true") => Ok(true),
        Some("0" | "false" | "") => Ok(false),
        _ => Err((
            exit::CONFIG,
            Problem::new(
                ENV_ALLOW_HTTP,
                format!(
                    "expected 1 (or true) to allow plain http, 0 (or false) not to, found {value:?}"
                ),
            ),
        )),
    }
}

/// The environment variable that gives `send` and `run` their `Idempotency-Key`.
pub(crate) const ENV_IDEMPOTENCY_KEY: &str = "HOTPOT_IDEMPOTENCY_KEY";

/// The `Idempotency-Key` of this send: `--idempotency-key`, else `HOTPOT_IDEMPOTENCY_KEY`,
/// else a fresh one; checked by the rule of spec §3 (a problem is exit 65).
pub(crate) fn idempotency_key(args: &OnceArgs) -> Result<String, Failure> {
    let (field, key) = match &args.idempotency_key {
        Some(key) => ("--idempotency-key", key.clone()),
        None => match std::env::var(ENV_IDEMPOTENCY_KEY) {
            Ok(key) if !key.is_empty() => (ENV_IDEMPOTENCY_KEY, key),
            Ok(_) | Err(std::env::VarError::NotPresent) => {
                return Ok(hotpot_protocol::new_idempotency_key());
            }
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err((
                    exit::DATAERR,
                    Problem::new(
                        ENV_IDEMPOTENCY_KEY,
                        "expected printable ASCII characters, found text that is not UTF-8",
                    ),
                ));
            }
        },
    };
    hotpot_protocol::check_idempotency_key(&key)
        .map(|()| key)
        .map_err(|problem| (exit::DATAERR, Problem::new(field, problem.message)))
}

/// The API key for `status` and `page`: from `--api-key-file`'s first line, else `HOTPOT_API_KEY`.
pub(crate) fn api_key(file: Option<&Path>) -> Result<String, Failure> {
    let config = |field: &str, message: String| (exit::CONFIG, Problem::new(field, message));
    let key = match file {
        Some(path) => first_line(path).map_err(|m| config("--api-key-file", m))?,
        None => env_var(ENV_API_KEY)
            .map_err(|e| config(ENV_API_KEY, config_message(&e)))?
            .ok_or_else(|| {
                config(
                    ENV_API_KEY,
                    "is not set: set it to your Hotpot API key, or use --api-key-file PATH"
                        .to_owned(),
                )
            })?,
    };
    add_secret(&key);
    Ok(key)
}

/// The client for `url` with `--timeout` and `--retries`, each send within `deadline` in all
/// (`send` and `run`: `--timeout-total`; `status`: the client's 30 s). Without one (`flush`,
/// whose own total bounds it), a send has room for every attempt.
pub(crate) fn client(
    url: WebhookUrl,
    args: &DeliveryArgs,
    api_key: Option<String>,
    deadline: Option<Duration>,
) -> Result<Client, Failure> {
    let timeout = Duration::from_secs_f64(args.timeout);
    let retries = args.retries;
    let attempts = retries.saturating_add(1).min(1000);
    let deadline = deadline.unwrap_or_else(|| {
        defaults::SEND_DEADLINE.max(timeout * attempts + defaults::MAX_DELAY * (attempts - 1))
    });
    let mut builder = Client::builder(url)
        .timeout(timeout)
        .connect_timeout(defaults::CONNECT_TIMEOUT.min(timeout))
        .retry(
            RetryPolicy::default()
                .with_max_retries(retries)
                .with_deadline(deadline),
        );
    if let Some(key) = api_key {
        builder = builder.api_key(key);
    }
    builder
        .build()
        .map_err(|e| (exit::for_error(&e), Problem::new("client", e.to_string())))
}

/// The API's base for `page` and `status` (spec §14): `HOTPOT_API_URL`, else the base of the
/// webhook URL (`--url-file`, else `HOTPOT_WEBHOOK_URL`) where one is given, else
/// `https://api.hotpot.works`. Plain http to a host that is not loopback needs `--allow-http`.
pub(crate) fn api_base(args: &DeliveryArgs) -> Result<ApiBase, Failure> {
    let allow_http = allow_http(args)?;
    let config = |field: &str, message: String| (exit::CONFIG, Problem::new(field, message));
    let with_flag = |message: String| {
        if message.contains("refusing plain http") {
            format!("{message}; with the command: --allow-http (or {ENV_ALLOW_HTTP}=1)")
        } else {
            message
        }
    };
    // The webhook URL may only give the base here, but its token stays a secret.
    if let Ok(Some(text)) = env_var(ENV_WEBHOOK_URL) {
        register_webhook_secret(&text);
    }
    if env_var(ENV_API_URL).ok().flatten().is_none() && args.url_file.is_some() {
        let url = webhook_url(args)?;
        return ApiBase::parse(url.base().as_str(), allow_http)
            .map_err(|m| config("--url-file", format!("the API's base: {}", with_flag(m))));
    }
    api_base_from_env(allow_http).map_err(|e| {
        let field = if env_var(ENV_API_URL).ok().flatten().is_some() {
            ENV_API_URL
        } else {
            ENV_WEBHOOK_URL
        };
        config(field, with_flag(config_message(&e)))
    })
}

/// The API client for `page` and `status`: the base of [`api_base`], the key, `--timeout`
/// and `--retries`, each request within `deadline`.
pub(crate) fn api_client(
    base: &ApiBase,
    key: String,
    args: &DeliveryArgs,
    deadline: Duration,
) -> Result<ApiClient, Failure> {
    let timeout = Duration::from_secs_f64(args.timeout);
    ApiClient::builder(key)
        .base_url(base.as_url().as_str())
        .allow_http(true) // checked by api_base, with the command's opt-in
        .timeout(timeout)
        .connect_timeout(defaults::CONNECT_TIMEOUT.min(timeout))
        .retry(
            RetryPolicy::default()
                .with_max_retries(args.retries)
                .with_deadline(deadline),
        )
        .build()
        .map_err(|e| {
            let field = if matches!(&e, hotpot_client::Error::Config(m) if m.contains("API key")) {
                ENV_API_KEY
            } else {
                "client"
            };
            (exit::for_error(&e), Problem::new(field, config_message(&e)))
        })
}

/// The first line of a file, trimmed; a problem that says what is wrong with it otherwise.
fn first_line(path: &Path) -> Result<String, String> {
    let shown = path.display();
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| format!("{shown} is not UTF-8 text: its first line should be the value"))?;
    let line = crate::input::strip_bom(&text)
        .lines()
        .next()
        .unwrap_or("")
        .trim();
    if line.is_empty() {
        return Err(format!(
            "{shown}: the first line is empty, expected the value on it"
        ));
    }
    Ok(line.to_owned())
}

/// A configuration error's message without the "invalid client configuration:" prefix and
/// without the variable's name, which the problem's field already says.
fn config_message(error: &hotpot_client::Error) -> String {
    let text = match error {
        hotpot_client::Error::Config(message) => message.clone(),
        other => other.to_string(),
    };
    let text = text
        .strip_prefix("invalid API key: ")
        .map(str::to_owned)
        .unwrap_or(text);
    text.strip_prefix(ENV_WEBHOOK_URL)
        .or_else(|| text.strip_prefix(ENV_API_KEY))
        .or_else(|| text.strip_prefix(ENV_API_URL))
        .map(|rest| rest.trim_start_matches(':').trim_start().to_owned())
        .unwrap_or(text)
}
