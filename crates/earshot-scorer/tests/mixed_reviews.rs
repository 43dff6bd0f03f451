//! Mixed reviews and news of trouble, scored by the shipped model: the
//! overall verdict, not the presence of one complaint or one compliment
//! (issue 24). `tests/fixtures/sentiment/mixed-reviews.csv` is written for
//! earshot (see the fixtures' README); each section must keep at least the
//! accuracy the shipped model and scorer reach today, so a release or an
//! aggregation change that loses ground fails here.

use earshot::sentiment::{Precision, SentimentConfig};
use earshot_scorer::Scorer;

const MODEL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../models/sentiment");
const SET: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/sentiment/mixed-reviews.csv"
);

/// (section, rows, right by the score's sign at least, right by the stored
/// label at least): what the shipped model and scorer get in fp32 (the
/// reference precision) when the floors were last raised (see the model
/// card's mixed-review table). The sign is p(positive) − p(negative); the
/// label is the argmax, which the report's negative counts use, and a calm
/// news report read as neutral fails it.
///
/// The news section's calm reports read negative since the release that
/// learnt from the news sentences written for earshot
/// (`scripts/sentiment/news_written.py`: other brands, other events than
/// these rows); before it, the Chinese ones read neutral (8 of 20 by label).
const FLOORS: [(&str, usize, usize, usize); 4] = [
    ("zh", 25, 21, 21),
    ("zh-hant", 15, 13, 13),
    ("en", 24, 21, 21),
    ("news", 20, 19, 19),
];

#[test]
fn shipped_model_keeps_the_overall_verdict_of_mixed_reviews_and_news() {
    let scorer = Scorer::load(&SentimentConfig {
        model: MODEL.into(),
        precision: Precision::Fp32,
        ..Default::default()
    })
    .expect("the shipped model loads");
    let mut reader = csv::Reader::from_path(SET).expect("mixed-review set");
    let rows: Vec<(String, u8, String)> = reader
        .deserialize()
        .map(|r| r.expect("a section,label,text row"))
        .collect();
    let texts: Vec<&str> = rows.iter().map(|r| r.2.as_str()).collect();
    let probs = scorer.probabilities(&texts).expect("scores");
    let mut report = String::new();
    let mut short = Vec::new();
    for (section, n, sign_floor, label_floor) in FLOORS {
        let (mut seen, mut by_sign, mut by_label) = (0, 0, 0);
        for ((sec, label, text), p) in rows.iter().zip(&probs) {
            if sec != section {
                continue;
            }
            seen += 1;
            let sign_right = (p[2] > p[0]) == (*label == 2);
            let argmax = (0..3).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap_or(1);
            let label_right = argmax == usize::from(*label);
            by_sign += usize::from(sign_right);
            by_label += usize::from(label_right);
            if !(sign_right && label_right) {
                report.push_str(&format!("  miss [{section}] {label} {p:.2?} {text}\n"));
            }
        }
        assert_eq!(seen, n, "section {section}: rows in {SET}");
        report.push_str(&format!(
            "{section}: sign {by_sign}/{n} = {:.3} (floor {sign_floor}), label {by_label}/{n} = {:.3} (floor {label_floor})\n",
            by_sign as f64 / n as f64,
            by_label as f64 / n as f64
        ));
        if by_sign < sign_floor || by_label < label_floor {
            short.push(section);
        }
    }
    eprintln!("{report}");
    assert!(short.is_empty(), "below the floor in {short:?}:\n{report}");
    assert_eq!(rows.len(), FLOORS.iter().map(|f| f.1).sum::<usize>());
}

/// Issue 24, item 5: the demo's syndicated story about the 云雀 X5 battery
/// defect (calm, factual, one sentence of praise for the launch) led the
/// demo report's examples in green. Extracted from each news site as the
/// crawler extracts it, the whole story must read negative everywhere.
#[test]
fn the_demo_battery_defect_story_reads_negative_on_every_news_site() {
    demo_story_reads_negative(false);
}

/// What the crawler scores is the mention's context under the story's
/// headline (`earshot::crawl::scored_text`). The context alone (the lead and
/// "the thread went viral" on news-a and its copies) reads positive with
/// this release (p 0.25 / 0.30 / 0.45): before the headline led it, the
/// demo report showed the battery story in green.
#[test]
fn the_demo_battery_defect_mention_reads_negative_under_its_headline_on_every_news_site() {
    demo_story_reads_negative(true);
}

