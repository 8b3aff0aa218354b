// Included (`include!`), not a module: the one copy of the vocabulary's
// texts for language detection, read by the integration tests
// (tests/it/language.rs) and by the library's unit test of reading a
// text's start first (src/lang/agreement.rs), which cannot share a module.

/// (language, text): each language's terms of one concept, forms and
/// all, as one text (vocabulary/thb-terms.toml).
fn vocabulary() -> Vec<(String, String)> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("vocabulary/thb-terms.toml");
    let table: toml::Table = std::fs::read_to_string(path).unwrap().parse().unwrap();
    let mut groups: std::collections::BTreeMap<(String, String), Vec<String>> = Default::default();
    for term in table["term"].as_array().unwrap() {
        let text = |key: &str| term.get(key).and_then(|v| v.as_str()).unwrap_or_default().to_string();
        let mut words = vec![text("canonical")];
        for form in term.get("forms").and_then(|f| f.as_array()).into_iter().flatten() {
            words.push(form.as_str().unwrap().to_string());
        }
        groups.entry((text("lang"), text("concept"))).or_default().extend(words);
    }
    groups
        .into_iter()
        .map(|((lang, _), words)| (lang, words.join(". ")))
        .collect()
}
