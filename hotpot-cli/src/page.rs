//! `hotpot page`: pages a person or a team's on-call (spec §14), checked by the same rules as
//! the server ([`hotpot_protocol::parse_page_lenient`]), sent with the client's retries (§5)
//! and one `Idempotency-Key`; with `--wait`, then waits until someone handles it.

use std::time::{Duration, Instant};

use hotpot_client::{Acknowledgement, ApiClient, Error, PageRequest, Problem, Receipt};
use hotpot_protocol::{RecipientKind, parse_page_lenient};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::args::PageArgs;
use crate::config::{self, Failure};
use crate::input::{self, Source};
use crate::output::{Printer, Tried};
use crate::send::{Sent, explain, fail_tried, print_receipt};
use crate::status::{handled_line, runtime};
use crate::{exit, logging};

/// Runs `hotpot page`; returns the exit status.
pub(crate) fn page(args: PageArgs) -> u8 {
    let printer = Printer::new("page", &args.output);
    // Every problem at once: the key's, the base's, the Idempotency-Key's and the page's.
    let key = config::api_key(args.api_key_file.as_deref());
    let base = config::api_base(&args.delivery);
    let idempotency_key = config::idempotency_key(&args.once);
    let request = checked(&args, &printer);
    let (key, base, idempotency_key, request) = match (key, base, idempotency_key, request) {
        (Ok(k), Ok(b), Ok(i), Ok(r)) => (k, b, i, r),
        (key, base, idempotency_key, request) => {
            let tried = Tried {
                attempts: 0,
                idempotency_key: idempotency_key.as_ref().ok().cloned(),
            };
            let mut failures: Vec<Failure> = base.err().into_iter().collect();
            failures.extend(key.err());
            failures.extend(idempotency_key.err());
            failures.extend(request.err().unwrap_or_default());
            return fail_tried(&printer, failures, &tried);
        }
    };
    let total = Duration::from_secs_f64(args.once.timeout_total);
    let api = match config::api_client(&base, key, &args.delivery, total) {
        Ok(api) => api,
        Err(failure) => return fail_tried(&printer, vec![failure], &Tried::none(&idempotency_key)),
    };
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(failure) => return fail_tried(&printer, vec![failure], &Tried::none(&idempotency_key)),
    };
    logging::reset_attempts();
    let started = Instant::now();
    let receipt =
        match runtime.block_on(api.send_page_with_idempotency_key(&request, &idempotency_key)) {
            Ok(receipt) => receipt,
            Err(e) => {
                let attempts = logging::attempts();
                let failures = explain(
                    &e,
                    attempts,
                    started.elapsed(),
                    None,
                    Some(&idempotency_key),
                    Sent::Page,
                );
                let tried = Tried {
                    attempts,
                    idempotency_key: Some(idempotency_key),
                };
                return fail_tried(&printer, failures, &tried);
            }
        };
    let Some(wait) = args.wait else {
        print_receipt(&printer, &receipt, true);
        return exit::OK;
    };
    // The id first, so that a script (or a person) has it while the command waits.
    if !printer.json() {
        print_receipt(&printer, &receipt, true);
    }
    let tried = Tried {
        attempts: receipt.attempts,
        idempotency_key: Some(receipt.idempotency_key.clone()),
    };
    let Some(request_id) = receipt.request_id.clone() else {
        let problem = Problem::new(
            "request_id",
            "Hotpot queued the page but named no request id, so there is nothing to wait on",
        );
        return fail_tried(&printer, vec![(exit::TEMPFAIL, problem)], &tried);
    };
    match runtime.block_on(wait_for(&api, &request_id, wait)) {
        Ok(acks) => {
            print_handled(&printer, &receipt, &acks);
            exit::OK
        }
        Err(e) => fail_tried(&printer, wait_failures(&e, &request_id, wait), &tried),
    }
}

