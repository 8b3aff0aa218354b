//! Synthetic news for the benchmarks and the load test: articles and RSS
//! feeds in the region's twelve languages, about 5 % of them on
//! trafficking, deterministic for a given seed. An item's text depends only
//! on its source and number, so a feed polled again is byte-identical
//! except for the items that were added.
#![allow(dead_code)] // Each benchmark uses part of it.

use std::fmt::Write;

use chrono::{DateTime, Duration, Utc};

/// Everyday news words per language: most text matches nothing.
pub(crate) const WORDS: &[&str] = &[
    "valdība ministrija policija robeža sadarbība projekts nedēļa pilsēta iedzīvotāji likums budžets tirdzniecība sanāksme drošība",
    "vyriausybė ministerija policija pasienis bendradarbiavimas projektas savaitė miestas gyventojai įstatymas biudžetas prekyba susitikimas",
    "valitsus ministeerium politsei piir koostöö projekt nädal linn elanikud seadus eelarve kaubandus kohtumine turvalisus",
    "правительство министерство полиция граница сотрудничество проект неделя город жители закон бюджет торговля встреча безопасность",
    "rząd ministerstwo policja granica współpraca projekt tydzień miasto mieszkańcy ustawa budżet handel spotkanie bezpieczeństwo",
    "Regierung Ministerium Polizei Grenze Zusammenarbeit Projekt Woche Stadt Einwohner Gesetz Haushalt Handel Treffen Sicherheit",
    "government ministry police border cooperation project week city residents law budget trade meeting security traffic",
    "hallitus ministeriö poliisi raja yhteistyö hanke viikko kaupunki asukkaat laki talousarvio kauppa kokous turvallisuus",
    "regeringen ministeriet polisen gränsen samarbete projekt vecka staden invånare lag budget handel möte säkerhet",
    "regeringen ministeriet politiet grænsen samarbejde projekt uge byen indbyggere lov budget handel møde sikkerhed",
    "regjeringen departementet politiet grensen samarbeid prosjekt uke byen innbyggere lov budsjett handel møte sikkerhet",
    "ríkisstjórn ráðuneyti lögregla landamæri samstarf verkefni vika borg íbúar lög fjárlög verslun fundur öryggi",
];

/// The ISO 639-1 code of each line of [`WORDS`].
pub(crate) const LANGUAGES: &[&str] = &["lv", "lt", "et", "ru", "pl", "de", "en", "fi", "sv", "da", "no", "is"];

/// Sentences the default rules must find, one per language of [`WORDS`].
pub(crate) const TOPICAL: &[&str] = &[
    "Valsts policija brīdina par cilvēku tirdzniecības riskiem",
    "Kovos su prekyba žmonėmis savaitė prasidėjo",
    "Inimkaubanduse ohvrid said abi",
    "Задержаны подозреваемые в торговле людьми",
    "Straż Graniczna zatrzymała handlarzy ludźmi",
    "Ermittlungen wegen Menschenhandels und Zwangsarbeit",
    "Joint action against human trafficking and forced labour",
    "Ihmiskaupan uhrien auttamisjärjestelmä",
    "Polisen utreder människohandel för sexuellt utnyttjande",
    "Politiet efterforsker menneskehandel og tvangsarbejde",
    "Grov menneskehandel avdekket",
    "Aðgerðir gegn mansali kynntar",
];

/// In how many items out of 100 a topical sentence appears.
pub(crate) const TOPICAL_PERCENT: u8 = 5;

fn words() -> Vec<Vec<&'static str>> {
    WORDS.iter().map(|l| l.split(' ').collect()).collect()
}

/// A sentence of 8 to 19 everyday words in language `lang`.
fn sentence(rng: &mut fastrand::Rng, words: &[&str]) -> String {
    let n = rng.usize(8..20);
    let mut s: Vec<&str> = (0..n).map(|_| words[rng.usize(..words.len())]).collect();
    let first = s[0];
    let capital: String = first.chars().take(1).flat_map(char::to_uppercase).collect();
    let rest = &first[first.chars().next().map_or(0, char::len_utf8)..];
    let first = format!("{capital}{rest}");
    s[0] = &first;
    s.join(" ")
}

