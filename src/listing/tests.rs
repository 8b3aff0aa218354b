use chrono::{TimeZone, Utc};
use url::Url;

use super::*;

fn day(y: i32, m: u32, d: u32) -> Option<chrono::DateTime<Utc>> {
    Some(Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap())
}

#[test]
fn dates_in_each_of_the_twelve_languages() {
    let cases: &[(&str, &str)] = &[
        ("lv", "2026. gada 12. novembris"),
        ("lv", "12. novembrī, 2026"),
        ("lv", "12. novembris 2026"),
        ("lt", "2026 m. lapkričio 12 d."),
        ("pl", "12 listopada 2026"),
        ("pl", "czwartek, 12 listopada 2026 r."),
        ("fi", "12. marraskuuta 2026"),
        ("fi", "12.11.2026"),
        ("ru", "12 ноября 2026"),
        ("ru", "12 ноября 2026 г."),
        ("et", "12. november 2026"),
        ("de", "12. November 2026"),
        ("de", "12. Nov. 2026"),
        ("da", "12. november 2026"),
        ("no", "12. november 2026"),
        ("sv", "12 november 2026"),
        ("sv", "den 12 nov 2026"),
        ("is", "12. nóvember 2026"),
        ("en", "12 November 2026"),
        ("en", "November 12, 2026"),
        ("iso", "2026-11-12"),
        ("dotted", "2026.11.12"),
        ("slashed", "12/11/2026"),
    ];
    for (language, text) in cases {
        assert_eq!(parse_date(text, None), day(2026, 11, 12), "{language}: {text:?}");
    }
}

#[test]
fn every_month_in_the_inflected_languages() {
    let months: &[(&str, [&str; 12])] = &[
        (
            "pl",
            [
                "stycznia",
                "lutego",
                "marca",
                "kwietnia",
                "maja",
                "czerwca",
                "lipca",
                "sierpnia",
                "września",
                "października",
                "listopada",
                "grudnia",
            ],
        ),
        (
            "lt",
            [
                "sausio",
                "vasario",
                "kovo",
                "balandžio",
                "gegužės",
                "birželio",
                "liepos",
                "rugpjūčio",
                "rugsėjo",
                "spalio",
                "lapkričio",
                "gruodžio",
            ],
        ),
        (
            "fi",
            [
                "tammikuuta",
                "helmikuuta",
                "maaliskuuta",
                "huhtikuuta",
                "toukokuuta",
                "kesäkuuta",
                "heinäkuuta",
                "elokuuta",
                "syyskuuta",
                "lokakuuta",
                "marraskuuta",
                "joulukuuta",
            ],
        ),
        (
            "ru",
            [
                "января",
                "февраля",
                "марта",
                "апреля",
                "мая",
                "июня",
                "июля",
                "августа",
                "сентября",
                "октября",
                "ноября",
                "декабря",
            ],
        ),
        (
            "lv",
            [
                "janvāris",
                "februāris",
                "marts",
                "aprīlis",
                "maijs",
                "jūnijs",
                "jūlijs",
                "augusts",
                "septembris",
                "oktobris",
                "novembris",
                "decembris",
            ],
        ),
        (
            "et",
            [
                "jaanuar",
                "veebruar",
                "märts",
                "aprill",
                "mai",
                "juuni",
                "juuli",
                "august",
                "september",
                "oktoober",
                "november",
                "detsember",
            ],
        ),
        (
            "is",
            [
                "janúar",
                "febrúar",
                "mars",
                "apríl",
                "maí",
                "júní",
                "júlí",
                "ágúst",
                "september",
                "október",
                "nóvember",
                "desember",
            ],
        ),
        (
            "sv",
            [
                "januari",
                "februari",
                "mars",
                "april",
                "maj",
                "juni",
                "juli",
                "augusti",
                "september",
                "oktober",
                "november",
                "december",
            ],
        ),
        (
            "de",
            [
                "Januar",
                "Februar",
                "März",
                "April",
                "Mai",
                "Juni",
                "Juli",
                "August",
                "September",
                "Oktober",
                "November",
                "Dezember",
            ],
        ),
        (
            "da",
            [
                "januar",
                "februar",
                "marts",
                "april",
                "maj",
                "juni",
                "juli",
                "august",
                "september",
                "oktober",
                "november",
                "december",
            ],
        ),
        (
            "no",
            [
                "januar",
                "februar",
                "mars",
                "april",
                "mai",
                "juni",
                "juli",
                "august",
                "september",
                "oktober",
                "november",
                "desember",
            ],
        ),
    ];
    for (language, names) in months {
        for (index, name) in names.iter().enumerate() {
            let text = format!("3 {name} 2025");
            assert_eq!(
                parse_date(&text, None),
                day(2025, index as u32 + 1, 3),
                "{language}: {text:?}"
            );
        }
    }
}

