//! E-mail over SMTP (the only user of lettre): STARTTLS, implicit TLS, or
//! plain for a relay on this machine; one mail per item, or one digest.
//! A mail counts as sent when the server answered 250 to it.

use lettre::message::{Mailbox, MultiPart, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::{Outcome, message};
use crate::config::{Channel, ChannelKind, Security};
use crate::model::Entry;

pub(crate) async fn send(channel: &Channel, key: &str, entries: &[Entry]) -> Outcome {
    let ChannelKind::Email {
        host,
        port,
        security,
        username,
        password,
        from,
        to,
        digest,
    } = &channel.kind
    else {
        return Outcome::Permanent {
            error: "not an e-mail channel".into(),
        };
    };
    let subject = match (entries, digest) {
        ([one], None) => message::headline(one),
        (many, _) => format!(
            "thbwatch: {} new item{}",
            many.len(),
            if many.len() == 1 { "" } else { "s" }
        ),
    };
    let mail = match build(from, to, &subject, key, entries) {
        Ok(mail) => mail,
        Err(e) => return Outcome::Permanent { error: e.to_string() },
    };
    let builder = match security {
        Security::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host),
        Security::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host),
        Security::Plain => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)),
    };
    let mut builder = match builder {
        Ok(builder) => builder.port(*port).timeout(Some(super::SEND_TIMEOUT)),
        Err(e) => return Outcome::Permanent { error: e.to_string() },
    };
    if let (Some(user), Some(password)) = (username, password) {
        builder = builder.credentials(Credentials::new(user.clone(), password.expose().to_string()));
    }
    match builder.build().send(mail).await {
        Ok(_) => Outcome::Delivered,
        // 5xx is the server refusing for good; anything else may pass later.
        Err(e) if e.is_permanent() => Outcome::Permanent { error: e.to_string() },
        Err(e) => Outcome::Retry {
            error: e.to_string(),
            retry_after: None,
        },
    }
}

/// Why a mail could not be written (the addresses are checked when the
/// configuration is loaded, so this is rare).
#[derive(Debug, thiserror::Error)]
enum BuildError {
    #[error("{address:?}: {source}")]
    Address {
        address: String,
        source: lettre::address::AddressError,
    },
    #[error(transparent)]
    Message(#[from] lettre::error::Error),
}

fn build(from: &str, to: &[String], subject: &str, key: &str, entries: &[Entry]) -> Result<Message, BuildError> {
    let mailbox = |a: &str| {
        a.parse::<Mailbox>().map_err(|source| BuildError::Address {
            address: a.to_string(),
            source,
        })
    };
    let sender = mailbox(from)?;
    let domain = sender.email.domain().to_string();
    let mut builder = Message::builder().from(sender).subject(subject);
    for recipient in to {
        builder = builder.to(mailbox(recipient)?);
    }
    // The idempotency key as the Message-ID: a repeat after a crash is the
    // same message to mail software.
    let id = key.trim_start_matches("urn:uuid:");
    builder
        .message_id(Some(format!("<{id}@{domain}>")))
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    lettre::message::SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(message::text(entries)),
                )
                .singlepart(
                    lettre::message::SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(message::html(entries)),
                ),
        )
        .map_err(BuildError::from)
}
