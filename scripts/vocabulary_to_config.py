#!/usr/bin/env python3
"""Generate thbwatch's default config.toml from the research vocabulary.

Usage (from the repository root):

    python3 scripts/vocabulary_to_config.py ../shared/vocabulary/thb-terms.toml > config.toml

The whole configuration (header, [server], [storage], [poll], [feed], the
sources below and the four [tags.*] tables) is written to stdout.  A summary
of what was skipped, and term counts, go to stderr so that the redirect above
yields a clean file.  The output is parsed back with tomllib and checked
before anything is printed; on failure the script exits with status 1.

The matching engine matches every term as a PLAIN PHRASE: case-insensitive,
whole words, consecutive words (any non-alphanumeric characters between words
are separators), no stemming, no wildcards, no diacritic folding.  The
vocabulary's `prefixes` are therefore not used directly; instead each term
contributes its cleaned canonical phrase and its real inflected `forms`, plus
diacritic-free spellings where the vocabulary's folded prefixes differ from
the prefixes.

Option --core-phrases (off by default): also add, for every form, the part of
it that the vocabulary's own prefixes match ("Center mod Menneskehandel" ->
"Menneskehandel", "о торговле людьми" -> "торговле людьми"), which raises
recall of the plain-phrase engine towards what the research's prefix model
would match.

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

# Forms longer than this many words are dropped when a shorter phrase of the
# same term occurs inside them (the shorter phrase already matches).
MAX_WORDS = 4

# Letters that do not decompose under NFKD, folded explicitly.
EXPLICIT_FOLDS = {
    "ł": "l", "Ł": "L",
    "ø": "o", "Ø": "O",
    "æ": "ae", "Æ": "Ae",
    "ð": "d", "Ð": "D",
    "þ": "th", "Þ": "Th",
    "ß": "ss", "ẞ": "SS",
    "ё": "е", "Ё": "Е",
}

# Letters whose NFKD decomposition is NOT a diacritic a publisher would drop
# (Cyrillic short i is a letter of its own): kept as they are.
PROTECTED = {"й", "Й"}

# A parenthetical remark preceded by whitespace, e.g. " (NOT trafficking)".
REMARK_RE = re.compile(r"\s+\([^()]*\)")
# An optional suffix glued to a word, e.g. "menneskehandler(e)".
OPTIONAL_SUFFIX_RE = re.compile(r"(\w)\(([^()\s]+)\)")


def log(*args: object) -> None:
    print(*args, file=sys.stderr)


def tokens(phrase: str) -> list[str]:
    """Words as the engine sees them: maximal runs of alphanumerics, lowercased."""
    out, cur = [], []
    for ch in phrase:
        if ch.isalnum():
            cur.append(ch)
        elif cur:
            out.append("".join(cur))
            cur = []
    if cur:
        out.append("".join(cur))
    return [t.lower() for t in out]


def key(phrase: str) -> tuple[str, ...]:
    """Engine-equivalence key: two phrases with the same key match the same text."""
    return tuple(tokens(phrase))


def contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    n = len(needle)
    if n == 0 or n > len(haystack):
        return False
    return any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


def fold(s: str) -> str:
    """Drop diacritics: NFKD, remove combining marks, explicit folds."""
    out = []
    for ch in s:
        if ch in PROTECTED:
            out.append(ch)
            continue
        ch = EXPLICIT_FOLDS.get(ch, ch)
        for c in unicodedata.normalize("NFKD", ch):
            if not unicodedata.combining(c):
                out.append(c)
    return unicodedata.normalize("NFC", "".join(out))


def clean(s: str) -> str:
    s = unicodedata.normalize("NFC", s)
    s = REMARK_RE.sub("", s)
    return " ".join(s.split())


def expand_optional_suffix(s: str) -> list[str]:
    """'menneskehandler(e)' -> ['menneskehandler', 'menneskehandlere']."""
    m = OPTIONAL_SUFFIX_RE.search(s)
    if not m:
        return [s]
    without = s[: m.start()] + m.group(1) + s[m.end() :]
    with_ = s[: m.start()] + m.group(1) + m.group(2) + s[m.end() :]
    return expand_optional_suffix(without) + expand_optional_suffix(with_)


def canonical_phrases(canonical: str) -> list[str]:
    """Clean a canonical heading into the phrases it stands for.

    Canonicals are headings, not text: 'a / b' lists alternatives (the shorter
    ones borrow the trailing words of the longest, so 'fórnarlömb / þolendur
    mansals' gives 'fórnarlömb mansals' and 'þolendur mansals', never the bare
    'fórnarlömb' = 'victims'); 'x/y rest' lists alternatives for one word.
    Forms, on the other hand, are real text and are kept as written.
    """
    s = clean(canonical)
    alts = [a.strip() for a in s.split(" / ")] if " / " in s else [s]
    longest = max((a.split() for a in alts), key=len)
    padded = []
    for a in alts:
        words = a.split()
        if len(words) < len(longest):
            words = words + longest[len(words) :]
        padded.append(" ".join(words))
    out = []
    for a in padded:
        words = a.split()
        variants = [[]]
        for w in words:
            choices = w.split("/") if "/" in w else [w]
            variants = [v + [c] for v in variants for c in choices if c]
        for v in variants:
            out.extend(expand_optional_suffix(" ".join(v)))
    return [p for p in out if p]


def matches_prefixes(phrase: str, prefixes_folded: list[str]) -> bool:
    """The research matching model: consecutive folded tokens start with the prefixes."""
    toks = [fold(t) for t in tokens(phrase)]
    pf = [fold(p.lower()) for p in prefixes_folded]
    n = len(pf)
    return any(
        all(toks[i + j].startswith(pf[j]) for j in range(n))
        for i in range(len(toks) - n + 1)
    )


def core_phrase(phrase: str, prefixes_folded: list[str]) -> str | None:
    """The words of `phrase` that the research model matches, as written in it.

    E.g. "Center mod Menneskehandel" -> "Menneskehandel", "о торговле людьми"
    -> "торговле людьми". None when the prefixes do not match the phrase.
    """
    spans = [m.span() for m in re.finditer(r"[^\W_]+", phrase)]
    toks = [fold(phrase[a:b].lower()) for a, b in spans]
    pf = [fold(p.lower()) for p in prefixes_folded]
    n = len(pf)
    for i in range(len(toks) - n + 1):
        if all(toks[i + j].startswith(pf[j]) for j in range(n)):
            return phrase[spans[i][0] : spans[i + n - 1][1]]
    return None


def toml_str(s: str) -> str:
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
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


def build_tags(terms: list[dict], core: bool = False):
    """Return (tag -> lang -> list of (term, [phrases])), excludes, report)."""
    report = {
        "long_skipped": [],  # (lang, canonical, form, because)
        "long_kept": [],
        "dupes": 0,
        "folded_added": 0,
        "negatives_kept": [],  # (tag, lang, negative, matched term)
        "negatives_skipped": [],  # (tag, lang, negative)
        "odd": [],
        "core_added": [],  # (lang, form, core phrase)
    }
    langs = sorted({t["lang"] for t in terms})
    grouped = {tag: OrderedDict((l, []) for l in langs) for tag in TAGS}
    seen = {tag: {} for tag in TAGS}  # key -> first spelling
    langs_of = {tag: {} for tag in TAGS}  # key -> languages that listed it

    for t in terms:
        concept = t["concept"]
        if concept not in CONCEPT_TO_TAG:
            raise SystemExit(f"unknown concept {concept!r} in term {t['canonical']!r}")
        tag = CONCEPT_TO_TAG[concept]
        lang = t["lang"]

        canon = canonical_phrases(t["canonical"])
        forms = [clean(f) for f in t.get("forms", [])]
        candidates = []
        for p in canon + forms:
            if p and tokens(p):
                candidates.append(p)

        # Long forms subsumed by a shorter phrase of the same term.
        kept = []
        for p in candidates:
            k = key(p)
            if len(k) > MAX_WORDS:
                shorter = [q for q in candidates if len(key(q)) < len(k) and contains(k, key(q))]
                if shorter:
                    report["long_skipped"].append((lang, t["canonical"], p, shorter[0]))
                    continue
                if (lang, t["canonical"], p) not in report["long_kept"]:
                    report["long_kept"].append((lang, t["canonical"], p))
            kept.append(p)

        if core:
            extra = []
            have = {key(p) for p in kept}
            for p in kept:
                c = core_phrase(p, t["prefixes_folded"])
                if c and key(c) not in have:
                    have.add(key(c))
                    extra.append(c)
                    report["core_added"].append((lang, p, c))
            kept = kept + extra

        phrases = list(kept)
        if [p.lower() for p in t["prefixes"]] != [p.lower() for p in t["prefixes_folded"]]:
            for p in kept:
                f = fold(p)
                if key(f) != key(p):
                    phrases.append(f)
                    report["folded_added"] += 1

        for p in kept:
            if not matches_prefixes(p, t["prefixes_folded"]):
                report["odd"].append(
                    f"{lang} {t['canonical']!r}: phrase {p!r} does not match the term's own "
                    f"prefixes_folded {t['prefixes_folded']}"
                )

        out = []
        for p in phrases:
            k = key(p)
            if k in seen[tag]:
                report["dupes"] += 1
                if lang not in langs_of[tag][k]:
                    langs_of[tag][k].append(lang)
                continue
            seen[tag][k] = p
            langs_of[tag][k] = [lang]
            out.append(p)
        grouped[tag][lang].append((t, out))

    # Negatives: keep only those that contain one of the tag's own terms.
    excludes = {tag: [] for tag in TAGS}
    for t in terms:
        tag = CONCEPT_TO_TAG[t["concept"]]
        for neg in t.get("negatives", []):
            n = clean(neg)
            nk = key(n)
            hit = next((seen[tag][k] for k in seen[tag] if contains(nk, k)), None)
            if hit is None:
                report["negatives_skipped"].append((tag, t["lang"], neg))
            elif n.lower() not in (e[1].lower() for e in excludes[tag]):
                excludes[tag].append((t["lang"], n))
                report["negatives_kept"].append((tag, t["lang"], neg, hit))

    # Smuggling must never leak into trafficking.
    smug = set(seen["smuggling"])
    for k in seen["trafficking"]:
        for s in smug:
            if contains(k, s):
                raise SystemExit(f"smuggling term {seen['smuggling'][s]!r} inside trafficking term {seen['trafficking'][k]!r}")

    report["langs_of"] = langs_of
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
# - Tag terms are plain phrases: matched case-insensitively as whole,
#   consecutive words (any non-alphanumeric characters between words count as
#   separators); no stemming, no wildcards, no diacritic folding. So every
#   inflected form and every spelling without diacritics must be listed.
#   `exclude` phrases cancel a tag's match when they occur in the same field.
"""

