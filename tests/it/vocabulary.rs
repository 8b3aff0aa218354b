//! The default rules (the repository's `config.toml`) against the
//! project's vocabulary (`vocabulary/thb-terms.toml`): every `forms` entry
//! of every term must get its concept's tag, no `negatives` entry may get
//! its term's tag, and no migrant smuggling form may be tagged as
//! trafficking. Also ordinary trade, road traffic and drug trafficking in
//! the region's languages, which no rule may tag. And the generator of the
//! default rules (`scripts/vocabulary_to_config.py`, Python 3.11+): it
//! rewrites only its own section of the file, and the committed rules are
//! what it generates.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::tools;

use thbwatch::config::Config;
use thbwatch::model::Field;
use thbwatch::tag::Tagger;

fn default_tagger() -> Tagger {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.toml");
    let config = Config::load(&path).expect("the default config.toml loads");
    Tagger::new(&config.tags).unwrap()
}

fn tags_of(tagger: &Tagger, text: &str) -> Vec<String> {
    let mut tags: Vec<String> = tagger
        .tag(&[(Field::Title, text)], None)
        .matches
        .into_iter()
        .map(|m| m.tag)
        .collect();
    tags.dedup();
    tags
}

fn vocabulary_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("vocabulary/thb-terms.toml")
}

/// The default tag of a vocabulary concept (as the vocabulary's README maps them).
fn tag_of_concept(concept: &str) -> &'static str {
    match concept {
        "thb" | "thb_actor" | "victim" | "forced_marriage" => "trafficking",
        "forced_labour" | "labour_exploitation" => "forced-labour",
        "sexual_exploitation" => "sexual-exploitation",
        "smuggling" => "smuggling",
        other => panic!("unknown concept {other:?}"),
    }
}

#[test]
fn every_vocabulary_form_matches_and_no_negative_does() {
    let path = vocabulary_path();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let vocabulary: toml::Table = toml::from_str(&text).unwrap();
    let tagger = default_tagger();
    let (mut forms, mut negatives) = (0, 0);
    let mut misses = Vec::new();
    let mut false_positives = Vec::new();
    for term in vocabulary["term"].as_array().unwrap() {
        let lang = term["lang"].as_str().unwrap();
        let concept = term["concept"].as_str().unwrap();
        let tag = tag_of_concept(concept);
        let strings = |key: &str| -> Vec<String> {
            term.get(key)
                .and_then(|v| v.as_array())
                .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
                .unwrap_or_default()
        };
        for form in strings("forms") {
            forms += 1;
            let found = tags_of(&tagger, &form);
            if !found.iter().any(|t| t == tag) {
                misses.push(format!("{lang} {concept}: {form:?} got {found:?}, expected {tag}"));
            }
            if concept == "smuggling" && found.iter().any(|t| t == "trafficking") {
                false_positives.push(format!("{lang}: smuggling form {form:?} tagged as trafficking"));
            }
        }
        for negative in strings("negatives") {
            negatives += 1;
            let found = tags_of(&tagger, &negative);
            if found.iter().any(|t| t == tag) {
                false_positives.push(format!("{lang}: negative {negative:?} tagged {tag}"));
            }
        }
    }
    eprintln!(
        "vocabulary: {} of {forms} forms matched (recall {:.1} %), {} of {negatives} negatives tagged",
        forms - misses.len(),
        100.0 * (forms - misses.len()) as f64 / forms as f64,
        false_positives.len()
    );
    assert!(forms > 200 && negatives > 10, "{forms} forms, {negatives} negatives");
    assert!(misses.is_empty(), "forms missed:\n{}", misses.join("\n"));
    assert!(
        false_positives.is_empty(),
        "false positives:\n{}",
        false_positives.join("\n")
    );
}

/// Text about ordinary trade, road traffic and drug trafficking, in the
/// region's languages: no default rule may tag it.
#[test]
fn ordinary_trade_traffic_and_drug_trafficking_are_not_tagged() {
    let tagger = default_tagger();
    let cases = [
        "Police seize cocaine in a drug trafficking operation",
        "Two men charged with trafficking in drugs and trafficking of firearms",
        "Arms trafficking and wildlife trafficking across the border",
        "Heavy road traffic expected on the Via Baltica",
        "Human traffic lights installed at the crossing",
        "Retail trade grew by 3 % in October",
        "Elektroenerģijas tirdzniecība un cilvēku skaits pieaug",
        "Narkotiku tirdzniecība: aizturēti divi vīrieši",
        "Ceļu satiksmes negadījumi Rīgā",
        "Elektros prekyba ir prekyba žmonių duomenimis",
        "Narkotikų prekyba Kaune",
        "Narkokaubandus ja liiklus Tallinnas",
        "Ihmisoikeudet ja kaupan ala kasvavat",
        "Huumekauppa ja liikenne",
        "Handel detaliczny i handlu zagranicznego rośnie",
        "Handel narkotykami w Warszawie",
        "Розничная торговля и торговля нефтью",
        "Наркоторговля и дорожное движение",
        "Drogenhandel und Straßenverkehr aus Menschenhand",
        "Schleuse am Kanal geöffnet",
        "Narkotikahandel och trafiken i Stockholm",
        "Narkotikahandel og trafikken i København og Oslo",
        "Fíkniefnasala og umferð í Reykjavík",
    ];
    for text in cases {
        assert_eq!(tags_of(&tagger, text), Vec::<String>::new(), "{text:?}");
    }
}

