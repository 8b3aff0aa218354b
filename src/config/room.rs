//! Matrix rooms as a channel's `room` names them: room ids and aliases,
//! read as the specification's identifier grammar allows.

/// A Matrix room as the configuration names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Room {
    /// `!opaque:server`, or `!opaque` (room version 12 and later).
    Id(String),
    /// `#name:server`, resolved through the homeserver's room directory.
    Alias(String),
}

impl Room {
    /// Reads a room id or alias as the Matrix specification allows them
    /// (appendix "Identifier grammar"): at most 255 bytes, no spaces or
    /// control characters; an alias needs its server name.
    pub(crate) fn parse(text: &str) -> Option<Room> {
        let well_formed = (2..=255).contains(&text.len()) && !text.chars().any(|c| c.is_whitespace() || c.is_control());
        let server_ok = |server: &str| !server.is_empty() && !server.contains(['/', '?', '#']);
        match text.split_at_checked(1)? {
            ("!", rest) if well_formed => {
                let (opaque, server) = rest.split_once(':').unwrap_or((rest, "x"));
                (!opaque.is_empty() && server_ok(server)).then(|| Room::Id(text.to_string()))
            }
            ("#", rest) if well_formed => {
                let (name, server) = rest.split_once(':')?;
                (!name.is_empty() && server_ok(server)).then(|| Room::Alias(text.to_string()))
            }
            _ => None,
        }
    }
}
