//! The published Atom documents are valid against the RELAX NG schema of
//! RFC 4287 (`tests/fixtures/schema/atom.rnc`), checked with Debian's `jing`.

use std::process::Command;

use crate::support::{Reply, Server, TAGS, atom_schema, fixture, tools, write_config};
use thbwatch::config::Config;
use thbwatch::feeds::Feed;

#[tokio::test]
#[cfg_attr(not(has_jing), ignore = "needs jing: run scripts/install-test-tools")]
async fn exported_feeds_validate_against_the_atom_schema() {
    let jing = tools::program(&["jing"]);
    let schema = atom_schema();
    let server = Server::start().await;
    server.set("/cbss", Reply::feed(fixture("cbss.xml")));
    server.set("/lv", Reply::feed(fixture("lv-interior.xml")));
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "[server]\nbase_url = \"https://watch.example.org/thb/\"\n\n[sources.cbss]\nurl = \"{}\"\n\n[sources.lv]\nurl = \"{}\"\n{TAGS}",
        server.url("/cbss"),
        server.url("/lv")
    );
    let config = Config::load(&write_config(dir.path(), &text)).unwrap();
    thbwatch::commands::poll_once(&config, &[], true).await.unwrap();

    for feed in [Feed::Tagged, Feed::All, Feed::Tag("trafficking".into())] {
        let xml = thbwatch::commands::export(&config, &thbwatch::feeds::Request::atom(feed.clone()))
            .await
            .unwrap();
        assert!(xml.contains("<entry"), "{feed:?} has entries to check");
        assert!(xml.contains("<thb:match "), "{feed:?} has match explanations to check");
        let file = dir.path().join("feed.atom");
        std::fs::write(&file, &xml).unwrap();
        let output = Command::new(&jing).arg("-c").arg(&schema).arg(&file).output().unwrap();
        assert!(
            output.status.success(),
            "{feed:?} is not valid Atom:\n{}{}\n{xml}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // An empty feed is valid too.
    let info = thbwatch::publish::FeedInfo::minimal("empty", "urn:example:empty");
    let file = dir.path().join("empty.atom");
    std::fs::write(&file, thbwatch::publish::atom(&info, &[])).unwrap();
    assert!(
        Command::new(&jing)
            .arg("-c")
            .arg(&schema)
            .arg(&file)
            .status()
            .unwrap()
            .success()
    );
}
