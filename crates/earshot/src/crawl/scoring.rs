//! What a mention's sentiment is read from, the same everywhere a mention
//! is scored (the crawl, a fleet's workers and scorers, `earshot rescore`):
//! its context under the headline of the post that owns one, and that
//! headline again on its own, weighed by how much of a stance it takes.

use crate::sentiment::{from_probs, ScoreFn, SentimentError};
use crate::store::{Mention, Sentiment};

/// What a mention's sentiment is scored on: its context window, led by the
/// title when the post owns it (an article, a listing's post, a thread's
/// first post) and the context does not already hold it. A story's stance
/// is in its headline; the sentences around the first mention are often
/// calm background (the demo's battery story: "users report the phone
/// swelling… the thread went viral" reads positive alone, negative under
/// its headline). A reply does not own its thread's title and is scored on
/// its own words. [`score_mentions`] reads the headline on its own too.
pub fn scored_text(m: &Mention) -> String {
    headline_and_context(owned_headline(m), &m.context)
}

/// The title of the post a mention belongs to, when that post owns it: its
/// page's position 1 (a thread's first post, an article) or a listing's
/// post under its own address. Blank titles are none.
pub fn owned_headline(m: &Mention) -> Option<&str> {
    let owns_title = m.post_id == Mention::make_id(&m.canonical_url, 1);
    m.title
        .as_deref()
        .map(str::trim)
        .filter(|t| owns_title && !t.is_empty())
}

/// A context under its headline (see [`scored_text`]): the title, a line
/// break, the context; the context alone when there is no title or the
/// context already holds it.
pub fn headline_and_context(title: Option<&str>, context: &str) -> String {
    match title.map(str::trim) {
        Some(t) if !t.is_empty() && !context.contains(t) => format!("{t}\n{context}"),
        _ => context.to_string(),
    }
}

/// What [`score_mentions`] sends the model for one mention: the scored
/// text, then its headline alone where it has one.
pub fn scoring_texts(m: &Mention) -> Vec<String> {
    let mut texts = vec![scored_text(m)];
    if let Some(h) = owned_headline(m) {
        texts.push(h.to_string());
    }
    texts
}

/// The class probabilities of the text under its headline and of the
/// headline alone, as one reading: the headline adds the stance it takes,
/// its negative and positive probabilities weighed by its margin
/// |p(positive) − p(negative)|, to the text's reading, which is then
/// normalised. A calm report under "X5 batteries swell, owners say
/// after-sales refuses repairs" is a report of trouble even when its second
/// paragraph recalls the phone's good launch; a headline that only names
/// the product or asks a question adds next to nothing. Why the margin and
/// the polar part only: this model reads a Chinese question headline
/// ("值得買嗎？電池問題嚴重嗎？") as 0.43 / 0.00 / 0.56, a toss between the poles
/// rather than neutral, so 1 − p(neutral) would weigh it fully; and a
/// headline's neutral reading says it names a topic, which is no evidence
/// against the stance of the text beneath it (the demo's company reply,
/// "承认…电芯存在缺陷，启动免费换电池计划", reads 0.43 / 0.48 / 0.10 in int8).
pub fn with_headline(text: [f32; 3], headline: [f32; 3]) -> [f32; 3] {
    let w = (headline[2] - headline[0]).abs().clamp(0.0, 1.0);
    let p = [
        text[0] + w * headline[0],
        text[1],
        text[2] + w * headline[2],
    ];
    let sum: f32 = p.iter().sum();
    if sum > 0.0 {
        p.map(|x| x / sum)
    } else {
        text
    }
}

