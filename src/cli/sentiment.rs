//! `earshot score`, `earshot eval-sentiment` and `earshot rescore`.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args;

use super::{load_config, store_path, Cli, Exit};
use crate::config::Config;
use crate::sentiment::{Precision, ScoreFn};
use crate::store::{MentionQuery, Store};

#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// Read texts from FILE, one per line [default: standard input]
    #[arg(long)]
    pub input: Option<PathBuf>,
    /// One JSON object per line: {"label","score","probs"}
    #[arg(long)]
    pub json: bool,
    /// Override [sentiment] precision: auto, fp32, bf16 or int8
    #[arg(long)]
    pub precision: Option<Precision>,
    /// Override [sentiment] model: score with the model in DIR (for
    /// example a retrained one, to compare it with the shipped model)
    #[arg(long, value_name = "DIR")]
    pub model: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// A CSV file with `label` and `text` columns; labels 0/1/2 or
    /// negative/neutral/positive
    #[arg(long)]
    pub data: PathBuf,
    /// Print the figures as one JSON object
    #[arg(long)]
    pub json: bool,
    /// Override [sentiment] precision: auto, fp32, bf16 or int8
    #[arg(long)]
    pub precision: Option<Precision>,
    /// Override [sentiment] model: score with the model in DIR (for
    /// example a retrained one, to compare it with the shipped model)
    #[arg(long, value_name = "DIR")]
    pub model: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RescoreArgs {
    /// Rescore every mention, not only those scored by another model version
    #[arg(long)]
    pub all: bool,
    /// Only mentions of this watch
    #[arg(long)]
    pub watch: Option<String>,
    /// Print a JSON summary
    #[arg(long)]
    pub json: bool,
}

fn scorer(
    config: &Config,
    precision: Option<Precision>,
    model: Option<&PathBuf>,
) -> Result<ScoreFn> {
    let mut cfg = config.sentiment.clone();
    cfg.enabled = true;
    if let Some(dir) = model {
        cfg.model = dir.clone();
    }
    if let Some(p) = precision {
        cfg.precision = p;
        cfg.bf16 = None;
    }
    match crate::sentiment::shared_scorer(&cfg)? {
        Some(s) => Ok(s),
        None => bail!(
            "this earshot was built without the `sentiment` feature; rebuild with default features"
        ),
    }
}

/// Reads lines as bytes and names the first one that is not UTF-8.
fn read_lines(input: Box<dyn BufRead>, name: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for (n, line) in input.split(b'\n').enumerate() {
        let mut bytes = line.with_context(|| format!("cannot read {name}"))?;
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
        match String::from_utf8(bytes) {
            Ok(s) => out.push(s),
            Err(e) => bail!(
                "{name}, line {}: not valid UTF-8 (byte {} of the line)\n  help: convert the input to UTF-8 first, e.g. `iconv -f GBK -t UTF-8`",
                n + 1,
                e.utf8_error().valid_up_to() + 1
            ),
        }
    }
    Ok(out)
}

pub fn score_cmd(cli: &Cli, args: &ScoreArgs) -> Result<Exit> {
    let config = load_config(cli)?;
    let (input, name): (Box<dyn BufRead>, String) = match &args.input {
        Some(p) => (
            Box::new(std::io::BufReader::new(
                std::fs::File::open(p).with_context(|| format!("cannot open {}", p.display()))?,
            )),
            p.display().to_string(),
        ),
        None => (
            Box::new(std::io::BufReader::new(std::io::stdin())),
            "standard input".into(),
        ),
    };
    let lines = read_lines(input, &name)?;
    let score = scorer(&config, args.precision, args.model.as_ref())?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for chunk in lines.chunks(512) {
        let scores = score.score(chunk.to_vec())?;
        for (text, s) in chunk.iter().zip(scores) {
            if args.json {
                let v = serde_json::json!({
                    "label": s.label.to_string(),
                    "score": round(s.score),
                    "probs": {
                        "negative": round(s.probs[0]),
                        "neutral": round(s.probs[1]),
                        "positive": round(s.probs[2]),
                    },
                });
                writeln!(out, "{v}")?;
            } else {
                let preview: String = text.chars().take(60).collect();
                writeln!(
                    out,
                    "{:<8}\t{:+.3}\t{preview}",
                    s.label.to_string(),
                    s.score
                )?;
            }
        }
    }
    out.flush()?;
    Ok(Exit::Ok)
}

fn round(x: f32) -> f64 {
    (x as f64 * 10_000.0).round() / 10_000.0
}

