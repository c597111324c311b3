//! The page every console view shares: the head (the console's own stylesheet and script, no
//! inline script or style), a skip link, the navigation, one `main` landmark with the view's
//! `h1`, and a footer pointing at the JSON behind it.

use maud::{DOCTYPE, Markup, html};

/// Which navigation item a view is (marked `aria-current="page"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Section {
    Events,
    Integrations,
    Webhooks,
    Rejected,
    Pages,
    Teams,
    /// A page outside the navigation (an error).
    None,
}

/// Where a view sits, for its relative links: `./` at the top, `../` one folder down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Root(pub &'static str);

impl Root {
    /// A view at the top (`/`, `/webhooks`, ...).
    pub(crate) const TOP: Root = Root("./");
    /// A view one folder down (`/integrations/{name}`).
    pub(crate) const DOWN: Root = Root("../");

    /// `path` (relative to the console's root) as a link from this view.
    pub(crate) fn to(self, path: &str) -> String {
        format!("{}{path}", self.0)
    }
}

/// A whole page: `title` is the view's `h1` (and the document's title), `body` the rest of
/// `main`.
pub(crate) fn page(title: &str, section: Section, root: Root, body: Markup) -> Markup {
    let item = |name: &str, path: &str, this: Section| {
        html! {
            li {
                a href=(root.to(path)) aria-current=[(section == this).then_some("page")] { (name) }
            }
        }
    };
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                title { (title) " · Hotpot mock" }
                link rel="icon" href=(root.to("_mock/console.svg")) type="image/svg+xml";
                link rel="stylesheet" href=(root.to("_mock/console.css"));
                script src=(root.to("_mock/console.js")) defer {}
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    p.brand { "Hotpot mock" }
                    nav aria-label="Console" {
                        ul {
                            (item("Events", "", Section::Events))
                            (item("Integrations", "integrations", Section::Integrations))
                            (item("Webhooks", "webhooks", Section::Webhooks))
                            (item("Rejected", "rejected", Section::Rejected))
                            (item("Pages", "pages", Section::Pages))
                            (item("Teams", "teams", Section::Teams))
                        }
                    }
                }
                main #main tabindex="-1" {
                    h1 { (title) }
                    (body)
                }
                footer.bottom {
                    p {
                        "The same data as JSON: "
                        a href=(root.to("_mock/events")) { "events" } ", "
                        a href=(root.to("_mock/moments")) { "moments" } ", "
                        a href=(root.to("_mock/webhooks")) { "webhooks" } ", "
                        a href=(root.to("_mock/pages")) { "pages" } ", "
                        a href=(root.to("_mock/teams")) { "teams" } ", "
                        a href=(root.to("_mock/openapi.json")) { "the API's description" } "."
                    }
                }
            }
        }
    }
}

/// A short page saying what went wrong, with a link back.
pub(crate) fn problem(title: &str, message: &str, root: Root, back: &str) -> Markup {
    page(
        title,
        Section::None,
        root,
        html! {
            p.problem role="alert" { (message) }
            p { a href=(root.to(back)) { "Back" } }
        },
    )
}
