//! A review's star rating, read from the page by the crawl, stored with
//! its mention and shown in every view: `mentions` (text and JSON), the CSV
//! and XLSX exports, the HTML and PDF reports' example mentions, and, after
//! `earshot rematch` gives a new watch the stored posts, the new watch's
//! mentions, `/api/mentions` and the dashboard's list.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use calamine::{open_workbook, Data, Reader, Xlsx};
use earshot_test_utils::server::{html, not_found};
use serde_json::Value;

use crate::dashboard::{client, start};
use crate::util::{cli, text};

/// The review page of `tests/fixtures/extract/` (schema.org Reviews in
/// JSON-LD, rated 5, 2 and 4 of 5).
const PAGE: &str = "/products/xingzhou-s3/";

/// The config: one review source, the watch `Xingzhou`, and `extra`
/// (more watches, the dashboard's tokens).
fn write_config(dir: &Path, base: &str, extra: &str) -> PathBuf {
    let path = dir.join("earshot.toml");
    std::fs::write(
        &path,
        format!(
            r#"
[store]
path = "{store}"

[crawl]
user_agent = "earshot-test (+https://github.com/earshot-dev/earshot)"
rate_per_host = 20.0

[sentiment]
enabled = false

[[source]]
name = "soundcheckr"
start_urls = ["{base}{PAGE}"]
allow_private = true
timezone = "UTC"

[[watch]]
name = "Xingzhou"
query = "Xingzhou OR earbud OR earbuds OR sound"
{extra}
"#,
            store = dir.join("store").display()
        ),
    )
    .unwrap();
    path
}

