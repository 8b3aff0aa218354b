//! Matrix rooms as the specification allows them, through the whole daemon
//! (in the test's process) and a loopback server standing in for a homeserver
//! behind a path (`/synapse`): a room version 12 id without a server part,
//! an id with one, an alias resolved through the room directory (once),
//! the homeserver's path kept with or without its final slash. The message
//! about an article two sources published names the other one, and lists
//! each matched word once.

use std::path::Path;

use crate::support::service::Service;
use crate::support::{Reply, Server, thbwatch, write_config};

const V12_ROOM: &str = "!Xq3-_cWbCwqRd0JdOyn8vz7vb7gWkrRz8mDI1CxArwE";

fn rss(title: &str, items: &[(&str, &str, &str)]) -> String {
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>{title}</title>\
         <link>https://{title}.example/</link>\n"
    );
    for (guid, item_title, summary) in items {
        out.push_str(&format!(
            "<item><guid isPermaLink=\"false\">{guid}</guid><title>{item_title}</title>\
             <link>https://www.iem.gov.lv/lv/jaunums/{guid}</link><description>{summary}</description></item>\n"
        ));
    }
    out.push_str("</channel></rss>\n");
    out
}

fn config(dir: &Path, feeds: &Server, homeserver: &Server) -> std::path::PathBuf {
    std::fs::write(dir.join("matrix.token"), "syt_token").unwrap();
    let channel = |name: &str, path: &str, room: &str| {
        format!(
            "[notify.{name}]\nkind = \"matrix\"\nhomeserver = \"{}\"\nroom = \"{room}\"\n\
             access_token_file = \"matrix.token\"\nmin_interval = \"0s\"\n",
            homeserver.url(path)
        )
    };
    let text = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\n[storage]\npath = \"thb.db\"\n\
         [poll]\nschedule = \"0 0 1 1 *\"\nhost_interval = \"0s\"\n\
         [sources.iem]\nurl = \"{}\"\ntitle = \"Iekšlietu ministrija\"\n\
         [sources.vp]\nurl = \"{}\"\ntitle = \"Valsts policija\"\n\
         [tags.trafficking]\nterms = [\"human traffick*\", \"cilvēku tirdzniecīb*\"]\n{}{}{}",
        feeds.url("/iem"),
        feeds.url("/vp"),
        channel("v12", "/synapse", V12_ROOM),
        channel("alias", "/synapse/", "#thb-alerts:example.org"),
        channel("classic", "/synapse/", "!room:example.org"),
    );
    write_config(dir, &text)
}

#[tokio::test(flavor = "multi_thread")]
async fn every_room_form_is_reached_under_the_homeservers_path() {
    let feeds = Server::start().await;
    let homeserver = Server::receiver().await;
    homeserver.answer(
        "/synapse/_matrix/client/v3/directory/room/",
        200,
        r#"{"room_id": "!resolved:example.org", "servers": ["example.org", "matrix.org"]}"#,
    );
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &feeds, &homeserver);
    let check = thbwatch(&config, &["check"]);
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));

    // Baselines, then the same article from both publishers (the ministry
    // first), and one more, polled by one-off commands so that both copies
    // are stored before the daemon delivers anything.
    feeds.set("/iem", Reply::feed(rss("iem", &[])));
    feeds.set("/vp", Reply::feed(rss("vp", &[])));
    assert!(thbwatch(&config, &["poll"]).status.success());
    feeds.set(
        "/iem",
        Reply::feed(rss(
            "iem",
            &[
                (
                    "zinojums",
                    "Human trafficking: the ministry's report",
                    "A report on human trafficking in Latvia.",
                ),
                ("otrs", "Cilvēku tirdzniecība: otrā ziņa", "Cilvēku tirdzniecība."),
            ],
        )),
    );
    feeds.set(
        "/vp",
        Reply::feed(rss(
            "vp",
            &[(
                "zinojums",
                "Police on the report",
                "HUMAN TRAFFICKING report published.",
            )],
        )),
    );
    assert!(thbwatch(&config, &["poll", "iem"]).status.success());
    assert!(thbwatch(&config, &["poll", "vp"]).status.success());

    let daemon = Service::start(&config).await;
    let sends = homeserver.wait_for("/synapse/_matrix/client/v3/rooms/", 6).await;
    let rooms: Vec<&str> = sends.iter().map(|r| r.path.split('/').nth(6).unwrap()).collect();
    for room in [
        "%21Xq3-_cWbCwqRd0JdOyn8vz7vb7gWkrRz8mDI1CxArwE",
        "%21resolved%3Aexample.org",
        "%21room%3Aexample.org",
    ] {
        assert_eq!(rooms.iter().filter(|r| **r == room).count(), 2, "{room}: {rooms:?}");
    }
    assert!(sends.iter().all(|r| r.method == "PUT"));
    // The alias was looked up once, with the token.
    let lookups = homeserver
        .wait_for("/synapse/_matrix/client/v3/directory/room/", 1)
        .await;
    assert_eq!(lookups.len(), 1);
    assert_eq!(
        lookups[0].path,
        "/synapse/_matrix/client/v3/directory/room/%23thb-alerts%3Aexample.org"
    );
    assert_eq!(lookups[0].method, "GET");
    assert_eq!(lookups[0].headers["authorization"], "Bearer syt_token");
    assert!(
        homeserver
            .received()
            .iter()
            .all(|r| r.path.starts_with("/synapse/_matrix/"))
    );

    // The shared article's message names the other publisher and each
    // matched word once.
    let event = sends
        .iter()
        .map(|r| serde_json::from_slice::<serde_json::Value>(&r.body).unwrap())
        .find(|e| e["body"].as_str().unwrap().contains("ministry's report"))
        .unwrap();
    let body = event["body"].as_str().unwrap();
    assert!(
        body.contains("Also published by: Valsts policija (https://www.iem.gov.lv/lv/jaunums/zinojums)"),
        "{body}"
    );
    assert!(body.contains("Matched: Human trafficking (title, summary)"), "{body}");
    assert_eq!(body.to_lowercase().matches("human trafficking (").count(), 1, "{body}");
    let html = event["formatted_body"].as_str().unwrap();
    assert!(html.contains("Also published by: <a href="), "{html}");
    daemon.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_alias_that_does_not_exist_is_a_dead_letter_naming_it() {
    let feeds = Server::start().await;
    let homeserver = Server::receiver().await;
    homeserver.answer(
        "/synapse/_matrix/client/v3/directory/room/",
        404,
        r#"{"errcode": "M_NOT_FOUND", "error": "Room alias not found"}"#,
    );
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &feeds, &homeserver);
    feeds.set("/iem", Reply::feed(rss("iem", &[])));
    feeds.set("/vp", Reply::feed(rss("vp", &[])));
    assert!(thbwatch(&config, &["poll"]).status.success());
    feeds.set("/iem", Reply::feed(rss("iem", &[("x", "Human trafficking news", "")])));
    assert!(thbwatch(&config, &["poll", "iem"]).status.success());
    let daemon = Service::start(&config).await;
    homeserver.wait_for("/synapse/_matrix/client/v3/rooms/", 2).await;
    let started = std::time::Instant::now();
    loop {
        let status = crate::support::stdout(&thbwatch(&config, &["notify", "status"]));
        if crate::support::notify_count(&status, "alias", "dead") > 0 {
            assert!(
                status.contains("the room alias #thb-alerts:example.org cannot be resolved: HTTP 404"),
                "{status}"
            );
            break;
        }
        assert!(started.elapsed() < crate::support::daemon::DEADLINE, "{status}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    daemon.stop().await;
}
