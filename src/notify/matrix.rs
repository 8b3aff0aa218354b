//! Matrix: an `m.room.message` (plain text and HTML) sent to a room
//! through the client-server API. The transaction id is the delivery's
//! idempotency key, so a retried send is not shown twice by the server.
//! A room alias is resolved through the homeserver's room directory once,
//! and the room id kept until a send fails or the configuration reloads.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use url::Url;

use super::{Outcome, message};
use crate::config::{Channel, ChannelKind, Room, Secret};
use crate::fetch::{Post, Poster};
use crate::model::Entry;

/// Room ids that aliases resolved to, by homeserver and alias.
#[derive(Clone, Debug, Default)]
pub(crate) struct Rooms(Arc<Mutex<HashMap<String, String>>>);

impl Rooms {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        // Held only for a map operation, never across an await.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub(crate) async fn send(channel: &Channel, poster: &Poster, rooms: &Rooms, key: &str, entries: &[Entry]) -> Outcome {
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
    let room_id = match room {
        Room::Id(id) => id.clone(),
        Room::Alias(alias) => match resolve(poster, rooms, homeserver, alias, token).await {
            Ok(id) => id,
            Err(outcome) => return outcome,
        },
    };
    let path = format!(
        "_matrix/client/v3/rooms/{}/send/m.room.message/{}",
        segment(&room_id),
        segment(key)
    );
    let Ok(url) = homeserver.join(&path) else {
        return Outcome::Permanent {
            error: format!("cannot make a URL from {homeserver}"),
        };
    };
    let post = Post {
        put: true,
        url: &url,
        headers: vec![
            ("Content-Type".to_string(), "application/json".to_string()),
            authorization(token),
        ],
        body: body(entries),
        timeout: super::SEND_TIMEOUT,
    };
    let outcome = match poster.send(post).await {
        Ok(posted) => Outcome::of_status(&posted),
        Err(e) => Outcome::of_error(e),
    };
    if outcome != Outcome::Delivered
        && let Room::Alias(alias) = room
    {
        // The alias may point elsewhere now: ask again next time.
        rooms.lock().remove(&cache_key(homeserver, alias));
    }
    outcome
}

/// The room id an alias names, from the cache or the homeserver's
/// directory (`GET /_matrix/client/v3/directory/room/{alias}`).
async fn resolve(
    poster: &Poster,
    rooms: &Rooms,
    homeserver: &Url,
    alias: &str,
    token: &Secret,
) -> Result<String, Outcome> {
    let cache_key = cache_key(homeserver, alias);
    if let Some(id) = rooms.lock().get(&cache_key) {
        return Ok(id.clone());
    }
    let url = homeserver
        .join(&format!("_matrix/client/v3/directory/room/{}", segment(alias)))
        .map_err(|_| Outcome::Permanent {
            error: format!("cannot make a URL from {homeserver}"),
        })?;
    let (answer, body) = poster
        .get(&url, &[authorization(token)], super::SEND_TIMEOUT, 64 << 10)
        .await
        .map_err(Outcome::of_error)?;
    let failed = |outcome| match outcome {
        Outcome::Retry { error, retry_after } => Outcome::Retry {
            error: format!("resolving the room alias {alias}: {error}"),
            retry_after,
        },
        Outcome::Permanent { error } => Outcome::Permanent {
            error: format!("the room alias {alias} cannot be resolved: {error}"),
        },
        Outcome::Delivered => Outcome::Permanent {
            error: format!(
                "the homeserver's answer for the room alias {alias} names no room id: {}",
                answer.body.trim()
            ),
        },
    };
    let status = Outcome::of_status(&answer);
    if status != Outcome::Delivered {
        return Err(failed(status));
    }
    #[derive(serde::Deserialize)]
    struct Directory {
        room_id: String,
    }
    match serde_json::from_slice::<Directory>(&body).map(|d| Room::parse(&d.room_id)) {
        Ok(Some(Room::Id(id))) => {
            rooms.lock().insert(cache_key, id.clone());
            Ok(id)
        }
        _ => Err(failed(Outcome::Delivered)),
    }
}

fn cache_key(homeserver: &Url, alias: &str) -> String {
    format!("{homeserver} {alias}")
}

fn authorization(token: &Secret) -> (String, String) {
    ("Authorization".to_string(), format!("Bearer {}", token.expose()))
}

/// One path segment, percent-encoded (room ids hold `!`, `:` and, from
/// room version 12, `-` and `_`; aliases `#`).
fn segment(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The message event: plain text and HTML.
fn body(entries: &[Entry]) -> Vec<u8> {
    let event = Event {
        msgtype: "m.text",
        body: message::text(entries),
        format: "org.matrix.custom.html",
        formatted_body: message::html(entries),
    };
    // Plain data into a vector: serialising cannot fail.
    serde_json::to_vec(&event).unwrap_or_default()
}

/// An `m.room.message` event with an HTML body.
#[derive(serde::Serialize)]
struct Event {
    msgtype: &'static str,
    body: String,
    format: &'static str,
    formatted_body: String,
}

#[cfg(test)]
mod tests {
    /// The bytes of the message event, pinned.
    #[test]
    fn the_event_is_pinned() {
        let json = String::from_utf8(super::body(&[crate::model::examples::full_entry()])).unwrap();
        assert_eq!(json, EVENT);
    }

    const EVENT: &str = r##"{"msgtype":"m.text","body":"[trafficking, forced-labour] Cilvēku tirdzniecība: \"aizturēti\" <trīs>\nValsts policija · 2026-11-28T09:15:00Z\nhttps://www.vp.gov.lv/lv/jaunums/1?a=1&b=<2>\nAlso published by: Iekšlietu ministrija (https://www.iem.gov.lv/lv/jaunums/1), LSM\nMatched: Cilvēku tirdzniecība (title); piespiedu… …darbs (title + summary)\nCancelled by context: smuggling: \"cigaretes\" (content)","format":"org.matrix.custom.html","formatted_body":"<p><b><a href=\"https://www.vp.gov.lv/lv/jaunums/1?a=1&amp;b=&lt;2&gt;\">Cilvēku tirdzniecība: &quot;aizturēti&quot; &lt;trīs&gt;</a></b> [trafficking, forced-labour]<br>Valsts policija · 2026-11-28T09:15:00Z<br>Also published by: <a href=\"https://www.iem.gov.lv/lv/jaunums/1\">Iekšlietu ministrija</a>, LSM<br>Matched: Cilvēku tirdzniecība (title); piespiedu… …darbs (title + summary)<br>Cancelled by context: smuggling: &quot;cigaretes&quot; (content)</p>\n"}"##;

    use super::*;

    #[test]
    fn segments_escape_what_a_path_cannot_hold() {
        assert_eq!(segment("!abc:example.org"), "%21abc%3Aexample.org");
        assert_eq!(segment("#thb:example.org"), "%23thb%3Aexample.org");
        assert_eq!(
            segment("!Xq3-_cWbCwqRd0JdOyn8vz7vb7gWkrRz8mDI1CxArwE"),
            "%21Xq3-_cWbCwqRd0JdOyn8vz7vb7gWkrRz8mDI1CxArwE"
        );
    }
}
