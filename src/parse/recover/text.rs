//! Character data as an ill-formed document writes it ─▶ the text it
//! means, and text ─▶ XML: references resolved or mended, bare `&`
//! escaped, characters XML forbids dropped, each repair counted. No
//! entity a DTD declares is ever expanded.

use quick_xml::escape::{resolve_html5_entity, resolve_xml_entity};

use crate::model::{Repair, Repairs};

/// Longest reference name looked for after a `&`.
const MAX_REFERENCE: usize = 32;

/// Appends the text `raw` means: references resolved (an unknown one kept
/// as written), a `&` that starts none taken literally.
pub(super) fn push_decoded(raw: &str, out: &mut String, repairs: &mut Repairs) {
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        push_allowed(&rest[..amp], out, repairs);
        let after = &rest[amp + 1..];
        match reference_name(after) {
            Some(name) => {
                push_reference(name, out, repairs);
                rest = &after[name.len() + 1..];
            }
            None => {
                repairs.add(Repair::BareAmpersand);
                out.push('&');
                rest = after;
            }
        }
    }
    push_allowed(rest, out, repairs);
}

/// Appends what the reference `&name;` means.
pub(super) fn push_reference(name: &str, out: &mut String, repairs: &mut Repairs) {
    if let Some(number) = name.strip_prefix('#') {
        push_character_reference(name, number, out, repairs);
    } else if let Some(text) = resolve_xml_entity(name) {
        out.push_str(text);
    } else if !super::tokens::is_name(name) {
        // "& border;": an ampersand followed by words and a semicolon.
        repairs.add(Repair::BareAmpersand);
        out.push('&');
        push_allowed(name, out, repairs);
        out.push(';');
    } else if let Some(text) = resolve_html5_entity(name) {
        repairs.add(Repair::HtmlEntity);
        out.push_str(text);
    } else {
        // Declared in a DTD or nowhere: never expanded, shown as written.
        repairs.add(Repair::UnknownEntity);
        out.push('&');
        out.push_str(name);
        out.push(';');
    }
}

fn push_character_reference(name: &str, number: &str, out: &mut String, repairs: &mut Repairs) {
    let code = match number.strip_prefix('x') {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => match number.strip_prefix('X') {
            Some(hex) => {
                repairs.add(Repair::CharacterReference);
                u32::from_str_radix(hex, 16).ok()
            }
            None => number.parse().ok(),
        },
    };
    match code.and_then(char::from_u32) {
        Some(c) if is_xml_char(c) => out.push(c),
        Some(_) => repairs.add(Repair::CharacterReference),
        None => {
            repairs.add(Repair::BareAmpersand);
            out.push('&');
            push_allowed(name, out, repairs);
            out.push(';');
        }
    }
}

/// The name of a reference at the start of `text` (after its `&`): up to
/// a `;` close by, with nothing in between that ends a reference.
fn reference_name(text: &str) -> Option<&str> {
    let end = text
        .char_indices()
        .take(MAX_REFERENCE + 1)
        .find(|(_, c)| matches!(c, ';' | '&' | '<' | '>') || c.is_whitespace())
        .filter(|(_, c)| *c == ';')
        .map(|(i, _)| i)?;
    (end > 0).then(|| &text[..end])
}

/// Appends `text` without the characters XML forbids.
fn push_allowed(text: &str, out: &mut String, repairs: &mut Repairs) {
    if !has_forbidden(text) {
        out.push_str(text);
        return;
    }
    for c in text.chars() {
        if is_xml_char(c) {
            out.push(c);
        } else {
            repairs.add(Repair::ForbiddenCharacter);
        }
    }
}

/// Drops the characters XML forbids, counting them.
pub(super) fn allowed(text: &str, repairs: &mut Repairs) -> String {
    let mut out = String::with_capacity(text.len());
    push_allowed(text, &mut out, repairs);
    out
}

/// Whether `text` holds a character XML 1.0 forbids: C0 controls other
/// than tab and line breaks, U+FFFE and U+FFFF (checked bytewise first).
pub(super) fn has_forbidden(text: &str) -> bool {
    let bytes = text.as_bytes();
    // In blocks, each read whole without branching (which compilers turn
    // into vector instructions): a document is read once more here.
    let forbidden_control = |b: u8| (b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r');
    let control = bytes
        .chunks(64)
        .any(|block| block.iter().fold(false, |seen, &b| seen | forbidden_control(b)));
    // U+FFFE and U+FFFF are EF BF BE and EF BF BF in UTF-8.
    control || (bytes.contains(&0xEF) && text.chars().any(|c| !is_xml_char(c)))
}

/// A character XML 1.0 allows in a document.
pub(super) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Appends `text` escaped for XML character data or a `"`-quoted
/// attribute value.
pub(super) fn escape_into(text: &str, out: &mut String) {
    let mut rest = text;
    while let Some(i) = rest.find(['&', '<', '>', '"']) {
        out.push_str(&rest[..i]);
        out.push_str(match rest.as_bytes()[i] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            _ => "&quot;",
        });
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(raw: &str) -> (String, Repairs) {
        let mut out = String::new();
        let mut repairs = Repairs::default();
        push_decoded(raw, &mut out, &mut repairs);
        (out, repairs)
    }

    #[test]
    fn references_are_resolved_mended_or_kept() {
        let (text, repairs) = decoded("Police & border &amp; R&D &eacute;t&eacute; &#X41;&#66; &lol9; &#0;x\u{1}");
        assert_eq!(text, "Police & border & R&D été AB &lol9; x");
        assert_eq!(repairs.count(Repair::BareAmpersand), 2);
        assert_eq!(repairs.count(Repair::HtmlEntity), 2);
        assert_eq!(repairs.count(Repair::CharacterReference), 2);
        assert_eq!(repairs.count(Repair::UnknownEntity), 1);
        assert_eq!(repairs.count(Repair::ForbiddenCharacter), 1);
        let (text, _) = decoded("a=1&b=2&c");
        assert_eq!(text, "a=1&b=2&c");
    }

    #[test]
    fn escaping_covers_text_and_attributes() {
        let mut out = String::new();
        escape_into(r#"a<b>&"c""#, &mut out);
        assert_eq!(out, "a&lt;b&gt;&amp;&quot;c&quot;");
    }
}
