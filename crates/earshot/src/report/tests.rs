use super::*;
use crate::store::{synthetic_mention, Sentiment};
use chrono::TimeZone;

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap()
}

#[test]
fn formula_cells_are_neutralised_and_others_kept() {
    for bad in [
        "=HYPERLINK(\"x\")",
        "+1",
        "-2+3",
        "@SUM(A1)",
        "\t=1",
        "\r=1",
    ] {
        let n = neutralise(bad);
        assert!(n.starts_with('\''), "{bad:?} -> {n:?}");
        assert_eq!(&n[1..], bad);
    }
    for ok in ["云雀 is fine", "", "a=b", "1+1"] {
        assert_eq!(neutralise(ok), ok);
    }
}

#[test]
fn html_escaping_and_link_targets() {
    assert_eq!(
        escape_html(r#"<script>alert("x")</script> & 'q'"#),
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;"
    );
    assert_eq!(
        html::safe_href("https://a.example/x?y=1"),
        Some("https://a.example/x?y=1")
    );
    for bad in [
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "data:text/html,<b>",
        "vbscript:x",
        "not a url",
    ] {
        assert_eq!(html::safe_href(bad), None, "{bad}");
    }
    let l = html::link("javascript:alert(1)", "<b>t</b>").into_string();
    assert!(!l.contains("href"), "{l}");
    assert!(l.contains("&lt;b&gt;t&lt;/b&gt;"), "{l}");
}

#[test]
fn file_names_say_what_and_when() {
    let req = ReportRequest {
        watches: vec!["云雀".into(), "Lumio Aura".into()],
        from: start(),
        to: start() + chrono::Duration::days(30),
        language: Default::default(),
    };
    assert_eq!(
        req.file_name(Format::Xlsx),
        "mentions_云雀+Lumio-Aura_2026-11-01_2026-11-30.xlsx"
    );
    assert_eq!(req.granularity(), Granularity::Day);
    assert!("docx".parse::<Format>().is_err());
    assert_eq!("PDF".parse::<Format>(), Ok(Format::Pdf));
    assert_eq!("XLSX".parse::<Format>(), Ok(Format::Xlsx));
}

#[test]
fn gather_collapses_clusters_and_counts_share_of_voice() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s")).unwrap();
    let mut ms: Vec<Mention> = (0..200)
        .map(|i| synthetic_mention(i, &["A", "B"], start()))
        .collect();
    // Three negative copies of one story on three sites.
    for (k, m) in ms.iter_mut().take(3).enumerate() {
        m.cluster_id = Some(4242);
        m.site = format!("site{k}");
        m.spam = None;
        m.sentiment = Some(Sentiment {
            label: Label::Negative,
            score: -0.9,
            probs: [0.9, 0.05, 0.05],
            model: "t".into(),
        });
        m.title = Some("Battery fire story".into());
    }
    store.put_mentions(&ms, None).unwrap();
    let req = ReportRequest {
        watches: vec!["A".into(), "B".into()],
        from: start(),
        to: start() + chrono::Duration::days(1),
        language: Default::default(),
    };
    let d = gather(&store, &req).unwrap();
    // Whole seconds: a report's JSON is the same size whenever it is made
    // (chrono writes 0, 3, 6 or 9 fraction digits).
    assert_eq!(chrono::Timelike::nanosecond(&d.generated_at), 0);
    assert_eq!(d.rows.len(), 200);
    assert_eq!(d.granularity, Granularity::Hour);
    assert_eq!(d.timeline.len(), 24);
    let spam = ms.iter().filter(|m| m.spam.is_some()).count() as u64;
    // The timeline counts the story once per watch (one timeline): its
    // copies 0 and 2 are A's, copy 1 is B's.
    assert_eq!(d.total.total + d.total.spam, 199);
    assert_eq!(d.total.spam, spam);
    assert_eq!(d.totals.len(), 2);
    let story = &d.top_negative[0];
    assert_eq!(story.title, "Battery fire story");
    assert_eq!(story.mentions, 3);
    assert_eq!(story.sites.len(), 3);
    assert_eq!(
        d.rows
            .iter()
            .find(|r| r.mention.cluster_id == Some(4242))
            .unwrap()
            .cluster_size,
        3
    );
    for f in [Format::Csv, Format::Xlsx, Format::Html, Format::Json] {
        let bytes = render(&d, f).unwrap();
        assert!(bytes.len() > 1000, "{f}: {} bytes", bytes.len());
    }
    // The same data in Chinese: the headings, sentiment words and dates
    // of the language table; English by default.
    let en = String::from_utf8(render(&d, Format::Html).unwrap()).unwrap();
    assert!(en.contains("<html lang=\"en\">") && en.contains("Share of voice"));
    assert!(!en.contains("声量占比"));
    let mut zh = d.clone();
    zh.request.language = Language::ZhCn;
    let html = String::from_utf8(render(&zh, Format::Html).unwrap()).unwrap();
    for s in [
        "<html lang=\"zh-CN\">",
        "舆情报告：A, B",
        "声量占比",
        "主要站点",
        "负面报道",
        "示例提及",
        "2026年11月1日 00:00 至 2026年11月1日 23:59（UTC）",
        ">负面<",
    ] {
        assert!(html.contains(s), "{s} missing");
    }
    assert!(!html.contains("Share of voice"));
    let empty = ReportRequest {
        watches: vec!["A".into()],
        from: start(),
        to: start(),
        language: Default::default(),
    };
    assert!(matches!(
        gather(&store, &empty),
        Err(ReportError::EmptyPeriod { .. })
    ));
}

#[test]
fn a_scheduled_report_writes_its_files_and_queues_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s")).unwrap();
    let now = Utc::now();
    let ms: Vec<Mention> = (0..50)
        .map(|i| synthetic_mention(i, &["A"], now - chrono::Duration::hours(2)))
        .collect();
    store.put_mentions(&ms, None).unwrap();
    let r = super::ReportConfig {
        name: "weekly".into(),
        watches: vec!["A".into()],
        period: Some(std::time::Duration::from_secs(7 * 86400)),
        format: vec!["html".into(), "xlsx".into()],
        schedule: "every 1d".into(),
        out_dir: Some(dir.path().join("out")),
        channel: Some("pr-email".into()),
        language: Default::default(),
    };
    let channels: Vec<crate::alert::ChannelConfig> = vec![serde_json::from_value(
        serde_json::json!({"name": "pr-email", "kind": "webhook", "url": "http://127.0.0.1:9/"}),
    )
    .unwrap()];
    let files = scheduled::produce(&store, &r, &Default::default(), &channels, now).unwrap();
    assert_eq!(files.len(), 2);
    assert!(files.iter().all(|f| f.exists()));
    let queued = store.outbox_pending().unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].channel, "pr-email");
    let v: serde_json::Value = serde_json::from_str(&queued[0].payload).unwrap();
    assert_eq!(v["kind"], "report");
    assert_eq!(v["mentions"], 49);
    assert_eq!(v["files"].as_array().unwrap().len(), 2);
}

#[test]
fn a_report_period_or_watch_list_past_the_limits_is_refused() {
    let now = Utc::now();
    let long = ReportRequest {
        watches: vec!["A".into()],
        from: now - chrono::Duration::days(MAX_PERIOD_DAYS + 1),
        to: now,
        language: Default::default(),
    };
    assert!(matches!(
        long.validate(),
        Err(ReportError::PeriodTooLong { .. })
    ));
    let at_limit = ReportRequest {
        from: now - chrono::Duration::days(MAX_PERIOD_DAYS),
        ..long.clone()
    };
    assert!(at_limit.validate().is_ok());
}
