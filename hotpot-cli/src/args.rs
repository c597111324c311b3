//! The command line, declared with clap's derive: every subcommand, its flags and its help.
//!
//! Help text is written for an 80-column terminal (a test checks every line), and each
//! subcommand's help ends with an example.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum, ValueHint};
use hotpot_client::defaults;
use hotpot_mock_server::MockArgs;

const ABOUT: &str = "Send Hotpot moments from shell scripts, deploy pipelines and CI jobs.";

const LONG_ABOUT: &str = "\
Send Hotpot moments from shell scripts, deploy pipelines and CI jobs: the moment
is checked before it is sent, retried through server trouble, and the exit
status says what happened.

The webhook URL comes from HOTPOT_WEBHOOK_URL or from --url-file PATH, never
from a flag (a command line is visible to every user of the machine).";

const EXIT_CODES: &str = "\
Exit status:
  0   sent; check: valid; status: the request is known
  2   usage: an unknown flag, a missing argument
  65  the moment, payload or Idempotency-Key is invalid, or Hotpot refused it
  66  a payload or description file cannot be read
  69  status: the request id is unknown
  74  the result could not be written on stdout (a full disk)
  75  Hotpot or the network had trouble on every attempt (try again later)
  77  the webhook is unknown, revoked or expired; status: API key refused
  78  no webhook URL, an invalid one; status: no API key";

const MAIN_EXAMPLES: &str = "\
Examples:
  export HOTPOT_WEBHOOK_URL=https://api.hotpot.works/moment/TOKEN
  hotpot send 'Deploy of api v42 failed' --type alert --source deploybot
  hotpot run --source cron -- ./nightly-backup.sh";

/// `hotpot`: the whole command line.
#[derive(Debug, Parser)]
#[command(
    name = "hotpot",
    bin_name = "hotpot",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = MAIN_EXAMPLES,
    after_long_help = format!("{MAIN_EXAMPLES}\n\n{EXIT_CODES}"),
    propagate_version = true,
    // At most 80 columns (narrower on a narrower terminal); the texts are written for it.
    max_term_width = 80
)]
pub struct Cli {
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands of spec §9.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a moment and send it, retrying through server trouble
    #[command(after_help = SEND_EXAMPLES, after_long_help = format!("{SEND_EXAMPLES}\n\n{EXIT_CODES}"))]
    Send(SendArgs),
    /// Run a command; send a moment when it fails, keep its exit status
    #[command(after_help = RUN_EXAMPLES, after_long_help = format!("{RUN_EXAMPLES}\n\n{RUN_EXIT}"))]
    Run(RunArgs),
    /// Check a JSON payload without sending it; print it canonical
    #[command(after_help = CHECK_EXAMPLES)]
    Check(CheckArgs),
    /// Page a person or a team's on-call; optionally wait until someone handles it
    #[command(after_help = PAGE_EXAMPLES, after_long_help = format!("{PAGE_EXAMPLES}\n\n{PAGE_EXIT}"))]
    Page(PageArgs),
    /// Look up what became of a request (and who handled a page)
    #[command(after_help = STATUS_EXAMPLES)]
    Status(StatusArgs),
    /// Deliver what an emitter's spool holds (a dead service's, say)
    #[command(after_help = FLUSH_EXAMPLES, after_long_help = format!("{FLUSH_EXAMPLES}\n\n{FLUSH_EXIT}"))]
    Flush(FlushArgs),
    /// Run the mock server, as the hotpot-mock-server binary does
    #[command(after_help = MOCK_EXAMPLES)]
    Mock(MockArgs),
    /// Print a shell completion script
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions(CompletionsArgs),
}

const SEND_EXAMPLES: &str = "\
Examples:
  hotpot send 'Failed deploy with successful rollback' --type near-miss \\
      --priority high --source deploybot --source-url \"$CI_JOB_URL\"
  hotpot send --json '{\"name\": \"Disk 91% full on db-1\", \"type\": \"alert\"}'
  generate-payload | hotpot send --json-file - --output json";

const RUN_EXAMPLES: &str = "\
Examples:
  hotpot run -- ./deploy.sh production
  hotpot run --name 'Nightly backup failed' --type incident -- pg_dump app
  hotpot run --always --source cron -- ./rotate-logs.sh";

const RUN_EXIT: &str = "\
Exit status: the command's own (128 + N when a signal N killed it; 127 when it
cannot be found, 126 when it cannot be run), whatever became of the moment: a
moment that cannot be sent is reported on stderr.";

const CHECK_EXAMPLES: &str = "\
Examples:
  hotpot check payload.json
  echo '{\"name\": \"Paged\", \"type\": \"Page\"}' | hotpot check";

