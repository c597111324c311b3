//! The exit statuses of spec §9: the BSD `sysexits` values, so that a script can tell
//! "fix your call" (65, 66, 77, 78) from "try again later" (75).
//!
//! ```
//! use hotpot_cli::exit;
//! assert_eq!(exit::TEMPFAIL, 75);
//! assert_eq!(exit::for_error(&hotpot_client::Error::Server { status: 503, body: String::new() }), 75);
//! ```

use hotpot_client::Error;
use hotpot_client::FlushReport;

/// Sent (2xx); `check`: valid; `status`: the request is known.
pub const OK: u8 = 0;
/// Usage: an unknown flag, a missing argument (clap's own), a URL given as a flag.
pub const USAGE: u8 = 2;
/// `EX_DATAERR`: the moment breaks a §1 rule (a page a §14 rule), a page failed after it
/// was queued (an unknown recipient), the payload is empty, not UTF-8, not JSON or
/// not an object, the `Idempotency-Key` breaks the §3 rule, or Hotpot refused the payload
/// (400, 413, 415, 422).
pub const DATAERR: u8 = 65;
/// `EX_NOINPUT`: a payload or description file that cannot be read.
pub const NOINPUT: u8 = 66;
/// `EX_UNAVAILABLE`: `status`: the request id is unknown (404).
pub const UNAVAILABLE: u8 = 69;
/// `EX_IOERR`: the result could not be written on standard output (a full disk,
/// `/dev/full`, a closed descriptor); what was done (a moment sent, say) was done.
pub const IOERR: u8 = 74;
/// `EX_TEMPFAIL`: retryable trouble that outlasted the retries (429, 408, 5xx, timeout,
/// transport), or `page --wait` ran out with nobody handling the page; running again later
/// may succeed.
pub const TEMPFAIL: u8 = 75;
/// `EX_NOPERM`: the webhook is unknown, revoked or expired (401, 403, 404, 410), or
/// the API key of `status` or `page` is refused (401, 403).
pub const NOPERM: u8 = 77;
/// `EX_CONFIG`: no webhook URL, an invalid one (a trailing slash, plain `http` to another
/// host without `--allow-http`), an unreadable `--url-file`; `status` or `page` with no API key
/// at all, or a bad API base URL.
pub const CONFIG: u8 = 78;

/// The exit status for an error of [`hotpot_client`].
///
/// ```
/// use hotpot_client::Error;
/// assert_eq!(hotpot_cli::exit::for_error(&Error::Webhook { status: 410, body: String::new() }), 77);
/// assert_eq!(hotpot_cli::exit::for_error(&Error::Rejected { status: 422, body: String::new() }), 65);
/// ```
pub fn for_error(error: &Error) -> u8 {
    match error {
        Error::Validation(_) | Error::Rejected { .. } | Error::PageFailed { .. } => DATAERR,
        Error::InvalidUrl(_) | Error::Config(_) => CONFIG,
        Error::Webhook { .. } | Error::Unauthorized(_) => NOPERM,
        Error::UnknownRequest(_) => UNAVAILABLE,
        // Retryable trouble, and answers the specification gives no meaning (a redirect from a
        // proxy): another run later may succeed.
        _ => TEMPFAIL,
    }
}

/// The exit status of `hotpot flush` (spec §10): 0 when every orphaned moment was delivered
/// (live emitters' slots do not count), else the first that applies of 77 (some met an
/// unknown or expired webhook), 65 (some were refused, or records were damaged), 75 (some are
/// left in the spool for later, or failed otherwise).
pub fn for_flush(report: &FlushReport) -> u8 {
    if report.webhook_gone > 0 {
        NOPERM
    } else if report.rejected > 0 || report.damaged > 0 {
        DATAERR
    } else if report.left > 0 || report.other_failed > 0 {
        TEMPFAIL
    } else {
        OK
    }
}
