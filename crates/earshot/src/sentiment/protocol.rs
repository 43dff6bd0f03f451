//! The scorer protocol: how earshot talks to `earshot-score`, the process
//! that holds the sentiment model on libtorch (crate `earshot-scorer`).
//! Keeping libtorch in its own process keeps it out of every command that
//! does not score (`earshot --help` starts in milliseconds), and the same
//! protocol serves the fleet's scoring workers.
//!
//! ## Transport
//! The client starts `earshot-score` with piped stdin and stdout. Each
//! message is one frame: a 4-byte little-endian length, then that many
//! bytes of [postcard](https://docs.rs/postcard) (the store's encoding:
//! compact, and `f32` probabilities travel bit for bit). A frame is at
//! most [`MAX_FRAME`] bytes. The scorer logs on stderr, never on stdout.
//!
//! ## Conversation
//! 1. scorer → client: [`Reply::Hello`] with [`PROTOCOL`] and its version,
//!    as soon as it starts. A client that speaks another protocol stops.
//! 2. client → scorer: [`Request::Load`] (model directory, precision,
//!    device, threads, batch size, window width); scorer → client:
//!    [`Reply::Loaded`] (model version, the precision it runs in and how
//!    it was chosen, what libtorch reports) or [`Reply::Error`], after
//!    which it exits.
//! 3. Any number of times, one at a time: [`Request::Score`] with a batch of
//!    texts → [`Reply::Scores`], three probabilities per text in input order
//!    (negative, neutral, positive; [`super::from_probs`] makes the stored
//!    score), or [`Reply::Error`] (the scorer stays up).
//! 4. The client closes stdin; the scorer exits 0.

use std::io::{Read, Write};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{Precision, TorchInfo};

/// The protocol version both sides must speak.
pub const PROTOCOL: u32 = 2;

/// The largest frame either side sends or accepts (64 MiB).
pub const MAX_FRAME: usize = 64 << 20;

/// Client → scorer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Request {
    /// Load the model (the first request, once).
    Load(LoadRequest),
    /// Score these texts.
    Score {
        /// Texts, scored in order.
        texts: Vec<String>,
    },
}

/// What model to load and how to run it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadRequest {
    /// [`PROTOCOL`] of the client.
    pub protocol: u32,
    /// The model directory (config.json, model.safetensors, spiece.model).
    pub model_dir: String,
    /// Longest token sequence, `<s>` and `</s>` included.
    pub max_tokens: u32,
    /// Texts per forward pass.
    pub batch_size: u32,
    /// libtorch intra-op threads.
    pub threads: u32,
    /// `cpu`, `cuda` or `auto`.
    pub device: String,
    /// The precision asked for.
    pub precision: Precision,
}

/// Scorer → client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Reply {
    /// The scorer's first message.
    Hello {
        /// Its [`PROTOCOL`].
        protocol: u32,
        /// Its crate version.
        version: String,
        /// Its process id.
        pid: u32,
    },
    /// The model is loaded.
    Loaded(Loaded),
    /// Probabilities (negative, neutral, positive), one per text.
    Scores {
        /// In the order of the request's texts.
        probs: Vec<[f32; 3]>,
    },
    /// The request failed.
    Error(WireError),
}

/// What the scorer says once the model is loaded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Loaded {
    /// `earshot_model_version` of the model's config.json.
    pub model_version: String,
    /// The precision the model runs in (`auto` decided).
    pub precision: Precision,
    /// `cpu` or `cuda`.
    pub device: String,
    /// What libtorch reports about itself.
    pub torch: TorchInfo,
    /// Milliseconds the model took to load (calibration included).
    pub load_ms: u64,
    /// How the precision was chosen.
    pub choice: Choice,
}

/// How the scorer chose the precision it runs in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    /// Where the choice came from.
    pub from: ChoiceSource,
    /// Milliseconds for the calibration batch, the median per candidate
    /// (measured now, or when the cached choice was measured); empty when
    /// nothing was measured.
    pub timings_ms: Vec<(Precision, f32)>,
    /// Why, in words (`bf16 1.4x faster`, `within the margin: the prior`).
    pub note: String,
}

impl Choice {
    /// A choice made without measuring.
    pub fn without_timings(from: ChoiceSource, note: impl Into<String>) -> Choice {
        Choice {
            from,
            timings_ms: Vec::new(),
            note: note.into(),
        }
    }

    /// The median milliseconds of `p`'s calibration batch, if measured.
    pub fn ms(&self, p: Precision) -> Option<f32> {
        self.timings_ms.iter().find(|t| t.0 == p).map(|t| t.1)
    }
}

