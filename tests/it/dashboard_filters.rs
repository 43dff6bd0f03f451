//! The dashboard's filters apply to every part of the page (cards, chart,
//! list) and to its export links, and `/api/report` honours them in every
//! format: a filtered page and its filtered export count the same.

use reqwest::StatusCode;
use serde_json::Value;

use crate::dashboard::{client, get_json, rt, serve};
use crate::util::CHINESE_TITLE;

/// The number in the card with `id`.
fn card(page: &str, id: &str) -> u64 {
    let at = page
        .find(&format!("id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no card #{id}"));
    let rest = &page[at + id.len() + 6..];
    rest[..rest.find('<').unwrap()].trim().parse().unwrap()
}

/// The href of the page's export link for `format`, unescaped.
fn export(page: &str, format: &str) -> String {
    page.split("href=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].replace("&amp;", "&"))
        .find(|h| h.starts_with("/api/report?") && h.contains(&format!("format={format}")))
        .unwrap_or_else(|| panic!("no {format} export link"))
}

#[test]
fn filters_apply_to_cards_chart_list_and_exports_alike() {
    let s = serve();
    rt().block_on(async {
        let c = client();
        let b = &s.base;
        let t = &s.viewer;
        let page = |q: String| {
            let c = c.clone();
            async move {
                let r = c
                    .get(format!("{b}/?{q}"))
                    .bearer_auth(t)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), StatusCode::OK, "{q}");
                r.text().await.unwrap()
            }
        };
        let all = page("from=30d".into()).await;
        let neg = page("from=30d&sentiment=negative".into()).await;
        let q = url::form_urlencoded::byte_serialize("续航很差".as_bytes()).collect::<String>();
        let text = page(format!("from=30d&q={q}")).await;

        let (all_total, all_neg) = (card(&all, "total"), card(&all, "negative"));
        let (neg_total, neg_neg) = (card(&neg, "total"), card(&neg, "negative"));
        assert!(
            neg_total > 0 && neg_total < all_total,
            "{neg_total} of {all_total}"
        );
        assert_eq!(
            neg_total, neg_neg,
            "filtered to negative: every counted mention is"
        );
        assert_eq!(neg_neg, all_neg, "the negative card is the same either way");
        // The story copied on three sites counts once.
        assert_eq!(card(&text, "total"), 1);

        for (filtered, want_total, needle) in [
            (&neg, neg_total, "sentiment=negative"),
            (&text, 1, "q=%E7%BB%AD"),
        ] {
            // The export links carry the filters…
            let json_link = export(filtered, "json");
            assert!(json_link.contains(needle), "{json_link}");
            let csv_link = export(filtered, "csv");
            assert!(csv_link.contains(needle), "{csv_link}");
            // …and the report counts what the page counts.
            let report = get_json(&c, &format!("{b}{json_link}"), t).await;
            assert_eq!(
                report["total"]["total"],
                Value::from(want_total),
                "{json_link}"
            );
            let timeline: u64 = report["timeline"]
                .as_array()
                .unwrap()
                .iter()
                .map(|b| b["total"].as_u64().unwrap())
                .sum();
            assert_eq!(timeline, want_total);
            let r = c
                .get(format!("{b}{csv_link}"))
                .bearer_auth(t)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            let header_rows: usize = r.headers()["x-earshot-mentions"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            let body = r.text().await.unwrap();
            let mut rows = csv::Reader::from_reader(body.trim_start_matches('\u{feff}').as_bytes());
            let rows: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
            assert_eq!(rows.len(), header_rows);
            assert!(!rows.is_empty());
            if needle.starts_with("sentiment") {
                assert!(
                    rows.iter().all(|r| &r[6] == "negative"),
                    "only negative rows"
                );
            } else {
                assert_eq!(rows.len(), 3, "the three copies of the story");
                assert!(rows.iter().all(|r| &r[4] == CHINESE_TITLE));
            }
            // The list shows only what the filter keeps.
            assert!(!filtered.contains("No mentions match these filters."));
        }
        // Unfiltered, the export has more.
        let unfiltered = get_json(&c, &format!("{b}{}", export(&all, "json")), t).await;
        assert_eq!(unfiltered["total"]["total"], Value::from(all_total));
        assert!(unfiltered["rows"].as_array().unwrap().len() > 3);
        // The API's timeline takes the same filters.
        let tl = get_json(
            &c,
            &format!("{b}/api/timeline?from=30d&sentiment=negative"),
            t,
        )
        .await;
        let sum: u64 = tl["series"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["buckets"].as_array().unwrap())
            .map(|b| b["total"].as_u64().unwrap())
            .sum();
        assert_eq!(sum, neg_total);
    });
}

/// "Crawl now" says what became of the crawl (started, running, how it
/// ended); "Silence" is offered on open alerts only, not resolved ones.
#[test]
fn crawl_now_reports_its_crawl_and_resolved_alerts_offer_no_silence() {
    use earshot::store::{AlertState, Store};
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let n = crate::util::fixture_store(&store);
    {
        let s = Store::open(&store).unwrap();
        let mut resolved = s.alerts().unwrap().remove(0);
        resolved.id = 2;
        resolved.state = AlertState::Resolved;
        s.put_alert(&resolved).unwrap();
        s.flush().unwrap();
    }
    let (cfg, viewer, admin) = crate::util::fixture_config();
    let cfg_path = dir.path().join("earshot.toml");
    std::fs::write(&cfg_path, cfg).unwrap();
    let s = crate::dashboard::start(dir, &cfg_path, &store, viewer, admin, n);
    rt().block_on(async {
        let c = client();
        let b = &s.base;
        let page = || async {
            c.get(format!("{b}/"))
                .bearer_auth(&s.admin)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        };
        let before = page().await;
        assert!(
            before.contains("action=\"/alerts/1/silence\""),
            "the open alert"
        );
        assert!(
            !before.contains("action=\"/alerts/2/silence\""),
            "the resolved one"
        );
        assert!(!before.contains("crawl-status"), "no crawl yet");

        let r = c
            .post(format!("{b}/crawl"))
            .bearer_auth(&s.admin)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()["location"], "/?crawl=started");
        let mut last = String::new();
        for _ in 0..100 {
            last = page().await;
            assert!(last.contains("id=\"crawl-status\""), "{last}");
            if last.contains("The crawl finished at") {
                break;
            }
            assert!(last.contains("A crawl is running"), "{last}");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(last.contains("The crawl finished at"), "{last}");
        assert!(last.contains("new mentions"), "{last}");
    });
}
