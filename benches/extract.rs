//! Article-extraction benchmark over a development set (a bench binary, not
//! timed tests): decodes every `pages/<id>.html.gz` of the set exactly as the
//! crawler decodes fetched bytes (`earshot::fetch::decode`: BOM, `<meta
//! charset>`, detector), runs `earshot::extract::extract` on it and writes
//! `predictions.jsonl` (`{"id", "articleBody"}`) for the set's `evaluate.py`.
//! Prints documents per second for the decode + extract step (pages are read
//! and gunzipped before the clock starts).
//!
//! Run: `cargo bench --no-default-features --bench extract -- DIR [--out FILE]
//! [--dump FILE] [--threads N] [--repeat N] [--parse-only]`, or `scripts/extract-eval.sh`, which also scores
//! the output and runs trafilatura beside it. The data set is not part of
//! the repository; without it this exits with a message.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

struct Page {
    id: String,
    url: url::Url,
    bytes: Vec<u8>,
}

fn usage() -> ! {
    eprintln!(
        "usage: extract DIR [--out predictions.jsonl] [--dump extractions.jsonl] [--threads N] \
         [--repeat N] [--parse-only]"
    );
    std::process::exit(2);
}

fn load(dir: &Path) -> Vec<Page> {
    let truth = dir.join("ground-truth.jsonl");
    let text = match std::fs::read_to_string(&truth) {
        Ok(t) => t,
        Err(e) => {
            eprintln!(
                "extract bench: cannot read {} ({e}); give the directory of the extraction \
                 development set (ground-truth.jsonl and pages/<id>.html.gz)",
                truth.display()
            );
            std::process::exit(2);
        }
    };
    let mut pages = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                eprintln!("extract bench: bad line in {}: {e}", truth.display());
                std::process::exit(2);
            }
        };
        let Some(id) = v["id"].as_str() else { continue };
        // The page's own URL where the set knows it, else a neutral one.
        let url = v["url"]
            .as_str()
            .and_then(|u| url::Url::parse(u).ok())
            .filter(|u| u.scheme() == "http" || u.scheme() == "https")
            .unwrap_or_else(|| {
                url::Url::parse(&format!("https://example.org/{id}")).expect("static URL")
            });
        let path = dir.join("pages").join(format!("{id}.html.gz"));
        let mut bytes = Vec::new();
        let read = std::fs::File::open(&path)
            .and_then(|f| flate2::read::GzDecoder::new(f).read_to_end(&mut bytes));
        if let Err(e) = read {
            eprintln!("extract bench: skipping {}: {e}", path.display());
            continue;
        }
        pages.push(Page {
            id: id.to_string(),
            url,
            bytes,
        });
    }
    pages
}

/// Decode + extract one page; the post texts joined by blank lines (an
/// article's comments left out). With `parse_only`, decode and build the
/// DOM only (html5ever through scraper, as the extractor does) and return
/// nothing: the floor under the extractor's time.
fn run_one(p: &Page, parse_only: bool) -> String {
    let (text, _enc) = earshot::fetch::decode(&p.bytes, None);
    if parse_only {
        let doc = scraper::Html::parse_document(&text);
        std::hint::black_box(&doc);
        return String::new();
    }
    let fetched = chrono::DateTime::<chrono::Utc>::from_timestamp(1_700_000_000, 0)
        .expect("static timestamp");
    match earshot::extract::extract(&p.url, &text, None, chrono_tz::UTC, fetched) {
        // An article's comments (split off by the generic extractor's
        // repeated blocks, or read by a profile's comment rule) are posts
        // of their own, not the article's main text that the set's
        // references hold; a question's answers are.
        Ok(e) => e
            .posts
            .iter()
            .take(if e.kind == earshot::extract::PageKind::Article {
                1
            } else {
                usize::MAX
            })
            .map(|p| p.text.as_str())
            .collect::<Vec<_>>()
            .join("\n\n"),
        Err(_) => String::new(),
    }
}