const PAGE_EXAMPLES: &str = "\
Examples:
  export HOTPOT_API_KEY=...
  hotpot page --team payments --title 'Rollback failed' --text 'api 1.4.2' \\
      --urgency high --source-url \"$CI_JOB_URL\"
  hotpot page --person ana@example.com --title 'Backup missing' \\
      --text-file report.md --wait 5m";

const PAGE_EXIT: &str = "\
Exit status:
  0   queued (without --wait); handled (with --wait)
  2   usage: not exactly one of --team/--person and of --text/--text-file
  65  a field problem, a refused page, or the page failed (an unknown recipient)
  66  the --text-file cannot be read
  75  Hotpot or the network had trouble on every attempt, or --wait ran out
      with nobody handling the page (try again later)
  77  the API key was refused
  78  no API key, or a bad API base URL";

const STATUS_EXAMPLES: &str = "\
Examples:
  hotpot status f1e5ae0a-f90c-4dac-affa-2eda897f5c3f --api-key-file key.txt
  hotpot status \"$(hotpot send 'Deploy started' --type page)\" --output json";

const FLUSH_EXAMPLES: &str = "\
Examples:
  hotpot flush --spool /var/lib/myservice/hotpot-spool
  hotpot flush --spool ./spool --timeout-total 300 --output json";

const FLUSH_EXIT: &str = "\
Exit status:
  0   every moment the spool held was delivered (or it held none)
  65  Hotpot refused some of them; they left the spool
  66  no spool there: no directory, or none of a spool's files in it
  75  some are left in the spool (Hotpot down or slow): run it again later
  77  some met an unknown, revoked or expired webhook; they left the spool
  78  no webhook URL, an invalid one; a spool another emitter holds";

const MOCK_EXAMPLES: &str = "\
Examples:
  hotpot mock --port 0 --token test-token
  hotpot mock --strict --rate-limit 5";

const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  hotpot completions bash > ~/.local/share/bash-completion/completions/hotpot
  hotpot completions zsh > \"${fpath[1]}/_hotpot\"";

/// How results and problems are printed: `--output`, `--quiet`.
#[derive(Clone, Debug, Args)]
pub struct OutputArgs {
    /// Print results (and problems) as text or as JSON on stdout
    #[arg(long, value_enum, default_value_t = Format::Text, value_name = "FORMAT")]
    pub output: Format,
    /// Print nothing on stdout (problems still go to stderr)
    #[arg(long, short)]
    pub quiet: bool,
}

/// `--output`'s values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    // No doc comments: clap then lists the values on one line.
    Text,
    Json,
}

/// Where the webhook URL comes from and how a send is retried.
#[derive(Clone, Debug, Args)]
pub struct DeliveryArgs {
    /// Read the webhook URL from the first line of this file
    /// [default: $HOTPOT_WEBHOOK_URL]
    #[arg(long, value_name = "PATH", value_hint = ValueHint::FilePath)]
    pub url_file: Option<PathBuf>,
    /// Seconds allowed for each attempt
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds,
          default_value_t = defaults::TIMEOUT.as_secs_f64())]
    pub timeout: f64,
    /// Retries after the first attempt
    #[arg(long, value_name = "N", default_value_t = defaults::MAX_RETRIES)]
    pub retries: u32,
    /// Accept a plain http webhook URL to a host that is not loopback (a mock in
    /// a CI service container): the token crosses the network in clear text
    /// [default: $HOTPOT_ALLOW_HTTP=1]
    #[arg(long)]
    pub allow_http: bool,
    // No `--url`: the URL never comes from the command line. clap's error for it is turned
    // into the refusal that says where the URL comes from (`crate::run`), and completion
    // scripts, which list hidden flags too, never offer it.
}

/// One send of `send` and `run`: its `--idempotency-key` and its `--timeout-total`.
#[derive(Clone, Debug, Args)]
pub struct OnceArgs {
    /// Seconds allowed for the whole send, every attempt and wait included
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds,
          default_value_t = defaults::SEND_DEADLINE.as_secs_f64())]
    pub timeout_total: f64,
    /// The moment's Idempotency-Key: a call repeated with the same key cannot
    /// record it twice [default: $HOTPOT_IDEMPOTENCY_KEY, else a fresh one]
    #[arg(long, value_name = "KEY")]
    pub idempotency_key: Option<String>,
}

