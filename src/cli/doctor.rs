//! `earshot doctor`: whether the scorer process (`earshot-score`, libtorch),
//! the sentiment model, the config, the store, the disk under it and the
//! alert channels work here. It exits
//! non-zero when any of them does not (a store not created yet is fine).

use anyhow::Result;

use super::{config_source, store_path, Cli, Exit, JsonArg};
use crate::config::Config;
use earshot::sentiment::ScorerClient;
use earshot::store::{Label, Store};

pub(super) fn run(cli: &Cli, a: &JsonArg) -> Result<Exit> {
    let json = a.json;
    let source = config_source(cli);
    tracing::info!("config: {source}");
    let config = source.load();
    let mut report = serde_json::json!({
        "config": match &config { Ok(_) => "ok".to_string(), Err(e) => format!("{e:#}") },
        "config_file": source.path(),
        "config_source": source.to_string(),
    });
    let mut sentiment_ok = true;
    let mut store_ok = true;
    let mut disk_ok = true;
    if let Ok(c) = &config {
        let (check, scorer) = sentiment_check(c);
        sentiment_ok = check["ok"] == true;
        report["sentiment"] = check;
        if let Some((info, torch)) = scorer {
            report["scorer"] = info;
            report["libtorch"] = torch;
        }
        let path = store_path(cli, c);
        let mut outbox = Vec::new();
        report["store"] = if !path.exists() {
            serde_json::Value::String(format!(
                "not created yet at {} (the first crawl creates it)",
                path.display()
            ))
        } else {
            match Store::open_existing(&path).and_then(|s| {
                outbox = s.outbox_pending()?;
                s.stats()
            }) {
                Ok(s) => serde_json::to_value(s)?,
                Err(e) => {
                    store_ok = false;
                    serde_json::Value::String(format!("cannot be opened: {e}"))
                }
            }
        };
        // The disk under the store (its nearest existing folder).
        let mut dir = path.as_path();
        while !dir.exists() {
            dir = dir.parent().unwrap_or(std::path::Path::new("."));
        }
        report["disk_free_bytes"] = match fs2::available_space(dir) {
            Ok(b) => {
                disk_ok = b >= crate::daemon::ops::FULL_DISK_BYTES;
                serde_json::json!(b)
            }
            Err(e) => serde_json::Value::String(format!("cannot tell ({}): {e}", dir.display())),
        };
        report["channels"] = c
            .channels
            .iter()
            .map(|ch| {
                let mine: Vec<_> = outbox.iter().filter(|i| i.channel == ch.name).collect();
                let failing = mine
                    .iter()
                    .filter_map(|i| i.last_error.as_deref())
                    .next_back();
                serde_json::json!({
                    "name": ch.name,
                    "kind": format!("{:?}", ch.kind).to_lowercase(),
                    "pending": mine.len(),
                    "last_error": failing,
                })
            })
            .collect();
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let sc = &report["scorer"];
        if let Some(exe) = sc["exe"].as_str() {
            println!(
                "scorer:   {exe} (pid {}, started and loaded the model in {} ms)",
                sc["pid"], sc["start_ms"]
            );
        }
        let torch = &report["libtorch"];
        if torch.is_object() {
            println!(
                "libtorch: {} (check {}, {} threads, {} CUDA devices)",
                if torch["check"] == 14.0 {
                    "ok"
                } else {
                    "wrong"
                },
                torch["check"],
                torch["threads"],
                torch["cuda_devices"]
            );
        }
        println!(
            "config:   {} ({source})",
            report["config"].as_str().unwrap_or("?")
        );
        let st = &report["sentiment"];
        match st["model"].as_str() {
            Some(model) => {
                println!(
                    "sentiment: {} ({model}, {} on this CPU (precision = \"{}\"; native bfloat16: {}), loaded in {} ms)",
                    st["status"].as_str().unwrap_or("?"),
                    st["precision"].as_str().unwrap_or("?"),
                    st["asked"].as_str().unwrap_or("?"),
                    if st["native_bf16"] == true { "yes" } else { "no" },
                    st["load_ms"],
                );
                if let Some(times) = st["calibration_ms"].as_object().filter(|t| !t.is_empty()) {
                    let times: Vec<String> = times
                        .iter()
                        .map(|(p, ms)| format!("{p} {:.0} ms", ms.as_f64().unwrap_or(0.0)))
                        .collect();
                    println!(
                        "precision: from {} (calibration batch: {}; {})",
                        st["precision_from"].as_str().unwrap_or("?"),
                        times.join(", "),
                        st["precision_note"].as_str().unwrap_or("")
                    );
                }
            }
            None => {
                if let Some(s) = st["status"].as_str() {
                    println!("sentiment: {s}");
                }
            }
        }
        match &report["store"] {
            serde_json::Value::String(s) => println!("store:    {s}"),
            serde_json::Value::Null => {}
            v => println!("store:    ok ({} mentions)", v["mentions"]),
        }
        match &report["disk_free_bytes"] {
            serde_json::Value::Number(n) => {
                let mib = n.as_u64().unwrap_or(0) >> 20;
                let verdict = if disk_ok { "ok" } else { "too little" };
                println!("disk:     {verdict} ({mib} MiB free under the store)");
            }
            serde_json::Value::String(s) => println!("disk:     {s}"),
            _ => {}
        }
        if let Some(chs) = report["channels"].as_array() {
            for ch in chs {
                let state = match ch["last_error"].as_str() {
                    Some(e) => format!("{} undelivered, last attempt failed: {e}", ch["pending"]),
                    None => format!("ok ({} undelivered)", ch["pending"]),
                };
                println!(
                    "channel:  {} ({}): {state}",
                    ch["name"].as_str().unwrap_or("?"),
                    ch["kind"].as_str().unwrap_or("?")
                );
            }
        }
    }
    Ok(if config.is_ok() && sentiment_ok && store_ok && disk_ok {
        Exit::Ok
    } else {
        Exit::Failure
    })
}

