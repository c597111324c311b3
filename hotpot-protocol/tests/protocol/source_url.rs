//! `source_url` (spec §1): the rule's quick path for plain URLs gives the `url` crate's
//! verdict — an absolute `http` or `https` URL with a host — on URLs built near its edges
//! (IPv4-looking hosts, IDNA labels, ports, users, empty labels, odd characters).

use hotpot_protocol::page::rules::check_source_url;
use proptest::prelude::*;

use crate::properties::config;

/// What the rule means, from the parser alone.
fn parser_accepts(s: &str) -> bool {
    !s.trim().is_empty()
        && url::Url::parse(s)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

fn label() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9-]{0,8}",
        "[A-Za-z0-9-]{0,6}",
        "[0-9]{1,4}",
        Just("xn--".to_owned()),
        Just("xn--nxasmq6b".to_owned()),
        Just("XN--abc".to_owned()),
        Just("0x1f".to_owned()),
        Just("0X".to_owned()),
        Just("-".to_owned()),
        "[a-z]{1,3}[%_~@:\\[\\]é ]{1,2}[a-z]{0,3}",
    ]
}

fn url() -> impl Strategy<Value = String> {
    // Mostly what the quick path takes, so that its edges (the host's labels, the tail's
    // characters) are what varies.
    let prefix = prop_oneof![
        4 => Just("http://"),
        4 => Just("https://"),
        1 => Just("HTTP://"),
        1 => Just("http:/"),
        1 => Just("ftp://"),
        1 => Just("https:///"),
        1 => Just(""),
    ];
    let host = prop::collection::vec(label(), 0..5).prop_map(|labels| labels.join("."));
    let port = prop_oneof![
        8 => Just(String::new()),
        1 => Just(":8080".to_owned()),
        1 => Just(":".to_owned()),
        1 => Just(":99999".to_owned())
    ];
    let user = prop_oneof![8 => Just(""), 1 => Just("user@"), 1 => Just("a:b@")];
    let tail = prop_oneof![
        2 => Just(String::new()),
        2 => "[/?#][ -~]{0,16}",
        2 => "/[a-zA-Z0-9._~%-]{0,10}(\\?[a-z]=[0-9]{1,3})?(#[a-z]{0,4})?",
        1 => "[/?#][\\t\\n é\\\\]{0,3}",
    ];
    (prefix, user, host, port, tail)
        .prop_map(|(prefix, user, host, port, tail)| format!("{prefix}{user}{host}{port}{tail}"))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn source_url_fast_path(s in url()) {
        prop_assert_eq!(check_source_url(&s).is_ok(), parser_accepts(&s), "{:?}", s);
    }
}

#[test]
fn plain_urls_and_their_neighbours() {
    for (s, ok) in [
        ("https://deploys.example.com/runs/1234", true),
        ("http://localhost", true),
        ("https://Example.COM?x=1#top", true),
        ("https://1.2.3.4/x", true),
        ("https://1.2.3.999/x", false),
        ("https://a..b/", true),
        ("https://xn--/", false),
        ("https://example.com:99999/", false),
        ("https://user@example.com/", true),
        ("https:///path", true), // WHATWG skips the extra slash: the host is `path`
        ("mailto:ops@example.com", false),
    ] {
        assert_eq!(check_source_url(s).is_ok(), ok, "{s}");
        assert_eq!(parser_accepts(s), ok, "{s}");
    }
}
