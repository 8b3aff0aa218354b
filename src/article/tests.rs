use url::Url;

use super::*;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/articles/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn url() -> Url {
    Url::parse("https://example.gov/news/1").unwrap()
}

/// (fixture, words of the article, words of what surrounds it)
const PAGES: &[(&str, &[&str], &[&str])] = &[
    (
        "lv-interior.html",
        &[
            "cilvēku tirdzniecību",
            "uzticības tālruni",
            "vervētāji sociālajos tīklos",
        ],
        &[
            "sīkdatnes",
            "Par ministriju",
            "Saistītie raksti",
            "robežsardzes",
            "Privātuma",
            "skripta",
            "stilā",
        ],
    ),
    (
        "pl-police.html",
        &["handlu ludźmi", "fikcyjne długi", "Krajowym Centrum"],
        &["cookies", "Strona główna", "Zobacz również", "radiowozy", "Puławska"],
    ),
    (
        "fi-ministry.html",
        &["Ihmiskaupan vastainen", "velkaorjuus", "kevätistuntokaudella"],
        &[
            "evästeitä",
            "Etusivu",
            "Liittyvät uutiset",
            "Rajavartiolaitoksen",
            "Saavutettavuusseloste",
        ],
    ),
];

#[test]
fn the_extractor_keeps_the_article_and_leaves_the_page_behind() {
    for (name, kept, dropped) in PAGES {
        let text = extract(&fixture(name), Some("text/html; charset=utf-8"), &url(), None).unwrap();
        for words in *kept {
            assert!(text.contains(words), "{name}: {words:?} missing from\n{text}");
        }
        for words in *dropped {
            assert!(!text.contains(words), "{name}: {words:?} kept in\n{text}");
        }
        assert!(!text.contains('<'), "{name}: markup left in\n{text}");
    }
}

#[test]
fn a_selector_takes_exactly_what_it_names() {
    let text = extract(&fixture("pl-police.html"), None, &url(), Some("div.news-text p")).unwrap();
    assert!(text.starts_with("Funkcjonariusze"), "{text}");
    assert!(text.contains("handlu ludźmi"));
    assert!(
        !text.contains("Policjanci rozbili"),
        "the heading is not a paragraph: {text}"
    );
    assert_eq!(
        extract(&fixture("pl-police.html"), None, &url(), Some("div.article-body")),
        Err(Error::NothingSelected("div.article-body".into()))
    );
}

#[test]
fn pages_without_an_article_say_so() {
    assert_eq!(
        extract(b"<html><body></body></html>", None, &url(), None),
        Err(Error::NoText)
    );
    let scripts = b"<html><body><script>var article = 'x'.repeat(5000);</script></body></html>";
    assert_eq!(extract(scripts, None, &url(), Some("body")), Err(Error::NoText));
}

#[test]
fn paragraphs_are_kept_and_blank_runs_folded() {
    assert_eq!(paragraphs("  a  b \n\n\n  c\n d  \n"), "a b\n\nc\nd");
}
