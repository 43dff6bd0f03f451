//! Helpers shared by the integration tests.

use std::path::Path;
use std::process::{Command, Output};

/// The earshot binary under test.
pub fn earshot() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_earshot"));
    c.env_remove("EARSHOT_CONFIG")
        .env_remove("EARSHOT_STORE")
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
