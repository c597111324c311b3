//! `hotpot check`: the §1 verdict on a payload, without sending anything.

use crate::args::CheckArgs;
use crate::exit;
use crate::input::{self, Source};
use crate::output::Printer;
use crate::send::{checked, fail};

/// Runs `hotpot check`: prints the canonical payload (lower-case type, `occurred_at` in
/// RFC 3339 UTC) and exits 0, or prints every problem and exits 65 (66 for a file that cannot
/// be read).
pub(crate) fn check(args: CheckArgs) -> u8 {
    let printer = Printer::new("check", &args.output);
    // The problems of the file name it (`-` for standard input), not a placeholder.
    let source = match &args.path {
        Some(path) => Source::file(path, ""),
        None => Source::Stdin { flag: "" },
    };
    let payload = match input::payload(source) {
        Ok(payload) => payload,
        Err(failure) => return fail(&printer, vec![failure]),
    };
    match checked(&payload, &printer) {
        Ok(moment) => {
            printer.result(&format!("{}\n", moment.to_json()));
            exit::OK
        }
        Err(failures) => fail(&printer, failures),
    }
}
