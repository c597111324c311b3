//! The rules of spec §1, in one place.
//!
//! Every check on a moment's values lives here and returns the message of a
//! [`Problem`](super::Problem): what was expected and what was found. The typed builder
//! ([`MomentBuilder::build`](super::MomentBuilder::build)), the lenient parser
//! ([`parse_lenient`](super::parse_lenient)) and, through them, the Python package and the
//! mock server all call these functions; none of them has a copy of a rule.

use chrono::{DateTime, Datelike, SecondsFormat, Utc};

use super::{MomentType, Priority};

/// Longest allowed `name`, in Unicode scalar values.
pub const NAME_MAX_CHARS: usize = 70;

/// The wire names of the payload's fields, in the specification's order.
pub const FIELDS: [&str; 7] = [
    "name",
    "type",
    "priority",
    "source",
    "source_url",
    "description",
    "occurred_at",
];

/// The longest quoted value a message repeats back.
const FOUND_MAX_CHARS: usize = 40;

/// `name`: 1 to 70 Unicode scalar values, at least one of them not whitespace.
pub(crate) fn check_name(name: &str) -> Result<(), String> {
    let chars = name.chars().count();
    if chars == 0 {
        return Err(format!(
            "expected 1 to {NAME_MAX_CHARS} characters, found an empty string"
        ));
    }
    if chars > NAME_MAX_CHARS {
        return Err(format!(
            "expected 1 to {NAME_MAX_CHARS} characters, found {chars} characters ({})",
            quote(name)
        ));
    }
    if name.chars().all(char::is_whitespace) {
        return Err(format!(
            "expected at least one non-whitespace character, found only whitespace ({})",
            quote(name)
        ));
    }
    Ok(())
}

/// `type`: one of the four values, in any case.
pub(crate) fn parse_moment_type(s: &str) -> Result<MomentType, String> {
    parse_word(s, &MomentType::ALL, MomentType::as_str)
}

/// `priority`: `high`, `medium` or `low`, in any case.
pub(crate) fn parse_priority(s: &str) -> Result<Priority, String> {
    parse_word(s, &Priority::ALL, Priority::as_str)
}

/// `source_url`: an absolute `http` or `https` URL with a host.
pub(crate) fn check_source_url(s: &str) -> Result<(), String> {
    const EXPECTED: &str = "expected an absolute http or https URL";
    if s.trim().is_empty() {
        let found = if s.is_empty() {
            "an empty string".to_owned()
        } else {
            format!("only whitespace ({})", quote(s))
        };
        return Err(format!("{EXPECTED}, found {found}"));
    }
    if plain_http_url(s) {
        return Ok(());
    }
    match url::Url::parse(s) {
        Ok(url) if !matches!(url.scheme(), "http" | "https") => Err(format!(
            "{EXPECTED}, found the scheme {:?} ({})",
            url.scheme(),
            quote(s)
        )),
        Ok(url) if url.host().is_none() => Err(format!("{EXPECTED}, found no host ({})", quote(s))),
        Ok(_) => Ok(()),
        Err(url::ParseError::RelativeUrlWithoutBase) => Err(format!(
            "{EXPECTED}, found a relative reference ({})",
            quote(s)
        )),
        Err(e) => Err(format!("{EXPECTED}, found {} ({e})", quote(s))),
    }
}

/// A URL that `url` accepts as `http` or `https` with a host, told without parsing it (the
/// mock checks every `source_url` it records): `http://` or `https://`; a host name of ASCII
/// letters, digits and hyphens in non-empty labels, none an IDNA `xn--` label, the last
/// starting with a letter (so never an IPv4 address); no user or port; then nothing, or a
/// path, query or fragment of URL characters. Anything else goes to the full parser, which
/// alone words the errors. `source_url_fast_path` (tests) holds it to the parser's verdict.
fn plain_http_url(s: &str) -> bool {
    let Some(rest) = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
    else {
        return false;
    };
    let (host, tail) = rest.split_at(rest.find(['/', '?', '#']).unwrap_or(rest.len()));
    let mut last = "";
    for label in host.split('.') {
        let name_bytes = label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        let idna = label
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case("xn--"));
        if label.is_empty() || !name_bytes || idna {
            return false;
        }
        last = label;
    }
    last.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && tail
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?#%".contains(&b))
}