#[test]
fn times_zones_and_formats() {
    let at = |h, m| Some(Utc.with_ymd_and_hms(2026, 11, 12, h, m, 0).unwrap());
    assert_eq!(parse_date("2026-11-12T10:30:00+02:00", None), at(8, 30));
    assert_eq!(parse_date("12.11.2026 14:05", None), at(14, 5));
    assert_eq!(parse_date("12 listopada 2026, 14:05", None), at(14, 5));
    assert_eq!(parse_date("Thu, 12 Nov 2026 14:05:00 GMT", None), at(14, 5));
    // The source's own format first; the automatic reading still stands
    // behind it.
    assert_eq!(parse_date("11/12/2026", Some("%m/%d/%Y")), day(2026, 11, 12));
    assert_eq!(parse_date("2026-11-12", Some("%m/%d/%Y")), day(2026, 11, 12));
    assert_eq!(parse_date("20261112", Some("%Y%m%d")), day(2026, 11, 12));
}

#[test]
fn what_is_no_date_stays_none() {
    for text in ["", "vakar", "2 hours ago", "Nr. 12", "31 februāris 2026", "ziņas"] {
        assert_eq!(parse_date(text, None), None, "{text:?}");
    }
}

#[test]
fn date_formats_are_checked() {
    assert!(check_date_format("%Y.%m.%d").is_ok());
    assert!(check_date_format("%d %B %Y %H:%M").is_ok());
    let incomplete = check_date_format("%Y.%m").unwrap_err();
    assert_eq!(incomplete, DateFormatError::Incomplete);
    assert!(incomplete.to_string().starts_with("needs a day, a month and a year"));
    let invalid = check_date_format("%Y-%m-%d %Q").unwrap_err();
    assert_eq!(invalid, DateFormatError::Invalid);
    assert!(invalid.to_string().starts_with("is not a valid date format"));
}

#[test]
fn selectors_are_checked_with_where_they_go_wrong() {
    assert!(check_selector("article.news-item h2 > a[href]").is_ok());
    let error = check_selector("article..news").unwrap_err();
    assert_eq!(error.offset, "article.".len(), "{error:?}");
    let error = check_selector("div[").unwrap_err();
    assert!(error.message.contains("ends too early"), "{error:?}");
    assert!(check_selector("ul > ").is_err());
    // Each kind of mistake in words, told apart by the parser's error kind.
    let said = |text: &str| check_selector(text).unwrap_err().message;
    assert_eq!(said("article..news"), "'.' must be followed by a class name");
    assert_eq!(said("a, , b"), "a selector is empty (a stray ',')");
    assert_eq!(said("ul > "), "a combinator ('>', '+', '~') has nothing after it");
    assert_eq!(
        said("a::before"),
        "this pseudo-class or pseudo-element is not supported"
    );
    assert_eq!(said("a[href^]"), "this attribute selector cannot be read");
    assert_eq!(
        said("a[href=1x]"),
        "an attribute's value must be a word or a quoted string"
    );
    assert_eq!(said("a{"), "unexpected input here (Basic(UnexpectedToken))");
}

fn selectors() -> Selectors {
    Selectors {
        item: "article.news".into(),
        title: "h2".into(),
        link: "h2 a".into(),
        date: Some("time".into()),
        summary: Some("p.lead".into()),
        date_format: None,
    }
}

fn page_url() -> Url {
    Url::parse("https://example.lt/naujienos/?page=1").unwrap()
}

