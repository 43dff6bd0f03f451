//! Site profiles: `crawlers/<name>.toml`, compiled into the binary, say how
//! an engine's pages are read (CSS selectors, JSON pointers, feeds) and
//! which pages a profile claims.

use std::sync::OnceLock;

use include_dir::{include_dir, Dir};
use scraper::{Html, Selector};
use serde::Deserialize;
use url::Url;

use super::{select_first, split_attr, structured, PageKind};

static CRAWLERS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../../crawlers");

/// What a profile reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// HTML, with CSS selectors (and JSON-LD when `jsonld` is set).
    #[default]
    Html,
    /// A JSON API, with JSON pointers in `[json]`.
    Json,
    /// RSS or Atom, read with feed-rs.
    Feed,
}

/// A site profile, loaded from `crawlers/<name>.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Profile name (the file name).
    pub name: String,
    /// What sites it reads.
    pub description: String,
    /// Kind of page.
    pub kind: PageKind,
    /// What the page is: `html` (default), `json` or `feed`.
    #[serde(default)]
    pub format: Format,
    /// Regular expressions over the URL that choose this profile.
    #[serde(default)]
    pub url_patterns: Vec<String>,
    /// `url_patterns`, compiled when the profile is loaded.
    #[serde(skip)]
    url_regex: Vec<regex::Regex>,
    /// Substrings of `<meta name="generator">` that choose this profile.
    #[serde(default)]
    pub generator: Vec<String>,
    /// Markup signature: selectors, any of which present on the page
    /// chooses this profile (after URL patterns and generators).
    #[serde(default)]
    pub detect: Vec<String>,
    /// schema.org types read from JSON-LD as posts (`Review`); a page whose
    /// JSON-LD holds one of them chooses this profile.
    #[serde(default)]
    pub jsonld: Vec<String>,
    /// How to read a JSON API (`format = "json"`).
    #[serde(default)]
    pub json: Option<JsonRule>,
    /// Regular expressions: post lines matching one are cut as ads, with
    /// the pattern recorded.
    #[serde(default)]
    pub drop_lines: Vec<String>,
    /// `drop_lines`, compiled.
    #[serde(skip)]
    pub(super) drop_regex: Vec<(String, regex::Regex)>,
    /// Selectors for the title, first match wins (`sel` or `sel@attr`).
    #[serde(default)]
    pub title: Vec<String>,
    /// Post rules; none means the generic article extractor.
    #[serde(default)]
    pub posts: Vec<PostRule>,
    /// Elements dropped from post text (signatures, edit notices, controls).
    #[serde(default)]
    pub remove: Vec<String>,
    /// Quoted replies, kept apart from a reply's own text.
    #[serde(default)]
    pub quote: Option<String>,
    /// Links to the next page of the same thread or list.
    #[serde(default)]
    pub next_page: Vec<String>,
    /// Other links worth following (threads in a list).
    #[serde(default)]
    pub links: Vec<String>,
}

/// How to find posts of one kind on a page.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostRule {
    /// Each match is one post.
    pub item: String,
    /// Author, first match wins.
    #[serde(default)]
    pub author: Vec<String>,
    /// Date, first match wins (`sel@attr` reads an attribute).
    #[serde(default)]
    pub date: Vec<String>,
    /// The post's text.
    pub content: String,
    /// Floor number: the first number in its text.
    #[serde(default)]
    pub floor: Option<String>,
    /// Floors named instead of numbered, from floor 1 (Discuz: 楼主, 沙发, …).
    #[serde(default)]
    pub floor_names: Vec<String>,
    /// Rating (reviews), first match wins.
    #[serde(default)]
    pub rating: Vec<String>,
    /// Best possible rating, first match wins (default 5 when a rating is found).
    #[serde(default)]
    pub best_rating: Vec<String>,
    /// The post's own title (reviews, feed items), first match wins.
    #[serde(default)]
    pub title: Vec<String>,
}

