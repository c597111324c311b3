//! A moment's description, rendered from Markdown as Hotpot shows it, made safe: raw HTML in
//! it is shown as text, links keep only `http`, `https` and `mailto` targets (any other —
//! `javascript:`, `data:`, a relative path — leaves just the link's text) and open with
//! `rel="nofollow noopener noreferrer"`, and images become their alt text (the console fetches
//! nothing from elsewhere). Its headings become paragraphs, so the page's outline stays whole.

use std::fmt::Write as _;

use maud::{Escaper, PreEscaped};
use pulldown_cmark::{CowStr, Event, Parser, Tag, TagEnd};

/// `text` (Markdown) as safe HTML.
pub(crate) fn render(text: &str) -> PreEscaped<String> {
    // Whether each open link was kept, so its end is kept or dropped with it.
    let mut links: Vec<bool> = Vec::new();
    let events = Parser::new(text).filter_map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        // Headings in a description would break the page's outline: they become paragraphs.
        Event::Start(Tag::HtmlBlock | Tag::Heading { .. }) => Some(Event::Start(Tag::Paragraph)),
        Event::End(TagEnd::HtmlBlock | TagEnd::Heading(_)) => Some(Event::End(TagEnd::Paragraph)),
        Event::Start(Tag::Link { dest_url, .. }) => {
            let kept = safe_url(&dest_url).is_some();
            links.push(kept);
            kept.then(|| Event::InlineHtml(CowStr::from(open_link(&dest_url))))
        }
        Event::End(TagEnd::Link) => links
            .pop()
            .unwrap_or(false)
            .then_some(Event::InlineHtml(CowStr::Borrowed("</a>"))),
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => None,
        other => Some(other),
    });
    let mut html = String::with_capacity(text.len() + text.len() / 4);
    pulldown_cmark::html::push_html(&mut html, events);
    PreEscaped(html)
}

/// `<a href="URL" rel=...>` with the URL escaped.
fn open_link(url: &str) -> String {
    let mut tag = String::from("<a href=\"");
    let _ = Escaper::new(&mut tag).write_str(url.trim());
    tag.push_str("\" rel=\"nofollow noopener noreferrer\">");
    tag
}

/// `url` when it is an absolute `http`, `https` or `mailto` URL; anything else is `None`.
pub(crate) fn safe_url(url: &str) -> Option<&str> {
    let url = url.trim();
    let (scheme, rest) = url.split_once(':')?;
    let allowed = ["http", "https", "mailto"]
        .iter()
        .any(|s| scheme.eq_ignore_ascii_case(s));
    // No control characters or spaces anywhere (browsers strip some of them from schemes).
    let clean = !url.chars().any(|c| c.is_control() || c.is_whitespace());
    (allowed && clean && !rest.is_empty()).then_some(url)
}

#[cfg(test)]
mod tests {
    use super::{render, safe_url};

    fn html(text: &str) -> String {
        render(text).into_string()
    }

    #[test]
    fn markdown_becomes_html() {
        assert_eq!(
            html("**Disk** is `full`"),
            "<p><strong>Disk</strong> is <code>full</code></p>\n"
        );
        assert!(html("- a\n- b").contains("<li>a</li>"));
    }

    #[test]
    fn raw_html_is_shown_as_text() {
        let out =
            html("Before <script>alert(1)</script> after\n\n<div onclick=\"x()\">block</div>");
        assert!(!out.contains("<script"), "{out}");
        assert!(!out.contains("<div"), "{out}");
        assert!(
            out.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{out}"
        );
        assert!(
            out.contains("&lt;div onclick=\"x()\"&gt;block&lt;/div&gt;"),
            "{out}"
        );
    }

    #[test]
    fn unsafe_links_keep_only_their_text() {
        for link in [
            "[click](javascript:alert(1))",
            "[click](JavaScript:alert(1))",
            "[click](java\tscript:alert(1))",
            "[click](data:text/html,<script>alert(1)</script>)",
            "[click](vbscript:msgbox)",
            "[click](/relative/path)",
            "<javascript:alert(1)>",
        ] {
            let out = html(link);
            assert!(!out.contains("<a"), "{link} gave {out}");
            assert!(
                !out.to_ascii_lowercase().contains("href"),
                "{link} gave {out}"
            );
        }
        assert_eq!(html("[click](javascript:alert(1))"), "<p>click</p>\n");
    }

    #[test]
    fn safe_links_open_safely_and_are_escaped() {
        let out = html("[runbook](https://example.com/a?b=1&c=\"2\")");
        assert_eq!(
            out,
            "<p><a href=\"https://example.com/a?b=1&amp;c=&quot;2&quot;\" \
             rel=\"nofollow noopener noreferrer\">runbook</a></p>\n"
        );
        assert!(html("<https://example.com>").contains("<a href=\"https://example.com\""));
        assert!(html("[me](mailto:a@example.com)").contains("href=\"mailto:a@example.com\""));
    }

    #[test]
    fn headings_do_not_break_the_outline() {
        assert_eq!(html("# Big\ntext"), "<p>Big</p>\n<p>text</p>\n");
    }

    #[test]
    fn images_become_their_alt_text() {
        let out = html("![a graph](https://example.com/x.png)");
        assert_eq!(out, "<p>a graph</p>\n");
    }

    #[test]
    fn only_web_and_mail_urls_are_safe() {
        assert_eq!(safe_url(" https://x.example/ "), Some("https://x.example/"));
        assert_eq!(safe_url("HTTP://x.example"), Some("HTTP://x.example"));
        assert_eq!(safe_url("javascript:alert(1)"), None);
        assert_eq!(safe_url("https://x.example/\u{0}a"), None);
        assert_eq!(safe_url("//x.example"), None);
        assert_eq!(safe_url("https:"), None);
    }
}
