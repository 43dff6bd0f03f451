//! The client side of the scorer protocol ([`super::protocol`]): finds the
//! `earshot-score` binary, starts it on the first batch, keeps it for the
//! life of the process, restarts it once when it dies, and closes it with
//! its owner. One request is in flight per scorer at a time.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::protocol::{
    read_frame, write_frame, Choice, ChoiceSource, FrameError, LoadRequest, Loaded, Reply, Request,
    WireError, PROTOCOL,
};
use super::{from_probs, SentimentConfig, SentimentError};
use crate::store::Sentiment;

/// The scorer binary's name.
pub const SCORER_BIN: &str = "earshot-score";

/// The environment variable that names the scorer binary.
pub const SCORER_ENV: &str = "EARSHOT_SCORER";

/// Where the scorer binary is: `EARSHOT_SCORER`, else `[sentiment] scorer`,
/// else `earshot-score` beside the running executable (or one folder up,
/// for a test binary in `target/*/deps/`).
pub fn find_scorer(cfg: &SentimentConfig) -> Result<PathBuf, SentimentError> {
    let named = std::env::var_os(SCORER_ENV)
        .filter(|v| !v.is_empty())
        .map(|v| (PathBuf::from(v), SCORER_ENV))
        .or_else(|| cfg.scorer.clone().map(|p| (p, "[sentiment] scorer")));
    if let Some((path, how)) = named {
        return if path.is_file() {
            Ok(path)
        } else {
            Err(SentimentError::ScorerMissing {
                tried: vec![format!("{} (from {how})", path.display())],
            })
        };
    }
    let mut tried = Vec::new();
    if let Ok(exe) = std::env::current_exe() {
        let mut dirs: Vec<PathBuf> = exe.parent().map(Path::to_path_buf).into_iter().collect();
        if let Some(d) = dirs.first().cloned() {
            if d.file_name().is_some_and(|n| n == "deps") {
                dirs.extend(d.parent().map(Path::to_path_buf));
            }
        }
        for d in dirs {
            let c = d.join(SCORER_BIN);
            if c.is_file() {
                return Ok(c);
            }
            tried.push(c.display().to_string());
        }
    }
    Err(SentimentError::ScorerMissing { tried })
}

/// What a started scorer is.
#[derive(Debug, Clone)]
pub struct ScorerInfo {
    /// The binary.
    pub exe: PathBuf,
    /// Its process id.
    pub pid: u32,
    /// Milliseconds from starting the process to the model being ready.
    pub start_ms: u64,
    /// What it said once loaded.
    pub loaded: Loaded,
}

/// One running scorer process.
struct Process {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    info: ScorerInfo,
}

impl Drop for Process {
    /// Closes its stdin (the scorer exits on end of input), waits a
    /// moment, then kills it if it is still there.
    fn drop(&mut self) {
        drop(self.stdin.take());
        let until = Instant::now() + Duration::from_secs(2);
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) | Err(_) => return,
                Ok(None) if Instant::now() >= until => break,
                Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Why one exchange with the process failed.
enum Failure {
    /// The pipe broke or the process died: worth a restart.
    Transport(String),
    /// The scorer answered with an error.
    Scorer(SentimentError),
}

fn wire_error(e: WireError) -> SentimentError {
    match e {
        WireError::File { path, message } => SentimentError::File {
            path: path.into(),
            message,
        },
        WireError::NoCuda => SentimentError::NoCuda,
        WireError::Inference(m) => SentimentError::Inference(m),
        WireError::Protocol(m) => SentimentError::Protocol(format!("the scorer says: {m}")),
    }
}

/// A scorer process for one model configuration, started on first use.
pub struct ScorerClient {
    exe: PathBuf,
    load: LoadRequest,
    version: String,
    process: Mutex<Option<Process>>,
    restarts: AtomicU64,
}

impl std::fmt::Debug for ScorerClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScorerClient")
            .field("exe", &self.exe)
            .field("version", &self.version)
            .finish()
    }
}

