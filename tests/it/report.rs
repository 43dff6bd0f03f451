//! `earshot report`: the real binary writes each format from a fixture
//! store; the files are opened again (CSV parsed, XLSX read back with
//! calamine, HTML and JSON inspected) and checked.

use std::path::{Path, PathBuf};

use calamine::{open_workbook, Data, Reader, Xlsx};

use crate::util::{
    earshot, fixture_store, text, CHINESE_TITLE, FORMULA_TITLE, JS_URL, XSS_TEXT, XSS_TITLE,
};

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    store: PathBuf,
    mentions: usize,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let store = root.join("store");
    let mentions = fixture_store(&store);
    Fixture {
        _dir: dir,
        root,
        store,
        mentions,
    }
}

fn report(f: &Fixture, args: &[&str]) -> std::process::Output {
    earshot()
        .current_dir(&f.root)
        .arg("--store")
        .arg(&f.store)
        .arg("report")
        .args(args)
        .output()
        .unwrap()
}

fn written(f: &Fixture, ext: &str) -> PathBuf {
    let dir = f.root.join("reports");
    let found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some(ext))
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    found[0].clone()
}

fn all_formats(f: &Fixture) {
    let out = report(
        f,
        &[
            "--watch", "云雀", "--watch", "Lumio", "--from", "30d", "--format", "csv", "--format",
            "xlsx", "--format", "html", "--format", "json",
        ],
    );
    assert!(
        out.status.success(),
        "stdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert_eq!(text(&out.stdout).matches("wrote reports/").count(), 4);
}

#[test]
fn csv_has_a_bom_one_row_per_mention_and_no_formulas() {
    let f = fixture();
    all_formats(&f);
    let path = written(&f, "csv");
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    assert!(
        name.starts_with("mentions_云雀+Lumio_") && name.ends_with(".csv"),
        "{name}"
    );
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 BOM for Excel");
    let mut r = csv::Reader::from_reader(&bytes[3..]);
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "time",
            "watch",
            "site",
            "author",
            "title",
            "excerpt",
            "sentiment",
            "score",
            "rating",
            "best_rating",
            "cluster_id",
            "cluster_size",
            "spam",
            "url",
            "id"
        ]
    );
    let rows: Vec<csv::StringRecord> = r.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), f.mentions, "one row per mention, spam included");
    // Nothing a spreadsheet would evaluate.
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            if header[i] == "score" {
                continue;
            }
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "column {} holds a formula: {cell:?}",
                header[i]
            );
        }
    }
    let formula = rows.iter().find(|r| r[4].contains("HYPERLINK")).unwrap();
    assert_eq!(&formula[4], format!("'{FORMULA_TITLE}"));
    assert_eq!(&formula[3], "'@SUM(A1:A9)");
    assert!(formula[5].starts_with("'+1 555"));
    // Chinese, sentiment and clusters.
    let story: Vec<_> = rows.iter().filter(|r| &r[4] == CHINESE_TITLE).collect();
    assert_eq!(story.len(), 3);
    assert!(story
        .iter()
        .all(|r| &r[6] == "negative" && &r[7] == "-0.900" && &r[11] == "3"));
    // Scores stay numbers even when negative.
    assert!(rows.iter().any(|r| r[7].starts_with('-')));
}

