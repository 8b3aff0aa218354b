//! Compiled keyword rules and the matches they make, with explanations.
//! No I/O.
//!
//! Matching model: text and rules are folded the same way ([`crate::fold`]).
//! A rule is a query in the rule language ([`syntax`]): phrases of words
//! (`*` at a word's end or start for prefixes and compounds), groups of
//! alternatives, proximity (`NEAR/N`, `ONEAR/N`) within one text, and
//! `AND`/`NOT` over the whole item. One Aho-Corasick automaton over the
//! first word of every phrase of every rule finds every phrase occurrence
//! in one pass over each text; each is checked word by word (the first
//! word's end and the next word found once for all the phrases anchored
//! on it).
//!
//! Gates: every term has a set of phrases at least one of which must
//! occur for it to hold, chosen when the rules are compiled as the one
//! likely rarest, judged from the rules alone (the trafficking side of
//! `trafficking AND (work | hours | wages …)`, the rarer side of a NEAR,
//! every alternative of an OR, never a NOT part: `gates.rs`). Only the
//! terms whose gate occurs are
//! evaluated, and an item where no gate occurs is done as soon as it is
//! scanned, so the everyday words of co-occurrence terms cost a lookup
//! where they occur, not the evaluation of every term that names them.
//! Excludes, contexts and NOT parts are evaluated as before for the terms
//! that are; the result is the same as evaluating every term whose words
//! occur (tested over the labelled sets and the vocabulary's probes).
//! Explanations (`match`, why-tagged pages) do evaluate every such term,
//! to say why each did not apply.
//!
//! Exclusion is per occurrence: an `exclude` cancels the phrase
//! occurrences of its own rule's terms that it covers ("drug trafficking"
//! cancels the "trafficking" inside it), and nothing else — "trafficking"
//! elsewhere in the same text still counts. Context (`unless`) is per
//! item: found anywhere, it cancels the tag.
//!
//! A title cut with an ellipsis is read as one text with its summary
//! (whether or not the summary starts with one), so a phrase split
//! between them matches.

mod gates;
mod hits;
mod lex;
mod phrases;
mod rule;
mod scan;
mod slots;
mod spans;
pub mod syntax;

use crate::model::{Cancelled, Field, Item, Match, TaggedItem};
use crate::normalize::{BodyText, Texts};
use phrases::{Hit, PhraseIds, Phrases};
pub use rule::{TagRule, Term};
use scan::Scan;
use spans::{Found, QueryExpr, SpanExpr};
use syntax::Role;

/// Why rules could not be compiled (the configuration check reports the
/// same problems with their lines first).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot compile keyword rules: tags.{tag}: {rule:?}: {source}")]
    Rule {
        tag: String,
        rule: String,
        #[source]
        source: syntax::Error,
    },
    #[error("cannot compile keyword rules: tags.{tag}: a term also gives {also:?}, which is not a configured tag")]
    UnknownTag { tag: String, also: String },
    #[error("cannot compile keyword rules")]
    Automaton(#[from] aho_corasick::BuildError),
}

/// A term occurrence an exclude or a NOT cancelled (for explanations).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Excluded {
    pub tag: String,
    pub term: String,
    pub field: Field,
    pub text: String,
    /// The exclude, or the NOT part of the term, as written.
    pub exclude: String,
    /// For a NOT part: the field and the words where it was found.
    pub negation: Option<(Field, String)>,
}

/// What the rules found in an item: the matches of the tags it gets, and
/// the tags a context cancelled.
#[derive(Clone, Debug, Default)]
pub struct Tagging {
    pub matches: Vec<Match>,
    pub cancelled: Vec<Cancelled>,
}

/// Everything the rules did with a text: the matches, what exclusions and
/// contexts cancelled, and rules that did not apply and why.
#[derive(Clone, Debug, Default)]
pub struct Explanation {
    pub matches: Vec<Match>,
    pub excluded: Vec<Excluded>,
    pub cancelled: Vec<Cancelled>,
    /// (tag, field, reason)
    pub skipped: Vec<(String, Field, String)>,
}

