//! `[[source]]`: the sites and feeds a crawl visits, each inheriting the
//! `[crawl]` defaults ([`CrawlConfig`]).

use std::collections::HashSet;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::fetch::CrawlConfig;
use crate::util::{did_you_mean, expand_env, Problem, Schedule};

/// `[[source]]`: one site or feed to crawl.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SourceConfig {
    /// Unique name, used on the command line and in stored mentions.
    pub name: String,
    /// What the source is: pages and feeds (`site`, the default), a search
    /// or news-feed URL built from the watches' terms (`search`), or a
    /// sitemap (`sitemap`).
    #[serde(skip_serializing_if = "SourceKind::is_site")]
    pub kind: SourceKind,
    /// `search`: the URL template, with `{query}` where the search terms
    /// go; `sitemap`: the sitemap (or sitemap index) URL, or the site's
    /// root, whose robots.txt `Sitemap:` lines are read.
    pub url: Option<String>,
    /// `search`: the watches whose terms are searched; empty means all.
    pub watches: Vec<String>,
    /// `search`: the charset the site expects the query in (`gbk`,
    /// `big5`, …; WHATWG names); UTF-8 when absent.
    pub query_charset: Option<String>,
    /// `sitemap`: the most page URLs read from the sitemaps per pass.
    pub max_sitemap_urls: Option<u32>,
    /// Site name shown in reports; defaults to the start URL's host.
    pub site: Option<String>,
    /// Site profile from `crawlers/` (file name without `.toml`); chosen
    /// automatically when absent.
    pub profile: Option<String>,
    /// Pages the crawl starts from. `${VAR}` and `${VAR:-default}` expand
    /// from the environment.
    pub start_urls: Vec<String>,
    /// RSS or Atom feeds whose items are crawled.
    pub feeds: Vec<String>,
    /// Regular expressions over a link's path and query: links matching
    /// one of them are followed (same host only).
    pub follow: Vec<String>,
    /// When `earshot run` crawls this source: `every 30m` or a cron
    /// expression in UTC, crontab style (`*/30 * * * *`; see
    /// `util::Schedule`).
    pub schedule: Option<String>,
    /// Overrides `crawl.rate_per_host` for this source.
    pub rate_per_host: Option<f64>,
    /// Overrides `crawl.max_depth` for this source.
    pub max_depth: Option<u32>,
    /// Overrides `crawl.timezone` for this source.
    pub timezone: Option<String>,
    /// Overrides `crawl.allow_private` for this source.
    pub allow_private: Option<bool>,
    /// Overrides `crawl.revisit` for this source.
    #[serde(with = "humantime_serde")]
    pub revisit: Option<Duration>,
    /// Overrides `crawl.revisit_min` for this source.
    #[serde(with = "humantime_serde")]
    pub revisit_min: Option<Duration>,
}

/// What a `[[source]]` is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// Pages and feeds: `start_urls`, `feeds`, `follow`.
    #[default]
    Site,
    /// A search or news-feed URL template filled with each watch term.
    Search,
    /// A sitemap, sitemap index or news sitemap.
    Sitemap,
}

impl SourceKind {
    fn is_site(&self) -> bool {
        *self == SourceKind::Site
    }
}

/// Sitemap page URLs read per pass when `max_sitemap_urls` is not set
/// (the sitemap protocol's limit for one file).
pub const MAX_SITEMAP_URLS: u32 = 50_000;

impl SourceConfig {
    /// The most page URLs a sitemap source reads per pass.
    pub fn max_sitemap_urls(&self) -> u32 {
        self.max_sitemap_urls.unwrap_or(MAX_SITEMAP_URLS).max(1)
    }
    /// The effective rate for this source.
    pub fn rate_per_host(&self, crawl: &CrawlConfig) -> f64 {
        self.rate_per_host.unwrap_or(crawl.rate_per_host)
    }
    /// The effective depth for this source.
    pub fn max_depth(&self, crawl: &CrawlConfig) -> u32 {
        // A search's results lead to the articles (one hop); a sitemap
        // lists the pages themselves.
        let default = match self.kind {
            SourceKind::Site => crawl.max_depth,
            SourceKind::Search => 1,
            SourceKind::Sitemap => 0,
        };
        self.max_depth.unwrap_or(default)
    }
    /// The effective timezone for this source.
    pub fn timezone(&self, crawl: &CrawlConfig) -> chrono_tz::Tz {
        let name = self.timezone.as_deref().unwrap_or(&crawl.timezone);
        name.parse().unwrap_or(chrono_tz::Asia::Shanghai)
    }
    /// The effective longest revisit wait for this source.
    pub fn revisit(&self, crawl: &CrawlConfig) -> Duration {
        self.revisit.unwrap_or(crawl.revisit)
    }
    /// The effective shortest revisit wait for this source (at most
    /// [`Self::revisit`]).
    pub fn revisit_min(&self, crawl: &CrawlConfig) -> Duration {
        self.revisit_min
            .unwrap_or(crawl.revisit_min)
            .min(self.revisit(crawl))
    }
    pub(super) fn revisit_policy(&self, crawl: &CrawlConfig) -> super::revisit::Revisit {
        super::revisit::Revisit {
            min: self.revisit_min(crawl),
            max: self.revisit(crawl),
        }
    }
    /// Whether private addresses may be fetched for this source.
    pub fn allow_private(&self, crawl: &CrawlConfig) -> bool {
        self.allow_private.unwrap_or(crawl.allow_private)
    }
    /// Start URLs and feeds with `${VAR}` expanded.
    pub fn expanded_start_urls(&self) -> Result<Vec<url::Url>, String> {
        self.start_urls
            .iter()
            .chain(self.feeds.iter())
            .map(|u| {
                let s = expand_env(u)?;
                url::Url::parse(&s).map_err(|e| format!("`{s}` is not a URL: {e}"))
            })
            .collect()
    }
}