/// About `total_bytes` of articles of about 2 KB in mixed languages, where
/// about 5 % of sentences are topical.
pub(crate) fn articles(total_bytes: usize, seed: u64) -> Vec<String> {
    let words = words();
    let mut rng = fastrand::Rng::with_seed(seed);
    let (mut out, mut total) = (Vec::new(), 0);
    while total < total_bytes {
        let lang = rng.usize(..words.len());
        let mut article = String::new();
        while article.len() < 2_000 {
            if rng.u8(..100) < TOPICAL_PERCENT {
                article.push_str(TOPICAL[lang]);
            } else {
                article.push_str(&sentence(&mut rng, &words[lang]));
            }
            article.push_str(". ");
        }
        total += article.len();
        out.push(article);
    }
    out
}

/// One news item of a synthetic source.
pub(crate) struct NewsItem {
    pub number: i64,
    pub language: &'static str,
    pub title: String,
    /// HTML: two to four paragraphs, 500–1,500 bytes in all.
    pub description: String,
    pub category: &'static str,
    pub published: DateTime<Utc>,
    pub topical: bool,
}

const CATEGORIES: &[&str] = &["Press release", "News", "Police", "Border", "Government", "Events"];

/// Item `number` of source `source`: the same text every time it is asked
/// for. Item `n` is published `10·n` minutes after `epoch` (before it, for
/// negative numbers), so higher numbers are newer.
pub(crate) fn item(source: usize, number: i64, epoch: DateTime<Utc>) -> NewsItem {
    let words = words();
    let mut rng = fastrand::Rng::with_seed((source as u64) << 32 ^ (number as u64).wrapping_mul(0x9e37_79b9));
    let lang = source % words.len();
    let topical = rng.u8(..100) < TOPICAL_PERCENT;
    let mut title = sentence(&mut rng, &words[lang][..]);
    title.truncate(title.char_indices().nth(90).map_or(title.len(), |(i, _)| i));
    if topical && rng.bool() {
        title = format!("{}: {title}", TOPICAL[lang]);
    }
    let mut description = String::new();
    let paragraphs = rng.usize(2..5);
    let topical_paragraph = if topical && !title.starts_with(TOPICAL[lang]) {
        Some(rng.usize(..paragraphs))
    } else {
        None
    };
    for p in 0..paragraphs {
        description.push_str("<p>");
        if topical_paragraph == Some(p) {
            description.push_str(TOPICAL[lang]);
            description.push_str(". ");
        }
        for _ in 0..rng.usize(2..4) {
            description.push_str(&sentence(&mut rng, &words[lang][..]));
            description.push_str(". ");
        }
        description.push_str("</p>");
    }
    NewsItem {
        number,
        language: LANGUAGES[lang],
        title,
        description,
        category: CATEGORIES[rng.usize(..CATEGORIES.len())],
        published: epoch + Duration::minutes(10 * number),
        topical,
    }
}

/// An RSS 2.0 document of source `source` with items `newest` down to
/// `newest - count + 1`, newest first, as a ministry publishes them.
pub(crate) fn rss(source: usize, newest: i64, count: usize, epoch: DateTime<Utc>) -> String {
    let lang = LANGUAGES[source % LANGUAGES.len()];
    let mut out = String::with_capacity(count * 1_400 + 600);
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel>\n\
         <title>Ministry of the Interior {source}: news</title>\n<link>https://source{source}.example.org/</link>\n\
         <description>Press releases of source {source}</description>\n<language>{lang}</language>\n\
         <atom:link href=\"https://source{source}.example.org/rss.xml\" rel=\"self\" type=\"application/rss+xml\"/>\n"
    );
    for number in (0..count as i64).map(|i| newest - i) {
        let item = item(source, number, epoch);
        let _ = write!(
            out,
            "<item>\n<title>{}</title>\n<link>https://source{source}.example.org/news/{number}?utm_source=rss</link>\n\
             <guid isPermaLink=\"false\">source{source}-news-{number}</guid>\n<pubDate>{}</pubDate>\n\
             <category>{}</category>\n<description>{}</description>\n</item>\n",
            escape(&item.title),
            item.published.to_rfc2822(),
            item.category,
            escape(&item.description),
        );
    }
    out.push_str("</channel>\n</rss>\n");
    out
}

