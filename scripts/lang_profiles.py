#!/usr/bin/env python3
"""Writes src/lang/profiles.rs: the trigram profiles (300 most frequent
trigrams, most frequent first) and alphabets of the languages thbwatch
detects, taken from whatlang 0.18.0 (MIT; whatlang derives its profiles
from franc's, built from the Universal Declaration of Human Rights).

Usage: scripts/lang_profiles.py PATH/TO/whatlang-0.18.0 > src/lang/profiles.rs
"""
import re
import sys

LANGS = ["Eng", "Rus", "Deu", "Pol", "Nob", "Dan", "Swe", "Fin", "Lit", "Lav", "Est", "Ukr", "Bel", "Fra", "Nld"]


def profiles(source):
    found = {}
    for block in re.finditer(r"\(\s*Lang::(\w+),\s*&\[(.*?)\]\s*,?\s*\)", source, re.S):
        lang, body = block.group(1), block.group(2)
        trigrams = re.findall(r"Trigram\('(\\'|[^'])', '(\\'|[^'])', '(\\'|[^'])'\)", body)
        found.setdefault(lang, ["".join(c.replace("\\'", "'") for c in t) for t in trigrams])
    return found


def alphabets(*sources):
    found = {}
    for source in sources:
        for name, letters in re.findall(r'const (\w{3}): &str =\s*"([^"]*)";', source):
            found[name.capitalize()] = letters
    return found


def main():
    root = sys.argv[1]
    read = lambda p: open(f"{root}/src/{p}", encoding="utf-8").read()
    trigrams = profiles(read("trigrams/profiles.rs"))
    letters = alphabets(read("alphabets/latin.rs"), read("alphabets/cyrillic.rs"))
    out = [
        "//! Trigram profiles and alphabets of the candidate languages, generated",
        "//! by scripts/lang_profiles.py from whatlang 0.18.0 (MIT), whose profiles",
        "//! derive from franc's (the Universal Declaration of Human Rights). Each",
        "//! profile is 300 trigrams of 3 characters, most frequent first.",
        "",
        "/// (ISO 639-1 code, Cyrillic script, trigrams, alphabet).",
        "pub(super) const PROFILES: &[(&str, bool, &str, &str)] = &[",
    ]
    codes = {"Eng": "en", "Rus": "ru", "Deu": "de", "Pol": "pl", "Nob": "no", "Dan": "da", "Swe": "sv",
             "Fin": "fi", "Lit": "lt", "Lav": "lv", "Est": "et", "Ukr": "uk", "Bel": "be", "Fra": "fr", "Nld": "nl"}
    for lang in LANGS:
        t = trigrams[lang]
        assert len(t) == 300 and all(len(x) == 3 for x in t), lang
        cyrillic = lang in ("Rus", "Ukr", "Bel")
        joined = "".join(t).replace("\\", "\\\\").replace('"', '\\"')
        out.append(f'    ("{codes[lang]}", {str(cyrillic).lower()}, "{joined}", "{letters[lang]}"),')
    out.append("];")
    print("\n".join(out))


main()