#[test]
fn xlsx_reads_back_with_sheets_filters_and_charts() {
    let f = fixture();
    all_formats(&f);
    let path = written(&f, "xlsx");
    let bytes = std::fs::read(&path).unwrap();
    // Native charts are parts of the package.
    let has = |part: &str| bytes.windows(part.len()).any(|w| w == part.as_bytes());
    assert!(has("xl/charts/chart1.xml"), "no chart in the workbook");
    assert!(has("xl/charts/chart2.xml"), "no share-of-voice chart");

    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(
        wb.sheet_names(),
        vec!["Mentions", "Daily", "Watches", "Alerts"]
    );
    let mentions = wb.worksheet_range("Mentions").unwrap();
    assert_eq!(mentions.height(), f.mentions + 1);
    assert_eq!(
        mentions.get((0, 0)),
        Some(&Data::String("Time (UTC)".into()))
    );
    let titles: Vec<String> = (1..mentions.height())
        .map(|r| {
            mentions
                .get((r, 4))
                .map(|d| d.to_string())
                .unwrap_or_default()
        })
        .collect();
    assert!(titles.iter().any(|t| t == CHINESE_TITLE));
    assert!(titles.iter().any(|t| t == XSS_TITLE));
    // The formula-looking title is a plain string, not a formula.
    assert!(titles.iter().any(|t| t == FORMULA_TITLE));
    let formulas = wb.worksheet_formula("Mentions").unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no cell may be a formula"
    );
    // Times are real dates, scores numbers.
    assert!(matches!(mentions.get((1, 0)), Some(Data::DateTime(_))));
    assert!((1..mentions.height())
        .any(|r| matches!(mentions.get((r, 7)), Some(Data::Float(v)) if *v < 0.0)));

    let daily = wb.worksheet_range("Daily").unwrap();
    assert_eq!(
        daily.get((0, 6)),
        Some(&Data::String("Negative share".into()))
    );
    let mut total = 0.0;
    let mut spam = 0.0;
    for r in 1..daily.height() {
        if let Some(Data::Float(v)) = daily.get((r, 5)) {
            total += v;
        }
        if let Some(Data::Float(v)) = daily.get((r, 7)) {
            spam += v;
        }
    }
    // The story syndicated on three sites counts once (one timeline).
    assert_eq!(total + spam, f.mentions as f64 - 2.0, "daily totals add up");
    assert!(spam >= 2.0);

    let watches = wb.worksheet_range("Watches").unwrap();
    let names: Vec<String> = (1..watches.height())
        .map(|r| watches.get((r, 0)).unwrap().to_string())
        .collect();
    assert_eq!(names, ["Lumio", "云雀"]);

    let alerts = wb.worksheet_range("Alerts").unwrap();
    assert_eq!(alerts.height(), 2);
    assert_eq!(alerts.get((1, 3)), Some(&Data::String("high".into())));
}

#[test]
fn html_is_self_contained_escaped_and_printable() {
    let f = fixture();
    all_formats(&f);
    let html = std::fs::read_to_string(written(&f, "html")).unwrap();
    // Self-contained: no scripts, no external resources.
    assert!(!html.to_lowercase().contains("<script"), "a script tag");
    assert!(!html.contains("<link"), "an external stylesheet");
    assert!(!html.contains(" src=\""), "an external resource");
    assert!(!html.contains("url("), "a CSS resource");
    assert!(html.contains("Content-Security-Policy"));
    assert!(html.contains("@media print"));
    // Charts drawn as SVG: the timeline, share of voice and top sites.
    assert!(html.matches("<svg").count() >= 3);
    // The sections a PR lead looks for.
    for id in [
        "timeline",
        "share-of-voice",
        "top-sites",
        "top-negative",
        "alerts",
        "examples",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "no #{id}");
    }
    // Hostile text shows as text.
    assert!(html.contains("&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;"));
    assert!(!html.contains("<img src=x"));
    assert!(!html.contains("<svg onload"));
    assert!(!html.contains("href=\"javascript:"), "javascript: link");
    assert!(!html.contains(JS_URL) || html.contains(&format!("title=\"{JS_URL}\"")));
    assert!(html.contains("evil&lt;b&gt;site&lt;/b&gt;"));
    assert!(html.contains("&lt;b&gt;not bold&lt;/b&gt;"));
    // The syndicated story is one line with its three sites.
    let neg = &html[html.find("id=\"top-negative\"").unwrap()..];
    let neg = &neg[..neg.find("</section>").unwrap()];
    assert_eq!(
        neg.matches(&format!(">{CHINESE_TITLE}</a>")).count(),
        1,
        "{neg}"
    );
    assert!(neg.contains("数码周刊") && neg.contains("今日数码") && neg.contains("手机之家"));
    let _ = XSS_TEXT;
}

