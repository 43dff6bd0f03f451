//! The shipped sentiment model through the commands that score (`score`,
//! `eval-sentiment`, `doctor`), run for real: the `earshot` binary starts
//! `earshot-score` beside it. The model's own tests (logits against the
//! training framework's, bf16, int8) are in crates/earshot-scorer/tests.

use earshot_test_utils::model_copy_with;
use std::io::Write;
use std::process::Stdio;

use earshot::sentiment::Precision;

use crate::util::{earshot, text};

const MODEL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/models/sentiment");

fn score_stdin(input: &[u8], args: &[&str]) -> std::process::Output {
    let mut cmd = earshot();
    cmd.arg("score").args(args);
    let mut child = cmd
        .env("EARSHOT_LOG", "error")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn earshot score");
    let mut stdin = child.stdin.take().expect("stdin");
    let data = input.to_vec();
    let w = std::thread::spawn(move || {
        let _ = stdin.write_all(&data);
    });
    let out = child.wait_with_output().expect("wait");
    w.join().expect("writer");
    out
}

/// The int8 path's fbgemm ops make libtorch warn that they are deprecated
/// (once per process, through c10's handler, which prints on stderr
/// whatever `TORCH_CPP_LOG_LEVEL` says): earshot routes that to its debug
/// log. stderr stays clean at the default log level, the scores come out,
/// and with `EARSHOT_LOG=debug` the warning is in the log.
#[test]
fn int8_scoring_keeps_libtorch_deprecation_warnings_off_stderr() {
    let input = b"The lamp is wonderful, I love it.\nSupport never answered, awful.\n";
    let run = |log: Option<&str>| {
        let mut cmd = earshot();
        cmd.args(["score", "--precision", "int8", "--json"])
            .env_remove("EARSHOT_LOG")
            .env_remove("TORCH_CPP_LOG_LEVEL")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(l) = log {
            cmd.env("EARSHOT_LOG", l);
        }
        let mut child = cmd.spawn().expect("spawn earshot score");
        child.stdin.take().unwrap().write_all(input).unwrap();
        child.wait_with_output().expect("wait")
    };
    let out = run(None);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("deprecated"), "{stderr}");
    let labels: Vec<String> = stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["label"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(labels, ["positive", "negative"], "{stdout}");

    let out = run(Some("earshot=debug"));
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let line = stderr
        .lines()
        .find(|l| l.contains("fbgemm_linear_int8_weight_fp32_activation is deprecated"))
        .unwrap_or_else(|| panic!("the warning is not in the debug log: {stderr}"));
    assert!(
        line.contains("DEBUG") && line.contains("libtorch"),
        "{line}"
    );
    let notes = stderr
        .lines()
        .filter(|l| l.contains("hidden at the default log level"))
        .count();
    assert_eq!(
        notes, 1,
        "one note that libtorch's warnings were hidden: {stderr}"
    );
}

