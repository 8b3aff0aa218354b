//! Keyword tagging throughput with the full default vocabulary (the
//! repository's `config.toml`) over 12 MB of synthetic news text in the
//! region's twelve languages, about 5 % of sentences on trafficking.
//! Run with `cargo bench --bench tagging`; divan prints the time per
//! iteration and the throughput (median, mean, fastest, slowest).

use std::path::Path;

use divan::counter::BytesCount;
use thbwatch::config::Config;
use thbwatch::model::Field;
use thbwatch::tag::Tagger;

fn main() {
    divan::main();
}

/// Everyday news words per language: most text matches nothing.
const WORDS: &[&str] = &[
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

/// Sentences the rules must find.
const TOPICAL: &[&str] = &[
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

/// About 12 MB of articles of about 2 KB, deterministic.
fn articles() -> Vec<String> {
    let words: Vec<Vec<&str>> = WORDS.iter().map(|l| l.split(' ').collect()).collect();
    let mut rng = fastrand::Rng::with_seed(42);
    let (mut out, mut total) = (Vec::new(), 0);
    while total < 12_000_000 {
        let lang = rng.usize(..words.len());
        let mut article = String::new();
        while article.len() < 2_000 {
            if rng.u8(..100) < 5 {
                article.push_str(TOPICAL[lang]);
            } else {
                let n = rng.usize(8..20);
                let sentence: Vec<&str> = (0..n).map(|_| words[lang][rng.usize(..words[lang].len())]).collect();
                article.push_str(&sentence.join(" "));
            }
            article.push_str(". ");
        }
        total += article.len();
        out.push(article);
    }
    out
}

fn default_tagger() -> Tagger {
    let config = Config::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("config.toml")).unwrap();
    Tagger::new(&config.tags).unwrap()
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn tag_12_mb_default_vocabulary(bencher: divan::Bencher) {
    let tagger = default_tagger();
    let articles = articles();
    let bytes: usize = articles.iter().map(String::len).sum();
    bencher.counter(BytesCount::new(bytes)).bench_local(|| {
        let mut tagged = 0;
        for article in &articles {
            if !tagger.tag(&[(Field::Content, article)], None).is_empty() {
                tagged += 1;
            }
        }
        divan::black_box(tagged)
    });
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn fold_12_mb(bencher: divan::Bencher) {
    let articles = articles();
    let bytes: usize = articles.iter().map(String::len).sum();
    bencher.counter(BytesCount::new(bytes)).bench_local(|| {
        let mut folded = 0;
        for article in &articles {
            folded += thbwatch::fold::fold(article).len();
        }
        divan::black_box(folded)
    });
}
