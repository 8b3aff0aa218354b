//! thbwatch: polls news feeds, removes duplicates, tags anti-trafficking
//! items by multilingual keyword rules, and republishes them as Atom.
#![forbid(unsafe_code)]

pub mod app;
pub mod article;
pub mod backoff;
pub mod commands;
pub mod config;
pub mod daemon;
pub mod decode;
pub mod eval;
pub mod explain;
pub mod feeds;
pub mod fetch;
pub mod fold;
pub mod fulltext;
pub mod health;
pub mod import;
pub mod lang;
pub mod listing;
pub mod metrics;
pub mod model;
pub mod normalize;
pub mod notify;
pub mod open_files;
pub mod parse;
pub mod poll;
pub mod publish;
pub mod redact;
pub mod schedule;
pub mod search;
pub mod selfcheck;
pub mod serve;
pub mod server;
pub mod stdout;
pub mod store;
pub mod systemd;
mod table;
pub mod tag;
pub mod textfile;
pub mod trial;
pub mod versions;
pub mod wording;
