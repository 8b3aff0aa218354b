//! The rule language on real-looking news in many of the region's
//! languages, through the configuration loader and the tagger as the
//! daemon uses them: proximity (distance, order, alternatives, prefixes,
//! punctuation and line breaks, never across fields), item-level context,
//! one term giving several tags, compounds, truncated titles, and the
//! explanation of each.

use std::path::Path;

use thbwatch::config::Config;
use thbwatch::model::Field;
use thbwatch::tag::Tagger;

const RULES: &str = r#"
[sources.s]
url = "http://127.0.0.1:9/feed"

[tags.trafficking]
terms = [
  "human traffick*", "trafficking in human being*",
  "traffick* ONEAR/3 (women | children | persons | people)",
  "menschenhandel*", "cilvēk* tirdzniecīb*", "торговл* людьми", "ihmiskaup*",
  "människohandel*", "*menneskehandel*", "prekyb* žmonėmis", "hand* ludźmi",
  { term = "vinnumansal*", also = ["forced-labour"] },
  { term = "(labour | labor) traffick*", also = ["forced-labour"] },
  "mansal*",
]
exclude = ["(drug* | arms | icon* | medicine* | cigarette*) NEAR/3 traffick*"]

[tags.forced-labour]
terms = [
  "forced labo*", "*zwangsarbeit*", "piespiedu darb*", "принудительн* (труд* | работ*)", "pakkotyö*",
  "*tvångsarbete*",
  "(forced | made | compelled) NEAR/4 (work* | labour | beg* | steal*)",
  "(gezwungen | zwang*) NEAR/3 (arbeit* | betteln)",
  "zmusz* NEAR/3 (prac* | żebra*)",
  "(принужда* | заставля*) NEAR/3 (работ* | попрошайнич*)",
  "(spiest* | piespied*) NEAR/3 (strādā* | ubago*)",
  "pakot* NEAR/3 (työ* | kerjää*)",
]
unless = [
  "nazi* | gulag* | memorial* | gedenkstätte*",
  "(sentenc* | piespr* | приговор*) NEAR/6 (hours | stund* | piespiedu darb* | принудительн* работ*)",
]

[tags.sexual-exploitation]
terms = [
  "sexual* exploitation*", "*zwangsprostitution*",
  "(forced | exploited | coerced) NEAR/3 prostitution",
  "sexual* abuse* AND (exploit* | traffick* | prostitut* | sold)",
]

[tags.smuggling]
terms = [
  "migrant* smuggl*", "smuggl* ONEAR/3 (migrant* | refugee*)", "*schleus*",
  "przemyt* NEAR/2 migrant*", "(незаконн* переправ* | организаци* незаконн* миграци*)",
]
"#;

fn tagger() -> Tagger {
    let config = Config::parse(RULES, Path::new("config.toml")).unwrap_or_else(|p| panic!("{p:#?}"));
    Tagger::new(&config.tags).unwrap()
}

/// `tag: text (place)` for each match of an item with this title and summary.
fn found(tagger: &Tagger, title: &str, summary: &str, lang: &str) -> Vec<String> {
    let tagging = tagger.tag(&[(Field::Title, title), (Field::Summary, summary)], Some(lang));
    let mut out: Vec<String> = tagging
        .matches
        .iter()
        .map(|m| format!("{}: {} ({})", m.tag, m.text, m.place()))
        .collect();
    out.extend(tagging.cancelled.iter().map(|c| {
        format!(
            "cancelled {}: {} ({}) by {:?}: {} ({})",
            c.tag,
            c.text,
            c.field.as_str(),
            c.context,
            c.context_text,
            c.context_field.as_str()
        )
    }));
    out
}

fn check(cases: &[(&str, &str, &str, &[&str])]) {
    let tagger = tagger();
    for (lang, title, summary, expected) in cases {
        assert_eq!(
            found(&tagger, title, summary, lang),
            *expected,
            "{lang}: {title:?} | {summary:?}"
        );
    }
}

