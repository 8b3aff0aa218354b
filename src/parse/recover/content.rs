//! Text inside elements: character data and references decoded, CDATA,
//! markup that sits unescaped inside a text element (kept as its text,
//! its balance checked), and what an element captures of its text for an
//! entry's fallbacks or a deferred element.

use std::mem;

use super::entry::MAX_FALLBACK;
use super::{MAX_BASE64, Role, Writer, dialect, text};
use crate::model::Repair;

impl Writer<'_> {
    /// An end tag in a text element's markup: what it leaves open or
    /// closes of nothing is counted, as elsewhere.
    pub(super) fn markup_end(&mut self, name: &str) {
        let top = self.stack.len() - 1;
        let markup = &mut self.stack[top].markup;
        match markup.iter().rposition(|open| open == name) {
            Some(i) => {
                for _ in i + 1..markup.len() {
                    self.repairs.add(Repair::UnclosedElement);
                }
                markup.truncate(i);
            }
            // `</br>`, `</link>`: an end tag HTML does without.
            None if is_void(dialect::split_name(name).1) => {}
            None => self.repairs.add(Repair::StrayEndTag),
        }
    }

    /// A tag inside a text element: part of its text (unescaped HTML, or
    /// literal markup in plain text). Inside a link it changes the URL,
    /// so the entry is dropped.
    pub(super) fn markup_in_text(&mut self, raw: &str) {
        let top = self.stack.len() - 1;
        if matches!(self.stack[top].role, Role::Link | Role::AtomLink { .. })
            && let Some(entry) = self.entry.as_mut()
        {
            entry.damaged = true;
        }
        let markup = text::allowed(raw, &mut self.repairs);
        self.emit(&markup);
    }

    pub(super) fn text(&mut self, raw: &str) {
        let mut scratch = mem::take(&mut self.scratch);
        scratch.clear();
        text::push_decoded(raw, &mut scratch, &mut self.repairs);
        self.emit(&scratch);
        self.scratch = scratch;
    }

    pub(super) fn reference(&mut self, name: &str) {
        let mut scratch = mem::take(&mut self.scratch);
        scratch.clear();
        text::push_reference(name, &mut scratch, &mut self.repairs);
        self.emit(&scratch);
        self.scratch = scratch;
    }

    pub(super) fn cdata(&mut self, data: &str) {
        let data = text::allowed(data, &mut self.repairs);
        let top = self.stack.len() - 1;
        let open = &mut self.stack[top];
        let limit = capture_limit(&open.role);
        if let Some(capture) = open.capture.as_mut() {
            push_bounded(capture, &data, limit);
        }
        if self.stack[top].written {
            self.out.push_str("<![CDATA[");
            self.out.push_str(&data);
            self.out.push_str("]]>");
        }
    }

    /// Writes text (already free of forbidden characters) into the top
    /// element, and into what it captures.
    pub(super) fn emit(&mut self, text: &str) {
        let top = self.stack.len() - 1;
        let open = &mut self.stack[top];
        let limit = capture_limit(&open.role);
        if let Some(capture) = open.capture.as_mut() {
            push_bounded(capture, text, limit);
        }
        if self.stack[top].written {
            text::escape_into(text, &mut self.out);
        }
    }
}

/// HTML elements that are never closed (`<br>`, `<img>`).
pub(super) fn is_void(local: &str) -> bool {
    const VOID: [&str; 14] = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
    ];
    VOID.iter().any(|v| v.eq_ignore_ascii_case(local))
}

fn capture_limit(role: &Role) -> usize {
    match role {
        Role::Base64 { .. } => MAX_BASE64,
        _ => MAX_FALLBACK,
    }
}

fn push_bounded(capture: &mut String, text: &str, limit: usize) {
    let room = limit.saturating_sub(capture.len());
    if room >= text.len() {
        capture.push_str(text);
    } else {
        let mut cut = room;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        capture.push_str(&text[..cut]);
    }
}
