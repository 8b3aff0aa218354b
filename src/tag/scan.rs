//! The work of the rules on one item, once its phrase occurrences are
//! found: which terms hold, what excludes and NOT parts cancelled, which
//! tags a context cancels, and the matches with their words as written.
//! Pure.

use super::slots::Slot;
use super::spans::{Covers, Found, Keep, Occ, Outcome};
use super::{Excluded, Explanation, Rule, Tagger};
use crate::model::{Cancelled, Field, Match};

/// Most matches kept per item, all tags together.
pub(super) const MAX_MATCHES: usize = 20;

/// The work on one item.
pub(super) struct Scan<'a, 't> {
    pub tagger: &'a Tagger,
    pub found: &'a Found<'a>,
    pub slots: &'a [Slot<'t>],
    pub language: Option<&'a str>,
    pub explain: bool,
    /// Candidates are the terms whose gate was found (otherwise: whose
    /// words were).
    pub gated: bool,
    pub out: Explanation,
    /// (tag, term, evidence) of every term that holds, in term order.
    pub evidence: Vec<(usize, usize, Vec<Occ>)>,
}

impl Scan<'_, '_> {
    /// Evaluates the terms whose phrases occur.
    pub(super) fn terms(&mut self) {
        let tagger = self.tagger;
        // A term whose gate is not found cannot hold; one whose words
        // are found but not its gate only matters to explanations.
        let users = match self.gated {
            true => &tagger.gated_users,
            false => &tagger.users,
        };
        // The candidates listed and put in term order (a few, gated)
        // rather than marked among all the terms and every term visited.
        let mut candidates = Vec::new();
        let mut phrase = usize::MAX;
        for hit in self.found.hits {
            if hit.phrase != phrase {
                phrase = hit.phrase;
                candidates.extend_from_slice(&users[phrase]);
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        let mut covers: Vec<Option<Covers>> = (0..tagger.rules.len()).map(|_| None).collect();
        for index in candidates {
            let term = &tagger.terms[index];
            let rule = &tagger.rules[term.rule];
            if !self.explain && !term.query.possible(self.found) {
                continue;
            }
            if let Some(reason) = language_skip(rule, self.language) {
                self.skipped(index, |_| true, &reason);
                continue;
            }
            let covers = covers[term.rule].get_or_insert_with(|| Covers::new(self.found, &rule.excludes));
            let slots = self.slots;
            let field = |o: &Occ| looks_at(rule, slots[o.slot].fields(o.start, o.end));
            let keep = Keep {
                field: &field,
                covers: Some(covers),
            };
            match self.found.holds(&term.query, &keep) {
                Outcome::Yes(evidence) => {
                    for &tag in &term.tags {
                        self.evidence.push((tag, index, evidence.clone()));
                    }
                }
                Outcome::Negated { by, found, would } if self.explain => {
                    let (field, _) = self.place(&would[0]);
                    let text = self.slots[would[0].slot].words(would[0].start, would[0].end);
                    let negation = (
                        self.place(&found).0,
                        self.slots[found.slot].words(found.start, found.end),
                    );
                    self.out.excluded.push(Excluded {
                        tag: rule.name.clone(),
                        term: term.written.clone(),
                        field,
                        text,
                        exclude: format!("NOT {by}"),
                        negation: Some(negation),
                    });
                }
                _ => {}
            }
            if self.explain {
                let reason = format!("only looks at {}", names(rule.fields.iter().map(|f| f.as_str())));
                self.skipped(index, |place| !looks_at(rule, place), &reason);
                self.excluded(index, covers);
            }
        }
    }

    fn place(&self, occ: &Occ) -> (Field, Option<Field>) {
        self.slots[occ.slot].fields(occ.start, occ.end)
    }

    /// Notes, once per field, that a term's words occur where its rule
    /// does not apply.
    fn skipped(&mut self, term: usize, skips: impl Fn((Field, Option<Field>)) -> bool, reason: &str) {
        if !self.explain {
            return;
        }
        let term = &self.tagger.terms[term];
        let mut used = Vec::new();
        term.query.phrases(false, &mut used);
        for hit in used.iter().flat_map(|&p| self.found.of(p)) {
            let place = self.place(&Occ::from(hit));
            if !skips(place) {
                continue;
            }
            let entry = (self.tagger.rules[term.rule].name.clone(), place.0, reason.to_string());
            if !self.out.skipped.contains(&entry) {
                self.out.skipped.push(entry);
            }
        }
    }

    /// Notes the first occurrence of a term's words an exclude cancelled.
    fn excluded(&mut self, term_index: usize, covers: &Covers) {
        let term = &self.tagger.terms[term_index];
        let rule = &self.tagger.rules[term.rule];
        let mut used = Vec::new();
        term.query.phrases(false, &mut used);
        let covered = used
            .iter()
            .flat_map(|&p| self.found.of(p))
            .map(Occ::from)
            .filter(|o| looks_at(rule, self.place(o)))
            .find_map(|o| covers.find(&o).map(|exclude| (o, exclude)));
        if let Some((occ, exclude)) = covered {
            let text = self.slots[occ.slot].words(occ.start, occ.end);
            self.out.excluded.push(Excluded {
                tag: rule.name.clone(),
                term: term.written.clone(),
                field: self.place(&occ).0,
                text,
                exclude: rule.excludes_written[exclude].clone(),
                negation: None,
            });
        }
    }

    /// Cancels the tags whose rule's context occurs anywhere in the item.
    pub(super) fn contexts(&mut self) {
        let everywhere = Keep {
            field: &|_| true,
            covers: None,
        };
        let mut tags: Vec<usize> = self.evidence.iter().map(|e| e.0).collect();
        tags.sort_unstable();
        tags.dedup();
        for tag in tags {
            let rule = &self.tagger.rules[tag];
            let hit = rule
                .contexts
                .iter()
                .filter(|(_, query)| query.possible(self.found))
                .find_map(|(written, query)| match self.found.holds(query, &everywhere) {
                    Outcome::Yes(found) => Some((written, found[0])),
                    _ => None,
                });
            let Some((context, found)) = hit else { continue };
            let Some(&(_, term, ref evidence)) = self.evidence.iter().find(|e| e.0 == tag) else {
                continue;
            };
            let first = evidence[0];
            let cancelled = Cancelled {
                tag: rule.name.clone(),
                term: self.tagger.terms[term].written.clone(),
                field: self.place(&first).0,
                text: self.slots[first.slot].words(first.start, first.end),
                context: context.clone(),
                context_field: self.place(&found).0,
                context_text: self.slots[found.slot].words(found.start, found.end),
            };
            self.out.cancelled.push(cancelled);
            self.evidence.retain(|e| e.0 != tag);
        }
    }

    /// Turns the evidence into matches: per tag and term, one for each
    /// place its words were found (parts of an AND in one place together).
    pub(super) fn record(&mut self) {
        let evidence = std::mem::take(&mut self.evidence);
        for (tag, term, occurrences) in evidence {
            let mut places: Vec<((usize, u8), Vec<Occ>)> = Vec::new();
            for occ in occurrences {
                let place = self.found.place(&occ);
                match places.iter_mut().find(|p| p.0 == place) {
                    Some((_, list)) if !list.contains(&occ) => list.push(occ),
                    Some(_) => {}
                    None => places.push((place, vec![occ])),
                }
            }
            for (_, mut list) in places {
                list.sort_by_key(|o| o.start);
                self.push_match(tag, term, &list);
            }
        }
        // Rule order, then field order: the first match of a tag explains it best.
        let rules = &self.tagger.rules;
        self.out
            .matches
            .sort_by_key(|m| (rules.iter().position(|r| r.name == m.tag), m.field));
    }

    /// Keeps the first match of each (tag, term, field); beyond
    /// `MAX_MATCHES` only a tag's first match (a tag is never lost).
    fn push_match(&mut self, tag: usize, term: usize, occurrences: &[Occ]) {
        let tag = &self.tagger.rules[tag].name;
        let term = &self.tagger.terms[term].written;
        let (field, end_field) = self.place(&occurrences[0]);
        let matches = &self.out.matches;
        let seen = matches
            .iter()
            .any(|m| &m.tag == tag && &m.term == term && m.field == field);
        let tag_known = matches.iter().any(|m| &m.tag == tag);
        if seen || (tag_known && matches.len() >= MAX_MATCHES) {
            return;
        }
        let stretches: Vec<(usize, usize)> = occurrences.iter().map(|o| (o.start, o.end)).collect();
        let (text, snippet) = self.slots[occurrences[0].slot].quote(&stretches);
        self.out.matches.push(Match {
            tag: tag.clone(),
            term: term.clone(),
            field,
            end_field,
            text,
            snippet,
        });
    }
}

/// Whether a rule looks at the fields a stretch is in.
fn looks_at(rule: &Rule, (field, end_field): (Field, Option<Field>)) -> bool {
    rule.fields.is_empty() || (rule.fields.contains(&field) && end_field.is_none_or(|f| rule.fields.contains(&f)))
}

/// Why a rule does not apply to an item in `language`, if it does not.
fn language_skip(rule: &Rule, language: Option<&str>) -> Option<String> {
    if rule.languages.is_empty() {
        return None;
    }
    match language.map(crate::lang::primary) {
        Some(lang) if rule.languages.contains(&lang) => None,
        Some(lang) => Some(format!(
            "only applies to {} (this text is {lang})",
            names(rule.languages.iter().map(String::as_str))
        )),
        None => Some(format!(
            "only applies to {} (this text's language is unknown)",
            names(rule.languages.iter().map(String::as_str))
        )),
    }
}

fn names<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items.collect::<Vec<_>>().join(", ")
}
