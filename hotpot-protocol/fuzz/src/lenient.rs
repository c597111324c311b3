//! `parse_lenient` on any JSON the fuzzer writes, and on objects built from known, misspelt and
//! unknown fields holding values of every JSON type and near-valid spellings.

use arbitrary::{Arbitrary, Unstructured};
use chrono::{DateTime, Duration, FixedOffset, Utc};
use hotpot_protocol::moment::rules::{self, FIELDS};
use hotpot_protocol::{Moment, MomentType, Priority, Problem, ValidationError, parse_lenient};
use serde_json::{Map, Value};

use super::inputs::{Text, TimeParts};

/// Target `lenient_json`: the bytes as JSON (most are not), then [`check`].
pub fn lenient_json(data: &[u8]) {
    if let Ok(value) = serde_json::from_slice::<Value>(data) {
        check(&value, super::now());
    }
}

/// Target `lenient_structured`: an object built from [`Payload`], then [`check`].
pub fn lenient_structured(data: &[u8]) {
    let Ok(payload) = Payload::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let now = super::now() + Duration::seconds(i64::from(payload.now_shift));
    let object: Map<String, Value> = payload
        .fields
        .iter()
        .map(|(key, value)| (key.render(), value.render(now)))
        .collect();
    check(&Value::Object(object), now);
}

/// Everything that must hold for a parse of `value` at `now`.
fn check(value: &Value, now: DateTime<Utc>) {
    let parsed = parse_lenient(value, now);

    let unknown: Vec<&str> = value
        .as_object()
        .map(|o| {
            o.keys()
                .map(String::as_str)
                .filter(|k| !FIELDS.contains(k))
                .collect()
        })
        .unwrap_or_default();
    let warned: Vec<&str> = parsed.warnings.iter().map(|w| w.field.as_str()).collect();
    assert_eq!(warned, unknown, "one warning per unknown field, in order");
    for warning in &parsed.warnings {
        assert!(
            warning.message.starts_with("unknown field, ignored"),
            "{warning}"
        );
    }

    match &parsed.moment {
        Ok(moment) => round_trip(moment, now),
        Err(err) => check_problems(err, value),
    }
    if let Some(object) = value.as_object() {
        same_as_the_builder(object, now, &parsed.moment);
    }
}

/// A moment re-serialises to the same JSON three ways, parses back to itself without
/// warnings, and the builder accepts its values.
fn round_trip(moment: &Moment, now: DateTime<Utc>) {
    let json = moment.to_json();
    assert_eq!(moment.to_json_vec(), json.as_bytes());
    let value: Value = serde_json::from_str(&json).expect("to_json writes JSON");
    assert_eq!(value, moment.to_json_value());
    let again = parse_lenient(&value, now);
    assert_eq!(again.warnings, [], "{json}");
    assert_eq!(again.moment.as_ref(), Ok(moment), "{json}");
    assert_eq!(moment.to_builder().build_at(now).as_ref(), Ok(moment));
}

/// At least one problem; at most one per field, in the specification's field order; each saying
/// what was expected and what was found, in a bounded message.
fn check_problems(err: &ValidationError, value: &Value) {
    let problems = err.problems();
    assert!(!problems.is_empty());
    if !value.is_object() {
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].field, "payload");
    } else {
        let positions: Vec<Option<usize>> = problems
            .iter()
            .map(|p| FIELDS.iter().position(|f| *f == p.field))
            .collect();
        assert!(
            positions.iter().all(Option::is_some) && positions.windows(2).all(|w| w[0] < w[1]),
            "one problem per known field, in field order: {problems:?}"
        );
    }
    for p in problems {
        assert!(
            p.message.contains("expected") && p.message.contains("found"),
            "{p}"
        );
        assert!(p.message.len() <= 600, "a bounded message: {p}");
    }
}

