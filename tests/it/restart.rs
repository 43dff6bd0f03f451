//! Restarts of `earshot serve`: no sign-in link in a journal at every
//! start, and browser sessions that outlive the process (but not the token
//! that made them).

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};

use crate::util::{earshot, fixture_config, fixture_store};

/// Starts `serve` (stdout a pipe, as under systemd); returns the process,
/// its base URL and the lines it printed before "Ctrl-C to stop".
fn serve(cfg: &std::path::Path, store: &std::path::Path) -> (Child, String, Vec<String>) {
    let mut child = earshot()
        .arg("--config")
        .arg(cfg)
        .arg("--store")
        .arg(store)
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = Vec::new();
    for l in BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
    {
        if l.contains("Ctrl-C to stop") {
            break;
        }
        lines.push(l);
    }
    let base = lines
        .iter()
        .find_map(|l| l.split("dashboard at ").nth(1))
        .unwrap_or_else(|| panic!("no dashboard line in {lines:?}"))
        .trim_end_matches('/')
        .to_string();
    (child, base, lines)
}

fn stop(mut child: Child) {
    let _ = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_survive_a_restart_and_no_link_is_printed_unasked() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    fixture_store(&store);
    let (cfg_text, viewer, _admin) = fixture_config();
    let cfg = dir.path().join("earshot.toml");
    std::fs::write(&cfg, &cfg_text).unwrap();

    let (child, base, printed) = tokio::task::block_in_place(|| serve(&cfg, &store));
    assert!(
        printed.iter().all(|l| !l.contains("/login/once/")),
        "a sign-in link went to a non-terminal stdout with tokens configured: {printed:?}"
    );
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = http
        .post(format!("{base}/login"))
        .form(&[("token", viewer.as_str())])
        .send()
        .await
        .unwrap();
    let cookie = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_string();
    let watches = |base: String, cookie: String| {
        let http = http.clone();
        async move {
            http.get(format!("{base}/api/watches"))
                .header("cookie", cookie)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(watches(base.clone(), cookie.clone()).await, 200);
    tokio::task::block_in_place(|| stop(child));

    // Restarted: the browser is still signed in.
    let (child, base, _) = tokio::task::block_in_place(|| serve(&cfg, &store));
    assert_eq!(
        watches(base.clone(), cookie.clone()).await,
        200,
        "the session did not survive the restart"
    );
    tokio::task::block_in_place(|| stop(child));

    // The viewer token taken out of the config: its sessions end with it.
    let without_viewer = cfg_text.replace("name = \"vera\"", "name = \"vera-old\"");
    std::fs::write(&cfg, without_viewer).unwrap();
    let (child, base, _) = tokio::task::block_in_place(|| serve(&cfg, &store));
    assert_eq!(watches(base.clone(), cookie.clone()).await, 401);
    tokio::task::block_in_place(|| stop(child));

    // Signing out ends it for good.
    std::fs::write(&cfg, &cfg_text).unwrap();
    let (child, base, _) = tokio::task::block_in_place(|| serve(&cfg, &store));
    assert_eq!(watches(base.clone(), cookie.clone()).await, 200);
    let r = http
        .post(format!("{base}/logout"))
        .header("cookie", cookie.clone())
        .header("origin", base.clone())
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
    assert_eq!(watches(base.clone(), cookie.clone()).await, 401);
    tokio::task::block_in_place(|| stop(child));
}

/// `earshot store backup` while `serve` holds the store: the server takes
/// the copy; the backup reads the same as the store.
#[test]
fn store_backup_goes_through_the_running_server() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let n = fixture_store(&store);
    let (cfg_text, _, _) = fixture_config();
    let cfg = dir.path().join("earshot.toml");
    std::fs::write(&cfg, &cfg_text).unwrap();
    let (child, _, _) = serve(&cfg, &store);
    // A relative path: the server's working directory is not ours.
    let out = earshot()
        .current_dir(dir.path())
        .arg("--config")
        .arg(&cfg)
        .arg("--store")
        .arg(&store)
        .args(["store", "backup", "--json", "backup-1"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(m["keys"].as_u64().unwrap() > n as u64, "{m}");
    // A second backup into it: refused by the server as a usage error.
    let again = earshot()
        .current_dir(dir.path())
        .arg("--config")
        .arg(&cfg)
        .arg("--store")
        .arg(&store)
        .args(["store", "backup", "backup-1"])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));
    stop(child);
    let stats = |p: &std::path::Path| -> serde_json::Value {
        let out = earshot()
            .arg("--config")
            .arg(&cfg)
            .arg("--store")
            .arg(p)
            .args(["stats", "--json"])
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let live = stats(&store);
    let copy = stats(&dir.path().join("backup-1"));
    assert_eq!(copy["mentions"], live["mentions"]);
    assert_eq!(copy["watches"], live["watches"]);
    assert_eq!(copy["mentions"].as_u64(), Some(n as u64));
}
