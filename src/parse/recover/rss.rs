//! The RSS family written as RSS 2.0: one `<rss version="2.0"><channel>`
//! whatever the input's root (RSS 0.9x/2.0 with or without a version or
//! a namespace, RSS 0.90 and 1.0's `rdf:RDF`, CDF's `CHANNEL`), RSS
//! elements unprefixed and out of any namespace, items wherever the
//! input put them (RSS 1.0 keeps them beside its channel) inside it.

use super::dialect::{self, CONTENT, DC, DCTERMS};
use super::entry::Date;
use super::tags::{attribute, write_start};
use super::{Content, Element, Open, Role, Writer, text};

impl Writer<'_> {
    pub(super) fn open_rss_root(
        &mut self,
        name: &str,
        empty: bool,
        cdf: bool,
        attributes: Vec<(String, String)>,
        scope: usize,
    ) {
        self.root_default = attribute(&attributes, "xmlns")
            .filter(|uri| !uri.is_empty())
            .map(str::to_string);
        let mut kept = vec![("version".to_string(), "2.0".to_string())];
        for (key, value) in &attributes {
            if let Some(prefix) = key.strip_prefix("xmlns:") {
                if !value.is_empty() && !dialect::is_rss_namespace(value) {
                    self.root_bindings.push((prefix.to_string(), value.clone()));
                    kept.push((key.clone(), value.clone()));
                }
            } else if key.starts_with("xml:") {
                kept.push((key.clone(), value.clone()));
            }
        }
        write_start(&mut self.out, "rss", &kept, false);
        if cdf {
            // CDF's root is its channel.
            self.write_channel(&attributes);
            if let Some(href) = attribute(&attributes, "href") {
                self.out.push_str("<link>");
                text::escape_into(href, &mut self.out);
                self.out.push_str("</link>");
            }
        } else {
            self.channel_pending = true;
        }
        self.stack
            .push(Open::new(name, scope).with(Role::Root, Content::Elements));
        if empty {
            self.close(super::Close::Tag);
        }
    }

    pub(super) fn rss_element(&mut self, element: Element<'_>, cdf: bool) -> Open {
        let rss = self.is_rss(element.prefix, element.namespace) || (cdf && element.namespace.is_none());
        if rss {
            self.rss_own_element(element, cdf)
        } else {
            self.rss_extension_element(element)
        }
    }

    /// An element of RSS itself (or CDF), written unprefixed.
    fn rss_own_element(&mut self, element: Element<'_>, cdf: bool) -> Open {
        let local = if cdf { cdf_local(element.local) } else { element.local };
        let parent_is_entry = matches!(self.top().role, Role::Entry);
        let open = Open::new(element.name, element.scope);
        if element.starts_entry {
            return self.open_item(element, cdf);
        }
        let open = match local {
            "channel" if self.at_entry_level() => {
                if self.channel_pending {
                    self.write_channel(&element.attributes);
                }
                return open.with(Role::Channel, Content::Elements);
            }
            "title" if parent_is_entry => {
                self.entry_facts().has_title = true;
                Open {
                    critical: true,
                    ..open.with(Role::Title, Content::Text)
                }
            }
            "link" if parent_is_entry => Open {
                critical: true,
                ..open.with(Role::Link, Content::Text).capturing()
            },
            "guid" if parent_is_entry => {
                let permalink = attribute(&element.attributes, "isPermaLink").is_none_or(|v| v.trim() != "false");
                open.with(Role::Guid { permalink }, Content::Text).capturing()
            }
            "pubDate" if parent_is_entry => {
                self.entry_facts().has_published = true;
                open.with(Role::Other, Content::Text)
            }
            "updated" if parent_is_entry => {
                self.entry_facts().has_updated = true;
                open.with(Role::Other, Content::Text)
            }
            "description" => open.with(Role::Other, Content::Text),
            name if dialect::is_rss_container(name) => open,
            _ => open.with(Role::Other, Content::Text),
        };
        let attributes = self.rss_attributes(element.attributes);
        write_start(&mut self.out, local, &attributes, false);
        Open {
            end: Some(local.to_string()),
            ..open
        }
    }

    fn open_item(&mut self, element: Element<'_>, cdf: bool) -> Open {
        let about = attribute(&element.attributes, "rdf:about").map(str::to_string);
        let href = cdf
            .then(|| attribute(&element.attributes, "href"))
            .flatten()
            .map(str::to_string);
        let modified = cdf
            .then(|| attribute(&element.attributes, "lastmod"))
            .flatten()
            .map(str::to_string);
        // Its `xml:base` and `xml:lang` still apply to what it holds.
        let kept: Vec<(String, String)> = element
            .attributes
            .iter()
            .filter(|(key, _)| key.starts_with("xml:"))
            .cloned()
            .collect();
        write_start(&mut self.out, "item", &kept, false);
        let entry = self.entry_facts();
        entry.about = about;
        if let Some(href) = href {
            entry.has_link = true;
            self.out.push_str("<link>");
            text::escape_into(&href, &mut self.out);
            self.out.push_str("</link>");
        }
        if let Some(date) = modified {
            self.entry_facts().date(Date::Modified, date);
        }
        Open {
            end: Some("item".to_string()),
            ..Open::new(element.name, element.scope).with(Role::Entry, Content::Elements)
        }
    }

    /// An element of another vocabulary inside an RSS document, written
    /// as it came (declaring its prefix where the root no longer does).
    fn rss_extension_element(&mut self, element: Element<'_>) -> Open {
        let parent_is_entry = matches!(self.top().role, Role::Entry);
        let in_entry = self.entry.is_some();
        let open = Open::new(element.name, element.scope);
        let open = match (element.namespace, element.local) {
            (Some(DC), "title") if parent_is_entry => open.with(Role::FallbackTitle, Content::Text).capturing(),
            (Some(DC), "date") if parent_is_entry => {
                self.entry_facts().has_published = true;
                open.with(Role::Other, Content::Text)
            }
            (Some(DC | DCTERMS), local) if parent_is_entry && date_of(local).is_some() => open
                .with(
                    Role::FallbackDate(date_of(local).unwrap_or(Date::Issued)),
                    Content::Text,
                )
                .capturing(),
            (Some(DC | DCTERMS), _) => open.with(Role::Other, Content::Text),
            (Some(CONTENT), "encoded") => open.with(Role::Other, Content::Text),
            (Some(uri), "title") if in_entry && dialect::is_media_namespace(uri) => {
                open.with(Role::FallbackTitle, Content::Text).capturing()
            }
            (Some(dialect::ATOM10), "updated") if parent_is_entry => {
                self.entry_facts().has_updated = true;
                open.with(Role::Other, Content::Text)
            }
            _ => open,
        };
        let mut attributes = element.attributes;
        self.declare_prefix(element.prefix, &mut attributes);
        write_start(&mut self.out, element.name, &attributes, false);
        Open {
            end: Some(element.name.to_string()),
            ..open
        }
    }

    /// Writes the output's one `<channel>` start, with the `xml:base` and
    /// `xml:lang` of the input's channel.
    pub(super) fn write_channel(&mut self, attributes: &[(String, String)]) {
        let kept: Vec<(String, String)> = attributes
            .iter()
            .filter(|(key, _)| key.starts_with("xml:"))
            .cloned()
            .collect();
        write_start(&mut self.out, "channel", &kept, false);
        self.channel_pending = false;
    }

    /// Attributes of an RSS element without the declarations that put it
    /// in a namespace.
    fn rss_attributes(&self, attributes: Vec<(String, String)>) -> Vec<(String, String)> {
        attributes
            .into_iter()
            .filter(|(key, value)| {
                let declares_rss = (key == "xmlns" || key.starts_with("xmlns:")) && dialect::is_rss_namespace(value);
                let default = key == "xmlns" && self.root_default.as_deref() == Some(value.as_str());
                !declares_rss && !default
            })
            .collect()
    }

    /// Adds a declaration of the element's prefix when the output's root
    /// does not bind it as the input did here.
    fn declare_prefix(&self, prefix: Option<&str>, attributes: &mut Vec<(String, String)>) {
        let Some(prefix) = prefix.filter(|p| *p != "xml") else {
            return;
        };
        let Some(uri) = self.namespaces.resolve(Some(prefix)) else {
            return;
        };
        let key = format!("xmlns:{prefix}");
        let declared = attributes.iter().any(|(k, _)| *k == key);
        let bound = self.root_bindings.iter().any(|(p, u)| p == prefix && u == uri);
        if !declared && !bound {
            attributes.push((key, uri.to_string()));
        }
    }
}

/// A Dublin Core date element a missing date falls back on.
fn date_of(local: &str) -> Option<Date> {
    match local {
        "issued" => Some(Date::Issued),
        "created" => Some(Date::Created),
        "modified" => Some(Date::Modified),
        _ => None,
    }
}

/// CDF's element names as their RSS counterparts.
fn cdf_local(local: &str) -> &str {
    match local.to_ascii_lowercase().as_str() {
        "channel" => "channel",
        "item" => "item",
        "title" => "title",
        "abstract" => "description",
        _ => local,
    }
}
