//! One set of §1 rules, seen from both sides (proptest):
//!
//! - every moment the builder accepts — names of any script with emoji, combining marks and
//!   whitespace, every type and priority, optional fields, source URLs, past times to the
//!   nanosecond, leap seconds — serialises to a payload that `parse_lenient` reads back as the
//!   same moment, without warnings;
//! - payloads made from valid values by mutations the builder can express too (blank, empty
//!   and over-long names, bad URLs, future times, times before year 0000, type and priority
//!   spellings) get the same verdict from the lenient parser and the builder, with the same
//!   problems, and a problem for exactly the fields that were broken.
//!
//! `PROPTEST_CASES` sets the cases per property (default 1,500), `PROPTEST_RNG_SEED` the seed
//! (fixed by default).

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Timelike, Utc};
use hotpot_protocol::moment::rules::{self, FIELDS, NAME_MAX_CHARS};
use hotpot_protocol::{Moment, MomentBuilder, MomentType, Priority, Problem, parse_lenient};
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap()
}

/// 1,500 cases (`PROPTEST_CASES`) from a fixed seed, so that `make test` gives the same
/// verdict every time; `PROPTEST_RNG_SEED` picks another (`make fuzz-smoke` a random one).
pub(crate) fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_500);
    let mut config = ProptestConfig::with_cases(cases);
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        config.rng_seed = proptest::test_runner::RngSeed::Fixed(20_261_207);
    }
    config
}

// ----- Values -----

/// Characters for which `char::is_whitespace` holds (Unicode White_Space).
const WHITESPACE: [char; 14] = [
    ' ', '\t', '\n', '\u{b}', '\u{c}', '\r', '\u{85}', '\u{a0}', '\u{1680}', '\u{2003}',
    '\u{2028}', '\u{2029}', '\u{202f}', '\u{3000}',
];

/// Pieces of names: one or several scalar values each (emoji sequences, combining marks).
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[ -~]".prop_map(String::from),
        2 => any::<char>().prop_map(String::from),
        1 => select(&WHITESPACE[..]).prop_map(String::from),
        1 => select(&["🔥", "👩‍💻", "🏳️‍🌈", "👍🏽", "🇫🇷", "❤️", "1️⃣", "é", "ñ", "ǅ"][..])
            .prop_map(String::from),
        1 => select(&["\u{301}", "\u{308}", "\u{20dd}", "\u{fe0f}", "\u{200d}", "\u{36f}"][..])
            .prop_map(String::from),
        1 => select(&["日本", "Ελλάδα", "עברית", "\u{feff}", "\u{200b}", "\0"][..])
            .prop_map(String::from),
    ]
}

/// Text of exactly `len` scalar values built from [`piece`]s.
fn text_of(len: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = String> {
    (len, prop::collection::vec(piece(), 1..=80)).prop_map(|(len, pieces)| {
        let mut out = String::new();
        let mut i = 0;
        while out.chars().count() < len {
            out.push_str(&pieces[i % pieces.len()]);
            i += 1;
        }
        out.chars().take(len).collect()
    })
}

/// Names the builder accepts: 1 to 70 scalar values, not all whitespace; often exactly 70.
fn valid_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => text_of(1..=NAME_MAX_CHARS),
        1 => text_of(NAME_MAX_CHARS..=NAME_MAX_CHARS),
        1 => text_of(1..=1),
    ]
    .prop_map(|name| {
        if name.chars().all(char::is_whitespace) {
            // Keep the length: swap the first character for a letter.
            std::iter::once('x').chain(name.chars().skip(1)).collect()
        } else {
            name
        }
    })
}

/// Names the rules refuse.
fn invalid_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        prop::collection::vec(select(&WHITESPACE[..]), 1..=NAME_MAX_CHARS)
            .prop_map(|cs| cs.into_iter().collect()),
        text_of(NAME_MAX_CHARS + 1..=NAME_MAX_CHARS + 1),
        text_of(NAME_MAX_CHARS + 1..=300),
    ]
}

