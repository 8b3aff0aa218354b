//! ntfy: publish to a topic URL, with title, tags, priority and a click
//! link as headers and the matches as the message.

use super::{Outcome, message};
use crate::config::{Channel, ChannelKind};
use crate::fetch::{Post, Poster};
use crate::model::Entry;

pub(crate) async fn send(channel: &Channel, poster: &Poster, key: &str, entries: &[Entry]) -> Outcome {
    let ChannelKind::Ntfy { url, token, priority } = &channel.kind else {
        return Outcome::Permanent {
            error: "not an ntfy channel".into(),
        };
    };
    let Some(first) = entries.first() else {
        return Outcome::Delivered;
    };
    let mut tags: Vec<String> = Vec::new();
    for tag in entries.iter().flat_map(|e| &e.tags) {
        if !tags.contains(tag) {
            tags.push(tag.clone());
        }
    }
    // Header values must be ASCII-safe: ntfy reads RFC 2047 encoded words.
    let mut headers = vec![
        ("Title".to_string(), encoded_word(&first.title)),
        ("Tags".to_string(), encoded_word(&tags.join(","))),
        ("Priority".to_string(), priority.to_string()),
        // ntfy keeps no record of keys, but a proxy in front of it may.
        ("Idempotency-Key".to_string(), key.to_string()),
    ];
    if let Some(link) = &first.link {
        headers.push(("Click".to_string(), link.clone()));
    }
    if let Some(token) = token {
        headers.push(("Authorization".to_string(), format!("Bearer {}", token.expose())));
    }
    let post = Post {
        put: false,
        url,
        headers,
        body: message::text(entries).into_bytes(),
        timeout: super::SEND_TIMEOUT,
    };
    match poster.send(post).await {
        Ok(posted) => Outcome::of_status(&posted),
        Err(e) => Outcome::of_error(e),
    }
}

/// Plain ASCII as is; anything else as an RFC 2047 `=?UTF-8?B?…?=` word.
fn encoded_word(text: &str) -> String {
    if text.chars().all(|c| (' '..='~').contains(&c)) {
        return text.to_string();
    }
    format!("=?UTF-8?B?{}?=", base64(text.as_bytes()))
}

fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_ascii_titles_are_encoded_words() {
        assert_eq!(encoded_word("Plain title"), "Plain title");
        assert_eq!(encoded_word("Cilvēku"), "=?UTF-8?B?Q2lsdsSTa3U=?=");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
    }
}