impl ScorerClient {
    /// A client for `cfg`'s model with the scorer [`find_scorer`] finds.
    /// Nothing is started yet; the model directory and its version are
    /// checked now.
    pub fn new(cfg: &SentimentConfig) -> Result<ScorerClient, SentimentError> {
        ScorerClient::with_exe(find_scorer(cfg)?, cfg)
    }

    /// A client for `cfg`'s model with the scorer binary `exe`.
    pub fn with_exe(exe: PathBuf, cfg: &SentimentConfig) -> Result<ScorerClient, SentimentError> {
        let dir = cfg.resolve_model_dir()?;
        let version = super::model_version(&dir)?;
        Ok(ScorerClient {
            exe,
            load: LoadRequest {
                protocol: PROTOCOL,
                model_dir: dir.display().to_string(),
                max_tokens: cfg.max_tokens as u32,
                batch_size: cfg.batch_size as u32,
                threads: cfg.threads as u32,
                device: cfg.device.clone(),
                precision: cfg.effective_precision(),
            },
            version,
            process: Mutex::new(None),
            restarts: AtomicU64::new(0),
        })
    }

    /// The scorer binary.
    pub fn exe(&self) -> &Path {
        &self.exe
    }

    /// The model version every score carries.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// How many times a dead scorer was restarted.
    pub fn restarts(&self) -> u64 {
        self.restarts.load(Ordering::Relaxed)
    }

    /// The running scorer (`None` before the first batch).
    pub fn info(&self) -> Option<ScorerInfo> {
        self.lock().as_ref().map(|p| p.info.clone())
    }

    /// Starts the scorer now if it is not running; what it is.
    pub fn start(&self) -> Result<ScorerInfo, SentimentError> {
        let mut guard = self.lock();
        if guard.is_none() {
            *guard = Some(self.spawn()?);
        }
        Ok(guard
            .as_ref()
            .map(|p| p.info.clone())
            .expect("just started"))
    }

