//! `hotpot send`: a moment from flags or from a JSON payload, checked by the §1 rules
//! (`hotpot_protocol::parse_lenient`, the same verdict as the server), sent with the client's
//! retries (§5), and every way it can fail turned into problems and an exit status.

use std::time::{Duration, Instant};

use chrono::Utc;
use hotpot_client::{Client, Error, Moment, Problem, Receipt, WebhookUrl};
use hotpot_protocol::moment::rules::format_time;
use hotpot_protocol::parse_lenient;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::args::{MomentFlags, SendArgs};
use crate::config::{self, Failure};
use crate::input::{self, Source};
use crate::output::{Printer, Tried};
use crate::{exit, logging};

/// Runs `hotpot send`; returns the exit status.
pub(crate) fn send(args: SendArgs) -> u8 {
    let printer = Printer::new("send", &args.output);
    // Every problem at once: the URL's, the key's and the moment's.
    let url = config::webhook_url(&args.delivery);
    let key = config::idempotency_key(&args.once);
    let payload = match (&args.json, &args.json_file) {
        (Some(text), _) => input::payload(Source::Text(text)),
        (None, Some(path)) => input::payload(Source::file(path, "--json-file")),
        (None, None) => fields_payload(args.name.as_deref(), &args.fields),
    };
    let moment = payload
        .map_err(|failure| vec![failure])
        .and_then(|payload| checked(&payload, &printer));
    let (url, key, moment) = match (url, key, moment) {
        (Ok(url), Ok(key), Ok(moment)) => (url, key, moment),
        (url, key, moment) => {
            let tried = Tried {
                attempts: 0,
                idempotency_key: key.as_ref().ok().cloned(),
            };
            let mut failures: Vec<Failure> = url.err().into_iter().collect();
            failures.extend(key.err());
            failures.extend(moment.err().unwrap_or_default());
            return fail_tried(&printer, failures, &tried);
        }
    };
    let total = Duration::from_secs_f64(args.once.timeout_total);
    let client = match config::client(url, &args.delivery, None, Some(total)) {
        Ok(client) => client,
        Err(failure) => return fail_tried(&printer, vec![failure], &Tried::none(&key)),
    };
    match deliver(&client, &moment, &key, &printer) {
        Ok(receipt) => {
            print_receipt(&printer, &receipt, true);
            exit::OK
        }
        Err((failures, tried)) => fail_tried(&printer, failures, &tried),
    }
}

/// Prints every problem; the exit status is the first of 78 (configuration), 66 (input),
/// 65 (data) found, else the first problem's.
pub(crate) fn fail(printer: &Printer, failures: Vec<Failure>) -> u8 {
    fail_with(printer, failures, None)
}

/// [`fail`] for a send: the JSON output also says how many attempts were made, with which
/// `Idempotency-Key`.
pub(crate) fn fail_tried(printer: &Printer, failures: Vec<Failure>, tried: &Tried) -> u8 {
    fail_with(printer, failures, Some(tried))
}

fn fail_with(printer: &Printer, failures: Vec<Failure>, tried: Option<&Tried>) -> u8 {
    let code = exit_of(&failures);
    let problems: Vec<Problem> = failures.into_iter().map(|(_, p)| p).collect();
    printer.problems(&problems, code, tried);
    code
}

/// The exit status of these problems: the first of 78 (configuration), 66 (input), 65 (data)
/// found, else the first problem's.
pub(crate) fn exit_of(failures: &[Failure]) -> u8 {
    [exit::CONFIG, exit::NOINPUT, exit::DATAERR]
        .into_iter()
        .find(|code| failures.iter().any(|(c, _)| c == code))
        .or_else(|| failures.first().map(|(c, _)| *c))
        .unwrap_or(exit::DATAERR)
}

impl Tried {
    /// Nothing sent yet, with this key.
    pub(crate) fn none(key: &str) -> Tried {
        Tried {
            attempts: 0,
            idempotency_key: Some(key.to_owned()),
        }
    }
}