/// As the crawler reads the mention (`earshot::crawl::score_mentions`): the
/// text under its headline, and the headline alone weighed by its stance.
/// In int8 (what `auto` runs on a CPU without native bf16) the reworded
/// copy's text under its headline is a coin toss (p 0.37 / 0.25 / 0.38 on
/// this release) and the demo report showed it in green; its headline
/// alone reads 0.96 negative. The company's reply (news-d: "admits a batch
/// of cells was faulty, starts free replacements") reads as much neutral as
/// negative in int8 (0.46 / 0.46 / 0.08) with its headline 0.43 / 0.48 /
/// 0.10: it must read negative too.
#[test]
fn the_demo_battery_defect_mention_reads_negative_as_the_crawler_reads_it_in_fp32_and_int8() {
    for precision in [Precision::Fp32, Precision::Int8] {
        let scorer = Scorer::load(&SentimentConfig {
            model: MODEL.into(),
            precision,
            ..Default::default()
        })
        .expect("the shipped model loads");
        for (page, headline, context) in demo_mentions() {
            let headline = headline.expect("the story has a headline");
            let scored = earshot::crawl::headline_and_context(Some(&headline), &context);
            let p = scorer
                .probabilities(&[scored.as_str(), headline.as_str()])
                .expect("scores");
            let read = earshot::crawl::with_headline(p[0], p[1]);
            assert!(
                read[0] > read[1] && read[0] > read[2] + 0.2,
                "{precision:?} {page}: the mention reads {read:.2?} (negative, neutral, positive; text {:.2?}, headline {:.2?}), not clearly negative: {scored}",
                p[0],
                p[1]
            );
        }
    }
}

/// The demo's three copies of the story as the crawler extracts them:
/// (page, headline, the 云雀 mention's context).
fn demo_mentions() -> Vec<(&'static str, Option<String>, String)> {
    demo_story_pages()
        .into_iter()
        .map(|(page, headline, _text, context)| (page, headline, context))
        .collect()
}

/// (page, headline, story text, the 云雀 mention's context) of each copy.
fn demo_story_pages() -> Vec<(&'static str, Option<String>, String, String)> {
    let site = concat!(env!("CARGO_MANIFEST_DIR"), "/../../demo/site");
    let pages = [
        "news-a/2026/11/21/yunque-x5-battery.html",
        "news-b/tech/20261121/4521.html",
        "news-d/2026/11/21/x5-review-roundup.html",
    ];
    let fetched = chrono::Utc::now();
    let matcher = earshot::watch::Matcher::new(&[earshot::watch::WatchConfig {
        name: "云雀".into(),
        ..Default::default()
    }])
    .expect("the watch compiles");
    pages
        .into_iter()
        .map(|page| {
            // news-b is GBK: decoded as the crawler decodes it
            let bytes = std::fs::read(format!("{site}/{page}")).expect("demo page");
            let (html, _) = earshot::fetch::charset::decode(&bytes, None);
            let url = url::Url::parse(&format!("http://news.example/{page}")).expect("url");
            let e =
                earshot::extract::extract(&url, &html, None, chrono_tz::Asia::Shanghai, fetched)
                    .expect("the demo page extracts");
            let post = e.posts.first().expect("the story");
            let text = post.text.clone();
            assert!(text.contains("电池"), "{page}: {text}");
            // The page's title is the story's (a post's own title wins), as the crawler takes it.
            let headline = post.title.clone().or(e.title.clone());
            let found = matcher.find(&earshot::watch::Doc {
                title: headline.as_deref().unwrap_or(""),
                text: &text,
                author: "",
                site: "",
                source: "news",
                lang: Some("zh"),
            });
            let context = found
                .first()
                .expect("the story mentions 云雀")
                .context
                .clone();
            (page, headline, text, context)
        })
        .collect()
}

fn demo_story_reads_negative(context_too: bool) {
    let scorer = Scorer::load(&SentimentConfig {
        model: MODEL.into(),
        precision: Precision::Fp32,
        ..Default::default()
    })
    .expect("the shipped model loads");
    for (page, headline, text, context) in demo_story_pages() {
        let scored = earshot::crawl::headline_and_context(headline.as_deref(), &context);
        let mut checks = vec![("story", text.as_str())];
        if context_too {
            assert!(headline.is_some(), "{page}: no headline");
            checks.push(("mention under its headline", scored.as_str()));
        }
        for (what, t) in checks {
            let p = &scorer.probabilities(&[t]).expect("scores")[0];
            assert!(
                p[0] > p[1] && p[0] > p[2],
                "{page}: the defect {what} reads {p:.2?} (negative, neutral, positive), not negative: {t}"
            );
        }
    }
}