/// `earshot doctor`'s sentiment check: starts the scorer process the way
/// the pipeline does (timing it), says which precision this CPU runs the
/// model in, and scores one clearly negative and one clearly positive text.
/// `ok` is false when scoring is enabled and the scorer does not start, the
/// model does not load, libtorch computes wrong, or it gets either text
/// wrong. With the check: the scorer (path, pid, start time) and libtorch's
/// report.
fn sentiment_check(
    config: &Config,
) -> (
    serde_json::Value,
    Option<(serde_json::Value, serde_json::Value)>,
) {
    let cfg = &config.sentiment;
    if !cfg.enabled {
        return (
            serde_json::json!({"ok": true, "status": "disabled in the config ([sentiment] enabled = false)"}),
            None,
        );
    }
    let fail = |e: &dyn std::fmt::Display| {
        (
            serde_json::json!({"ok": false, "status": e.to_string()}),
            None,
        )
    };
    let client = match ScorerClient::new(cfg) {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    let info = match client.start() {
        Ok(i) => i,
        Err(e) => return fail(&e),
    };
    const PROBES: [(&str, Label); 2] = [
        ("质量太差了，用两天就坏，非常失望。", Label::Negative),
        (
            "Works perfectly and the battery lasts for days. Love it!",
            Label::Positive,
        ),
    ];
    let texts: Vec<String> = PROBES.iter().map(|p| p.0.to_string()).collect();
    let status = match client.score(texts) {
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
    let torch = &info.loaded.torch;
    let status = status.and_then(|()| {
        if torch.check == 14.0 {
            Ok(())
        } else {
            Err(format!(
                "libtorch computes 1·1+2·2+3·3 = {} in the scorer",
                torch.check
            ))
        }
    });
    let check = serde_json::json!({
        "ok": status.is_ok(),
        "status": match &status { Ok(()) => "ok".to_string(), Err(e) => e.clone() },
        "model": client.version(),
        "precision": info.loaded.precision.name(),
        "asked": cfg.effective_precision().name(),
        "native_bf16": earshot::sentiment::native_bf16(),
        "amx": earshot::sentiment::amx_bf16(),
        // how `auto` chose: calibration, cache, only (one candidate), prior;
        // asked when the config named the precision
        "precision_from": info.loaded.choice.from.name(),
        "precision_note": info.loaded.choice.note,
        "calibration_ms": info
            .loaded
            .choice
            .timings_ms
            .iter()
            .map(|(p, ms)| {
                let ms = (f64::from(*ms) * 100.0).round() / 100.0;
                (p.name().to_string(), serde_json::json!(ms))
            })
            .collect::<serde_json::Map<_, _>>(),
        "load_ms": info.loaded.load_ms,
    });
    let scorer = serde_json::json!({
        "exe": info.exe.display().to_string(),
        "pid": info.pid,
        "start_ms": info.start_ms,
        "device": info.loaded.device,
    });
    let torch = serde_json::to_value(torch).unwrap_or_default();
    (check, Some((scorer, torch)))
}