/// Where the builder can express the payload (the required fields are there, `type` and
/// `priority` are words it knows, the other fields are strings and the time parses), it
/// reaches the same verdict with the same problems: one set of rules seen from both sides.
fn same_as_the_builder(
    object: &Map<String, Value>,
    now: DateTime<Utc>,
    lenient: &Result<Moment, ValidationError>,
) {
    let text = |field: &str| -> Result<Option<&str>, ()> {
        match object.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(()),
        }
    };
    let Ok(Some(name)) = text("name") else { return };
    let Ok(Some(kind)) = text("type") else { return };
    let Ok(kind) = kind.parse::<MomentType>() else {
        return;
    };
    let mut builder = Moment::builder(name, kind);
    match text("priority") {
        Ok(None) => {}
        Ok(Some(p)) => match p.parse::<Priority>() {
            Ok(p) => builder = builder.priority(p),
            Err(_) => return,
        },
        Err(()) => return,
    }
    match text("source") {
        Ok(Some(s)) => builder = builder.source(s),
        Ok(None) => {}
        Err(()) => return,
    }
    match text("source_url") {
        Ok(Some(s)) => builder = builder.source_url(s),
        Ok(None) => {}
        Err(()) => return,
    }
    match text("description") {
        Ok(Some(s)) => builder = builder.description(s),
        Ok(None) => {}
        Err(()) => return,
    }
    match text("occurred_at") {
        Ok(Some(s)) => match rules::parse_occurred_at(s) {
            Ok(t) => builder = builder.occurred_at(t),
            Err(_) => return,
        },
        Ok(None) => {}
        Err(()) => return,
    }
    let built = builder.build_at(now);
    let problems = |r: &Result<Moment, ValidationError>| -> Vec<Problem> {
        r.as_ref()
            .err()
            .map(|e| e.problems().to_vec())
            .unwrap_or_default()
    };
    assert_eq!(problems(&built), problems(lenient), "{object:?}");
    assert_eq!(built.as_ref().ok(), lenient.as_ref().ok());
}

/// An object's fields, in order (a repeated key keeps its last value, as in JSON text), and
/// the server's clock as seconds from the fixed now.
#[derive(Arbitrary, Debug)]
pub struct Payload {
    fields: Vec<(Key, Val)>,
    now_shift: i32,
}

