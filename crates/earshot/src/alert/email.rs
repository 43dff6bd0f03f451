//! Email delivery over SMTP: a queued `{subject, text, attachments}` body
//! becomes a plain-text message, or a multipart one with the files named
//! in `attachments` (a scheduled report's files) attached as they are on
//! disk when it is sent.

use std::path::Path;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Body, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// Why a mail was not sent: a message that cannot be built (`Rejected`)
/// or an SMTP failure; the channel maps these to its delivery errors.
pub(super) enum EmailError {
    /// Bad addresses, URL or message.
    Rejected(String),
    /// The SMTP exchange failed.
    Smtp(String),
}

/// A file larger than this is named in the text, not attached.
pub const MAX_ATTACHMENT_BYTES: u64 = 10 * 1024 * 1024;

/// The content type of a report file, by extension.
fn content_type(path: &Path) -> ContentType {
    let t = match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("csv") => "text/csv; charset=utf-8",
        Some("json") => "application/json",
        Some("xlsx") => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "application/octet-stream",
    };
    ContentType::parse(t).unwrap_or(ContentType::TEXT_PLAIN)
}

/// Sends a queued email through the SMTP server in `url`. The outbox key
/// becomes the Message-ID, so a mail system can drop a duplicate.
pub(super) async fn send(
    name: &str,
    from: Option<&str>,
    recipients: &[String],
    url: &str,
    key: &str,
    payload: &str,
) -> Result<(), EmailError> {
    let v: serde_json::Value = serde_json::from_str(payload)
        .map_err(|e| EmailError::Rejected(format!("queued body is not JSON: {e}")))?;
    let bad = |what: &str, e: &dyn std::fmt::Display| {
        EmailError::Rejected(format!("{name}: {what}: {e}"))
    };
    let from: Mailbox = from
        .unwrap_or("earshot <earshot@localhost>")
        .parse()
        .map_err(|e| bad("bad from address", &e))?;
    let mut b = Message::builder()
        .from(from)
        .subject(v["subject"].as_str().unwrap_or("earshot alert"))
        .message_id(Some(format!("<{key}@earshot>")));
    for to in recipients {
        b = b.to(to.parse().map_err(|e| bad("bad to address", &e))?);
    }
    let mut text = v["text"].as_str().unwrap_or("").to_string();
    let mut parts = Vec::new();
    for p in v["attachments"].as_array().into_iter().flatten() {
        let Some(path) = p.as_str().map(Path::new) else {
            continue;
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "report".into());
        let size = tokio::fs::metadata(path).await.map(|m| m.len());
        match size {
            Ok(n) if n > MAX_ATTACHMENT_BYTES => {
                text.push_str(&format!(
                    "\n({name} is {} MB, too large to attach: {})\n",
                    n / (1024 * 1024),
                    path.display()
                ));
            }
            Ok(_) => match tokio::fs::read(path).await {
                Ok(bytes) => {
                    parts.push(Attachment::new(name).body(bytes, content_type(path)));
                }
                Err(e) => text.push_str(&format!("\n({name} could not be read: {e})\n")),
            },
            Err(_) => text.push_str(&format!("\n({name} is no longer at {})\n", path.display())),
        }
    }
    // lettre picks quoted-printable or base64 for the UTF-8 text.
    let msg = if parts.is_empty() {
        b.header(ContentType::TEXT_PLAIN).body(Body::new(text))
    } else {
        let mut mixed = MultiPart::mixed().singlepart(SinglePart::plain(text));
        for part in parts {
            mixed = mixed.singlepart(part);
        }
        b.multipart(mixed)
    }
    .map_err(|e| bad("cannot build the message", &e))?;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .map_err(|e| bad("bad SMTP URL", &e))?
        .timeout(Some(std::time::Duration::from_secs(15)))
        .build();
    transport
        .send(msg)
        .await
        .map_err(|e| EmailError::Smtp(format!("{name}: SMTP: {e}")))?;
    Ok(())
}