/// The same items as an Atom 1.0 document.
pub(crate) fn atom(source: usize, newest: i64, count: usize, epoch: DateTime<Utc>) -> String {
    let mut out = String::with_capacity(count * 1_500 + 600);
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n\
         <title>Source {source}</title>\n<id>urn:example:source:{source}</id>\n<updated>{}</updated>\n\
         <link rel=\"alternate\" href=\"https://source{source}.example.org/\"/>\n<author><name>Press office</name></author>\n",
        (epoch + Duration::minutes(10 * newest)).to_rfc3339()
    );
    for number in (0..count as i64).map(|i| newest - i) {
        let item = item(source, number, epoch);
        let published = item.published.to_rfc3339();
        let _ = write!(
            out,
            "<entry xml:lang=\"{}\">\n<title>{}</title>\n<id>urn:example:source:{source}:{number}</id>\n\
             <link rel=\"alternate\" href=\"https://source{source}.example.org/news/{number}\"/>\n\
             <published>{published}</published>\n<updated>{published}</updated>\n<category term=\"{}\"/>\n\
             <summary type=\"html\">{}</summary>\n</entry>\n",
            item.language,
            escape(&item.title),
            item.category,
            escape(&item.description),
        );
    }
    out.push_str("</feed>\n");
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Sources (id, feed URL, language) for `urls`, named `s00000`,
/// `s00001`, … so that the configuration, which lists its sources sorted
/// by name, lists them in this order: `config.sources[i]` is the source
/// whose document is `rss(i, …)`, in the language that document is in.
pub(crate) fn sources(urls: impl IntoIterator<Item = String>) -> Vec<(String, String, &'static str)> {
    urls.into_iter()
        .enumerate()
        .map(|(i, url)| (format!("s{i:05}"), url, LANGUAGES[i % LANGUAGES.len()]))
        .collect()
}

/// A configuration for `sources` (id, feed URL, language) with the
/// repository's default rules and `[feed]`, `[poll]` settings, and the
/// given `[server]` and `[storage]` tables; no notification channels.
/// `poll` overrides single `[poll]` keys.
pub(crate) fn config(
    sources: &[(String, String, &str)],
    listen: &str,
    database: &str,
    poll: &[(&str, &str)],
) -> String {
    let default = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config.toml"))
        .expect("the repository's config.toml");
    let mut table: toml::Table = default.parse().expect("config.toml is TOML");
    table.remove("notify");
    let mut server = toml::Table::new();
    server.insert("listen".into(), listen.into());
    server.insert("log".into(), "info".into());
    table.insert("server".into(), server.into());
    let mut storage = toml::Table::new();
    storage.insert("path".into(), database.into());
    table.insert("storage".into(), storage.into());
    let poll_table = table
        .entry("poll")
        .or_insert_with(|| toml::Table::new().into())
        .as_table_mut()
        .expect("[poll] is a table");
    for (key, value) in poll {
        poll_table.insert((*key).into(), (*value).into());
    }
    let mut list = toml::Table::new();
    for (id, url, language) in sources {
        let mut source = toml::Table::new();
        source.insert("url".into(), url.as_str().into());
        source.insert("title".into(), format!("Source {id}").into());
        source.insert("language".into(), (*language).into());
        list.insert(id.clone(), source.into());
    }
    table.insert("sources".into(), list.into());
    toml::to_string(&table).expect("a configuration serialises")
}

/// What a successful poll of `source` that found `processed` writes: one
/// ingest transaction's worth.
pub(crate) fn fetched(
    source: &thbwatch::config::Source,
    processed: thbwatch::poll::Processed,
) -> thbwatch::store::PollRecord {
    thbwatch::store::PollRecord {
        source_id: source.id.clone(),
        source_url: source.url.to_string(),
        source_title: source.title.clone(),
        at: Utc::now(),
        http_status: Some(200),
        moved_to: None,
        full_text: None,
        outcome: thbwatch::store::PollOutcome::Fetched {
            feed: processed.feed,
            validators: processed.validators,
            items: processed.items,
            recipients: Vec::new(),
            warning: processed.repairs.warning(),
        },
    }
}