/// How to read posts from a JSON API: [JSON pointers](https://www.rfc-editor.org/rfc/rfc6901)
/// from the document (`items`, `title`) or from each item (the rest).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonRule {
    /// The array of posts.
    pub items: String,
    /// The page title, first present wins.
    #[serde(default)]
    pub title: Vec<String>,
    /// Author, first present wins.
    #[serde(default)]
    pub author: Vec<String>,
    /// Date, first present wins.
    #[serde(default)]
    pub date: Vec<String>,
    /// The post as HTML (read like a page: `remove` and `quote` apply);
    /// one pointer or a list, the first that holds a string wins.
    #[serde(default, deserialize_with = "one_or_many")]
    pub html: Vec<String>,
    /// The post as plain text, when there is no `html`.
    #[serde(default)]
    pub text: Option<String>,
    /// Floor or position number.
    #[serde(default)]
    pub floor: Option<String>,
    /// Pointers that must all exist for a JSON document to choose this
    /// profile by its content.
    #[serde(default)]
    pub detect: Vec<String>,
    /// Links built from arrays of objects.
    #[serde(default)]
    pub links: Vec<JsonLinks>,
    /// Each item's own title (a listing's posts), first present wins. A
    /// post without text is its title (a link post).
    #[serde(default)]
    pub post_title: Vec<String>,
    /// Each item's own address, a template filled from the item (see
    /// [`JsonLinks::href`]; `{/a/b}` reads a pointer, `{+…}` inserts the
    /// value as it is, slashes included), resolved against the page URL.
    /// A listing's posts are then stored under their own addresses, so a
    /// post keeps its identity while newer ones push it down the list.
    #[serde(default)]
    pub url: Option<String>,
    /// The listing's next page: the page URL with one query parameter set.
    #[serde(default)]
    pub next: Option<JsonNext>,
}

/// The next page of a JSON listing: the page URL with `param` set to the
/// value at the `value` pointer (Reddit's `after`), plus `add` when given
/// (a page number, Algolia's `page`); no next page when the value is
/// missing or null, or when it reaches the value at `until`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonNext {
    /// Query parameter to set.
    pub param: String,
    /// Pointer to its value in the document.
    pub value: String,
    /// Added to a numeric value.
    #[serde(default)]
    pub add: Option<i64>,
    /// Pointer to the page count: no next page at or past it.
    #[serde(default)]
    pub until: Option<String>,
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

/// Links to follow from a JSON document: `href` with `{field}` replaced by
/// each item's fields, resolved against the page URL.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonLinks {
    /// Pointer to the array.
    pub items: String,
    /// Template, e.g. `/t/{slug}/{id}.json`.
    pub href: String,
}

/// A compiled CSS selector, cached: profiles use the same few selectors on
/// every page.
pub(crate) fn css(s: &str) -> Option<Selector> {
    static CACHE: OnceLock<std::sync::RwLock<std::collections::HashMap<String, Option<Selector>>>> =
        OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(hit) = cache.read().unwrap_or_else(|p| p.into_inner()).get(s) {
        return hit.clone();
    }
    let sel = Selector::parse(s).ok();
    cache
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .insert(s.to_string(), sel.clone());
    sel
}

pub(super) fn profiles() -> &'static Result<Vec<Profile>, String> {
    static P: OnceLock<Result<Vec<Profile>, String>> = OnceLock::new();
    P.get_or_init(|| {
        let mut out = Vec::new();
        let mut files: Vec<_> = CRAWLERS
            .files()
            .filter(|f| f.path().extension().is_some_and(|e| e == "toml"))
            .collect();
        files.sort_by_key(|f| f.path().to_path_buf());
        for f in files {
            let name = f.path().display().to_string();
            let text = f
                .contents_utf8()
                .ok_or_else(|| format!("crawlers/{name} is not UTF-8"))?;
            out.push(Profile::from_toml(text).map_err(|e| format!("crawlers/{name}: {e}"))?);
        }
        Ok(out)
    })
}

impl Profile {
    /// Reads and checks one profile file's text.
    pub fn from_toml(text: &str) -> Result<Profile, String> {
        let mut p: Profile = toml::from_str(text).map_err(|e| e.to_string())?;
        p.check()?;
        p.url_regex = p
            .url_patterns
            .iter()
            .filter_map(|r| regex::Regex::new(r).ok())
            .collect();
        p.drop_regex = p
            .drop_lines
            .iter()
            .filter_map(|r| regex::Regex::new(r).ok().map(|re| (r.clone(), re)))
            .collect();
        Ok(p)
    }

    /// Names of all bundled profiles.
    pub fn names() -> Vec<String> {
        profiles()
            .as_ref()
            .map(|p| p.iter().map(|p| p.name.clone()).collect())
            .unwrap_or_default()
    }