/// Where the scorer's precision came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChoiceSource {
    /// The config (or `--precision`) named it, or the device allows only
    /// it (a GPU runs fp32).
    Asked,
    /// `auto`: only one of bf16 and int8 runs on this CPU (or neither:
    /// fp32).
    Only,
    /// `auto`: timed on a calibration batch at this start.
    Calibration,
    /// `auto`: read from the precision cache (timed at an earlier start).
    Cache,
    /// `auto`: the CPU features' prior ([`super::Precision::on_cpu`]),
    /// because calibration could not run.
    Prior,
}

impl ChoiceSource {
    /// Its name in logs and `earshot doctor --json`.
    pub fn name(self) -> &'static str {
        match self {
            ChoiceSource::Asked => "asked",
            ChoiceSource::Only => "only",
            ChoiceSource::Calibration => "calibration",
            ChoiceSource::Cache => "cache",
            ChoiceSource::Prior => "prior",
        }
    }
}

/// An error as it crosses the pipe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum WireError {
    /// A model file is missing or unreadable.
    File {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// CUDA asked for but absent.
    NoCuda,
    /// libtorch failed.
    Inference(String),
    /// A request out of order or unreadable.
    Protocol(String),
}

/// Reading or writing a frame failed.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The pipe failed (the other side is gone, usually).
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The stream ended where a frame should be.
    #[error("the other side closed the pipe")]
    Closed,
    /// A length over [`MAX_FRAME`].
    #[error("a frame of {0} bytes (the most is {MAX_FRAME})")]
    TooLong(usize),
    /// Bytes that are not a message.
    #[error("an unreadable message: {0}")]
    Decode(#[from] postcard::Error),
}

/// Writes one message as a frame and flushes.
pub fn write_frame<W: Write, T: Serialize>(w: &mut W, msg: &T) -> Result<(), FrameError> {
    let body = postcard::to_stdvec(msg)?;
    if body.len() > MAX_FRAME {
        return Err(FrameError::TooLong(body.len()));
    }
    w.write_all(&(body.len() as u32).to_le_bytes())?;
    w.write_all(&body)?;
    w.flush()?;
    Ok(())
}

/// Reads one frame; `Ok(None)` when the stream ends cleanly before it.
pub fn read_frame<R: Read, T: DeserializeOwned>(r: &mut R) -> Result<Option<T>, FrameError> {
    let mut len = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match r.read(&mut len[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => return Err(FrameError::Closed),
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    let len = u32::from_le_bytes(len) as usize;
    if len > MAX_FRAME {
        return Err(FrameError::TooLong(len));
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body).map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => FrameError::Closed,
        _ => FrameError::Io(e),
    })?;
    Ok(Some(postcard::from_bytes(&body)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_bit_for_bit() {
        let probs = vec![
            [0.1f32, 0.2, 0.7],
            [f32::MIN_POSITIVE, 1.0 / 3.0, 0.999_999_9],
        ];
        let mut buf = Vec::new();
        write_frame(
            &mut buf,
            &Reply::Scores {
                probs: probs.clone(),
            },
        )
        .unwrap();
        let req = Request::Score {
            texts: vec!["质量太差".into(), String::new()],
        };
        write_frame(&mut buf, &req).unwrap();
        let mut r = buf.as_slice();
        assert_eq!(
            read_frame::<_, Reply>(&mut r).unwrap(),
            Some(Reply::Scores { probs })
        );
        assert_eq!(read_frame::<_, Request>(&mut r).unwrap(), Some(req));
        assert!(read_frame::<_, Request>(&mut r).unwrap().is_none());
    }

    #[test]
    fn bad_frames_are_errors() {
        let mut r: &[u8] = &[1, 0];
        assert!(matches!(
            read_frame::<_, Reply>(&mut r),
            Err(FrameError::Closed)
        ));
        let mut r: &[u8] = &[0xff, 0xff, 0xff, 0x7f];
        assert!(matches!(
            read_frame::<_, Reply>(&mut r),
            Err(FrameError::TooLong(_))
        ));
        let mut r: &[u8] = &[3, 0, 0, 0, 1, 2];
        assert!(matches!(
            read_frame::<_, Reply>(&mut r),
            Err(FrameError::Closed)
        ));
        let mut r: &[u8] = &[1, 0, 0, 0, 0xee];
        assert!(matches!(
            read_frame::<_, Reply>(&mut r),
            Err(FrameError::Decode(_))
        ));
    }
}