#[test]
fn proximity_finds_verbs_and_activities_a_few_words_apart_in_either_order() {
    check(&[
        (
            "en",
            "Men were forced to labour without pay",
            "",
            &["forced-labour: forced to labour (title)"],
        ),
        (
            "en",
            "Teenagers compelled to beg in the city centre",
            "",
            &["forced-labour: compelled to beg (title)"],
        ),
        (
            "en",
            "Begging, the boys were made to do it",
            "",
            &["forced-labour: Begging, the boys were made (title)"],
        ),
        (
            "en",
            "Police say the victims were forced,\nafter their papers were taken, to work",
            "",
            &[],
        ),
        (
            "en",
            "Migrants were forced\nto work on farms",
            "",
            &["forced-labour: forced\nto work (title)"],
        ),
        ("en", "Migrants forced", "to work on farms", &[]),
        (
            "de",
            "Frauen wurden gezwungen, auf Feldern zu arbeiten",
            "",
            &["forced-labour: gezwungen, auf Feldern zu arbeiten (title)"],
        ),
        (
            "pl",
            "Policja: cudzoziemców zmuszano do pracy ponad siły",
            "",
            &["forced-labour: zmuszano do pracy (title)"],
        ),
        (
            "ru",
            "Мигрантов заставляли работать без оплаты",
            "",
            &["forced-labour: заставляли работать (title)"],
        ),
        (
            "lv",
            "Cilvēki tika spiesti strādāt bez algas",
            "",
            &["forced-labour: spiesti strādāt (title)"],
        ),
        (
            "fi",
            "Poliisi: heidät pakotettiin työskentelemään ilman palkkaa",
            "",
            &["forced-labour: pakotettiin työskentelemään (title)"],
        ),
    ]);
}

#[test]
fn ordered_proximity_keeps_its_order() {
    check(&[
        (
            "en",
            "Gang smuggled 12 migrants across the border",
            "",
            &["smuggling: smuggled 12 migrants (title)"],
        ),
        ("en", "Migrants say they were smuggled", "", &[]),
        (
            "en",
            "Trafficking of women from abroad",
            "",
            &["trafficking: Trafficking of women (title)"],
        ),
        ("en", "Women speak out about trafficking", "", &[]),
        (
            "pl",
            "Straż Graniczna: przemyt 40 migrantów udaremniony",
            "",
            &["smuggling: przemyt 40 migrantów (title)"],
        ),
    ]);
}

#[test]
fn a_goods_noun_near_the_verb_cancels_that_occurrence() {
    check(&[
        ("en", "Icons trafficked abroad recovered", "", &[]),
        ("en", "Trafficking in counterfeit medicines", "", &[]),
        (
            "en",
            "Drug trafficking ring: the gang also trafficked women",
            "",
            &["trafficking: trafficked women (title)"],
        ),
    ]);
}

#[test]
fn context_anywhere_in_the_item_cancels_the_tag_and_says_so() {
    check(&[
        (
            "de",
            "Ausstellung über Zwangsarbeit eröffnet",
            "Die Gedenkstätte erinnert an die Opfer.",
            &[
                "cancelled forced-labour: Zwangsarbeit (title) by \"nazi* | gulag* | memorial* | gedenkstätte*\": Gedenkstätte (summary)",
            ],
        ),
        (
            "de",
            "Razzia wegen Zwangsarbeit auf Baustellen",
            "Der Zoll ermittelt gegen drei Firmen.",
            &["forced-labour: Zwangsarbeit (title)"],
        ),
        (
            "lv",
            "Vīrietim piespriests piespiedu darbs",
            "Tiesa noteica 200 stundas.",
            &[
                "cancelled forced-labour: piespiedu darbs (title) by \"(sentenc* | piespr* | приговор*) NEAR/6 (hours | stund* | piespiedu darb* | принудительн* работ*)\": piespriests piespiedu darbs (title)",
            ],
        ),
        (
            "ru",
            "Суд приговорил его к принудительным работам",
            "",
            &[
                "cancelled forced-labour: принудительным работам (title) by \"(sentenc* | piespr* | приговор*) NEAR/6 (hours | stund* | piespiedu darb* | принудительн* работ*)\": приговорил его к принудительным работам (title)",
            ],
        ),
        (
            "en",
            "Former forced labourers compensated",
            "Survivors of Nazi camps receive payments.",
            &[
                "cancelled forced-labour: forced labourers (title) by \"nazi* | gulag* | memorial* | gedenkstätte*\": Nazi (summary)",
            ],
        ),
        (
            // The context cancels only its own tag.
            "en",
            "Labour trafficking memorial day",
            "",
            &[
                "trafficking: Labour trafficking (title)",
                "cancelled forced-labour: Labour trafficking (title) by \"nazi* | gulag* | memorial* | gedenkstätte*\": memorial (title)",
            ],
        ),
    ]);
}

#[test]
fn one_term_gives_several_tags() {
    check(&[
        (
            "is",
            "Lögreglan rannsakar vinnumansal á Suðurlandi",
            "",
            &["trafficking: vinnumansal (title)", "forced-labour: vinnumansal (title)"],
        ),
        (
            "en",
            "New unit to fight labour trafficking",
            "",
            &[
                "trafficking: labour trafficking (title)",
                "forced-labour: labour trafficking (title)",
            ],
        ),
    ]);
}