/// A scorer built without the c10 shim (no libtorch headers at build
/// time) gets libtorch's warnings on its stderr as raw C++ log lines, before
/// and outside its own log framing. The real scorer, behind a wrapper that
/// first prints the lines such a build prints (libtorch 2.x and older
/// forms, and a real libtorch error): at the default log level earshot
/// shows no fbgemm or `[W …]` line but keeps the error; at debug it logs
/// them, and says once that libtorch's warnings were hidden.
#[test]
fn raw_libtorch_warning_lines_from_the_scorer_stay_off_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let real = std::path::Path::new(env!("CARGO_BIN_EXE_earshot")).with_file_name("earshot-score");
    assert!(
        real.is_file(),
        "build earshot-score first: {}",
        real.display()
    );
    let wrapper = dir.path().join("earshot-score");
    let lines = [
        "[W1207 03:18:57.494277512 QuantizedLinear.cpp:291] Warning: fbgemm_pack_quantized_matrix is deprecated and will be removed in a future PyTorch release. (function operator())",
        "[W QuantizedLinear.cpp:412] Warning: fbgemm_linear_int8_weight_fp32_activation is deprecated and will be removed in a future PyTorch release. (function operator())",
        "[W NNPACK.cpp:64] Could not initialize NNPACK! Reason: Unsupported hardware.",
        "[E1207 03:18:58.000000001 alloc_cpu.cpp:116] DefaultCPUAllocator: not enough memory",
    ];
    let mut script = String::from("#!/bin/sh\n");
    for l in lines {
        script.push_str(&format!("echo '{l}' >&2\n"));
    }
    script.push_str(&format!("exec '{}' \"$@\"\n", real.display()));
    std::fs::write(&wrapper, script).unwrap();
    std::fs::set_permissions(
        &wrapper,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let run = |log: Option<&str>| {
        let mut cmd = earshot();
        cmd.args(["score", "--precision", "int8", "--json"])
            .env("EARSHOT_SCORER", &wrapper)
            .env_remove("EARSHOT_LOG")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(l) = log {
            cmd.env("EARSHOT_LOG", l);
        }
        let mut child = cmd.spawn().expect("spawn earshot score");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"The lamp is wonderful, I love it.\n")
            .unwrap();
        child.wait_with_output().expect("wait")
    };
    let out = run(None);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(text(&out.stdout).lines().count(), 1, "{stderr}");
    assert!(!stderr.contains("fbgemm"), "{stderr}");
    assert!(!stderr.contains("NNPACK"), "{stderr}");
    let error = stderr
        .lines()
        .find(|l| l.contains("DefaultCPUAllocator"))
        .unwrap_or_else(|| panic!("the libtorch error was hidden: {stderr}"));
    assert!(error.contains("ERROR"), "{error}");

    let out = run(Some("earshot=debug"));
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    for l in &lines[..3] {
        let shown = stderr
            .lines()
            .find(|s| s.contains(l))
            .unwrap_or_else(|| panic!("{l} is not in the debug log: {stderr}"));
        assert!(shown.contains("DEBUG"), "{shown}");
    }
    let notes = stderr
        .lines()
        .filter(|l| l.contains("hidden at the default log level"))
        .count();
    assert_eq!(
        notes, 1,
        "one note that libtorch's warnings were hidden: {stderr}"
    );
}

#[test]
fn score_cli_handles_awkward_lines_in_order() {
    let long = "x".repeat(100_000);
    let lines = [
        "这个手机用了三天就坏了，客服也不理人，太失望了",
        "",
        "😡😡😡",
        long.as_str(),
        "质量太差了 quality is really bad",
        "這家餐廳的服務態度非常差，再也不會來了",
        "The update broke everything &amp; now it won&#39;t boot",
        "Absolutely love this phone, the camera is amazing!",
    ];
    let out = score_stdin(lines.join("\n").as_bytes(), &["--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rows: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(rows.len(), lines.len(), "one line out per line in");
    for r in &rows {
        let p = &r["probs"];
        let sum = p["negative"].as_f64().unwrap_or(0.0)
            + p["neutral"].as_f64().unwrap_or(0.0)
            + p["positive"].as_f64().unwrap_or(0.0);
        assert!((sum - 1.0).abs() < 1e-3, "{r}");
        let score = r["score"].as_f64().expect("score");
        assert!((-1.0..=1.0).contains(&score));
        assert!(["negative", "neutral", "positive"].contains(&r["label"].as_str().unwrap_or("")));
    }
    assert_eq!(rows[0]["label"], "negative", "{}", rows[0]);
    assert_eq!(rows[5]["label"], "negative", "{}", rows[5]);
    assert_eq!(rows[7]["label"], "positive", "{}", rows[7]);
}

#[test]
fn score_cli_precision_flag_runs_each_precision_and_rejects_others() {
    let input = "这个手机用了三天就坏了，客服也不理人\nAbsolutely love this phone!\n";
    let labels = |precision: &str| -> Vec<String> {
        let out = score_stdin(input.as_bytes(), &["--json", "--precision", precision]);
        assert!(out.status.success(), "{precision}: {}", text(&out.stderr));
        text(&out.stdout)
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
                v["label"].as_str().unwrap_or("").to_string()
            })
            .collect()
    };
    let want = ["negative", "positive"];
    for p in ["fp32", "bf16", "int8", "auto"] {
        assert_eq!(labels(p), want, "--precision {p}");
    }
    let out = score_stdin(input.as_bytes(), &["--precision", "fp8"]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("fp8") && err.contains("auto, fp32, bf16 or int8"),
        "{err}"
    );
}

