//! `make install`'s layout (scripts/install.sh) runs on its own: the
//! installed scorer (`earshot-score`) loads libtorch from the install's lib/
//! only, `earshot` links no libtorch and finds the scorer and the model, and crawls and scores from a directory outside the
//! checkout with a bare environment.

use std::process::Command;
use std::sync::Arc;

use earshot_test_utils::server::{html, not_found, start};

fn site(path: &str) -> earshot_test_utils::server::Reply {
    match path {
        "/robots.txt" => not_found(),
        "/review" => html(
            "<html><head><title>Lumio Aura, two weeks in</title></head><body><article>\
             <h1>Lumio Aura, two weeks in</h1>\
             <p>The Lumio Aura lamp broke after two weeks: the dimmer flickers and support never answered my emails. A waste of money.</p>\
             </article></body></html>",
        ),
        _ => not_found(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_install_runs_without_the_build_tree() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("opt-earshot");
    let out = Command::new(root.join("scripts/install.sh"))
        .arg(&prefix)
        .arg(env!("CARGO_BIN_EXE_earshot"))
        .output()
        .unwrap();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "install failed:\n{log}");
    assert!(log.contains("CPU only"), "{log}");
    // The man pages and completions the installed binary generated.
    for page in ["earshot.1", "earshot-crawl.1", "earshot-source-add.1"] {
        assert!(prefix.join("share/man/man1").join(page).is_file(), "{page}");
    }
    let bash = std::fs::read_to_string(prefix.join("share/bash-completion/completions/earshot"))
        .unwrap_or_default();
    assert!(bash.contains("complete -F _earshot"), "{bash}");
    assert!(prefix.join("share/zsh/site-functions/_earshot").is_file());
    assert!(prefix
        .join("share/fish/vendor_completions.d/earshot.fish")
        .is_file());

    // Only $ORIGIN: the loader looks nowhere in the build tree.
    let dynamic = Command::new("readelf")
        .arg("-d")
        .arg(prefix.join("bin/earshot-score"))
        .output()
        .unwrap();
    let dynamic = String::from_utf8_lossy(&dynamic.stdout);
    let paths: Vec<&str> = dynamic
        .lines()
        .filter(|l| l.contains("RUNPATH") || l.contains("RPATH"))
        .collect();
    assert_eq!(paths.len(), 1, "{dynamic}");
    assert!(paths[0].contains("[$ORIGIN/../lib]"), "{}", paths[0]);
    // earshot itself needs no libtorch, so no RUNPATH either.
    let main = Command::new("readelf")
        .arg("-d")
        .arg(prefix.join("bin/earshot"))
        .output()
        .unwrap();
    let main = String::from_utf8_lossy(&main.stdout);
    assert!(
        !main.contains("torch") && !main.contains("RUNPATH"),
        "{main}"
    );

    let srv = start(Arc::new(|path, _, _| site(path))).await;
    let work = dir.path().join("elsewhere");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::write(
        work.join("earshot.toml"),
        format!(
            r#"
[store]
path = "store"

[[source]]
name = "reviews"
start_urls = ["{}/review"]
allow_private = true

[[watch]]
name = "Lumio"
"#,
            srv.base
        ),
    )
    .unwrap();
    let earshot = |args: &[&str]| {
        let bin = prefix.join("bin/earshot");
        let mut c = Command::new(bin);
        c.args(args)
            .current_dir(&work)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", &work)
            .env("EARSHOT_CONFIG", work.join("earshot.toml"));
        c
    };
    let run = |args: &[&str]| {
        let out = tokio::task::block_in_place(|| earshot(args).output().unwrap());
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "earshot {args:?} failed:\n{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    };
    run(&["--help"]);
    run(&["crawl"]);
    let doctor = run(&["doctor", "--json"]);
    let doctor: serde_json::Value = serde_json::from_str(&doctor).expect("doctor --json");
    assert_eq!(doctor["sentiment"]["ok"], true, "{doctor:#}");
    // the installed scorer, found beside the installed earshot
    assert_eq!(
        doctor["scorer"]["exe"].as_str(),
        prefix.join("bin/earshot-score").to_str(),
        "{doctor:#}"
    );
    assert_eq!(doctor["libtorch"]["check"], 14.0, "{doctor:#}");
    assert_eq!(doctor["store"]["mentions"], 1, "{doctor:#}");
    // JSON lines, one mention each.
    let mentions = run(&["mentions", "--json"]);
    let first: serde_json::Value =
        serde_json::from_str(mentions.lines().next().unwrap_or_default()).unwrap();
    assert_eq!(
        first["sentiment"]["label"], "negative",
        "scored by the installed model: {first:#}"
    );
}
