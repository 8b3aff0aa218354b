//! The rule specification: what a keyword rule says, as the configuration
//! (`[tags.NAME]`) or a test writes it, before [`super::Tagger::new`]
//! compiles it. Plain data: reading it from TOML, with line and column
//! for each mistake, is the configuration's job.

use crate::model::Field;

/// A keyword rule: the table key is the tag's name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagRule {
    pub name: String,
    pub label: Option<String>,
    pub description: Option<String>,
    pub terms: Vec<Term>,
    /// Cancel the term occurrences they cover.
    pub exclude: Vec<String>,
    /// Contexts: found anywhere in an item, they cancel the tag.
    pub unless: Vec<String>,
    /// The fields the rule looks at; empty: all.
    pub fields: Vec<Field>,
    /// Primary language subtags the rule applies to; empty: all.
    pub languages: Vec<String>,
}

/// One term of a rule: a query in the rule language, and the other tags
/// it gives besides its rule's own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Term {
    pub query: String,
    pub also: Vec<String>,
}

impl From<&str> for Term {
    fn from(query: &str) -> Term {
        Term {
            query: query.to_string(),
            also: Vec::new(),
        }
    }
}