/// `occurred_at` as text: RFC 3339, or `YYYY-MM-DD HH:MM:SS[.fff]` / `YYYY-MM-DDTHH:MM:SS[.fff]`
/// without a zone, which mean UTC. The instant must be one RFC 3339 can write in UTC (years
/// 0000 to 9999): `0000-01-01T00:30:00+01:00` is refused, as its UTC form would not parse.
pub fn parse_occurred_at(s: &str) -> Result<DateTime<Utc>, String> {
    let t = parse_date_time(s).ok_or_else(|| {
        format!(
            "expected an ISO 8601 date-time such as \"2023-04-01T12:31:26Z\", \
             \"2023-04-01T12:31:26.250+02:00\" or \"2023-04-01 12:31:26\" (UTC), found {}",
            quote(s)
        )
    })?;
    if !in_range(t) {
        return Err(format!(
            "expected {RANGE}, found {} ({} in UTC)",
            quote(s),
            format_time(t)
        ));
    }
    Ok(t)
}

fn parse_date_time(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    // The zone-less forms are RFC 3339 without the offset: with a `Z` added, chrono's fast
    // RFC 3339 parser reads them (a format string would be re-parsed on every call).
    let ends_in_seconds = s.bytes().last().is_some_and(|b| b.is_ascii_digit());
    if !ends_in_seconds || s.len() < 19 || !matches!(s.as_bytes()[10], b' ' | b'T') {
        return None;
    }
    // The copy is on the stack when it fits (this runs on every request the mock records).
    let mut stack = [0u8; 64];
    let heap;
    let zoned = if s.len() < stack.len() {
        stack[..s.len()].copy_from_slice(s.as_bytes());
        stack[s.len()] = b'Z';
        std::str::from_utf8(&stack[..=s.len()]).ok()?
    } else {
        heap = format!("{s}Z");
        &heap
    };
    DateTime::parse_from_rfc3339(zoned)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The instants [`format_time`] writes as RFC 3339 (which has four-digit years only).
const RANGE: &str = "a time from 0000-01-01T00:00:00Z to 9999-12-31T23:59:59Z";

fn in_range(t: DateTime<Utc>) -> bool {
    (0..=9999).contains(&t.year())
}

/// `occurred_at`: not later than `now` (the server's clock decides "now").
/// Also within the years RFC 3339 can write (0000 to 9999), so that every accepted time
/// travels as text and parses back.
pub(crate) fn check_occurred_at(t: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), String> {
    if !in_range(t) {
        return Err(format!("expected {RANGE}, found {}", format_time(t)));
    }
    if t <= now {
        return Ok(());
    }
    let ahead = (t - now).to_std().unwrap_or_default();
    Err(format!(
        "expected a time that is not in the future (now is {}), found {} ({} ahead)",
        format_time(now),
        format_time(t),
        format_duration(ahead)
    ))
}

/// The canonical wire form of a time: RFC 3339 in UTC with a `Z`, as many fraction digits as
/// needed (0, 3, 6 or 9).
pub fn format_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// A value repeated back in a message: JSON-quoted, cut after 40 characters.
pub(crate) fn quote(s: &str) -> String {
    let count = s.chars().count();
    if count <= FOUND_MAX_CHARS {
        return serde_json::Value::from(s).to_string();
    }
    let cut: String = s.chars().take(FOUND_MAX_CHARS).collect();
    let quoted = serde_json::Value::from(cut).to_string();
    format!("{}…\"", &quoted[..quoted.len() - 1])
}

pub(crate) fn parse_word<T: Copy>(
    s: &str,
    all: &[T],
    wire: fn(T) -> &'static str,
) -> Result<T, String> {
    if let Some(found) = all.iter().find(|v| wire(**v).eq_ignore_ascii_case(s)) {
        return Ok(*found);
    }
    let allowed = all.iter().map(|v| wire(*v)).collect::<Vec<_>>().join(", ");
    let hint = nearest(s, all.iter().map(|v| wire(*v)))
        .map(|w| format!(" (did you mean \"{w}\"?)"))
        .unwrap_or_default();
    Err(format!(
        "expected one of {allowed} (any case), found {}{hint}",
        quote(s)
    ))
}

/// The allowed word `s` is a near spelling of, if any: squashed (below), at most one edit
/// away for a word of up to 5 letters and two for a longer one, an edit being a letter
/// inserted, deleted, replaced, or two adjacent letters swapped (`incdent`, `Near_Miss`,
/// `pgae`, `hihg`); the nearest wins, the first of equals. The paste-in snippet has the same
/// rule.
fn nearest<'a>(s: &str, allowed: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let squashed: Vec<char> = squash(s).chars().collect();
    if squashed.is_empty() {
        return None;
    }
    let mut best: Option<(usize, &str)> = None;
    for word in allowed {
        let target: Vec<char> = squash(word).chars().collect();
        let most = if target.len() <= 5 { 1 } else { 2 };
        let d = edit_distance(&squashed, &target);
        if d <= most && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, word));
        }
    }
    best.map(|(_, w)| w)
}

