//! Elements opening and closing: where an entry starts (and what an
//! unclosed one left open is closed), which end tag closes what, what an
//! element told about its entry, what was deferred to its end, and the
//! entry's own end: written with the fallbacks it lacks, or taken back
//! whole when damaged or cut off.

use super::content::is_void;
use super::dialect::{self, ATOM03, ATOM10, Family};
use super::entry::Entry;
use super::{Close, Element, Error, MAX_DEPTH, Open, Role, Writer};
use crate::model::{FeedFormat, Repair};

impl<'a> Writer<'a> {
    pub(super) fn start(&mut self, name: &str, attributes: &'a str, empty: bool, raw: &str) -> Result<(), Error> {
        let (prefix, local) = dialect::split_name(name);
        let namespace = self.namespaces.resolve(prefix).map(str::to_string);
        let entry_start = self.is_entry(prefix, local, namespace.as_deref());
        if self.in_text() {
            if !entry_start {
                if let Some(top) = self.stack.last_mut().filter(|_| !empty && !is_void(local)) {
                    top.markup.push(name.to_string());
                }
                self.markup_in_text(raw);
                return Ok(());
            }
            self.close_to_entry_level();
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(Error::TooDeep);
        }
        let attributes = self.attributes(name, attributes, raw);
        let scope = self.namespaces.len();
        self.namespaces.declare(&attributes);
        let namespace = self.namespaces.resolve(prefix).map(str::to_string);
        let starts_entry = entry_start && (self.entry.is_some() || self.at_entry_level()) && !self.root_is_entry();
        if starts_entry {
            self.close_to_entry_level();
            self.entries += 1;
            self.entry = Some(Entry::new(self.out.len()));
        } else if entry_start {
            self.misplaced += 1;
        }
        let element = Element {
            name,
            prefix,
            local,
            namespace: namespace.as_deref(),
            attributes,
            scope,
            starts_entry,
        };
        let open = match self.family {
            Some(Family::Rss { cdf }) => self.rss_element(element, cdf),
            _ => self.atom_element(element),
        };
        self.stack.push(open);
        if empty {
            self.close(Close::Tag);
        }
        Ok(())
    }

    pub(super) fn end(&mut self, name: &str, raw: &str) {
        let cdf = matches!(self.family, Some(Family::Rss { cdf: true }));
        let matches = |open: &Open| open.name == name || (cdf && open.name.eq_ignore_ascii_case(name));
        match self.stack.iter().rposition(matches) {
            Some(i) => {
                while self.stack.len() > i + 1 {
                    self.close(Close::Implied);
                }
                self.close(Close::Tag);
            }
            // Inside text, an end tag that closes no element is the text's markup.
            None if self.in_text() => {
                self.markup_end(name);
                self.markup_in_text(raw);
            }
            None => self.repairs.add(Repair::StrayEndTag),
        }
    }

    pub(super) fn at_entry_level(&self) -> bool {
        self.stack.iter().all(|o| matches!(o.role, Role::Root | Role::Channel))
    }

    pub(super) fn root_is_entry(&self) -> bool {
        self.stack.first().is_some_and(|o| matches!(o.role, Role::Entry))
    }

    /// Closes what an entry left open before the next one (or a channel's
    /// end) arrives.
    pub(super) fn close_to_entry_level(&mut self) {
        while !(self.at_entry_level() || (self.root_is_entry() && self.stack.len() == 1)) {
            self.close(Close::Implied);
        }
    }

    pub(super) fn is_entry(&self, prefix: Option<&str>, local: &str, namespace: Option<&str>) -> bool {
        match self.family {
            Some(Family::Rss { cdf }) => {
                (local == "item" && self.is_rss(prefix, namespace))
                    || (cdf && namespace.is_none() && local.eq_ignore_ascii_case("item"))
            }
            Some(Family::Atom { .. }) => local == "entry" && self.is_atom(prefix, namespace),
            None => false,
        }
    }

