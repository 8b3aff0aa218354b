//! Table-driven tests of the rule language: prefixes, phrases, folding,
//! exclusion per occurrence, field and language scoping, explanations.

use super::scan::MAX_MATCHES;
use super::*;

pub(super) fn rule(name: &str, terms: &[&str], exclude: &[&str]) -> TagRule {
    TagRule {
        name: name.into(),
        label: None,
        description: None,
        terms: terms.iter().map(|&s| s.into()).collect(),
        exclude: exclude.iter().map(|s| s.to_string()).collect(),
        unless: Vec::new(),
        fields: Vec::new(),
        languages: Vec::new(),
    }
}

fn tagger(rules: &[TagRule]) -> Tagger {
    Tagger::new(rules).unwrap()
}

/// (tag, term, field, text) of each match in a title and a content.
fn tags(t: &Tagger, title: &str, content: &str) -> Vec<(String, String, Field, String)> {
    t.tag(&[(Field::Title, title), (Field::Content, content)], None)
        .matches
        .into_iter()
        .map(|m| (m.tag, m.term, m.field, m.text))
        .collect()
}

fn matches(t: &Tagger, text: &str) -> bool {
    !t.tag(&[(Field::Content, text)], None).matches.is_empty()
}

#[test]
fn exact_words_match_whole_words_across_punctuation_and_line_breaks() {
    let t = tagger(&[rule("thb", &["human trafficking"], &[])]);
    let cases = [
        ("Police fight HUMAN TRAFFICKING", true),
        ("human-trafficking ring", true),
        ("human\ntrafficking", true),
        ("human\u{A0}trafficking", true),
        ("anti-human-trafficking", true),
        ("superhuman trafficking", false),
        ("human traffickings", false),
        ("human", false),
    ];
    for (text, expected) in cases {
        assert_eq!(matches(&t, text), expected, "{text:?}");
    }
}

#[test]
fn a_star_matches_any_word_starting_with_the_prefix() {
    let t = tagger(&[
        rule("lv", &["cilvēk* tirdzniecīb*"], &[]),
        rule("de", &["menschenhandel*"], &[]),
        rule("ru", &["торговл* людьми"], &[]),
    ]);
    let cases = [
        ("cīņā pret cilvēku tirdzniecību", Some("lv")),
        ("CILVĒKU TIRDZNIECĪBAS novēršana", Some("lv")),
        ("cilveku tirdznieciba bez diakritikas", Some("lv")),
        ("Menschenhandelsopfer und Menschenhandel", Some("de")),
        ("Opfer von MENSCHENHANDEL", Some("de")),
        ("aus Menschenhand", None),
        ("о торговле людьми", Some("ru")),
        ("борьба с торговлей людьми", Some("ru")),
        ("розничная торговля", None),
        ("elektroenerģijas tirdzniecība", None),
    ];
    for (text, expected) in cases {
        let found: Vec<String> = t
            .tag(&[(Field::Content, text)], None)
            .matches
            .into_iter()
            .map(|m| m.tag)
            .collect();
        assert_eq!(found.first().map(String::as_str), expected, "{text:?}");
    }
}

#[test]
fn rules_and_text_fold_alike_with_or_without_diacritics() {
    let cases: &[(&str, &str)] = &[
        // written without diacritics, text with them, and the other way round
        ("prekyb* zmonemis", "Prekyba žmonėmis Lietuvoje"),
        ("prekyb* žmonėmis", "PREKYBA ZMONEMIS"),
        ("handel ludzmi", "Handel ludźmi w Polsce"),
        ("przymusow* prac*", "PRZYMUSOWĄ PRACĘ"),
        ("łódź", "Lodz"),
        ("menneskehandel*", "Menneskehandelen i Norge"),
        ("tvangsarbejd*", "TVANGSARBEJDE"),
        ("mansal*", "fórnarlömb mansals"),
        ("þolend* mansal*", "tholendur mansals"),
        ("nauðungarvinn*", "Nauðungarvinna"),
        ("straße", "STRASSE"),
        ("ørsted", "Orsted"),
        ("торговл* людьми", "ТОРГОВЛЯ ЛЮДЬМИ"),
        ("ещё", "еще"),
        ("soft hyphen", "soft hy\u{AD}phen"),
        ("zero width", "zero\u{200B}width"),
    ];
    for (term, text) in cases {
        let t = tagger(&[rule("t", &[term], &[])]);
        // zero-width joins the words, so "zero width" must not match it
        let expected = *term != "zero width";
        assert_eq!(matches(&t, text), expected, "{term:?} in {text:?}");
    }
}

#[test]
fn exclusion_cancels_only_the_occurrences_it_covers() {
    let t = tagger(&[rule("thb", &["trafficking"], &["drug trafficking", "arms trafficking"])]);
    assert!(!matches(&t, "Drug trafficking arrests in Riga"));
    assert!(!matches(&t, "drug trafficking and arms trafficking"));
    // Another occurrence in the same field still counts.
    let both = tags(&t, "", "drug trafficking, and trafficking in persons");
    assert_eq!(both.len(), 1);
    assert_eq!(both[0].3, "trafficking");
    // An exclusion of another rule does not cancel this one.
    let other = tagger(&[
        rule("thb", &["trafficking"], &[]),
        rule("drugs", &["narcotics"], &["drug trafficking"]),
    ]);
    assert!(matches(&other, "drug trafficking"));
}

