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

The vocabulary has three kinds of table (vocabulary/README.md):
- [[term]]: a concept in one language. Its `rules` (queries in thbwatch's
  rule language: word families with `*`, compounds, NEAR/ONEAR for verbal
  wording) become terms of the concept's tag, with the tags of `also`. A
  term without `rules` becomes one phrase of its word prefixes, each ending
  in `*`, except words that stand whole in every one of its forms ("in",
  "w", "людьми"); a form those prefixes miss (checked with a Python model of
  thbwatch's matching) is added as a phrase of its own, and a negative they
  match is added to the tag's `exclude`.
- [[exclude]]: occurrences a tag's terms must not count (goods next to the
  word "trafficking").
- [[context]]: what in an item cancels a tag (`unless`: historical or penal
  forced labour, child sexual abuse as such).
Text and rules are folded alike by thbwatch (case, diacritics, ł ø æ ð þ ß
ё), so no spelling variants without diacritics are needed. thbwatch's own
test suite (tests/it/vocabulary.rs) checks every term's `forms` and
`negatives` against the real engine, and the labelled development set
(tests/fixtures/eval/) measures the whole.

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


PLAIN_RE = re.compile(r"^[^()|\"]*$")
OPERATORS = {"AND", "OR", "NOT", "NEAR", "ONEAR"}


def is_plain(rule: str) -> bool:
    """A rule the Python model can evaluate: a phrase of whole words and
    prefixes (no operators, groups, quotes or leading `*`)."""
    if not PLAIN_RE.match(rule):
        return False
    for word in rule.split():
        if word.startswith("*") or word in OPERATORS or word.split("/")[0] in OPERATORS:
            return False
    return True


def term_rules(t: dict) -> list[str]:
    rules = t.get("rules")
    if rules is None:
        return [term_phrase(t)]
    if not isinstance(rules, list) or not all(isinstance(r, str) and r.strip() for r in rules):
        raise SystemExit(f"term {t.get('canonical')!r} ({t.get('lang')}): `rules` must be a list of non-empty strings")
    if not rules and not t.get("note"):
        raise SystemExit(f"term {t.get('canonical')!r} ({t.get('lang')}): `rules = []` needs a `note` saying why")
    return rules


def check_table(kind: str, entry: dict, keys: tuple[str, ...]) -> None:
    missing = [k for k in keys if k not in entry]
    if missing:
        raise SystemExit(f"a [[{kind}]] table lacks {', '.join(missing)}: {entry!r}")
    tag = entry.get("tag")
    if tag is not None and tag not in TAGS:
        raise SystemExit(f"a [[{kind}]] table names the tag {tag!r}, not one of {', '.join(TAGS)}")


def build_tags(vocab: dict):
    """tag -> lang -> [(entry, [(rule, also)])], the excludes and contexts per
    tag (lang, rule, why), and a report."""
    terms = vocab["term"]
    report = {"extra_forms": [], "negatives_excluded": [], "dupes": 0}
    langs = sorted({t["lang"] for t in terms})
    grouped = {tag: OrderedDict((l, []) for l in langs) for tag in TAGS}
    seen = {tag: set() for tag in TAGS}
    plain_words = {tag: [] for tag in TAGS}  # the model's view of a tag's plain phrases
    excludes = {tag: [] for tag in TAGS}
    contexts = {tag: [] for tag in TAGS}

    for kind, target in (("exclude", excludes), ("context", contexts)):
        for e in vocab.get(kind, []):
            check_table(kind, e, ("tag", "lang", "rules"))
            for r in e["rules"]:
                target[e["tag"]].append((e["lang"], r, e.get("note", kind)))

    def excluded_words(tag: str) -> list:
        return [parse_phrase(p) for _, p, _ in excludes[tag] if is_plain(p)]

    def add(tag: str, rule: str) -> bool:
        key = " ".join(rule.lower().split())
        if key in seen[tag]:
            report["dupes"] += 1
            return False
        seen[tag].add(key)
        if is_plain(rule):
            plain_words[tag].append(parse_phrase(rule))
        return True

    for t in terms:
        check_table("term", t, ("lang", "concept", "canonical"))
        concept = t["concept"]
        if concept not in CONCEPT_TO_TAG:
            raise SystemExit(f"unknown concept {concept!r} in term {t['canonical']!r}")
        tag, lang = CONCEPT_TO_TAG[concept], t["lang"]
        also = t.get("also", [])
        for other in also:
            if other not in TAGS or other == tag:
                raise SystemExit(f"term {t['canonical']!r} ({lang}): `also` names {other!r}")
        out = [(r, also) for r in term_rules(t) if add(tag, r)]
        if "rules" not in t:
            for form in t.get("forms", []):
                form = clean(form)
                if not tagged(plain_words[tag], excluded_words(tag), form):
                    # The prefixes miss this form: it becomes a phrase of its own.
                    if add(tag, form):
                        out.append((form, also))
                        report["extra_forms"].append((tag, lang, form))
        grouped[tag][lang].append((t, out))

    for t in terms:
        if "rules" in t:
            continue  # checked against the real engine by tests/it/vocabulary.rs
        tag = CONCEPT_TO_TAG[t["concept"]]
        for neg in t.get("negatives", []):
            n = clean(neg)
            if tagged(plain_words[tag], excluded_words(tag), n):
                excludes[tag].append((t["lang"], n, "a vocabulary negative the terms would match"))
                report["negatives_excluded"].append((tag, t["lang"], n))
    return grouped, excludes, contexts, report