/// `earshot report` for the reviews' month into `out`.
fn report(cfg: &Path, format: &str, out: &Path) {
    cli(
        cfg,
        &[
            "report",
            "--watch",
            "Xingzhou",
            "--from",
            "2026-11-01T00:00:00Z",
            "--to",
            "2026-12-01T00:00:00Z",
            "--format",
            format,
            "--out",
            out.to_str().unwrap(),
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn review_ratings_reach_mentions_csv_xlsx_and_the_report() {
    let page = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/extract/review-jsonld.html"),
    )
    .unwrap();
    let srv = earshot_test_utils::server::start(Arc::new(move |path, _, _| {
        if path == PAGE {
            html(&page)
        } else {
            not_found()
        }
    }))
    .await;
    let base = srv.base.clone();
    tokio::task::spawn_blocking(move || {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let cfg = write_config(dir, &base, "");
        let out = cli(&cfg, &["crawl"]);
        assert!(out.contains("Xingzhou: 3 new"), "{out}");

        // What the page says, by author: (rating, best).
        let want: BTreeMap<&str, (f64, f64)> = [
            ("Hannah Oduya", (5.0, 5.0)),
            ("Luis Ferreira", (2.0, 5.0)),
            ("Kenji Watanabe", (4.0, 5.0)),
        ]
        .into();

        // mentions --json and text.
        let listed: Vec<Value> = cli(&cfg, &["mentions", "--json"])
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(listed.len(), 3, "{listed:?}");
        for m in &listed {
            let author = m["author"].as_str().unwrap();
            let r = &m["rating"];
            assert_eq!(
                (r["value"].as_f64(), r["best"].as_f64()),
                (Some(want[author].0), Some(want[author].1)),
                "{m}"
            );
        }
        let plain = cli(&cfg, &["mentions"]);
        for line in [
            "Luis Ferreira  [unscored]  ★ 2/5",
            "Hannah Oduya  [unscored]  ★ 5/5",
        ] {
            assert!(plain.contains(line), "{line}: {plain}");
        }

        // CSV: `rating` and `best_rating` columns.
        let csv_path = dir.join("r.csv");
        report(&cfg, "csv", &csv_path);
        let bytes = std::fs::read(&csv_path).unwrap();
        let mut r = csv::Reader::from_reader(bytes.strip_prefix("\u{feff}".as_bytes()).unwrap());
        let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
        let col = |name: &str| header.iter().position(|h| h == name).unwrap();
        let (author, rating, best) = (col("author"), col("rating"), col("best_rating"));
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 3);
        for row in &rows {
            let (v, b) = want[&row[author]];
            assert_eq!(
                (&row[rating], &row[best]),
                (&*v.to_string(), &*b.to_string())
            );
        }

        // XLSX: numbers in "Rating" and "Best rating".
        let xlsx_path = dir.join("r.xlsx");
        report(&cfg, "xlsx", &xlsx_path);
        let mut wb: Xlsx<_> = open_workbook(&xlsx_path).unwrap();
        let sheet = wb.worksheet_range("Mentions").unwrap();
        let head: Vec<String> = (0..sheet.width())
            .map(|c| sheet.get((0, c)).unwrap().to_string())
            .collect();
        let col = |name: &str| head.iter().position(|h| h == name).unwrap();
        let (author, rating, best) = (col("Author"), col("Rating"), col("Best rating"));
        let mut seen = 0;
        for r in 1..sheet.height() {
            let who = sheet.get((r, author)).unwrap().to_string();
            let (v, b) = want[who.as_str()];
            assert_eq!(sheet.get((r, rating)), Some(&Data::Float(v)), "{who}");
            assert_eq!(sheet.get((r, best)), Some(&Data::Float(b)), "{who}");
            seen += 1;
        }
        assert_eq!(seen, 3);

        // The HTML report's example mentions show the stars.
        let html_path = dir.join("r.html");
        report(&cfg, "html", &html_path);
        let page = std::fs::read_to_string(&html_path).unwrap();
        for stars in ["★ 5/5", "★ 2/5", "★ 4/5"] {
            assert!(page.contains(stars), "{stars} missing from the report");
        }

        // The PDF report's example mentions too (its text, by poppler).
        let pdf_path = dir.join("r.pdf");
        report(&cfg, "pdf", &pdf_path);
        let out = std::process::Command::new("/usr/bin/pdftotext")
            .arg(&pdf_path)
            .arg("-")
            .output()
            .expect("pdftotext (poppler-utils, installed by `make test`)");
        let pdf = text(&out.stdout);
        for stars in ["★ 5/5", "★ 2/5", "★ 4/5"] {
            assert!(pdf.contains(stars), "{stars} missing from the PDF: {pdf}");
        }

        // A watch added after the crawl: `rematch` gives it the stored
        // posts, ratings included (Hannah's and Kenji's reviews name the
        // battery or the app; Luis's neither).
        let viewer = earshot_cli::serve::new_token();
        let serve = format!(
            "\n[[watch]]\nname = \"Battery\"\nquery = \"battery OR app\"\n\n[serve]\nbind = \"127.0.0.1:0\"\n\n[[serve.tokens]]\nname = \"vera\"\nrole = \"viewer\"\nsha256 = \"{}\"\n",
            earshot_cli::serve::hash_token(&viewer)
        );
        let cfg = write_config(dir, &base, &serve);
        cli(&cfg, &["rematch"]);
        let battery: BTreeMap<String, Value> = cli(&cfg, &["mentions", "--watch", "Battery", "--json"])
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .map(|m| (m["author"].as_str().unwrap().to_string(), m["rating"].clone()))
            .collect();
        assert_eq!(
            battery.keys().map(String::as_str).collect::<Vec<_>>(),
            ["Hannah Oduya", "Kenji Watanabe"],
            "{battery:?}"
        );
        for (author, r) in &battery {
            assert_eq!(r["value"].as_f64(), Some(want[author.as_str()].0), "{author}");
        }

        // The dashboard: /api/mentions and the page's list.
        let served = start(
            tempfile::tempdir().unwrap(),
            &cfg,
            &dir.join("store"),
            viewer.clone(),
            String::new(),
            5,
        );
        let b = served.base.clone();
        tokio::runtime::Handle::current().block_on(async {
            let c = client();
            let from = "from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z";
            let v = crate::dashboard::get_json(
                &c,
                &format!("{b}/api/mentions?watch=Xingzhou&{from}"),
                &viewer,
            )
            .await;
            let api = v["mentions"].as_array().unwrap();
            assert_eq!(api.len(), 3, "{v}");
            for m in api {
                let author = m["author"].as_str().unwrap();
                assert_eq!(
                    (m["rating"]["value"].as_f64(), m["rating"]["best"].as_f64()),
                    (Some(want[author].0), Some(want[author].1)),
                    "{m}"
                );
            }
            let page = c
                .get(format!("{b}/?watch=Xingzhou&{from}"))
                .bearer_auth(&viewer)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            for stars in ["★ 5/5", "★ 2/5", "★ 4/5"] {
                assert!(page.contains(stars), "{stars} missing from the dashboard");
            }
        });
        drop(served);
    })
    .await
    .unwrap();
}
