//! Closing an element: what it told about its entry, what was deferred to
//! its end, and the entry's own end: written with the fallbacks it lacks,
//! or taken back whole when damaged or cut off.

use super::dialect::{self, Family};
use super::entry::Entry;
use super::{Close, Open, Role, Writer};
use crate::model::{FeedFormat, Repair};

impl Writer<'_> {
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
    fn finish_entry(&mut self, how: Close, end: Option<&str>) {
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