    /// The profile called `name`.
    pub fn by_name(name: &str) -> Option<&'static Profile> {
        profiles().as_ref().ok()?.iter().find(|p| p.name == name)
    }

    /// Checks every selector, pattern and pointer.
    fn check(&self) -> Result<(), String> {
        let sels = self
            .title
            .iter()
            .chain(&self.remove)
            .chain(&self.next_page)
            .chain(&self.links)
            .chain(&self.detect)
            .chain(self.quote.iter())
            .chain(self.posts.iter().flat_map(|r| {
                std::iter::once(&r.item)
                    .chain(&r.author)
                    .chain(&r.date)
                    .chain(std::iter::once(&r.content))
                    .chain(r.floor.iter())
                    .chain(&r.rating)
                    .chain(&r.best_rating)
                    .chain(&r.title)
            }));
        for s in sels {
            let css = split_attr(s).0;
            Selector::parse(css).map_err(|e| format!("selector `{s}` does not parse: {e}"))?;
        }
        for p in self.url_patterns.iter().chain(&self.drop_lines) {
            regex::Regex::new(p).map_err(|e| format!("pattern `{p}`: {e}"))?;
        }
        match (self.format, &self.json) {
            (Format::Json, None) => return Err("format = \"json\" needs a [json] table".into()),
            (Format::Json, Some(j)) => {
                let ptrs = std::iter::once(&j.items)
                    .chain(&j.title)
                    .chain(&j.author)
                    .chain(&j.date)
                    .chain(j.html.iter())
                    .chain(j.text.iter())
                    .chain(j.floor.iter())
                    .chain(&j.post_title)
                    .chain(j.next.iter().map(|n| &n.value))
                    .chain(j.next.iter().filter_map(|n| n.until.as_ref()))
                    .chain(&j.detect)
                    .chain(j.links.iter().map(|l| &l.items));
                for p in ptrs {
                    if !p.is_empty() && !p.starts_with('/') {
                        return Err(format!("JSON pointer `{p}` must start with `/`"));
                    }
                }
                if j.html.is_empty() && j.text.is_none() {
                    return Err("[json] needs `html` or `text`".into());
                }
            }
            (_, Some(_)) => return Err("[json] is only read with format = \"json\"".into()),
            _ => {}
        }
        Ok(())
    }

    /// Chooses a profile for an HTML page: by URL pattern, then by
    /// generator, then by JSON-LD type, then by markup signature.
    pub fn choose(url: &Url, doc: &Html) -> Option<&'static Profile> {
        let all: Vec<&Profile> = profiles()
            .as_ref()
            .ok()?
            .iter()
            .filter(|p| p.format == Format::Html)
            .collect();
        if let Some(p) = all
            .iter()
            .find(|p| p.url_regex.iter().any(|r| r.is_match(url.as_str())))
        {
            return Some(p);
        }
        if let Some(generator) = select_first(
            doc.root_element(),
            &["meta[name=generator]@content".to_string()],
        ) {
            if let Some(p) = all
                .iter()
                .find(|p| p.generator.iter().any(|g| generator.contains(g.as_str())))
            {
                return Some(p);
            }
        }
        if all.iter().any(|p| !p.jsonld.is_empty()) {
            let (blocks, _) = structured::jsonld_blocks(doc);
            if let Some(p) = all
                .iter()
                .find(|p| !p.jsonld.is_empty() && structured::has_types(&blocks, &p.jsonld))
            {
                return Some(p);
            }
        }
        // One pass for "does any signature match?" before asking which:
        // most pages match none.
        static ANY: OnceLock<Option<Selector>> = OnceLock::new();
        let any = ANY.get_or_init(|| {
            let list: Vec<&str> = profiles()
                .as_ref()
                .ok()?
                .iter()
                .filter(|p| p.format == Format::Html)
                .flat_map(|p| p.detect.iter().map(String::as_str))
                .filter(|s| css(s).is_some())
                .collect();
            if list.is_empty() {
                None
            } else {
                Selector::parse(&list.join(", ")).ok()
            }
        });
        if let Some(sel) = any {
            doc.select(sel).next()?;
        }
        all.into_iter().find(|p| {
            p.detect
                .iter()
                .filter_map(|s| css(s))
                .any(|sel| doc.select(&sel).next().is_some())
        })
    }

    /// Chooses a JSON profile: by URL pattern, then by `[json] detect`.
    pub(super) fn choose_json(url: &Url, v: &serde_json::Value) -> Option<&'static Profile> {
        let all = profiles().as_ref().ok()?;
        let json = || all.iter().filter(|p| p.format == Format::Json);
        json()
            .find(|p| p.url_regex.iter().any(|r| r.is_match(url.as_str())))
            .or_else(|| {
                json().find(|p| {
                    p.json.as_ref().is_some_and(|j| {
                        !j.detect.is_empty() && j.detect.iter().all(|d| v.pointer(d).is_some())
                    })
                })
            })
    }

    /// The bundled feed profile.
    pub(super) fn feed() -> Option<&'static Profile> {
        profiles()
            .as_ref()
            .ok()?
            .iter()
            .find(|p| p.format == Format::Feed)
    }
}