/// The optimal string alignment distance: insertions, deletions, substitutions and swaps of
/// adjacent characters, each 1.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[n][m]
}

/// Lower case, letters and digits only: `Near_Miss ` and `near-miss` both give `nearmiss`.
fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn format_duration(d: std::time::Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 1.0 {
        format!("{}ms", d.as_millis().max(1))
    } else if secs < 120.0 {
        format!("{}s", secs.round())
    } else if secs < 7200.0 {
        format!("{}min", (secs / 60.0).round())
    } else {
        format!("{}h", (secs / 3600.0).round())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_cuts_long_values_and_escapes() {
        assert_eq!(quote("a\"b"), r#""a\"b""#);
        let long = "x".repeat(100);
        let q = quote(&long);
        assert_eq!(q, format!("\"{}…\"", "x".repeat(40)));
    }

    #[test]
    fn durations_read_well() {
        use std::time::Duration;
        assert_eq!(format_duration(Duration::from_millis(1)), "1ms");
        assert_eq!(format_duration(Duration::from_secs(1)), "1s");
        assert_eq!(format_duration(Duration::from_secs(600)), "10min");
        assert_eq!(format_duration(Duration::from_secs(86_400)), "24h");
    }

    #[test]
    fn suggestions_only_for_near_spellings() {
        assert!(
            parse_moment_type("near_miss")
                .unwrap_err()
                .contains("did you mean \"near-miss\"")
        );
        assert!(
            parse_moment_type("nearmiss")
                .unwrap_err()
                .contains("did you mean \"near-miss\"")
        );
        assert!(
            parse_moment_type("Near Miss")
                .unwrap_err()
                .contains("did you mean \"near-miss\"")
        );
        assert!(
            parse_moment_type(" alert")
                .unwrap_err()
                .contains("did you mean \"alert\"")
        );
        assert!(
            !parse_moment_type("outage")
                .unwrap_err()
                .contains("did you mean")
        );
        assert!(!parse_moment_type("").unwrap_err().contains("did you mean"));
    }

    #[test]
    fn suggestions_for_every_near_spelling_of_a_type_or_priority() {
        for (typed, meant) in [
            ("incdent", "incident"),
            ("Incidnet", "incident"),
            ("incidents", "incident"),
            ("pgae", "page"),
            ("pag", "page"),
            ("alrt", "alert"),
            ("aletr", "alert"),
            ("near-mis", "near-miss"),
            ("neer_miss", "near-miss"),
        ] {
            let e = parse_moment_type(typed).unwrap_err();
            assert!(
                e.contains(&format!("(did you mean \"{meant}\"?)")),
                "{typed}: {e}"
            );
        }
        for (typed, meant) in [("hihg", "high"), ("meduim", "medium"), ("lo", "low")] {
            let e = parse_priority(typed).unwrap_err();
            assert!(
                e.contains(&format!("(did you mean \"{meant}\"?)")),
                "{typed}: {e}"
            );
        }
        for far in ["outage", "critical", "pager duty", "x", "warning"] {
            let e = parse_moment_type(far).unwrap_err();
            assert!(!e.contains("did you mean"), "{far}: {e}");
        }
    }
}
