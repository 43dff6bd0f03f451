//! `earshot source add URL`: look at a page politely and propose its
//! `[[source]]` entry (`earshot::crawl::discover`); `--write` appends the
//! entry to the config file, keeping the rest of it byte for byte, and
//! checks the whole file as `config check` does.

use std::path::Path;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use earshot::crawl::discover::{self, DiscoverOptions, Proposal};
use earshot::crawl::SourceConfig;

use super::{config_source, runtime, Cli, Exit, UsageError};
use crate::config::{Config, ConfigSource};

#[derive(Debug, Subcommand)]
pub enum SourceCmd {
    /// Look at a page (a forum's thread list, a blog, a news index) and
    /// propose a [[source]] entry: robots.txt, site profile, feeds,
    /// sitemaps, links to follow, timezone
    Add(SourceAddArgs),
}

#[derive(Debug, Args)]
pub struct SourceAddArgs {
    /// The page the crawl starts from
    pub url: String,
    /// The source's name [default: the host and first directory, e.g.
    /// bbs-example-com]
    #[arg(long)]
    pub name: Option<String>,
    /// Append the entry to the config file (--config, else the file every
    /// command uses) with a comment line, then check the whole file
    #[arg(long)]
    pub write: bool,
    /// Fetch private and loopback addresses too; the entry gets
    /// allow_private = true
    #[arg(long)]
    pub allow_private: bool,
    /// The proposal as JSON
    #[arg(long)]
    pub json: bool,
}

pub(super) fn run(cli: &Cli, cmd: &SourceCmd) -> Result<Exit> {
    let SourceCmd::Add(a) = cmd;
    let source = config_source(cli);
    // A file named with --write that does not exist yet is created; its
    // settings are then the defaults.
    let (config, path) = match &source {
        ConfigSource::File { path, .. } if a.write && !path.exists() => {
            (Config::default(), Some(path.clone()))
        }
        _ => (
            super::load_config(cli)?,
            source.path().map(Path::to_path_buf),
        ),
    };
    let target = if a.write {
        let Some(p) = path else {
            return Err(UsageError::new(format!("--write: no config file to write to ({source})"))
                .help("name one with --config FILE (it is created if missing), or create config/earshot.toml")
                .into());
        };
        // Refuse a duplicate name before fetching anything.
        if let Some(name) = &a.name {
            check_duplicate(&p, name, None)?;
        }
        Some(p)
    } else {
        None
    };

    let fetcher = earshot::fetch::Fetcher::new(&config.crawl)?;
    let options = DiscoverOptions {
        name: a.name.clone(),
        allow_private: a.allow_private,
    };
    let proposal = runtime()?
        .block_on(discover::discover(
            &fetcher,
            &config.crawl,
            &a.url,
            &options,
        ))
        .with_context(|| format!("cannot look at {}", a.url))?;
    let entry = entry_toml(&proposal.source);
    if a.json {
        let mut v = serde_json::to_value(&proposal)?;
        v["toml"] = serde_json::Value::String(entry.clone());
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        print!("{}", describe(&proposal, &config));
        println!("\n{entry}");
    }
    let Some(path) = target else {
        if !a.json && proposal.robots.allowed {
            println!("Append it to the config with --write (or paste it), then `earshot crawl --source {}`.", proposal.source.name);
        }
        return Ok(Exit::Ok);
    };
    if !proposal.robots.allowed {
        return Err(UsageError::new(format!(
            "not written: {} does not let `{}` fetch {} ({}); earshot would not crawl it",
            proposal.robots.url,
            proposal.robots.agent,
            proposal.url,
            proposal.robots.reason.as_deref().unwrap_or("disallowed")
        ))
        .help("start from a page the site's robots.txt allows, or ask the site's owner")
        .into());
    }
    check_duplicate(&path, &proposal.source.name, Some(&proposal.url))?;
    let before = append(&path, &entry)?;
    eprintln!(
        "appended [[source]] `{}` to {}",
        proposal.source.name,
        path.display()
    );
    let written = ConfigSource::File {
        how: "--write",
        path: path.clone(),
    };
    // With --json, stdout stays one JSON document: the check says nothing
    // unless it fails.
    let checked = if a.json {
        written
            .load()
            .map(|_| Exit::Ok)
            .map_err(anyhow::Error::from)
    } else {
        super::config_check::run_on(written)
    };
    if checked.is_err() {
        // Leave the file as it was.
        let undo = std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .and_then(|f| f.set_len(before));
        if let Err(e) = undo {
            eprintln!(
                "warning: could not take the entry out of {} again: {e}",
                path.display()
            );
        } else {
            eprintln!("the entry was taken out of {} again", path.display());
        }
    }
    checked
}

