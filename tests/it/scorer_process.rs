//! libtorch stays out of the commands that do not score: the `earshot`
//! binary does not link it, and `earshot-score` (the process that does)
//! starts only when something is scored.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::util::{earshot, fixture_store, text};

/// The `earshot-score` built beside the `earshot` under test.
fn real_scorer() -> PathBuf {
    let p = Path::new(env!("CARGO_BIN_EXE_earshot")).with_file_name("earshot-score");
    assert!(
        p.is_file(),
        "no {}: build it first (`cargo build -p earshot-scorer`; `cargo test --workspace` and `make test` do)",
        p.display()
    );
    p
}

fn libtorch_needed(binary: &Path) -> Vec<String> {
    let out = std::process::Command::new("readelf")
        .arg("-d")
        .arg(binary)
        .output()
        .expect("readelf");
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
        .lines()
        .filter(|l| l.contains("(NEEDED)") && (l.contains("torch") || l.contains("c10")))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_earshot_binary_does_not_link_libtorch_and_the_scorer_does() {
    let main = libtorch_needed(Path::new(env!("CARGO_BIN_EXE_earshot")));
    assert!(main.is_empty(), "earshot links libtorch: {main:?}");
    let scorer = libtorch_needed(&real_scorer());
    assert!(
        scorer.iter().any(|l| l.contains("libtorch_cpu")),
        "earshot-score should link libtorch: {scorer:?}"
    );
}

#[test]
fn only_commands_that_score_start_the_scorer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = dir.path().join("store");
    fixture_store(&store);
    let config = dir.path().join("earshot.toml");
    std::fs::write(
        &config,
        format!(
            "[sentiment]\nmodel = {:?}\n[[watch]]\nname = \"云雀\"\n[[watch]]\nname = \"Lumio\"\n",
            concat!(env!("CARGO_MANIFEST_DIR"), "/models/sentiment")
        ),
    )
    .expect("config");
    // A scorer that leaves a mark each time it starts, then is the real one.
    let mark = dir.path().join("started");
    let wrapper = dir.path().join("earshot-score");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\necho start >> '{}'\nexec '{}' \"$@\"\n",
            mark.display(),
            real_scorer().display()
        ),
    )
    .expect("wrapper");
    std::fs::set_permissions(
        &wrapper,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("chmod");
    let run = |args: &[&str], input: &str| {
        let mut child = earshot()
            .env("EARSHOT_SCORER", &wrapper)
            .arg("--config")
            .arg(&config)
            .arg("--store")
            .arg(&store)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run earshot");
        std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), input.as_bytes())
            .expect("input");
        let out = child.wait_with_output().expect("run earshot");
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        out
    };
    for args in [
        &["--help"][..],
        &["config", "check"],
        &["mentions"],
        &["stats"],
        &["alerts"],
    ] {
        run(args, "");
        assert!(
            !mark.exists(),
            "`earshot {}` started the scorer",
            args.join(" ")
        );
    }
    // The same mark shows when something is scored: once per process.
    let out = run(&["score", "--json"], "质量太差了\nLove it!\n");
    assert_eq!(text(&out.stdout).lines().count(), 2);
    let starts = std::fs::read_to_string(&mark).expect("scoring started the scorer");
    assert_eq!(starts.lines().count(), 1, "{starts}");
}
