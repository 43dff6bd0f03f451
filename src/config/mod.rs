//! The user's configuration: `config/earshot.toml`.
//!
//! Every struct here is a serde type with defaults, and [`Config::load`]
//! validates what serde cannot (ranges, URLs, schedules, references between
//! sections). Every error names the file, line and column, says what is
//! wrong and what to write instead; unknown keys get a "did you mean".
//! `config/README.md` documents every key.

mod locate;

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::watch::query::Query;

/// The configuration shipped with earshot and used by `make demo`.
pub const DEFAULT_CONFIG: &str = include_str!("../../config/earshot.toml");
/// The name [`DEFAULT_CONFIG`] is reported under.
pub const DEFAULT_CONFIG_NAME: &str = "config/earshot.toml (built in)";

/// The whole configuration file.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Where mentions are stored.
    pub store: StoreConfig,
    /// Defaults for every crawl.
    pub crawl: CrawlConfig,
    /// Sites and feeds to crawl.
    #[serde(rename = "source")]
    pub sources: Vec<SourceConfig>,
    /// Brands and topics to listen for.
    #[serde(rename = "watch")]
    pub watches: Vec<WatchConfig>,
    /// The sentiment model and how it runs.
    pub sentiment: crate::sentiment::SentimentConfig,
    /// The dashboard and JSON API of `earshot serve`.
    pub serve: ServeConfig,
    /// Reports `earshot run` writes on a schedule.
    #[serde(rename = "report")]
    pub reports: Vec<ReportConfig>,
    /// Spike detection and notification settings.
    pub alert: crate::alert::AlertConfig,
    /// Where alerts are sent.
    #[serde(rename = "channel")]
    pub channels: Vec<crate::alert::ChannelConfig>,
    /// Cleaning applied to every extracted page.
    pub extract: ExtractConfig,
}

/// `[extract]`: cleaning applied to every page, on top of the site
/// profiles' own rules.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExtractConfig {
    /// Regular expressions: post lines matching one are cut, and the cut
    /// recorded with the pattern (ads a site injects, boilerplate lines).
    pub drop_lines: Vec<String>,
}

impl ExtractConfig {
    /// `drop_lines`, compiled (patterns that do not compile are reported by
    /// `config check` and left out here).
    pub fn patterns(&self) -> Vec<(String, regex::Regex)> {
        self.drop_lines
            .iter()
            .filter_map(|p| regex::Regex::new(p).ok().map(|r| (p.clone(), r)))
            .collect()
    }
}

/// What a dashboard token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Read everything, change nothing.
    Viewer,
    /// Also silence alerts and trigger crawls.
    Admin,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Viewer => "viewer",
            Role::Admin => "admin",
        })
    }
}

/// `[serve]`: the dashboard and JSON API.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServeConfig {
    /// Address and port to listen on. Loopback unless you mean otherwise.
    pub bind: String,
    /// Who may sign in; tokens are kept as SHA-256 hashes.
    pub tokens: Vec<TokenConfig>,
    /// How long a browser sign-in lasts.
    #[serde(with = "humantime_serde")]
    pub session_ttl: Duration,
    /// Mark the session cookie `Secure` (set when a TLS proxy fronts earshot).
    pub secure_cookie: bool,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            bind: "127.0.0.1:8640".into(),
            tokens: Vec::new(),
            session_ttl: Duration::from_secs(12 * 3600),
            secure_cookie: false,
        }
    }
}

/// `[[serve.tokens]]`: one API / dashboard token.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TokenConfig {
    /// Who holds it (shown in logs and on the page).
    pub name: String,
    /// Lower-case hex SHA-256 of the token (`earshot token new` prints it).
    pub sha256: String,
    /// `viewer` or `admin`.
    #[serde(default = "default_role")]
    pub role: Role,
}

fn default_role() -> Role {
    Role::Viewer
}

/// `[[report]]`: a report `earshot run` writes on a schedule.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReportConfig {
    /// Unique name (used in logs).
    pub name: String,
    /// Watches the report covers.
    pub watches: Vec<String>,
    /// How far back each report looks, e.g. "7d".
    #[serde(with = "humantime_serde")]
    pub period: Option<Duration>,
    /// `csv`, `xlsx`, `html` or `json`; several may be listed.
    pub format: Vec<String>,
    /// When to write it: `every 1d` or a cron expression.
    pub schedule: String,
    /// Directory the files go to [default: reports/].
    pub out_dir: Option<PathBuf>,
    /// Notification channel to send the report to (e-mail), by name.
    pub channel: Option<String>,
}

