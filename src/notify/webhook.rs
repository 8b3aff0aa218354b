//! Webhooks: POST of the documented JSON (or Slack/Mattermost's
//! `{"text": …}`), with `Idempotency-Key`, an optional HMAC-SHA256
//! signature of the body and the channel's own headers.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::{Outcome, message};
use crate::config::{Channel, ChannelKind, WebhookFormat};
use crate::fetch::{Post, Poster};
use crate::model::Entry;

/// The signature header: `sha256=` and the hex HMAC of the body.
pub const SIGNATURE_HEADER: &str = "X-Thbwatch-Signature";

pub async fn send(channel: &Channel, poster: &Poster, key: &str, entries: &[Entry]) -> Outcome {
    let ChannelKind::Webhook {
        url,
        format,
        secret,
        headers,
    } = &channel.kind
    else {
        return Outcome::Permanent {
            error: "not a webhook channel".into(),
        };
    };
    let body = match format {
        WebhookFormat::Json => match entries {
            [one] => message::payload(&channel.name, key, one),
            many => serde_json::json!({
                "idempotency_key": key,
                "channel": channel.name,
                "items": many.iter().map(|e| message::payload(&channel.name, key, e)["item"].clone()).collect::<Vec<_>>(),
            }),
        },
        // Slack reads <…> as links and mentions: a publisher's text must
        // not be able to write "<!channel>".
        WebhookFormat::Slack => serde_json::json!({ "text": slack_escape(&message::text(entries)) }),
    };
    let body = serde_json::to_vec(&body).unwrap_or_default();
    let mut all_headers = vec![
        ("Content-Type".to_string(), "application/json".to_string()),
        ("Idempotency-Key".to_string(), key.to_string()),
    ];
    if let Some(secret) = secret {
        all_headers.push((
            SIGNATURE_HEADER.to_string(),
            format!("sha256={}", sign(secret.expose(), &body)),
        ));
    }
    all_headers.extend(headers.iter().map(|h| (h.name.clone(), h.value.clone())));
    let post = Post {
        put: false,
        url,
        headers: all_headers,
        body,
        timeout: super::SEND_TIMEOUT,
    };
    match poster.send(post).await {
        Ok(posted) => Outcome::of_status(&posted),
        Err(e) => Outcome::of_error(e),
    }
}

fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Hex HMAC-SHA256 of `body` with `secret`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    // HMAC takes keys of any length, so this cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(body);
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn slack_text_cannot_mention_or_link() {
        assert_eq!(
            super::slack_escape("<!channel> & <http://x|y>"),
            "&lt;!channel&gt; &amp; &lt;http://x|y&gt;"
        );
    }

    #[test]
    fn signatures_are_the_rfc_4231_hmac_sha256() {
        // RFC 4231 test case 2.
        assert_eq!(
            super::sign("Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