/// Runs every page on `threads` threads; returns the texts in page order
/// and the seconds taken.
fn run_all(pages: &[Page], threads: usize, parse_only: bool) -> (Vec<String>, f64) {
    let next = AtomicUsize::new(0);
    let start = Instant::now();
    let mut out: Vec<(usize, String)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(p) = pages.get(i) else { break };
                        mine.push((i, run_one(p, parse_only)));
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker panicked"))
            .collect()
    });
    let secs = start.elapsed().as_secs_f64();
    out.sort_by_key(|(i, _)| *i);
    (out.into_iter().map(|(_, t)| t).collect(), secs)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut dir: Option<PathBuf> = None;
    let mut out: Option<PathBuf> = None;
    let mut dump: Option<PathBuf> = None;
    let mut threads = vec![1usize];
    let mut repeat = 1usize;
    let mut parse_only = false;
    while let Some(a) = args.next() {
        match a.as_str() {
            // cargo bench passes --bench to harness = false binaries.
            "--bench" => {}
            "--parse-only" => parse_only = true,
            "--out" => out = Some(args.next().unwrap_or_else(|| usage()).into()),
            "--dump" => dump = Some(args.next().unwrap_or_else(|| usage()).into()),
            "--threads" => {
                threads = args
                    .next()
                    .unwrap_or_else(|| usage())
                    .split(',')
                    .map(|n| n.parse().unwrap_or_else(|_| usage()))
                    .filter(|&n| n > 0)
                    .collect()
            }
            "--repeat" => {
                repeat = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or_else(|| usage())
            }
            s if s.starts_with("--") => usage(),
            _ => dir = Some(a.into()),
        }
    }
    let dir = dir.unwrap_or_else(|| PathBuf::from("../shared/data/extraction"));
    if !dir.is_dir() {
        eprintln!(
            "extract bench: {} is not a directory; the extraction development set is not \
             part of the repository, give its path as the first argument",
            dir.display()
        );
        std::process::exit(2);
    }
    let pages = load(&dir);
    let mb = pages.iter().map(|p| p.bytes.len()).sum::<usize>() as f64 / 1e6;
    eprintln!("{} pages, {mb:.1} MB of HTML", pages.len());
    let mut texts = Vec::new();
    for &t in &threads {
        let mut best = f64::INFINITY;
        for _ in 0..repeat.max(1) {
            let (x, secs) = run_all(&pages, t, parse_only);
            best = best.min(secs);
            texts = x;
        }
        println!(
            "earshot{} threads={t}: {} docs in {best:.2} s = {:.1} docs/s ({:.1} MB/s)",
            if parse_only {
                " (decode + parse only)"
            } else {
                ""
            },
            pages.len(),
            pages.len() as f64 / best,
            mb / best
        );
    }
    if let Some(out) = out {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&out).unwrap_or_else(|e| {
            eprintln!("extract bench: cannot write {}: {e}", out.display());
            std::process::exit(2);
        }));
        for (p, t) in pages.iter().zip(&texts) {
            let line = serde_json::json!({"id": p.id, "articleBody": t});
            writeln!(f, "{line}").expect("write predictions");
        }
        f.flush().expect("write predictions");
        eprintln!("wrote {}", out.display());
    }
    if let Some(dump) = dump {
        write_dump(&pages, &dump);
    }
}

/// Writes every page's whole extraction (posts with authors, dates and
/// removed text, title, language, links) as one JSON line per page, after
/// the timed runs: diffing two dumps shows any change in what the
/// extractor returns, not only in the scored text.
fn write_dump(pages: &[Page], path: &Path) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap_or_else(|e| {
        eprintln!("extract bench: cannot write {}: {e}", path.display());
        std::process::exit(2);
    }));
    let fetched = chrono::DateTime::<chrono::Utc>::from_timestamp(1_700_000_000, 0)
        .expect("static timestamp");
    for p in pages {
        let (text, _enc) = earshot::fetch::decode(&p.bytes, None);
        let v = match earshot::extract::extract(&p.url, &text, None, chrono_tz::UTC, fetched) {
            Ok(e) => serde_json::json!({"id": p.id, "extracted": e}),
            Err(e) => serde_json::json!({"id": p.id, "error": e.to_string()}),
        };
        writeln!(f, "{v}").expect("write dump");
    }
    f.flush().expect("write dump");
    eprintln!("wrote {}", path.display());
}
