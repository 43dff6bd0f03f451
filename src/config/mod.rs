//! The user's configuration file: `config/earshot.toml`.
//!
//! Each section belongs to the component that reads it and is defined
//! there, with its defaults and its own checks (`problems()`): `[store]` in
//! `earshot::store`, `[crawl]` in `earshot::fetch`, `[[source]]` in
//! `earshot::crawl`, `[[watch]]` in `earshot::watch`, `[sentiment]`,
//! `[extract]`, `[[report]]`, `[alert]` and `[[channel]]` in theirs, and
//! `[serve]`, the application's own, in `config/serve.rs`. This module only reads the file, checks
//! what spans sections (a watch naming a source, a report naming a watch)
//! and locates every problem in the file: each error names the file, line
//! and column, says what is wrong and what to write instead; unknown keys
//! get a "did you mean". `config/README.md` documents every key.

mod find;
mod locate;
mod serve;

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use earshot::alert::{AlertConfig, ChannelConfig};
pub use earshot::crawl::SourceConfig;
pub use earshot::extract::ExtractConfig;
pub use earshot::fetch::CrawlConfig;
pub use earshot::fleet::FleetConfig;
pub use earshot::report::{ReportConfig, ReportSettings};
pub use earshot::sentiment::SentimentConfig;
pub use earshot::store::StoreConfig;
pub use earshot::util::{did_you_mean, expand_env, Schedule};
pub use earshot::watch::WatchConfig;
pub use find::{find, find_with, ConfigSource};
pub use serve::{token_weakness, Role, ServeConfig, TokenConfig, NEW_TOKEN_HELP, TOKEN_MIN_BITS};

/// The example configuration shipped with earshot, compiled in for
/// `earshot demo` only: every other command reads a file ([`find`]).
pub const DEFAULT_CONFIG: &str = include_str!("../../config/earshot.toml");
/// The name [`DEFAULT_CONFIG`] is reported under.
pub const DEFAULT_CONFIG_NAME: &str = "config/earshot.toml (built in)";

/// The whole configuration file: one section per component.
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
    pub sentiment: SentimentConfig,
    /// The dashboard and JSON API of `earshot serve`.
    pub serve: ServeConfig,
    /// Reports `earshot run` writes on a schedule.
    #[serde(rename = "report")]
    pub reports: Vec<ReportConfig>,
    /// What every report shares (the PDF's font).
    #[serde(rename = "reports")]
    pub report_settings: ReportSettings,
    /// Spike detection and notification settings.
    pub alert: AlertConfig,
    /// Where alerts are sent.
    #[serde(rename = "channel")]
    pub channels: Vec<ChannelConfig>,
    /// Cleaning applied to every extracted page.
    pub extract: ExtractConfig,
    /// How log lines are written.
    pub log: LogConfig,
    /// The fleet (NATS JetStream): absent, earshot crawls on one machine.
    pub fleet: Option<FleetConfig>,
}

/// `[log]`: how log lines are written (which lines: `EARSHOT_LOG`, -v).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// `text` (default) or `json`, one object a line; `--log-format`
    /// overrides it.
    pub format: Option<LogFormat>,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines with timestamps (colour only on a terminal).
    Text,
    /// One JSON object a line (timestamp, level, fields, message).
    Json,
}

impl Config {
    /// The sections a crawl reads.
    pub fn crawl_setup(&self) -> earshot::crawl::CrawlSetup {
        earshot::crawl::CrawlSetup {
            crawl: self.crawl.clone(),
            sources: self.sources.clone(),
            watches: self.watches.clone(),
            extract: self.extract.clone(),
            sentiment: self.sentiment.clone(),
        }
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
    #[error("cannot read config file {path}: {reason}\n  help: name an existing file with --config or EARSHOT_CONFIG, or leave both unset to use ./config/earshot.toml or ~/.config/earshot/earshot.toml")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error, said once in the message (not a `source`, which
        /// the error chain would print a second time).
        reason: std::io::Error,
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
        let text = std::fs::read_to_string(path).map_err(|reason| ConfigError::Read {
            path: path.to_path_buf(),
            reason,
        })?;
        Config::parse(&text, &path.display().to_string())
    }

    /// The built-in default configuration.
    pub fn builtin() -> Result<Config, ConfigError> {
        Config::parse(DEFAULT_CONFIG, DEFAULT_CONFIG_NAME)
    }

