//! The `Idempotency-Key` header (spec §3): its name, the rule a key follows, and fresh
//! keys. The client sends one key per moment, the same on every retry; the mock server checks
//! keys with the same rule.

use crate::Problem;

/// The header that makes retries safe: the same value on every attempt of one moment
/// (lower case, as HTTP/2 sends header names).
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// The longest `Idempotency-Key`, in characters (spec §3).
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 255;

/// Checks a key: 1 to 255 printable ASCII characters (space to `~`, and tab, which an HTTP
/// field value may hold), not beginning or ending with a space or a tab (HTTP would strip it). The problem names the field `Idempotency-Key`, says
/// what was expected and what was found, and never repeats the key.
///
/// ```
/// use hotpot_protocol::check_idempotency_key;
/// assert!(check_idempotency_key("deploy-1234-rollback").is_ok());
/// let problem = check_idempotency_key(&"k".repeat(256)).unwrap_err();
/// assert_eq!(problem.field, "Idempotency-Key");
/// assert_eq!(problem.message, "expected 1 to 255 characters, found 256");
/// assert!(check_idempotency_key("naïve").is_err());
/// ```
pub fn check_idempotency_key(key: &str) -> Result<(), Problem> {
    let problem = |message: String| Err(Problem::new("Idempotency-Key", message));
    let chars = key.chars().count();
    if chars == 0 || chars > MAX_IDEMPOTENCY_KEY_CHARS {
        return problem(format!(
            "expected 1 to {MAX_IDEMPOTENCY_KEY_CHARS} characters, found {chars}"
        ));
    }
    if let Some((at, c)) = key
        .chars()
        .enumerate()
        .find(|(_, c)| !matches!(c, ' '..='~' | '\t'))
    {
        return problem(format!(
            "expected printable ASCII characters, found {c:?} at character {at}"
        ));
    }
    if key.starts_with([' ', '\t']) || key.ends_with([' ', '\t']) {
        return problem("expected no space or tab at either end, found one".to_owned());
    }
    Ok(())
}

/// A fresh `Idempotency-Key`: a random UUID v4.
///
/// Drawn from a per-thread fast generator seeded from the OS, and re-seeded when the process
/// id changes: a forked child (gunicorn, celery prefork) inherits its parent's generator
/// state, and without the re-seed parent and children would draw the same keys, and the
/// server would answer a child's new moment with the replay of the parent's.
///
/// ```
/// let key = hotpot_protocol::new_idempotency_key();
/// assert_eq!(key.len(), 36);
/// assert!(hotpot_protocol::check_idempotency_key(&key).is_ok());
/// assert_ne!(key, hotpot_protocol::new_idempotency_key());
/// ```
pub fn new_idempotency_key() -> String {
    thread_local! {
        static RNG: std::cell::RefCell<(u32, fastrand::Rng)> =
            const { std::cell::RefCell::new((0, fastrand::Rng::with_seed(0))) };
    }
    let pid = std::process::id();
    let bits = RNG.with(|cell| {
        let mut state = cell.borrow_mut();
        if state.0 != pid {
            // One getrandom call per thread and process; pid 0 is never a user process.
            let (seed, _) = uuid::Uuid::new_v4().as_u64_pair();
            *state = (pid, fastrand::Rng::with_seed(seed));
        }
        state.1.u128(..)
    });
    uuid::Builder::from_random_bytes(bits.to_le_bytes())
        .into_uuid()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::{check_idempotency_key, new_idempotency_key};

    #[test]
    fn keys_are_v4_uuids_and_differ_between_threads() {
        let here = new_idempotency_key();
        assert_eq!(uuid::Uuid::parse_str(&here).unwrap().get_version_num(), 4);
        let there = std::thread::spawn(new_idempotency_key).join().unwrap();
        assert_ne!(here, there, "threads are seeded independently");
        assert_ne!(new_idempotency_key(), new_idempotency_key());
    }

    #[test]
    fn the_rule_counts_characters_and_names_what_it_found() {
        assert!(check_idempotency_key(&"k".repeat(255)).is_ok());
        assert!(check_idempotency_key("with inner spaces").is_ok());
        let message = |key: &str| check_idempotency_key(key).unwrap_err().message;
        assert_eq!(message(""), "expected 1 to 255 characters, found 0");
        // 255 characters but 510 bytes: the count is of characters, and é is not ASCII.
        assert_eq!(
            message(&"é".repeat(255)),
            "expected printable ASCII characters, found 'é' at character 0"
        );
        // A tab is allowed inside, as in any HTTP field value (the mock's OpenAPI says so).
        assert!(check_idempotency_key("a\tb").is_ok());
        assert_eq!(
            message("a\u{7f}b"),
            "expected printable ASCII characters, found '\\u{7f}' at character 1"
        );
        assert_eq!(
            message(" a"),
            "expected no space or tab at either end, found one"
        );
        assert_eq!(
            message("a\t"),
            "expected no space or tab at either end, found one"
        );
    }
}
