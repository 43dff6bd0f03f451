//! The scorer's side of [`earshot::sentiment::protocol`]: hello, load the
//! model, then score batches until the input ends.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Instant;

use earshot::sentiment::protocol::{
    read_frame, write_frame, FrameError, LoadRequest, Loaded, Reply, Request, WireError, PROTOCOL,
};
use earshot::sentiment::{SentimentConfig, SentimentError};

use crate::Scorer;

/// Why the scorer stopped other than at the end of its input.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The pipe failed or a request was unreadable.
    #[error("scorer protocol: {0}")]
    Frame(#[from] FrameError),
    /// The model did not load (the client was told why).
    #[error("{0}")]
    Load(SentimentError),
    /// A request out of order.
    #[error("scorer protocol: {0}")]
    Order(String),
}

fn wire(e: SentimentError) -> WireError {
    match e {
        SentimentError::File { path, message } => WireError::File {
            path: path.display().to_string(),
            message,
        },
        SentimentError::NoCuda => WireError::NoCuda,
        SentimentError::Inference(m) => WireError::Inference(m),
        other => WireError::Inference(other.to_string()),
    }
}

/// Serves one client: says hello, loads the model the first request asks
/// for, then answers batches one at a time. Returns when `input` ends.
pub fn serve<R: Read, W: Write>(mut input: R, mut output: W) -> Result<(), ServeError> {
    write_frame(
        &mut output,
        &Reply::Hello {
            protocol: PROTOCOL,
            version: env!("CARGO_PKG_VERSION").to_string(),
            pid: std::process::id(),
        },
    )?;
    let load = match read_frame::<_, Request>(&mut input)? {
        None => return Ok(()),
        Some(Request::Load(l)) => l,
        Some(other) => {
            let why = format!("expected Load first, got {other:?}");
            write_frame(&mut output, &Reply::Error(WireError::Protocol(why.clone())))?;
            return Err(ServeError::Order(why));
        }
    };
    if load.protocol != PROTOCOL {
        let why = format!(
            "the client speaks protocol {}, this earshot-score {PROTOCOL}",
            load.protocol
        );
        write_frame(&mut output, &Reply::Error(WireError::Protocol(why.clone())))?;
        return Err(ServeError::Order(why));
    }
    let started = Instant::now();
    let scorer = match Scorer::load_dir(&PathBuf::from(&load.model_dir), &config(&load)) {
        Ok(s) => s,
        Err(e) => {
            write_frame(&mut output, &Reply::Error(wire(clone_err(&e))))?;
            return Err(ServeError::Load(e));
        }
    };
    write_frame(
        &mut output,
        &Reply::Loaded(Loaded {
            model_version: scorer.version().to_string(),
            precision: scorer.precision(),
            device: scorer.device().to_string(),
            torch: crate::probe(),
            load_ms: started.elapsed().as_millis() as u64,
            choice: scorer.choice().clone(),
        }),
    )?;
    while let Some(request) = read_frame::<_, Request>(&mut input)? {
        let reply = match request {
            Request::Score { texts } => {
                let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
                match scorer.probabilities(&refs) {
                    Ok(probs) => Reply::Scores { probs },
                    Err(e) => Reply::Error(wire(e)),
                }
            }
            Request::Load(_) => {
                Reply::Error(WireError::Protocol("the model is already loaded".into()))
            }
        };
        write_frame(&mut output, &reply)?;
    }
    Ok(())
}

/// The config a load request stands for.
fn config(load: &LoadRequest) -> SentimentConfig {
    SentimentConfig {
        enabled: true,
        model: PathBuf::from(&load.model_dir),
        max_tokens: load.max_tokens as usize,
        batch_size: load.batch_size as usize,
        threads: load.threads as usize,
        device: load.device.clone(),
        precision: load.precision,
        bf16: None,
        scorer: None,
    }
}

fn clone_err(e: &SentimentError) -> SentimentError {
    match e {
        SentimentError::File { path, message } => SentimentError::File {
            path: path.clone(),
            message: message.clone(),
        },
        SentimentError::NoCuda => SentimentError::NoCuda,
        other => SentimentError::Inference(other.to_string()),
    }
}
