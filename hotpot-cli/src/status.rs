//! `hotpot status REQUEST_ID`: what became of a request (spec §4), and for a page who has
//! handled it (§14), asked of the API's base (`HOTPOT_API_URL`, else the webhook URL's base)
//! with the API key.

use std::time::Instant;

use hotpot_client::{Acknowledgement, ApiClient, Error, RequestState, RequestStatus};
use serde::Serialize;

use crate::args::StatusArgs;
use crate::config;
use crate::output::Printer;
use crate::send::{Sent, explain, fail};
use crate::{exit, logging};

/// Runs `hotpot status`: prints the state (`accepted`, `success` or `error`) on the first
/// line, the request's problems after it, and a page's acknowledgements (text); or the §4
/// object with `acknowledgements` (JSON); exits 0 when the request is known.
pub(crate) fn status(args: StatusArgs) -> u8 {
    let printer = Printer::new("status", &args.output);
    let key = config::api_key(args.api_key_file.as_deref());
    let base = config::api_base(&args.delivery);
    let (key, base) = match (key, base) {
        (Ok(key), Ok(base)) => (key, base),
        (key, base) => {
            return fail(
                &printer,
                [base.err(), key.err()].into_iter().flatten().collect(),
            );
        }
    };
    let deadline = hotpot_client::defaults::SEND_DEADLINE;
    let api = match config::api_client(&base, key, &args.delivery, deadline) {
        Ok(api) => api,
        Err(failure) => return fail(&printer, vec![failure]),
    };
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(failure) => return fail(&printer, vec![failure]),
    };
    logging::reset_attempts();
    let started = Instant::now();
    match runtime.block_on(look_up(&api, &args.request_id)) {
        Ok((status, acks)) => {
            print_status(&printer, &status, acks.as_deref());
            exit::OK
        }
        Err(e) => fail(
            &printer,
            explain(
                &e,
                logging::attempts(),
                started.elapsed(),
                None,
                None,
                Sent::Moment,
            ),
        ),
    }
}

/// A current-thread runtime: the command does one thing at a time.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, config::Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| {
            let problem = hotpot_client::Problem::new("runtime", format!("cannot start: {e}"));
            (exit::TEMPFAIL, problem)
        })
}

/// The status, and the acknowledgements where the request is a page (`None` for a moment's
/// request, which has none to list: its answer is a 404).
async fn look_up(
    api: &ApiClient,
    request_id: &str,
) -> Result<(RequestStatus, Option<Vec<Acknowledgement>>), Error> {
    let status = api.request_status(request_id).await?;
    let acks = match api.acknowledgements(request_id).await {
        Ok(acks) => Some(acks),
        Err(Error::UnknownRequest(_)) => None,
        Err(e) => return Err(e),
    };
    Ok((status, acks))
}

fn state_name(state: &RequestState) -> &str {
    match state {
        RequestState::Accepted => "accepted",
        RequestState::Success => "success",
        RequestState::Error => "error",
        RequestState::Other(other) => other,
        _ => "unknown",
    }
}

/// `handled by EMAIL at TIME`, the line `page --wait` and `status` print per acknowledgement.
pub(crate) fn handled_line(ack: &Acknowledgement) -> String {
    format!(
        "handled by {} at {}\n",
        ack.email,
        hotpot_protocol::moment::rules::format_time(ack.acknowledged_at)
    )
}

fn print_status(printer: &Printer, status: &RequestStatus, acks: Option<&[Acknowledgement]>) {
    /// The §4 object, with a page's acknowledgements.
    #[derive(Serialize)]
    struct Answer<'a> {
        message_request_id: &'a str,
        status: &'a str,
        status_message: Option<&'a str>,
        errors: &'a [hotpot_client::Problem],
        message_id: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        acknowledgements: Option<&'a [Acknowledgement]>,
    }
    let state = state_name(&status.state);
    if printer.json() {
        printer.result_json(&Answer {
            message_request_id: &status.request_id,
            status: state,
            status_message: status.status_message.as_deref(),
            errors: &status.errors,
            message_id: status.message_id.as_deref(),
            acknowledgements: acks,
        });
        return;
    }
    let mut text = format!("{state}\n");
    for problem in &status.errors {
        text.push_str(&format!("{}: {}\n", problem.field, problem.message));
    }
    for ack in acks.unwrap_or_default() {
        text.push_str(&handled_line(ack));
    }
    printer.result(&text);
}
