//! `earshot-score` as earshot runs it: a real process started by
//! [`ScorerClient`] over the scorer protocol, with real inference. It
//! scores exactly as the model does in process, starts only on the first
//! batch, comes back after being killed, and names what is missing.

use std::path::PathBuf;

use earshot::sentiment::{Precision, ScorerClient, SentimentConfig, SentimentError};
use earshot_scorer::Scorer;

const MODEL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../models/sentiment");
const SCORER: &str = env!("CARGO_BIN_EXE_earshot-score");

fn cfg(precision: Precision) -> SentimentConfig {
    SentimentConfig {
        model: MODEL.into(),
        precision,
        ..Default::default()
    }
}

fn client(precision: Precision) -> ScorerClient {
    ScorerClient::with_exe(SCORER.into(), &cfg(precision)).expect("the model is there")
}

/// The test vectors' texts, a long text (several windows) and an empty one.
fn texts() -> Vec<String> {
    let raw = std::fs::read_to_string(format!("{MODEL}/test-vectors.json")).expect("vectors");
    let v: serde_json::Value = serde_json::from_str(&raw).expect("json");
    let mut out: Vec<String> = v["vectors"]
        .as_array()
        .expect("vectors")
        .iter()
        .map(|t| t["text"].as_str().expect("text").to_string())
        .collect();
    out.push("电池续航太差了，一天要充三次电。".repeat(40));
    out.push(String::new());
    out
}

#[test]
fn the_scorer_process_scores_exactly_as_the_model_in_process() {
    let texts = texts();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    for precision in [Precision::Fp32, Precision::Int8] {
        let client = client(precision);
        assert!(client.info().is_none(), "nothing starts before a batch");
        let got = client.score(texts.clone()).expect("scores over the pipe");
        let info = client.info().expect("started by the batch");
        assert_eq!(info.loaded.precision, precision.on_cpu());
        assert_eq!(info.loaded.torch.check, 14.0);
        assert_eq!(info.exe, PathBuf::from(SCORER));
        let want = Scorer::load(&cfg(precision))
            .expect("in process")
            .score(&refs)
            .expect("inference");
        assert_eq!(got.len(), texts.len());
        assert_eq!(got, want, "{precision:?}: the same numbers, bit for bit");
        assert_eq!(client.version(), want[0].model);
    }
}

#[test]
fn a_killed_scorer_is_restarted_and_scoring_goes_on() {
    let client = client(Precision::Fp32);
    let texts = vec![
        "质量太差了，用两天就坏，非常失望。".to_string(),
        "Works perfectly and the battery lasts for days. Love it!".to_string(),
    ];
    let first = client.score(texts.clone()).expect("first batch");
    let pid = client.info().expect("running").pid;
    let killed = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let again = client
        .score(texts)
        .expect("scoring goes on after a restart");
    assert_eq!(again, first);
    assert_eq!(client.restarts(), 1);
    assert_ne!(client.info().expect("running again").pid, pid);
    // the old process is gone (reaped), not left behind
    assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
    // a clean stop: the process ends when its input closes
    let pid = client.info().expect("running").pid;
    client.stop();
    assert!(client.info().is_none());
    assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
}

#[test]
fn a_missing_scorer_model_or_hello_is_named() {
    // the scorer named in the config is not there
    let mut c = cfg(Precision::Fp32);
    c.scorer = Some("/nonexistent/earshot-score".into());
    let err = ScorerClient::new(&c)
        .expect_err("no such scorer")
        .to_string();
    assert!(
        err.contains("/nonexistent/earshot-score")
            && err.contains("[sentiment] scorer")
            && err.contains("EARSHOT_SCORER"),
        "{err}"
    );
    // a binary that is not a scorer: exits before its hello
    let client = ScorerClient::with_exe("/bin/true".into(), &cfg(Precision::Fp32)).expect("lazy");
    let err = client.score(vec!["x".into()]).expect_err("not a scorer");
    assert!(
        matches!(err, SentimentError::ScorerDied(_)) && err.to_string().contains("/bin/true"),
        "{err}"
    );
    // a model directory without its weights: the scorer says which file
    let dir = tempfile::tempdir().expect("tempdir");
    for f in ["config.json", "spiece.model"] {
        std::fs::copy(format!("{MODEL}/{f}"), dir.path().join(f)).expect("copy");
    }
    let mut c = cfg(Precision::Fp32);
    c.model = dir.path().to_path_buf();
    let client = ScorerClient::with_exe(SCORER.into(), &c).expect("lazy");
    let err = client.score(vec!["x".into()]).expect_err("no weights");
    assert!(
        matches!(err, SentimentError::File { .. }) && err.to_string().contains("model.safetensors"),
        "{err}"
    );
    assert_eq!(
        client.restarts(),
        0,
        "a model that does not load is not retried"
    );
}