    /// Parses and validates configuration text; `file` names it in errors.
    ///
    /// Every problem is reported, not only the first: serde stops at the
    /// first unknown key or wrong type, so the lines of each are blanked
    /// (line numbers kept) and the text read again. A TOML syntax error
    /// stops the parser itself and is reported alone.
    pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
        if let Err(e) = toml::from_str::<toml::Table>(text) {
            return Err(ConfigError::Invalid(vec![problem_from_toml(
                &e, text, file,
            )]));
        }
        let mut read = text.to_string();
        let mut problems = Vec::new();
        let config = loop {
            match toml::from_str::<Config>(&read) {
                Ok(c) => break Some(c),
                Err(e) => {
                    problems.push(problem_from_toml(&e, &read, file));
                    match e.span().and_then(|s| blank_lines(&read, s)) {
                        Some(next) if problems.len() < 100 => read = next,
                        _ => break None,
                    }
                }
            }
        };
        if let Some(c) = &config {
            problems.extend(c.validate(&read, file));
        }
        match config {
            Some(c) if problems.is_empty() => Ok(c),
            _ => Err(ConfigError::Invalid(problems)),
        }
    }

    /// What is allowed but unsafe (see [`serve::ServeConfig::warnings`]).
    pub fn warnings(&self) -> Vec<earshot::util::Problem> {
        self.serve.warnings()
    }

    /// Checks what serde cannot; returns every problem found. Each
    /// component checks its own section; what spans sections (a watch
    /// naming a source, a report naming a watch) is checked here.
    fn validate(&self, text: &str, file: &str) -> Vec<Problem> {
        let mut found: Vec<earshot::util::Problem> = Vec::new();
        found.extend(self.sentiment.problems());
        found.extend(self.store.problems());
        found.extend(self.crawl.problems());
        found.extend(earshot::crawl::source_problems(
            &self.sources,
            &self.watches,
        ));
        found.extend(self.extract.problems());
        found.extend(earshot::watch::problems(&self.watches));
        found.extend(self.cross_section_watches());
        found.extend(self.serve.problems());
        found.extend(earshot::report::problems(&self.reports));
        found.extend(self.report_settings.problems());
        found.extend(self.cross_section_reports());
        found.extend(self.alert.problems());
        if let Some(f) = &self.fleet {
            found.extend(f.problems());
        }
        found.extend(earshot::alert::channel_problems(&self.channels));
        found.extend(self.cross_section_channels());
        let locator = locate::Locator::new(text);
        found
            .into_iter()
            .map(|p| {
                let (line, column) = locator.position(&p.key).unzip();
                Problem {
                    file: file.to_string(),
                    line,
                    column,
                    key: p.key,
                    message: p.message,
                    hint: p.hint,
                }
            })
            .collect()
    }

    /// Every source a watch names exists.
    fn cross_section_watches(&self) -> Vec<earshot::util::Problem> {
        let mut out = Vec::new();
        for (i, w) in self.watches.iter().enumerate() {
            for (j, src) in w.sources.iter().enumerate() {
                if !self.sources.iter().any(|s| &s.name == src) {
                    let hint = did_you_mean(src, self.sources.iter().map(|s| s.name.as_str()))
                        .map(|m| format!("did you mean `{m}`?"))
                        .unwrap_or_else(|| "name a [[source]] defined in this file".into());
                    out.push(earshot::util::Problem::new(
                        format!("watch[{i}].sources[{j}]"),
                        format!("no [[source]] named `{src}`"),
                        hint,
                    ));
                }
            }
        }
        out
    }

    /// Every watch a report names exists.
    fn cross_section_reports(&self) -> Vec<earshot::util::Problem> {
        let mut out = Vec::new();
        for (i, r) in self.reports.iter().enumerate() {
            for (j, w) in r.watches.iter().enumerate() {
                if !self.watches.iter().any(|x| &x.name == w) {
                    let hint = did_you_mean(w, self.watches.iter().map(|x| x.name.as_str()))
                        .map(|m| format!("did you mean `{m}`?"))
                        .unwrap_or_else(|| "name a [[watch]] defined in this file".into());
                    out.push(earshot::util::Problem::new(
                        format!("report[{i}].watches[{j}]"),
                        format!("no [[watch]] named `{w}`"),
                        hint,
                    ));
                }
            }
        }
        out
    }

    /// Every watch a channel names exists.
    fn cross_section_channels(&self) -> Vec<earshot::util::Problem> {
        let mut out = Vec::new();
        for (i, ch) in self.channels.iter().enumerate() {
            for (j, w) in ch.watches.iter().enumerate() {
                if !self.watches.iter().any(|x| &x.name == w) {
                    out.push(earshot::util::Problem::new(
                        format!("channel[{i}].watches[{j}]"),
                        format!("no [[watch]] named `{w}`"),
                        "name a [[watch]] defined in this file",
                    ));
                }
            }
        }
        out
    }
}

/// Turns a toml/serde error into a located problem, with "did you mean".
/// `text` with the lines `span` touches emptied (so the rest keeps its line
/// numbers); `None` when they hold a table header (emptying it would move
/// its keys into the table before) or nothing would change.
fn blank_lines(text: &str, span: std::ops::Range<usize>) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    let mut changed = false;
    for line in text.split_inclusive('\n') {
        let end = pos + line.len();
        let touched = span.start < end && pos < span.end.max(span.start + 1);
        if touched {
            if line.trim_start().starts_with('[') {
                return None;
            }
            changed |= !line.trim().is_empty();
            if line.ends_with('\n') {
                out.push('\n');
            }
        } else {
            out.push_str(line);
        }
        pos = end;
    }
    changed.then_some(out)
}

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

    /// Unknown keys and wrong types in several sections, and a check of
    /// the values: every one is reported, each at its line.
    #[test]
    fn every_problem_is_reported_not_only_the_first() {
        let p = problems(
            "[crawl]\nconcurency = 4\nrate_per_host = \"fast\"\n\n[store]\npth = \"x\"\n\n[[watch]]\nname = \"a\"\nquery = \"a AND (\"\n\n[[watch]]\nname = \"b\"\nlanguages = [\n  \"french\",\n  3,\n]\n",
        );
        let at: Vec<(Option<usize>, &str)> =
            p.iter().map(|p| (p.line, p.message.as_str())).collect();
        let lines: Vec<usize> = p.iter().filter_map(|p| p.line).collect();
        assert_eq!(lines, [2, 3, 6, 16, 10, 15], "{at:?}");
        assert!(p[0].message.contains("unknown field `concurency`"));
        assert!(p[4].message.contains("query error"), "{at:?}");
        assert!(
            p[5].message.contains("`french` is not a language tag"),
            "{at:?}"
        );
        // A syntax error stops the parser: reported alone.
        let p = problems("[crawl\nconcurency = 4\n");
        assert_eq!(p.len(), 1);
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
}