/// The page the flags describe, checked by the server's own rules; its warnings printed.
fn checked(args: &PageArgs, printer: &Printer) -> Result<PageRequest, Vec<Failure>> {
    let (kind, recipient) = match (&args.team, &args.person) {
        (Some(team), _) => (RecipientKind::Team, team.as_str()),
        (None, Some(person)) => (RecipientKind::Person, person.as_str()),
        // clap requires one of them.
        (None, None) => (RecipientKind::Team, ""),
    };
    let text = match (&args.text, &args.text_file) {
        (Some(text), _) => text.clone(),
        (None, Some(path)) => {
            input::description(Source::file(path, "--text-file")).map_err(|f| vec![f])?
        }
        (None, None) => String::new(),
    };
    let mut body = Map::new();
    let mut put = |key: &str, value: Option<&str>| {
        if let Some(value) = value {
            body.insert(key.to_owned(), Value::String(value.to_owned()));
        }
    };
    put("title", Some(&args.title));
    put("text", Some(&text));
    put("recipient", Some(recipient));
    put("urgency", args.urgency.as_deref());
    put("source_url", args.source_url.as_deref());
    let parsed = parse_page_lenient(&Value::Object(body), kind);
    printer.warnings(&parsed.warnings);
    parsed.request.map_err(|e| {
        e.into_problems()
            .into_iter()
            .map(|p| (exit::DATAERR, p))
            .collect()
    })
}

/// Waits for the first acknowledgement, then lists them all (the first alone if the list
/// cannot be read).
async fn wait_for(
    api: &ApiClient,
    request_id: &str,
    wait: Duration,
) -> Result<Vec<Acknowledgement>, Error> {
    let first = api.wait_for_acknowledgement(request_id, wait).await?;
    Ok(match api.acknowledgements(request_id).await {
        Ok(all) if !all.is_empty() => all,
        _ => vec![first],
    })
}

/// What went wrong while waiting, with its exit status: 65 when the page failed, 75 when
/// nobody handled it in time, else as for the send.
fn wait_failures(error: &Error, request_id: &str, wait: Duration) -> Vec<Failure> {
    match error {
        Error::PageFailed { errors, .. } => {
            let mut out = vec![(
                exit::DATAERR,
                Problem::new(
                    "page",
                    format!(
                        "the page {request_id} failed after it was queued, so nobody will \
                         handle it (an unknown recipient?)"
                    ),
                ),
            )];
            out.extend(errors.iter().map(|p| (exit::DATAERR, p.clone())));
            out
        }
        Error::Timeout { .. } => vec![(
            exit::TEMPFAIL,
            Problem::new(
                "wait",
                format!(
                    "nobody handled the page {request_id} within {}; Hotpot keeps paging: \
                     check later with `hotpot status {request_id}`",
                    shown(wait)
                ),
            ),
        )],
        other => explain(other, 1, Duration::ZERO, None, None, Sent::Page),
    }
}

fn shown(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs >= 3600.0 && secs % 3600.0 == 0.0 {
        format!("{}h", secs / 3600.0)
    } else if secs >= 60.0 && secs % 60.0 == 0.0 {
        format!("{}m", secs / 60.0)
    } else {
        format!("{secs}s")
    }
}

/// `handled by EMAIL at TIME` (text, the id was printed before the wait), or the receipt
/// with the acknowledgements (JSON).
fn print_handled(printer: &Printer, receipt: &Receipt, acks: &[Acknowledgement]) {
    #[derive(Serialize)]
    struct Handled<'a> {
        status: u16,
        request_id: Option<&'a str>,
        attempts: u32,
        idempotency_key: &'a str,
        acknowledgements: &'a [Acknowledgement],
    }
    if printer.json() {
        printer.result_json(&Handled {
            status: receipt.status,
            request_id: receipt.request_id.as_deref(),
            attempts: receipt.attempts,
            idempotency_key: &receipt.idempotency_key,
            acknowledgements: acks,
        });
        printer.github_output(receipt.request_id.as_deref());
    } else if let Some(first) = acks.first() {
        printer.result(&handled_line(first));
    }
}
