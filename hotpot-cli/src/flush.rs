//! `hotpot flush --spool DIR`: delivers what an emitter's spool holds (spec §9, §10), the
//! spool of a service that died, say, with the moments' own `Idempotency-Key`s.

use std::path::Path;
use std::time::Duration;

use hotpot_client::Problem;
use hotpot_client::spool::{FlushReport, flush_spool};
use serde::Serialize;

use crate::args::FlushArgs;
use crate::config;
use crate::exit;
use crate::output::{self, Printer};
use crate::send::{fail, warn_sunset};

/// Runs `hotpot flush`: prints the report (a line of counts, or a JSON object with the live
/// emitters' slots in `"live"`; in text the live slots go to standard error, one a line) and
/// exits with [`exit::for_flush`]: 0 when every orphaned moment was delivered, else 77, 65 or 75.
pub(crate) fn flush(args: FlushArgs) -> u8 {
    let printer = Printer::new("flush", &args.output);
    // A typo is not an empty spool: the directory must be there, and be a spool.
    let missing =
        not_a_spool(&args.spool).map(|message| (exit::NOINPUT, Problem::new("--spool", message)));
    let url = config::webhook_url(&args.delivery);
    let url = match (url, missing) {
        (Ok(url), None) => url,
        (url, missing) => return fail(&printer, url.err().into_iter().chain(missing).collect()),
    };
    let client = match config::client(url, &args.delivery, None, None) {
        Ok(client) => client,
        Err(failure) => return fail(&printer, vec![failure]),
    };
    let flushed = flush_spool(
        &args.spool,
        client.clone(),
        Duration::from_secs_f64(args.timeout_total),
    );
    warn_sunset(&printer, &client);
    match flushed {
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

/// Why `dir` is not an emitter's spool, if it is not: no directory there, or a directory
/// without any of a spool's files (its `slot-N` directories; in the single-owner layout of
/// earlier versions its `lock` file and `NNNNNNNNNNNNNNNNNNNN.seg` segments),
/// which a flush would otherwise turn into an empty spool, leaving a `lock` file behind.
fn not_a_spool(dir: &Path) -> Option<String> {
    let shown = dir.display();
    if !dir.is_dir() {
        return Some(format!(
            "expected the directory of an emitter's spool, found no directory at {shown}"
        ));
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return Some(format!("cannot read the directory {shown}: {e}")),
    };
    let is_spool_file = |name: &str| {
        name == "lock"
            || name
                .strip_prefix("slot-")
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            || name
                .strip_suffix(".seg")
                .is_some_and(|id| id.len() == 20 && id.bytes().all(|b| b.is_ascii_digit()))
    };
    if entries
        .filter_map(Result::ok)
        .any(|entry| entry.file_name().to_str().is_some_and(is_spool_file))
    {
        return None;
    }
    Some(format!(
        "expected the directory of an emitter's spool, found no spool file in {shown} (an \
         emitter's spool holds slot-N directories, or a lock file and \
         NNNNNNNNNNNNNNNNNNNN.seg segments): is it the \
         directory the emitter was built with? Nothing was written to it"
    ))
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
        live: Vec<Live>,
    }
    /// A live emitter's slot, left alone.
    #[derive(Serialize)]
    struct Live {
        pid: Option<u32>,
        moments: u64,
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
            live: report
                .live
                .iter()
                .map(|slot| Live {
                    pid: slot.pid,
                    moments: slot.moments,
                })
                .collect(),
        });
    } else {
        printer.result(&format!("{report}\n"));
        let mut live = String::new();
        for slot in &report.live {
            let pid = slot.pid.map_or("an unknown process".to_owned(), |pid| {
                format!("process {pid}")
            });
            live.push_str(&format!(
                "live slot left alone: {pid} holds {} moment(s) and delivers them itself\n",
                slot.moments
            ));
        }
        output::stderr(&live);
    }
    if report.damaged > 0 {
        // The reason for exit 65 when nothing was refused.
        output::stderr(&format!(
            "--spool: skipped {} damaged record stretch(es) or file(s); the intact moments \
             were delivered\n",
            report.damaged
        ));
    }
}