/// The fields of one moment given as flags (spec §1).
#[derive(Clone, Debug, Default, Args)]
pub struct MomentFlags {
    /// page, alert, near-miss or incident (any case)
    #[arg(long = "type", short = 't', value_name = "TYPE",
          value_parser = Completed(TYPES), hide_possible_values = true)]
    pub moment_type: Option<String>,
    /// high, medium or low (any case)
    #[arg(long, short = 'p', value_name = "P",
          value_parser = Completed(PRIORITIES), hide_possible_values = true)]
    pub priority: Option<String>,
    /// The system, person or tool the moment comes from
    #[arg(long, short = 's', value_name = "S")]
    pub source: Option<String>,
    /// An absolute http(s) URL to link from the moment
    #[arg(long, value_name = "U")]
    pub source_url: Option<String>,
    /// Markdown describing what happened
    #[arg(
        long,
        short = 'd',
        value_name = "TEXT",
        conflicts_with = "description_file"
    )]
    pub description: Option<String>,
    /// Read the description from a file (- for stdin)
    #[arg(long, value_name = "PATH", value_hint = ValueHint::FilePath)]
    pub description_file: Option<PathBuf>,
    /// When it happened: RFC 3339, or 'YYYY-MM-DD HH:MM:SS' in UTC [default: now]
    #[arg(long, value_name = "TIME")]
    pub occurred_at: Option<String>,
}

/// `hotpot send`.
#[derive(Clone, Debug, Args)]
#[command(group = clap::ArgGroup::new("payload").required(true).args(["name", "json", "json_file"]))]
pub struct SendArgs {
    /// The moment's name (1 to 70 characters)
    #[arg(value_name = "NAME", requires = "moment_type")]
    pub name: Option<String>,
    /// The moment's fields.
    #[command(flatten)]
    pub fields: MomentFlags,
    /// Send this JSON payload (the body a curl --json call would send)
    #[arg(long, value_name = "PAYLOAD", conflicts_with_all = FIELD_FLAGS)]
    pub json: Option<String>,
    /// Send the JSON payload in this file (- for stdin)
    #[arg(long, value_name = "PATH", value_hint = ValueHint::FilePath,
          conflicts_with_all = FIELD_FLAGS)]
    pub json_file: Option<PathBuf>,
    /// Delivery.
    #[command(flatten)]
    pub delivery: DeliveryArgs,
    /// The send's key.
    #[command(flatten)]
    pub once: OnceArgs,
    /// Output.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The flags of [`MomentFlags`], which a JSON payload replaces.
const FIELD_FLAGS: [&str; 7] = [
    "moment_type",
    "priority",
    "source",
    "source_url",
    "description",
    "description_file",
    "occurred_at",
];

/// `hotpot run`.
#[derive(Clone, Debug, Args)]
pub struct RunArgs {
    /// The moment's name [default: 'COMMAND failed (exit N)']
    #[arg(long, short = 'n', value_name = "NAME")]
    pub name: Option<String>,
    /// The moment's fields (type: alert unless given).
    #[command(flatten)]
    pub fields: MomentFlags,
    /// Also send a moment when the command succeeds
    #[arg(long)]
    pub always: bool,
    /// Write the result as JSON to this file (created empty before the command
    /// starts); stdout stays the command's. Without it, --output json writes it
    /// as the last line of stderr
    #[arg(long, value_name = "PATH", value_hint = ValueHint::FilePath)]
    pub output_file: Option<PathBuf>,
    /// Delivery.
    #[command(flatten)]
    pub delivery: DeliveryArgs,
    /// The send's key.
    #[command(flatten)]
    pub once: OnceArgs,
    /// Output.
    #[command(flatten)]
    pub output: OutputArgs,
    /// The command to run, and its arguments
    #[arg(value_name = "COMMAND", required = true, last = true,
          value_hint = ValueHint::CommandWithArguments)]
    pub command: Vec<OsString>,
}

