//! The integration tests, in one binary: `tests/support/` is the harness
//! (a recording HTTP server, the daemon in this process or as a child
//! process, the programs some tests drive), shared with the benchmarks;
//! `tests/it/` holds one module per subject. `cargo test NAME::` runs one
//! subject (`cargo test pitfalls::`), `cargo test NAME` the tests whose
//! name holds NAME.

mod support;

/// One module per subject.
mod it {
    mod atom_schema;
    mod bounds;
    mod code_map;
    mod corpora;
    mod crash;
    mod daemon;
    mod default_rules;
    mod documents;
    mod eval;
    mod examples;
    mod feedparser_expectations;
    mod fetching;
    mod fulltext;
    mod health;
    mod hostile;
    mod inputs;
    mod language;
    mod links;
    mod listing;
    mod matrix;
    mod notify;
    mod pages;
    mod pipeline;
    mod pipes;
    mod pitfalls;
    mod published;
    mod recovery;
    mod rule_language;
    mod rules;
    mod secrets;
    mod service;
    mod sources;
    mod versions;
    mod vocabulary;
}
