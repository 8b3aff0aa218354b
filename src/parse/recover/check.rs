//! Whether a document is well-formed as far as recovery would mend it:
//! one pass over the tokens, allocating nothing but a stack of borrowed
//! names, so a feed that needs no repair costs little more than before.
//! The strict parser tolerates some faults silently (an undefined entity,
//! a mismatched end tag, a second root); this finds them, so that their
//! document is recovered and the operator warned.

use quick_xml::escape::{resolve_html5_entity, resolve_xml_entity};
use quick_xml::events::BytesStart;

use super::text::has_forbidden;
use super::tokens::{Token, Tokens};

/// Whether `input` is one well-formed XML element with nothing recovery
/// would mend: references all defined by XML, characters all allowed,
/// attributes all readable, every element closed in order.
pub(crate) fn is_well_formed(input: &str) -> bool {
    // Nearly every feed: sure at the cost of a scan.
    super::plain::surely_well_formed(input) || tokenized(input)
}

/// The check token by token (the fast path's verdict when it is unsure).
pub(super) fn tokenized(input: &str) -> bool {
    let mut tokens = Tokens::new(input);
    let mut open: Vec<&str> = Vec::new();
    let mut root_closed = false;
    let mut html_entities = false;
    loop {
        let token = match tokens.next() {
            Ok(Some(token)) => token,
            Ok(None) => break,
            Err(_) => return false,
        };
        let ok = match token {
            Token::Start {
                name,
                attributes,
                empty,
                raw,
            } => {
                let ok = !root_closed && attributes_ok(name, attributes, raw);
                if !empty {
                    open.push(name);
                } else if open.is_empty() {
                    root_closed = true;
                }
                ok
            }
            Token::End { name, .. } => {
                let ok = open.pop() == Some(name);
                root_closed = open.is_empty();
                ok
            }
            Token::Text(text) => {
                !text.contains('&') && !has_forbidden(text) && (!open.is_empty() || text.trim().is_empty())
            }
            Token::Reference(name) => {
                !open.is_empty() && (reference_ok(name) || (html_entities && resolve_html5_entity(name).is_some()))
            }
            Token::CData(data) => !open.is_empty() && !has_forbidden(data),
            Token::Literal(_) => false,
            Token::Doctype(doctype) => {
                html_entities = declares_html_entities(doctype);
                true
            }
            Token::Other => true,
        };
        if !ok {
            return false;
        }
    }
    !tokens.cut && open.is_empty() && root_closed
}

/// Whether a DOCTYPE is Netscape's RSS 0.91 one, whose DTD defines the
/// HTML entities (`&eacute;` is then no fault).
pub(super) fn declares_html_entities(doctype: &str) -> bool {
    doctype.to_ascii_lowercase().contains("rss-0.91.dtd")
}

/// A reference XML itself defines: predefined or an allowed character.
fn reference_ok(name: &str) -> bool {
    if resolve_xml_entity(name).is_some() {
        return true;
    }
    let code = match name.strip_prefix("#x") {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => name.strip_prefix('#').and_then(|n| n.parse().ok()),
    };
    code.and_then(char::from_u32).is_some_and(super::text::is_xml_char)
}

/// Attributes quoted, distinct, with valid references and no `<`.
fn attributes_ok(name: &str, attributes: &str, raw: &str) -> bool {
    if attributes.trim().is_empty() {
        return true;
    }
    let content = &raw[1..1 + name.len() + attributes.len()];
    let start = BytesStart::from_content(content, name.len());
    // Repeated names are left to the strict parser: tracking them would
    // cost an allocation per tag.
    let mut attributes = start.attributes();
    attributes.with_checks(false);
    attributes.all(|attribute| {
        attribute.is_ok_and(|a| {
            let value: &str = &a.value;
            !value.contains('<')
                && !has_forbidden(value)
                && value.split('&').skip(1).all(|rest| {
                    rest.split_once(';')
                        .is_some_and(|(reference, _)| reference_ok(reference))
                })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::is_well_formed;

    #[test]
    fn faults_the_strict_parser_tolerates_are_found() {
        assert!(is_well_formed(
            "<?xml version=\"1.0\"?>\n<!-- c --><rss a=\"1 &amp; 2\"><x>&lt;&#233;<![CDATA[<]]></x><y/></rss>\n"
        ));
        let netscape = "<!DOCTYPE rss PUBLIC \"-//Netscape Communications//DTD RSS 0.91//EN\" \
                        \"http://my.netscape.com/publish/formats/rss-0.91.dtd\"><rss>&eacute;</rss>";
        assert!(is_well_formed(netscape));
        for broken in [
            "<rss><x></rss>",
            "<rss></rss><rss></rss>",
            "<rss></rss>garbage",
            "<rss>&nbsp;</rss>",
            "<rss>a & b</rss>",
            "<rss>1 < 2</rss>",
            "<rss>\u{1}</rss>",
            "<rss a=\"x&y\"></rss>",
            "<rss a=b></rss>",
            "<rss><x>",
            "<rss><!-- open",
            "",
            "junk<rss/>",
        ] {
            assert!(!is_well_formed(broken), "{broken}");
        }
    }
}