/// The payload the flags describe, as JSON, so that the flags and `--json` are checked by
/// the very same rules and worded the same way.
pub(crate) fn fields_payload(name: Option<&str>, fields: &MomentFlags) -> Result<Value, Failure> {
    let mut object = Map::new();
    let mut put = |key: &str, value: Option<&str>| {
        if let Some(value) = value {
            object.insert(key.to_owned(), Value::String(value.to_owned()));
        }
    };
    put("name", name);
    put("type", fields.moment_type.as_deref());
    put("priority", fields.priority.as_deref());
    put("source", fields.source.as_deref());
    put("source_url", fields.source_url.as_deref());
    put("description", fields.description.as_deref());
    put("occurred_at", fields.occurred_at.as_deref());
    if let Some(path) = &fields.description_file {
        let text = input::description(Source::file(path, "--description-file"))?;
        object.insert("description".to_owned(), Value::String(text));
    }
    Ok(Value::Object(object))
}

/// The moment of a payload, its warnings printed; every §1 problem otherwise.
pub(crate) fn checked(payload: &Value, printer: &Printer) -> Result<Moment, Vec<Failure>> {
    let parsed = parse_lenient(payload, Utc::now());
    printer.warnings(&parsed.warnings);
    parsed.moment.map_err(|e| {
        e.into_problems()
            .into_iter()
            .map(|p| (exit::DATAERR, p))
            .collect()
    })
}

/// Sends the moment with this `Idempotency-Key` on a current-thread runtime (the command
/// does one thing at a time); the problems, the attempts made and the key otherwise.
pub(crate) fn deliver(
    client: &Client,
    moment: &Moment,
    key: &str,
    printer: &Printer,
) -> Result<Receipt, (Vec<Failure>, Tried)> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| {
            let problem = Problem::new("runtime", format!("cannot start: {e}"));
            (vec![(exit::TEMPFAIL, problem)], Tried::none(key))
        })?;
    logging::reset_attempts();
    let started = Instant::now();
    let result = runtime.block_on(client.send_with_idempotency_key(moment, key));
    warn_sunset(printer, client);
    result.map_err(|e| {
        let attempts = logging::attempts();
        let failures = explain(
            &e,
            attempts,
            started.elapsed(),
            Some(client.webhook_url()),
            Some(key),
            Sent::Moment,
        );
        let tried = Tried {
            attempts,
            idempotency_key: Some(key.to_owned()),
        };
        (failures, tried)
    })
}

/// When the webhook's answers announced its expiry (a `Sunset` header, spec §6): the warning
/// `warning: webhook: this webhook expires at ...; rotate it` on stderr (and a `::warning::`
/// in GitHub Actions). It changes no exit status.
pub(crate) fn warn_sunset(printer: &Printer, client: &Client) {
    if let Some(at) = client.sunset() {
        let message = format!("this webhook expires at {}; rotate it", format_time(at));
        printer.warnings(&[Problem::new("webhook", message)]);
    }
}

/// The send's result on stdout: the request id alone (text, when `text`) or the receipt
/// (JSON); the request id into `$GITHUB_OUTPUT` in GitHub Actions.
pub(crate) fn print_receipt(printer: &Printer, receipt: &Receipt, text: bool) {
    #[derive(Serialize)]
    struct Sent<'a> {
        status: u16,
        request_id: Option<&'a str>,
        attempts: u32,
        idempotency_key: &'a str,
    }
    if printer.json() {
        printer.result_json(&Sent {
            status: receipt.status,
            request_id: receipt.request_id.as_deref(),
            attempts: receipt.attempts,
            idempotency_key: &receipt.idempotency_key,
        });
    } else if let (true, Some(id)) = (text, &receipt.request_id) {
        printer.result(&format!("{id}\n"));
    }
    printer.github_output(receipt.request_id.as_deref());
}

/// What was sent: the words of [`explain`]'s messages.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sent {
    /// A moment (`send`, `run`) or a request status (`status`).
    Moment,
    /// A page (`page`): a lost answer may have paged someone.
    Page,
}

