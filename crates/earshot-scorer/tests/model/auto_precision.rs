//! `precision = "auto"` with the shipped model on the real libtorch: where
//! the CPU runs both bf16 and int8 the first load times them on a
//! calibration batch and writes the precision cache, the next load reads it;
//! the precision kept scores exactly as that precision asked for by name;
//! a corrupt cache is ignored; a named precision never calibrates. No
//! assertion depends on which precision is faster here.

use std::path::Path;

use earshot::sentiment::protocol::ChoiceSource;
use earshot::sentiment::{Precision, SentimentConfig};
use earshot_scorer::Scorer;

use super::MODEL;

fn cfg(precision: Precision) -> SentimentConfig {
    SentimentConfig {
        model: MODEL.into(),
        precision,
        ..Default::default()
    }
}

fn load(precision: Precision, cache: &Path) -> Scorer {
    Scorer::load_with_cache(Path::new(MODEL), &cfg(precision), Some(cache))
        .expect("the shipped model loads")
}

const TEXTS: [&str; 3] = [
    "质量太差了，用两天就坏，非常失望。",
    "Works perfectly and the battery lasts for days. Love it!",
    "The package arrived on Tuesday.",
];

fn two_candidates() -> bool {
    Precision::auto_candidates().len() == 2
}

#[test]
fn auto_calibrates_once_then_reads_the_cache() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = dir.path().join("earshot").join("precision.json");
    let first = load(Precision::Auto, &cache);
    let choice = first.choice().clone();
    assert!(
        Precision::auto_candidates().contains(&first.precision()),
        "{choice:?}"
    );
    if !two_candidates() {
        // one candidate (or none: fp32): nothing to time, nothing cached
        assert_eq!(choice.from, ChoiceSource::Only, "{choice:?}");
        assert!(choice.timings_ms.is_empty());
        assert!(!cache.exists());
        return;
    }
    assert_eq!(choice.from, ChoiceSource::Calibration, "{choice:?}");
    let timed: Vec<Precision> = choice.timings_ms.iter().map(|t| t.0).collect();
    assert_eq!(timed, [Precision::Int8, Precision::Bf16], "{choice:?}");
    assert!(choice.timings_ms.iter().all(|t| t.1 > 0.0), "{choice:?}");
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&cache).expect("the cache is written"))
            .expect("the cache is JSON");
    let entry = &file["entries"][0];
    assert_eq!(entry["precision"], first.precision().name(), "{file}");
    assert_eq!(entry["key"]["model"], first.version(), "{file}");
    assert_eq!(entry["key"]["threads"], 2, "{file}");
    assert!(
        entry["ms"]["bf16"].as_f64().is_some_and(|t| t > 0.0),
        "{file}"
    );

    // the second load reads it and times nothing
    let second = load(Precision::Auto, &cache);
    assert_eq!(
        second.choice().from,
        ChoiceSource::Cache,
        "{:?}",
        second.choice()
    );
    assert_eq!(second.precision(), first.precision());
    assert_eq!(second.choice().timings_ms.len(), 2);
    // the precision kept (the other's weights freed) scores bit for bit as
    // that precision asked for by name
    let named = load(first.precision(), &cache);
    let probs = |s: &Scorer| s.probabilities(&TEXTS).expect("scores");
    assert_eq!(probs(&first), probs(&named));
    assert_eq!(probs(&second), probs(&named));

    // another thread count is another key: timed again, both kept
    let four = Scorer::load_with_cache(
        Path::new(MODEL),
        &SentimentConfig {
            threads: 1,
            ..cfg(Precision::Auto)
        },
        Some(&cache),
    )
    .expect("loads");
    assert_eq!(four.choice().from, ChoiceSource::Calibration);
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&cache).expect("cache")).expect("json");
    assert_eq!(file["entries"].as_array().map(Vec::len), Some(2), "{file}");
}

#[test]
fn a_corrupt_cache_is_ignored_and_rewritten() {
    if !two_candidates() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = dir.path().join("precision.json");
    std::fs::write(&cache, "{\"format\": 1, \"entries\": [{\"key\":").expect("write");
    let s = load(Precision::Auto, &cache);
    assert_eq!(
        s.choice().from,
        ChoiceSource::Calibration,
        "{:?}",
        s.choice()
    );
    let again = load(Precision::Auto, &cache);
    assert_eq!(
        again.choice().from,
        ChoiceSource::Cache,
        "{:?}",
        again.choice()
    );
    assert_eq!(again.precision(), s.precision());

    // a cache that cannot be written (its folder is a file): auto still loads
    let blocked = dir.path().join("precision.json").join("precision.json");
    let s = load(Precision::Auto, &blocked);
    assert_eq!(s.choice().from, ChoiceSource::Calibration);
    assert!(!blocked.exists());
}

#[test]
fn a_named_precision_never_calibrates() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = dir.path().join("precision.json");
    for p in [Precision::Fp32, Precision::Int8, Precision::Bf16] {
        if p == Precision::Int8 && !earshot::sentiment::fbgemm_cpu() {
            continue;
        }
        let s = load(p, &cache);
        assert_eq!(s.precision(), p);
        assert_eq!(s.choice().from, ChoiceSource::Asked, "{:?}", s.choice());
        assert!(s.choice().timings_ms.is_empty());
    }
    assert!(!cache.exists(), "nothing was timed, nothing cached");
}
