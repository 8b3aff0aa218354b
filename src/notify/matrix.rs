//! Matrix: an `m.room.message` (plain text and HTML) sent to a room
//! through the client-server API. The transaction id is the delivery's
//! idempotency key, so a retried send is not shown twice by the server.

use super::{Outcome, message};
use crate::config::{Channel, ChannelKind};
use crate::fetch::{Post, Poster};
use crate::model::Entry;

pub async fn send(channel: &Channel, poster: &Poster, key: &str, entries: &[Entry]) -> Outcome {
    let ChannelKind::Matrix {
        homeserver,
        room,
        token,
    } = &channel.kind
    else {
        return Outcome::Permanent {
            error: "not a Matrix channel".into(),
        };
    };
    let path = format!(
        "_matrix/client/v3/rooms/{}/send/m.room.message/{}",
        url::form_urlencoded::byte_serialize(room.as_bytes()).collect::<String>(),
        url::form_urlencoded::byte_serialize(key.as_bytes()).collect::<String>()
    );
    let Ok(url) = homeserver.join(&path) else {
        return Outcome::Permanent {
            error: format!("cannot make a URL from {homeserver}"),
        };
    };
    let body = serde_json::json!({
        "msgtype": "m.text",
        "body": message::text(entries),
        "format": "org.matrix.custom.html",
        "formatted_body": message::html(entries),
    });
    let post = Post {
        put: true,
        url: &url,
        headers: vec![
            ("Content-Type".to_string(), "application/json".to_string()),
            ("Authorization".to_string(), format!("Bearer {}", token.expose())),
        ],
        body: serde_json::to_vec(&body).unwrap_or_default(),
        timeout: super::SEND_TIMEOUT,
    };
    match poster.send(post).await {
        Ok(posted) => Outcome::of_status(&posted),
        Err(e) => Outcome::of_error(e),
    }
}
