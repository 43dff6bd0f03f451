//! Report and dashboard benchmarks (a bench binary, not timed tests):
//!
//! * `GET /api/timeline` for 30 days (hourly) of one watch over 1 M stored
//!   mentions, over real HTTP on 127.0.0.1 (target < 50 ms),
//! * `GET /api/mentions`, one page of 50 with a text filter,
//! * an HTML and an XLSX report over 100,000 mentions (target < 10 s for
//!   both, gathering included).
//!
//! Run: `cargo bench --bench report` (or `make bench`);
//! EARSHOT_BENCH_MENTIONS sets the store size (default 1,000,000).

use std::sync::Arc;
use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use earshot::report::{self, Format, ReportRequest};
use earshot::store::{Granularity, Store};
use earshot_cli::config::{Config, Role, TokenConfig};
use earshot_test_utils::synthetic_mention;

fn median_max(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[v.len() - 1])
}

fn main() {
    let total: u64 = std::env::var("EARSHOT_BENCH_MENTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Arc::new(Store::open(&dir.path().join("bench")).expect("open store"));
    let watches = ["云雀", "Lumio"];
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let t0 = Instant::now();
    let batch = 5_000;
    let mut i = 0;
    while i < total {
        let ms: Vec<_> = (i..(i + batch).min(total))
            .map(|n| synthetic_mention(n, &watches, start))
            .collect();
        store.put_mentions(&ms, None).expect("ingest");
        i += batch;
    }
    store.flush().expect("flush");
    println!(
        "setup: {total} mentions stored in {:.1} s",
        t0.elapsed().as_secs_f64()
    );

    // The API over real HTTP.
    let token = earshot_cli::serve::new_token();
    let token = token.as_str();
    let mut config = Config::default();
    config.serve.tokens = vec![TokenConfig {
        name: "bench".into(),
        sha256: earshot_cli::serve::hash_token(token),
        role: Role::Viewer,
    }];
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let span_end = start + Duration::seconds(7 * total as i64);
    let from = Granularity::Hour.bucket_start(start + (span_end - start) / 2);
    let to = from + Duration::days(30);
    rt.block_on(async {
        let server = earshot_cli::serve::start(
            config,
            store.clone(),
            "127.0.0.1:0".parse().expect("addr"),
            &tokio_util::sync::CancellationToken::new(),
        )
        .await
        .expect("serve");
        let client = reqwest::Client::new();
        let url = format!(
            "{}/api/timeline?watch=%E4%BA%91%E9%9B%80&granularity=hour&from={}&to={}",
            server.base_url(),
            from.to_rfc3339().replace('+', "%2B"),
            to.to_rfc3339().replace('+', "%2B")
        );
        let mut times = Vec::new();
        for _ in 0..30 {
            let t = Instant::now();
            let r = client.get(&url).bearer_auth(token).send().await.expect("get");
            assert!(r.status().is_success(), "{}", r.status());
            let body = r.bytes().await.expect("body");
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            assert!(body.len() > 10_000);
        }
        let (med, max) = median_max(times);
        println!(
            "GET /api/timeline: 30 days hourly, one watch, over {total} mentions: median {med:.2} ms, max {max:.2} ms [target < 50 ms]"
        );
        let url = format!(
            "{}/api/mentions?watch=Lumio&q=post%2012&limit=50",
            server.base_url()
        );
        let mut times = Vec::new();
        for _ in 0..10 {
            let t = Instant::now();
            let r = client.get(&url).bearer_auth(token).send().await.expect("get");
            assert!(r.status().is_success());
            let _ = r.bytes().await.expect("body");
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let (med, max) = median_max(times);
        println!("GET /api/mentions: 50 of one watch with a text filter: median {med:.2} ms, max {max:.2} ms");
        server.stop().await;
    });

    // Reports over 100,000 mentions (both watches, 100k consecutive mentions).
    let n = 100_000.min(total) as i64;
    let from = start + Duration::seconds(7 * (total as i64 / 2));
    let req = ReportRequest {
        watches: watches.iter().map(|w| w.to_string()).collect(),
        from,
        to: from + Duration::seconds(7 * n),
        language: Default::default(),
    };
    let t = Instant::now();
    let data = report::gather(&store, &req).expect("gather");
    let gather_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let html = report::render(&data, Format::Html).expect("html");
    let html_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let xlsx = report::render(&data, Format::Xlsx).expect("xlsx");
    let xlsx_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let csv = report::render(&data, Format::Csv).expect("csv");
    let csv_s = t.elapsed().as_secs_f64();
    println!(
        "report over {} mentions: gather {gather_s:.2} s, HTML {html_s:.2} s ({:.1} MB), XLSX {xlsx_s:.2} s ({:.1} MB); HTML + XLSX total {:.2} s [target < 10 s]; CSV {csv_s:.2} s ({:.1} MB)",
        data.rows.len(),
        html.len() as f64 / 1e6,
        xlsx.len() as f64 / 1e6,
        gather_s + html_s + xlsx_s,
        csv.len() as f64 / 1e6,
    );
    // The PDF shows the same summary, charts, stories and examples; its
    // cost is the font (found, parsed, subset), not the mention count.
    let t = Instant::now();
    match report::render(&data, Format::Pdf) {
        Ok(pdf) => println!(
            "PDF report over {} mentions: {:.2} s ({:.0} KB, font subset embedded)",
            data.rows.len(),
            t.elapsed().as_secs_f64(),
            pdf.len() as f64 / 1e3
        ),
        Err(e) => println!("PDF report not measured: {e}"),
    }
}
