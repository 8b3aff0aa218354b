#!/usr/bin/env python3
"""Writes tests/fixtures/encodings/*.xml: one RSS item per legacy encoding,
encoded by Python's codecs (an implementation independent of the one
thbwatch decodes with). Each file declares its encoding the way the test
serves it: in the XML declaration, or not at all (the HTTP charset then
says it), or by a byte-order mark.

Run from the repository root: python3 scripts/make_encoding_fixtures.py
"""
from pathlib import Path

LATVIAN = "Cilvēku tirdzniecība: āčēģīķļņšūž ĀČĒĢĪĶĻŅŠŪŽ"
LITHUANIAN = "Prekyba žmonėmis: ąčęėįšųūž ĄČĘĖĮŠŲŪŽ"
RUSSIAN = "Торговля людьми: ёЁ жщъ ЖЩЪ"
GERMAN = "Menschenhandel: äöüß ÄÖÜ æøå ÆØÅ ðþ"

# (file, codec, declared encoding or None, title, description)
CASES = [
    ("windows-1257.xml", "cp1257", "windows-1257", LATVIAN, LITHUANIAN),
    ("iso-8859-13.xml", "iso8859_13", None, LATVIAN, LITHUANIAN),
    ("iso-8859-4.xml", "iso8859_4", "ISO-8859-4", LATVIAN, LITHUANIAN),
    ("iso-8859-1.xml", "latin_1", None, GERMAN, GERMAN),
    ("windows-1251.xml", "cp1251", "utf-8", RUSSIAN, RUSSIAN),  # the HTTP charset must win
    ("koi8-r.xml", "koi8_r", "KOI8-R", RUSSIAN, RUSSIAN),
    ("utf-16le-bom.xml", "utf-16-le", "UTF-16", LATVIAN, RUSSIAN),
    ("utf-16be-bom.xml", "utf-16-be", "UTF-16", LITHUANIAN, RUSSIAN),
]


def document(name, declared, title, description):
    decl = f'<?xml version="1.0" encoding="{declared}"?>\n' if declared else ""
    return (
        f"{decl}<rss version=\"2.0\"><channel><title>{title}</title>"
        f"<link>https://example.org/</link>"
        f"<item><guid isPermaLink=\"false\">1</guid><title>{title}</title>"
        f"<description>{description}</description>"
        f"<link>https://example.org/{name}</link></item></channel></rss>\n"
    )


def main():
    out = Path("tests/fixtures/encodings")
    out.mkdir(parents=True, exist_ok=True)
    for name, codec, declared, title, description in CASES:
        data = document(name, declared, title, description).encode(codec)
        if codec.startswith("utf-16"):
            bom = b"\xff\xfe" if codec.endswith("le") else b"\xfe\xff"
            data = bom + data
        (out / name).write_bytes(data)


if __name__ == "__main__":
    main()
