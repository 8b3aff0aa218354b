#!/usr/bin/env python3
"""Random damage sweep: how many damaged feeds thbwatch still reads.

Builds realistic ministry news feeds (RSS 2.0 as WordPress and Drupal
write it, Atom 1.0, RSS 1.0/RDF; HTML in descriptions, CDATA, several
languages), damages each copy the way broken CMSs, proxies and editors do
(truncation, a bare `&`, a dropped or mis-nested end tag, garbage, an
unescaped `<`, an HTML entity, a control character, a second root, a cut
out span), serves them all over HTTP on 127.0.0.1, polls them once with
`thbwatch poll`, and reads what was stored.

It prints the share of damaged feeds that end with items recovered, and
checks that nothing was invented: every word of a stored title, and every
stored link, is in the damaged document as served (a damage that fell
inside a title or link is the document's own text). It also counts the
titles stored exactly as the undamaged feed had them.

Usage (from the repository root, after `cargo build`):

    scripts/damage_sweep.py                  # 600 cases, seed 22
    scripts/damage_sweep.py --cases 600 --seed 7 --thbwatch PATH
    scripts/damage_sweep.py --keep DIR       # keep the damaged documents
    scripts/damage_sweep.py --min 95         # exit 1 below 95 % read

It exits 1 when anything was invented (or the share read is below --min).

Needs only python3.
"""

import argparse
import collections
import html
import http.server
import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import urllib.parse

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

TITLES = [
    "Police arrest three suspects in human trafficking investigation",
    "Valsts policija aiztur cilvēku tirdzniecības grupējumu",
    "Prekyba žmonėmis: sulaikyti trys įtariamieji",
    "Inimkaubanduse ohvrite abistamise aruanne avaldatud",
    "Menschenhandel: Bundespolizei nimmt Schleuser fest",
    "Торговля людьми: задержаны трое подозреваемых",
    "Ihmiskaupan vastainen toimintasuunnitelma hyväksytty",
    "Regeringen skärper straffen för människohandel",
    "Minister meets Baltic counterparts on border security",
    "Annual report on migration and asylum published",
    "Polisen varnar för bedrägerier med falska fakturor",
    "Politi: ny rapport om tvangsarbeid i byggebransjen",
]
BODIES = [
    "<p>The suspects were held after a joint operation with <a href=\"https://europol.example/op?id=7&amp;lang=en\">Europol</a>.</p>",
    "<p>Ministri aicina rīkoties.</p><ul><li>Pirmais</li><li>Otrais</li></ul>",
    "<p>Pranešimas spaudai.<br/>Daugiau informacijos – <em>netrukus</em>.</p>",
    "<p>Lisätietoja: <strong>poliisi</strong> &amp; rajavartiolaitos.</p>",
]


def escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def items(rng, count, site):
    out = []
    for n in range(count):
        title = rng.choice(TITLES)
        out.append({
            "title": title,
            "link": f"{site}news/{n + 1}-{rng.randrange(10**6)}",
            "body": rng.choice(BODIES),
            "day": 1 + n % 28,
        })
    return out


def wordpress(entries, site):
    body = "".join(
        f"<item>\n<title>{escape(e['title'])}</title>\n<link>{e['link']}</link>\n"
        f"<pubDate>Mon, {e['day']:02d} Jun 2026 10:00:00 +0300</pubDate>\n"
        f"<dc:creator><![CDATA[Press office]]></dc:creator>\n<guid isPermaLink=\"false\">{e['link']}?p</guid>\n"
        f"<description><![CDATA[{e['body']}]]></description>\n"
        f"<content:encoded><![CDATA[{e['body']}]]></content:encoded>\n</item>\n"
        for e in entries
    )
    return (
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" "
        "xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n"
        f"<channel>\n<title>Ministry of the Interior</title>\n<link>{site}</link>\n<language>en</language>\n"
        f"{body}</channel>\n</rss>\n"
    )


def drupal(entries, site):
    body = "".join(
        f"  <item>\n    <title>{escape(e['title'])}</title>\n    <link>{e['link']}</link>\n"
        f"    <description>{escape(e['body'])}</description>\n"
        f"    <pubDate>Tue, {e['day']:02d} Jun 2026 08:30:00 +0000</pubDate>\n"
        f"    <guid isPermaLink=\"true\">{e['link']}</guid>\n  </item>\n"
        for e in entries
    )
    return (
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\" xml:base=\"" + site + "\">\n"
        f"  <channel>\n    <title>State Police</title>\n    <link>{site}</link>\n{body}  </channel>\n</rss>\n"
    )


