//! The command line while `earshot serve` or `earshot run` holds the
//! store: every read command asks that process (found through the store's
//! `daemon.json`) and prints what it prints against the store itself;
//! silences go through with the local admin credential.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};

use earshot::store::Store;

use crate::alert::burst_mentions;
use crate::util::{earshot, text};

struct Setup {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    cfg: PathBuf,
    db: PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let db = path.join("db");
    let cfg = path.join("earshot.toml");
    // The scheduled report keeps `earshot run` up without sources; it is
    // due next new year.
    std::fs::write(
        &cfg,
        format!(
            "[alert]\nmax_age = \"3650d\"\n[alert.detect]\nthreshold = 5\n[serve]\nbind = \"127.0.0.1:0\"\n[[watch]]\nname = \"云雀\"\n\n[[report]]\nname = \"yearly\"\nwatches = [\"云雀\"]\nformat = [\"csv\"]\nschedule = \"0 0 0 1 1 *\"\nout_dir = \"{}\"\n",
            path.join("scheduled").display()
        ),
    )
    .unwrap();
    {
        let store = Store::open(&db).unwrap();
        store.put_mentions(&burst_mentions(), None).unwrap();
    }
    let s = Setup {
        _dir: dir,
        dir: path,
        cfg,
        db,
    };
    // Alerts to list.
    let out = s.run(&["alerts", "check", "--now", "2026-11-20T23:00:00Z"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    s
}

impl Setup {
    fn run(&self, args: &[&str]) -> Output {
        earshot()
            .current_dir(&self.dir)
            .arg("--config")
            .arg(&self.cfg)
            .arg("--store")
            .arg(&self.db)
            .args(args)
            .output()
            .unwrap()
    }

    /// Starts `earshot ARGS` and waits for its endpoint file.
    fn spawn(&self, args: &[&str]) -> Child {
        let mut child = earshot()
            .current_dir(&self.dir)
            .arg("--config")
            .arg(&self.cfg)
            .arg("--store")
            .arg(&self.db)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let err = child.stderr.take().unwrap();
        std::thread::spawn(move || for _ in BufReader::new(err).lines() {});
        let out = child.stdout.take().unwrap();
        std::thread::spawn(move || for _ in BufReader::new(out).lines() {});
        let file = self.db.join("daemon.json");
        for _ in 0..600 {
            if file.exists() {
                return child;
            }
            if let Ok(Some(st)) = child.try_wait() {
                panic!("earshot {args:?} ended before serving: {st}");
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("earshot {args:?} wrote no daemon.json in a minute");
    }
}

/// Ctrl-C, as a person stops it; it removes its endpoint file.
fn stop(mut child: Child, db: &Path) {
    let ok = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let st = child.wait().unwrap();
    assert!(st.success(), "{st}");
    assert!(!db.join("daemon.json").exists());
}

/// The read commands and what they print, `elapsed_ms` and the store's
/// size on disk (the server's own writes) apart.
fn answers(s: &Setup) -> Vec<(String, String)> {
    let out_csv = s.dir.join("r.csv");
    let out_csv = out_csv.to_str().unwrap();
    let cmds: Vec<Vec<&str>> = vec![
        vec!["mentions", "-n", "7"],
        vec![
            "mentions",
            "--watch",
            "云雀",
            "--sentiment",
            "negative",
            "--json",
        ],
        vec![
            "mentions",
            "--since",
            "2026-11-20T09:00:00Z",
            "--until",
            "2026-11-20T10:00:00Z",
            "--json",
        ],
        vec!["stats"],
        vec!["stats", "--json"],
        vec!["alerts"],
        vec!["alerts", "--json", "--watch", "云雀"],
        vec![
            "timeline",
            "--watch",
            "云雀",
            "--since",
            "2026-11-19",
            "--until",
            "2026-11-21",
        ],
        vec![
            "timeline",
            "--watch",
            "云雀",
            "--since",
            "2026-11-20",
            "--until",
            "2026-11-21",
            "--bucket",
            "5m",
            "--json",
        ],
        vec![
            "report",
            "--watch",
            "云雀",
            "--from",
            "2026-11-19",
            "--to",
            "2026-11-22",
            "--format",
            "csv",
            "--out",
            out_csv,
        ],
        vec![
            "report",
            "--watch",
            "云雀",
            "--from",
            "2026-11-19",
            "--to",
            "2026-11-22",
            "--format",
            "json",
            "--out",
            "rep",
            "--json",
        ],
        vec!["alerts", "silence", "--list", "--json"],
        // Errors are the same too: a typo is a usage error with a hint.
        vec!["mentions", "--watch", "云鹊"],
    ];
    let mut got = Vec::new();
    for c in cmds {
        let out = s.run(&c);
        let mut stdout: String = text(&out.stdout)
            .lines()
            .filter(|l| !l.contains("size on disk") && !l.contains("elapsed_ms"))
            .map(|l| format!("{l}\n"))
            .collect();
        if c.contains(&"--json") && c[0] == "stats" {
            let mut v: serde_json::Value = serde_json::from_slice(&out.stdout)
                .unwrap_or_else(|e| panic!("{c:?}: {e}: {}", text(&out.stderr)));
            v["size_on_disk"] = 0.into();
            stdout = v.to_string();
        }
        if c[0] == "report" && c.contains(&"csv") {
            stdout.push_str(&std::fs::read_to_string(out_csv).unwrap());
        }
        let stderr = text(&out.stderr);
        let code = out.status.code();
        assert!(!stderr.contains("in use by another"), "{c:?}: {stderr}");
        let error = stderr
            .lines()
            .filter(|l| l.starts_with("error") || l.contains("help:"))
            .collect::<Vec<_>>()
            .join("\n");
        got.push((format!("{c:?} exit {code:?}"), format!("{stdout}{error}")));
    }
    got
}

fn assert_same(direct: &[(String, String)], via: &[(String, String)], what: &str) {
    assert_eq!(direct.len(), via.len());
    for (d, v) in direct.iter().zip(via) {
        assert_eq!(d, v, "{what}: {} differs", d.0);
    }
}

#[test]
fn read_commands_answer_the_same_with_serve_or_run_holding_the_store() {
    let s = setup();
    let direct = answers(&s);
    // The store holds something to compare: mentions, an alert, a timeline.
    assert!(direct[0].1.contains("云雀") || direct[0].1.contains("example.com"));
    assert!(direct[5].1.contains("[")); // an alert line
    assert!(direct[9].1.contains("wrote"));
    assert!(
        direct[12].0.contains("Some(2)") && direct[12].1.contains("no watch named"),
        "{:?}",
        direct[12]
    );

    for args in [
        &["serve", "--json"][..],
        &["run", "--serve"][..],
        &["run"][..],
    ] {
        let child = s.spawn(args);
        // The file names the process and a token for the user alone.
        let ep: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(s.db.join("daemon.json")).unwrap())
                .unwrap();
        assert_eq!(ep["pid"], child.id());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(s.db.join("daemon.json"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "{mode:o}");
        }
        let via = answers(&s);
        assert_same(&direct, &via, &format!("{args:?}"));

        // Admin commands go through the daemon with the local credential.
        let out = s.run(&[
            "alerts",
            "silence",
            "--for",
            "2h",
            "--reason",
            "from the cli",
            "--json",
        ]);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        let id = serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let list = s.run(&["alerts", "silence", "--list"]);
        assert!(
            text(&list.stdout).contains("from the cli"),
            "{}",
            text(&list.stderr)
        );
        let out = s.run(&["alerts", "unsilence", &id]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(text(&out.stdout).contains(&format!("removed silence {id}")));
        let out = s.run(&["alerts", "check", "--now", "2026-11-20T23:00:00Z", "--json"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["watches"][0]["watch"], "云雀", "{v}");

        stop(child, &s.db);
        // The store is its own again.
        assert_same(&direct, &answers(&s), "after stop");
    }
}

#[test]
fn a_stale_endpoint_file_is_ignored() {
    let s = setup();
    let direct = s.run(&["stats", "--json"]);
    // A process that ended with kill -9 left its file behind.
    std::fs::write(
        s.db.join("daemon.json"),
        r#"{"pid": 999999999, "url": "http://127.0.0.1:9", "token": "es_x", "store": "db", "version": "0"}"#,
    )
    .unwrap();
    let out = s.run(&["stats", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (mut a, mut b): (serde_json::Value, serde_json::Value) = (
        serde_json::from_slice(&direct.stdout).unwrap(),
        serde_json::from_slice(&out.stdout).unwrap(),
    );
    a["size_on_disk"] = 0.into();
    b["size_on_disk"] = 0.into();
    assert_eq!(a, b);
}