impl ReportConfig {
    /// The period, 7 days when not given.
    pub fn period(&self) -> Duration {
        self.period.unwrap_or(Duration::from_secs(7 * 24 * 3600))
    }
}

/// `[store]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// Directory of the sled store, relative to the working directory.
    pub path: PathBuf,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            path: PathBuf::from("data/earshot.db"),
        }
    }
}

/// `[crawl]`: defaults that every `[[source]]` inherits.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CrawlConfig {
    /// User-Agent header; must carry a contact URL or address.
    pub user_agent: String,
    /// Requests per second to one host.
    pub rate_per_host: f64,
    /// Requests allowed back to back before the rate applies.
    pub burst: u32,
    /// Requests in flight to one host at once.
    pub per_host_concurrency: u32,
    /// Requests in flight overall.
    pub concurrency: u32,
    /// Time to establish a connection.
    #[serde(with = "humantime_serde")]
    pub connect_timeout: Duration,
    /// Time for a whole request, body included.
    #[serde(with = "humantime_serde")]
    pub request_timeout: Duration,
    /// Time until the response headers arrive.
    #[serde(with = "humantime_serde")]
    pub first_byte_timeout: Duration,
    /// Retries after 5xx, 429, timeouts and connection errors.
    pub max_retries: u32,
    /// First backoff wait (doubles per retry, with full jitter).
    #[serde(with = "humantime_serde")]
    pub backoff_base: Duration,
    /// Longest backoff wait.
    #[serde(with = "humantime_serde")]
    pub backoff_max: Duration,
    /// A Retry-After longer than this skips the URL for this pass.
    #[serde(with = "humantime_serde")]
    pub max_retry_after: Duration,
    /// How long robots.txt rules are kept.
    #[serde(with = "humantime_serde")]
    pub robots_ttl: Duration,
    /// How long a site whose robots.txt fails (5xx, unreachable) is left alone.
    #[serde(with = "humantime_serde")]
    pub robots_error_wait: Duration,
    /// A page (other than start URLs and feeds) fetched less than this long
    /// ago is not fetched again; its stored links are still followed.
    #[serde(with = "humantime_serde")]
    pub revisit: Duration,
    /// Query parameters removed from URLs before they are compared
    /// (`*` at the end matches a prefix).
    pub strip_params: Vec<String>,
    /// Largest response body accepted, in bytes (after decompression).
    pub max_body_bytes: u64,
    /// Redirects followed before a request fails.
    pub max_redirects: u32,
    /// Link hops followed from a start URL.
    pub max_depth: u32,
    /// Pages fetched from one source in one pass.
    pub max_pages_per_source: u32,
    /// Allow loopback and private addresses (tests and the demo only).
    pub allow_private: bool,
    /// Timezone of dates written without one (IANA name).
    pub timezone: String,
    /// Fixed addresses for host names, like curl's `--resolve`:
    /// `{ "bbs.example.test" = "127.0.0.1:8080" }`. The port is used when
    /// the URL names none.
    pub resolve: std::collections::BTreeMap<String, String>,
}

impl Default for CrawlConfig {
    fn default() -> Self {
        CrawlConfig {
            user_agent: concat!(
                "earshot/",
                env!("CARGO_PKG_VERSION"),
                " (+https://github.com/earshot-dev/earshot)"
            )
            .to_string(),
            rate_per_host: 1.0,
            burst: 1,
            per_host_concurrency: 1,
            concurrency: 8,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            first_byte_timeout: Duration::from_secs(20),
            max_retries: 3,
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(60),
            max_retry_after: Duration::from_secs(600),
            robots_ttl: Duration::from_secs(24 * 3600),
            robots_error_wait: Duration::from_secs(600),
            revisit: Duration::from_secs(6 * 3600),
            strip_params: ["utm_*", "spm", "fbclid", "gclid", "from"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            max_body_bytes: 10 * 1024 * 1024,
            max_redirects: 10,
            max_depth: 3,
            max_pages_per_source: 500,
            allow_private: false,
            timezone: "Asia/Shanghai".to_string(),
            resolve: Default::default(),
        }
    }
}

/// `[[source]]`: one site or feed to crawl.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SourceConfig {
    /// Unique name, used on the command line and in stored mentions.
    pub name: String,
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
    /// expression (`0 */30 * * * *`).
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
}

/// `[[watch]]`: a brand or topic to listen for.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct WatchConfig {
    /// Unique name, used on the command line and in reports.
    pub name: String,
    /// Boolean query: terms, "quoted phrases", AND, OR, NOT, parentheses.
    /// Defaults to the name OR'd with the aliases.
    pub query: Option<String>,
    /// Other spellings of the brand; any one of them is a mention.
    pub aliases: Vec<String>,
    /// Languages to keep (`zh`, `en`); empty keeps all.
    pub languages: Vec<String>,
    /// Sources this watch applies to; empty means all.
    pub sources: Vec<String>,
    /// Alert detector overrides for this watch.
    pub alert: Option<crate::alert::WatchAlertConfig>,
}