    /// Stops the scorer (the next batch starts a new one).
    pub fn stop(&self) {
        drop(self.lock().take());
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Process>> {
        self.process.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Scores `texts`, one result per text, in order.
    pub fn score(&self, texts: Vec<String>) -> Result<Vec<Sentiment>, SentimentError> {
        Ok(self
            .probabilities(texts)?
            .into_iter()
            .map(|p| from_probs(p, &self.version))
            .collect())
    }

    /// Class probabilities (negative, neutral, positive) per text.
    pub fn probabilities(&self, texts: Vec<String>) -> Result<Vec<[f32; 3]>, SentimentError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let n = texts.len();
        let request = Request::Score { texts };
        let mut guard = self.lock();
        for attempt in 0..2 {
            if guard.is_none() {
                *guard = Some(self.spawn()?);
            }
            let Some(process) = guard.as_mut() else {
                continue;
            };
            match exchange(process, &request) {
                Ok(Reply::Scores { probs }) if probs.len() == n => return Ok(probs),
                Ok(Reply::Scores { probs }) => {
                    return Err(SentimentError::Protocol(format!(
                        "the scorer returned {} scores for {n} texts",
                        probs.len()
                    )))
                }
                Ok(Reply::Error(e)) => return Err(wire_error(e)),
                Ok(other) => {
                    return Err(SentimentError::Protocol(format!(
                        "the scorer answered a batch with {other:?}"
                    )))
                }
                Err(Failure::Scorer(e)) => return Err(e),
                Err(Failure::Transport(why)) => {
                    let pid = process.info.pid;
                    let status = process
                        .child
                        .try_wait()
                        .ok()
                        .flatten()
                        .map(|s| s.to_string())
                        .unwrap_or_else(|| "still running".into());
                    *guard = None;
                    if attempt == 0 {
                        tracing::warn!(
                            pid,
                            %status,
                            "the scorer process failed ({why}); restarting it"
                        );
                        self.restarts.fetch_add(1, Ordering::Relaxed);
                    } else {
                        return Err(SentimentError::ScorerDied(format!(
                            "{} (pid {pid}, {status}) failed again after a restart: {why}",
                            self.exe.display()
                        )));
                    }
                }
            }
        }
        Err(SentimentError::ScorerDied("restart failed".into()))
    }

    /// Starts the process, checks its hello and loads the model.
    fn spawn(&self) -> Result<Process, SentimentError> {
        let started = Instant::now();
        let died = |why: String| {
            SentimentError::ScorerDied(format!("{} did not start: {why}", self.exe.display()))
        };
        let mut command = Command::new(&self.exe);
        // libtorch's OpenMP threads spin at every barrier by default. With
        // the crawler (or anything else) on the same cores, that spinning
        // takes the CPU the other threads need: on 2 cores with 3 busy
        // processes beside it the int8 bench scored 19 mentions/s spinning
        // and 35 waiting passively; on idle cores passive waiting costs up
        // to a third (README, "Sentiment"). A user's own setting wins.
        if std::env::var_os("OMP_WAIT_POLICY").is_none()
            && std::env::var_os("GOMP_SPINCOUNT").is_none()
        {
            command.env("OMP_WAIT_POLICY", "PASSIVE");
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env("EARSHOT_SCORER_LOG", log_level())
            // Its own process group: a Ctrl-C in the terminal reaches the
            // parent, which finishes its batch before the scorer goes.
            .process_group(0)
            .spawn()
            .map_err(|e| died(e.to_string()))?;
        let pid = child.id();
        tracing::info!(pid, exe = %self.exe.display(), "scorer process started");
        if let Some(stderr) = child.stderr.take() {
            let _ = std::thread::Builder::new()
                .name("earshot-scorer-log".into())
                .spawn(move || relay_log(stderr));
        }
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(died("no pipes".into()));
        };
        let mut process = Process {
            child,
            stdin: Some(stdin),
            stdout: BufReader::new(stdout),
            info: ScorerInfo {
                exe: self.exe.clone(),
                pid,
                start_ms: 0,
                loaded: Loaded {
                    model_version: String::new(),
                    precision: self.load.precision,
                    device: String::new(),
                    torch: super::TorchInfo::default(),
                    load_ms: 0,
                    choice: Choice::without_timings(ChoiceSource::Asked, "not loaded yet"),
                },
            },
        };
        match read_frame::<_, Reply>(&mut process.stdout) {
            Ok(Some(Reply::Hello { protocol, .. })) if protocol == PROTOCOL => {}
            Ok(Some(Reply::Hello {
                protocol, version, ..
            })) => {
                return Err(SentimentError::Protocol(format!(
                    "{} (earshot-score {version}) speaks scorer protocol {protocol}, this earshot speaks {PROTOCOL}\n  help: install the earshot-score built with this earshot",
                    self.exe.display()
                )))
            }
            Ok(Some(other)) => {
                return Err(SentimentError::Protocol(format!(
                    "{} began with {other:?} instead of a hello: is it earshot-score?",
                    self.exe.display()
                )))
            }
            Ok(None) | Err(_) => {
                let status = process.child.wait().map(|s| s.to_string());
                return Err(died(format!(
                    "it exited before its hello ({}); its log is above",
                    status.unwrap_or_else(|e| e.to_string())
                )));
            }
        }
        match exchange(&mut process, &Request::Load(self.load.clone())) {
            Ok(Reply::Loaded(loaded)) => {
                if loaded.model_version != self.version {
                    return Err(SentimentError::Protocol(format!(
                        "the scorer loaded model {} but config.json says {}",
                        loaded.model_version, self.version
                    )));
                }
                process.info.start_ms = started.elapsed().as_millis() as u64;
                process.info.loaded = loaded;
                Ok(process)
            }
            Ok(Reply::Error(e)) => Err(wire_error(e)),
            Ok(other) => Err(SentimentError::Protocol(format!(
                "the scorer answered Load with {other:?}"
            ))),
            Err(Failure::Transport(why)) => Err(died(why)),
            Err(Failure::Scorer(e)) => Err(e),
        }
    }
}

/// Sends one request and reads its reply.
fn exchange(process: &mut Process, request: &Request) -> Result<Reply, Failure> {
    let Some(stdin) = process.stdin.as_mut() else {
        return Err(Failure::Transport("its input is closed".into()));
    };
    write_frame(stdin, request).map_err(|e| Failure::Transport(e.to_string()))?;
    match read_frame::<_, Reply>(&mut process.stdout) {
        Ok(Some(r)) => Ok(r),
        Ok(None) => Err(Failure::Transport(FrameError::Closed.to_string())),
        Err(FrameError::Decode(e)) => Err(Failure::Scorer(SentimentError::Protocol(format!(
            "an unreadable reply from the scorer: {e}"
        )))),
        Err(e) => Err(Failure::Transport(e.to_string())),
    }
}

/// The scorer's log level: this process's.
fn log_level() -> &'static str {
    use tracing::level_filters::LevelFilter;
    match LevelFilter::current() {
        LevelFilter::TRACE => "trace",
        LevelFilter::DEBUG => "debug",
        LevelFilter::INFO => "info",
        LevelFilter::WARN => "warn",
        _ => "error",
    }
}