fn valid_url() -> impl Strategy<Value = String> {
    (
        select(&["https://", "http://", "HTTPS://", "Http://"][..]),
        select(
            &[
                "example.com",
                "127.0.0.1",
                "[::1]",
                "xn--caf-dma.example",
                "café.example",
                "a.b.c.d",
                "localhost",
            ][..],
        ),
        prop::option::of(any::<u16>()),
        "(/[ -~&&[^#?]]{0,20}){0,3}",
        prop::option::of("[ -~]{0,20}"),
    )
        .prop_map(|(scheme, host, port, path, query)| {
            let port = port.map(|p| format!(":{p}")).unwrap_or_default();
            let query = query.map(|q| format!("?{q}")).unwrap_or_default();
            format!("{scheme}{host}{port}{path}{query}")
        })
}

fn invalid_url() -> impl Strategy<Value = String> {
    prop_oneof![
        select(
            &[
                "",
                "   ",
                "ftp://example.com/file",
                "mailto:ops@example.com",
                "javascript:alert(1)",
                "/relative/path",
                "example.com/runs/1",
                "http://",
                "https://[::1",
                "https://exa mple.com",
                "file:///etc/passwd",
                "data:text/plain,hi",
                "https://example.com:99999/",
            ][..]
        )
        .prop_map(String::from),
        "[a-z]{1,10}".prop_map(|word| format!("{word}/{word}")),
    ]
}

/// The specification's earliest and latest instants (RFC 3339 years 0000 to 9999).
fn year_zero() -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(0, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
}

/// A time from year 0000 up to now, to the nanosecond; sometimes exactly now, sometimes a leap
/// second.
fn past_time() -> impl Strategy<Value = DateTime<Utc>> {
    let span = (now() - year_zero()).num_seconds();
    prop_oneof![
        6 => (0..=span, 0..1_000_000_000u32)
            .prop_map(|(s, n)| year_zero() + Duration::seconds(s) + Duration::nanoseconds(n.into())),
        2 => (0..=86_400 * 365 * 5i64, 0..1_000_000_000u32)
            .prop_map(|(s, n)| now() - Duration::seconds(s) - Duration::nanoseconds(n.into())),
        1 => Just(now()),
        1 => Just(year_zero()),
        2 => (0..=span / 60 - 1, 0..1_000_000_000u32).prop_map(|(minute, n)| {
            // hh:mm:60.nnn — chrono keeps a leap second as second 59 with 1e9 + n nanoseconds.
            let t = year_zero() + Duration::minutes(minute) + Duration::seconds(59);
            t.with_nanosecond(1_000_000_000 + n).unwrap()
        }),
    ]
}

/// A time the rules refuse: after now, or before year 0000 by at most 23 h 59 min (so that a
/// payload can still spell it, on 0000-01-01 with the offset +23:59).
fn refused_time() -> impl Strategy<Value = DateTime<Utc>> {
    prop_oneof![
        (1..=1_000_000_000i64).prop_map(|n| now() + Duration::nanoseconds(n)),
        (1..=86_400 * 365 * 100i64).prop_map(|s| now() + Duration::seconds(s)),
        (1..=LATEST_OFFSET_SECONDS as i64).prop_map(|s| year_zero() - Duration::seconds(s)),
    ]
}

/// +23:59, the largest offset RFC 3339 writes.
const LATEST_OFFSET_SECONDS: i32 = 23 * 3600 + 59 * 60;

/// How a payload spells a time.
#[derive(Clone, Copy, Debug)]
enum TimeForm {
    /// The canonical form `format_time` writes.
    Canonical,
    /// `YYYY-MM-DD HH:MM:SS.f` or with a `T`, no zone (UTC).
    ZoneLess { t: bool },
    /// RFC 3339 with this offset in minutes east (falls back to the canonical form where the
    /// local date would leave the years 0000 to 9999).
    Offset(i32),
}

fn time_form() -> impl Strategy<Value = TimeForm> {
    prop_oneof![
        Just(TimeForm::Canonical),
        any::<bool>().prop_map(|t| TimeForm::ZoneLess { t }),
        (-(23 * 60 + 59)..=(23 * 60 + 59)).prop_map(TimeForm::Offset),
    ]
}

fn spell_time(t: DateTime<Utc>, form: TimeForm) -> String {
    match form {
        TimeForm::Canonical => rules::format_time(t),
        TimeForm::ZoneLess { t: with_t } if (0..=9999).contains(&t.year()) => {
            let separator = if with_t { "T" } else { " " };
            t.format(&format!("%Y-%m-%d{separator}%H:%M:%S%.f"))
                .to_string()
        }
        TimeForm::Offset(minutes) => {
            let zone = FixedOffset::east_opt(minutes * 60).unwrap();
            let local = t.with_timezone(&zone);
            if (0..=9999).contains(&local.year()) {
                local.to_rfc3339()
            } else {
                rules::format_time(t)
            }
        }
        TimeForm::ZoneLess { .. } => rules::format_time(t),
    }
}

