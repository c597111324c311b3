//! Sizes that the clients and the server agree on.

/// The largest request body a server takes (1 MiB); a larger one is answered 413 (spec §3),
/// and the command line refuses a larger payload file before sending it.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