#[derive(Arbitrary, Debug)]
enum Key {
    /// One of the seven known fields.
    Field(u8),
    /// A known field misspelt.
    Typo {
        field: u8,
        edit: Edit,
    },
    Other(String),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Edit {
    Upper,
    Drop(u8),
    Swap(u8),
    Insert(u8, u8),
    Double(u8),
}

impl Key {
    fn render(&self) -> String {
        let field = |i: u8| FIELDS[usize::from(i) % FIELDS.len()];
        match self {
            Key::Field(i) => field(*i).to_owned(),
            Key::Typo { field: i, edit } => {
                let mut chars: Vec<char> = field(*i).chars().collect();
                let at = |n: u8| usize::from(n) % chars.len();
                match *edit {
                    Edit::Upper => chars.iter_mut().for_each(|c| c.make_ascii_uppercase()),
                    Edit::Drop(n) => {
                        chars.remove(at(n));
                    }
                    Edit::Swap(n) => {
                        let i = at(n);
                        if i + 1 < chars.len() {
                            chars.swap(i, i + 1);
                        }
                    }
                    Edit::Insert(n, c) => chars.insert(at(n), char::from(b'a' + c % 26)),
                    Edit::Double(n) => chars.insert(at(n), chars[at(n)]),
                }
                chars.into_iter().collect()
            }
            Key::Other(s) => s.clone(),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Val {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(Text),
    Kind {
        which: u8,
        spelling: Spelling,
    },
    Priority {
        which: u8,
        spelling: Spelling,
    },
    /// A time spelt in a documented form, its parts possibly out of range.
    Time(TimeParts),
    /// A time up to ~292 years before now, in one of four spellings.
    Past {
        nanos_ago: u64,
        form: u8,
    },
    /// Exactly now, or up to ~4 s after it.
    NotPast {
        nanos_ahead: u32,
    },
    Url {
        scheme: u8,
        host: u8,
        rest: Text,
    },
    Array(Vec<Scalar>),
    Object(Vec<(String, Scalar)>),
}

#[derive(Arbitrary, Debug)]
enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    Text(String),
}

/// How a wire word is spelt.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Spelling {
    Lower,
    Upper,
    Title,
    Mixed(u16),
    Underscore,
    Squashed,
    Spaced,
    Padded,
}

/// `word` with the letters whose bit of `bits` is set (the `i`-th letter, bit `i % 16`) in
/// upper case: a mixed-case spelling the rules must read as `word`.
pub fn mixed_case(word: &str, bits: u16) -> String {
    word.chars()
        .enumerate()
        .map(|(i, c)| {
            if bits >> (i % 16) & 1 == 1 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

impl Spelling {
    fn apply(self, word: &str) -> String {
        match self {
            Spelling::Lower => word.to_owned(),
            Spelling::Upper => word.to_ascii_uppercase(),
            Spelling::Title => {
                let mut out = word.to_owned();
                out[..1].make_ascii_uppercase();
                out
            }
            Spelling::Mixed(bits) => mixed_case(word, bits),
            Spelling::Underscore => word.replace('-', "_"),
            Spelling::Squashed => word.replace('-', ""),
            Spelling::Spaced => word.replace('-', " "),
            Spelling::Padded => format!(" {word} "),
        }
    }
}

const SCHEMES: [&str; 9] = [
    "https://",
    "http://",
    "HTTPS://",
    "ftp://",
    "mailto:",
    "javascript:",
    "//",
    "",
    "h ttp://",
];
const HOSTS: [&str; 10] = [
    "example.com",
    "127.0.0.1",
    "[::1]",
    "",
    "exa mple.com",
    "xn--caf-dma.com",
    "ex%41mple.com",
    "éxample.com",
    "a..b",
    "[::1",
];

impl Val {
    fn render(&self, now: DateTime<Utc>) -> Value {
        match self {
            Val::Null => Value::Null,
            Val::Bool(b) => Value::Bool(*b),
            Val::Int(n) => Value::from(*n),
            // NaN and the infinities are not JSON: they become null, as serde_json does.
            Val::Float(x) => serde_json::Number::from_f64(*x).map_or(Value::Null, Value::Number),
            Val::Text(t) => Value::String(t.render()),
            Val::Kind { which, spelling } => {
                let word = MomentType::ALL[usize::from(*which) % 4].as_str();
                Value::String(spelling.apply(word))
            }
            Val::Priority { which, spelling } => {
                let word = Priority::ALL[usize::from(*which) % 3].as_str();
                Value::String(spelling.apply(word))
            }
            Val::Time(parts) => Value::String(parts.clamped().render()),
            Val::Past { nanos_ago, form } => {
                let ago = Duration::nanoseconds((*nanos_ago & i64::MAX as u64) as i64);
                let t = now - ago;
                let text = match form % 4 {
                    0 => rules::format_time(t),
                    1 => t.format("%Y-%m-%d %H:%M:%S%.f").to_string(),
                    2 => t.format("%Y-%m-%dT%H:%M:%S%.9f").to_string(),
                    _ => {
                        let zone = FixedOffset::west_opt(5 * 3600 + 30 * 60).expect("in range");
                        t.with_timezone(&zone).to_rfc3339()
                    }
                };
                Value::String(text)
            }
            Val::NotPast { nanos_ahead } => {
                let t = now + Duration::nanoseconds(i64::from(*nanos_ahead));
                Value::String(rules::format_time(t))
            }
            Val::Url { scheme, host, rest } => Value::String(format!(
                "{}{}{}",
                SCHEMES[usize::from(*scheme) % SCHEMES.len()],
                HOSTS[usize::from(*host) % HOSTS.len()],
                rest.render()
            )),
            Val::Array(items) => Value::Array(items.iter().map(Scalar::render).collect()),
            Val::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(k, v)| (k.clone(), v.render()))
                    .collect(),
            ),
        }
    }
}

impl Scalar {
    fn render(&self) -> Value {
        match self {
            Scalar::Null => Value::Null,
            Scalar::Bool(b) => Value::Bool(*b),
            Scalar::Int(n) => Value::from(*n),
            Scalar::Text(s) => Value::String(s.clone()),
        }
    }
}