/// How a payload spells `type` or `priority`.
#[derive(Clone, Debug)]
enum Spelling {
    Lower,
    Upper,
    Title,
    Mixed(u16),
    Underscore,
    Squashed,
    Padded,
    Other(String),
}

fn spelling() -> impl Strategy<Value = Spelling> {
    prop_oneof![
        4 => Just(Spelling::Lower),
        1 => Just(Spelling::Upper),
        1 => Just(Spelling::Title),
        1 => any::<u16>().prop_map(Spelling::Mixed),
        1 => Just(Spelling::Underscore),
        1 => Just(Spelling::Squashed),
        1 => Just(Spelling::Padded),
        1 => "[a-zA-Z_ -]{0,12}".prop_map(Spelling::Other),
    ]
}

fn spell(word: &str, spelling: &Spelling) -> String {
    match spelling {
        Spelling::Lower => word.to_owned(),
        Spelling::Upper => word.to_uppercase(),
        Spelling::Title => word[..1].to_uppercase() + &word[1..],
        // The fuzz targets' spelling, compiled into this binary with them.
        Spelling::Mixed(bits) => crate::fuzz_regressions::fuzz::mixed_case(word, *bits),
        Spelling::Underscore => word.replace('-', "_"),
        Spelling::Squashed => word.replace('-', ""),
        Spelling::Padded => format!(" {word}"),
        Spelling::Other(s) => s.clone(),
    }
}

// ----- Moments the builder accepts -----

#[derive(Clone, Debug)]
struct Fields {
    name: String,
    kind: MomentType,
    priority: Option<Priority>,
    source: Option<String>,
    source_url: Option<String>,
    description: Option<String>,
    occurred_at: Option<DateTime<Utc>>,
}

impl Fields {
    fn builder(&self) -> MomentBuilder {
        let mut b = Moment::builder(self.name.clone(), self.kind);
        if let Some(p) = self.priority {
            b = b.priority(p);
        }
        if let Some(s) = &self.source {
            b = b.source(s.clone());
        }
        if let Some(u) = &self.source_url {
            b = b.source_url(u.clone());
        }
        if let Some(d) = &self.description {
            b = b.description(d.clone());
        }
        if let Some(t) = self.occurred_at {
            b = b.occurred_at(t);
        }
        b
    }
}

fn valid_fields() -> impl Strategy<Value = Fields> {
    (
        valid_name(),
        select(&MomentType::ALL[..]),
        prop::option::of(select(&Priority::ALL[..])),
        prop::option::of(prop_oneof![".*", text_of(0..=200)]),
        prop::option::of(valid_url()),
        prop::option::of(prop_oneof!["(.|\n)*", "[ -~\n]{0,2000}"]),
        prop::option::of(past_time()),
    )
        .prop_map(
            |(name, kind, priority, source, source_url, description, occurred_at)| Fields {
                name,
                kind,
                priority,
                source,
                source_url,
                description,
                occurred_at,
            },
        )
}

proptest! {
    #![proptest_config(config())]

    /// Serialise → lenient parse gives the same moment, without warnings — also when the
    /// server's "now" is the moment's own time.
    #[test]
    fn every_accepted_moment_parses_back_to_itself(fields in valid_fields()) {
        let moment = fields.builder().build_at(now());
        let moment = match moment {
            Ok(m) => m,
            Err(e) => return Err(TestCaseError::fail(format!("{fields:?} refused: {e}"))),
        };
        prop_assert_eq!(moment.name(), fields.name.as_str());
        prop_assert_eq!(moment.occurred_at(), fields.occurred_at);
        let value: Value = serde_json::from_slice(&moment.to_json_vec()).unwrap();
        for at in [now(), fields.occurred_at.unwrap_or(now())] {
            let parsed = parse_lenient(&value, at);
            prop_assert_eq!(&parsed.warnings, &Vec::<Problem>::new());
            prop_assert_eq!(parsed.moment.as_ref(), Ok(&moment), "{}", value);
        }
        // And through the text, as the server receives it.
        let text: Value = serde_json::from_str(&moment.to_json()).unwrap();
        prop_assert_eq!(text, value);
    }
}

