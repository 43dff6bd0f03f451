//! False removals of the ad-line cleaner, measured on real text: runs the
//! detector (`earshot::util::ads::ad_line`) on every line of the reference
//! texts of the extraction development set (real articles, blog posts and
//! forum posts, no ads) and the extractor's cleaning step
//! (`earshot::extract::cut_ad_lines`, which also asks that the line share
//! no vocabulary with the rest of the post) on each whole text, and lists
//! every line either would remove. Every one is a false removal.
//!
//! Run: `cargo run -p earshot --example ad_lines -- ../shared/data/extraction`
//! (the set is not part of the repository).

use std::collections::BTreeMap;

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "../shared/data/extraction".into());
    let path = std::path::Path::new(&dir).join("ground-truth.jsonl");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!(
                "ad_lines: cannot read {} ({e}); give the directory of the extraction development set",
                path.display()
            );
            std::process::exit(2);
        }
    };
    let (mut pages, mut lines) = (0usize, 0usize);
    let mut flagged: BTreeMap<String, usize> = BTreeMap::new();
    let mut cut: BTreeMap<String, usize> = BTreeMap::new();
    let mut listed = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                eprintln!("ad_lines: bad line in {}: {e}", path.display());
                std::process::exit(2);
            }
        };
        let (Some(id), Some(body)) = (v["id"].as_str(), v["articleBody"].as_str()) else {
            continue;
        };
        let source = v["source"].as_str().unwrap_or("?").to_string();
        pages += 1;
        for l in body.split('\n').filter(|l| !l.trim().is_empty()) {
            lines += 1;
            if let Some(r) = earshot::util::ads::ad_line(l) {
                *flagged.entry(source.clone()).or_default() += 1;
                listed.push(format!("detector  {id}: {r}"));
            }
        }
        let mut removed = Vec::new();
        earshot::extract::cut_ad_lines(body, &[], &mut removed);
        for r in removed {
            *cut.entry(source.clone()).or_default() += 1;
            listed.push(format!("CUT       {id}: {} [{}]", r.text, r.reason));
        }
    }
    println!("{pages} reference texts, {lines} non-empty lines (all real text, no ads)");
    println!(
        "lines the detector flags: {} {:?}",
        flagged.values().sum::<usize>(),
        flagged
    );
    println!(
        "lines the cleaner would cut (false removals): {} {:?}",
        cut.values().sum::<usize>(),
        cut
    );
    for l in listed {
        println!("{l}");
    }
}
