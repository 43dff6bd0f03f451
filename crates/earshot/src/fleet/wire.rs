//! Results larger than one NATS message, when cutting them into
//! self-contained parts (`parts.rs`) is not enough: one post whose JSON
//! with its mentions is above a server's `max_payload` (1 MB by default),
//! which refuses such a publish. A result still over [`PIECE_BYTES`] goes
//! in pieces of at most that many bytes of its
//! JSON, each a message of its own (deduplicated by its own id, as a long
//! sitemap's parts are), with the header `Earshot-Piece: i/n pass id`
//! (`nats.rs`). The receiver (the coordinator, or a score-only worker)
//! keeps the pieces of a result until it has them all ([`Pieces`]), reads
//! the whole, and acknowledges every piece only once it is done with the
//! whole (stored, or scored and sent on).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::{FleetError, ResultMessage};

/// The most bytes of a result's JSON one message carries.
pub const PIECE_BYTES: usize = 256 * 1024;

/// What a piece's header says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PieceHead {
    /// This piece, of `n`.
    pub i: u32,
    pub n: u32,
    /// The coordinator's pass the result belongs to.
    pub pass: String,
    /// The whole result's message id.
    pub id: String,
}

impl PieceHead {
    /// The header's value.
    pub fn header(&self) -> String {
        format!("{}/{} {} {}", self.i, self.n, self.pass, self.id)
    }

    /// Reads a header's value.
    pub fn parse(v: &str) -> Result<PieceHead, FleetError> {
        let bad = || {
            FleetError::Mismatch(format!("a piece header `{v}` this earshot cannot read; run the same earshot release on the coordinator and every worker"))
        };
        let mut words = v.split(' ');
        let (Some(count), Some(pass), Some(id), None) =
            (words.next(), words.next(), words.next(), words.next())
        else {
            return Err(bad());
        };
        let (i, n) = count.split_once('/').ok_or_else(bad)?;
        let (i, n) = (
            i.parse::<u32>().map_err(|_| bad())?,
            n.parse::<u32>().map_err(|_| bad())?,
        );
        if i >= n {
            return Err(bad());
        }
        Ok(PieceHead {
            i,
            n,
            pass: pass.to_string(),
            id: id.to_string(),
        })
    }
}

/// One message to publish: its id, its piece header (none: a whole
/// result) and its payload.
pub struct Outgoing {
    pub id: String,
    pub piece: Option<PieceHead>,
    pub payload: Vec<u8>,
}

/// The messages `res` goes in: one, or pieces of at most [`PIECE_BYTES`].
pub fn encode(res: &ResultMessage) -> Result<Vec<Outgoing>, FleetError> {
    encode_with(res, PIECE_BYTES)
}

fn encode_with(res: &ResultMessage, max: usize) -> Result<Vec<Outgoing>, FleetError> {
    let json = serde_json::to_vec(res).map_err(|e| FleetError::JetStream(e.to_string()))?;
    let id = res.message_id();
    if json.len() <= max {
        return Ok(vec![Outgoing {
            id,
            piece: None,
            payload: json,
        }]);
    }
    let n = json.len().div_ceil(max.max(1)) as u32;
    Ok(json
        .chunks(max.max(1))
        .enumerate()
        .map(|(i, chunk)| {
            let head = PieceHead {
                i: i as u32,
                n,
                pass: res.pass.clone(),
                id: id.clone(),
            };
            Outgoing {
                id: format!("{id}~{i}"),
                piece: Some(head),
                payload: chunk.to_vec(),
            }
        })
        .collect())
}

/// A whole result's JSON and the messages of its pieces.
pub type Whole<M> = (Vec<u8>, Vec<M>);

/// A result's pieces received so far, and the messages that carried them.
struct Open<M> {
    pass: String,
    got: Vec<Option<Vec<u8>>>,
    msgs: Vec<M>,
    since: Instant,
}

/// The pieces of results not yet whole, by result.
pub struct Pieces<M> {
    open: HashMap<String, Open<M>>,
}

impl<M> Default for Pieces<M> {
    fn default() -> Self {
        Pieces {
            open: HashMap::new(),
        }
    }
}

impl<M> Pieces<M> {
    /// Takes a piece and the message it came in. With the last one, the
    /// whole result's JSON and every message of its pieces (a piece
    /// delivered twice, each delivery), to acknowledge once the whole is
    /// done with; before, `None`. A piece whose count disagrees with its
    /// siblings' is an error (its message is given back).
    pub fn take(
        &mut self,
        head: PieceHead,
        data: &[u8],
        msg: M,
    ) -> Result<Option<Whole<M>>, (FleetError, M)> {
        let open = self.open.entry(head.id.clone()).or_insert_with(|| Open {
            pass: head.pass.clone(),
            got: vec![None; head.n as usize],
            msgs: Vec::new(),
            since: Instant::now(),
        });
        if open.got.len() != head.n as usize {
            let e = FleetError::Mismatch(format!(
                "result {} comes in {} pieces and in {}",
                head.id,
                open.got.len(),
                head.n
            ));
            return Err((e, msg));
        }
        let slot = &mut open.got[head.i as usize];
        if slot.is_none() {
            *slot = Some(data.to_vec());
        }
        open.msgs.push(msg);
        if open.got.iter().any(Option::is_none) {
            return Ok(None);
        }
        let Some(open) = self.open.remove(&head.id) else {
            return Ok(None);
        };
        let whole = open.got.into_iter().flatten().flatten().collect();
        Ok(Some((whole, open.msgs)))
    }

