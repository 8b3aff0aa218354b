//! Start tags read and written: attributes parsed tolerantly (HTML style:
//! unquoted or without a value) with their values decoded, unreadable or
//! repeated ones dropped; and written back quoted and escaped.

use quick_xml::events::BytesStart;

use super::{Writer, text, tokens};
use crate::model::Repair;

impl Writer<'_> {
    /// An element's attributes, values decoded; unreadable ones dropped.
    pub(super) fn attributes(&mut self, name: &str, attributes: &str, raw: &str) -> Vec<(String, String)> {
        if attributes.trim().is_empty() {
            return Vec::new();
        }
        let content = &raw[1..1 + name.len() + attributes.len()];
        let start = BytesStart::from_content(content, name.len());
        let mut parsed = start.html_attributes();
        parsed.with_checks(false);
        let mut out: Vec<(String, String)> = Vec::new();
        for attribute in parsed {
            let Ok(attribute) = attribute else {
                self.repairs.add(Repair::Attribute);
                break;
            };
            let key: &str = attribute.key.as_ref();
            if !tokens::is_name(key) || out.iter().any(|(k, _)| k == key) {
                self.repairs.add(Repair::Attribute);
                continue;
            }
            let mut value = String::new();
            text::push_decoded(&attribute.value, &mut value, &mut self.repairs);
            out.push((key.to_string(), value));
        }
        out
    }
}

pub(super) fn attribute<'v>(attributes: &'v [(String, String)], name: &str) -> Option<&'v str> {
    attributes
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

pub(super) fn write_start(out: &mut String, name: &str, attributes: &[(String, String)], empty: bool) {
    out.push('<');
    out.push_str(name);
    for (key, value) in attributes {
        out.push(' ');
        out.push_str(key);
        out.push_str("=\"");
        text::escape_into(value, out);
        out.push('"');
    }
    out.push_str(if empty { "/>" } else { ">" });
}