impl SourceConfig {
    /// The effective rate for this source.
    pub fn rate_per_host(&self, crawl: &CrawlConfig) -> f64 {
        self.rate_per_host.unwrap_or(crawl.rate_per_host)
    }
    /// The effective depth for this source.
    pub fn max_depth(&self, crawl: &CrawlConfig) -> u32 {
        self.max_depth.unwrap_or(crawl.max_depth)
    }
    /// The effective timezone for this source.
    pub fn timezone(&self, crawl: &CrawlConfig) -> chrono_tz::Tz {
        let name = self.timezone.as_deref().unwrap_or(&crawl.timezone);
        name.parse().unwrap_or(chrono_tz::Asia::Shanghai)
    }
    /// The effective revisit interval for this source.
    pub fn revisit(&self, crawl: &CrawlConfig) -> Duration {
        self.revisit.unwrap_or(crawl.revisit)
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

/// A configuration problem, located in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// File the problem is in.
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// Dotted key path (`crawl.rate_per_host`, `source[2].start_urls[0]`).
    pub key: String,
    /// What is wrong.
    pub message: String,
    /// What to write instead.
    pub hint: Option<String>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        write!(f, ": ")?;
        if !self.key.is_empty() {
            write!(f, "`{}`: ", self.key)?;
        }
        write!(f, "{}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  help: {hint}")?;
        }
        Ok(())
    }
}

/// Why a configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}\n  help: pass an existing file with --config, or omit --config to use the built-in default")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file has problems; each names its line and column.
    #[error("{}", render_problems(.0))]
    Invalid(Vec<Problem>),
}

fn render_problems(problems: &[Problem]) -> String {
    let mut out = String::new();
    for (i, p) in problems.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&p.to_string());
    }
    if problems.len() > 1 {
        out.push_str(&format!("\n{} problems found", problems.len()));
    }
    out
}