#[test]
fn score_cli_names_the_line_that_is_not_utf8() {
    let out = score_stdin(b"fine\nalso fine\n\xff\xfebad\n", &[]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("line 3") && err.contains("UTF-8"), "{err}");
    assert!(out.stdout.is_empty(), "nothing printed before the error");
}

/// `earshot eval-sentiment --json --data CSV` with the shipped model; the
/// figures it prints.
fn eval_json(csv: &std::path::Path) -> serde_json::Value {
    let out = earshot()
        .args(["eval-sentiment", "--json", "--data"])
        .arg(csv)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_str(text(&out.stdout).trim()).expect("json")
}

/// Five labelled texts, Chinese and English, one of each class at least.
const EVAL_CSV: &str = "label,text\n0,太失望了，质量很差\n2,非常满意，推荐购买\n0,\"Awful, it broke in a day\"\n2,Love it!\n1,The store opens at 9am.\n";

#[test]
fn eval_sentiment_prints_accuracy_and_confusion() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("eval.csv");
    std::fs::write(&csv, EVAL_CSV).expect("write csv");
    let v = eval_json(&csv);
    assert_eq!(v["n"], 5);
    let conf = v["confusion"].as_array().expect("confusion");
    let total: u64 = conf
        .iter()
        .flat_map(|r| r.as_array().into_iter().flatten())
        .map(|x| x.as_u64().unwrap_or(0))
        .sum();
    assert_eq!(total, 5);
    assert!(v["accuracy"].as_f64().is_some() && v["macro_f1"].as_f64().is_some());

    std::fs::write(&csv, "label,text\nmaybe,hmm\n").expect("write csv");
    let out = earshot()
        .args(["eval-sentiment", "--data"])
        .arg(&csv)
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("record 1"),
        "{}",
        text(&out.stderr)
    );
}

/// `eval-sentiment --rows FILE` writes each row's gold label and
/// probabilities in the input's order (what scripts/sentiment/calibrate.py
/// reads); a model copy with `earshot_logit_bias` in its config, scored
/// through the scorer process, moves them as softmax(log p + bias).
#[test]
fn eval_sentiment_rows_are_each_rows_probabilities_and_a_logit_bias_moves_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("eval.csv");
    std::fs::write(&csv, EVAL_CSV).expect("write csv");
    let rows = |model: &std::path::Path, name: &str| -> (serde_json::Value, Vec<(u8, [f64; 3])>) {
        let path = dir.path().join(name);
        let out = earshot()
            .env("EARSHOT_LOG", "error")
            .args(["eval-sentiment", "--json", "--precision", "fp32", "--data"])
            .arg(&csv)
            .arg("--model")
            .arg(model)
            .arg("--rows")
            .arg(&path)
            .output()
            .expect("run");
        assert!(out.status.success(), "{}", text(&out.stderr));
        let figures = serde_json::from_str(text(&out.stdout).trim()).expect("json");
        let body = std::fs::read_to_string(&path).expect("the rows file");
        let mut lines = body.lines();
        assert_eq!(lines.next(), Some("label,p_negative,p_neutral,p_positive"));
        let rows = lines
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                let p = |i: usize| f[i].parse::<f64>().expect("a probability");
                (f[0].parse().expect("a label"), [p(1), p(2), p(3)])
            })
            .collect();
        (figures, rows)
    };
    let (figures, plain) = rows(std::path::Path::new(MODEL), "plain.csv");
    let labels: Vec<u8> = plain.iter().map(|r| r.0).collect();
    assert_eq!(labels, [0, 2, 0, 2, 1]);
    let argmax = |p: &[f64; 3]| (0..3).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap_or(0);
    // the confusion matrix is the rows' gold label against their argmax
    let mut confusion = [[0u64; 3]; 3];
    for (g, p) in &plain {
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-4, "{p:?}");
        confusion[*g as usize][argmax(p)] += 1;
    }
    assert_eq!(figures["confusion"], serde_json::json!(confusion));

    let bias = [2.5, 0.0, -1.0];
    let copy = model_copy_with(std::path::Path::new(MODEL), |keys| {
        keys.insert("earshot_logit_bias".into(), serde_json::json!(bias));
    });
    let (_, biased) = rows(copy.path(), "biased.csv");
    let mut moved = 0;
    for ((_, p), (_, q)) in plain.iter().zip(&biased) {
        let e: Vec<f64> = (0..3).map(|c| p[c] * f64::exp(bias[c])).collect();
        let s: f64 = e.iter().sum();
        for c in 0..3 {
            assert!((q[c] - e[c] / s).abs() < 1e-4, "biased {q:?} from {p:?}");
        }
        moved += usize::from(argmax(p) != argmax(q));
    }
    assert!(moved > 0, "a bias of {bias:?} moves no label: {plain:?}");
}