/// Scores mentions as [`scoring_texts`] and [`with_headline`] say, in one
/// call to the model; one sentiment per mention, in order, carrying the
/// scorer's model version.
pub fn score_mentions<'a>(
    score: &ScoreFn,
    mentions: impl IntoIterator<Item = &'a Mention>,
) -> Result<Vec<Sentiment>, SentimentError> {
    let mut texts = Vec::new();
    let mut spans = Vec::new();
    for m in mentions {
        let t = scoring_texts(m);
        spans.push((texts.len(), t.len()));
        texts.extend(t);
    }
    let n = texts.len();
    let scores = score.score(texts)?;
    if scores.len() != n {
        return Err(SentimentError::Inference(format!(
            "{} scores for {n} texts",
            scores.len()
        )));
    }
    Ok(spans
        .into_iter()
        .map(|(at, len)| match len {
            2 => from_probs(
                with_headline(scores[at].probs, scores[at + 1].probs),
                &scores[at].model,
            ),
            _ => scores[at].clone(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::synthetic_mention;

    #[test]
    fn a_first_post_is_scored_under_its_title_and_a_reply_on_its_own_words() {
        let start = chrono::Utc::now();
        // Synthetic mention i is position i % 20 of thread i / 20.
        let first = synthetic_mention(21, &["云雀"], start);
        let reply = synthetic_mention(22, &["云雀"], start);
        assert_eq!(first.title.as_deref(), Some("thread 1"));
        assert_eq!(scored_text(&first), format!("thread 1\n{}", first.context));
        assert_eq!(scoring_texts(&first)[1], "thread 1");
        assert_eq!(scored_text(&reply), reply.context);
        assert_eq!(scoring_texts(&reply), vec![reply.context.clone()]);
        // No title, a blank one, or one the context already holds: the context.
        let mut untitled = first.clone();
        untitled.title = None;
        assert_eq!(scored_text(&untitled), first.context);
        assert_eq!(scoring_texts(&untitled).len(), 1);
        untitled.title = Some("  ".into());
        assert_eq!(scored_text(&untitled), first.context);
        assert_eq!(scoring_texts(&untitled).len(), 1);
        let mut holds = first.clone();
        holds.context = format!("thread 1: {}", first.context);
        assert_eq!(scored_text(&holds), holds.context);
        // A listing's post under its own address owns its title.
        let mut listed = reply.clone();
        listed.canonical_url = "https://news.example/item?id=7".into();
        listed.post_id = Mention::make_id(&listed.canonical_url, 1);
        assert_eq!(
            scored_text(&listed),
            format!("thread 1\n{}", listed.context)
        );
    }

    #[test]
    fn a_headline_weighs_as_much_as_the_stance_it_takes() {
        // The demo's reworded battery story in int8: the text alone is a
        // coin toss, its headline is plainly negative.
        let text = [0.372, 0.250, 0.378];
        let p = with_headline(text, [0.963, 0.012, 0.025]);
        assert!(p[0] > 0.6 && p[0] > p[2] && p[0] > p[1], "{p:?}");
        // A neutral headline (a product name) leaves the text's reading as
        // it was; a question the model reads as a toss between the poles
        // (the demo's Q&A post) leaves it nearly so.
        let q = with_headline([0.80, 0.15, 0.05], [0.02, 0.96, 0.02]);
        assert!((q[0] - 0.80).abs() < 1e-6, "{q:?}");
        // A headline read neutral-leaning does not pull a negative text
        // toward neutral (the demo's company reply in int8).
        let r = with_headline([0.46, 0.46, 0.08], [0.43, 0.48, 0.10]);
        assert!(r[0] > r[1] + 0.05 && r[0] > r[2], "{r:?}");
        let q = with_headline([0.56, 0.01, 0.44], [0.43, 0.0, 0.56]);
        assert!(q[0] > q[2] && (q[0] - 0.56).abs() < 0.03, "{q:?}");
        // Probabilities stay probabilities.
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    }

    #[test]
    fn scores_come_back_one_per_mention_in_order() {
        let start = chrono::Utc::now();
        let ms = [
            synthetic_mention(21, &["云雀"], start),
            synthetic_mention(22, &["云雀"], start),
            synthetic_mention(41, &["云雀"], start),
        ];
        // A model that reads "thread" titles as negative, anything else as
        // neutral-leaning positive.
        let score = ScoreFn::new("m1", |texts: Vec<String>| {
            Ok(texts
                .iter()
                .map(|t| {
                    if t.starts_with("thread ") && !t.contains('\n') {
                        from_probs([0.9, 0.05, 0.05], "m1")
                    } else {
                        from_probs([0.3, 0.3, 0.4], "m1")
                    }
                })
                .collect())
        });
        let s = score_mentions(&score, &ms).expect("scores");
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].label, crate::store::Label::Negative, "{:?}", s[0]);
        assert_eq!(s[1].label, crate::store::Label::Positive, "{:?}", s[1]);
        assert_eq!(s[2].label, crate::store::Label::Negative, "{:?}", s[2]);
        assert!(s.iter().all(|x| x.model == "m1"));
        // A scorer that loses a text is an error, not a shifted result.
        let short = ScoreFn::new("m1", |texts: Vec<String>| {
            Ok(texts
                .iter()
                .skip(1)
                .map(|_| from_probs([0.3, 0.3, 0.4], "m1"))
                .collect())
        });
        assert!(score_mentions(&short, &ms).is_err());
    }
}
