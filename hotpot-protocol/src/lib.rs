//! # hotpot-protocol
//!
//! The rules of Hotpot's moments and webhooks as code, and nothing else: no HTTP client, no
//! runtime, no file or network I/O. The client (`hotpot-client`), the mock server
//! (`hotpot-mock-server`), the command line (`hotpot-cli`) and the Python package all check
//! with these functions, so a rule lives in one place and every side gives the same verdict.
//!
//! Sections cited as "spec §N" are those of the project's specification, `docs/src/spec/` in
//! the repository (one page per section).
//!
//! ## Layout
//!
//! | module | holds | spec |
//! |---|---|---|
//! | [`moment`] | [`Moment`], [`MomentBuilder`], [`MomentType`], [`Priority`], [`Problem`], [`ValidationError`], and [`parse_lenient`] (or [`parse_lenient_fields`] over [`JsonFields`]), the server-side parse | §1 |
//! | [`moment::rules`] | every rule of the payload, in one place | §1 |
//! | `webhook_url` | [`WebhookUrl`], the token and integration rules ([`check_token`], [`check_integration`]) and redaction ([`redact_token`], [`redact_secret_in`]) | §2 |
//! | `idempotency` | the `Idempotency-Key` header: [`check_idempotency_key`], [`new_idempotency_key`] | §3 |
//! | `answer` | what an answer means ([`classify`], [`Answer`], [`is_retryable_status`]), the error body a client keeps ([`error_body`]), [`parse_retry_after`], the `Sunset` header ([`parse_sunset`], [`format_sunset`]) | §5, §6 |
//! | `limits` | sizes both sides agree on ([`MAX_BODY_BYTES`]) | §3 |
//! | [`page`] | [`Page`], [`PageBuilder`], [`Urgency`], [`Recipient`], [`PageRequest`], [`parse_page_lenient`], [`Acknowledgement`] | §14 |
//! | [`page::rules`] | every field rule of a page, in one place | §14 |
//! | `api_key`, `api_base` | [`ApiKey`] (redacted when printed), [`redact_api_key`], [`ApiBase`] (the API's checked base URL) | §14 |
//!
//! Everything is re-exported at the crate root.
//!
//! ```
//! use hotpot_protocol::{Moment, MomentType, parse_lenient};
//!
//! let moment = Moment::builder("Backup missing", MomentType::Incident).build()?;
//! // What a server makes of the same payload: the same rules, the same verdict.
//! let parsed = parse_lenient(&moment.to_json_value(), chrono::Utc::now());
//! assert_eq!(parsed.moment.as_ref(), Ok(&moment));
//! # Ok::<(), hotpot_protocol::ValidationError>(())
//! ```

#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod answer;
mod api_base;
mod api_key;
mod idempotency;
mod limits;
pub mod moment;
pub mod page;
mod webhook_url;

pub use answer::{
    Answer, ERROR_BODY_CHARS, Endpoint, SUNSET, classify, error_body, error_body_redacting,
    format_sunset, is_retryable_status, parse_retry_after, parse_sunset,
};
pub use api_base::ApiBase;
pub use api_key::{ApiKey, ApiKeyError, redact_api_key};
pub use idempotency::{
    IDEMPOTENCY_KEY, MAX_IDEMPOTENCY_KEY_CHARS, check_idempotency_key, new_idempotency_key,
};
pub use limits::MAX_BODY_BYTES;
pub use moment::{
    FieldValue, JsonFields, LenientParse, Moment, MomentBuilder, MomentType, ParseKindError,
    Priority, Problem, ValidationError, parse_lenient, parse_lenient_fields,
};
pub use page::{
    ACK_HANDLED, Acknowledgement, LenientPage, Page, PageBuilder, PageRequest, Recipient,
    RecipientKind, Urgency, parse_acknowledgements, parse_page_lenient,
};
pub use webhook_url::{
    DEFAULT_BASE, MAX_TOKEN_CHARS, UrlError, WebhookUrl, check_integration, check_token,
    redact_secret_in, redact_token,
};
