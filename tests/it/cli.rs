//! The command line as a user meets it: exit codes and messages.

use std::io::Write;

use crate::util::{earshot, ingest, run, text};

#[test]
fn config_check_accepts_the_shipped_config() {
    let out = earshot()
        .args(["config", "check", "config/earshot.toml"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("OK (8 sources, 2 watches"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn config_check_points_at_line_and_column_with_a_fix() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    let mut f = std::fs::File::create(&path).unwrap();
    writeln!(f, "[crawl]\nrate_per_host = 2.0\nconcurency = 4").unwrap();
    drop(f);
    let out = earshot()
        .args(["config", "check"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("bad.toml:3:1"), "{err}");
    assert!(err.contains("unknown field `concurency`"), "{err}");
    assert!(err.contains("did you mean `concurrency`?"), "{err}");

    std::fs::write(&path, "[[source]]\nname = \"f\"\nstart_urls = [\"htp:/x\"]\n\n[[watch]]\nname = \"w\"\nquery = \"a AND (b OR\"\n").unwrap();
    let out = earshot()
        .args(["config", "check"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("bad.toml:3:15: `source[0].start_urls[0]`"),
        "{err}"
    );
    assert!(
        err.contains("bad.toml:7:9: `watch[0].query`: query error at character 12"),
        "{err}"
    );
    assert!(err.contains("2 problems found"), "{err}");
}

#[test]
fn missing_config_file_is_a_usage_error() {
    let out = earshot()
        .args(["--config", "/nonexistent/earshot.toml", "config", "check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot read config file /nonexistent/earshot.toml"));
}

#[test]
fn reading_a_missing_store_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&dir.path().join("none"), &["mentions"]);
    assert_eq!(out.status.code(), Some(3));
    let err = text(&out.stderr);
    assert!(
        err.contains("no mention store at") && err.contains("earshot crawl"),
        "{err}"
    );
}

#[test]
fn a_store_in_use_is_refused_with_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s");
    let _held = earshot::store::Store::open(&path).unwrap();
    let out = run(&path, &["stats"]);
    assert_eq!(out.status.code(), Some(3));
    let err = text(&out.stderr);
    assert!(err.starts_with("error: the mention store at"), "{err}");
    assert!(err.contains("in use by another earshot process"), "{err}");
}

#[test]
fn a_store_from_a_newer_earshot_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s");
    // Write a store, then pretend a newer earshot bumped its version.
    let out = ingest(&path, 3, 3);
    assert!(out.status.success(), "{}", text(&out.stderr));
    {
        let db = earshot::store::open_raw_sled(&path).unwrap();
        let t = db.open_tree("earshot").unwrap();
        t.insert(b"Mschema_version", &99u32.to_be_bytes()).unwrap();
        db.flush().unwrap();
    }
    let out = run(&path, &["stats"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains("format version 99"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn mentions_filters_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s");
    let out = ingest(&path, 120, 60);
    assert!(out.status.success());
    let out = run(
        &path,
        &[
            "mentions",
            "--watch",
            "Lumio",
            "--sentiment",
            "negative",
            "--since",
            "2020-01-01",
            "--json",
            "-n",
            "500",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!lines.is_empty());
    for m in &lines {
        assert_eq!(m["watches"][0], "Lumio");
        assert_eq!(m["sentiment"]["label"], "negative");
    }
    let out = run(&path, &["mentions", "--since", "yesterday-ish"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("cannot read `yesterday-ish` as a time"));
    let out = run(&path, &["stats", "--json"]);
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stats["mentions"], 120);
}

#[test]
fn extract_reads_a_gbk_discuz_thread_file_as_the_crawler_does() {
    let out = earshot()
        .args([
            "extract",
            "demo/site/bbs/thread-1001-1-1.html",
            "--url",
            "http://demo.earshot.test/bbs/thread-1001-1-1.html",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["profile"], "discuz-thread");
    assert_eq!(v["kind"], "thread");
    assert_eq!(v["charset"], "GBK");
    assert_eq!(v["lang"], "zh-Hans");
    let posts = v["posts"].as_array().unwrap();
    assert_eq!(posts.len(), 10);
    assert_eq!(posts[0]["floor"], 1);
    assert!(posts[0]["published_at"]
        .as_str()
        .unwrap()
        .ends_with("+08:00"));
    assert!(posts.iter().all(|p| p["author"].is_string()));
    assert!(v["links"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l == "http://demo.earshot.test/bbs/thread-1001-2-1.html"));

    // Bad input: a clear error per input, the others still extracted.
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.html");
    std::fs::write(&empty, b"").unwrap();
    let out = earshot()
        .args(["extract", "--json"])
        .arg(&empty)
        .arg("demo/site/qa/question-88.html")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("empty or binary"),
        "{}",
        text(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["charset"], "Big5");
}

#[test]
fn token_new_prints_a_token_and_its_hash_entry() {
    let out = earshot()
        .args(["token", "new", "--name", "pr", "--role", "admin"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let token = stdout
        .lines()
        .next()
        .and_then(|l| l.rsplit(' ').next())
        .unwrap()
        .to_string();
    assert!(token.starts_with("es_"), "{stdout}");
    assert!(stdout.contains("role = \"admin\""), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "sha256 = \"{}\"",
            earshot_cli::serve::hash_token(&token)
        )),
        "{stdout}"
    );
    let bad = earshot()
        .args(["token", "new", "--role", "root"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(text(&bad.stderr).contains("use viewer or admin"));
}

/// Without `--config`, earshot reads `EARSHOT_CONFIG`, else
/// `./config/earshot.toml` (an edit there counts), else
/// `~/.config/earshot/earshot.toml`, and names the file it uses; with none
/// it says where it looked.
#[test]
fn the_config_file_on_disk_is_used_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let (home, work) = (dir.path().join("home"), dir.path().join("work"));
    std::fs::create_dir_all(work.join("config")).unwrap();
    std::fs::create_dir_all(home.join(".config/earshot")).unwrap();
    let watch = |name: &str| format!("[[watch]]\nname = \"{name}\"\n");
    std::fs::write(work.join("config/earshot.toml"), watch("Edited")).unwrap();
    let db = dir.path().join("db");
    drop(earshot::store::Store::open(&db).unwrap());
    let cmd = |args: &[&str]| {
        earshot()
            .current_dir(&work)
            .env("HOME", &home)
            .env_remove("XDG_CONFIG_HOME")
            .arg("--store")
            .arg(&db)
            .args(args)
            .output()
            .unwrap()
    };
    let watches = |out: &std::process::Output| -> Vec<String> {
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}{}", text(&out.stdout), text(&out.stderr)));
        v["watches"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["watch"].as_str().unwrap().to_string())
            .collect()
    };
    // ./config/earshot.toml, edited: named and used.
    let out = cmd(&["config", "check"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with(
            "config/earshot.toml (from ./config/earshot.toml): OK (0 sources, 1 watches"
        ),
        "{}",
        text(&out.stdout)
    );
    let out = cmd(&["-v", "alerts", "check", "--json"]);
    assert_eq!(watches(&out), ["Edited"]);
    assert!(
        text(&out.stderr).contains("config: config/earshot.toml (from ./config/earshot.toml)"),
        "{}",
        text(&out.stderr)
    );
    let out = cmd(&["doctor", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["config_file"], "config/earshot.toml", "{v}");
    // EARSHOT_CONFIG wins over ./config; --config over both.
    let env_file = dir.path().join("env.toml");
    std::fs::write(&env_file, watch("FromEnv")).unwrap();
    let out = cmd(&["-v", "alerts", "check", "--json"]);
    assert_eq!(watches(&out), ["Edited"]);
    let with_env = |args: &[&str]| {
        earshot()
            .current_dir(&work)
            .env("HOME", &home)
            .env("EARSHOT_CONFIG", &env_file)
            .arg("--store")
            .arg(&db)
            .args(args)
            .output()
            .unwrap()
    };
    assert_eq!(
        watches(&with_env(&["alerts", "check", "--json"])),
        ["FromEnv"]
    );
    let out = with_env(&["config", "check"]);
    assert!(
        text(&out.stdout).contains("env.toml (from EARSHOT_CONFIG): OK"),
        "{}",
        text(&out.stdout)
    );
    let out = with_env(&[
        "--config",
        work.join("config/earshot.toml").to_str().unwrap(),
        "alerts",
        "check",
        "--json",
    ]);
    assert_eq!(watches(&out), ["Edited"]);
    // Then the user's config directory.
    std::fs::remove_file(work.join("config/earshot.toml")).unwrap();
    let user = home.join(".config/earshot/earshot.toml");
    std::fs::write(&user, watch("FromHome")).unwrap();
    assert_eq!(watches(&cmd(&["alerts", "check", "--json"])), ["FromHome"]);
    // None: a warning naming where it looked; the defaults have no watch;
    // `config check` has nothing to check.
    std::fs::remove_file(&user).unwrap();
    let out = cmd(&["alerts", "check", "--json"]);
    assert!(watches(&out).is_empty());
    let err = text(&out.stderr);
    assert!(err.contains("no configuration file found"), "{err}");
    assert!(err.contains("./config/earshot.toml"), "{err}");
    assert!(err.contains(user.to_str().unwrap()), "{err}");
    let out = cmd(&["config", "check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("nothing to check: no configuration file found"));
}

/// A watch name with a typo is a usage error with a "did you mean" in
/// every command that takes `--watch`; a watch the store still holds
/// history for (gone from the config) is not a typo.
#[test]
fn an_unknown_watch_name_is_an_error_with_a_suggestion_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s");
    assert!(ingest(&path, 60, 60).status.success());
    let cfg = dir.path().join("earshot.toml");
    std::fs::write(
        &cfg,
        "[[watch]]\nname = \"云雀\"\n[[watch]]\nname = \"Lumio\"\n",
    )
    .unwrap();
    let cmd = |args: &[&str]| {
        earshot()
            .arg("--config")
            .arg(&cfg)
            .arg("--store")
            .arg(&path)
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    for args in [
        &["report", "--watch", "Lumoi", "--format", "json"][..],
        &["mentions", "--watch", "lumio"],
        &["timeline", "--watch", "Lumoi"],
        &["alerts", "--watch", "lumio"],
        &["backtest", "--watch", "Lumoi"],
    ] {
        let out = cmd(args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("no watch named `"), "{args:?}: {err}");
        assert!(err.contains("did you mean `Lumio`?"), "{args:?}: {err}");
    }
    // Northwind has mentions in the store but no [[watch]] any more.
    let out = cmd(&["mentions", "--watch", "Northwind", "--since", "2020-01-01"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!text(&out.stdout).trim().is_empty());
    let out = cmd(&["timeline", "--watch", "Northwnd"]);
    assert!(
        text(&out.stderr).contains("did you mean `Northwind`?"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn store_backup_and_restore_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let out = ingest(&store, 300, 100);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let backup = dir.path().join("backup");
    let out = run(&store, &["store", "backup", backup.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("backed up"),
        "{}",
        text(&out.stdout)
    );
    // A second backup into the same directory: a usage error, said so.
    let out = run(&store, &["store", "backup", backup.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("not empty"),
        "{}",
        text(&out.stderr)
    );

    // More mentions after the backup; the restore takes them back out and
    // keeps the store they were in.
    let out = ingest(&store, 400, 100);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(
        &store,
        &["store", "restore", "--json", backup.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let aside = answer["previous_store"].as_str().unwrap().to_string();
    let count = |p: &std::path::Path| {
        let out = run(p, &["stats", "--json"]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["mentions"].as_u64().unwrap()
    };
    assert_eq!(count(&store), 300);
    assert_eq!(count(std::path::Path::new(&aside)), 400);
}

/// Help reads cleanly: one default per flag, the global options under
/// their own heading.
#[test]
fn help_shows_each_default_once_and_globals_apart() {
    let out = earshot().args(["timeline", "--help"]).output().unwrap();
    let help = text(&out.stdout);
    assert_eq!(help.matches("[default: 2d]").count(), 1, "{help}");
    let out = earshot().args(["mentions", "--help"]).output().unwrap();
    let help = text(&out.stdout);
    let (own, global) = help
        .split_once("Global options:")
        .unwrap_or_else(|| panic!("no Global options heading:\n{help}"));
    assert!(
        own.contains("--watch") && !own.contains("--store"),
        "{help}"
    );
    assert!(
        global.contains("--store") && global.contains("--config"),
        "{help}"
    );
}

/// Logs piped to a file carry no colour codes.
#[test]
fn piped_logs_are_plain_text() {
    let dir = tempfile::tempdir().unwrap();
    let out = earshot()
        .env_remove("NO_COLOR")
        .arg("-v")
        .arg("--store")
        .arg(dir.path().join("none"))
        .arg("stats")
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert!(err.contains("INFO") || err.contains("WARN"), "{err}");
    assert!(!err.contains('\u{1b}'), "{err:?}");
}

/// Silence times print to the second.
#[test]
fn silence_times_print_to_the_second() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("db");
    let out = run(&store, &["alerts", "silence", "--for", "2h"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let line = text(&out.stdout);
    let times: Vec<&str> = line
        .split_whitespace()
        .filter(|w| chrono::DateTime::parse_from_rfc3339(w).is_ok())
        .collect();
    assert_eq!(times.len(), 2, "{line}");
    assert!(times.iter().all(|t| !t.contains('.')), "{line}");
    let out = run(&store, &["alerts", "silence", "--list"]);
    assert!(!text(&out.stdout).contains('.'), "{}", text(&out.stdout));
}

/// A missing --config file says what the OS said once.
#[test]
fn a_missing_config_file_says_the_os_error_once() {
    let out = earshot()
        .args(["--config", "/nonexistent/earshot.toml", "stats"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert_eq!(err.matches("os error").count(), 1, "{err}");
}
