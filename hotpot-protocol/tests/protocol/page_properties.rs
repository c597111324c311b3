//! One set of §14 rules seen from both sides (proptest): every page the builder accepts is read
//! back by `parse_page_lenient` as the same page; a body of arbitrary field values gets the same
//! verdict, with the same problems, from the typed side (builder and recipient) and the lenient
//! parser.
//!
//! `PROPTEST_CASES` and `PROPTEST_RNG_SEED` as in `properties`.

use hotpot_protocol::{
    Page, PageRequest, Problem, Recipient, RecipientKind, Urgency, parse_page_lenient,
};
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value};

use crate::properties::config;

/// Text near the limits: empty, blank, short, and lengths around 200 and 10,000 characters.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "\\PC{0,30}",
        1 => select(&["", " ", "\t\n", "\u{3000}", "🔥"][..]).prop_map(String::from),
        1 => (195usize..=205, select(&["x", "é", "🔥", " "][..])).prop_map(|(n, u)| u.repeat(n)),
        1 => (9_998usize..=10_002).prop_map(|n| "y".repeat(n)),
    ]
}

fn recipient() -> impl Strategy<Value = String> {
    prop_oneof![
        select(
            &[
                "ana@example.com",
                "ops",
                "team_2-b",
                "ana",
                "a@b@c.d",
                "@x.y",
                "a@localhost",
                "",
                "my team",
                "ANA@EXAMPLE.COM"
            ][..]
        )
        .prop_map(String::from),
        "[a-z@._ -]{0,12}",
    ]
}

fn optional_word() -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop_oneof![
        select(&["low", "MEDIUM", "High", "", "urgent", "hihg"][..]).prop_map(String::from),
        "[a-zA-Z]{0,7}",
    ])
}

fn optional_url() -> impl Strategy<Value = Option<String>> {
    prop::option::of(
        select(
            &[
                "https://ci.example.com/1",
                "http://x.y",
                "",
                "ftp://x.y",
                "not a url",
                "https://",
            ][..],
        )
        .prop_map(String::from),
    )
}

fn kind() -> impl Strategy<Value = RecipientKind> {
    select(&[RecipientKind::Person, RecipientKind::Team][..])
}

/// The typed side's verdict: the builder's and the recipient's problems, in field order.
fn typed(
    kind: RecipientKind,
    title: &str,
    text: &str,
    recipient: &str,
    urgency: Option<&str>,
    url: Option<&str>,
) -> Result<PageRequest, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut builder = Page::builder(title, text);
    if let Some(url) = url {
        builder = builder.source_url(url);
    }
    let urgency = match urgency.map(str::parse::<Urgency>) {
        Some(Ok(u)) => Some(u),
        Some(Err(e)) => {
            problems.push(Problem::new("urgency", e.message()));
            None
        }
        None => None,
    };
    if let Some(u) = urgency {
        builder = builder.urgency(u);
    }
    let page = builder.build().map_err(|e| e.into_problems());
    let recipient = Recipient::new(kind, recipient.to_owned()).map_err(|e| e.into_problems());
    match (page, recipient) {
        (Ok(page), Ok(recipient)) if problems.is_empty() => Ok(PageRequest::new(recipient, page)),
        (page, recipient) => {
            let mut all = page.err().unwrap_or_default();
            all.extend(recipient.err().unwrap_or_default());
            all.extend(problems);
            let order = |p: &Problem| {
                ["title", "text", "recipient", "urgency", "source_url"]
                    .iter()
                    .position(|f| *f == p.field)
            };
            all.sort_by_key(order);
            Err(all)
        }
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn both_sides_agree(
        kind in kind(), title in text(), text in text(), recipient in recipient(),
        urgency in optional_word(), url in optional_url(),
    ) {
        let mut body = Map::new();
        body.insert("title".into(), Value::from(title.as_str()));
        body.insert("text".into(), Value::from(text.as_str()));
        body.insert("recipient".into(), Value::from(recipient.as_str()));
        if let Some(u) = &urgency { body.insert("urgency".into(), Value::from(u.as_str())); }
        if let Some(u) = &url { body.insert("source_url".into(), Value::from(u.as_str())); }
        let lenient = parse_page_lenient(&Value::Object(body), kind);
        prop_assert!(lenient.warnings.is_empty());
        let typed = typed(kind, &title, &text, &recipient, urgency.as_deref(), url.as_deref());
        match (lenient.request, typed) {
            (Ok(a), Ok(b)) => {
                // And what the client sends, the server reads back as the same page.
                let again = parse_page_lenient(&b.to_json_value(), kind).request;
                prop_assert_eq!(&again, &Ok(b.clone()));
                prop_assert_eq!(a, b);
            }
            (Err(a), Err(b)) => prop_assert_eq!(a.into_problems(), b),
            (a, b) => prop_assert!(false, "verdicts differ: lenient {:?}, typed {:?}", a, b),
        }
    }
}
