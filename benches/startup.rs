//! Start-up benchmark (a bench binary, not a timed test): how long the
//! commands that do not score take from exec to exit, and their peak
//! memory (max RSS, through GNU time). Target: under 100 ms and 50 MB.
//!
//! * `earshot --help`
//! * `earshot mentions` on a small store (the 120-mention fixture store)
//! * `earshot config check` on the shipped example config
//!
//! Run: `cargo bench --bench startup` (times the release `earshot`);
//! `-- --bin PATH` times another build (for a before/after), `--runs N`
//! (default 21) sets the runs per command; the median is printed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// Runs `bin args` once under GNU time (its max RSS is the command's own:
/// a child forked from this bench would count the bench's memory until its
/// exec); (wall seconds, max RSS in KiB, success).
fn run_once(bin: &Path, args: &[String], cwd: &Path) -> (f64, u64, bool) {
    let rss_file = cwd.join("rss");
    let started = Instant::now();
    let status = Command::new("/usr/bin/time")
        .args(["-f", "%M", "-o"])
        .arg(&rss_file)
        .arg(bin)
        .args(args)
        .current_dir(cwd)
        .env_remove("EARSHOT_CONFIG")
        .env_remove("EARSHOT_STORE")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("cannot run /usr/bin/time (GNU time: apt-get install time)");
    let wall = started.elapsed().as_secs_f64();
    let rss = std::fs::read_to_string(&rss_file)
        .ok()
        .and_then(|t| t.lines().last().and_then(|l| l.trim().parse().ok()))
        .unwrap_or(0);
    (wall, rss, status.success())
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
        .map(|b| std::fs::canonicalize(&b).unwrap_or_else(|e| panic!("--bin {b}: {e}")))
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
        let mut rss = 0u64;
        for _ in 0..runs {
            let (t, r, ok) = run_once(&bin, &argv, dir.path());
            if !ok {
                break;
            }
            times.push(t);
            rss = rss.max(r);
        }
        if times.len() < runs {
            println!("{name:<36} failed (run it by hand to see why)");
            continue;
        }
        println!(
            "{name:<36} {:>10.1} {:>12.1}",
            median(times) * 1e3,
            rss as f64 / 1024.0
        );
    }
    println!("({n} mentions in the store)");
}