/// What `source add URL` prints for a page, without writing (the demo's
/// step): the proposal and the entry.
pub(super) async fn proposal_text(config: &Config, url: &str) -> Result<String> {
    let fetcher = earshot::fetch::Fetcher::new(&config.crawl)?;
    let options = DiscoverOptions {
        name: None,
        allow_private: true,
    };
    let p = discover::discover(&fetcher, &config.crawl, url, &options)
        .await
        .with_context(|| format!("cannot look at {url}"))?;
    Ok(format!(
        "{}\n{}",
        describe(&p, config),
        entry_toml(&p.source)
    ))
}

/// Refuses a `[[source]]` name, or a start URL or feed, that the file
/// already has.
fn check_duplicate(path: &Path, name: &str, url: Option<&str>) -> Result<()> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let doc: toml_edit::DocumentMut = text.parse().map_err(|e| {
        UsageError::new(format!("{} is not valid TOML: {e}", path.display()))
            .help("fix it first (`earshot config check`)")
    })?;
    let Some(sources) = doc.get("source").and_then(|s| s.as_array_of_tables()) else {
        return Ok(());
    };
    for s in sources.iter() {
        let other = s.get("name").and_then(|n| n.as_str()).unwrap_or("");
        if other == name {
            return Err(UsageError::new(format!(
                "{} already has a [[source]] named `{name}`; nothing written",
                path.display()
            ))
            .help("give the new one another name with --name")
            .into());
        }
        let urls = ["start_urls", "feeds"].into_iter().flat_map(|k| {
            s.get(k)
                .and_then(|v| v.as_array())
                .into_iter()
                .flat_map(|a| a.iter().filter_map(|v| v.as_str()))
        });
        if let Some(u) = url {
            for existing in urls {
                if existing.trim_end_matches('/') == u.trim_end_matches('/') {
                    return Err(UsageError::new(format!(
                        "{} already crawls {u} (source `{other}`); nothing written",
                        path.display()
                    ))
                    .help("edit that source instead, or remove it first")
                    .into());
                }
            }
        }
    }
    Ok(())
}

