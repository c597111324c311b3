//! `WebhookUrl::parse` and `parse_allowing_http` on any text, and on URLs built around a known
//! secret placed where a token goes or where one might be misplaced.

use arbitrary::{Arbitrary, Unstructured};
use hotpot_protocol::{UrlError, WebhookUrl};

/// Target `webhook_url`.
pub fn webhook_url(data: &[u8]) {
    let Ok(input) = UrlInput::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    match input {
        UrlInput::Raw(text) => {
            let strict = WebhookUrl::parse(&text);
            let lax = WebhookUrl::parse_allowing_http(&text);
            check_pair(&strict, &lax);
        }
        UrlInput::Built(built) => built.check(),
    }
}

#[derive(Arbitrary, Debug)]
enum UrlInput {
    Raw(String),
    Built(Built),
}

/// `parse` and `parse_allowing_http` agree except on plain http to a host that is not
/// loopback; a parsed URL re-parses to itself and prints what its parts say.
fn check_pair(strict: &Result<WebhookUrl, UrlError>, lax: &Result<WebhookUrl, UrlError>) {
    match (strict, lax) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(UrlError::InsecureHttp(_)), Ok(url)) => {
            assert!(url.expose_secret().starts_with("http:") && !url.is_loopback());
        }
        // The scheme is checked first: allowed, plain http can still fail a later check.
        (Err(UrlError::InsecureHttp(_)), Err(later)) => {
            assert!(!matches!(later, UrlError::InsecureHttp(_)));
        }
        (Err(a), Err(b)) => {
            assert_eq!(a, b);
            assert!(!matches!(b, UrlError::InsecureHttp(_)));
        }
        (a, b) => panic!("parse gave {a:?}, parse_allowing_http {b:?}"),
    }
    if let Ok(url) = lax {
        let again = WebhookUrl::parse_allowing_http(url.expose_secret());
        assert_eq!(again.as_ref(), Ok(url), "re-parsing the exposed URL");
        let shown = url.to_string();
        assert!(shown.starts_with(url.base().as_str()), "{shown}");
        assert!(url.base().as_str().ends_with('/'));
        assert!(shown.contains(&format!("/moment/{}", url.token_hint())));
        assert_eq!(format!("{url:?}"), format!("WebhookUrl({shown:?})"));
        assert_eq!(
            url.expose_secret().starts_with("http:"),
            url.base().scheme() == "http"
        );
    }
}

/// A URL built from parts, with a secret of 8 to 64 token characters (perhaps with a bad
/// character inside) in one place.
#[derive(Arbitrary, Debug)]
struct Built {
    scheme: u8,
    host: u8,
    port: Option<u16>,
    prefix: Vec<u8>,
    moment: bool,
    token: u8,
    integration: Option<u8>,
    trailing_slash: bool,
    padded: bool,
    place: u8,
    secret: Secret,
}

#[derive(Arbitrary, Debug)]
struct Secret {
    seed: u64,
    len: u8,
    damage: Option<(u8, u8)>,
}

const SCHEMES: [&str; 6] = ["https", "http", "HTTPS", "HtTp", "ftp", "ws"];
const HOSTS: [&str; 9] = [
    "api.hotpot.works",
    "localhost",
    "LOCALHOST",
    "127.0.0.1",
    "127.255.0.9",
    "[::1]",
    "[::2]",
    "10.0.0.1",
    "xn--caf-dma.example",
];
const SEGMENTS: [&str; 10] = [
    "hotpot", "moment", "api", "v1", "", ".", "..", "%2e%2e", "a%2Fb", "x y",
];
const TOKENS: [&str; 6] = ["845b1e3c9d0f", "a", "tok_en-1", "", "bad.token", "%41bc"];
const INTEGRATIONS: [&str; 5] = ["datadog", "pager-duty", "", "Linear", "a_b"];
/// Characters a token may not hold, some of them attempts at header or path injection.
const DAMAGE: [&str; 14] = [
    ".", "%", " ", "é", "~", "+", ":", "@", "!", "\u{0}", "%0d%0a", "%2F", "..", "\t",
];

/// Where the secret goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Token,
    Integration,
    User,
    Password,
    Query,
    Fragment,
    /// A segment after the integration: the path no longer ends in `moment/TOKEN[/INT]`.
    After,
    /// Before a path that has no `moment` segment.
    Prefix,
}

const PLACES: [Place; 8] = [
    Place::Token,
    Place::Integration,
    Place::User,
    Place::Password,
    Place::Query,
    Place::Fragment,
    Place::After,
    Place::Prefix,
];

impl Secret {
    /// The secret, and a twin that differs from it after its 4th character only (same
    /// character classes everywhere, same damage).
    fn pair(&self) -> (String, String) {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
        let len = 8 + usize::from(self.len) % 57;
        let mut state = self.seed;
        let mut secret = String::new();
        let mut twin = String::new();
        for i in 0..len {
            // splitmix64
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            let c = ALPHABET[(z % ALPHABET.len() as u64) as usize];
            secret.push(char::from(c));
            twin.push(char::from(if i < 4 { c } else { rotate(c) }));
        }
        if let Some((at, which)) = self.damage {
            let at = usize::from(at) % (len + 1);
            let bad = DAMAGE[usize::from(which) % DAMAGE.len()];
            secret.insert_str(at, bad);
            twin.insert_str(at, bad);
        }
        (secret, twin)
    }
}

