//! Robustness sweep: every file of the feed corpora (feedparser, the W3C
//! validator, feed-rs) goes through parse + normalise + tag + Atom
//! rendering without a panic or a hang. The subset vendored under
//! `tests/fixtures/corpora` is always swept; a folder named by
//! `THBWATCH_CORPORA` (the complete corpora) is swept as well.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use thbwatch::lang::Detect;
use thbwatch::model::{Entry, SourceId};
use thbwatch::normalize::{self, Context};
use thbwatch::publish::{self, FeedInfo};
use thbwatch::tag::TagRule;
use thbwatch::tag::Tagger;

/// One file may take this long before the sweep calls it a hang.
const PER_FILE: Duration = Duration::from_secs(10);

/// The vendored subset, and the folder `THBWATCH_CORPORA` names when set
/// (a folder named but missing is an error, not a skip).
fn corpus_folders() -> Vec<PathBuf> {
    let mut folders = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpora")];
    folders.extend(
        std::env::var_os("THBWATCH_CORPORA")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from),
    );
    folders
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// The whole per-file pipeline short of the network and the database.
fn sweep_one(path: &Path, tagger: &Tagger, detect: &Detect) {
    let bytes = std::fs::read(path).unwrap_or_default();
    let base = url::Url::parse("https://example.org/feed/").unwrap();
    let feed = match thbwatch::parse::parse(&bytes, None, &base) {
        Ok(feed) => feed,
        // A parser crash is caught and becomes an error; say so, so that
        // such files are visible rather than silently counted as "not a feed".
        Err(thbwatch::parse::Error::Crashed) => {
            eprintln!("parser crash caught: {}", path.display());
            return;
        }
        Err(_) => return, // not a feed: an error is the right answer
    };
    let cx = Context {
        base: &feed.base,
        source_language: None,
        feed_language: feed.language.as_deref(),
        detect,
    };
    let mut entries = Vec::new();
    for raw in feed.entries {
        let item = normalize::item(raw, &cx);
        let tagging = tagger.tag_item(&normalize::Texts::of(&item));
        let matches = tagging.matches;
        entries.push(Entry {
            entry_id: thbwatch::model::name_urn(&["sweep", &item.key]),
            source_id: SourceId::new("sweep"),
            source_title: "sweep".into(),
            source_url: base.to_string(),
            source_link: feed.meta.site_link.clone(),
            source_feed_id: feed.meta.id.clone(),
            source_format: feed.meta.format,
            source_updated: None,
            link: item.link,
            title: item.title,
            summary: item.summary,
            content: item.content,
            author: item.author,
            language: item.language,
            published: item.published,
            updated: item.updated.unwrap_or_default(),
            tags: matches.iter().map(|m| m.tag.clone()).collect(),
            matches,
            cancelled: tagging.cancelled,
            copies: Vec::new(),
            cursor: String::new(),
        });
    }
    let info = FeedInfo::minimal("sweep", "urn:sweep");
    let xml = publish::atom(&info, &entries);
    // What we render must itself parse.
    thbwatch::parse::parse(xml.as_bytes(), None, &base).unwrap_or_else(|e| panic!("rendered Atom does not parse: {e}"));
}

#[test]
fn every_corpus_file_goes_through_the_pipeline_without_panic_or_hang() {
    let mut paths = Vec::new();
    for folder in corpus_folders() {
        assert!(folder.is_dir(), "no corpus folder at {}", folder.display());
        let before = paths.len();
        files(&folder, &mut paths);
        assert!(paths.len() > before, "no files under {}", folder.display());
    }
    assert!(
        paths.len() > 1_000,
        "the vendored subset is incomplete: {} files",
        paths.len()
    );
    paths.sort();
    let rules = [TagRule {
        name: "trafficking".into(),
        label: None,
        description: None,
        terms: vec!["human traffick*".into(), "feed".into(), "торговл* людьми".into()],
        exclude: vec!["drug trafficking".into()],
        unless: Vec::new(),
        fields: Vec::new(),
        languages: Vec::new(),
    }];
    let tagger = Tagger::new(&rules).unwrap();
    let detect = Detect::default();
    let (tx, rx) = mpsc::channel();
    let worker_paths = paths.clone();
    let worker = std::thread::spawn(move || {
        for (index, path) in worker_paths.iter().enumerate() {
            let outcome = catch_unwind(AssertUnwindSafe(|| sweep_one(path, &tagger, &detect)));
            let panic = outcome.err().map(|p| {
                p.downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            });
            if tx.send((index, panic)).is_err() {
                return;
            }
        }
    });
    let mut panics = Vec::new();
    for expected in 0..paths.len() {
        match rx.recv_timeout(PER_FILE) {
            Ok((index, Some(message))) => {
                panics.push(format!("{}: {}", paths[index].display(), message.unwrap_or_default()))
            }
            Ok(_) => {}
            Err(_) => panic!("hang: {} took longer than {PER_FILE:?}", paths[expected].display()),
        }
    }
    worker.join().unwrap();
    assert!(
        panics.is_empty(),
        "{} of {} files panicked:\n{}",
        panics.len(),
        paths.len(),
        panics.join("\n")
    );
    eprintln!("swept {} corpus files", paths.len());
}