/// Passes the scorer's log lines (`LEVEL message`) into this process's log.
/// Lines without a level are libtorch's own (classified by [`classify`]) or
/// anything else the scorer printed raw (a panic): the latter are warnings.
fn relay_log(stderr: std::process::ChildStderr) {
    for line in BufReader::new(stderr).lines() {
        let Ok(line) = line else { break };
        let (relay, text) = classify(&line);
        match relay {
            Relay::Skip => {}
            Relay::Error => tracing::error!(target: "earshot::scorer", "{text}"),
            Relay::Warn => tracing::warn!(target: "earshot::scorer", "{text}"),
            Relay::Info => tracing::info!(target: "earshot::scorer", "{text}"),
            Relay::Debug => tracing::debug!(target: "earshot::scorer", "{text}"),
            Relay::Trace => tracing::trace!(target: "earshot::scorer", "{text}"),
            Relay::Libtorch => {
                hidden_once();
                tracing::debug!(target: "earshot::libtorch", "libtorch: {text}");
            }
        }
    }
}

/// Says once per process, at debug level, that libtorch's warnings are
/// kept out of the default log.
fn hidden_once() {
    static SAID: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if !SAID.swap(true, Ordering::Relaxed) {
        tracing::debug!(
            target: "earshot::libtorch",
            "libtorch's own warnings (fbgemm deprecations and other [W …] lines) are hidden at the default log level; they are logged at debug"
        );
    }
}

/// Where one line of the scorer's stderr goes in this process's log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Relay {
    /// An empty line.
    Skip,
    Error,
    Warn,
    Info,
    Debug,
    Trace,
    /// libtorch's own warning or notice (nothing a user can act on):
    /// debug level, under `earshot::libtorch`.
    Libtorch,
}

/// Classifies one stderr line of the scorer, and the text to log.
///
/// - `LEVEL message` (the scorer's own log): that level; `DEBUG libtorch: …`
///   (a deprecation its c10 shim routed) is [`Relay::Libtorch`].
/// - libtorch's C++ log lines, printed where the c10 shim is not built
///   (`[W 1207 03:18:57.494 QuantizedLinear.cpp:412] Warning: … deprecated`,
///   older libtorch `[W QuantizedLinear.cpp:412] …`): warnings and notices
///   (`[W`, `[I`) are [`Relay::Libtorch`]; errors (`[E`, `[F`) stay errors.
/// - Any other line naming `fbgemm` and `deprecated` (a warning's
///   continuation, or a format this list does not know): libtorch.
/// - Anything else (a panic, a message from a library): a warning, so it
///   is seen.
fn classify(line: &str) -> (Relay, &str) {
    let line = line.trim();
    if line.is_empty() {
        return (Relay::Skip, line);
    }
    let (level, text) = line.split_once(' ').unwrap_or((line, ""));
    let framed = match level {
        "ERROR" => Some(Relay::Error),
        "WARN" => Some(Relay::Warn),
        "INFO" => Some(Relay::Info),
        "DEBUG" => Some(Relay::Debug),
        "TRACE" => Some(Relay::Trace),
        _ => None,
    };
    if let Some(relay) = framed {
        let text = text.trim_start();
        // the scorer's c10 shim logs libtorch's deprecations at debug
        if relay == Relay::Debug {
            if let Some(warning) = text.strip_prefix("libtorch: ") {
                return (Relay::Libtorch, warning);
            }
        }
        return (relay, text);
    }
    if let Some(severity) = libtorch_severity(line) {
        return match severity {
            'E' | 'F' => (Relay::Error, line),
            _ => (Relay::Libtorch, line),
        };
    }
    let lower = line.to_ascii_lowercase();
    if lower.contains("fbgemm") && lower.contains("deprecated") {
        return (Relay::Libtorch, line);
    }
    (Relay::Warn, line)
}