/// The configuration sections a crawl pass reads.
#[derive(Debug, Clone, Default)]
pub struct CrawlSetup {
    /// `[crawl]`: politeness and crawl-wide defaults.
    pub crawl: CrawlConfig,
    /// `[[source]]`: what to crawl.
    pub sources: Vec<SourceConfig>,
    /// `[[watch]]`: what counts as a mention.
    pub watches: Vec<crate::watch::WatchConfig>,
    /// `[extract]`: cleaning applied to every page.
    pub extract: crate::extract::ExtractConfig,
    /// `[sentiment]`: the model that scores mentions.
    pub sentiment: crate::sentiment::SentimentConfig,
}

/// What is wrong with the `[[source]]` list, each entry on its own and
/// the names together.
pub fn problems(sources: &[SourceConfig]) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut names = HashSet::new();
    for (i, s) in sources.iter().enumerate() {
        let at = |k: &str| format!("source[{i}].{k}");
        if s.name.trim().is_empty() {
            out.push(Problem::new(
                format!("source[{i}]"),
                "has no name",
                "add name = \"my-forum\"",
            ));
        } else if !names.insert(s.name.as_str()) {
            out.push(Problem::new(
                at("name"),
                format!("source name `{}` is used twice", s.name),
                "give every [[source]] its own name",
            ));
        }
        // The `search` and `sitemap` kinds are checked by `search.rs`.
        if s.kind == SourceKind::Site && s.url.is_some() {
            out.push(Problem::new(
                at("url"),
                "`url` is read only by kind = \"search\" and kind = \"sitemap\" sources",
                "put the pages in start_urls = [...], or set kind = \"search\" or \"sitemap\"",
            ));
        }
        if s.kind == SourceKind::Site && s.start_urls.is_empty() && s.feeds.is_empty() {
            out.push(Problem::new(
                if s.name.is_empty() {
                    format!("source[{i}]")
                } else {
                    at("name")
                },
                format!("source `{}` has neither start_urls nor feeds", s.name),
                "add start_urls = [\"https://bbs.example.com/forum-2-1.html\"]",
            ));
        }
        for (field, list) in [("start_urls", &s.start_urls), ("feeds", &s.feeds)] {
            for (j, u) in list.iter().enumerate() {
                let key = format!("source[{i}].{field}[{j}]");
                match expand_env(u) {
                    Err(e) => out.push(Problem::new(
                        key,
                        e,
                        "set the variable, or give a default: ${VAR:-http://...}",
                    )),
                    Ok(expanded) => match url::Url::parse(&expanded) {
                        Ok(url) if url.scheme() == "http" || url.scheme() == "https" => {}
                        Ok(url) => out.push(Problem::new(
                            key,
                            format!(
                                "only http and https URLs can be crawled, not `{}:`",
                                url.scheme()
                            ),
                            "write an http:// or https:// URL",
                        )),
                        Err(e) => out.push(Problem::new(
                            key,
                            format!("`{expanded}` is not a URL ({e})"),
                            "write an absolute URL such as \"https://bbs.example.com/forum-2-1.html\"",
                        )),
                    },
                }
            }
        }
        for (j, f) in s.follow.iter().enumerate() {
            if let Err(e) = regex::Regex::new(f) {
                out.push(Problem::new(
                    format!("source[{i}].follow[{j}]"),
                    format!(
                        "not a valid regular expression: {}",
                        e.to_string().lines().last().unwrap_or("")
                    ),
                    "e.g. follow = [\"^/thread-\\\\d+-\\\\d+-1\\\\.html$\"]",
                ));
            }
        }
        if let Some(r) = s.rate_per_host {
            if !(r.is_finite() && r > 0.0) {
                out.push(Problem::new(
                    at("rate_per_host"),
                    format!("must be a positive number of requests per second, got {r}"),
                    "e.g. rate_per_host = 0.5",
                ));
            }
        }
        if let Some(tz) = &s.timezone {
            if tz.parse::<chrono_tz::Tz>().is_err() {
                out.push(Problem::new(
                    at("timezone"),
                    format!("`{tz}` is not an IANA timezone"),
                    "e.g. \"Asia/Taipei\"",
                ));
            }
        }
        if let Some(sched) = &s.schedule {
            if let Err(e) = Schedule::parse(sched) {
                out.push(Problem::new(
                    at("schedule"),
                    e,
                    "write \"every 30m\" or a crontab line in UTC like \"*/30 * * * *\" (weekdays 1-5 are Monday to Friday)",
                ));
            }
        }
        if let Some(p) = &s.profile {
            if crate::extract::Profile::by_name(p).is_none() {
                let known = crate::extract::Profile::names();
                let hint = did_you_mean(p, known.iter().map(String::as_str))
                    .map(|m| format!("did you mean `{m}`?"))
                    .unwrap_or_else(|| format!("known profiles: {}", known.join(", ")));
                out.push(Problem::new(
                    at("profile"),
                    format!("no site profile `{p}` in crawlers/"),
                    hint,
                ));
            }
        }
    }
    out
}
