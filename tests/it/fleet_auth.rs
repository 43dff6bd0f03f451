//! The fleet behind a NATS server that lets in only nkey users: the test
//! makes a user's key pair (the `nkeys` library async-nats signs with),
//! writes the server's `authorization` block, and crawls with a worker and
//! a coordinator whose `[fleet] nkey = "${EARSHOT_TEST_NATS_NKEY}"`. A
//! seed the server does not know, a string that is no seed, and no
//! credentials at all each stop the worker and the coordinator at once,
//! with exit code 2 and a message that says what, where and how to fix.

use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use earshot_test_utils::server::start;

use crate::fleet::{check, config, finish, free_port, nats_server_with, site, Proc, PAGES};

const VAR: &str = "EARSHOT_TEST_NATS_NKEY";

fn earshot(cfg: &Path, seed: Option<&str>, args: &[&str]) -> Child {
    let mut cmd = crate::util::earshot();
    cmd.arg("--config").arg(cfg).args(args);
    match seed {
        Some(s) => cmd.env(VAR, s),
        None => cmd.env_remove(VAR),
    };
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits (at most 20 s: a refusal must not hang) for `child` to exit and
/// returns its exit code and stderr.
pub(crate) fn refused(child: Child) -> (Option<i32>, String) {
    let mut p = Proc(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = p.0.try_wait().unwrap() {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "still running after 20 s: a hang"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(p.0.stderr.as_mut().unwrap(), &mut err).unwrap();
    (status.code(), err)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_nkey_user_crawls_and_a_wrong_seed_is_refused_clearly() {
    let a = start(site("alpha", false)).await;
    let dir = tempfile::tempdir().unwrap();
    let user = nkeys::KeyPair::new_user();
    let seed = user.seed().unwrap();
    std::fs::write(
        dir.path().join("auth.conf"),
        format!(
            "authorization {{\n  users = [\n    {{ nkey: \"{}\" }}\n  ]\n}}\n",
            user.public_key()
        ),
    )
    .unwrap();
    let port = free_port();
    let conf = dir.path().join("auth.conf");
    let _nats = nats_server_with(
        &dir.path().join("nats"),
        port,
        &["-c", conf.to_str().unwrap()],
    );
    let url = format!("nats://127.0.0.1:{port}");
    let cfg = config(dir.path(), &[&a], &format!("nkey = \"${{{VAR}}}\"\n"));
    let worker_args = ["worker", "--fleet", url.as_str()];
    let crawl_args = ["crawl", "--json", "--fleet", url.as_str()];

    // Someone the server does not know: refused at once, both roles.
    let stranger = nkeys::KeyPair::new_user();
    for args in [&worker_args[..], &crawl_args[..]] {
        let (code, err) = refused(earshot(&cfg, Some(&stranger.seed().unwrap()), args));
        assert_eq!(code, Some(2), "{args:?}: {err}");
        for want in [
            format!("NATS at {url} refused"),
            format!("nkey user {}", stranger.public_key()),
            "authorization".to_string(),
            "[fleet] nkey".to_string(),
        ] {
            assert!(err.contains(&want), "{args:?}: `{want}` not in: {err}");
        }
        assert!(
            !err.contains(&stranger.seed().unwrap()),
            "the seed is a secret: {err}"
        );
    }
    // Not a seed at all: said before connecting.
    let (code, err) = refused(earshot(&cfg, Some("SUNOTASEED"), &worker_args));
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("not an nkey seed") && err.contains("starting with `SU`"),
        "{err}"
    );
    // The variable unset: the config check names it.
    let (code, err) = refused(earshot(&cfg, None, &worker_args));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains(VAR), "{err}");
    assert!(
        a.hits().is_empty(),
        "nothing was fetched by a refused worker"
    );

    // The user the server lists: the crawl works.
    let worker = Proc(earshot(&cfg, Some(&seed), &worker_args));
    let coord = earshot(&cfg, Some(&seed), &crawl_args);
    let summary = tokio::task::spawn_blocking(move || finish(coord))
        .await
        .unwrap();
    drop(worker);
    assert_eq!(summary["mentions_new"], PAGES as u64, "{summary}");
    assert_eq!(summary["pages_failed"], 0, "{summary}");
    check(dir.path(), &[&a]);
}
