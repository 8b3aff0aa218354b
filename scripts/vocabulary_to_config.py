#!/usr/bin/env python3
"""Generate thbwatch's default config.toml from the research vocabulary.

Usage (from the repository root):

    python3 scripts/vocabulary_to_config.py ../shared/vocabulary/thb-terms.toml > config.toml

The whole configuration (header, [server], [storage], [poll], [feed], the
sources below and the four [tags.*] tables) is written to stdout.  A summary
of what was skipped, and term counts, go to stderr so that the redirect above
yields a clean file.  The output is parsed back with tomllib and checked
before anything is printed; on failure the script exits with status 1.

Each vocabulary term becomes one rule phrase in thbwatch's rule language:
its word prefixes, each ending in `*` (matches any word starting with it),
except words that stand whole in every one of the term's forms ("in", "w",
"людьми"), which match whole words only. Text and rules are folded alike by
thbwatch (case, diacritics, ł ø æ ð þ ß ё), so no spelling variants are
needed. The script then checks, with a Python model of the same matching:
- every `forms` entry matches its term's tag (a form the prefixes miss is
  added as a phrase of its own and reported);
- every `negatives` entry does not: a negative that a tag's phrases match is
  added to that tag's `exclude`;
- no migrant-smuggling form is tagged as trafficking.
thbwatch's own test suite (tests/vocabulary.rs) checks the same against the
real engine.

Requires Python 3.11+ (tomllib).
"""

from __future__ import annotations

import re
import sys
import tomllib
import unicodedata
from collections import Counter, OrderedDict

# ---------------------------------------------------------------------------
# Sources (hand-written from /work/shared/SOURCES.md; one entry per table row,
# first URL of each row).  `status` is "seen" (address appears in public code
# or documentation) or "pattern" (follows a platform's known path scheme: a
# guess).  `comment` lines are copied above the [sources.ID] table.
# ---------------------------------------------------------------------------
SOURCES = [
    {
        "id": "cbss",
        "url": "https://cbss.org/feed/",
        "title": "Council of the Baltic Sea States",
        "language": "en",
        "country": None,
        "schedule": "0 * * * *",
        "status": "pattern",
        "comment": [
            "PATTERN (a guess): cbss.org runs WordPress and /feed/ is WordPress's standard",
            "RSS 2.0 path. Check first that it answers; the Atom variant would be",
            "https://cbss.org/feed/atom/. Format: WordPress RSS 2.0 (content:encoded,",
            "dc:creator, guid isPermaLink=\"false\" ?p=ID).",
            "schedule: example of a per-source override (hourly instead of [poll] schedule).",
        ],
    },
    {
        "id": "lv-interior",
        "url": "https://www.iem.gov.lv/lv/rss/articles",
        "title": "Latvia, Ministry of the Interior",
        "language": "lv",
        "country": "lv",
        "status": "seen",
        "comment": [
            "SEEN in public code/docs. Latvian government platform RSS; item links look",
            "like https://www.iem.gov.lv/lv/jaunums/<slug>.",
        ],
    },
    {
        "id": "lv-border-guard",
        "url": "https://www.rs.gov.lv/lv/rss/articles",
        "title": "Latvia, State Border Guard",
        "language": "lv",
        "country": "lv",
        "status": "seen",
        "comment": [
            "SEEN in public code/docs. Same Latvian government platform as lv-interior.",
        ],
    },
    {
        "id": "lt-interior",
        "url": "https://vrm.lrv.lt/lt/naujienos/rss/",
        "title": "Lithuania, Ministry of the Interior",
        "language": "lt",
        "country": "lt",
        "status": "seen",
        "comment": ["SEEN in public code/docs. RSS."],
    },
    {
        "id": "ee-government",
        "url": "https://valitsus.ee/rss-feeds/rss.xml",
        "title": "Estonia, Government",
        "language": "et",
        "country": "ee",
        "status": "seen",
        "comment": ["SEEN in public code/docs. Drupal RSS 2.0."],
    },
    {
        "id": "ee-interior",
        "url": "https://www.siseministeerium.ee/rss-feeds/rss.xml",
        "title": "Estonia, Ministry of the Interior",
        "language": "et",
        "country": "ee",
        "status": "pattern",
        "comment": [
            "PATTERN (a guess): same Drupal path as valitsus.ee (/rss-feeds/rss.xml).",
            "Check first that this address answers with a feed. Format: Drupal RSS 2.0.",
        ],
    },
    {
        "id": "fi-government",
        "url": "https://valtioneuvosto.fi/rss/tiedotteet.rss",
        "title": "Finland, Government",
        "language": "fi",
        "country": "fi",
        "status": "seen",
        "comment": ["SEEN in public code/docs. RSS (press releases, tiedotteet)."],
    },
    {
        "id": "se-police",
        "url": "https://polisen.se/aktuellt/rss/hela-landet/pressmeddelanden-hela-landet/",
        "title": "Sweden, Police",
        "language": "sv",
        "country": "se",
        "status": "seen",
        "comment": ["SEEN in public code/docs. RSS 2.0 (press releases, whole country)."],
    },
    {
        "id": "no-government",
        "url": "https://www.regjeringen.no/no/rss/Rss/2581966/",
        "title": "Norway, Government",
        "language": "no",
        "country": "no",
        "status": "seen",
        "comment": [
            "SEEN in public code/docs. RSS (Atom with ?format=atom on topic feeds).",
        ],
    },
    {
        "id": "is-government",
        "url": "https://www.stjornarradid.is/rss/frettir/",
        "title": "Iceland, Government",
        "language": "is",
        "country": "is",
        "status": "seen",
        "comment": ["SEEN in public code/docs. RSS (news, fréttir)."],
    },
    {
        "id": "dk-police-ritzau",
        "url": "https://via.ritzau.dk/rss/short-messages/latest",
        "title": "Denmark, Police (via Ritzau)",
        "language": "da",
        "country": "dk",
        "status": "seen",
        "comment": [
            "SEEN in public code/docs. RSS 2.0 with a non-standard <regulatory> element.",
        ],
    },
    {
        "id": "de-interior",
        "url": "https://www.bmi.bund.de/SiteGlobals/Functions/RSSFeed/DE/RSSNewsfeed/RSSNewsfeed.xml",
        "title": "Germany, Federal Ministry of the Interior",
        "language": "de",
        "country": "de",
        "status": "seen, but sources disagree",
        "comment": [
            "SEEN, BUT SOURCES DISAGREE about this address: check it first. RSS.",
        ],
    },
]