/// `hotpot check`.
#[derive(Clone, Debug, Args)]
pub struct CheckArgs {
    /// The payload file (- or nothing for stdin)
    #[arg(value_name = "PATH", value_hint = ValueHint::FilePath)]
    pub path: Option<PathBuf>,
    /// Output.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `hotpot status`.
#[derive(Clone, Debug, Args)]
pub struct StatusArgs {
    /// The request id `hotpot send` printed
    #[arg(value_name = "REQUEST_ID", value_parser = parse_request_id)]
    pub request_id: String,
    /// Read the API key from the first line of this file
    /// [default: $HOTPOT_API_KEY]
    #[arg(long, value_name = "PATH", value_hint = ValueHint::FilePath)]
    pub api_key_file: Option<PathBuf>,
    /// Delivery.
    #[command(flatten)]
    pub delivery: DeliveryArgs,
    /// Output.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `hotpot page` (spec §14).
#[derive(Clone, Debug, Args)]
#[command(group(clap::ArgGroup::new("recipient").required(true).args(["team", "person"])))]
#[command(group(clap::ArgGroup::new("body").required(true).args(["text", "text_file"])))]
#[command(
    override_usage = "hotpot page (--team SLUG | --person EMAIL) --title TITLE
       (--text TEXT | --text-file PATH) [OPTIONS]"
)]
pub struct PageArgs {
    /// Page the people on call for this team (its slug)
    #[arg(long, value_name = "SLUG")]
    pub team: Option<String>,
    /// Page this person directly (an e-mail address)
    #[arg(long, value_name = "EMAIL")]
    pub person: Option<String>,
    /// A short summary (at most 200 characters)
    #[arg(long, value_name = "TITLE")]
    pub title: String,
    /// The full text of the page (at most 10,000 characters)
    #[arg(long, value_name = "TEXT")]
    pub text: Option<String>,
    /// Read the text from a file (- for stdin)
    #[arg(long, value_name = "PATH", value_hint = ValueHint::FilePath)]
    pub text_file: Option<PathBuf>,
    /// low, medium or high (any case) [Hotpot's default: medium]
    #[arg(long, value_name = "U")]
    pub urgency: Option<String>,
    /// An absolute http(s) URL to link from the page
    #[arg(long, value_name = "U")]
    pub source_url: Option<String>,
    /// Then wait until someone handles the page: 30s, 5m, 1h (default 10m)
    #[arg(long, value_name = "DURATION", num_args = 0..=1, default_missing_value = "10m",
          value_parser = parse_duration)]
    pub wait: Option<std::time::Duration>,
    /// Read the API key from the first line of this file
    /// [default: $HOTPOT_API_KEY]
    #[arg(long, value_name = "PATH", value_hint = ValueHint::FilePath)]
    pub api_key_file: Option<PathBuf>,
    /// The send's deadline and Idempotency-Key.
    #[command(flatten)]
    pub once: OnceArgs,
    /// Delivery.
    #[command(flatten)]
    pub delivery: DeliveryArgs,
    /// Output.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `--wait`: `30s`, `5m`, `1h` or plain seconds, above zero and at most a day.
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let t = text.trim();
    let (number, unit) = match t.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((i, _)) => t.split_at(i),
        None => (t, "s"),
    };
    let scale = match unit {
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        _ => f64::NAN,
    };
    match number.parse::<f64>() {
        Ok(n) if (n * scale).is_finite() && n > 0.0 && n * scale <= 86_400.0 => {
            Ok(std::time::Duration::from_secs_f64(n * scale))
        }
        _ => Err(format!(
            "expected a duration such as 30s, 5m or 1h (at most 24h), found {text:?}"
        )),
    }
}

/// `hotpot flush`.
#[derive(Clone, Debug, Args)]
pub struct FlushArgs {
    /// The spool directory an emitter was built with
    #[arg(long, value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub spool: PathBuf,
    /// Seconds allowed in all: each moment is retried until then (--retries does not apply);
    /// what is not delivered by then stays in the spool
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds,
          default_value_t = defaults::FLUSH_TIMEOUT_TOTAL.as_secs_f64())]
    pub timeout_total: f64,
    /// Delivery.
    #[command(flatten)]
    pub delivery: DeliveryArgs,
    /// Output.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `hotpot completions`.
#[derive(Clone, Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// The values of `--type` that completion scripts offer (spec §1's spellings).
const TYPES: &[&str] = &["page", "alert", "near-miss", "incident"];
/// The values of `--priority` that completion scripts offer.
const PRIORITIES: &[&str] = &["high", "medium", "low"];

/// A value parser that takes any text (the §1 rules check it later, with their own words and
/// exit 65, any case and a "did you mean" included) and tells completion scripts the values
/// to offer.
#[derive(Clone, Copy, Debug)]
struct Completed(&'static [&'static str]);

impl clap::builder::TypedValueParser for Completed {
    type Value = String;

    fn parse_ref(
        &self,
        command: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(command, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            self.0.iter().map(|v| clap::builder::PossibleValue::new(*v)),
        ))
    }
}

/// `status`'s request id: not empty, so that nothing is asked of the server about nothing.
fn parse_request_id(text: &str) -> Result<String, String> {
    if text.trim().is_empty() {
        Err("expected the request id `hotpot send` printed, found an empty one".to_owned())
    } else {
        Ok(text.to_owned())
    }
}

/// `--timeout`: seconds, a finite number above zero.
fn parse_seconds(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 && s <= 86_400.0 => Ok(s),
        _ => Err(format!(
            "expected a number of seconds above 0 and at most 86400, found {text:?}"
        )),
    }
}