// ----- Mutated payloads: both sides agree -----

/// A payload made from valid fields, some of them broken, spelt as a client other than this
/// crate might spell it; plus unknown fields.
#[derive(Clone, Debug)]
struct Case {
    fields: Fields,
    kind_spelling: Spelling,
    priority_spelling: Spelling,
    time_form: TimeForm,
    extra: Vec<String>,
    /// The fields a mutation broke.
    broken: Vec<&'static str>,
}

fn mutated_case() -> impl Strategy<Value = Case> {
    (
        valid_fields(),
        prop::option::of(invalid_name()),
        prop::option::of(invalid_url()),
        prop::option::of(refused_time()),
        spelling(),
        spelling(),
        time_form(),
        prop::collection::vec("[a-z_]{1,12}", 0..3),
    )
        .prop_map(
            |(mut fields, name, url, time, kind_spelling, priority_spelling, time_form, extra)| {
                let mut broken = Vec::new();
                if let Some(name) = name {
                    fields.name = name;
                    broken.push("name");
                }
                if let Some(url) = url {
                    fields.source_url = Some(url);
                    broken.push("source_url");
                }
                if let Some(time) = time {
                    fields.occurred_at = Some(time);
                    broken.push("occurred_at");
                }
                let extra = extra
                    .into_iter()
                    .filter(|k| !FIELDS.contains(&k.as_str()))
                    .collect();
                Case {
                    fields,
                    kind_spelling,
                    priority_spelling,
                    time_form,
                    extra,
                    broken,
                }
            },
        )
}

impl Case {
    fn kind_text(&self) -> String {
        spell(self.fields.kind.as_str(), &self.kind_spelling)
    }

    fn priority_text(&self) -> Option<String> {
        self.fields
            .priority
            .map(|p| spell(p.as_str(), &self.priority_spelling))
    }

    fn time_text(&self) -> Option<String> {
        self.fields.occurred_at.map(|t| {
            if t < year_zero() {
                // Before year 0000 by less than a day: spelt on 0000-01-01 with an offset.
                let zone = FixedOffset::east_opt(LATEST_OFFSET_SECONDS).unwrap();
                t.with_timezone(&zone).to_rfc3339()
            } else {
                spell_time(t, self.time_form)
            }
        })
    }

    fn payload(&self) -> Value {
        let f = &self.fields;
        let mut object = Map::new();
        object.insert("name".into(), f.name.clone().into());
        object.insert("type".into(), self.kind_text().into());
        let optional = [
            ("priority", self.priority_text()),
            ("source", f.source.clone()),
            ("source_url", f.source_url.clone()),
            ("description", f.description.clone()),
            ("occurred_at", self.time_text()),
        ];
        for (key, value) in optional {
            if let Some(value) = value {
                object.insert(key.into(), value.into());
            }
        }
        for key in &self.extra {
            object.insert(key.clone(), Value::Null);
        }
        Value::Object(object)
    }

    /// The problems the builder side finds: `FromStr` for the spelt type and priority (the
    /// builder takes enums), the builder for the rest; in field order.
    fn builder_problems(&self) -> (Vec<Problem>, Option<Moment>) {
        let kind = self.kind_text().parse::<MomentType>();
        let priority = self.priority_text().map(|p| p.parse::<Priority>());
        let mut fields = self.fields.clone();
        if let Some(Ok(p)) = &priority {
            fields.priority = Some(*p);
        }
        let built = fields.builder().build_at(now());
        let mut problems: Vec<Problem> = built
            .as_ref()
            .err()
            .map(|e| e.problems().to_vec())
            .unwrap_or_default();
        if let Err(e) = &kind {
            problems.push(Problem::new("type", e.message()));
        }
        if let Some(Err(e)) = &priority {
            problems.push(Problem::new("priority", e.message()));
        }
        problems.sort_by_key(|p| FIELDS.iter().position(|f| *f == p.field));
        let moment = match (built, kind, priority) {
            (Ok(m), Ok(_), None | Some(Ok(_))) => Some(m),
            _ => None,
        };
        (problems, moment)
    }
}