# ---------------------------------------------------------------------------
# Tags: concept -> tag, as in /work/shared/vocabulary/README.md.
# ---------------------------------------------------------------------------
TAGS = OrderedDict(
    [
        ("trafficking", "Trafficking in human beings"),
        ("forced-labour", "Forced labour and labour exploitation"),
        ("sexual-exploitation", "Sexual exploitation"),
        ("smuggling", "Migrant smuggling (a different crime from trafficking)"),
    ]
)

DESCRIPTIONS = {
    "trafficking": "Trafficking in human beings: the crime, its perpetrators and victims, and forced marriage.",
    "forced-labour": "Forced labour and labour exploitation.",
    "sexual-exploitation": "Sexual exploitation, including forced prostitution.",
    "smuggling": "Migrant smuggling. A different crime from trafficking: tagged on its own.",
}

# Phrases added to what the vocabulary gives, per tag: (lang, phrase, why).
EXTRA_TERMS = {
    "trafficking": [
        ("en", "traffick*", "sex trafficking, child trafficking, traffickers, trafficked; other kinds excluded below"),
    ],
}

# Excludes per tag: (lang, phrase, why).
EXTRA_EXCLUDES = {
    "trafficking": [
        ("en", p, "trafficking of goods, not people")
        for p in [
            "drug traffick*", "drugs traffick*", "narcotics traffick*", "cocaine traffick*",
            "heroin traffick*", "arms traffick*", "weapons traffick*", "firearms traffick*",
            "gun traffick*", "wildlife traffick*", "ivory traffick*", "cigarette traffick*",
            "tobacco traffick*", "fuel traffick*", "antiquities traffick*", "cultural goods traffick*",
            "traffick* in drug*", "traffick* of drug*", "traffick* in narcotic*", "traffick* of narcotic*",
            "traffick* in arms", "traffick* of arms", "traffick* in weapon*", "traffick* of weapon*",
            "traffick* in firearm*", "traffick* of firearm*", "traffick* in wildlife", "traffick* of wildlife",
        ]
    ],
    "smuggling": [
        ("et", p, "smuggling of goods, not migrants")
        for p in [
            "sigarettide smugeld*", "tubaka smugeld*", "alkoholi smugeld*", "kütuse smugeld*",
            "narkootikumide smugeld*", "relvade smugeld*",
        ]
    ],
}

