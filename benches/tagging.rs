//! Keyword tagging throughput over 12 MB of synthetic news text in the
//! region's twelve languages, about 5 % of sentences on trafficking:
//! - with the full default vocabulary (the repository's `config.toml`);
//! - with those rules plus rules that use every feature of the rule
//!   language (groups, NEAR and ONEAR, AND/NOT, compounds, excludes by
//!   proximity, item contexts, terms with several tags), over items whose
//!   titles are cut with "…" and continued by their summaries;
//! - the same with proximity over the everyday words themselves, which
//!   tags nearly every item (a worst case, not a budget).
//!
//! Run with `cargo bench --bench tagging`; divan prints the time per
//! iteration and the throughput (median, mean, fastest, slowest).

use std::path::Path;

use divan::counter::BytesCount;
#[path = "support/synthetic.rs"]
mod synthetic;
use thbwatch::config::Config;
use thbwatch::model::Field;
use thbwatch::tag::Tagger;

fn main() {
    divan::main();
}

fn default_config() -> Config {
    Config::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("config.toml")).unwrap()
}

fn default_tagger() -> Tagger {
    Tagger::new(&default_config().tags).unwrap()
}

/// Rules in every form the rule language has, as an analyst would write
/// them: proximity of verbs and activities, police or investigation
/// words near the crime's name (their anchors are everyday words the
/// synthetic news uses all the time), compounds, AND/NOT, excludes by
/// proximity, item contexts and a term with several tags.
const EVERY_FEATURE: &str = r#"
[sources.s]
url = "http://127.0.0.1:9/feed"

[tags.analyst]
terms = [
  "(forced | made | compelled) NEAR/4 (work* | labour | beg* | steal*)",
  "(police | polizei | policija | politiet | polisen | poliisi | полиция) NEAR/6 (traffick* | menschenhandel* | cilvēk* | menneskehandel* | människohandel* | ihmiskaup* | торговл*)",
  "(ermittlungen | polisen | politiet) ONEAR/4 (menschenhandel* | människohandel | menneskehandel)",
  "*handel* NEAR/3 (opfer* | ofre | offer)",
  "*arbeit NEAR/5 (zwang* | gezwungen)",
  "(human | menschen) AND (border | grenze) AND NOT (week | woche)",
  { term = "\"forced labour\" ONEAR/10 (human | joint)", also = ["budget"] },
]
exclude = ["(drug* | arms) NEAR/3 traffick*"]
unless = ["(nazi* | gulag* | memorial*) NEAR/10 (camp* | victim*)"]

[tags.budget]
terms = ["budget* NEAR/2 (law | gesetz | likums)"]
"#;

/// Proximity over the everyday words themselves: hundreds of pairs in
/// every article, so nearly every item is tagged (a worst case).
const PROXIMITY_STRESS: &str = r#"
[sources.s]
url = "http://127.0.0.1:9/feed"

[tags.stress]
terms = [
  "(police | polizei | policija | politiet | polisen | poliisi) NEAR/5 (border* | grenze* | robež* | grænsen | gränsen | raja)",
  "(ministry | ministerium | ministrija | ministeriö) ONEAR/6 (budget* | haushalt* | budžet* | talousarvio)",
  "*handel* NEAR/3 (regierung* | stadt | byen)",
  "(security | sicherheit | drošība) NEAR/8 (cooperation | zusammenarbeit | sadarbība)",
  "government AND (traffic | trade) AND NOT week",
]
exclude = ["city NEAR/2 police"]
unless = ["residents NEAR/3 meeting"]
"#;

/// The default rules, the `extra` ones, contexts on every rule and a term
/// with several tags.
fn tagger_with(extra: &str) -> Tagger {
    let mut rules = default_config().tags;
    rules.extend(Config::parse(extra, Path::new("bench.toml")).unwrap().tags);
    for rule in &mut rules {
        rule.unless
            .push("(nazi* | gulag* | memorial*) NEAR/10 (camp* | victim*)".into());
        rule.unless.push("sentenc* NEAR/6 (hours | community)".into());
    }
    rules[0].terms.push(thbwatch::tag::Term {
        query: "(labour | labor) traffick*".into(),
        also: vec!["forced-labour".into()],
    });
    Tagger::new(&rules).unwrap()
}

/// Each article as a title cut with "…" after its first 80 bytes and a
/// summary going on from "…": every item is read across the join.
fn cut(article: &str) -> (String, String) {
    let at = (80..article.len())
        .find(|&i| article.is_char_boundary(i))
        .unwrap_or(article.len());
    (format!("{}…", &article[..at]), format!("…{}", &article[at..]))
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn tag_12_mb_default_vocabulary(bencher: divan::Bencher) {
    let tagger = default_tagger();
    let articles = synthetic::articles(12_000_000, 42);
    let bytes: usize = articles.iter().map(String::len).sum();
    bencher.counter(BytesCount::new(bytes)).bench_local(|| {
        let mut tagged = 0;
        for article in &articles {
            if !tagger.tag(&[(Field::Content, article)], None).matches.is_empty() {
                tagged += 1;
            }
        }
        divan::black_box(tagged)
    });
}

/// Titles cut with "…" and summaries going on from "…", tagged with
/// `tagger`.
fn bench_cut_items(bencher: divan::Bencher, tagger: Tagger) {
    let articles: Vec<(String, String)> = synthetic::articles(12_000_000, 42).iter().map(|a| cut(a)).collect();
    let bytes: usize = articles.iter().map(|(t, s)| t.len() + s.len()).sum();
    bencher.counter(BytesCount::new(bytes)).bench_local(|| {
        let mut tagged = 0;
        for (title, summary) in &articles {
            let fields = [(Field::Title, title.as_str()), (Field::Summary, summary.as_str())];
            if !tagger.tag(&fields, None).matches.is_empty() {
                tagged += 1;
            }
        }
        divan::black_box(tagged)
    });
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn tag_12_mb_every_rule_feature(bencher: divan::Bencher) {
    bench_cut_items(bencher, tagger_with(EVERY_FEATURE));
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn tag_12_mb_proximity_stress(bencher: divan::Bencher) {
    bench_cut_items(bencher, tagger_with(PROXIMITY_STRESS));
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn fold_12_mb(bencher: divan::Bencher) {
    let articles = synthetic::articles(12_000_000, 42);
    let bytes: usize = articles.iter().map(String::len).sum();
    bencher.counter(BytesCount::new(bytes)).bench_local(|| {
        let mut folded = 0;
        for article in &articles {
            folded += thbwatch::fold::fold(article).len();
        }
        divan::black_box(folded)
    });
}
