//! The Atom family written as Atom 1.0: Atom 0.3's namespace and names
//! (`issued`, `modified`, `tagline`, `copyright`, `url`) mapped onto 1.0's,
//! every text construct given a type feed-rs reads (`text`, `html`,
//! `xhtml`; base64 decoded; 0.3's `mode` applied), a link with its URL as
//! text given an `href`. What cannot be read costs its element only.

use base64::Engine;

use super::dialect::{self, ATOM03, ATOM10, DC, DCTERMS, TextType};
use super::entry::{Date, Entry};
use super::tags::{attribute, write_start};
use super::{Content, Element, Open, Role, Writer, text};
use crate::model::Repair;

impl Writer<'_> {
    pub(super) fn open_atom_root(
        &mut self,
        name: &str,
        empty: bool,
        v03: bool,
        attributes: Vec<(String, String)>,
        scope: usize,
    ) {
        self.root_default = attribute(&attributes, "xmlns")
            .filter(|uri| !uri.is_empty())
            .map(str::to_string);
        let attributes = atom_attributes(attributes, v03);
        let (_, local) = dialect::split_name(name);
        let role = if local == "entry" {
            self.entries += 1;
            self.entry = Some(Entry::new(self.out.len()));
            Role::Entry
        } else {
            Role::Root
        };
        write_start(&mut self.out, name, &attributes, false);
        self.stack.push(Open {
            end: Some(name.to_string()),
            ..Open::new(name, scope).with(role, Content::Elements)
        });
        if empty {
            self.close(super::Close::Tag);
        }
    }

    pub(super) fn atom_element(&mut self, element: Element<'_>) -> Open {
        let v03 = matches!(self.family, Some(dialect::Family::Atom { v03: true }));
        if !self.is_atom(element.prefix, element.namespace) {
            return self.atom_extension_element(element);
        }
        let parent = &self.top().role;
        let (parent_is_entry, parent_is_person) = (matches!(parent, Role::Entry), matches!(parent, Role::Person));
        let local = if v03 {
            dialect::atom10_local(element.local, parent_is_person)
        } else {
            element.local
        };
        let name = match element.prefix {
            Some(prefix) => format!("{prefix}:{local}"),
            None => local.to_string(),
        };
        let attributes = atom_attributes(element.attributes.clone(), v03);
        let open = Open::new(element.name, element.scope);
        let open = match element.local {
            _ if element.starts_entry => open.with(Role::Entry, Content::Elements),
            "author" | "contributor" => open.with(Role::Person, Content::Elements),
            construct if dialect::is_atom_text_construct(construct) => {
                return self.text_construct(element, name, attributes, parent_is_entry, v03);
            }
            "link" if attribute(&attributes, "href").is_none() => {
                return Open {
                    critical: parent_is_entry,
                    written: false,
                    ..open
                        .with(Role::AtomLink { name, attributes }, Content::Text)
                        .capturing()
                };
            }
            "link" => {
                if parent_is_entry && attribute(&attributes, "rel").is_none_or(|rel| rel != "self") {
                    self.entry_facts().has_link = true;
                }
                open
            }
            "published" | "issued" if parent_is_entry => {
                self.entry_facts().has_published = true;
                open.with(Role::Other, Content::Text)
            }
            "updated" | "modified" if parent_is_entry => {
                self.entry_facts().has_updated = true;
                open.with(Role::Other, Content::Text)
            }
            "created" if parent_is_entry => open.with(Role::FallbackDate(Date::Created), Content::Text).capturing(),
            "id" | "name" | "email" | "uri" | "url" | "icon" | "logo" | "generator" | "published" | "issued"
            | "updated" | "modified" | "created" => open.with(Role::Other, Content::Text),
            _ => open,
        };
        write_start(&mut self.out, &name, &attributes, false);
        Open {
            end: Some(name),
            ..open
        }
    }

    /// An Atom text construct, with the type feed-rs can read.
    fn text_construct(
        &mut self,
        element: Element<'_>,
        name: String,
        mut attributes: Vec<(String, String)>,
        parent_is_entry: bool,
        v03: bool,
    ) -> Open {
        let declared = attribute(&attributes, "type").map(str::to_string);
        let mode = attribute(&element.attributes, "mode").map(str::to_string);
        attributes.retain(|(key, _)| key != "type");
        let critical = parent_is_entry && element.local == "title";
        if critical {
            self.entry_facts().has_title = true;
        }
        let open = Open {
            critical,
            ..Open::new(element.name, element.scope)
        };
        if element.local == "content" && attribute(&attributes, "src").is_some() {
            // Content elsewhere: the element must stay empty.
            if let Some(media) = declared.as_deref().and_then(dialect::src_media_type) {
                attributes.push(("type".into(), media.into()));
            }
            write_start(&mut self.out, &name, &attributes, true);
            return Open {
                written: false,
                ..open.with(Role::Skipped, Content::Text)
            };
        }
        let kind = dialect::text_type(declared.as_deref(), mode.as_deref(), v03);
        if let TextType::Base64 { html } = kind {
            return Open {
                written: false,
                ..open
                    .with(Role::Base64 { name, html, attributes }, Content::Text)
                    .capturing()
            };
        }
        attributes.push(("type".into(), kind.attribute().into()));
        write_start(&mut self.out, &name, &attributes, false);
        let content = match kind {
            TextType::Html => Content::Text,
            TextType::Xhtml => Content::Elements,
            _ => Content::Text,
        };
        Open {
            end: Some(name),
            ..open.with(Role::Other, content)
        }
    }

    /// Another vocabulary's element in an Atom document, written as it
    /// came; Dublin Core titles and dates are kept to fall back on.
    fn atom_extension_element(&mut self, element: Element<'_>) -> Open {
        let parent_is_entry = matches!(self.top().role, Role::Entry);
        let in_entry = self.entry.is_some();
        let open = Open::new(element.name, element.scope);
        let open = match (element.namespace, element.local) {
            (Some(DC), "title") if parent_is_entry => open.with(Role::FallbackTitle, Content::Text).capturing(),
            (Some(DC), "date") if parent_is_entry => {
                open.with(Role::FallbackDate(Date::Modified), Content::Text).capturing()
            }
            (Some(DCTERMS), "issued") if parent_is_entry => {
                open.with(Role::FallbackDate(Date::Issued), Content::Text).capturing()
            }
            (Some(DCTERMS), "created") if parent_is_entry => {
                open.with(Role::FallbackDate(Date::Created), Content::Text).capturing()
            }
            (Some(DCTERMS), "modified") if parent_is_entry => {
                open.with(Role::FallbackDate(Date::Modified), Content::Text).capturing()
            }
            (Some(uri), "title") if in_entry && dialect::is_media_namespace(uri) => {
                open.with(Role::FallbackTitle, Content::Text).capturing()
            }
            _ => open,
        };
        write_start(&mut self.out, element.name, &element.attributes, false);
        Open {
            end: Some(element.name.to_string()),
            ..open
        }
    }

    /// An Atom link written at its end, its text the `href`.
    pub(super) fn write_atom_link(&mut self, name: &str, mut attributes: Vec<(String, String)>, url: &str) {
        let url = url.trim();
        if url.is_empty() || url.contains(char::is_whitespace) {
            return;
        }
        let in_entry = matches!(self.stack.last().map(|o| &o.role), Some(Role::Entry));
        if in_entry && attribute(&attributes, "rel").is_none_or(|rel| rel != "self") {
            self.entry_facts().has_link = true;
        }
        attributes.push(("href".into(), url.to_string()));
        write_start(&mut self.out, name, &attributes, true);
    }

    /// A base64 text construct decoded and written as text or HTML; one
    /// that does not decode to text is dropped.
    pub(super) fn write_base64(&mut self, name: &str, mut attributes: Vec<(String, String)>, html: bool, data: &str) {
        let compact: String = data.chars().filter(|c| !c.is_whitespace()).collect();
        let engine = base64::engine::GeneralPurpose::new(
            &base64::alphabet::STANDARD,
            base64::engine::GeneralPurposeConfig::new()
                .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
        );
        let decoded = engine
            .decode(compact.as_bytes())
            .ok()
            .and_then(|b| String::from_utf8(b).ok());
        let Some(decoded) = decoded.filter(|d| !d.is_empty()) else {
            self.repairs.add(Repair::UnreadableElement);
            return;
        };
        let decoded = text::allowed(&decoded, &mut self.repairs);
        attributes.push(("type".into(), if html { "html" } else { "text" }.into()));
        write_start(&mut self.out, name, &attributes, false);
        text::escape_into(&decoded, &mut self.out);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }
}

/// Atom attributes as 1.0 reads them: 0.3's namespace renamed, its
/// `version` and `mode` dropped.
fn atom_attributes(attributes: Vec<(String, String)>, v03: bool) -> Vec<(String, String)> {
    attributes
        .into_iter()
        .filter(|(key, _)| !(v03 && (key == "version" || key == "mode")))
        .map(|(key, value)| {
            let declares = key == "xmlns" || key.starts_with("xmlns:");
            if declares && value == ATOM03 {
                (key, ATOM10.to_string())
            } else {
                (key, value)
            }
        })
        .collect()
}