CONCEPT_TO_TAG = {
    "thb": "trafficking",
    "thb_actor": "trafficking",
    "victim": "trafficking",
    "forced_marriage": "trafficking",
    "forced_labour": "forced-labour",
    "labour_exploitation": "forced-labour",
    "sexual_exploitation": "sexual-exploitation",
    "smuggling": "smuggling",
}

# Letters that do not decompose under NFKD, folded explicitly (as thbwatch
# folds them).
EXPLICIT_FOLDS = {
    "ß": "ss", "ẞ": "ss", "ł": "l", "ø": "o", "æ": "ae", "œ": "oe",
    "ð": "d", "đ": "d", "þ": "th", "ı": "i", "ſ": "s", "ё": "е",
}

# A parenthetical remark preceded by whitespace, e.g. " (bez diakritikas)".
REMARK_RE = re.compile(r"\s+\([^()]*\)")


def log(*args: object) -> None:
    print(*args, file=sys.stderr)


def fold(s: str) -> str:
    """A Python model of thbwatch's folding: NFKC, lower case, explicit
    folds, Latin diacritics removed (Cyrillic й kept)."""
    out = []
    for ch in unicodedata.normalize("NFKC", s).lower():
        ch = EXPLICIT_FOLDS.get(ch, ch)
        if len(ch) == 1 and ("\u00c0" <= ch <= "\u024f" or "\u1e00" <= ch <= "\u1eff"):
            ch = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        out.append(ch)
    return "".join(out)


def tokens(text: str) -> list[str]:
    """Folded words: maximal runs of letters and digits."""
    return re.findall(r"[^\W_]+", fold(text))


def clean(s: str) -> str:
    s = unicodedata.normalize("NFC", s)
    s = REMARK_RE.sub("", s)
    return " ".join(s.split())


def parse_phrase(phrase: str) -> list[tuple[str, bool]]:
    """(folded word, is_prefix) per word, as thbwatch reads a phrase."""
    words = []
    for segment in phrase.split():
        prefix = segment.endswith("*")
        toks = tokens(segment.rstrip("*"))
        words += [(t, False) for t in toks]
        if prefix and words:
            words[-1] = (words[-1][0], True)
    return words


def phrase_matches(words: list[tuple[str, bool]], text: str) -> bool:
    toks = tokens(text)
    n = len(words)
    return any(
        all(toks[i + j].startswith(w) if pre else toks[i + j] == w for j, (w, pre) in enumerate(words))
        for i in range(len(toks) - n + 1)
    )


def term_phrase(t: dict) -> str:
    """The rule phrase of a vocabulary term: its prefixes as written, each
    with '*', except short function words ("in", "w", "for", "á") that stand
    whole wherever the term occurs in its forms."""
    prefixes = t["prefixes"]
    folded = [tokens(p)[0] if tokens(p) else p.lower() for p in prefixes]
    spans = []
    for form in t.get("forms", []):
        toks = tokens(clean(form))
        for i in range(len(toks) - len(folded) + 1):
            if all(toks[i + j].startswith(f) for j, f in enumerate(folded)):
                spans.append(toks[i : i + len(folded)])
                break
    words = []
    for j, (written, f) in enumerate(zip(prefixes, folded)):
        function_word = len(f) <= 3 and bool(spans) and all(span[j] == f for span in spans)
        words.append(written if function_word else written + "*")
    return " ".join(words)


def occurrences(words: list[tuple[str, bool]], toks: list[str]) -> list[tuple[int, int]]:
    n = len(words)
    return [
        (i, i + n)
        for i in range(len(toks) - n + 1)
        if all(toks[i + j].startswith(w) if pre else toks[i + j] == w for j, (w, pre) in enumerate(words))
    ]


def tagged(terms: list, excludes: list, text: str) -> bool:
    """The Python model of a rule: a term occurrence no exclude covers."""
    toks = tokens(text)
    covers = [o for words in excludes for o in occurrences(words, toks)]
    return any(
        not any(a <= s and e <= b for a, b in covers)
        for words in terms
        for s, e in occurrences(words, toks)
    )