#[test]
fn fields_and_languages_scope_a_rule() {
    let mut title_only = rule("thb", &["trafficking"], &[]);
    title_only.fields = vec![Field::Title];
    let mut latvian = rule("lv", &["tirdzniecīb*"], &[]);
    latvian.languages = vec!["lv".into()];
    let t = tagger(&[title_only, latvian]);
    assert!(t.tag(&[(Field::Content, "trafficking")], None).matches.is_empty());
    assert_eq!(t.tag(&[(Field::Title, "trafficking")], None).matches.len(), 1);
    let text = [(Field::Content, "tirdzniecība")];
    assert_eq!(t.tag(&text, Some("lv")).matches.len(), 1);
    assert_eq!(t.tag(&text, Some("lv-LV")).matches.len(), 1);
    assert!(t.tag(&text, Some("lt")).matches.is_empty());
    assert!(
        t.tag(&text, None).matches.is_empty(),
        "unknown language: a scoped rule does not apply"
    );
    let why = t.explain(&text, Some("lt"));
    assert_eq!(why.skipped.len(), 1);
    assert!(
        why.skipped[0].2.contains("only applies to lv (this text is lt)"),
        "{:?}",
        why.skipped
    );
}

#[test]
fn each_term_field_pair_is_reported_with_the_text_as_written() {
    let t = tagger(&[
        rule("thb", &["traffick*", "exploitation"], &[]),
        rule("smuggling", &["migrant smuggl*"], &[]),
    ]);
    let found = tags(
        &t,
        "Exploitation case",
        "Migrant Smugglers and TRAFFICKERS, trafficking",
    );
    assert_eq!(
        found,
        vec![
            ("thb".into(), "exploitation".into(), Field::Title, "Exploitation".into()),
            ("thb".into(), "traffick*".into(), Field::Content, "TRAFFICKERS".into()),
            (
                "smuggling".into(),
                "migrant smuggl*".into(),
                Field::Content,
                "Migrant Smugglers".into()
            ),
        ]
    );
}

#[test]
fn snippets_show_the_match_in_context() {
    let t = tagger(&[rule("thb", &["cilvēk* tirdzniecīb*"], &[])]);
    let text = format!(
        "{} Valsts policija brīdina par cilvēku tirdzniecības riskiem. {}",
        "Ievads. ".repeat(20),
        "Beigas. ".repeat(20)
    );
    let m = &t.tag(&[(Field::Content, &text)], None).matches[0];
    assert_eq!(m.text, "cilvēku tirdzniecības");
    assert!(m.snippet.starts_with('…') && m.snippet.ends_with('…'), "{}", m.snippet);
    assert!(
        m.snippet.contains("brīdina par cilvēku tirdzniecības riskiem"),
        "{}",
        m.snippet
    );
    assert!(m.snippet.chars().count() < 150, "{}", m.snippet);
}

#[test]
fn explanations_name_what_an_exclusion_cancelled() {
    let t = tagger(&[rule("thb", &["trafficking"], &["drug trafficking"])]);
    let why = t.explain(&[(Field::Title, "Drug Trafficking ring")], None);
    assert!(why.matches.is_empty());
    assert_eq!(why.excluded.len(), 1);
    assert_eq!(why.excluded[0].text, "Trafficking");
    assert_eq!(why.excluded[0].exclude, "drug trafficking");
}

#[test]
fn many_rules_share_one_pass() {
    // A thousand rules compile into one automaton and still match rightly.
    let rules: Vec<TagRule> = (0..1000)
        .map(|i| rule(&format!("r{i}"), &[&format!("word{i} next*")], &[]))
        .collect();
    let t = tagger(&rules);
    let found = t
        .tag(&[(Field::Content, "a word999 nextday and word5 next")], None)
        .matches;
    let names: Vec<&str> = found.iter().map(|m| m.tag.as_str()).collect();
    assert_eq!(names, ["r5", "r999"]);
}

#[test]
fn snippets_survive_spaces_of_every_width() {
    let t = tagger(&[rule("thb", &["trafficking"], &[])]);
    for space in ["\u{A0}", "\u{2009}", "\u{3000}", " "] {
        let text = format!(
            "{}trafficking{}",
            format!("word{space}").repeat(40),
            format!("{space}word").repeat(40)
        );
        let m = &t.tag(&[(Field::Content, &text)], None).matches[0];
        assert_eq!(m.text, "trafficking");
        assert!(m.snippet.contains("trafficking"));
    }
}

#[test]
fn a_tag_is_never_lost_to_the_cap_on_matches() {
    let many: Vec<String> = (0..30).map(|i| format!("term{i}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let t = tagger(&[rule("busy", &many, &[]), rule("rare", &["needle"], &[])]);
    let text = format!("{} needle", many.join(" "));
    let found = t.tag(&[(Field::Content, &text)], None).matches;
    assert!(found.len() <= MAX_MATCHES + 1);
    assert!(found.iter().any(|m| m.tag == "rare"), "the rare tag survives");
}

#[test]
fn exclusion_stays_right_over_many_occurrences() {
    let t = tagger(&[rule("thb", &["trafficking"], &["drug trafficking"])]);
    let text = format!("{} and trafficking", "drug trafficking ".repeat(50_000));
    let found = t.tag(&[(Field::Content, &text)], None).matches;
    assert_eq!(found.len(), 1);
    assert!(found[0].snippet.ends_with("and trafficking"), "{}", found[0].snippet);
    assert!(
        t.tag(&[(Field::Content, &"drug trafficking ".repeat(50_000))], None)
            .matches
            .is_empty()
    );
}