/// The severity letter of a libtorch (c10 / glog style) log line: `[` then
/// one of `I W E F`, then a space or the date's digits (`[W1207 …` or
/// `[W …`), and a `]` closing the prefix.
fn libtorch_severity(line: &str) -> Option<char> {
    let rest = line.strip_prefix('[')?;
    let mut chars = rest.chars();
    let severity = chars
        .next()
        .filter(|c| matches!(c, 'I' | 'W' | 'E' | 'F'))?;
    let after = chars.next()?;
    if !(after == ' ' || after.is_ascii_digit()) || !rest.contains(']') {
        return None;
    }
    Some(severity)
}

#[cfg(test)]
mod tests {
    use super::{classify, Relay};

    #[test]
    fn the_scorers_own_log_keeps_its_level() {
        assert_eq!(
            classify("WARN int8 kernels unavailable"),
            (Relay::Warn, "int8 kernels unavailable")
        );
        assert_eq!(
            classify("ERROR model.safetensors: missing"),
            (Relay::Error, "model.safetensors: missing")
        );
        assert_eq!(
            classify("INFO  earshot-score started pid=7"),
            (Relay::Info, "earshot-score started pid=7")
        );
        assert_eq!(
            classify("DEBUG libtorch: fbgemm_pack_quantized_matrix is deprecated"),
            (
                Relay::Libtorch,
                "fbgemm_pack_quantized_matrix is deprecated"
            )
        );
        assert_eq!(
            classify("DEBUG model loaded"),
            (Relay::Debug, "model loaded")
        );
        assert_eq!(classify("TRACE x").0, Relay::Trace);
        assert_eq!(classify("   ").0, Relay::Skip);
    }

    #[test]
    fn libtorch_deprecation_and_warning_lines_go_to_debug() {
        for line in [
            // libtorch 2.x c10 logging, as printed without the c10 shim
            "[W1207 03:18:57.494277512 QuantizedLinear.cpp:412] Warning: fbgemm_linear_int8_weight_fp32_activation is deprecated and will be removed in a future PyTorch release. (function operator())",
            "[W1207 03:18:57.494277512 QuantizedLinear.cpp:291] Warning: fbgemm_pack_quantized_matrix is deprecated and will be removed in a future PyTorch release. (function operator())",
            // older libtorch
            "[W QuantizedLinear.cpp:412] Warning: fbgemm_linear_int8_weight_fp32_activation is deprecated and will be removed in a future PyTorch release. (function operator())",
            "[W NNPACK.cpp:64] Could not initialize NNPACK! Reason: Unsupported hardware.",
            "[I1207 03:18:57.000000000 init.cpp:12] a notice",
            // a deprecation without the prefix
            "Warning: FBGEMM linear is deprecated",
        ] {
            assert_eq!(classify(line), (Relay::Libtorch, line), "{line}");
        }
    }

    #[test]
    fn real_errors_and_unknown_lines_stay_visible() {
        let e = "[E1207 03:18:57.1 cuda.cpp:9] CUDA error: out of memory";
        assert_eq!(classify(e), (Relay::Error, e));
        let f = "[F shape.cpp:3] Check failed";
        assert_eq!(classify(f), (Relay::Error, f));
        for line in [
            "thread 'main' panicked at crates/earshot-scorer/src/model.rs:10:5:",
            "Segmentation fault",
            // deprecated, but not fbgemm's: not known noise
            "the flag --foo is deprecated",
            // brackets that are not libtorch's prefix
            "[Warning] something",
            "[W",
            "[WARN] disk nearly full",
        ] {
            assert_eq!(classify(line), (Relay::Warn, line), "{line}");
        }
    }
}