/// On a CPU without VNNI, fbgemm's int8 products pass through a
/// saturating int16, and the smoothed feed-forward output projection
/// overflowed it (mixed reviews: probabilities 0.47 from fp32's, two labels
/// changed). There the projection stays fp32. `FBGEMM_ENABLE_INSTRUCTIONS=AVX2`
/// holds fbgemm to those kernels on any x86-64 CPU; forcing the projection
/// into int8 beside it shows the overflow the default avoids.
#[test]
fn int8_on_avx2_kernels_scores_as_fp32_does() {
    if !earshot::sentiment::fbgemm_cpu() {
        eprintln!("skipped: no fbgemm int8 kernels on this CPU");
        return;
    }
    let data = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/sentiment/mixed-reviews.csv"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let rows = |precision: &str, env: &[(&str, &str)]| -> Vec<[f64; 3]> {
        let path = dir.path().join(format!("{precision}-{}.csv", env.len()));
        let out = earshot()
            .env("EARSHOT_LOG", "error")
            .env("EARSHOT_PRECISION_CACHE", "")
            .envs(env.iter().copied())
            .args([
                "eval-sentiment",
                "--json",
                "--precision",
                precision,
                "--data",
                data,
            ])
            .arg("--rows")
            .arg(&path)
            .output()
            .expect("run");
        assert!(out.status.success(), "{}", text(&out.stderr));
        let body = std::fs::read_to_string(&path).expect("the rows file");
        body.lines()
            .skip(1)
            .map(|l| {
                let f: Vec<f64> = l
                    .split(',')
                    .skip(1)
                    .map(|x| x.parse().expect("a probability"))
                    .collect();
                [f[0], f[1], f[2]]
            })
            .collect()
    };
    let argmax = |p: &[f64; 3]| (0..3).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap_or(0);
    let apart = |a: &[[f64; 3]], b: &[[f64; 3]]| -> (f64, usize) {
        let most = a
            .iter()
            .zip(b)
            .flat_map(|(p, q)| (0..3).map(move |c| (p[c] - q[c]).abs()))
            .fold(0.0, f64::max);
        let labels = a
            .iter()
            .zip(b)
            .filter(|(p, q)| argmax(p) != argmax(q))
            .count();
        (most, labels)
    };
    let fp32 = rows("fp32", &[]);
    assert_eq!(fp32.len(), 84);
    let avx2 = [("FBGEMM_ENABLE_INSTRUCTIONS", "AVX2")];
    let (most, labels) = apart(&fp32, &rows("int8", &avx2));
    assert!(
        most < 0.2 && labels <= 1,
        "int8 on AVX2 kernels: probabilities up to {most:.3} from fp32's, {labels} labels differ"
    );
    let forced = [avx2[0], ("EARSHOT_INT8_FFN_OUTPUT", "split+smooth=0.5")];
    let (overflow, _) = apart(&fp32, &rows("int8", &forced));
    assert!(
        overflow > 0.3,
        "the projection in int8 on AVX2 kernels came within {overflow:.3} of fp32: is fbgemm held to AVX2?"
    );
}