#[derive(Debug)]
struct Rule {
    name: String,
    /// Empty: every field.
    fields: Vec<Field>,
    /// Primary language subtags; empty: every language.
    languages: Vec<String>,
    excludes: Vec<SpanExpr>,
    excludes_written: Vec<String>,
    /// `unless`: (as written, compiled).
    contexts: Vec<(String, QueryExpr)>,
}

#[derive(Debug)]
struct CompiledTerm {
    rule: usize,
    /// The rule's own tag first, then the ones the term also gives.
    tags: Vec<usize>,
    written: String,
    query: QueryExpr,
}

/// All rules, compiled once (at start-up or reload).
#[derive(Debug)]
pub struct Tagger {
    phrases: Phrases,
    rules: Vec<Rule>,
    terms: Vec<CompiledTerm>,
    /// Phrase id ─▶ the terms whose positive parts use it.
    users: Vec<Vec<usize>>,
    /// Phrase id ─▶ the terms whose gate has it.
    gated_users: Vec<Vec<usize>>,
    /// Whether tagging evaluates only the terms whose gate was found (off
    /// only to test that it changes nothing).
    gating: bool,
    /// Whether any rule measures distances (word numbers needed).
    proximity: bool,
}

fn parse(tag: &str, rule: &str, role: Role) -> Result<syntax::Query, Error> {
    syntax::parse(rule, role).map_err(|source| Error::Rule {
        tag: tag.to_string(),
        rule: rule.to_string(),
        source,
    })
}

impl Tagger {
    pub fn new(rules: &[TagRule]) -> Result<Tagger, Error> {
        let mut ids = PhraseIds::default();
        let mut compiled = Vec::with_capacity(rules.len());
        let mut terms = Vec::new();
        for (index, rule) in rules.iter().enumerate() {
            for term in &rule.terms {
                let mut tags = vec![index];
                for also in &term.also {
                    let Some(other) = rules.iter().position(|r| &r.name == also) else {
                        return Err(Error::UnknownTag {
                            tag: rule.name.clone(),
                            also: also.clone(),
                        });
                    };
                    if !tags.contains(&other) {
                        tags.push(other);
                    }
                }
                let query = parse(&rule.name, &term.query, Role::Term)?;
                terms.push(CompiledTerm {
                    rule: index,
                    tags,
                    written: term.query.clone(),
                    query: QueryExpr::compile(&query, &mut ids),
                });
            }
            let mut excludes = Vec::new();
            for exclude in &rule.exclude {
                match parse(&rule.name, exclude, Role::Exclude)? {
                    syntax::Query::Span(span) => excludes.push(SpanExpr::compile(&span, &mut ids)),
                    // The parser refuses anything else in an exclude.
                    _ => continue,
                }
            }
            let mut contexts = Vec::new();
            for context in &rule.unless {
                let query = parse(&rule.name, context, Role::Context)?;
                contexts.push((context.clone(), QueryExpr::compile(&query, &mut ids)));
            }
            compiled.push(Rule {
                name: rule.name.clone(),
                fields: rule.fields.clone(),
                languages: rule.languages.clone(),
                excludes,
                excludes_written: rule.exclude.clone(),
                contexts,
            });
        }
        let proximity = terms.iter().any(|t| t.query.has_near())
            || compiled
                .iter()
                .any(|r| r.contexts.iter().any(|c| c.1.has_near()) || r.excludes.iter().any(SpanExpr::has_near));
        let list = ids.into_list();
        let mut users = vec![Vec::new(); list.len()];
        let mut gated_users = vec![Vec::new(); list.len()];
        let costs = gates::costs(&list);
        for (index, term) in terms.iter().enumerate() {
            let mut used = Vec::new();
            term.query.phrases(false, &mut used);
            for &phrase in &used {
                if !users[phrase].contains(&index) {
                    users[phrase].push(index);
                }
            }
            // A term without a gate (none the parser accepts) is gated,
            // as every term was before gates, by all its words.
            let gate = gates::of_term(&term.query, &costs).map_or(used, |g| g.phrases);
            gate.iter().for_each(|&p| gated_users[p].push(index));
        }
        Ok(Tagger {
            phrases: Phrases::build(list)?,
            rules: compiled,
            terms,
            users,
            gated_users,
            gating: true,
            proximity,
        })
    }

