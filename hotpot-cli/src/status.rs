//! `hotpot status REQUEST_ID`: what became of a request (spec §4), asked of the server
//! whose base the webhook URL names, with the API key.

use std::time::Instant;

use hotpot_client::{RequestState, RequestStatus};
use serde::Serialize;

use crate::args::StatusArgs;
use crate::config;
use crate::output::Printer;
use crate::send::{explain, fail};
use crate::{exit, logging};

/// Runs `hotpot status`: prints the state (`accepted`, `success` or `error`) on the first
/// line and the request's problems after it (text), or the §4 object (JSON); exits 0 when the
/// request is known.
pub(crate) fn status(args: StatusArgs) -> u8 {
    let printer = Printer::new("status", &args.output);
    let url = config::webhook_url(&args.delivery);
    let key = config::api_key(args.api_key_file.as_deref());
    let (url, key) = match (url, key) {
        (Ok(url), Ok(key)) => (url, key),
        (url, key) => {
            return fail(
                &printer,
                [url.err(), key.err()].into_iter().flatten().collect(),
            );
        }
    };
    let deadline = Some(hotpot_client::defaults::SEND_DEADLINE);
    let client = match config::client(url, &args.delivery, Some(key), deadline) {
        Ok(client) => client,
        Err(failure) => return fail(&printer, vec![failure]),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            let problem = hotpot_client::Problem::new("runtime", format!("cannot start: {e}"));
            return fail(&printer, vec![(exit::TEMPFAIL, problem)]);
        }
    };
    logging::reset_attempts();
    let started = Instant::now();
    match runtime.block_on(client.request_status(&args.request_id)) {
        Ok(status) => {
            print_status(&printer, &status);
            exit::OK
        }
        Err(e) => fail(
            &printer,
            explain(&e, logging::attempts(), started.elapsed(), &client, None),
        ),
    }
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

fn print_status(printer: &Printer, status: &RequestStatus) {
    /// The §4 object.
    #[derive(Serialize)]
    struct Answer<'a> {
        message_request_id: &'a str,
        status: &'a str,
        status_message: Option<&'a str>,
        errors: &'a [hotpot_client::Problem],
        message_id: Option<&'a str>,
    }
    let state = state_name(&status.state);
    if printer.json() {
        printer.result_json(&Answer {
            message_request_id: &status.request_id,
            status: state,
            status_message: status.status_message.as_deref(),
            errors: &status.errors,
            message_id: status.message_id.as_deref(),
        });
        return;
    }
    let mut text = format!("{state}\n");
    for problem in &status.errors {
        text.push_str(&format!("{}: {}\n", problem.field, problem.message));
    }
    printer.result(&text);
}