FIXED = """\
[server]
listen = "127.0.0.1:8080"
base_url = "http://127.0.0.1:8080/"

[storage]
path = "thbwatch.db"

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
    L.append("# Per term: its canonical phrase and inflected forms, plus spellings without")
    L.append("# diacritics where the language has them. \"unverified\" = not confirmed in an")
    L.append("# authoritative text during the research: check IATE before relying on it.")
    L.append("# Migrant smuggling is a different crime and is never tagged as trafficking.")
    L.append("# ---------------------------------------------------------------------------")
    for tag, label in TAGS.items():
        L.append("")
        L.append(f"[tags.{tag}]")
        L.append(f"label = {toml_str(label)}")
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
                canon = clean(t["canonical"])
                bits = [t["concept"]]
                if not t.get("verified", False):
                    bits.append("unverified")
                L.append(f"  # {comment(canon)} ({', '.join(bits)})")
                note = t.get("note", "")
                if re.search(r"FALSE.POSITIVE|different topic", note):
                    L.append(f"  #   {comment(note)}")
                for p in phrases:
                    others = [l for l in report["langs_of"][tag][key(p)] if l != lang]
                    also = f"  # also {', '.join(others)}" if others else ""
                    L.append(f"  {toml_str(p)},{also}")
        L.append("]")
        skipped = [(lg, n) for (tg, lg, n) in report["negatives_skipped"] if tg == tag]
        if excludes[tag]:
            L.append("exclude = [")
            for lg, n in excludes[tag]:
                L.append(f"  {toml_str(n)},  # {lg}")
            L.append("]")
        else:
            if skipped:
                L.append("# Vocabulary negatives not used as exclude (they contain none of this tag's")
                L.append("# terms, so the terms cannot match them, and as excludes they would only")
                L.append("# suppress true matches in the same field):")
                for lg, n in skipped:
                    L.append(f"#   {lg}: {comment(n)}")
            L.append("exclude = []")
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
        if set(t) - {"label", "terms", "exclude"}:
            errors.append(f"tag {tag}: unexpected keys")
        if not t.get("label"):
            errors.append(f"tag {tag}: no label")
        if not t.get("terms"):
            errors.append(f"tag {tag}: no terms")
        low = [x.lower() for x in t["terms"]]
        if len(set(low)) != len(low):
            errors.append(f"tag {tag}: duplicate terms (case-insensitive)")
        keys = [key(x) for x in t["terms"]]
        if len(set(keys)) != len(keys):
            errors.append(f"tag {tag}: terms equivalent for the engine")
        if any(not k for k in keys):
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
    core = "--core-phrases" in args
    args = [a for a in args if a != "--core-phrases"]
    if len(args) != 1 or args[0] in ("-h", "--help"):
        log(__doc__)
        return 2
    path = args[0]
    with open(path, "rb") as f:
        vocab = tomllib.load(f)
    terms = vocab["term"]
    grouped, excludes, report = build_tags(terms, core)
    text = render(terms, grouped, excludes, report, path.split("/")[-1])
    validate(text)

    # Summary (stderr, so stdout stays a clean config.toml).
    log(f"vocabulary: {len(terms)} terms from {path}")
    log(f"long forms (> {MAX_WORDS} words) skipped, subsumed by a shorter phrase of the same term:")
    if not report["long_skipped"]:
        log("  (none)")
    for lang, canon, p, by in report["long_skipped"]:
        log(f"  {lang}: {p!r}  (covered by {by!r})")
    log("long forms kept (no shorter phrase of the term inside them):")
    if not report["long_kept"]:
        log("  (none)")
    for lang, canon, p in report["long_kept"]:
        log(f"  {lang}: {p!r}")
    log(f"diacritic-free variants added: {report['folded_added']}; duplicates dropped: {report['dupes']}")
    log("negatives kept as exclude:")
    if not report["negatives_kept"]:
        log("  (none)")
    for tag, lang, n, hit in report["negatives_kept"]:
        log(f"  [{tag}] {lang}: {n!r} (contains term {hit!r})")
    log("negatives skipped (contain none of their tag's terms):")
    for tag, lang, n in report["negatives_skipped"]:
        log(f"  [{tag}] {lang}: {n!r}")
    if core:
        log(f"core phrases added (--core-phrases): {len(report['core_added'])}")
        for lang, p, c in report["core_added"]:
            log(f"  {lang}: {c!r}  (from {p!r})")
    if report["odd"]:
        log("vocabulary oddities (phrase vs. the term's own prefixes):")
        for o in report["odd"]:
            log("  " + o)
    log("terms per tag / language:")
    all_lang = Counter()
    for tag in TAGS:
        per = Counter()
        for lang, entries in grouped[tag].items():
            per[lang] += sum(len(p) for _, p in entries)
        all_lang.update(per)
        detail = " ".join(f"{l}={per[l]}" for l in sorted(per) if per[l])
        log(f"  {tag}: {sum(per.values())}  ({detail})")
    log("  per language, all tags: " + " ".join(f"{l}={all_lang[l]}" for l in sorted(all_lang)))
    log(f"  total: {sum(all_lang.values())}")

    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