/// The next character of the same class: `A`→`B`, `z`→`a`, `9`→`0`; `_` and `-` stay.
fn rotate(c: u8) -> u8 {
    match c {
        b'Z' => b'A',
        b'z' => b'a',
        b'9' => b'0',
        b'A'..=b'Y' | b'a'..=b'y' | b'0'..=b'8' => c + 1,
        other => other,
    }
}

impl Built {
    fn place(&self) -> Place {
        PLACES[usize::from(self.place) % PLACES.len()]
    }

    fn render(&self, secret: &str) -> String {
        let place = self.place();
        let pick = |list: &[&'static str], i: u8| list[usize::from(i) % list.len()];
        let mut out = format!("{}://", pick(&SCHEMES, self.scheme));
        match place {
            Place::User => out.push_str(&format!("{secret}@")),
            Place::Password => out.push_str(&format!("user:{secret}@")),
            _ => {}
        }
        out.push_str(pick(&HOSTS, self.host));
        if let Some(port) = self.port {
            out.push_str(&format!(":{port}"));
        }
        if place == Place::Prefix {
            out.push('/');
            out.push_str(secret);
        }
        for &segment in &self.prefix {
            out.push('/');
            out.push_str(pick(&SEGMENTS, segment));
        }
        if self.moment && place != Place::Prefix {
            out.push_str("/moment");
        }
        out.push('/');
        out.push_str(if place == Place::Token {
            secret
        } else {
            pick(&TOKENS, self.token)
        });
        if place == Place::Integration {
            out.push('/');
            out.push_str(secret);
        } else if let Some(i) = self.integration {
            out.push('/');
            out.push_str(pick(&INTEGRATIONS, i));
        }
        if place == Place::After {
            out.push('/');
            out.push_str(secret);
        }
        if self.trailing_slash {
            out.push('/');
        }
        match place {
            Place::Query => out.push_str(&format!("?key={secret}")),
            Place::Fragment => out.push_str(&format!("#{secret}")),
            _ => {}
        }
        if self.padded {
            out = format!(" \t{out}\n ");
        }
        out
    }

    /// Nothing printed depends on the secret beyond its first 4 characters: the URL with the
    /// secret and with its twin give identical errors, and — where the secret is the token —
    /// identical `Display` and `Debug`. One exception, by design: a secret that reads as a
    /// plain word (its path segment lower-case letters joined by `-` or `_`, at most 24; one
    /// random secret of 8 characters in a thousand) is shown whole by an error that finds it misplaced, since
    /// errors redact the token and misplaced tokens, not the words of a path (`/hooks/abc`).
    fn check(&self) {
        let (secret, twin) = self.secret.pair();
        let (a, b) = (self.render(&secret), self.render(&twin));
        // The segment that holds the secret is what reads as a word or not (a prefix may put
        // more letters before it: `ktj-` + `slrp`).
        // A token after `moment` is always redacted; without a `moment` segment it is just a
        // misplaced segment.
        // Segments are judged as the URL parser sees them: it trims the padding and drops
        // every tab and newline, so `ljdhbh<TAB>ec` is the word `ljdhbhec`.
        let after_moment = self.place() == Place::Token && self.moment;
        let (parsed, parsed_secret) = (as_parsed(&a), as_parsed(&secret));
        let shown_by_design = !after_moment
            && parsed.split(['/', '?', '#', '=']).any(|segment| {
                segment.contains(parsed_secret.as_str()) && reads_as_a_word(segment)
            });
        for parse in [WebhookUrl::parse, WebhookUrl::parse_allowing_http] {
            let (with_secret, with_twin) = (parse(&a), parse(&b));
            match (&with_secret, &with_twin) {
                (Err(_), Err(_)) if shown_by_design => {}
                (Err(e), Err(f)) => {
                    assert_eq!(e.to_string(), f.to_string(), "{a:?}");
                    assert_eq!(format!("{e:?}"), format!("{f:?}"), "{a:?}");
                    for text in [e.to_string(), format!("{e:?}")] {
                        assert!(!text.contains(&parsed_secret), "{text} shows {secret:?}");
                    }
                }
                (Ok(u), Ok(v)) => {
                    // A prefix ending in `moment/X` makes the secret the integration slug,
                    // which is shown by design.
                    if self.place() == Place::Token && u.integration() != Some(secret.as_str()) {
                        assert_eq!(u.to_string(), v.to_string(), "{a:?}");
                        assert_eq!(format!("{u:?}"), format!("{v:?}"));
                        assert_eq!(u.token_hint(), v.token_hint());
                        assert!(!u.to_string().contains(&secret));
                    }
                }
                (x, y) => panic!("{a:?} gave {x:?}, its twin {y:?}"),
            }
        }
        check_pair(&WebhookUrl::parse(&a), &WebhookUrl::parse_allowing_http(&a));
    }
}

/// The text a WHATWG URL parser reads: leading and trailing C0 controls and spaces trimmed,
/// every ASCII tab and newline removed.
fn as_parsed(text: &str) -> String {
    text.trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect()
}

/// What `hotpot_protocol`'s path errors show whole (its `is_plain_word`, minus the `v1` form,
/// which no secret of 8 characters or more has).
fn reads_as_a_word(segment: &str) -> bool {
    segment.len() <= 24
        && segment
            .split(['-', '_'])
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase()))
}