impl Config {
    /// Reads, parses and validates the file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text, &path.display().to_string())
    }

    /// The built-in default configuration.
    pub fn builtin() -> Result<Config, ConfigError> {
        Config::parse(DEFAULT_CONFIG, DEFAULT_CONFIG_NAME)
    }

    /// Loads `path`, or the built-in default when `None`.
    pub fn load_or_default(path: Option<&Path>) -> Result<Config, ConfigError> {
        match path {
            Some(p) => Config::load(p),
            None => Config::builtin(),
        }
    }

    /// Parses and validates configuration text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
        let config: Config = match toml::from_str(text) {
            Ok(c) => c,
            Err(e) => {
                return Err(ConfigError::Invalid(vec![problem_from_toml(
                    &e, text, file,
                )]))
            }
        };
        let problems = config.validate(text, file);
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(ConfigError::Invalid(problems))
        }
    }

    /// Checks what serde cannot; returns every problem found.
    fn validate(&self, text: &str, file: &str) -> Vec<Problem> {
        let locator = locate::Locator::new(text);
        let mut out = Vec::new();
        let mut push = |key: String, message: String, hint: Option<String>| {
            let (line, column) = locator.position(&key).unzip();
            out.push(Problem {
                file: file.to_string(),
                line,
                column,
                key,
                message,
                hint,
            });
        };

        for (key, message, hint) in self.sentiment.problems() {
            push(key, message, Some(hint));
        }
        let c = &self.crawl;
        if self.store.path.as_os_str().is_empty() {
            push(
                "store.path".into(),
                "is empty".into(),
                Some("write a directory for the store, e.g. path = \"data/earshot.db\"".into()),
            );
        }
        if !(c.rate_per_host.is_finite() && c.rate_per_host > 0.0) {
            push(
                "crawl.rate_per_host".into(),
                format!(
                    "must be a positive number of requests per second, got {}",
                    c.rate_per_host
                ),
                Some("e.g. rate_per_host = 1.0 (one request per second per host)".into()),
            );
        }
        for (key, v) in [
            ("crawl.burst", c.burst),
            ("crawl.per_host_concurrency", c.per_host_concurrency),
            ("crawl.concurrency", c.concurrency),
            ("crawl.max_pages_per_source", c.max_pages_per_source),
        ] {
            if v == 0 {
                push(
                    key.into(),
                    "must be at least 1".into(),
                    Some(format!(
                        "e.g. {} = 1",
                        key.rsplit('.').next().unwrap_or(key)
                    )),
                );
            }
        }
        if c.max_redirects > 20 {
            push(
                "crawl.max_redirects".into(),
                format!(
                    "{} redirects is more than browsers follow (20)",
                    c.max_redirects
                ),
                Some("use 10, the default".into()),
            );
        }
        if c.max_body_bytes < 1024 {
            push(
                "crawl.max_body_bytes".into(),
                format!("{} bytes is too small for any web page", c.max_body_bytes),
                Some("use 10485760 (10 MB), the default".into()),
            );
        }
        for (key, d) in [
            ("crawl.connect_timeout", c.connect_timeout),
            ("crawl.request_timeout", c.request_timeout),
        ] {
            if d.is_zero() {
                push(
                    key.into(),
                    "must be longer than zero".into(),
                    Some("write a duration such as \"10s\"".into()),
                );
            }
        }
        if !has_contact(&c.user_agent) {
            push(
                "crawl.user_agent".into(),
                format!("`{}` carries no contact URL or e-mail address", c.user_agent),
                Some("site owners must be able to reach you: e.g. \"earshot/0.1 (+https://example.com/bot; ops@example.com)\"".into()),
            );
        }
        if c.timezone.parse::<chrono_tz::Tz>().is_err() {
            push(
                "crawl.timezone".into(),
                format!("`{}` is not an IANA timezone", c.timezone),
                Some("e.g. \"Asia/Shanghai\", \"Asia/Taipei\", \"UTC\"".into()),
            );
        }

        for (host, addr) in &c.resolve {
            if addr.parse::<std::net::SocketAddr>().is_err() {
                push(
                    format!("crawl.resolve.{host}"),
                    format!("`{addr}` is not an IP address with a port"),
                    Some("write e.g. \"127.0.0.1:8080\" or \"[::1]:8080\"".into()),
                );
            }
        }

        let mut names = HashSet::new();
        for (i, s) in self.sources.iter().enumerate() {
            let at = |k: &str| format!("source[{i}].{k}");
            if s.name.trim().is_empty() {
                push(
                    format!("source[{i}]"),
                    "has no name".into(),
                    Some("add name = \"my-forum\"".into()),
                );
            } else if !names.insert(s.name.as_str()) {
                push(
                    at("name"),
                    format!("source name `{}` is used twice", s.name),
                    Some("give every [[source]] its own name".into()),
                );
            }
            if s.start_urls.is_empty() && s.feeds.is_empty() {
                push(
                    if s.name.is_empty() {
                        format!("source[{i}]")
                    } else {
                        at("name")
                    },
                    format!("source `{}` has neither start_urls nor feeds", s.name),
                    Some("add start_urls = [\"https://bbs.example.com/forum-2-1.html\"]".into()),
                );
            }
            for (field, list) in [("start_urls", &s.start_urls), ("feeds", &s.feeds)] {
                for (j, u) in list.iter().enumerate() {
                    let key = format!("source[{i}].{field}[{j}]");
                    match expand_env(u) {
                        Err(e) => push(key, e, Some("set the variable, or give a default: ${VAR:-http://...}".into())),
                        Ok(expanded) => match url::Url::parse(&expanded) {
                            Ok(url) if url.scheme() == "http" || url.scheme() == "https" => {}
                            Ok(url) => push(
                                key,
                                format!("only http and https URLs can be crawled, not `{}:`", url.scheme()),
                                Some("write an http:// or https:// URL".into()),
                            ),
                            Err(e) => push(
                                key,
                                format!("`{expanded}` is not a URL ({e})"),
                                Some("write an absolute URL such as \"https://bbs.example.com/forum-2-1.html\"".into()),
                            ),
                        },
                    }
                }
            }
            for (j, f) in s.follow.iter().enumerate() {
                if let Err(e) = regex::Regex::new(f) {
                    push(
                        format!("source[{i}].follow[{j}]"),
                        format!(
                            "not a valid regular expression: {}",
                            e.to_string().lines().last().unwrap_or("")
                        ),
                        Some("e.g. follow = [\"^/thread-\\\\d+-\\\\d+-1\\\\.html$\"]".into()),
                    );
                }
            }
            if let Some(r) = s.rate_per_host {
                if !(r.is_finite() && r > 0.0) {
                    push(
                        at("rate_per_host"),
                        format!("must be a positive number of requests per second, got {r}"),
                        Some("e.g. rate_per_host = 0.5".into()),
                    );
                }
            }
            if let Some(tz) = &s.timezone {
                if tz.parse::<chrono_tz::Tz>().is_err() {
                    push(
                        at("timezone"),
                        format!("`{tz}` is not an IANA timezone"),
                        Some("e.g. \"Asia/Taipei\"".into()),
                    );
                }
            }
            if let Some(sched) = &s.schedule {
                if let Err(e) = Schedule::parse(sched) {
                    push(
                        at("schedule"),
                        e,
                        Some(
                            "write \"every 30m\" or a cron expression like \"0 */30 * * * *\""
                                .into(),
                        ),
                    );
                }
            }
            if let Some(p) = &s.profile {
                if crate::extract::Profile::by_name(p).is_none() {
                    let known = crate::extract::Profile::names();
                    let hint = did_you_mean(p, known.iter().map(String::as_str))
                        .map(|m| format!("did you mean `{m}`?"))
                        .unwrap_or_else(|| format!("known profiles: {}", known.join(", ")));
                    push(
                        at("profile"),
                        format!("no site profile `{p}` in crawlers/"),
                        Some(hint),
                    );
                }
            }
        }

        for (i, p) in self.extract.drop_lines.iter().enumerate() {
            if let Err(e) = regex::Regex::new(p) {
                push(
                    format!("extract.drop_lines[{i}]"),
                    format!("`{p}` is not a regular expression: {e}"),
                    Some("e.g. drop_lines = ['^本站广告', '(?i)^sponsored:']".into()),
                );
            }
        }

        let mut watch_names = HashSet::new();
        for (i, w) in self.watches.iter().enumerate() {
            if w.name.trim().is_empty() {
                push(
                    format!("watch[{i}]"),
                    "has no name".into(),
                    Some("add name = \"MyBrand\"".into()),
                );
            } else if !watch_names.insert(w.name.as_str()) {
                push(
                    format!("watch[{i}].name"),
                    format!("watch name `{}` is used twice", w.name),
                    Some("give every [[watch]] its own name".into()),
                );
            }
            if let Some(q) = &w.query {
                if let Err(e) = Query::parse(q) {
                    push(
                        format!("watch[{i}].query"),
                        format!("{e}"),
                        Some("e.g. query = '(\"华为\" OR Huawei) AND NOT 招聘'".into()),
                    );
                }
            }
            for (j, l) in w.languages.iter().enumerate() {
                if !["zh", "en"].contains(&l.as_str()) {
                    push(
                        format!("watch[{i}].languages[{j}]"),
                        format!("unknown language `{l}`"),
                        Some("use \"zh\" or \"en\"".into()),
                    );
                }
            }
            for (j, src) in w.sources.iter().enumerate() {
                if !self.sources.iter().any(|s| &s.name == src) {
                    let hint = did_you_mean(src, self.sources.iter().map(|s| s.name.as_str()))
                        .map(|m| format!("did you mean `{m}`?"))
                        .unwrap_or_else(|| "name a [[source]] defined in this file".into());
                    push(
                        format!("watch[{i}].sources[{j}]"),
                        format!("no [[source]] named `{src}`"),
                        Some(hint),
                    );
                }
            }
        }

        match self.serve.bind.parse::<std::net::SocketAddr>() {
            Err(_) => push(
                "serve.bind".into(),
                format!("`{}` is not an IP address with a port", self.serve.bind),
                Some("e.g. bind = \"127.0.0.1:8640\"".into()),
            ),
            Ok(a) if !a.ip().is_loopback() && self.serve.tokens.is_empty() => push(
                "serve.bind".into(),
                format!("`{}` is reachable from other machines but no [[serve.tokens]] are configured", self.serve.bind),
                Some("add a token (`earshot token new --name you --role admin` prints one), or bind to 127.0.0.1".into()),
            ),
            Ok(_) => {}
        }
        for (i, t) in self.serve.tokens.iter().enumerate() {
            if t.sha256.len() != 64 || !t.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
                push(
                    format!("serve.tokens[{i}].sha256"),
                    "is not a SHA-256 hash (64 hex digits)".into(),
                    Some("store the hash, never the token: `earshot token new` prints both, or `printf %s TOKEN | sha256sum`".into()),
                );
            }
            if t.name.trim().is_empty() {
                push(
                    format!("serve.tokens[{i}]"),
                    "has no name".into(),
                    Some("add name = \"analyst\"".into()),
                );
            }
        }
        if self.serve.session_ttl.is_zero() {
            push(
                "serve.session_ttl".into(),
                "must be longer than zero".into(),
                Some("e.g. session_ttl = \"12h\"".into()),
            );
        }

        let mut report_names = HashSet::new();
        for (i, r) in self.reports.iter().enumerate() {
            let at = |k: &str| format!("report[{i}].{k}");
            if r.name.trim().is_empty() {
                push(
                    format!("report[{i}]"),
                    "has no name".into(),
                    Some("add name = \"weekly\"".into()),
                );
            } else if !report_names.insert(r.name.as_str()) {
                push(
                    at("name"),
                    format!("report name `{}` is used twice", r.name),
                    Some("give every [[report]] its own name".into()),
                );
            }
            if r.watches.is_empty() {
                push(
                    at("name"),
                    format!("report `{}` names no watches", r.name),
                    Some("add watches = [\"MyBrand\"]".into()),
                );
            }
            for (j, w) in r.watches.iter().enumerate() {
                if !self.watches.iter().any(|x| &x.name == w) {
                    let hint = did_you_mean(w, self.watches.iter().map(|x| x.name.as_str()))
                        .map(|m| format!("did you mean `{m}`?"))
                        .unwrap_or_else(|| "name a [[watch]] defined in this file".into());
                    push(
                        format!("report[{i}].watches[{j}]"),
                        format!("no [[watch]] named `{w}`"),
                        Some(hint),
                    );
                }
            }
            if r.format.is_empty() {
                push(
                    at("name"),
                    format!("report `{}` has no format", r.name),
                    Some("add format = [\"html\", \"xlsx\"]".into()),
                );
            }
            for (j, f) in r.format.iter().enumerate() {
                if f.parse::<crate::report::Format>().is_err() {
                    push(
                        format!("report[{i}].format[{j}]"),
                        format!("unknown report format `{f}`"),
                        Some("use csv, xlsx, html or json".into()),
                    );
                }
            }
            if let Err(e) = Schedule::parse(&r.schedule) {
                push(
                    at("schedule"),
                    e,
                    Some("write \"every 1d\" or a cron expression like \"0 0 8 * * Mon\"".into()),
                );
            }
            if r.period.is_some_and(|p| p.is_zero()) {
                push(
                    at("period"),
                    "must be longer than zero".into(),
                    Some("e.g. period = \"7d\"".into()),
                );
            }
        }
        let d = &self.alert.detect;
        if !(d.alpha > 0.0 && d.alpha < 0.5) {
            push(
                "alert.detect.alpha".into(),
                format!("must be between 0 and 0.5, got {}", d.alpha),
                Some("use 1e-4, the default (about one false alert per watch per 30 days)".into()),
            );
        }
        if d.weeks == 0 || d.weeks > 12 {
            push(
                "alert.detect.weeks".into(),
                format!("must be 1 to 12 weeks of history, got {}", d.weeks),
                Some("use 4, the default".into()),
            );
        }
        let mut channel_names = HashSet::new();
        for (i, ch) in self.channels.iter().enumerate() {
            if ch.name.trim().is_empty() || !channel_names.insert(ch.name.as_str()) {
                push(
                    format!("channel[{i}].name"),
                    format!("channel name `{}` is empty or used twice", ch.name),
                    Some("give every [[channel]] its own name, e.g. name = \"pr-team\"".into()),
                );
            }
            let email = ch.kind == crate::alert::ChannelKind::Email;
            if email && ch.to.is_empty() {
                push(
                    format!("channel[{i}].to"),
                    "an email channel needs recipients".into(),
                    Some("add to = [\"pr-team@example.com\"]".into()),
                );
            }
            match expand_env(&ch.url).map(|u| url::Url::parse(&u)) {
                Ok(Ok(u)) if email && matches!(u.scheme(), "smtp" | "smtps") => {}
                Ok(_) if email => push(
                    format!("channel[{i}].url"),
                    format!("`{}` is not an SMTP URL", ch.url),
                    Some("write smtps://user:password@smtp.example.com:465, or smtp://host:587?tls=required for STARTTLS".into()),
                ),
                Ok(Ok(u)) if matches!(u.scheme(), "http" | "https") => {}
                Ok(_) => push(
                    format!("channel[{i}].url"),
                    format!("`{}` is not an http(s) URL", ch.url),
                    Some("paste the robot or webhook URL the platform gave you".into()),
                ),
                Err(e) => push(format!("channel[{i}].url"), e, None),
            }
            if ch.kind == crate::alert::ChannelKind::Webhook
                && ch.secret.as_deref().is_none_or(|s| s.trim().is_empty())
            {
                push(
                    format!("channel[{i}].secret"),
                    "a webhook channel needs a secret to sign its requests".into(),
                    Some(
                        "add secret = \"${EARSHOT_WEBHOOK_SECRET}\" and share it with the receiver"
                            .into(),
                    ),
                );
            }
            for (j, w) in ch.watches.iter().enumerate() {
                if !self.watches.iter().any(|x| &x.name == w) {
                    push(
                        format!("channel[{i}].watches[{j}]"),
                        format!("no [[watch]] named `{w}`"),
                        Some("name a [[watch]] defined in this file".into()),
                    );
                }
            }
        }
        out
    }
}