proptest! {
    #![proptest_config(config())]

    /// The lenient parser and the builder reach the same verdict with the same problems, and
    /// find a problem with exactly the broken fields (a badly spelt type or priority counts).
    #[test]
    fn the_parser_and_the_builder_agree(case in mutated_case()) {
        let payload = case.payload();
        let parsed = parse_lenient(&payload, now());
        let (mut expected, built) = case.builder_problems();
        let lenient: Vec<Problem> = parsed
            .moment
            .as_ref()
            .err()
            .map(|e| e.problems().to_vec())
            .unwrap_or_default();

        // A time before year 0000 reaches the builder as an instant and the parser as text;
        // the parser quotes that text beside the instant.
        if let (Some(text), Some(t)) = (case.time_text(), case.fields.occurred_at)
            && t < year_zero() {
                for p in expected.iter_mut().filter(|p| p.field == "occurred_at") {
                    let utc = rules::format_time(t);
                    p.message = p.message.replace(
                        &format!("found {utc}"),
                        &format!("found {} ({utc} in UTC)", Value::from(text.as_str())),
                    );
                }
            }
        prop_assert_eq!(&lenient, &expected, "{}", payload);
        prop_assert_eq!(parsed.moment.as_ref().ok(), built.as_ref(), "{}", payload);

        let mut broken: Vec<&str> = case.broken.clone();
        if case.kind_text().parse::<MomentType>().is_err() {
            broken.push("type");
        }
        if case.priority_text().is_some_and(|p| p.parse::<Priority>().is_err()) {
            broken.push("priority");
        }
        broken.sort_by_key(|f| FIELDS.iter().position(|k| k == f));
        let found: Vec<&str> = lenient.iter().map(|p| p.field.as_str()).collect();
        prop_assert_eq!(found, broken, "{}", payload);

        let warned: Vec<&str> = parsed.warnings.iter().map(|w| w.field.as_str()).collect();
        let mut extra: Vec<&str> = case.extra.iter().map(String::as_str).collect();
        extra.sort_unstable();
        extra.dedup();
        let mut warned_sorted = warned.clone();
        warned_sorted.sort_unstable();
        prop_assert_eq!(warned_sorted, extra);
    }

    /// Case never matters for `type` and `priority`, and the near-miss spellings the
    /// specification names are refused with a suggestion — from both sides.
    #[test]
    fn type_spellings(kind in select(&MomentType::ALL[..]), bits in any::<u16>()) {
        let word = spell(kind.as_str(), &Spelling::Mixed(bits));
        prop_assert_eq!(word.parse::<MomentType>(), Ok(kind));
        let payload = serde_json::json!({"name": "x", "type": word});
        prop_assert_eq!(parse_lenient(&payload, now()).moment.unwrap().moment_type(), kind);
        if kind == MomentType::NearMiss {
            for wrong in [word.replace('-', "_"), word.replace('-', "")] {
                let message = wrong.parse::<MomentType>().unwrap_err().message().to_owned();
                prop_assert!(message.contains("did you mean \"near-miss\"?"), "{}", message);
                let payload = serde_json::json!({"name": "x", "type": wrong});
                let problems = parse_lenient(&payload, now()).moment.unwrap_err().into_problems();
                prop_assert_eq!(problems, vec![Problem::new("type", message)]);
            }
        }
    }
}

/// The generators reach the edges they are meant to (so that the properties above are not
/// vacuous): exactly-70 names with multi-scalar emoji, leap seconds, each mutation.
#[test]
fn the_generators_reach_the_edges() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut seventy_emoji, mut leap, mut before_zero) = (0, 0, 0);
    for _ in 0..3000 {
        let name = valid_name().new_tree(&mut runner).unwrap().current();
        if name.chars().count() == 70 && name.len() > 140 {
            seventy_emoji += 1;
        }
        let t = past_time().new_tree(&mut runner).unwrap().current();
        if t.nanosecond() >= 1_000_000_000 {
            leap += 1;
            assert!(rules::format_time(t).contains(":60"));
        }
        if refused_time().new_tree(&mut runner).unwrap().current() < year_zero() {
            before_zero += 1;
        }
    }
    assert!(seventy_emoji > 10, "{seventy_emoji}");
    assert!(leap > 50, "{leap}");
    assert!(before_zero > 100, "{before_zero}");
}
