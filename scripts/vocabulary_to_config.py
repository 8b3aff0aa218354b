#!/usr/bin/env python3
"""Regenerate the default rules in config.toml from the vocabulary.

Usage (from anywhere):

    python3 scripts/vocabulary_to_config.py [--vocabulary FILE] [--config FILE] [--check]

FILE defaults are the repository's vocabulary/thb-terms.toml and
config.toml. Only the generated rules section of the configuration is
rewritten: the lines from the line starting with BEGIN_MARKER (below) to the
line starting with END_MARKER, both included. Everything before and after
(the header, [server], [poll], the sources, notification channels, tags
written by hand) is kept byte for byte. The file is replaced atomically,
and only after the new text has been parsed back with tomllib and checked;
on any failure nothing is written and the script exits with status 1.
With --check nothing is written: the exit status is 1 when the section is
not what the vocabulary generates, 0 when it is.

A summary of what was added or skipped, and term counts, go to stderr.

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

import argparse
import os
import re
import sys
import tempfile
import tomllib
import unicodedata
from collections import Counter, OrderedDict
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent

# The lines that delimit the generated section of config.toml.
BEGIN_MARKER = "# BEGIN generated rules"
END_MARKER = "# END generated rules"

# ---------------------------------------------------------------------------
# Tags: concept -> tag, as in vocabulary/README.md.
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


def render(terms, grouped, excludes) -> str:
    """The generated section, markers included."""
    L = [
        f"{BEGIN_MARKER}: scripts/vocabulary_to_config.py rewrites everything from",
        "# this line to the END line from vocabulary/thb-terms.toml; edit the vocabulary",
        "# (or add rules of your own outside these lines), not the rules below.",
        f"# One phrase per vocabulary term ({len(terms)} terms), from its word prefixes.",
        "# \"unverified\" = not confirmed in an authoritative text: check IATE first.",
        "# Migrant smuggling is a different crime and is never tagged as trafficking.",
        "# ---------------------------------------------------------------------------",
    ]
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
    L.append(END_MARKER)
    return "\n".join(L) + "\n"


def splice(config_path: Path, text: str, section: str) -> str:
    """`text` with its generated section replaced by `section`; exits with
    a message naming the file when the markers are missing or repeated."""
    lines = text.splitlines(keepends=True)
    begins = [i for i, line in enumerate(lines) if line.startswith(BEGIN_MARKER)]
    ends = [i for i, line in enumerate(lines) if line.startswith(END_MARKER)]
    if len(begins) != 1 or len(ends) != 1 or ends[0] < begins[0]:
        raise SystemExit(
            f"{config_path}: expected one line starting with {BEGIN_MARKER!r} and, after it, one "
            f"starting with {END_MARKER!r} (found {len(begins)} and {len(ends)}); "
            "nothing written"
        )
    return "".join(lines[: begins[0]]) + section + "".join(lines[ends[0] + 1 :])


def validate(config_path: Path, text: str) -> None:
    """The new file parses, and the generated tags are there as generated."""
    try:
        cfg = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise SystemExit(f"{config_path}: the new text would not parse ({e}); nothing written")
    errors = []
    tags = cfg.get("tags", {})
    for tag in TAGS:
        t = tags.get(tag)
        if t is None:
            errors.append(f"tag {tag}: missing")
            continue
        if not t.get("label"):
            errors.append(f"tag {tag}: no label")
        if not t.get("terms"):
            errors.append(f"tag {tag}: no terms")
        low = [x.lower() for x in t.get("terms", [])]
        if len(set(low)) != len(low):
            errors.append(f"tag {tag}: duplicate terms (case-insensitive)")
        if any(not parse_phrase(x) for x in t.get("terms", [])):
            errors.append(f"tag {tag}: term without words")
    if errors:
        for e in errors:
            log(f"{config_path}: INVALID: {e}")
        raise SystemExit(1)


def write_atomically(path: Path, text: str) -> None:
    """Replaces `path` in one step, keeping its permissions."""
    mode = path.stat().st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def summary(path: Path, terms, grouped, report) -> None:
    """What was generated, on stderr."""
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


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description="Regenerate the default rules section of config.toml from the vocabulary."
    )
    parser.add_argument("--vocabulary", type=Path, default=REPOSITORY / "vocabulary" / "thb-terms.toml")
    parser.add_argument("--config", type=Path, default=REPOSITORY / "config.toml")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when the section is out of date")
    args = parser.parse_args(argv[1:])
    try:
        with open(args.vocabulary, "rb") as f:
            vocab = tomllib.load(f)
        old = args.config.read_text(encoding="utf-8")
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise SystemExit(f"cannot read the input: {e}")
    terms = vocab.get("term")
    if not isinstance(terms, list) or not terms:
        raise SystemExit(f"{args.vocabulary}: no [[term]] tables")
    grouped, excludes, report = build_tags(terms)
    new = splice(args.config, old, render(terms, grouped, excludes))
    validate(args.config, new)
    summary(args.vocabulary, terms, grouped, report)
    if args.check:
        if new != old:
            log(f"{args.config}: the generated rules are not what the vocabulary gives; run without --check")
            return 1
        log(f"{args.config}: the generated rules are up to date")
        return 0
    if new == old:
        log(f"{args.config}: unchanged")
    else:
        write_atomically(args.config, new)
        log(f"{args.config}: generated rules rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