def render_rule(rule: str, also: list[str]) -> str:
    if not also:
        return toml_str(rule)
    return "{ term = " + toml_str(rule) + ", also = [" + ", ".join(toml_str(a) for a in also) + "] }"


def render(terms, grouped, excludes, contexts) -> str:
    """The generated section, markers included."""
    L = [
        f"{BEGIN_MARKER}: scripts/vocabulary_to_config.py rewrites everything from",
        "# this line to the END line from vocabulary/thb-terms.toml; edit the vocabulary",
        "# (or add rules of your own outside these lines), not the rules below.",
        f"# {len(terms)} vocabulary terms in the rule language (docs/rules.md): word families,",
        "# compounds, proximity for verbal wording; excludes for goods, contexts for",
        "# historical and penal senses. \"unverified\" = not confirmed in an",
        "# authoritative text. Measured on tests/fixtures/eval/ (`thbwatch eval`).",
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
            for t, rules in entries:
                if not rules:
                    continue
                bits = [t["concept"]]
                if not t.get("verified", False):
                    bits.append("unverified")
                note = f"{clean(t['canonical'])} ({', '.join(bits)})"
                for i, (r, also) in enumerate(rules):
                    why = note if i == 0 else ("a form the prefixes miss" if "rules" not in t else "")
                    L.append(f"  {render_rule(r, also)}," + (f"  # {comment(why)}" if why else ""))
        L.append("]")
        for key, items in (("exclude", excludes[tag]), ("unless", contexts[tag])):
            if not items:
                continue
            L.append(f"{key} = [")
            last = None
            for lg, r, why in items:
                note = f"{lg}: {why}"
                L.append(f"  {toml_str(r)}," + (f"  # {comment(note)}" if note != last else ""))
                last = note
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
        rules = [x["term"] if isinstance(x, dict) else x for x in t.get("terms", [])]
        low = [" ".join(x.lower().split()) for x in rules]
        if len(set(low)) != len(low):
            errors.append(f"tag {tag}: duplicate terms (case-insensitive)")
        for x in rules + list(t.get("exclude", [])) + list(t.get("unless", [])):
            if not tokens(x):
                errors.append(f"tag {tag}: {x!r} has no words")
            if x.count("(") != x.count(")") or x.count('"') % 2:
                errors.append(f"tag {tag}: {x!r}: unbalanced parentheses or quotes")
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


def summary(path: Path, terms, grouped, excludes, contexts, report) -> None:
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
        log(
            f"  {tag}: {sum(per.values())} terms ({' '.join(f'{l}={per[l]}' for l in sorted(per) if per[l])}),"
            f" {len(excludes[tag])} excludes, {len(contexts[tag])} contexts"
        )
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
    grouped, excludes, contexts, report = build_tags(vocab)
    new = splice(args.config, old, render(terms, grouped, excludes, contexts))
    validate(args.config, new)
    summary(args.vocabulary, terms, grouped, excludes, contexts, report)
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