    /// Drops the pieces of passes `live` says are over, and returns their
    /// messages (to acknowledge: their pass will not store them).
    pub fn drop_dead(&mut self, live: impl Fn(&str) -> bool) -> Vec<M> {
        let dead: Vec<String> = self
            .open
            .iter()
            .filter(|(_, o)| !live(&o.pass))
            .map(|(id, _)| id.clone())
            .collect();
        dead.into_iter()
            .filter_map(|id| self.open.remove(&id))
            .flat_map(|o| o.msgs)
            .collect()
    }

    /// Drops the results whose first piece came more than `age` ago and
    /// returns their messages: left unacknowledged, JetStream delivers
    /// them again (to whichever receiver asks; two score-only workers may
    /// each hold some pieces of one page).
    pub fn drop_older(&mut self, age: Duration) -> Vec<M> {
        let old: Vec<String> = self
            .open
            .iter()
            .filter(|(_, o)| o.since.elapsed() > age)
            .map(|(id, _)| id.clone())
            .collect();
        old.into_iter()
            .filter_map(|id| self.open.remove(&id))
            .flat_map(|o| o.msgs)
            .collect()
    }

    /// Results waiting for pieces.
    #[cfg(test)]
    pub fn waiting(&self) -> usize {
        self.open.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crawl::remote::{PageJob, PageOutcome};

    fn result(links: usize) -> ResultMessage {
        ResultMessage {
            protocol: super::super::PROTOCOL,
            model: "none".into(),
            id: "job1".into(),
            pass: "p1".into(),
            worker: "w".into(),
            delivered: 1,
            job: PageJob::sitemap("s", "http://a/", Default::default()),
            outcome: PageOutcome::Failed("é".repeat(links)),
            scored_by: None,
            part: None,
        }
    }

    #[test]
    fn a_large_result_goes_in_pieces_and_comes_back_whole_once() {
        let small = encode_with(&result(10), 1000).unwrap();
        assert_eq!(small.len(), 1);
        assert!(small[0].piece.is_none());
        assert_eq!(small[0].id, "job1");

        let res = result(5000);
        let out = encode_with(&res, 1000).unwrap();
        assert!(out.len() > 9, "{} pieces", out.len());
        assert!(out.iter().all(|o| o.payload.len() <= 1000));
        let mut ids: Vec<&str> = out.iter().map(|o| o.id.as_str()).collect();
        ids.dedup();
        assert_eq!(ids.len(), out.len(), "each piece its own message id");
        let heads: Vec<PieceHead> = out
            .iter()
            .map(|o| PieceHead::parse(&o.piece.as_ref().unwrap().header()).unwrap())
            .collect();
        assert_eq!(heads[0].pass, "p1");

        // Out of order, one piece delivered twice.
        let mut pieces = Pieces::default();
        let mut whole = None;
        let order: Vec<usize> = (0..out.len()).rev().chain([3]).collect();
        for (k, &i) in order.iter().enumerate() {
            if let Some(w) = pieces
                .take(heads[i].clone(), &out[i].payload, k)
                .map_err(|(e, _)| e)
                .unwrap()
            {
                assert!(whole.is_none(), "whole once");
                whole = Some(w);
            }
        }
        // The last piece (0) completed it; the second delivery of piece 3
        // opened a new result, not whole.
        let (json, msgs) = whole.unwrap();
        assert_eq!(msgs.len(), out.len());
        let back: ResultMessage = serde_json::from_slice(&json).unwrap();
        assert_eq!(back.outcome, res.outcome);
        assert_eq!(pieces.waiting(), 1);
        assert!(pieces.drop_older(Duration::from_secs(60)).is_empty());
        assert_eq!(pieces.drop_dead(|p| p != "p1"), vec![out.len()]);
        assert_eq!(pieces.waiting(), 0);
        assert!(pieces.take(heads[1].clone(), b"x", 7).unwrap().is_none());
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(pieces.drop_older(Duration::from_millis(1)), vec![7]);

        // A piece that disagrees with its siblings is refused.
        let mut pieces = Pieces::default();
        assert!(pieces.take(heads[0].clone(), b"x", 0).unwrap().is_none());
        let mut other = heads[1].clone();
        other.n += 1;
        assert!(pieces.take(other, b"x", 1).is_err());
        for bad in ["", "1/1 p id", "x/2 p id", "0/2 p", "0/2 p id more"] {
            assert!(PieceHead::parse(bad).is_err(), "{bad}");
        }
    }
}