#[test]
fn json_report_and_out_path() {
    let f = fixture();
    let out_path = f.root.join("custom").join("r.json");
    let out = report(
        &f,
        &[
            "--watch",
            "云雀",
            "--from",
            "30d",
            "--format",
            "json",
            "--out",
            out_path.to_str().unwrap(),
            "--json",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["files"][0]["path"], out_path.to_str().unwrap());
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out_path).unwrap()).unwrap();
    let rows = v["rows"].as_array().unwrap();
    assert!(rows.len() > 50);
    assert!(rows
        .iter()
        .all(|r| r["report_watches"] == serde_json::json!(["云雀"])));
    assert_eq!(v["alerts"].as_array().unwrap().len(), 1);
    assert_eq!(v["top_negative"][0]["mentions"], 3);
}

#[test]
fn report_errors_say_what_to_do() {
    let f = fixture();
    let out = report(&f, &["--watch", "云雀", "--format", "docx"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("use csv, xlsx, html, pdf or json"));
    let out = report(&f, &["--watch", "云雀", "--language", "fr"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("use en or zh-CN"));
    let out = report(&f, &["--watch", "云雀", "--from", "1d", "--to", "2d"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("period is empty"));
    let out = earshot()
        .current_dir(&f.root)
        .args(["--store", "nowhere", "report", "--watch", "云雀"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains("no mention store"));
    let _ = Path::new("");
}

#[test]
fn earshot_run_writes_scheduled_reports_and_serves_the_dashboard() {
    use std::io::{BufRead, BufReader};
    let f = fixture();
    let out_dir = f.root.join("weekly");
    let cfg = f.root.join("earshot.toml");
    std::fs::write(
        &cfg,
        format!(
            "[[watch]]\nname = \"云雀\"\n\n[[report]]\nname = \"weekly\"\nwatches = [\"云雀\"]\nperiod = \"7d\"\nformat = [\"html\", \"xlsx\"]\nschedule = \"every 1d\"\nout_dir = {:?}\n\n[serve]\nbind = \"127.0.0.1:0\"\n",
            out_dir.display().to_string()
        ),
    )
    .unwrap();
    let check = earshot()
        .args(["config", "check"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", text(&check.stderr));
    let mut child = earshot()
        .current_dir(&f.root)
        .arg("--config")
        .arg(&cfg)
        .arg("--store")
        .arg(&f.store)
        .args(["run", "--serve", "--login-link"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut wrote = Vec::new();
    let mut dashboard = None;
    while wrote.len() < 2 || dashboard.is_none() {
        match lines.next() {
            Some(Ok(l)) if l.starts_with("report weekly: wrote ") => wrote.push(l),
            Some(Ok(l)) if l.contains("sign in once with this link") => dashboard = Some(l),
            Some(Ok(_)) => {}
            _ => break,
        }
    }
    // The dashboard shares the daemon's store.
    let line = dashboard.expect("no dashboard line");
    let link = line.rsplit(' ').next().unwrap().to_string();
    let status = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let c = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap();
            let r = c.get(&link).send().await.unwrap();
            let cookie = r.headers()["set-cookie"]
                .to_str()
                .unwrap()
                .split(';')
                .next()
                .unwrap()
                .to_string();
            let base = link.split("/login").next().unwrap().to_string();
            let r = c
                .get(format!("{base}/api/watches"))
                .header("cookie", cookie)
                .send()
                .await
                .unwrap();
            r.status()
        });
    assert_eq!(status, reqwest::StatusCode::OK);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(wrote.len(), 2, "{wrote:?}");
    let files: Vec<_> = std::fs::read_dir(&out_dir).unwrap().collect();
    assert_eq!(files.len(), 2);

    // Config errors in [[report]] point at the key.
    std::fs::write(
        &cfg,
        "[[watch]]\nname = \"云雀\"\n\n[[report]]\nname = \"w\"\nwatches = [\"云雀x\"]\nformat = [\"docx\"]\nschedule = \"every 1d\"\n",
    )
    .unwrap();
    let check = earshot()
        .args(["config", "check"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(2));
    let err = text(&check.stderr);
    assert!(
        err.contains(":6:12: `report[0].watches[0]`: no [[watch]] named `云雀x`"),
        "{err}"
    );
    assert!(err.contains("did you mean `云雀`?"), "{err}");
    assert!(
        err.contains("`report[0].format[0]`: unknown report format `docx`"),
        "{err}"
    );
}