/// The shipped model on reviews written for earshot from domains its
/// training data lacks (hotels, takeout, apps, airlines…), in simplified and
/// traditional Chinese and English: a release that gets clear-cut reviews
/// of a new domain wrong fails here even when its logits match its own test
/// vectors (tests/fixtures/sentiment/README.md).
#[test]
fn shipped_model_gets_clear_reviews_of_unseen_domains_right() {
    let csv = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/sentiment/unseen-domains.csv"
    );
    let v = eval_json(std::path::Path::new(csv));
    assert_eq!(v["n"], 48);
    let binary = v["binary_accuracy"].as_f64().expect("binary accuracy");
    assert!(
        binary >= 0.9,
        "binary accuracy {binary} on unseen domains: {v}"
    );
}

/// `earshot doctor` loads the configured model, names the precision this
/// CPU runs it in and scores two clear texts; a model directory that is not
/// there fails it with the path in the message.
#[test]
fn doctor_checks_the_sentiment_model() {
    let dir = tempfile::tempdir().expect("tempdir");
    let doctor = |model: &std::path::Path| {
        let cfg = dir.path().join("earshot.toml");
        std::fs::write(
            &cfg,
            format!(
                "[sentiment]\nmodel = {:?}\n[[watch]]\nname = \"云雀\"\n",
                model.display().to_string()
            ),
        )
        .expect("write config");
        earshot()
            .arg("--config")
            .arg(&cfg)
            .arg("--store")
            .arg(dir.path().join("db"))
            .args(["doctor", "--json"])
            .output()
            .expect("run")
    };
    let out = doctor(std::path::Path::new(MODEL));
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_str(&text(&out.stdout)).expect("json");
    let st = &v["sentiment"];
    assert_eq!(st["ok"], true, "{v}");
    // the scorer process: its path and how long it took to start
    assert!(
        v["scorer"]["exe"]
            .as_str()
            .is_some_and(|e| e.ends_with("/earshot-score")),
        "{v}"
    );
    assert!(v["scorer"]["start_ms"].is_u64(), "{v}");
    assert_eq!(v["libtorch"]["check"], 14.0, "{v}");
    assert!(
        st["model"]
            .as_str()
            .is_some_and(|m| m.starts_with("earshot-sentiment")),
        "{v}"
    );
    // auto: one of this CPU's candidates, chosen by measurement or cache
    // where there are two
    let precision = st["precision"].as_str().unwrap_or_default();
    assert!(
        Precision::auto_candidates()
            .iter()
            .any(|p| p.name() == precision),
        "{v}"
    );
    let from = st["precision_from"].as_str().unwrap_or_default();
    if Precision::auto_candidates().len() == 2 {
        assert!(from == "calibration" || from == "cache", "{v}");
    } else {
        assert_eq!(from, "only", "{v}");
    }

    let missing = dir.path().join("no-such-model");
    let out = doctor(&missing);
    assert!(!out.status.success(), "a missing model must fail doctor");
    let v: serde_json::Value = serde_json::from_str(&text(&out.stdout)).expect("json");
    let status = v["sentiment"]["status"].as_str().unwrap_or_default();
    assert!(status.contains("no-such-model"), "{v}");
}