    pub(super) fn is_rss(&self, prefix: Option<&str>, namespace: Option<&str>) -> bool {
        match namespace {
            None => prefix.is_none(),
            Some(uri) => {
                dialect::is_rss_namespace(uri) || (prefix.is_none() && self.root_default.as_deref() == Some(uri))
            }
        }
    }

    pub(super) fn is_atom(&self, prefix: Option<&str>, namespace: Option<&str>) -> bool {
        match namespace {
            Some(uri) => uri == ATOM10 || uri == ATOM03,
            None => prefix.is_none() && self.root_default.is_none(),
        }
    }

    /// The entry being written (one is open whenever this is asked).
    pub(super) fn entry_facts(&mut self) -> &mut Entry {
        let start = self.out.len();
        self.entry.get_or_insert_with(|| Entry::new(start))
    }

    /// Opens the feed's root element.
    pub(super) fn open_root(
        &mut self,
        name: &str,
        empty: bool,
        family: Family,
        attributes: Vec<(String, String)>,
        scope: usize,
    ) {
        self.family = Some(family);
        self.format = match family {
            Family::Atom { .. } => FeedFormat::Atom,
            Family::Rss { .. } if dialect::split_name(name).1 == "RDF" => FeedFormat::Rdf,
            Family::Rss { .. } => FeedFormat::Rss,
        };
        match family {
            Family::Rss { cdf } => self.open_rss_root(name, empty, cdf, attributes, scope),
            Family::Atom { v03 } => self.open_atom_root(name, empty, v03, attributes, scope),
        }
    }

    /// Closes the innermost open element.
    pub(super) fn close(&mut self, how: Close) {
        let Some(open) = self.stack.pop() else {
            return;
        };
        self.namespaces.truncate(open.scope);
        // Markup a text element left open (`<p>` never closed).
        for _ in &open.markup {
            self.repairs.add(Repair::UnclosedElement);
        }
        if how == Close::Implied {
            self.repairs.add(Repair::UnclosedElement);
            if open.critical
                && let Some(entry) = self.entry.as_mut()
            {
                entry.damaged = true;
            }
        }
        let Open { role, capture, end, .. } = open;
        let captured = capture.unwrap_or_default();
        match role {
            Role::Entry => return self.finish_entry(how, end.as_deref()),
            Role::Root if matches!(self.family, Some(Family::Rss { .. })) => {
                if self.channel_pending {
                    self.write_channel(&[]);
                }
                self.out.push_str("</channel></rss>");
                return;
            }
            Role::Link if !captured.trim().is_empty() => self.entry_facts().has_link = true,
            Role::Guid { permalink } => {
                let entry = self.entry_facts();
                entry.has_guid = true;
                if permalink {
                    entry.permalink = Some(captured.trim().to_string());
                }
            }
            Role::FallbackTitle => self.entry_facts().fallback_title(captured),
            Role::FallbackDate(date) => self.entry_facts().date(date, captured),
            Role::AtomLink { name, attributes } => self.write_atom_link(&name, attributes, &captured),
            Role::Base64 { name, attributes, html } => self.write_base64(&name, attributes, html, &captured),
            _ => {}
        }
        if let Some(end) = end {
            self.out.push_str("</");
            self.out.push_str(&end);
            self.out.push('>');
        }
    }

    /// Ends an entry: with the fallbacks it lacks, or not at all when its
    /// title or link was damaged or the document ends inside it.
    pub(super) fn finish_entry(&mut self, how: Close, end: Option<&str>) {
        let Some(entry) = self.entry.take() else {
            return;
        };
        if how == Close::Cut || entry.damaged {
            self.out.truncate(entry.start.min(self.out.len()));
            if how == Close::Cut {
                self.repairs.incomplete_entries += 1;
            } else {
                self.repairs.damaged_entries += 1;
            }
            return;
        }
        match self.family {
            Some(Family::Rss { .. }) => entry.write_rss_fallbacks(&mut self.out),
            _ => entry.write_atom_fallbacks(&mut self.out, end.and_then(|e| dialect::split_name(e).0)),
        }
        if let Some(end) = end {
            self.out.push_str("</");
            self.out.push_str(end);
            self.out.push('>');
        }
    }
}