def atom(entries, site):
    body = "".join(
        f"<entry>\n<title type=\"html\">{escape(escape(e['title']))}</title>\n"
        f"<link rel=\"alternate\" type=\"text/html\" href=\"{e['link']}\"/>\n<id>{e['link']}</id>\n"
        f"<updated>2026-06-{e['day']:02d}T10:00:00Z</updated>\n"
        f"<content type=\"html\">{escape(e['body'])}</content>\n</entry>\n"
        for e in entries
    )
    return (
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"en\">\n"
        f"<title>Government news</title>\n<link rel=\"alternate\" href=\"{site}\"/>\n<id>{site}</id>\n"
        f"<updated>2026-06-28T10:00:00Z</updated>\n{body}</feed>\n"
    )


def rdf(entries, site):
    seq = "".join(f"<rdf:li rdf:resource=\"{e['link']}\"/>" for e in entries)
    body = "".join(
        f"<item rdf:about=\"{e['link']}\">\n<title>{escape(e['title'])}</title>\n<link>{e['link']}</link>\n"
        f"<description>{escape(e['body'])}</description>\n<dc:date>2026-06-{e['day']:02d}T10:00:00+02:00</dc:date>\n</item>\n"
        for e in entries
    )
    return (
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "
        "xmlns=\"http://purl.org/rss/1.0/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n"
        f"<channel rdf:about=\"{site}rss\">\n<title>Border Guard</title>\n<link>{site}</link>\n"
        f"<description>News</description>\n<items><rdf:Seq>{seq}</rdf:Seq></items>\n</channel>\n{body}</rdf:RDF>\n"
    )


FORMATS = [wordpress, drupal, atom, rdf]

GARBAGE = [
    "<br />\n<b>Warning</b>: Cannot modify header information in /var/www/feed.php on line 3\n",
    "\x00\x01\x02",
    "<<",
    "]]>",
    "<div class=\"ad\">",
    "&nbsp;",
    "\ufffd\ufffd",
    "<?php echo $x; ?>",
]


