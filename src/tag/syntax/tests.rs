//! The rule language's parser: what each form means, and each mistake
//! reported at its byte offset.

use super::*;
use crate::tag::lex::DEFAULT_NEAR;

fn w(folded: &str, prefix: bool, infix: bool) -> Word {
    Word {
        folded: folded.into(),
        prefix,
        infix,
    }
}

fn phrases(rule: &str) -> Vec<Vec<String>> {
    let Query::Span(Span::Phrases(phrases)) = parse(rule, Role::Term).unwrap() else {
        panic!("{rule:?} is not a list of phrases");
    };
    phrases.iter().map(|p| p.iter().map(describe).collect()).collect()
}

fn describe(word: &Word) -> String {
    let (head, tail) = (if word.infix { "*" } else { "" }, if word.prefix { "*" } else { "" });
    format!("{head}{}{tail}", word.folded)
}

#[test]
fn plain_terms_keep_their_meaning_of_consecutive_words() {
    let cases: &[(&str, &[&[&str]])] = &[
        ("human trafficking", &[&["human", "trafficking"]]),
        ("Anti-Traffick* day", &[&["anti", "traffick*", "day"]]),
        ("cilvēk* tirdzniecīb*", &[&["cilvek*", "tirdzniecib*"]]),
        ("trafficking (THB)", &[&["trafficking", "thb"]]),
        ("the \"loverboy\" method", &[&["the", "loverboy", "method"]]),
        ("human -- trafficking", &[&["human", "trafficking"]]),
        ("and or not near", &[&["and", "or", "not", "near"]]),
    ];
    for (rule, expected) in cases {
        let expected: Vec<Vec<String>> = expected
            .iter()
            .map(|p| p.iter().map(|s| s.to_string()).collect())
            .collect();
        assert_eq!(phrases(rule), expected, "{rule:?}");
    }
}

#[test]
fn groups_next_to_words_stand_for_every_combination() {
    assert_eq!(
        phrases("(forced | compulsory) labo*"),
        [vec!["forced", "labo*"], vec!["compulsory", "labo*"]]
    );
    assert_eq!(
        phrases("\"human trafficking\" OR menschenhandel* | *prostitution"),
        [
            vec!["human", "trafficking"],
            vec!["menschenhandel*"],
            vec!["*prostitution"]
        ]
    );
    assert_eq!(
        phrases("(a|b) (c|d)"),
        [vec!["a", "c"], vec!["a", "d"], vec!["b", "c"], vec!["b", "d"]]
    );
    assert_eq!(
        parse("*menschenhandel*", Role::Term).unwrap(),
        Query::Span(Span::Phrases(vec![vec![w("menschenhandel", true, true)]]))
    );
}

#[test]
fn proximity_binds_tighter_than_and_which_joins_not() {
    let near = parse("(forced|made|compelled) NEAR/4 (work*|labour|beg*|steal*)", Role::Term).unwrap();
    let Query::Span(Span::Near {
        left,
        right,
        within,
        ordered,
    }) = near
    else {
        panic!("{near:?}")
    };
    assert_eq!((within, ordered), (4, false));
    assert!(matches!(*left, Span::Phrases(ref p) if p.len() == 3));
    assert!(matches!(*right, Span::Phrases(ref p) if p.len() == 4));

    let ordered = parse("smuggl* ONEAR/3 migrant*", Role::Term).unwrap();
    assert!(matches!(
        ordered,
        Query::Span(Span::Near {
            within: 3,
            ordered: true,
            ..
        })
    ));
    let default = parse("a NEAR b", Role::Term).unwrap();
    assert!(matches!(
        default,
        Query::Span(Span::Near {
            within: DEFAULT_NEAR,
            ..
        })
    ));

    let all = parse("forced labo* AND NOT (gulag* OR nazi*)", Role::Term).unwrap();
    let Query::All(parts) = all else { panic!("{all:?}") };
    assert!(matches!(parts[0], Query::Span(_)));
    assert!(matches!(&parts[1], Query::Not { written, .. } if written == "(gulag* OR nazi*)"));
    // `a NOT b` is `a AND NOT b`.
    assert_eq!(
        parse("forced labo* NOT gulag*", Role::Term).unwrap(),
        parse("forced labo* AND NOT gulag*", Role::Term).unwrap()
    );
    // OR over a Boolean part is not a span.
    let any = parse("(a AND b) OR c", Role::Term).unwrap();
    assert!(matches!(any, Query::Any(ref p) if p.len() == 2));
    let either = parse("(a NEAR/2 b) OR c", Role::Term).unwrap();
    assert!(matches!(either, Query::Span(Span::Either(ref s)) if s.len() == 2));
}

