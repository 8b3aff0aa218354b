//! Keyword tagging throughput with the full default vocabulary (the
//! repository's `config.toml`) over 12 MB of synthetic news text in the
//! region's twelve languages, about 5 % of sentences on trafficking.
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

fn default_tagger() -> Tagger {
    let config = Config::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("config.toml")).unwrap();
    Tagger::new(&config.tags).unwrap()
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
