//! What reading HTML costs: listing pages read with their selectors
//! (`kind = "html"`) and article pages reduced to their main text
//! (`full_text`), in pages per second on one core, and the memory one
//! page takes at its peak (measured in a child process per page, from
//! its peak resident size over its size before the page). Run with
//! `cargo bench --bench extraction`; it prints one line per figure.

use std::time::{Duration, Instant};

use thbwatch::listing::Reach;
use thbwatch::listing::Selectors;
use url::Url;

fn fixture(path: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn selectors(item: &str, title: &str, link: &str, date: &str) -> Selectors {
    Selectors {
        item: item.into(),
        title: title.into(),
        link: link.into(),
        date: Some(date.into()),
        summary: None,
        date_format: None,
    }
}

/// A long listing page: 500 items among navigation, as a ministry's
/// archive page is (about 110 KB).
fn big_listing() -> Vec<u8> {
    let mut page = String::from("<!DOCTYPE html><html lang=\"lv\"><head><title>Jaunumi</title></head><body><nav>");
    for i in 0..200 {
        page.push_str(&format!("<a href=\"/sadala/{i}\">Sadaļa {i}</a> "));
    }
    page.push_str("</nav><ul class=\"news\">");
    for i in 0..500 {
        page.push_str(&format!(
            "<li class=\"news-item\"><h3><a href=\"/jaunumi/{i}\">Ministrija informē par jaunumu numur {i}</a></h3>\
             <span class=\"date\">{}. novembris 2026</span><p>Īss apraksts par notikumu, kas risinājās šodien.</p></li>",
            i % 28 + 1
        ));
    }
    page.push_str("</ul></body></html>");
    page.into_bytes()
}

/// A long article page (about 100 KB): navigation, a cookie banner, 300
/// paragraphs, 100 related links, a footer.
fn big_article() -> Vec<u8> {
    let mut page = String::from("<!DOCTYPE html><html lang=\"pl\"><head><title>Komunikat</title></head><body>");
    page.push_str("<div class=\"cookies\">Ta strona korzysta z plików cookies.</div><nav>");
    for i in 0..200 {
        page.push_str(&format!("<a href=\"/menu/{i}\">Pozycja menu {i}</a> "));
    }
    page.push_str("</nav><article><h1>Komunikat prasowy</h1>");
    for i in 0..300 {
        page.push_str(&format!(
            "<p>Akapit {i}: funkcjonariusze prowadzą postępowanie w sprawie handlu ludźmi i pracy przymusowej, \
             współpracując z partnerami z innych państw regionu Morza Bałtyckiego, a prokuratura nadzoruje śledztwo \
             od samego początku, gromadząc dowody i przesłuchując świadków w kilku województwach.</p>"
        ));
    }
    page.push_str("</article><aside class=\"related\"><h2>Zobacz również</h2><ul>");
    for i in 0..100 {
        page.push_str(&format!("<li><a href=\"/a/{i}\">Powiązany artykuł {i}</a></li>"));
    }
    page.push_str("</ul></aside><footer>Komenda Główna Policji</footer></body></html>");
    page.into_bytes()
}

/// One page to read: how, and its bytes.
enum Job {
    Listing(Vec<u8>, Selectors),
    Article(Vec<u8>, Option<&'static str>),
}

impl Job {
    fn run(&self, url: &Url) -> usize {
        match self {
            Job::Listing(bytes, selectors) => {
                let feed = thbwatch::listing::read(bytes, None, url, selectors, Reach::Public).unwrap();
                feed.entries.len()
            }
            Job::Article(bytes, selector) => thbwatch::article::extract(bytes, None, url, *selector).unwrap().len(),
        }
    }

    fn size(&self) -> usize {
        match self {
            Job::Listing(bytes, _) | Job::Article(bytes, _) => bytes.len(),
        }
    }
}

fn jobs() -> Vec<(&'static str, Job)> {
    vec![
        (
            "listing, Lithuanian prosecutor (fixture)",
            Job::Listing(
                fixture("listings/lt-prosecutor.html"),
                selectors("li.news-item", "h3 a", "h3 a", "span.date"),
            ),
        ),
        (
            "listing, Russian news (fixture)",
            Job::Listing(
                fixture("listings/ru-news.html"),
                selectors("div.news-item", "a.news-title", "a.news-title", ".news-date"),
            ),
        ),
        (
            "listing, 500 items",
            Job::Listing(big_listing(), selectors("li.news-item", "h3 a", "h3 a", "span.date")),
        ),
        (
            "article, Latvian ministry, readability",
            Job::Article(fixture("articles/lv-interior.html"), None),
        ),
        (
            "article, Polish police, readability",
            Job::Article(fixture("articles/pl-police.html"), None),
        ),
        (
            "article, Polish police, full_text_selector",
            Job::Article(fixture("articles/pl-police.html"), Some("div.news-text")),
        ),
        (
            "article, 300 paragraphs, readability",
            Job::Article(big_article(), None),
        ),
        (
            "article, 300 paragraphs, full_text_selector",
            Job::Article(big_article(), Some("article")),
        ),
    ]
}

/// (resident, peak resident) of this process, in KiB.
fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn main() {
    let url = Url::parse("https://example.gov/news/").unwrap();
    // In a child: read one page once, print the peak's growth.
    if let Some(index) = std::env::args().skip_while(|a| a != "--memory-of").nth(1) {
        let job = jobs().swap_remove(index.parse().unwrap());
        let (before, _) = memory();
        std::hint::black_box(job.1.run(&url));
        let (_, peak) = memory();
        println!("{}", peak.saturating_sub(before));
        return;
    }
    println!("{:<46} {:>9} {:>12} {:>12}", "page", "size", "pages/s", "peak memory");
    for (index, (name, job)) in jobs().into_iter().enumerate() {
        // Warm up, then as many pages as fit in two seconds.
        job.run(&url);
        let started = Instant::now();
        let mut pages = 0u64;
        while started.elapsed() < Duration::from_secs(2) {
            std::hint::black_box(job.run(&url));
            pages += 1;
        }
        let rate = pages as f64 / started.elapsed().as_secs_f64();
        let output = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--memory-of", &index.to_string()])
            .output()
            .unwrap();
        let peak_kib: u64 = String::from_utf8_lossy(&output.stdout).trim().parse().unwrap_or(0);
        println!(
            "{name:<46} {:>6} KB {rate:>12.0} {:>9.1} MiB",
            job.size() / 1000,
            peak_kib as f64 / 1024.0
        );
    }
}
