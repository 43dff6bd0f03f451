//! Sentiment scoring speed at the lengths mentions really have.
//!
//! Texts: context windows cut from the fixture articles the way the matcher
//! cuts them (whole sentences, at most 240 characters), zh and en. Prints the
//! token-length distribution, model load time, how `auto` chose (calibration
//! or the precision cache, with its timings), mentions/s for fp32, bf16, int8
//! and auto at batch sizes 16/32/64 (with label agreement against fp32), and
//! peak RSS. `EARSHOT_BENCH_PRECISION=int8` (or auto) measures one precision
//! only; `EARSHOT_BENCH_MODEL=DIR` another model. `auto` uses the user's
//! precision cache (`EARSHOT_PRECISION_CACHE=` for none: it calibrates at
//! every load).
//!
//! `EARSHOT_BENCH_FFN=fp32,split` instead times int8 with each named way of
//! running the feed-forward output projection (`EARSHOT_INT8_FFN_OUTPUT`'s
//! values, see the scorer's `smooth.rs`) against each other, in one
//! process, alternating whole passes over the texts (`EARSHOT_BENCH_ROUNDS`,
//! 4) at batch 16, 32 and 64: the fairest A/B on a shared machine.
//!
//!     cargo bench -p earshot-scorer --bench sentiment            (EARSHOT_BENCH_N=2000 texts by default)

use std::time::Instant;

use earshot::sentiment::{Precision, SentimentConfig};
use earshot_scorer::Scorer;