    /// The same tagger evaluating every term whose words occur, as before
    /// gates (to test that gating changes nothing).
    #[cfg(test)]
    fn ungated(mut self) -> Tagger {
        self.gating = false;
        self
    }

    /// The matches of every rule in the given fields of an item in
    /// `language` (per tag, each term that matched in each field, with the
    /// text as written and a snippet around it), and the tags a context
    /// cancelled.
    pub fn tag(&self, fields: &[(Field, &str)], language: Option<&str>) -> Tagging {
        let e = self.scan(fields, language, false);
        Tagging {
            matches: e.matches,
            cancelled: e.cancelled,
        }
    }

    /// A normalised item tagged, as every poll tags the items it keeps
    /// and `thbwatch eval` each labelled row: over the texts the rules
    /// read of it, reusing the plain text normalising made of its body,
    /// with the search text made from the same text.
    pub(crate) fn tagged(&self, (item, made): (Item, BodyText)) -> TaggedItem {
        let texts = Texts::made(&item, made);
        let fields = texts.fields();
        let slots = slots::slots(&fields);
        // The title and summary are folded once, for the rules and search.
        let search_text = slots::search_text(&slots);
        let tagging = self.scan_slots(&slots, texts.language(), false);
        drop(slots);
        drop(texts);
        TaggedItem {
            item,
            matches: tagging.matches,
            cancelled: tagging.cancelled,
            search_text,
        }
    }

    /// The matches of an item over the texts the rules read of it
    /// ([`Texts`] says which).
    pub fn tag_item(&self, texts: &Texts<'_>) -> Tagging {
        self.tag(&texts.fields(), texts.language())
    }

    /// [`Tagger::tag_item`] as `thbwatch match --item` explains it.
    pub(crate) fn explain_item(&self, texts: &Texts<'_>) -> Explanation {
        self.explain(&texts.fields(), texts.language())
    }

    /// [`Tagger::tag`] with what exclusions cancelled and which rules did
    /// not apply: the answer to "why (not)?".
    pub fn explain(&self, fields: &[(Field, &str)], language: Option<&str>) -> Explanation {
        self.scan(fields, language, true)
    }

    fn scan(&self, fields: &[(Field, &str)], language: Option<&str>, explain: bool) -> Explanation {
        self.scan_slots(&slots::slots(fields), language, explain)
    }

    /// [`Tagger::scan`] over texts already folded.
    fn scan_slots(&self, slots: &[slots::Slot<'_>], language: Option<&str>, explain: bool) -> Explanation {
        let mut hits: Vec<Hit> = Vec::new();
        for (index, slot) in slots.iter().enumerate() {
            self.phrases.find(index, &slot.folded.text, self.proximity, &mut hits);
        }
        // Explanations report every term whose words occur, gate or not.
        let gated = self.gating && !explain;
        if hits.is_empty() || (gated && hits.iter().all(|h| self.gated_users[h.phrase].is_empty())) {
            // No term can hold: its gate would have been found.
            return Explanation::default();
        }
        hits::sort(&mut hits);
        let joins: Vec<Option<usize>> = slots.iter().map(|s| s.join).collect();
        let present = spans::present(&hits, self.users.len());
        let found = Found {
            hits: &hits,
            joins: &joins,
            present: &present,
        };
        let mut scan = Scan {
            tagger: self,
            found: &found,
            slots,
            language,
            explain,
            gated,
            out: Explanation::default(),
            evidence: Vec::new(),
        };
        scan.terms();
        scan.contexts();
        scan.record();
        scan.out
    }
}

#[cfg(test)]
mod gating;
#[cfg(test)]
mod tests;