/// `--model DIR` scores with another model than the configured one (to
/// compare a retrained model with the shipped one), and a directory without a
/// model is named in the error.
#[test]
fn score_and_eval_take_another_model_dir() {
    // the same weights, told to read text as written
    let dir = model_copy_with(std::path::Path::new(MODEL), |keys| {
        keys.insert("earshot_lower_case".into(), serde_json::Value::Bool(false));
    });
    let other = dir.path().to_str().expect("utf-8 path");

    let input = b"Terrible support.\nterrible support.\n";
    let probs = |args: &[&str]| -> Vec<String> {
        let out = score_stdin(input, args);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        text(&out.stdout)
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
                v["probs"].to_string()
            })
            .collect()
    };
    let shipped = probs(&["--json", "--precision", "fp32"]);
    let cased = probs(&["--json", "--precision", "fp32", "--model", other]);
    assert_eq!(shipped[0], shipped[1], "the shipped model lower-cases");
    assert_eq!(shipped[1], cased[1], "same weights on lower-case text");
    assert_ne!(cased[0], cased[1], "--model's config reads text as written");

    let empty = dir.path().join("no-model-here");
    std::fs::create_dir(&empty).expect("mkdir");
    let csv = dir.path().join("eval.csv");
    std::fs::write(&csv, "label,text\nnegative,Terrible support.\n").expect("csv");
    let out = earshot()
        .env("EARSHOT_LOG", "error")
        .args(["eval-sentiment", "--data"])
        .arg(&csv)
        .arg("--model")
        .arg(&empty)
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("no-model-here") && err.contains("config.json"),
        "{err}"
    );
}

/// `precision = "auto"` through `earshot doctor --json`, the cache in a
/// fresh `$XDG_CACHE_HOME`: the first start times bf16 and int8 and writes
/// `earshot/precision.json` there, the second reads it; a corrupt file is
/// a warning on stderr and is rewritten; a named precision times nothing.
/// (On a CPU with one candidate: nothing is timed or cached.)
#[test]
fn auto_precision_is_measured_once_and_cached() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache_home = dir.path().join("cache");
    let cache = cache_home.join("earshot").join("precision.json");
    let doctor = |precision: &str| {
        let cfg = dir.path().join("earshot.toml");
        std::fs::write(
            &cfg,
            format!(
                "[sentiment]\nmodel = {MODEL:?}\nprecision = \"{precision}\"\n[[watch]]\nname = \"云雀\"\n"
            ),
        )
        .expect("write config");
        let out = earshot()
            .env_remove("EARSHOT_PRECISION_CACHE")
            .env_remove("EARSHOT_LOG")
            .env("XDG_CACHE_HOME", &cache_home)
            .arg("--config")
            .arg(&cfg)
            .arg("--store")
            .arg(dir.path().join("db"))
            .args(["doctor", "--json"])
            .output()
            .expect("run");
        assert!(out.status.success(), "{}", text(&out.stderr));
        let v: serde_json::Value = serde_json::from_str(&text(&out.stdout)).expect("json");
        (v["sentiment"].clone(), text(&out.stderr))
    };
    let (st, _) = doctor("int8");
    assert_eq!(st["precision"], "int8", "{st}");
    assert_eq!(st["precision_from"], "asked", "{st}");
    assert!(!cache.exists(), "a named precision times nothing");

    let (first, _) = doctor("auto");
    if Precision::auto_candidates().len() < 2 {
        assert_eq!(first["precision_from"], "only", "{first}");
        assert!(!cache.exists());
        return;
    }
    assert_eq!(first["precision_from"], "calibration", "{first}");
    for p in ["bf16", "int8"] {
        assert!(
            first["calibration_ms"][p].as_f64().is_some_and(|t| t > 0.0),
            "{first}"
        );
    }
    let written = std::fs::read_to_string(&cache).expect("the cache is written");
    assert!(
        written.contains(first["model"].as_str().unwrap_or("?")),
        "{written}"
    );
    let (second, _) = doctor("auto");
    assert_eq!(second["precision_from"], "cache", "{second}");
    assert_eq!(second["precision"], first["precision"], "{second}");
    assert_eq!(
        second["calibration_ms"], first["calibration_ms"],
        "{second}"
    );

    std::fs::write(&cache, "not json {").expect("corrupt it");
    let (third, stderr) = doctor("auto");
    assert_eq!(third["precision_from"], "calibration", "{third}");
    let warning = stderr
        .lines()
        .find(|l| l.contains("precision cache is unreadable"))
        .unwrap_or_else(|| panic!("no warning about the corrupt cache: {stderr}"));
    assert!(warning.contains("WARN"), "{warning}");
    let (fourth, _) = doctor("auto");
    assert_eq!(fourth["precision_from"], "cache", "{fourth}");
}
