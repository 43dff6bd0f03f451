//! `earshot score`: sentiment of texts, one per line; and the scorer the
//! sentiment commands share.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args;

use super::{load_config, Cli, Exit};
use crate::config::Config;
use earshot::sentiment::{Precision, ScoreFn};

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

/// The sentiment scorer of the config, with `--precision` and `--model`
/// applied (`score`, `eval-sentiment`, `rescore`).
pub(super) fn scorer(
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
    match earshot::sentiment::shared_scorer(&cfg)? {
        Some(s) => Ok(s),
        None => bail!("scoring is disabled"),
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

pub(super) fn run(cli: &Cli, args: &ScoreArgs) -> Result<Exit> {
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
