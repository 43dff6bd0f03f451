//! Human-readable output and the progress display.

use std::io::IsTerminal;
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressStyle};

use earshot::crawl::{CrawlSummary, Progress};
use earshot::store::{Mention, StoreStats};

/// A spinner on a terminal, plain lines otherwise, nothing when quiet.
pub struct ProgressDisplay {
    bar: Option<ProgressBar>,
    quiet: bool,
}

pub fn progress(quiet: bool) -> ProgressDisplay {
    let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
        let b = ProgressBar::new_spinner();
        b.set_style(
            ProgressStyle::with_template("{spinner} {pos} pages  {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        b.enable_steady_tick(std::time::Duration::from_millis(120));
        b
    });
    ProgressDisplay { bar, quiet }
}

impl ProgressDisplay {
    pub fn callback(&self) -> Progress {
        match (&self.bar, self.quiet) {
            (Some(b), _) => {
                let b = b.clone();
                Arc::new(move |line: &str| {
                    b.inc(1);
                    b.set_message(line.to_string());
                })
            }
            (None, true) => Arc::new(|_: &str| {}),
            // Failures are listed once, in the summary.
            (None, false) => Arc::new(|line: &str| {
                if !line.starts_with("error ") {
                    eprintln!("  {line}")
                }
            }),
        }
    }

    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// A counting progress bar on a terminal, hidden otherwise.
pub fn bar(len: u64, what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let b = ProgressBar::new(len);
    b.set_style(
        ProgressStyle::with_template("{msg} {bar:40} {pos}/{len} ({per_sec}, eta {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    b.set_message(what.to_string());
    b
}

pub fn print_summary(s: &CrawlSummary) {
    println!(
        "Crawled {} sources in {:.1} s: {} pages fetched ({} unchanged, {} failed), {} posts read.",
        s.sources,
        s.elapsed_ms as f64 / 1000.0,
        s.pages_fetched,
        s.pages_unchanged,
        s.pages_failed,
        s.posts
    );
    println!(
        "Mentions: {} new, {} updated, {} already stored.",
        s.mentions_new, s.mentions_updated, s.mentions_unchanged
    );
    for (w, n) in &s.new_per_watch {
        println!("  {w}: {n} new");
    }
    if s.pages_fresh > 0 {
        println!(
            "{} pages were not due yet (revisit by activity) and were not fetched again.",
            s.pages_fresh
        );
    }
    for (host, h) in &s.hosts {
        let statuses: Vec<String> = h.status.iter().map(|(k, v)| format!("{k} {v}")).collect();
        let errors: Vec<String> = h.errors.iter().map(|(k, v)| format!("{k} {v}")).collect();
        println!(
            "  {host}: {} requests{}, {} not modified, {:.1} KB, {} retries, {} robots refusals{}",
            h.requests,
            if statuses.is_empty() {
                " (no answer)".to_string()
            } else {
                format!(" ({})", statuses.join(", "))
            },
            h.not_modified,
            h.bytes as f64 / 1024.0,
            h.retries,
            h.robots_refusals,
            if errors.is_empty() {
                String::new()
            } else {
                format!(", errors: {}", errors.join(", "))
            }
        );
    }
    if s.interrupted {
        println!("Interrupted: the rest of the crawl was skipped; everything fetched was stored.");
    }
    for e in s.errors.iter().take(20) {
        println!("  failed: {e}");
    }
    if s.errors.len() > 20 {
        println!("  ... and {} more failures", s.errors.len() - 20);
    }
}

fn excerpt(s: &str, n: usize) -> String {
    let one_line: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = one_line.chars().take(n).collect();
    if one_line.chars().count() > n {
        out.push('…');
    }
    out
}

pub fn print_mentions(ms: &[Mention]) {
    if ms.is_empty() {
        println!("  (no mentions)");
        return;
    }
    for m in ms {
        let when = m
            .published_at
            .map(|t| t.format("%Y-%m-%d %H:%M %:z").to_string())
            .unwrap_or_else(|| format!("{} (fetched)", m.fetched_at.format("%Y-%m-%d %H:%M")));
        let sentiment = m
            .sentiment
            .as_ref()
            .map(|s| format!("{} {:+.2}", s.label, s.score))
            .unwrap_or_else(|| "unscored".into());
        println!(
            "  {when}  {}  {}  [{}]{}{}",
            m.site,
            m.author.as_deref().unwrap_or("-"),
            sentiment,
            m.rating.map(|r| format!("  ★ {r}")).unwrap_or_default(),
            m.spam
                .as_ref()
                .map(|r| format!(" SPAM: {r}"))
                .unwrap_or_default()
        );
        println!("      {}", excerpt(&m.context, 90));
        println!("      {}", m.url);
    }
}

pub fn print_stats(s: &StoreStats) {
    println!("store:          {}", s.path.display());
    println!("format version: {}", s.schema_version);
    println!("mentions:       {}", s.mentions);
    println!("crawled URLs:   {}", s.crawled_urls);
    println!("alerts:         {}", s.alerts);
    println!("outbox pending: {}", s.outbox_pending);
    println!("size on disk:   {:.1} MB", s.size_on_disk as f64 / 1e6);
    for (w, c) in &s.watches {
        println!(
            "  {w}: {} mentions ({} negative, {} neutral, {} positive, {} unscored), {} flagged spam",
            c.total, c.negative, c.neutral, c.positive, c.unscored, c.spam
        );
    }
}

pub fn print_extracted(e: &earshot::extract::Extracted) {
    println!(
        "{}  [{} {:?}, {}, {}]",
        e.url,
        e.profile,
        e.kind,
        e.charset.as_deref().unwrap_or("?"),
        e.lang.as_deref().unwrap_or("?")
    );
    if let Some(t) = &e.title {
        println!("title: {t}");
    }
    for p in &e.posts {
        println!(
            "\n#{} {} {}",
            p.floor.map(|f| f.to_string()).unwrap_or_else(|| "-".into()),
            p.author.as_deref().unwrap_or("-"),
            p.published_at.map(|t| t.to_rfc3339()).unwrap_or_default()
        );
        if let Some(t) = &p.title {
            println!("  [{t}]");
        }
        if let Some(r) = &p.rating {
            println!("  rating {}/{}", r.value, r.best);
        }
        if let Some(q) = &p.quote {
            println!("  > {}", excerpt(q, 100));
        }
        for line in p.text.lines() {
            println!("  {line}");
        }
        for r in &p.removed {
            println!("  (removed, {}: {})", r.reason, excerpt(&r.text, 60));
        }
    }
    for n in &e.notes {
        println!("\nnote: {n}");
    }
    if !e.links.is_empty() {
        println!("\nlinks:");
        for l in &e.links {
            println!("  {l}");
        }
    }
}

/// A page's extraction in a few lines (the demo): profile, kind, charset,
/// the first post and what cleaning removed, with the reasons.
pub fn print_extracted_brief(label: &str, e: &earshot::extract::Extracted) {
    let removed: Vec<&earshot::extract::Removed> =
        e.posts.iter().flat_map(|p| &p.removed).collect();
    println!(
        "  {label}\n      profile {}, {}, {}, lang {}: {} post{}, {} link{} to follow",
        e.profile,
        serde_json::to_value(e.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        e.charset.as_deref().unwrap_or("?"),
        e.lang.as_deref().unwrap_or("?"),
        e.posts.len(),
        if e.posts.len() == 1 { "" } else { "s" },
        e.links.len(),
        if e.links.len() == 1 { "" } else { "s" },
    );
    if let Some(p) = e.posts.first() {
        let mut who = p.author.clone().unwrap_or_else(|| "(no author)".into());
        if let Some(t) = p.published_at {
            who.push_str(&format!(", {}", t.format("%Y-%m-%d %H:%M %:z")));
        }
        if let Some(r) = &p.rating {
            who.push_str(&format!(", rated {}/{}", r.value, r.best));
        }
        println!("      first: {who}: \"{}\"", excerpt(&p.text, 60));
    }
    if !removed.is_empty() {
        let mut reasons: Vec<(&str, usize)> = Vec::new();
        for r in &removed {
            // `ad line (cues…), unrelated to the post` counts as `ad line`.
            let reason = r.reason.split(" (").next().unwrap_or(&r.reason);
            match reasons.iter_mut().find(|(k, _)| *k == reason) {
                Some((_, n)) => *n += 1,
                None => reasons.push((reason, 1)),
            }
        }
        let list: Vec<String> = reasons.iter().map(|(k, n)| format!("{k} ×{n}")).collect();
        println!("      cleaned: {}", list.join(", "));
        if let Some(r) = removed
            .iter()
            .find(|r| r.reason.starts_with("ad line"))
            .or(removed.first())
        {
            println!(
                "      e.g. removed ({}): \"{}\"",
                r.reason,
                excerpt(&r.text, 50)
            );
        }
    }
}

/// One alert with its evidence, for `earshot alerts` and the demo.
pub fn print_alert(a: &earshot::store::Alert) {
    println!(
        "[{}] {:<8} {}  {}",
        a.severity,
        a.state,
        a.opened_at.format("%Y-%m-%d %H:%M UTC"),
        a.summary
    );
    let Some(e) = &a.evidence else {
        return;
    };
    println!(
        "    observed {} negative vs {}; peak {} with {}{}",
        e.observed,
        // The ratio is in the summary above; here, the figures.
        match earshot::detect::ratio(e.observed, e.expected) {
            Some(_) => format!("{:.1} expected", e.expected),
            None => "0 expected (no baseline yet)".to_string(),
        },
        e.peak.format("%Y-%m-%d %H:%M"),
        e.peak_observed,
        e.p_value
            .map(|p| format!("; p = {p:.1e}"))
            .unwrap_or_default()
    );
    for m in &e.top_mentions {
        println!(
            "    - {} | {}{}{} | {}",
            m.title.as_deref().unwrap_or("(untitled)"),
            m.site,
            m.author
                .as_deref()
                .map(|a| format!(" / {a}"))
                .unwrap_or_default(),
            if m.copies > 1 {
                format!(" | {} copies on {} sites", m.copies, m.sites.len())
            } else {
                String::new()
            },
            m.url
        );
        println!("      {}", m.excerpt);
    }
    if !e.top_sites.is_empty() {
        let s: Vec<String> = e
            .top_sites
            .iter()
            .map(|(s, c)| format!("{s} ({c})"))
            .collect();
        println!("    sites: {}", s.join(", "));
    }
    if !e.phrases.is_empty() {
        println!("    phrases: {}", e.phrases.join(", "));
    }
    let h: Vec<String> = e
        .history
        .iter()
        .map(|h| {
            format!(
                "{} {} ({})",
                h.at.format("%m-%d %H:%M"),
                h.event,
                h.severity
            )
        })
        .collect();
    println!("    history: {}", h.join(" → "));
}
