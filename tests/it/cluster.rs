//! Syndication clustering on the labelled pairs in
//! tests/fixtures/syndication: reworded, exact and boilerplate-only copies
//! must share a cluster; quoted replies, other stories on the same topic
//! and unrelated texts must not. Pairwise precision and recall ≥ 0.95.

use std::collections::HashMap;

use earshot::cluster::{ClusterIndex, Signature};

#[test]
fn syndication_pairs_cluster_with_high_precision_and_recall() {
    let dir = std::path::Path::new("tests/fixtures/syndication");
    let mut names: Vec<String> = std::fs::read_dir(dir.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    // Insert originals first in each group would be kind to us: instead
    // insert in name order, so copies are often seen before originals.
    let mut idx = ClusterIndex::new();
    let mut cluster = HashMap::new();
    for (i, n) in names.iter().enumerate() {
        let text = std::fs::read_to_string(dir.join("docs").join(n)).unwrap();
        cluster.insert(
            n.clone(),
            idx.assign(i as u64, Signature::of(&text)).cluster,
        );
    }
    let pairs = std::fs::read_to_string(dir.join("pairs.csv")).unwrap();
    let (mut tp, mut fp, mut fn_) = (0, 0, 0);
    let mut wrong = Vec::new();
    let mut by_kind: HashMap<String, (u32, u32)> = HashMap::new();
    for line in pairs.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (a, b, label, kind) = (f[0], f[1], f[2], f[3]);
        let same = cluster[a] == cluster[b];
        let want = label == "same";
        let e = by_kind.entry(kind.to_string()).or_default();
        e.1 += 1;
        if same == want {
            e.0 += 1;
        } else {
            wrong.push(format!("{a} {b} {label} {kind}"));
        }
        match (same, want) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, true) => fn_ += 1,
            _ => {}
        }
    }
    let precision = tp as f64 / (tp + fp).max(1) as f64;
    let recall = tp as f64 / (tp + fn_).max(1) as f64;
    eprintln!("clustering: precision {precision:.3}, recall {recall:.3}, by kind (right/all): {by_kind:?}");
    assert!(tp + fn_ >= 50, "the fixture set has its same pairs");
    assert!(
        precision >= 0.95 && recall >= 0.95,
        "precision {precision:.3} recall {recall:.3}; wrong: {wrong:#?}"
    );
}