fn parse_label(s: &str) -> Option<usize> {
    match s.trim().to_ascii_lowercase().as_str() {
        "0" | "negative" | "neg" => Some(0),
        "1" | "neutral" | "neu" => Some(1),
        "2" | "positive" | "pos" => Some(2),
        _ => None,
    }
}

pub fn eval_cmd(cli: &Cli, args: &EvalArgs) -> Result<Exit> {
    let config = load_config(cli)?;
    let name = args.data.display().to_string();
    let mut rdr =
        csv::Reader::from_path(&args.data).with_context(|| format!("cannot open {name}"))?;
    let headers = rdr
        .headers()
        .with_context(|| format!("{name}: no header row"))?
        .clone();
    let col = |c: &str| headers.iter().position(|h| h.trim() == c);
    let (Some(li), Some(ti)) = (col("label"), col("text")) else {
        bail!(
            "{name}: the header must have `label` and `text` columns (found: {})",
            headers.iter().collect::<Vec<_>>().join(",")
        );
    };
    let mut gold = Vec::new();
    let mut texts = Vec::new();
    for (n, rec) in rdr.records().enumerate() {
        let rec = rec.with_context(|| format!("{name}, record {}", n + 1))?;
        let label = rec.get(li).unwrap_or("");
        let Some(l) = parse_label(label) else {
            bail!(
                "{name}, record {}: label `{label}` is not 0/1/2 or negative/neutral/positive",
                n + 1
            );
        };
        gold.push(l);
        texts.push(rec.get(ti).unwrap_or("").to_string());
    }
    if texts.is_empty() {
        bail!("{name}: no rows");
    }
    let score = scorer(&config, args.precision, args.model.as_ref())?;
    let started = std::time::Instant::now();
    let bar = super::output::bar(texts.len() as u64, "scoring");
    let mut pred = Vec::with_capacity(texts.len());
    let mut probs = Vec::with_capacity(texts.len());
    for chunk in texts.chunks(256) {
        for s in score.score(chunk.to_vec())? {
            pred.push(s.label as usize);
            probs.push(s.probs);
        }
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    let r = Figures::new(&gold, &pred, &probs);
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "n": gold.len(), "accuracy": r.accuracy, "macro_f1": r.macro_f1,
                "macro_recall": r.macro_recall, "binary_accuracy": r.binary_accuracy,
                "confusion": r.confusion, "texts_per_second": gold.len() as f64 / secs,
            })
        );
    } else {
        println!(
            "{name}: {} texts, {:.1} texts/s",
            gold.len(),
            gold.len() as f64 / secs
        );
        println!("accuracy      {:.4}", r.accuracy);
        println!("macro-F1      {:.4}", r.macro_f1);
        println!("macro recall  {:.4}", r.macro_recall);
        if let Some(b) = r.binary_accuracy {
            println!("binary acc.   {b:.4}  (positive vs negative rows, neutral ignored)");
        }
        println!("confusion (rows: gold, columns: predicted)");
        println!(
            "{:>10} {:>9} {:>9} {:>9}",
            "", "negative", "neutral", "positive"
        );
        for (i, row) in r.confusion.iter().enumerate() {
            println!(
                "{:>10} {:>9} {:>9} {:>9}",
                ["negative", "neutral", "positive"][i],
                row[0],
                row[1],
                row[2]
            );
        }
    }
    Ok(Exit::Ok)
}

/// Classification figures over three classes.
#[derive(Debug)]
pub struct Figures {
    pub accuracy: f64,
    pub macro_f1: f64,
    pub macro_recall: f64,
    pub binary_accuracy: Option<f64>,
    pub confusion: [[u64; 3]; 3],
}

impl Figures {
    pub fn new(gold: &[usize], pred: &[usize], probs: &[[f32; 3]]) -> Figures {
        let mut confusion = [[0u64; 3]; 3];
        for (&g, &p) in gold.iter().zip(pred) {
            confusion[g][p] += 1;
        }
        let n = gold.len().max(1) as f64;
        let accuracy = (0..3).map(|c| confusion[c][c]).sum::<u64>() as f64 / n;
        // macro averages over the classes present in the gold labels
        let present: Vec<usize> = (0..3)
            .filter(|&c| confusion[c].iter().sum::<u64>() > 0)
            .collect();
        let mut f1s = Vec::new();
        let mut recalls = Vec::new();
        for &c in &present {
            let tp = confusion[c][c] as f64;
            let gold_c = confusion[c].iter().sum::<u64>() as f64;
            let pred_c = (0..3).map(|g| confusion[g][c]).sum::<u64>() as f64;
            let recall = tp / gold_c;
            let precision = if pred_c > 0.0 { tp / pred_c } else { 0.0 };
            recalls.push(recall);
            f1s.push(if precision + recall > 0.0 {
                2.0 * precision * recall / (precision + recall)
            } else {
                0.0
            });
        }
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
        let pn: Vec<bool> = gold
            .iter()
            .zip(probs)
            .filter(|(&g, _)| g != 1)
            .map(|(&g, p)| (p[2] > p[0]) == (g == 2))
            .collect();
        Figures {
            accuracy,
            macro_f1: mean(&f1s),
            macro_recall: mean(&recalls),
            binary_accuracy: (!pn.is_empty())
                .then(|| pn.iter().filter(|&&b| b).count() as f64 / pn.len() as f64),
            confusion,
        }
    }
}