#[test]
fn items_are_read_with_absolute_links_and_no_script_text() {
    let html = r#"<!doctype html><html lang="lt"><head><title>Naujienos</title>
        <base href="/lt/"><script>var x = "<article class='news'>";</script></head><body>
        <article class="news"><h2><a href="naujiena-1">Prekyba <script>document.write('X')</script>žmonėmis</a></h2>
          <time datetime="2026-11-12T09:00:00+02:00">lapkričio 12</time><p class="lead">Apie <b>tyrimą</b>.</p></article>
        <article class="news"><h2><a href="https://other.example/b">Antra</a></h2><time>2026 m. lapkričio 10 d.</time></article>
        <article class="news"><h2><a href="javascript:alert(1)">Blogas</a></h2></article>
        <article class="news"><h2><a href="http://10.1.2.3/admin">Vidinis</a></h2></article>
        <article class="news"><h2><a href="http://localhost:8080/x">Vietinis</a></h2></article>
        <article class="news"><h2>Be nuorodos</h2></article>
        </body></html>"#;
    let feed = read(
        html.as_bytes(),
        Some("text/html"),
        &page_url(),
        &selectors(),
        Reach::Public,
    )
    .unwrap();
    let titles: Vec<&str> = feed
        .entries
        .iter()
        .map(|e| e.title.as_ref().unwrap().body.as_str())
        .collect();
    assert_eq!(titles, ["Prekyba žmonėmis", "Antra"]);
    assert_eq!(feed.entries[0].links, ["https://example.lt/lt/naujiena-1"]);
    assert_eq!(
        feed.entries[0].published,
        Some(Utc.with_ymd_and_hms(2026, 11, 12, 7, 0, 0).unwrap())
    );
    assert_eq!(feed.entries[0].summary.as_ref().unwrap().body, "Apie tyrimą.");
    assert_eq!(feed.entries[1].published, day(2026, 11, 10));
    assert_eq!(feed.language.as_deref(), Some("lt"));
    assert_eq!(feed.meta.title.as_deref(), Some("Naujienos"));
    let warning = feed.repairs.warning().unwrap();
    for part in [
        "2 items linking to an internal address",
        "1 item with a javascript:",
        "1 item without a link",
    ] {
        assert!(warning.contains(part), "{warning}");
    }
    // A page that is itself internal may link inside its network.
    let internal = read(html.as_bytes(), None, &page_url(), &selectors(), Reach::Internal).unwrap();
    assert_eq!(internal.entries.len(), 4);
}

#[test]
fn a_redesign_is_an_error_not_an_empty_poll() {
    let redesigned = r#"<html><body><div class="card"><h3><a href="/a">Naujiena</a></h3></div></body></html>"#;
    let error = read(redesigned.as_bytes(), None, &page_url(), &selectors(), Reach::Public).unwrap_err();
    assert_eq!(error, Error::NoItems("article.news".into()));
    assert!(error.to_string().contains("matched nothing"), "{error}");
    let headless = r#"<html><body><article class="news"><h3><a href="/a">Naujiena</a></h3></article></body></html>"#;
    let error = read(headless.as_bytes(), None, &page_url(), &selectors(), Reach::Public).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("matched 1 element(s), but none gave an item"),
        "{error}"
    );
    assert_eq!(
        read(b"  \n", None, &page_url(), &selectors(), Reach::Public).unwrap_err(),
        Error::Empty
    );
}

#[test]
fn deeply_nested_markup_is_read_without_overflowing_the_stack() {
    let depth = 200_000;
    let mut html = String::from("<html><body><article class=\"news\"><h2><a href=\"/deep\">Deep</a></h2>");
    html.push_str(&"<div>".repeat(depth));
    html.push_str("<p class=\"lead\">inside</p>");
    html.push_str(&"</div>".repeat(depth));
    html.push_str("</article></body></html>");
    // On a small stack, as a runtime worker thread has.
    let feed = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || read(html.as_bytes(), None, &page_url(), &selectors(), Reach::Public))
        .unwrap()
        .join()
        .unwrap()
        .unwrap();
    // Read up to where it nests too deep: the item, without what is
    // below that depth.
    assert_eq!(feed.entries.len(), 1);
    assert_eq!(feed.entries[0].links, ["https://example.lt/deep"]);
    assert!(feed.entries[0].summary.is_none());
    let warning = feed.repairs.warning().unwrap();
    assert!(warning.contains("nested deeper than 512 elements"), "{warning}");
}