def toml_str(s: str) -> str:
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif o < 0x20 or o == 0x7F:
            out.append(f"\\u{o:04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def comment(s: str) -> str:
    """A single-line TOML comment body (no control characters)."""
    return "".join(ch if ch == "\t" or (ord(ch) >= 0x20 and ord(ch) != 0x7F) else " " for ch in s)


# ---------------------------------------------------------------------------


def build_tags(terms: list[dict]):
    """tag -> lang -> [(term, [phrases])], the excludes per tag, and a report."""
    report = {"extra_forms": [], "negatives_excluded": [], "dupes": 0}
    langs = sorted({t["lang"] for t in terms})
    grouped = {tag: OrderedDict((l, []) for l in langs) for tag in TAGS}
    phrases_of = {tag: [] for tag in TAGS}  # (folded words, phrase)
    excludes = {tag: [(lang, p, why) for lang, p, why in EXTRA_EXCLUDES.get(tag, [])] for tag in TAGS}

    def words_of(tag: str) -> list:
        return [w for w, _ in phrases_of[tag]]

    def excluded_words(tag: str) -> list:
        return [parse_phrase(p) for _, p, _ in excludes[tag]]

    def add(tag: str, phrase: str) -> bool:
        words = parse_phrase(phrase)
        if any(w == words for w, _ in phrases_of[tag]):
            report["dupes"] += 1
            return False
        phrases_of[tag].append((words, phrase))
        return True

    extras = {tag: OrderedDict((l, []) for l in langs) for tag in TAGS}
    for tag, items in EXTRA_TERMS.items():
        for lang, phrase, why in items:
            if add(tag, phrase):
                extras[tag][lang].append(({"canonical": why, "concept": "extra", "verified": True}, [phrase]))

    for t in terms:
        concept = t["concept"]
        if concept not in CONCEPT_TO_TAG:
            raise SystemExit(f"unknown concept {concept!r} in term {t['canonical']!r}")
        tag, lang = CONCEPT_TO_TAG[concept], t["lang"]
        phrase = term_phrase(t)
        out = [phrase] if add(tag, phrase) else []
        for form in t.get("forms", []):
            form = clean(form)
            if not tagged(words_of(tag), excluded_words(tag), form):
                # The prefixes miss this form: it becomes a phrase of its own.
                if add(tag, form):
                    out.append(form)
                    report["extra_forms"].append((tag, lang, form))
        grouped[tag][lang].append((t, out))
    for tag in TAGS:
        for lang, entries in extras[tag].items():
            grouped[tag][lang] = entries + grouped[tag][lang]

    for t in terms:
        tag = CONCEPT_TO_TAG[t["concept"]]
        for neg in t.get("negatives", []):
            n = clean(neg)
            if tagged(words_of(tag), excluded_words(tag), n):
                excludes[tag].append((t["lang"], n, "a vocabulary negative the terms would match"))
                report["negatives_excluded"].append((tag, t["lang"], n))

    # Every form must still be tagged with the excludes in place, and
    # migrant smuggling (a different crime) never as trafficking.
    for t in terms:
        tag = CONCEPT_TO_TAG[t["concept"]]
        for form in t.get("forms", []):
            if not tagged(words_of(tag), excluded_words(tag), clean(form)):
                raise SystemExit(f"form {form!r} is not tagged {tag} once excludes apply")
            if t["concept"] == "smuggling" and tagged(words_of("trafficking"), excluded_words("trafficking"), clean(form)):
                raise SystemExit(f"smuggling form {form!r} would be tagged as trafficking")
    return grouped, excludes, report


HEADER = """\
# thbwatch configuration
#
# thbwatch polls the news feeds listed under [sources.*], tags every item whose
# title or text contains one of the terms listed under [tags.*], and serves the
# tagged items as a combined feed. Check this file with `thbwatch check`: it
# parses it and validates every value without fetching anything. Unknown keys
# are errors.
#
# - Source ids are the keys of the [sources.ID] tables (lowercase ASCII
#   letters, digits and '-'); they appear in the output and in the database, so
#   keep them stable once the database holds items.
# - Schedules are cron expressions, either 5 fields "m h dom mon dow" (e.g.
#   "*/15 * * * *" = every 15 minutes) or 6 fields with seconds first
#   ("s m h dom mon dow", e.g. "0 */15 * * * *"). A source may override the
#   [poll] schedule with its own `schedule`.
# - A relative storage path is resolved against the folder of this file, not
#   against the current directory.
# - Tag terms are phrases of words, matched as consecutive words in an item's
#   title, summary, content or categories. A word ending in '*' matches any
#   word starting with it ("cilvēk* tirdzniecīb*" matches "cilvēku
#   tirdzniecības"); other words match whole words. Case and diacritics do not
#   matter ("zmonemis" = "žmonėmis", "ł" = "l", "ß" = "ss", "ё" = "е"), nor does
#   punctuation between words. `exclude` phrases cancel the occurrences of the
#   tag's terms they cover ("drug trafficking" cancels the "trafficking" in it).
#   Test a rule with `thbwatch match "some text"`.
"""

FIXED = """\
[server]
listen = "127.0.0.1:8080"
base_url = "http://127.0.0.1:8080/"

[storage]
path = "thbwatch.db"
retain_untagged = "90d"      # untagged items are pruned after 90 days; tagged ones kept

[poll]
schedule = "*/15 * * * *"
timeout = "30s"              # the whole request, body included
connect_timeout = "10s"
max_concurrent = 8           # requests in flight, all hosts together
host_interval = "1s"         # one request per host at a time, this far apart
max_body_bytes = 10485760    # decompressed; larger responses fail the poll
max_items = 2000             # entries kept from one document
backoff_base = "5m"          # wait after a first failure, doubling after each
backoff_max = "6h"           # the longest wait; polling never gives up
stale_after = "24h"          # no success for this long shows as "stale"
# user_agent = "thbwatch/0.1.0 (anti-trafficking news monitor)"

[feed]
title = "Trafficking in human beings — Baltic Sea Region news"
max_entries = 100

# Notifications about new tagged items (README, "Notifications"). Uncomment
# and fill in; secrets come from the environment or a file, never this one.
# [notify.analysts]
# kind = "email"
# smtp_host = "smtp.example.org"
# username = "thbwatch"
# password_env = "THBWATCH_SMTP_PASSWORD"
# from = "thbwatch@example.org"
# to = ["analysts@example.org"]
# digest = "0 8 * * 1-5"
#
# [notify.ops]
# kind = "webhook"
# url = "https://hooks.example.org/thbwatch"
# secret_file = "$CREDENTIALS_DIRECTORY/webhook-key"
# tags = ["trafficking", "forced-labour"]
"""


def render(terms, grouped, excludes, report, vocab_name: str) -> str:
    L = [HEADER, FIXED]

    L.append("")
    L.append("# ---------------------------------------------------------------------------")
    L.append("# Sources. None of these addresses could be fetched when this file was written:")
    L.append('# "seen" = the address appears in public code or documentation;')
    L.append('# "pattern" = it follows the platform\'s known path scheme and is a guess.')
    L.append("# Check the \"pattern\" ones (and the disputed German one) first.")
    L.append("# ---------------------------------------------------------------------------")
    for s in SOURCES:
        L.append("")
        for c in s["comment"]:
            L.append("# " + comment(c))
        L.append(f"[sources.{s['id']}]")
        L.append(f"url = {toml_str(s['url'])}")
        L.append(f"title = {toml_str(s['title'])}")
        L.append(f"language = {toml_str(s['language'])}")
        if s.get("country"):
            L.append(f"country = {toml_str(s['country'])}")
        if s.get("schedule"):
            L.append(f"schedule = {toml_str(s['schedule'])}")

    L.append("")
    L.append("# ---------------------------------------------------------------------------")
    L.append("# Tags. Generated by")
    L.append(f"#   python3 scripts/vocabulary_to_config.py ../shared/vocabulary/thb-terms.toml > config.toml")
    L.append(f"# from the research vocabulary ({comment(vocab_name)}); may be edited by hand")
    L.append("# (re-running the script overwrites the whole file).")
    L.append("# One phrase per vocabulary term, from its word prefixes. \"unverified\" = not")
    L.append("# confirmed in an authoritative text during the research: check IATE first.")
    L.append("# Migrant smuggling is a different crime and is never tagged as trafficking.")
    L.append("# ---------------------------------------------------------------------------")
    for tag, label in TAGS.items():
        L.append("")
        L.append(f"[tags.{tag}]")
        L.append(f"label = {toml_str(label)}")
        L.append(f"description = {toml_str(DESCRIPTIONS[tag])}")
        L.append("terms = [")
        first = True
        for lang, entries in grouped[tag].items():
            if not any(phr for _, phr in entries):
                continue
            if not first:
                L.append("")
            first = False
            L.append(f"  # {lang}")
            for t, phrases in entries:
                if not phrases:
                    continue
                bits = [t["concept"]] if t["concept"] != "extra" else ["added"]
                if not t.get("verified", False):
                    bits.append("unverified")
                note = f"{clean(t['canonical'])} ({', '.join(bits)})"
                for i, p in enumerate(phrases):
                    L.append(f"  {toml_str(p)},  # {comment(note) if i == 0 else 'a form the prefixes miss'}")
        L.append("]")
        if excludes[tag]:
            L.append("exclude = [")
            for lg, n, why in excludes[tag]:
                L.append(f"  {toml_str(n)},  # {lg}: {comment(why)}")
            L.append("]")
    L.append("")
    return "\n".join(L)


def validate(text: str) -> dict:
    cfg = tomllib.loads(text)
    errors = []
    allowed_top = {"server", "storage", "poll", "feed", "sources", "tags"}
    if set(cfg) - allowed_top:
        errors.append(f"unexpected top-level keys {set(cfg) - allowed_top}")
    src_keys = {"url", "title", "language", "country", "schedule"}
    for sid, s in cfg["sources"].items():
        if not re.fullmatch(r"[a-z0-9-]+", sid):
            errors.append(f"bad source id {sid!r}")
        if set(s) - src_keys:
            errors.append(f"source {sid}: unexpected keys {set(s) - src_keys}")
        if not s["url"].startswith("https://"):
            errors.append(f"source {sid}: url is not https")
    if list(cfg["tags"]) != list(TAGS):
        errors.append(f"tags are {list(cfg['tags'])}, expected {list(TAGS)}")
    for tag, t in cfg["tags"].items():
        if set(t) - {"label", "description", "terms", "exclude"}:
            errors.append(f"tag {tag}: unexpected keys")
        if not t.get("label"):
            errors.append(f"tag {tag}: no label")
        if not t.get("terms"):
            errors.append(f"tag {tag}: no terms")
        low = [x.lower() for x in t["terms"]]
        if len(set(low)) != len(low):
            errors.append(f"tag {tag}: duplicate terms (case-insensitive)")
        if any(not parse_phrase(x) for x in t["terms"]):
            errors.append(f"tag {tag}: term without words")
    if len(cfg["sources"]) != len(SOURCES):
        errors.append("source count mismatch")
    if errors:
        for e in errors:
            log("INVALID:", e)
        raise SystemExit(1)
    return cfg


def main(argv: list[str]) -> int:
    args = argv[1:]
    if len(args) != 1 or args[0] in ("-h", "--help"):
        log(__doc__)
        return 2
    path = args[0]
    with open(path, "rb") as f:
        vocab = tomllib.load(f)
    terms = vocab["term"]
    grouped, excludes, report = build_tags(terms)
    text = render(terms, grouped, excludes, report, path.split("/")[-1])
    validate(text)

    # Summary (stderr, so stdout stays a clean config.toml).
    log(f"vocabulary: {len(terms)} terms from {path}")
    log(f"forms the prefixes miss, added as phrases: {len(report['extra_forms'])}")
    for tag, lang, form in report["extra_forms"]:
        log(f"  [{tag}] {lang}: {form!r}")
    log(f"negatives the terms would match, added as exclude: {len(report['negatives_excluded'])}")
    for tag, lang, n in report["negatives_excluded"]:
        log(f"  [{tag}] {lang}: {n!r}")
    log(f"duplicate phrases dropped: {report['dupes']}")
    total = 0
    for tag in TAGS:
        per = Counter()
        for lang, entries in grouped[tag].items():
            per[lang] += sum(len(p) for _, p in entries)
        total += sum(per.values())
        log(f"  {tag}: {sum(per.values())} phrases ({' '.join(f'{l}={per[l]}' for l in sorted(per) if per[l])})")
    log(f"  total: {total}")
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
