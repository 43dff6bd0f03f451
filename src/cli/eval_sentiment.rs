//! `earshot eval-sentiment`: accuracy, macro-F1 and the confusion matrix
//! of the model on a labelled CSV.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args;

use super::score::scorer;
use super::{load_config, Cli, Exit};
use earshot::sentiment::Precision;

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
    /// Also write each row's gold label and probabilities to FILE (CSV:
    /// `label,p_negative,p_neutral,p_positive`, in the input's order), for
    /// scripts/sentiment/calibrate.py
    #[arg(long, value_name = "FILE")]
    pub rows: Option<PathBuf>,
}

fn parse_label(s: &str) -> Option<usize> {
    match s.trim().to_ascii_lowercase().as_str() {
        "0" | "negative" | "neg" => Some(0),
        "1" | "neutral" | "neu" => Some(1),
        "2" | "positive" | "pos" => Some(2),
        _ => None,
    }
}

pub(super) fn run(cli: &Cli, args: &EvalArgs) -> Result<Exit> {
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
    if let Some(path) = &args.rows {
        write_rows(path, &gold, &probs)
            .with_context(|| format!("cannot write the rows to {}", path.display()))?;
    }
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

/// Each row's gold label and probabilities, as `--rows` writes them.
fn write_rows(path: &std::path::Path, gold: &[usize], probs: &[[f32; 3]]) -> Result<()> {
    let mut w = csv::Writer::from_path(path)?;
    w.write_record(["label", "p_negative", "p_neutral", "p_positive"])?;
    for (g, p) in gold.iter().zip(probs) {
        w.write_record([
            g.to_string(),
            p[0].to_string(),
            p[1].to_string(),
            p[2].to_string(),
        ])?;
    }
    w.flush()?;
    Ok(())
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