/// What went wrong, in words a person can act on, with the exit status it calls for.
/// `webhook` names the webhook in the messages of a refused one.
pub(crate) fn explain(
    error: &Error,
    attempts: u32,
    elapsed: Duration,
    webhook: Option<&WebhookUrl>,
    key: Option<&str>,
    sent: Sent,
) -> Vec<Failure> {
    let webhook = webhook.map(ToString::to_string).unwrap_or_default();
    let (thing, recorded) = match sent {
        Sent::Moment => ("moment", "recorded"),
        Sent::Page => ("page", "sent"),
    };
    let code = exit::for_error(error);
    let tried = || {
        let times = if attempts == 1 {
            "on its only attempt".to_owned()
        } else {
            format!("on each of {attempts} attempts")
        };
        format!("{times} over {:.1} s", elapsed.as_secs_f64())
    };
    // Hotpot said it did not take the moment, but an earlier attempt may have timed out.
    let later = match key {
        Some(key) => format!(
            "try again later (exit 75) with --idempotency-key {key}, so that it cannot be \
             {recorded} twice"
        ),
        None => "try again later (exit 75)".to_owned(),
    };
    // No answer: the server may have recorded it before the answer was lost.
    let unknown = match key {
        Some(key) => format!(
            "the {thing} may have been {recorded} all the same; try again later (exit 75) \
             with --idempotency-key {key}, so that it cannot be {recorded} twice"
        ),
        None => "try again later (exit 75)".to_owned(),
    };
    let body = |e: &Error| match e.body() {
        Some(b) if !b.is_empty() => format!(": {b}"),
        _ => String::new(),
    };
    let one = |field: &str, message: String| vec![(code, Problem::new(field, message))];
    match error {
        Error::Validation(v) => v.problems().iter().map(|p| (code, p.clone())).collect(),
        Error::Rejected { status, body: text } => {
            let (field, what) = match sent {
                Sent::Moment => ("payload", "the payload"),
                Sent::Page => ("page", "the page"),
            };
            let mut out = one(
                field,
                format!("Hotpot refused {what} (HTTP {status}){}", body(error)),
            );
            // A strict 422 lists the §1 problems: one line each.
            if let Ok(answer) = serde_json::from_str::<Value>(text)
                && let Some(details) = answer.get("details").and_then(Value::as_array)
            {
                out.extend(details.iter().filter_map(|d| {
                    serde_json::from_value::<Problem>(d.clone())
                        .ok()
                        .map(|p| (code, p))
                }));
            }
            out
        }
        Error::Webhook { status: 410, .. } => one(
            "webhook",
            format!(
                "the webhook {webhook} has expired (HTTP 410): rotate it: create a new \
                 webhook in Hotpot and put its URL in HOTPOT_WEBHOOK_URL (or the --url-file)"
            ),
        ),
        Error::Webhook { status, .. } => one(
            "webhook",
            format!(
                "Hotpot does not know the webhook {webhook} (HTTP {status}): it was deleted \
                 or revoked, or the URL is mistyped; check HOTPOT_WEBHOOK_URL (or the \
                 --url-file)"
            ),
        ),
        Error::RateLimited { retry_after, .. } => one(
            "delivery",
            format!(
                "rate limited (HTTP 429) {}{}{}; {later}",
                tried(),
                retry_after.map_or(String::new(), |d| format!(
                    ", Hotpot asked to wait {} s",
                    d.as_secs_f64()
                )),
                body(error)
            ),
        ),
        Error::Server { status, .. } => one(
            "delivery",
            format!(
                "server error (HTTP {status}) {}{}; {later}",
                tried(),
                body(error)
            ),
        ),
        Error::Timeout { .. } => one(
            "delivery",
            format!(
                "no answer in time {} (--timeout is per attempt, --timeout-total for the whole \
                 send); {unknown}",
                tried()
            ),
        ),
        Error::Transport(_) => one(
            "delivery",
            format!("cannot reach Hotpot {}: {error}; {unknown}", tried()),
        ),
        Error::Unauthorized(detail) => one(
            "HOTPOT_API_KEY",
            format!(
                "Hotpot refused the API key ({detail}): check HOTPOT_API_KEY (or the --api-key-file)"
            ),
        ),
        Error::UnknownRequest(id) => one(
            "request_id",
            format!(
                "Hotpot knows no request {id:?} (HTTP 404): check the id `hotpot send` printed"
            ),
        ),
        other => one("delivery", other.to_string()),
    }
}
