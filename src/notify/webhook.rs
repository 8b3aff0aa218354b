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
pub(crate) const SIGNATURE_HEADER: &str = "X-Thbwatch-Signature";

pub(crate) async fn send(channel: &Channel, poster: &Poster, key: &str, entries: &[Entry]) -> Outcome {
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
    let body = body(&channel.name, format, key, entries);
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

/// What is posted: the documented JSON (one item, or a digest's items),
/// or Slack's `{"text": …}`.
fn body(channel: &str, format: &WebhookFormat, key: &str, entries: &[Entry]) -> Vec<u8> {
    let body = match (format, entries) {
        (WebhookFormat::Json, [one]) => serde_json::to_vec(&message::payload(channel, key, one)),
        (WebhookFormat::Json, many) => serde_json::to_vec(&message::Digest {
            idempotency_key: key,
            channel,
            items: many.iter().map(message::Item::of).collect(),
        }),
        // Slack reads <…> as links and mentions: a publisher's text must
        // not be able to write "<!channel>".
        (WebhookFormat::Slack, _) => serde_json::to_vec(&Slack {
            text: slack_escape(&message::text(entries)),
        }),
    };
    // Plain data into a vector: serialising cannot fail.
    body.unwrap_or_default()
}

/// Slack's (and Mattermost's) incoming webhook message.
#[derive(serde::Serialize)]
struct Slack {
    text: String,
}

fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Hex HMAC-SHA256 of `body` with `secret`.
pub(crate) fn sign(secret: &str, body: &[u8]) -> String {
    // HMAC takes keys of any length, so this cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(body);
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bytes posted, pinned: field names, their order, null against
    /// absent. Receivers parse this (docs/notifications.md documents it).
    #[test]
    fn the_posted_json_is_pinned() {
        let (full, bare) = (
            crate::model::examples::full_entry(),
            crate::model::examples::bare_entry(),
        );
        let posted = |format: &WebhookFormat, entries: &[Entry]| {
            String::from_utf8(body("ops", format, "urn:uuid:k", entries)).unwrap()
        };
        let one = posted(&WebhookFormat::Json, std::slice::from_ref(&full));
        let digest = posted(&WebhookFormat::Json, &[full.clone(), bare]);
        let slack = posted(&WebhookFormat::Slack, &[full]);
        assert_eq!(one, ONE);
        assert_eq!(digest, DIGEST);
        assert_eq!(slack, SLACK);
    }

    const ONE: &str = r##"{"idempotency_key":"urn:uuid:k","channel":"ops","item":{"id":"urn:uuid:00000000-0000-8000-8000-000000000001","title":"Cilvēku tirdzniecība: \"aizturēti\" <trīs>","link":"https://www.vp.gov.lv/lv/jaunums/1?a=1&b=<2>","published":"2026-11-28T09:15:00Z","updated":"2026-11-28T10:00:00Z","language":"lv","source":{"id":"vp","title":"Valsts policija"},"also_published_by":[{"id":"iem","title":"Iekšlietu ministrija","link":"https://www.iem.gov.lv/lv/jaunums/1"},{"id":"lsm","title":"LSM","link":null}],"tags":["trafficking","forced-labour"],"matches":[{"tag":"trafficking","term":"cilvēku tirdzniecīb*","field":"title","end_field":null,"text":"Cilvēku tirdzniecība","snippet":"Cilvēku tirdzniecība: \"aizturēti\""},{"tag":"forced-labour","term":"piespiedu darb*","field":"title","end_field":"summary","text":"piespiedu… …darbs","snippet":"piespiedu… …darbs"}],"cancelled":[{"tag":"smuggling","term":"kontrabanda*","field":"summary","text":"kontrabandu","context":"cigaret*","context_field":"content","context_text":"cigaretes"}]}}"##;
    const DIGEST: &str = r##"{"idempotency_key":"urn:uuid:k","channel":"ops","items":[{"id":"urn:uuid:00000000-0000-8000-8000-000000000001","title":"Cilvēku tirdzniecība: \"aizturēti\" <trīs>","link":"https://www.vp.gov.lv/lv/jaunums/1?a=1&b=<2>","published":"2026-11-28T09:15:00Z","updated":"2026-11-28T10:00:00Z","language":"lv","source":{"id":"vp","title":"Valsts policija"},"also_published_by":[{"id":"iem","title":"Iekšlietu ministrija","link":"https://www.iem.gov.lv/lv/jaunums/1"},{"id":"lsm","title":"LSM","link":null}],"tags":["trafficking","forced-labour"],"matches":[{"tag":"trafficking","term":"cilvēku tirdzniecīb*","field":"title","end_field":null,"text":"Cilvēku tirdzniecība","snippet":"Cilvēku tirdzniecība: \"aizturēti\""},{"tag":"forced-labour","term":"piespiedu darb*","field":"title","end_field":"summary","text":"piespiedu… …darbs","snippet":"piespiedu… …darbs"}],"cancelled":[{"tag":"smuggling","term":"kontrabanda*","field":"summary","text":"kontrabandu","context":"cigaret*","context_field":"content","context_text":"cigaretes"}]},{"id":"urn:uuid:00000000-0000-8000-8000-000000000002","title":"News","link":null,"published":null,"updated":"1970-01-01T00:00:00Z","language":null,"source":{"id":"cbss","title":"CBSS"},"also_published_by":[],"tags":[],"matches":[],"cancelled":[]}]}"##;
    const SLACK: &str = r##"{"text":"[trafficking, forced-labour] Cilvēku tirdzniecība: \"aizturēti\" &lt;trīs&gt;\nValsts policija · 2026-11-28T09:15:00Z\nhttps://www.vp.gov.lv/lv/jaunums/1?a=1&amp;b=&lt;2&gt;\nAlso published by: Iekšlietu ministrija (https://www.iem.gov.lv/lv/jaunums/1), LSM\nMatched: Cilvēku tirdzniecība (title); piespiedu… …darbs (title + summary)\nCancelled by context: smuggling: \"cigaretes\" (content)"}"##;

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