/// Appends the entry after a blank line and a comment (the file is opened
/// for appending: every byte before it stays as it was); returns the
/// file's length before, to undo it.
fn append(path: &Path, entry: &str) -> Result<u64> {
    let before = match std::fs::read(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let mut text = String::new();
    if !before.is_empty() && !before.ends_with(b"\n") {
        text.push('\n');
    }
    if !before.is_empty() {
        text.push('\n');
    }
    let date = chrono::Local::now().format("%Y-%m-%d");
    text.push_str(&format!("# added by earshot source add on {date}\n{entry}"));
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    f.write_all(text.as_bytes())
        .and_then(|_| f.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(before.len() as u64)
}

/// The `[[source]]` entry as TOML, keys in the order of config/README.md.
pub fn entry_toml(s: &SourceConfig) -> String {
    use toml_edit::{value, Array, ArrayOfTables, DocumentMut, Item, Table};
    let list = |v: &[String]| {
        let mut a = Array::from_iter(v.iter().map(String::as_str));
        if v.len() > 1 {
            for item in a.iter_mut() {
                item.decor_mut().set_prefix("\n    ");
            }
            a.set_trailing("\n");
            a.set_trailing_comma(true);
        }
        value(a)
    };
    let mut t = Table::new();
    t["name"] = value(&s.name);
    if let Some(site) = &s.site {
        t["site"] = value(site);
    }
    t["start_urls"] = list(&s.start_urls);
    if !s.feeds.is_empty() {
        t["feeds"] = list(&s.feeds);
    }
    if !s.follow.is_empty() {
        t["follow"] = list(&s.follow);
    }
    if let Some(schedule) = &s.schedule {
        t["schedule"] = value(schedule);
    }
    if let Some(tz) = &s.timezone {
        t["timezone"] = value(tz);
    }
    if let Some(true) = s.allow_private {
        t["allow_private"] = value(true);
    }
    let mut aot = ArrayOfTables::new();
    aot.push(t);
    let mut doc = DocumentMut::new();
    doc["source"] = Item::ArrayOfTables(aot);
    doc.to_string()
}

/// The proposal for a person: what was found and why.
fn describe(p: &Proposal, config: &Config) -> String {
    use std::fmt::Write;
    let mut o = String::new();
    let r = &p.robots;
    if r.allowed {
        let delay = r
            .crawl_delay_s
            .map(|d| format!(", Crawl-delay {d}s"))
            .unwrap_or_default();
        let _ = writeln!(
            o,
            "robots.txt   {}: allows `{}` to fetch this page{delay}",
            r.url, r.agent
        );
    } else {
        let _ = writeln!(
            o,
            "robots.txt   {}: DISALLOWS `{}` from fetching {} ({}); earshot will not crawl it",
            r.url,
            r.agent,
            p.url,
            r.reason.as_deref().unwrap_or("disallowed")
        );
    }
    if let Some(page) = &p.page {
        let _ = writeln!(o, "page         {} ({})", page.url, page.charset);
        match &page.profile_description {
            Some(d) => {
                let _ = writeln!(
                    o,
                    "profile      {} ({d}; chosen automatically per page)",
                    page.profile
                );
            }
            None => {
                let _ = writeln!(
                    o,
                    "profile      none matches: the generic article extractor reads it"
                );
            }
        }
        let kind = serde_json::to_value(page.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let _ = writeln!(
            o,
            "extracted    {kind}, {} post{}{}{}",
            page.posts,
            if page.posts == 1 { "" } else { "s" },
            page.title
                .as_deref()
                .map(|t| format!(", title “{t}”"))
                .unwrap_or_default(),
            page.lang
                .as_deref()
                .map(|l| format!(", {l}"))
                .unwrap_or_default(),
        );
        if let Some(fp) = &page.first_post {
            let _ = writeln!(
                o,
                "first post   {} · {} · {}",
                fp.author.as_deref().unwrap_or("(no author)"),
                fp.date.as_deref().unwrap_or("(no date)"),
                fp.text
            );
        }
    }
    if p.page.is_some() {
        if p.feeds.is_empty() {
            let _ = writeln!(
                o,
                "feeds        none found (no <link rel=\"alternate\">, no feed at the usual paths)"
            );
        }
        for f in &p.feeds {
            let _ = writeln!(o, "feed         {} (found by {})", f.url, f.how);
        }
        if p.sitemaps.is_empty() {
            let _ = writeln!(
                o,
                "sitemaps     none found (robots.txt names none, no /sitemap.xml)"
            );
        }
        for s in &p.sitemaps {
            let news = if s.news { "news sitemap" } else { "sitemap" };
            let _ = writeln!(
                o,
                "{news:<12} {} (from {}; not in this entry: a second [[source]] with kind = \"sitemap\" and url = \"{}\" crawls what it lists)",
                s.url, s.how, s.url
            );
        }
        if p.follow.is_empty() {
            let _ = writeln!(o, "links        no same-host links to follow");
        } else {
            let _ = writeln!(o, "links        same-host links by shape (* = varies):");
            for g in p.follow.iter().take(10) {
                let mark = if g.proposed { "follow" } else { "      " };
                let _ = writeln!(o, "  {mark} {:>4}  {}", g.count, g.shape);
            }
            if p.follow.len() > 10 {
                let _ = writeln!(o, "         …and {} more shapes", p.follow.len() - 10);
            }
        }
        match &p.timezone {
            Some(g) => {
                let _ = writeln!(o, "timezone     {} ({})", g.zone, g.evidence);
            }
            None => {
                let _ = writeln!(
                    o,
                    "timezone     no date on the page carries a zone: dates are read in crawl.timezone ({})",
                    config.crawl.timezone
                );
            }
        }
    }
    o
}
