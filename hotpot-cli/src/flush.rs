//! `hotpot flush --spool DIR`: delivers what an emitter's spool holds (contract §9, §10), the
//! spool of a service that died, say, with the moments' own `Idempotency-Key`s.

use std::time::Duration;

use hotpot_client::Problem;
use hotpot_client::spool::{FlushReport, flush_spool};
use serde::Serialize;

use crate::args::FlushArgs;
use crate::config;
use crate::exit;
use crate::output::Printer;
use crate::send::fail;

/// Runs `hotpot flush`: prints the report (a line of counts, or a JSON object) and exits
/// with [`exit::for_flush`]: 0 when everything was delivered, else 77, 65 or 75.
pub(crate) fn flush(args: FlushArgs) -> u8 {
    let printer = Printer::new("flush", &args.output);
    if let Some(problem) = config::refuse_url_flag(&args.delivery) {
        printer.problems(&[problem], exit::USAGE, None);
        return exit::USAGE;
    }
    // A typo is not an empty spool: the directory must be there to be read.
    let missing = (!args.spool.is_dir()).then(|| {
        (
            exit::NOINPUT,
            Problem::new(
                "--spool",
                format!(
                    "expected the directory of an emitter's spool, found no directory at {}",
                    args.spool.display()
                ),
            ),
        )
    });
    let url = config::webhook_url(&args.delivery);
    let url = match (url, missing) {
        (Ok(url), None) => url,
        (url, missing) => return fail(&printer, url.err().into_iter().chain(missing).collect()),
    };
    let client = match config::client(url, &args.delivery, None, None) {
        Ok(client) => client,
        Err(failure) => return fail(&printer, vec![failure]),
    };
    match flush_spool(
        &args.spool,
        client,
        Duration::from_secs_f64(args.timeout_total),
    ) {
        Ok(report) => {
            print_report(&printer, &report);
            exit::for_flush(&report)
        }
        // Held by a running emitter, or a directory that cannot be used.
        Err(e) => fail(
            &printer,
            vec![(exit::CONFIG, Problem::new("--spool", e.to_string()))],
        ),
    }
}

fn print_report(printer: &Printer, report: &FlushReport) {
    /// The report as `--output json` prints it.
    #[derive(Serialize)]
    struct Answer {
        found: u64,
        delivered: u64,
        webhook_gone: u64,
        rejected: u64,
        other_failed: u64,
        left: u64,
        damaged: u64,
    }
    if printer.json() {
        printer.result_json(&Answer {
            found: report.found,
            delivered: report.delivered,
            webhook_gone: report.webhook_gone,
            rejected: report.rejected,
            other_failed: report.other_failed,
            left: report.left,
            damaged: report.damaged,
        });
    } else {
        printer.result(&format!("{report}\n"));
    }
}