#[test]
fn each_mistake_is_reported_at_its_token() {
    let cases: &[(&str, Role, usize, &str)] = &[
        ("", Role::Term, 0, "no letters or digits"),
        (" -- ", Role::Term, 1, "no letters or digits"),
        ("\"\"", Role::Term, 0, "no letters or digits"),
        ("*", Role::Term, 0, "a '*' needs letters"),
        ("human traf*icking", Role::Term, 6, "may only start or end a word"),
        ("forced w*", Role::Term, 7, "at least 2 letters before '*'"),
        ("x *arb", Role::Term, 2, "at least 5 letters"),
        ("\"human trafficking", Role::Term, 0, "quote is not closed"),
        ("(forced | made NEAR/4 work", Role::Term, 0, "'(' is not closed"),
        ("forced) labour", Role::Term, 6, "')' has no '('"),
        ("forced ()", Role::Term, 8, "empty parentheses"),
        ("forced NEAR/21 labour", Role::Term, 7, "from 0 to 20"),
        ("forced NEAR/x labour", Role::Term, 7, "from 0 to 20"),
        (
            "forced near/4 labour",
            Role::Term,
            7,
            "operators are written in capitals (NEAR/4)",
        ),
        ("forced NEAR", Role::Term, 7, "NEAR needs a word"),
        (
            "NEAR/3 labour",
            Role::Term,
            0,
            "NEAR/3 needs a word, phrase or group before it",
        ),
        ("forced AND", Role::Term, 7, "AND needs a word"),
        ("a OR", Role::Term, 2, "OR needs a word"),
        ("a | | b", Role::Term, 2, "| needs a word, phrase or group after it"),
        ("NOT gulag", Role::Term, 0, "NOT must follow something"),
        ("a OR NOT b", Role::Term, 5, "NOT must follow something"),
        ("a AND NOT NOT b", Role::Term, 6, "NOT must follow something"),
        ("a AND b OR c", Role::Term, 8, "AND and OR mixed"),
        ("a OR b AND c", Role::Term, 2, "AND and OR mixed"),
        ("(a AND b) NEAR/3 c", Role::Term, 10, "NEAR/3 joins words"),
        ("a NEAR (b NOT c)", Role::Term, 2, "NEAR joins words"),
        ("human (a NEAR b)", Role::Term, 6, "cannot be part of a phrase"),
        ("drug AND traffick*", Role::Exclude, 5, "cannot use AND"),
        ("drug NOT traffick*", Role::Exclude, 5, "cannot use NOT"),
        ("(a AND b) OR c", Role::Exclude, 3, "cannot use AND"),
    ];
    for (rule, role, at, message) in cases {
        let e = parse(rule, *role).unwrap_err();
        assert_eq!(e.at, *at, "{rule:?}: {e}");
        assert!(e.to_string().contains(message), "{rule:?}: {e}");
    }
    let deep = format!("{}a{}", "(".repeat(20), ")".repeat(20));
    assert!(parse(&deep, Role::Term).unwrap_err().to_string().contains("nested"));
    let wide = "(a|b) (c|d) (e|f) (g|h) (i|j) (k|l) (m|n)";
    assert!(parse(wide, Role::Term).unwrap_err().to_string().contains("128 phrases"));
}

#[test]
fn excludes_may_use_groups_and_proximity_and_contexts_anything() {
    for rule in ["drug traffick*", "(drug*|arms|icon*) NEAR/3 traffick*", "a | b"] {
        assert!(parse(rule, Role::Exclude).is_ok(), "{rule:?}");
    }
    for rule in ["gulag* OR (nazi* AND camp*)", "sentenc* NEAR/5 (hours|community)"] {
        assert!(parse(rule, Role::Context).is_ok(), "{rule:?}");
    }
}
