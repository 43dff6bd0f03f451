//! A test HTTP server on 127.0.0.1 that records when each request arrives
//! (server-side timestamps) and answers as the test says: full responses,
//! bodies dripped a byte at a time, endless bodies.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Hit {
    /// When the request arrived (server side).
    pub at: Instant,
    /// Path and query.
    pub path: String,
    /// The request line and headers.
    pub head: String,
}

/// How to answer.
pub enum Reply {
    /// A whole raw response.
    Raw(Vec<u8>),
    /// Headers, then `total` body bytes one every `every`.
    Drip {
        head: Vec<u8>,
        every: Duration,
        total: usize,
    },
    /// Headers, then body bytes until the client gives up.
    Endless { head: Vec<u8> },
}

pub type Handler = Arc<dyn Fn(&str, &str, usize) -> Reply + Send + Sync>;

pub struct TestServer {
    pub base: String,
    pub port: u16,
    pub hits: Arc<Mutex<Vec<Hit>>>,
}

impl TestServer {
    pub fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }
    pub fn hits_for(&self, path: &str) -> Vec<Hit> {
        self.hits().into_iter().filter(|h| h.path == path).collect()
    }
}

/// `status` with `headers` (each ending in \r\n) and `body`.
pub fn resp(status: &str, headers: &str, body: &[u8]) -> Reply {
    let mut r = format!(
        "HTTP/1.1 {status}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    Reply::Raw(r)
}

pub fn html(body: &str) -> Reply {
    resp(
        "200 OK",
        "Content-Type: text/html; charset=utf-8\r\n",
        body.as_bytes(),
    )
}

pub fn not_found() -> Reply {
    resp(
        "404 Not Found",
        "Content-Type: text/plain\r\n",
        b"not found",
    )
}

/// Starts a server calling `handler(path, request head, nth hit of path)`.
pub async fn start(handler: Handler) -> TestServer {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let hits: Arc<Mutex<Vec<Hit>>> = Arc::default();
    let h2 = hits.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = l.accept().await else {
                return;
            };
            let hits = h2.clone();
            let handler = handler.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let at = Instant::now();
                let head = String::from_utf8_lossy(&buf).into_owned();
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                let nth = {
                    let mut h = hits.lock().unwrap();
                    let n = h.iter().filter(|x| x.path == path).count();
                    h.push(Hit {
                        at,
                        path: path.clone(),
                        head: head.clone(),
                    });
                    n
                };
                match handler(&path, &head, nth) {
                    Reply::Raw(bytes) => {
                        let _ = s.write_all(&bytes).await;
                    }
                    Reply::Drip { head, every, total } => {
                        if s.write_all(&head).await.is_err() {
                            return;
                        }
                        for _ in 0..total {
                            tokio::time::sleep(every).await;
                            if s.write_all(b"x").await.is_err() {
                                return;
                            }
                        }
                    }
                    Reply::Endless { head } => {
                        if s.write_all(&head).await.is_err() {
                            return;
                        }
                        let block = vec![b'a'; 64 * 1024];
                        while s.write_all(&block).await.is_ok() {}
                    }
                }
                let _ = s.shutdown().await;
            });
        }
    });
    TestServer {
        base: format!("http://127.0.0.1:{port}"),
        port,
        hits,
    }
}
