//! Helpers shared by the integration tests.

use std::path::Path;
use std::process::{Command, Output};

/// The earshot binary under test.
pub fn earshot() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_earshot"));
    c.env_remove("EARSHOT_CONFIG")
        .env_remove("EARSHOT_STORE")
        // `precision = "auto"` remembers its choice here, not in ~/.cache
        .env(
            "EARSHOT_PRECISION_CACHE",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/earshot-precision.json"),
        )
        .env("NO_COLOR", "1");
    c
}

/// Runs earshot with `args` and a store at `store`.
pub fn run(store: &Path, args: &[&str]) -> Output {
    earshot()
        .arg("--store")
        .arg(store)
        .args(args)
        .output()
        .expect("run earshot")
}

/// Stores synthetic mentions 0..n (three watches, from 2026-01-01) through
/// `earshot debug-ingest`, in batches of `batch`.
pub fn ingest(store: &Path, n: u64, batch: u64) -> Output {
    use std::io::Write;
    let start = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 1, 1, 0, 0, 0).unwrap();
    let mut child = earshot()
        .arg("--store")
        .arg(store)
        .args(["debug-ingest", "--batch-size", &batch.to_string()])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run earshot");
    let mut stdin = child.stdin.take().unwrap();
    for i in 0..n {
        let m = earshot_test_utils::synthetic_mention(i, &["云雀", "Lumio", "Northwind"], start);
        writeln!(stdin, "{}", serde_json::to_string(&m).unwrap()).unwrap();
    }
    drop(stdin);
    child.wait_with_output().expect("run earshot")
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

pub use earshot_test_utils::fixtures::*;

/// A config naming the fixture watches, with a viewer and an admin token
/// (the tokens themselves are returned: (config text, viewer, admin)).
pub fn fixture_config() -> (String, String, String) {
    let viewer = earshot_cli::serve::new_token();
    let admin = earshot_cli::serve::new_token();
    let cfg = format!(
        "[[watch]]\nname = \"云雀\"\n\n[[watch]]\nname = \"Lumio\"\n\n[serve]\nbind = \"127.0.0.1:0\"\n\n[[serve.tokens]]\nname = \"vera\"\nrole = \"viewer\"\nsha256 = \"{}\"\n\n[[serve.tokens]]\nname = \"adam\"\nrole = \"admin\"\nsha256 = \"{}\"\n",
        earshot_cli::serve::hash_token(&viewer),
        earshot_cli::serve::hash_token(&admin)
    );
    (cfg, viewer, admin)
}

/// A crawl of one local test source for one watch, unscored: the source
/// may reach 127.0.0.1 and reads dates as UTC.
pub fn unscored_setup(
    crawl: &earshot::fetch::CrawlConfig,
    source: earshot::crawl::SourceConfig,
    watch: &str,
) -> earshot::crawl::CrawlSetup {
    let mut setup = earshot::crawl::CrawlSetup {
        crawl: crawl.clone(),
        sources: vec![earshot::crawl::SourceConfig {
            allow_private: Some(true),
            timezone: Some("UTC".into()),
            ..source
        }],
        watches: vec![earshot::watch::WatchConfig {
            name: watch.into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    setup.sentiment.enabled = false;
    setup
}

/// Runs `earshot --config CFG ARGS…`, asserts it succeeded (printing its
/// output if not) and returns its stdout.
pub fn cli(cfg: &Path, args: &[&str]) -> String {
    let out = earshot()
        .arg("--config")
        .arg(cfg)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// An endless calendar (a URL trap): the home page links to three
/// articles (a fourth from its `fourth_from`th visit on, counted from 0)
/// and to the calendar at "today", 100 days later at every visit (each
/// pass moves it on); every day links to the next day and the next
/// month, forever. Each article names the Lumio Aura once. Used by
/// `url_trap.rs` (one machine) and `fleet_sources.rs` (the fleet).
pub fn endless_calendar(fourth_from: Option<usize>) -> earshot_test_utils::server::Handler {
    use earshot_test_utils::server::{html, not_found};
    std::sync::Arc::new(move |path, _, nth| {
        if path == "/robots.txt" {
            return not_found();
        }
        if path == "/" {
            let articles = if fourth_from.is_some_and(|f| nth >= f) {
                4
            } else {
                3
            };
            let links: String = (1..=articles)
                .map(|i| format!("<a href=\"/article/{i}\">article {i}</a> "))
                .collect();
            let today = 1000 + 100 * nth;
            return html(&format!(
                "<html><body><nav>{links}<a href=\"/cal/{today}\">calendar</a></nav></body></html>"
            ));
        }
        if let Some(day) = path
            .strip_prefix("/cal/")
            .and_then(|d| d.parse::<usize>().ok())
        {
            return html(&format!(
                "<html><body><nav><a href=\"/cal/{}\">next day</a> <a href=\"/cal/{}\">next month</a></nav><p>No events on day {day}.</p></body></html>",
                day + 1,
                day + 30
            ));
        }
        if path.starts_with("/article/") {
            return html(&format!(
                "<html><head><title>{path}</title></head><body><article><h1>{path}</h1>\
                 <p>Review {path}: the Lumio Aura desk lamp gives a warm, even light and the dimmer is smooth.</p>\
                 <p>The base is heavy enough and the arm holds its position through the evening.</p>\
                 </article></body></html>"
            ));
        }
        not_found()
    })
}