fn windows_from(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for sentence in text.split_inclusive(['。', '！', '？', '.', '!', '?', '\n']) {
        let s = sentence.trim();
        if s.is_empty() {
            continue;
        }
        if cur.chars().count() + s.chars().count() > 240 && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(s);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

fn main() {
    let n: usize = std::env::var("EARSHOT_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/syndication/docs"
    );
    let mut pool = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .expect("fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    names.sort();
    for p in names {
        if let Ok(t) = std::fs::read_to_string(&p) {
            pool.extend(windows_from(&t));
        }
    }
    assert!(!pool.is_empty());
    let texts: Vec<&str> = (0..n).map(|i| pool[i % pool.len()].as_str()).collect();
    let threads: usize = std::env::var("EARSHOT_BENCH_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2);

    // EARSHOT_BENCH_MODEL: another model directory (a candidate from scripts/sentiment/train.py)
    let model = std::env::var("EARSHOT_BENCH_MODEL")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../models/sentiment").into());
    let base = SentimentConfig {
        model: model.into(),
        threads,
        ..Default::default()
    };
    if let Ok(ffn) = std::env::var("EARSHOT_BENCH_FFN") {
        let rounds = std::env::var("EARSHOT_BENCH_ROUNDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(4);
        return ffn_ab(&base, &texts, ffn.split(',').collect(), rounds);
    }
    let t = Instant::now();
    let scorer = Scorer::load(&base).expect("model");
    let load = t.elapsed();
    let mut lens: Vec<usize> = pool.iter().map(|t| scorer.token_ids(t).len() + 2).collect();
    lens.sort();
    let q = |f: f64| lens[((lens.len() - 1) as f64 * f) as usize];
    let chars: Vec<usize> = pool.iter().map(|t| t.chars().count()).collect();
    println!(
        "{} distinct context windows ({} chars mean); tokens: min {} p25 {} median {} p75 {} p95 {} max {}",
        pool.len(),
        chars.iter().sum::<usize>() / chars.len(),
        lens[0],
        q(0.25),
        q(0.5),
        q(0.75),
        q(0.95),
        lens[lens.len() - 1]
    );
    let choice = scorer.choice();
    let timings: Vec<String> = choice
        .timings_ms
        .iter()
        .map(|(p, ms)| format!("{} {ms:.0} ms", p.name()))
        .collect();
    println!(
        "model load: {:.0} ms (precision auto = {}, from {}: {}; {}), {threads} threads",
        load.as_secs_f64() * 1000.0,
        scorer.precision().name(),
        choice.from.name(),
        timings.join(", "),
        choice.note
    );
    // fp32 (rust-bert's forward pass) is the reference the others are compared with
    let reference = Scorer::load(&SentimentConfig {
        precision: Precision::Fp32,
        ..base.clone()
    })
    .expect("model");
    let reference_out = reference.score(&texts[..200.min(n)]).expect("fp32");
    let only: Option<String> = std::env::var("EARSHOT_BENCH_PRECISION").ok();
    for precision in [
        Precision::Fp32,
        Precision::Bf16,
        Precision::Int8,
        Precision::Auto,
    ] {
        let name = precision.name();
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        for batch in [16usize, 32, 64] {
            let cfg = SentimentConfig {
                batch_size: batch,
                precision,
                ..base.clone()
            };
            let s = Scorer::load(&cfg).expect("model");
            let _ = s.score(&texts[..64.min(n)]);
            let t = Instant::now();
            let out = s.score(&texts).expect("score");
            let secs = t.elapsed().as_secs_f64();
            // auto: the precision it chose
            let label = if precision == Precision::Auto {
                format!("auto={}", s.precision().name())
            } else {
                name.to_string()
            };
            println!(
                "{label:<5} batch {batch:>2}: {:>6.1} mentions/s ({n} texts in {secs:.2} s)",
                n as f64 / secs
            );
            assert_eq!(out.len(), n);
            if batch == 16 && precision != Precision::Fp32 {
                let a = &out[..reference_out.len()];
                let agree = a
                    .iter()
                    .zip(&reference_out)
                    .filter(|(x, y)| x.label == y.label)
                    .count();
                let maxd = a
                    .iter()
                    .zip(&reference_out)
                    .flat_map(|(x, y)| (0..3).map(move |c| (x.probs[c] - y.probs[c]).abs()))
                    .fold(0f32, f32::max);
                println!(
                    "{label} vs fp32 on {} texts: same label {agree}, largest probability difference {maxd:.3}",
                    a.len()
                );
            }
        }
    }
    println!("peak RSS: {:.0} MB", peak_rss_mb());
}

/// `EARSHOT_BENCH_FFN`: int8 scorers, one per way of running the
/// feed-forward output projection, timed alternately on the same texts.
fn ffn_ab(base: &SentimentConfig, texts: &[&str], ways: Vec<&str>, rounds: usize) {
    let n = texts.len();
    for batch in [16usize, 32, 64] {
        let scorers: Vec<(&str, Scorer)> = ways
            .iter()
            .map(|&w| {
                // read when the int8 encoder is built; the bench is one thread
                std::env::set_var("EARSHOT_INT8_FFN_OUTPUT", w);
                let cfg = SentimentConfig {
                    batch_size: batch,
                    precision: Precision::Int8,
                    ..base.clone()
                };
                let t = Instant::now();
                let s = Scorer::load(&cfg).expect("model");
                println!("{w}: load {:.0} ms", t.elapsed().as_secs_f64() * 1000.0);
                let _ = s.score(&texts[..64.min(n)]);
                (w, s)
            })
            .collect();
        std::env::remove_var("EARSHOT_INT8_FFN_OUTPUT");
        let mut rates = vec![Vec::new(); scorers.len()];
        for round in 0..rounds {
            for i in 0..scorers.len() {
                let k = if round % 2 == 0 {
                    i
                } else {
                    scorers.len() - 1 - i
                };
                let t = Instant::now();
                scorers[k].1.score(texts).expect("score");
                rates[k].push(n as f64 / t.elapsed().as_secs_f64());
            }
        }
        for ((w, _), r) in scorers.iter().zip(&mut rates) {
            r.sort_by(f64::total_cmp);
            let all: Vec<String> = r.iter().map(|x| format!("{x:.0}")).collect();
            println!(
                "int8 {w:<16} batch {batch:>2}: best {:>6.1}, median {:>6.1} mentions/s ({})",
                r[r.len() - 1],
                r[r.len() / 2],
                all.join(" ")
            );
        }
    }
}
