//! Start-up benchmark (a bench binary, not a timed test): how long the
//! commands that do not score take from exec to exit, and their peak
//! memory (max RSS from wait4's rusage). Target: under 100 ms and 50 MB.
//!
//! * `earshot --help`
//! * `earshot mentions` on a small store (the 120-mention fixture store)
//! * `earshot config check` on the shipped example config
//!
//! Run: `cargo bench --bench startup` (times the release `earshot`);
//! `-- --bin PATH` times another build (for a before/after), `--runs N`
//! (default 21) sets the runs per command; the median is printed.

use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

/// Runs `cmd` once; (wall seconds, max RSS in KiB, success).
fn run_once(cmd: &mut Command) -> (f64, i64, bool) {
    let started = Instant::now();
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("cannot start earshot");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is valid; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our child, not waited for yet; both pointers are valid.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = started.elapsed().as_secs_f64();
    assert_eq!(r, pid, "wait4 failed: {}", std::io::Error::last_os_error());
    let ok = std::process::ExitStatus::from_raw(status).success();
    // Keep the Child from waiting again on drop (it does not), but forget it
    // explicitly so nothing reaps the pid twice.
    std::mem::forget(child);
    (wall, usage.ru_maxrss, ok)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let bin = value("--bin")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_earshot")));
    let runs: usize = value("--runs").and_then(|r| r.parse().ok()).unwrap_or(21);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("temp dir");
    let store = dir.path().join("store");
    let n = earshot_test_utils::fixtures::fixture_store(&store);
    let config = root.join("config/earshot.toml");
    let torch = Command::new("ldd")
        .arg(&bin)
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .matches("libtorch")
                .count()
        })
        .unwrap_or(0);
    println!(
        "earshot start-up: {} ({} libtorch libraries linked), median of {runs} runs",
        bin.display(),
        torch
    );
    let commands: [(&str, Vec<String>); 3] = [
        ("earshot --help", vec!["--help".into()]),
        (
            "earshot mentions (fixture store)",
            vec![
                "--config".into(),
                config.display().to_string(),
                "--store".into(),
                store.display().to_string(),
                "mentions".into(),
            ],
        ),
        (
            "earshot config check",
            vec![
                "--config".into(),
                config.display().to_string(),
                "config".into(),
                "check".into(),
            ],
        ),
    ];
    println!("{:<36} {:>10} {:>12}", "command", "median ms", "max RSS MB");
    for (name, argv) in commands {
        let mut times = Vec::with_capacity(runs);
        let mut rss = 0i64;
        for _ in 0..runs {
            let mut cmd = Command::new(&bin);
            cmd.args(&argv)
                .current_dir(dir.path())
                .env_remove("EARSHOT_CONFIG")
                .env_remove("EARSHOT_STORE");
            let (t, r, ok) = run_once(&mut cmd);
            assert!(ok, "`{name}` failed: run it by hand to see why");
            times.push(t);
            rss = rss.max(r);
        }
        println!(
            "{name:<36} {:>10.1} {:>12.1}",
            median(times) * 1e3,
            rss as f64 / 1024.0
        );
    }
    println!("({n} mentions in the store)");
}
