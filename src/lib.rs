//! thbwatch: polls news feeds, removes duplicates, tags anti-trafficking
//! items by multilingual keyword rules, and republishes them as Atom.
#![forbid(unsafe_code)]

pub mod config;
pub mod model;
pub mod normalize;
pub mod parse;
pub mod schedule;
pub mod store;
pub mod tag;
