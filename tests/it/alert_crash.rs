//! Delivery is at least once (#27 item 14): `earshot run` killed with
//! SIGKILL after the receiver got the request but before the outbox marked
//! it delivered sends it again after the restart, with the same
//! `Idempotency-Key`, so a receiver can recognise the duplicate.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use earshot::store::Store;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::alert::{burst_mentions, config, now};
use crate::util::earshot;

/// A webhook receiver that reports each request's head (to `tx`) and
/// holds the response until `answer` is set; then it answers 200.
async fn holding_receiver(tx: std::sync::mpsc::Sender<String>, answer: Arc<AtomicBool>) -> u16 {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = l.accept().await else {
                return;
            };
            let (tx, answer) = (tx.clone(), answer.clone());
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                // The head, then the body by its Content-Length.
                let (head, want) = loop {
                    match s.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                    if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
                        let len: usize = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse().ok())
                            .unwrap_or(0);
                        break (head, end + 4 + len);
                    }
                };
                while buf.len() < want {
                    match s.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                if answer.load(Ordering::SeqCst) {
                    let _ = s
                        .write_all(
                            b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                        )
                        .await;
                    let _ = s.flush().await;
                    let _ = tx.send(head);
                } else {
                    // Got it; the answer never comes (the sender dies).
                    let _ = tx.send(head);
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                }
            });
        }
    });
    port
}

fn idempotency_key(head: &str) -> String {
    head.lines()
        .find_map(|l| l.strip_prefix("idempotency-key:"))
        .map(|v| v.trim().to_string())
        .unwrap_or_default()
}

#[test]
fn a_crash_between_send_and_mark_delivered_sends_again_with_the_same_key() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let answer = Arc::new(AtomicBool::new(false));
    let port = rt.block_on(holding_receiver(tx, answer.clone()));
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let channel = format!(
        "[[channel]]\nname = \"hook\"\nkind = \"webhook\"\nurl = \"http://127.0.0.1:{port}/x\"\nsecret = \"s\"\n"
    );
    // An alert whose notification is queued, not yet sent.
    {
        let store = Store::open(&db).unwrap();
        store.put_mentions(&burst_mentions(), None).unwrap();
        let cfg = config(&channel);
        let e = earshot::alert::evaluate(&store, &cfg.alert, &cfg.watches, &cfg.channels, now())
            .unwrap();
        assert_eq!(e[0].queued, 1, "{e:?}");
        store.flush().unwrap();
    }
    let cfg_path = dir.path().join("earshot.toml");
    std::fs::write(
        &cfg_path,
        format!(
            "[alert]\nretry_base = \"100ms\"\nretry_max = \"300ms\"\nmax_age = \"3650d\"\n[alert.detect]\nthreshold = 5\n[sentiment]\nenabled = false\n[[watch]]\nname = \"云雀\"\n{channel}"
        ),
    )
    .unwrap();
    let run = || {
        earshot()
            .arg("--config")
            .arg(&cfg_path)
            .arg("--store")
            .arg(&db)
            .arg("run")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };

    // The receiver has the request; the process dies before the answer.
    let mut child = run();
    let first = rx.recv_timeout(Duration::from_secs(120)).unwrap();
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    {
        let store = Store::open_existing(&db).unwrap();
        let pending = store.outbox_pending().unwrap();
        assert_eq!(pending.len(), 1, "not marked delivered: {pending:?}");
    }

    // Restarted: sent again, with the same key; answered, marked.
    answer.store(true, Ordering::SeqCst);
    let mut child = run();
    let second = rx.recv_timeout(Duration::from_secs(120)).unwrap();
    let key = idempotency_key(&first);
    assert!(!key.is_empty(), "{first}");
    assert_eq!(idempotency_key(&second), key, "{second}");
    // Stopping lets the delivery in progress finish and be stored.
    std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(child.wait().unwrap().success());
    let store = Store::open_existing(&db).unwrap();
    assert!(store.outbox_pending().unwrap().is_empty());
    let all = store.outbox_all().unwrap();
    assert_eq!(all.len(), 1);
    assert!(all[0].delivered_at.is_some(), "{all:?}");
    assert!(
        rx.try_recv().is_err(),
        "no third request: delivered once it was acknowledged"
    );
}
