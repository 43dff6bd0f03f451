//! Small things a first day trips over: an unreachable host is one
//! connection error, not a robots refusal reported once per page.

use crate::util::{earshot, text};

#[test]
fn an_unreachable_host_is_one_connection_error_not_robots() {
    // A port nobody listens on: connection refused.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("earshot.toml");
    std::fs::write(
        &cfg,
        format!(
            "[store]\npath = \"{}\"\n[crawl]\nuser_agent = \"earshot-test (+https://github.com/earshot-dev/earshot)\"\nmax_retries = 0\n[sentiment]\nenabled = false\n[[watch]]\nname = \"Lumio\"\n[[source]]\nname = \"gone\"\nallow_private = true\nstart_urls = [\"http://127.0.0.1:{port}/a\", \"http://127.0.0.1:{port}/b\", \"http://127.0.0.1:{port}/c\"]\n",
            dir.path().join("store").display()
        ),
    )
    .unwrap();
    let out = earshot()
        .arg("--config")
        .arg(&cfg)
        .arg("crawl")
        .output()
        .unwrap();
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(
        all.matches("cannot be reached").count(),
        1,
        "one line for the host, not one per page or per log: {all}"
    );
    assert!(all.contains("(3 pages)"), "{all}");
    assert!(all.contains("3 failed"), "{all}");
    assert!(all.contains("0 robots refusals"), "{all}");
    assert!(all.contains("errors: connect 3"), "{all}");
    assert!(!all.contains("requests ()"), "{all}");
    assert!(!all.to_lowercase().contains("disallowed"), "{all}");
}