#[test]
fn compounds_match_inside_longer_words() {
    check(&[
        (
            "de",
            "Zwangsarbeitsverdacht: Razzia in Berlin",
            "",
            &["forced-labour: Zwangsarbeitsverdacht (title)"],
        ),
        (
            "de",
            "Ermittlungen wegen Zwangsprostitution",
            "",
            &["sexual-exploitation: Zwangsprostitution (title)"],
        ),
        (
            "de",
            "Schleuserbande festgenommen",
            "",
            &["smuggling: Schleuserbande (title)"],
        ),
        (
            "no",
            "Politiet etterforsker en menneskehandelssak",
            "",
            &["trafficking: menneskehandelssak (title)"],
        ),
        (
            "sv",
            "Misstänkt arbetskraftstvångsarbete i Skåne",
            "",
            &["forced-labour: arbetskraftstvångsarbete (title)"],
        ),
        // A compound core stays a word part: "arbeit" alone is not forced labour.
        ("de", "Arbeitsmarkt bleibt stabil", "", &[]),
    ]);
}

#[test]
fn truncated_titles_are_read_with_the_summary_that_continues_them() {
    check(&[
        (
            "en",
            "Court hears trafficking in…",
            "…human beings case against three men",
            &["trafficking: trafficking in… …human beings (title + summary)"],
        ),
        (
            "lv",
            "Policija aiztur cilvēku...",
            "...tirdzniecībā aizdomās turētos",
            &["trafficking: cilvēku... ...tirdzniecībā (title + summary)"],
        ),
        (
            "ru",
            "В Петербурге задержаны подозреваемые в торговле…",
            "… людьми и организации незаконной миграции",
            &[
                "trafficking: торговле… … людьми (title + summary)",
                "smuggling: организации незаконной миграции (summary)",
            ],
        ),
        (
            // The title must say it is cut.
            "en",
            "Court hears trafficking in",
            "human beings case against three men",
            &[],
        ),
        (
            "en",
            "Court hears trafficking in",
            "…human beings case against three men",
            &[],
        ),
        (
            // A summary that takes up the sentence without an ellipsis
            // of its own still continues a cut title.
            "en",
            "Court hears trafficking in…",
            "Human beings case against three men",
            &["trafficking: trafficking in… Human beings (title + summary)"],
        ),
        (
            "lv",
            "Policija aiztur cilvēku...",
            "tirdzniecībā aizdomās turētos",
            &["trafficking: cilvēku... tirdzniecībā (title + summary)"],
        ),
        (
            // Proximity across the cut, too.
            "en",
            "Men were forced…",
            "…to labour without pay",
            &["forced-labour: forced… …to labour (title + summary)"],
        ),
    ]);
}

#[test]
fn and_needs_both_parts_somewhere_in_the_item_and_shows_them() {
    check(&[
        ("en", "Man charged with sexual abuse of a child", "", &[]),
        (
            "en",
            "Sexual abuse images sold online",
            "",
            &["sexual-exploitation: Sexual abuse … sold (title)"],
        ),
        (
            "en",
            "Sexual abuse case widens",
            "Police say the girls were exploited by a network.",
            &[
                "sexual-exploitation: Sexual abuse (title)",
                "sexual-exploitation: exploited (summary)",
            ],
        ),
        (
            "en",
            "Women forced into prostitution, court hears",
            "",
            &["sexual-exploitation: forced into prostitution (title)"],
        ),
    ]);
}

#[test]
fn explanations_name_what_a_not_part_cancelled() {
    let config = Config::parse(
        "[sources.s]\nurl = \"http://127.0.0.1:9/f\"\n[tags.forced-labour]\nterms = [\"forced labo* NOT (gulag* OR nazi*)\"]\n",
        Path::new("c.toml"),
    )
    .unwrap();
    let tagger = Tagger::new(&config.tags).unwrap();
    let why = tagger.explain(
        &[
            (Field::Title, "Forced labour in the Gulag"),
            (Field::Content, "An exhibition."),
        ],
        Some("en"),
    );
    assert!(why.matches.is_empty());
    let x = &why.excluded[0];
    assert_eq!(
        (x.tag.as_str(), x.text.as_str(), x.exclude.as_str()),
        ("forced-labour", "Forced labour", "NOT (gulag* OR nazi*)")
    );
    assert_eq!(x.negation, Some((Field::Title, "Gulag".to_string())));
}