/// Real headlines in each language get the right tags.
#[test]
fn headlines_in_twelve_languages_get_their_tags() {
    let tagger = default_tagger();
    let cases: &[(&str, &[&str])] = &[
        (
            "Valsts policija aiztur cilvēku tirgotājus; piespiedu darbs ārzemēs",
            &["trafficking", "forced-labour"],
        ),
        ("Kovos su prekyba žmonėmis savaitė", &["trafficking"]),
        ("Inimkaubanduse ohvrid said abi", &["trafficking"]),
        ("Ihmiskaupan uhrien auttamisjärjestelmä", &["trafficking"]),
        (
            "Polisen utreder människohandel för sexuellt utnyttjande",
            &["trafficking", "sexual-exploitation"],
        ),
        (
            "Politiet efterforsker menneskehandel og tvangsarbejde",
            &["trafficking", "forced-labour"],
        ),
        (
            "Grov menneskehandel og tvangsarbeid avdekket",
            &["trafficking", "forced-labour"],
        ),
        (
            "Ermittlungen wegen Menschenhandels und Zwangsprostitution",
            &["trafficking", "sexual-exploitation"],
        ),
        ("Aðgerðir gegn mansali kynntar", &["trafficking"]),
        ("Straż Graniczna zatrzymała handlarzy ludźmi", &["trafficking"]),
        ("Задержаны подозреваемые в торговле людьми", &["trafficking"]),
        ("Joint action against trafficking in human beings", &["trafficking"]),
        // Sex trafficking is trafficking for sexual exploitation: both tags.
        (
            "Sex trafficking ring: traffickers convicted, victims trafficked from abroad",
            &["trafficking", "sexual-exploitation"],
        ),
        ("Drug trafficking and child trafficking on the agenda", &["trafficking"]),
        (
            "Tvangsarbeidet i landbruket og Zwangsprostitutionsverfahren",
            &["forced-labour", "sexual-exploitation"],
        ),
        // Smuggling is its own tag, not trafficking.
        ("Migrant smugglers arrested at the border", &["smuggling"]),
        ("Migrantu kontrabanda uz Lietuvas robežas", &["smuggling"]),
        ("Незаконный ввоз мигрантов пресечён", &["smuggling"]),
        // Without diacritics, as some publishers write.
        ("Cilveku tirdznieciba un prekyba zmonemis", &["trafficking"]),
    ];
    for (text, expected) in cases {
        let expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
        let mut found = tags_of(&tagger, text);
        found.sort();
        let mut want = expected.clone();
        want.sort();
        assert_eq!(found, want, "{text:?}");
    }
}

/// Runs the rules generator on `config`; `(succeeded, standard error)`.
fn generate(config: &Path, extra: &[&str]) -> (bool, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/vocabulary_to_config.py");
    let output = Command::new(tools::program(&["python3"]))
        .arg(script)
        .arg("--config")
        .arg(config)
        .args(extra)
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
#[cfg_attr(
    not(has_python3),
    ignore = "needs python3 (3.11 or newer): run scripts/install-test-tools"
)]
fn the_rules_generator_rewrites_only_its_section() {
    let original = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("config.toml")).unwrap();
    let begin = original.find("# BEGIN generated rules").expect("a BEGIN marker");
    let end_marker = original.find("# END generated rules").expect("an END marker");
    let end = end_marker + original[end_marker..].find('\n').unwrap() + 1;
    let generated = &original[begin..end];

    // A user's file: edited settings and a source of their own before the
    // section, a stale section, a rule of their own after it.
    let before = format!(
        "{}\n[sources.own]\nurl = \"https://news.example.org/feed\"\n\n",
        original[..begin].replace("schedule = \"*/15 * * * *\"", "schedule = \"*/30 * * * *\"")
    );
    let after = "\n[tags.own]\nterms = [\"own rule\"]\n";
    let stale = format!(
        "{before}# BEGIN generated rules\n[tags.trafficking]\nterms = [\"stale\"]\n# END generated rules\n{after}"
    );
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, &stale).unwrap();

    let (ok, stderr) = generate(&config, &["--check"]);
    assert!(!ok, "--check finds the stale section: {stderr}");
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        stale,
        "--check writes nothing"
    );

    let (ok, stderr) = generate(&config, &[]);
    assert!(ok, "{stderr}");
    let rewritten = std::fs::read_to_string(&config).unwrap();
    assert_eq!(
        rewritten,
        format!("{before}{generated}{after}"),
        "only the section changed"
    );
    let loaded = Config::load(&config).expect("the rewritten file loads");
    assert!(loaded.sources.iter().any(|s| s.id.as_str() == "own"));
    assert!(loaded.tags.iter().any(|t| t.name == "own"));
    assert!(generate(&config, &["--check"]).0, "up to date after rewriting");

    // Without its markers the file is left alone, and the error says why.
    std::fs::write(&config, &original[..begin]).unwrap();
    let (ok, stderr) = generate(&config, &[]);
    assert!(!ok && stderr.contains("BEGIN generated rules"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&config).unwrap(), original[..begin]);
}