def damage(doc, rng):
    """One random damage; returns (damaged document, what was done)."""
    kind = rng.choice([
        "truncate", "ampersand", "drop end tag", "garbage", "less-than", "html entity",
        "control character", "second root", "cut span", "mis-nest", "drop start tag",
    ])
    text_spots = [m.start() + 1 for m in re.finditer(r">[^<>\s]", doc)]
    spot = rng.choice(text_spots) if text_spots else len(doc) // 2
    if kind == "truncate":
        at = rng.randrange(len(doc) // 3, len(doc))
        return doc[:at], kind
    if kind == "ampersand":
        return doc[:spot] + rng.choice(["R&D ", "& ", "AT&T ", "a&b"]) + doc[spot:], kind
    if kind == "drop end tag":
        ends = [m for m in re.finditer(r"</[^>]+>", doc)]
        m = rng.choice(ends)
        return doc[:m.start()] + doc[m.end():], kind
    if kind == "drop start tag":
        starts = [m for m in re.finditer(r"<[A-Za-z][^>]*>", doc)][1:]
        m = rng.choice(starts)
        return doc[:m.start()] + doc[m.end():], kind
    if kind == "garbage":
        at = rng.randrange(len(doc))
        return doc[:at] + rng.choice(GARBAGE) + doc[at:], kind
    if kind == "less-than":
        return doc[:spot] + rng.choice(["1 < 2 ", "<3 ", "a <b c "]) + doc[spot:], kind
    if kind == "html entity":
        return doc[:spot] + rng.choice(["&eacute;", "&mdash;", "&nbsp;", "&copy;"]) + doc[spot:], kind
    if kind == "control character":
        return doc[:spot] + rng.choice(["\x01", "\x0b", "\x1b"]) + doc[spot:], kind
    if kind == "second root":
        return doc + doc, kind
    if kind == "cut span":
        at = rng.randrange(len(doc) - 10)
        return doc[:at] + doc[at + rng.randrange(5, 200):], kind
    # mis-nest: swap two adjacent end tags
    pairs = [m for m in re.finditer(r"(</[^>]+>)(\s*)(</[^>]+>)", doc)]
    if not pairs:
        return doc[: len(doc) // 2], "truncate"
    m = rng.choice(pairs)
    return doc[:m.start()] + m.group(3) + m.group(2) + m.group(1) + doc[m.end():], kind


def build(count, seed):
    """(id, damaged document, original entries, damage kinds)."""
    rng = random.Random(seed)
    cases = []
    for n in range(count):
        site = f"https://ministry{n}.example/"
        entries = items(rng, rng.randrange(3, 11), site)
        doc = rng.choice(FORMATS)(entries, site)
        kinds = []
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            doc, kind = damage(doc, rng)
            kinds.append(kind)
        cases.append((f"case{n:04d}", doc, entries, kinds, site))
    return cases


def serve(cases):
    documents = {f"/{cid}": doc.encode("utf-8", "surrogatepass") for cid, doc, *_ in cases}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = documents.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def words(text):
    return set(re.findall(r"\w+", text.lower()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=600)
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--thbwatch", default=os.path.join(REPO, "target", "debug", "thbwatch"))
    parser.add_argument("--keep", help="write the damaged documents into this folder")
    parser.add_argument("--min", type=float, help="fail when fewer than this share (percent) end with items")
    args = parser.parse_args()
    if not os.path.exists(args.thbwatch):
        sys.exit(f"no thbwatch binary at {args.thbwatch} (run cargo build, or pass --thbwatch)")

    cases = build(args.cases, args.seed)
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
        for cid, doc, _, kinds, _ in cases:
            with open(os.path.join(args.keep, cid + ".xml"), "w", encoding="utf-8", errors="surrogatepass") as f:
                f.write(doc)
    server = serve(cases)
    port = server.server_address[1]
    with tempfile.TemporaryDirectory() as work:
        config = os.path.join(work, "config.toml")
        with open(config, "w") as f:
            f.write("[server]\nlisten = \"127.0.0.1:0\"\n[storage]\npath = \"thb.db\"\n")
            f.write("[poll]\nschedule = \"0 0 1 1 *\"\nhost_interval = \"0s\"\n")
            for cid, *_ in cases:
                f.write(f"[sources.{cid}]\nurl = \"http://127.0.0.1:{port}/{cid}\"\n")
            f.write("[tags.trafficking]\nterms = [\"human trafficking\"]\n")
        subprocess.run([args.thbwatch, "--config", config, "poll"], capture_output=True, timeout=900)
        health = json.loads(subprocess.run(
            [args.thbwatch, "--config", config, "sources", "--json"], capture_output=True, text=True
        ).stdout)
        db = sqlite3.connect(os.path.join(work, "thb.db"))
        stored = collections.defaultdict(list)
        for source, title, link in db.execute("SELECT source_id, title, link FROM items"):
            stored[source].append((title, link))
    server.shutdown()

    by_id = {s["id"]: s for s in health["sources"]}
    recovered = warned = exact = altered = invented = total_items = 0
    errors = collections.Counter()
    kinds_failed = collections.Counter()
    kinds_all = collections.Counter()
    for cid, doc, entries, kinds, site in cases:
        for kind in set(kinds):
            kinds_all[kind] += 1
        source = by_id.get(cid, {})
        if stored[cid]:
            recovered += 1
        else:
            for kind in set(kinds):
                kinds_failed[kind] += 1
            errors[(source.get("last_error") or "ok, 0 items")[:70]] += 1
        warned += bool(source.get("warning"))
        titles_by_link = {e["link"]: e["title"] for e in entries}
        # The document's text with its escaping undone (Atom titles here
        # are escaped twice) and without the characters XML forbids, with
        # and without its processing instructions (which XML readers skip,
        # or not): what a stored title or link may be made of.
        unescaped = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", html.unescape(html.unescape(doc)))
        text = unescaped + "\n" + re.sub(r"<\?.*?\?>", "", unescaped)
        known_words = words(text)
        for title, link in stored[cid]:
            total_items += 1
            # A relative link resolves against the feed's site, which may be
            # damaged too: every piece of the path must come from the text.
            path = urllib.parse.unquote(urllib.parse.urlsplit(link or "").path or "")
            link_ok = link is None or link == site or all(part in text for part in path.split("/"))
            title_ok = title == "(untitled)" or words(title) <= known_words
            if not (link_ok and title_ok):
                invented += 1
                print(f"invented in {cid}: {title!r} {link!r} ({kinds})")
            elif titles_by_link.get(link) == title:
                exact += 1
            else:
                altered += 1

    print(f"binary: {args.thbwatch}")
    print(f"damaged feeds: {len(cases)} (seed {args.seed})")
    print(f"ended with items recovered: {recovered} ({100 * recovered / len(cases):.1f} %)")
    print(f"of those, with a repair warning: {warned}")
    print(f"items stored: {total_items}; with the undamaged feed's title and link: {exact}; "
          f"carrying damage that fell inside them: {altered}; invented: {invented}")
    print("\nshare failed by damage kind:")
    for kind, n in sorted(kinds_all.items()):
        print(f"  {kind:<18} {kinds_failed[kind]:>4} of {n:>4} failed")
    print("\nwhy the others failed:")
    for error, n in errors.most_common(12):
        print(f"  {n:>4}  {error}")
    share = 100 * recovered / len(cases)
    if args.min is not None and share < args.min:
        print(f"\n{share:.1f} % read is below {args.min} %")
        return 1
    return 1 if invented else 0


if __name__ == "__main__":
    sys.exit(main())