pub fn rescore_cmd(cli: &Cli, args: &RescoreArgs) -> Result<Exit> {
    let config = load_config(cli)?;
    let store = Store::open_existing(&store_path(cli, &config))?;
    let score = scorer(&config, None, None)?;
    let mentions = store.mentions(&MentionQuery {
        watch: args.watch.clone(),
        ..Default::default()
    })?;
    let version = score.version().to_string();
    let todo: Vec<_> = mentions
        .into_iter()
        .filter(|m| args.all || m.sentiment.as_ref().map(|s| s.model.as_str()) != Some(&version))
        .collect();
    let bar = super::output::bar(todo.len() as u64, "rescoring");
    let (mut changed, mut same) = (0u64, 0u64);
    for chunk in todo.chunks(256) {
        let scores = score.score(chunk.iter().map(|m| m.context.clone()).collect())?;
        let mut batch = Vec::with_capacity(chunk.len());
        for (m, s) in chunk.iter().zip(scores) {
            if m.sentiment.as_ref().map(|o| o.label) != Some(s.label) {
                changed += 1;
            } else {
                same += 1;
            }
            let mut m = m.clone();
            m.sentiment = Some(s);
            batch.push(m);
        }
        store.put_mentions(&batch, None)?;
        bar.inc(chunk.len() as u64);
    }
    store.flush()?;
    bar.finish_and_clear();
    let n = todo.len();
    if args.json {
        println!(
            "{}",
            serde_json::json!({"model": version, "rescored": n, "label_changed": changed, "label_same": same})
        );
    } else {
        println!(
            "rescored {n} mentions with model {version}: {changed} changed label, {same} kept it"
        );
    }
    Ok(Exit::Ok)
}

/// `earshot doctor`'s sentiment check: loads the configured model the way
/// the pipeline does, says which precision this CPU runs it in, and scores
/// one clearly negative and one clearly positive text. `ok` is false when
/// scoring is enabled and the model does not load or gets either wrong.
pub fn doctor_check(config: &Config) -> serde_json::Value {
    let cfg = &config.sentiment;
    if !cfg.enabled {
        return serde_json::json!({"ok": true, "status": "disabled in the config ([sentiment] enabled = false)"});
    }
    #[cfg(feature = "sentiment")]
    {
        let started = std::time::Instant::now();
        let scorer = match crate::sentiment::Scorer::load(cfg) {
            Ok(s) => s,
            Err(e) => return serde_json::json!({"ok": false, "status": e.to_string()}),
        };
        let load_ms = started.elapsed().as_millis() as u64;
        const PROBES: [(&str, crate::store::Label); 2] = [
            (
                "质量太差了，用两天就坏，非常失望。",
                crate::store::Label::Negative,
            ),
            (
                "Works perfectly and the battery lasts for days. Love it!",
                crate::store::Label::Positive,
            ),
        ];
        let texts: Vec<&str> = PROBES.iter().map(|p| p.0).collect();
        let status = match scorer.score(&texts) {
            Err(e) => Err(format!("the model loaded but cannot score: {e}")),
            Ok(scores) => match PROBES.iter().zip(&scores).find(|(p, s)| s.label != p.1) {
                Some((p, s)) => Err(format!(
                    "the model scores \"{}\" {} ({:+.2}), expected {}: is {} the shipped model?",
                    p.0,
                    s.label,
                    s.score,
                    p.1,
                    cfg.model.display()
                )),
                None => Ok(()),
            },
        };
        let precision = scorer.precision();
        serde_json::json!({
            "ok": status.is_ok(),
            "status": match &status { Ok(()) => "ok".to_string(), Err(e) => e.clone() },
            "model": scorer.version(),
            "precision": precision.name(),
            "asked": cfg.effective_precision().name(),
            "native_bf16": crate::sentiment::native_bf16(),
            "load_ms": load_ms,
        })
    }
    #[cfg(not(feature = "sentiment"))]
    {
        serde_json::json!({"ok": false, "status": "this earshot was built without the `sentiment` feature; rebuild with default features"})
    }
}
