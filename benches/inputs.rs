//! What a person may feed the command line, at scale: `check` on a
//! configuration with 80,000 problems, and `import-opml` on 100,000
//! outlines that share one title. Both must grow linearly (they once took
//! 42 s and more than two minutes). Run with `cargo bench --bench inputs`;
//! divan prints the time per iteration (median, mean, fastest, slowest).

use std::path::Path;

use thbwatch::config::Config;

fn main() {
    divan::main();
}

/// 80,000 sources, each with an address that is not http(s).
fn eighty_thousand_problems() -> String {
    (0..80_000)
        .map(|i| format!("[sources.s{i}]\nurl = \"ftp://x{i}.example/\"\n"))
        .collect()
}

/// 100,000 outlines, one title.
fn one_title_opml() -> String {
    let mut opml = String::from("<?xml version=\"1.0\"?>\n<opml version=\"2.0\"><body>\n");
    for i in 0..100_000 {
        opml.push_str(&format!(
            "<outline type=\"rss\" text=\"Ministry News\" xmlUrl=\"https://feeds{i}.example.org/rss\"/>\n"
        ));
    }
    opml.push_str("</body></opml>\n");
    opml
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn check_80_000_problems(bencher: divan::Bencher) {
    let text = eighty_thousand_problems();
    bencher.bench_local(|| {
        let problems = Config::parse(&text, Path::new("config.toml")).unwrap_err();
        // What `check` prints, built as it builds it.
        let printed: usize = problems.iter().map(|p| p.to_string().len()).sum();
        divan::black_box((problems.len(), printed))
    });
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn import_100_000_outlines_one_title(bencher: divan::Bencher) {
    let opml = one_title_opml();
    bencher.bench_local(|| divan::black_box(thbwatch::import::opml_to_sources(&opml).unwrap().toml.len()));
}
