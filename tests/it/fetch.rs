//! Fetching over real HTTP on 127.0.0.1: charsets, size limits, content
//! types, redirect loops.

use std::time::Duration;

use earshot::config::CrawlConfig;
use earshot::fetch::{FetchError, Fetcher};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A server answering every connection with `respond(path)`.
async fn serve(respond: fn(&str) -> Vec<u8>) -> String {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = l.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let n = s.read(&mut buf).await.unwrap_or(0);
                let req = String::from_utf8_lossy(&buf[..n]).into_owned();
                let path = req.split_whitespace().nth(1).unwrap_or("/").to_string();
                let _ = s.write_all(&respond(&path)).await;
                let _ = s.shutdown().await;
            });
        }
    });
    format!("http://{addr}")
}

fn response(headers: &str, body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "HTTP/1.1 200 OK\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

fn crawl() -> CrawlConfig {
    CrawlConfig {
        rate_per_host: 1000.0,
        request_timeout: Duration::from_secs(5),
        max_body_bytes: 64 * 1024,
        ..Default::default()
    }
}

#[tokio::test]
async fn pages_in_gbk_big5_and_mislabelled_charsets_decode() {
    let base = serve(|path| match path {
        "/gbk" => {
            let body = encoding_rs::GBK.encode("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gbk\"></head><body>云雀手机 发表于 2026-11-20</body></html>").0.into_owned();
            response("Content-Type: text/html\r\n", &body)
        }
        "/big5" => {
            let body = encoding_rs::BIG5.encode("<html><head><meta charset=big5></head><body>雲雀手機的電池問題</body></html>").0.into_owned();
            response("Content-Type: text/html\r\n", &body)
        }
        // Says ISO-8859-1 in a meta tag, but the server's header is right.
        _ => {
            let body = encoding_rs::GBK.encode("<html><head><meta charset=iso-8859-1></head><body>电池鼓包</body></html>").0.into_owned();
            response("Content-Type: text/html; charset=GB2312\r\n", &body)
        }
    })
    .await;
    let f = Fetcher::new(&crawl()).unwrap();
    let p = f
        .fetch(&format!("{base}/gbk").parse().unwrap(), 1000.0)
        .await
        .unwrap();
    assert_eq!(p.charset, "GBK");
    assert!(p.text.contains("云雀手机 发表于 2026-11-20"));
    let p = f
        .fetch(&format!("{base}/big5").parse().unwrap(), 1000.0)
        .await
        .unwrap();
    assert_eq!(p.charset, "Big5");
    assert!(p.text.contains("雲雀手機的電池問題"));
    let p = f
        .fetch(&format!("{base}/mislabelled").parse().unwrap(), 1000.0)
        .await
        .unwrap();
    assert!(p.text.contains("电池鼓包"), "{}", p.text);
}

#[tokio::test]
async fn oversized_and_binary_bodies_are_refused() {
    let base = serve(|path| match path {
        "/huge" => response("Content-Type: text/html\r\n", &vec![b'a'; 200 * 1024]),
        _ => response("Content-Type: application/zip\r\n", b"PK\x03\x04"),
    })
    .await;
    let f = Fetcher::new(&crawl()).unwrap();
    let e = f
        .fetch(&format!("{base}/huge").parse().unwrap(), 1000.0)
        .await
        .unwrap_err();
    assert!(
        matches!(e, FetchError::TooLarge { limit: 65536, .. }),
        "{e}"
    );
    let e = f
        .fetch(&format!("{base}/zip").parse().unwrap(), 1000.0)
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::ContentType { .. }), "{e}");
    assert!(e.to_string().contains("application/zip"));
}

#[tokio::test]
async fn redirect_loops_end_with_an_error() {
    let base = serve(|path| {
        let next = if path == "/a" { "/b" } else { "/a" };
        format!("HTTP/1.1 302 Found\r\nLocation: {next}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").into_bytes()
    })
    .await;
    let f = Fetcher::new(&crawl()).unwrap();
    let e = f
        .fetch(&format!("{base}/a").parse().unwrap(), 1000.0)
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            FetchError::Transport {
                kind: "redirect",
                ..
            }
        ),
        "{e}"
    );
}