/// True when a User-Agent carries something a site owner can reach.
fn has_contact(ua: &str) -> bool {
    ua.contains("http://") || ua.contains("https://") || (ua.contains('@') && ua.contains('.'))
}

/// Expands `${VAR}` and `${VAR:-default}` from the environment.
pub fn expand_env(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("`{s}`: `${{` without a closing `}}`"))?;
        let inner = &after[..end];
        let (name, default) = match inner.split_once(":-") {
            Some((n, d)) => (n, Some(d)),
            None => (inner, None),
        };
        match (std::env::var(name), default) {
            (Ok(v), _) if !v.is_empty() => out.push_str(&v),
            (_, Some(d)) => out.push_str(d),
            _ => {
                return Err(format!(
                    "environment variable {name} is not set (used in `{s}`)"
                ))
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// When a source is crawled by `earshot run`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    /// A fixed interval.
    Every(Duration),
    /// A cron expression with seconds (`sec min hour day month weekday`).
    Cron(String),
}

impl Schedule {
    /// Parses `every 30m` or a six-field cron expression.
    pub fn parse(s: &str) -> Result<Schedule, String> {
        let s = s.trim();
        if let Some(d) = s.strip_prefix("every ") {
            let d = humantime::parse_duration(d.trim())
                .map_err(|e| format!("`{s}`: cannot read the interval ({e})"))?;
            if d < Duration::from_secs(60) {
                return Err(format!(
                    "`{s}`: crawling a source more often than once a minute is impolite"
                ));
            }
            return Ok(Schedule::Every(d));
        }
        let fields = s.split_whitespace().count();
        if !(6..=7).contains(&fields) {
            return Err(format!(
                "`{s}` is neither \"every <duration>\" nor a cron expression with 6 fields (sec min hour day month weekday); it has {fields}"
            ));
        }
        <cron::Schedule as std::str::FromStr>::from_str(s)
            .map_err(|e| format!("`{s}` is not a valid cron expression: {e}"))?;
        Ok(Schedule::Cron(s.to_string()))
    }
}

/// Turns a toml/serde error into a located problem, with "did you mean".
fn problem_from_toml(e: &toml::de::Error, text: &str, file: &str) -> Problem {
    let (line, column) = match e.span() {
        Some(span) => {
            let (l, c) = locate::line_col(text, span.start);
            (Some(l), Some(c))
        }
        None => (None, None),
    };
    let message = e.message().trim().to_string();
    let mut hint = None;
    if let Some(rest) = message.strip_prefix("unknown field `") {
        if let Some((field, expected)) = rest.split_once('`') {
            let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
            hint = Some(match did_you_mean(field, candidates.iter().copied()) {
                Some(m) => format!("did you mean `{m}`?"),
                None => format!(
                    "remove `{field}`; known keys here: {}",
                    candidates.join(", ")
                ),
            });
        }
    }
    Problem {
        file: file.to_string(),
        line,
        column,
        key: String::new(),
        message,
        hint,
    }
}

/// The closest candidate to `word`, if one is close enough to be a typo.
pub fn did_you_mean<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<Problem> {
        match Config::parse(text, "t.toml") {
            Ok(_) => vec![],
            Err(ConfigError::Invalid(p)) => p,
            Err(e) => panic!("unexpected {e}"),
        }
    }

    #[test]
    fn serve_is_loopback_by_default_and_public_needs_hashed_tokens() {
        let c = Config::builtin().unwrap();
        let addr: std::net::SocketAddr = c.serve.bind.parse().unwrap();
        assert!(addr.ip().is_loopback());
        assert!(c.serve.tokens.is_empty());
        let Err(ConfigError::Invalid(p)) =
            Config::parse("[serve]\nbind = \"0.0.0.0:8640\"\n", "t.toml")
        else {
            panic!("a public bind without tokens passed")
        };
        assert_eq!(p[0].key, "serve.bind");
        assert_eq!((p[0].line, p[0].column), (Some(2), Some(8)));
        let text = "[serve]\nbind = \"0.0.0.0:8640\"\n[[serve.tokens]]\nname = \"a\"\nrole = \"admin\"\nsha256 = \"plaintext-token\"\n";
        let Err(ConfigError::Invalid(p)) = Config::parse(text, "t.toml") else {
            panic!("a plain token passed")
        };
        assert_eq!(p[0].key, "serve.tokens[0].sha256");
        assert!(p[0]
            .hint
            .as_deref()
            .unwrap_or("")
            .contains("earshot token new"));
        let ok = text.replace("plaintext-token", &"ab".repeat(32));
        let c = Config::parse(&ok, "t.toml").unwrap();
        assert_eq!(c.serve.tokens[0].role, Role::Admin);
        let bad_role = ok.replace("\"admin\"", "\"root\"");
        assert!(Config::parse(&bad_role, "t.toml").is_err());
    }

    #[test]
    fn builtin_default_is_valid() {
        let c = Config::builtin().expect("default config must validate");
        assert!(!c.sources.is_empty());
        assert!(c.watches.len() >= 2);
    }

    #[test]
    fn unknown_key_suggests_the_right_one() {
        let p = problems("[crawl]\nrate_per_hots = 2.0\n");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].line, Some(2));
        assert_eq!(p[0].column, Some(1));
        assert!(p[0].message.contains("rate_per_hots"), "{}", p[0]);
        assert_eq!(p[0].hint.as_deref(), Some("did you mean `rate_per_host`?"));
    }

    #[test]
    fn unknown_section_suggests() {
        let p = problems("[[sources]]\nname = \"x\"\n");
        assert_eq!(p[0].line, Some(1));
        assert_eq!(p[0].hint.as_deref(), Some("did you mean `source`?"));
    }

    #[test]
    fn wrong_type_is_located() {
        let p = problems("[crawl]\nconcurrency = \"many\"\n");
        assert_eq!(p[0].line, Some(2));
        assert!(p[0].message.contains("invalid type"), "{}", p[0]);
    }

    #[test]
    fn bad_duration_is_located() {
        let p = problems("[crawl]\nconnect_timeout = \"ten seconds\"\n");
        assert_eq!(p[0].line, Some(2));
    }

    #[test]
    fn validation_names_line_column_and_fix() {
        let text = "[crawl]\nrate_per_host = 0.0\nuser_agent = \"bot\"\n\n[[source]]\nname = \"a\"\nstart_urls = [\"ftp://x\", \"not a url\"]\nschedule = \"sometimes\"\n\n[[source]]\nname = \"a\"\nfeeds = [\"https://e.com/feed\"]\n\n[[watch]]\nname = \"w\"\nquery = '(a OR b'\nsources = [\"b\"]\n";
        let p = problems(text);
        let find = |k: &str| {
            p.iter()
                .find(|p| p.key == k)
                .unwrap_or_else(|| panic!("no problem for {k}: {p:#?}"))
        };
        let rate = find("crawl.rate_per_host");
        assert_eq!((rate.line, rate.column), (Some(2), Some(17)));
        assert!(rate.hint.is_some());
        assert_eq!(find("crawl.user_agent").line, Some(3));
        let ftp = find("source[0].start_urls[0]");
        assert_eq!((ftp.line, ftp.column), (Some(7), Some(15)));
        assert!(ftp.message.contains("ftp"));
        assert_eq!(find("source[0].start_urls[1]").line, Some(7));
        assert_eq!(find("source[0].schedule").line, Some(8));
        assert_eq!(find("source[1].name").line, Some(11));
        let q = find("watch[0].query");
        assert_eq!(q.line, Some(16));
        assert!(q.message.contains("expected"), "{}", q.message);
        assert_eq!(find("watch[0].sources[0]").line, Some(17));
        // Display puts it all on one line plus a help line.
        let shown = rate.to_string();
        assert!(
            shown.starts_with("t.toml:2:17: `crawl.rate_per_host`: must be a positive"),
            "{shown}"
        );
    }

    #[test]
    fn env_expansion() {
        std::env::set_var("EARSHOT_TEST_EXPAND", "http://h:1");
        assert_eq!(
            expand_env("${EARSHOT_TEST_EXPAND}/a").unwrap(),
            "http://h:1/a"
        );
        assert_eq!(
            expand_env("${EARSHOT_TEST_UNSET_X:-http://d}/a").unwrap(),
            "http://d/a"
        );
        assert!(expand_env("${EARSHOT_TEST_UNSET_X}/a")
            .unwrap_err()
            .contains("EARSHOT_TEST_UNSET_X"));
        assert!(expand_env("${OOPS").is_err());
    }

    #[test]
    fn schedules() {
        assert_eq!(
            Schedule::parse("every 30m").unwrap(),
            Schedule::Every(Duration::from_secs(1800))
        );
        assert!(Schedule::parse("every 1s").is_err());
        assert!(Schedule::parse("0 */30 * * * *").is_ok());
        assert!(Schedule::parse("*/5 * * * *").is_err());
    }
}
