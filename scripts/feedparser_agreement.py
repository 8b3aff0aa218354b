#!/usr/bin/env python3
"""Agreement with feedparser on feedparser's own test files.

Each test file of feedparser's suite opens with a comment holding
`Expect:`, a Python expression over feedparser's result. This script picks
the files whose expectation concerns only entry titles, links, dates or
counts, serves each over HTTP on 127.0.0.1 (with the file's own
`Header: Content-type` when it gives one), and

1. parses the served file with feedparser and evaluates the expectation,
   to know which files feedparser itself passes;
2. polls it through thbwatch (a fresh database per file: `thbwatch poll`),
   republishes it (`thbwatch export --all`, Atom), parses that with
   feedparser and evaluates the same expectation on it. `bozo` stands for
   "thbwatch had to repair the document" there, since a republished
   document is always well-formed.

It prints, by folder, how many files were selected, how many feedparser
passes, and on how many of those thbwatch agrees.

Usage (from the repository root, after `cargo build`):

    scripts/feedparser_agreement.py CORPUS_DIR
    scripts/feedparser_agreement.py --details CORPUS_DIR   # each disagreement
    scripts/feedparser_agreement.py --thbwatch PATH CORPUS_DIR
    scripts/feedparser_agreement.py --min 90 CORPUS_DIR      # exit 1 below 90 %
    scripts/feedparser_agreement.py --list CORPUS_DIR        # the files agreed on

CORPUS_DIR is feedparser's `tests/` folder (or any folder below it). The
server listens on port 8097 by default, as feedparser's own suite does,
because some expectations name that address.

Needs python3 with feedparser (`pip install feedparser`).
"""

import argparse
import collections
import concurrent.futures
import http.server
import json
import os
import re
import subprocess
import sys
import tempfile
import threading

import feedparser

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# What an expectation may read of an entry to count as "titles, links,
# dates or counts"; of `links`, only `href` or the count. Dates are the
# parsed ones: the text of a date as written (`published`) and creation
# dates (`created`) are reported apart, since a republished Atom 1.0 feed
# writes RFC 3339 and has no creation date.
ENTRY_KEYS = {"title", "link", "links", "published_parsed", "updated_parsed"}
DATE_TEXT_KEYS = {"published", "updated", "created", "created_parsed"}
ENTRY_REF = re.compile(r"entries\[(\d)\](?:\[['\"](\w+)['\"]\]|\.(\w+))((?:\[[^\]]+\])*)")
ALLOWED_WORDS = {"X", "not", "and", "or", "bozo", "None", "True", "False", "u", "len", "in"}


def expectation(text):
    """The `Expect:` expression and the `Header: Content-type` of a test file."""
    head = text[:4096]
    expect = re.search(r"Expect:\s*(.*)", head)
    content_type = re.search(r"Header:\s*Content-type:\s*(.*)", head, re.IGNORECASE)
    return (
        expect.group(1).strip() if expect else None,
        content_type.group(1).strip() if content_type else None,
    )


def classify(expect):
    """"basics" for an expectation that reads only entry titles, links,
    parsed dates or counts; "date text" when it also reads the text of a
    date or a creation date; None otherwise."""
    if "entries" not in expect:
        return None
    group = "basics"
    for _, key1, key2, rest in ENTRY_REF.findall(expect):
        key = key1 or key2
        if key in DATE_TEXT_KEYS:
            group = "date text"
        elif key not in ENTRY_KEYS:
            return None
        if key == "links" and rest and not rest.endswith("['href']"):
            return None
    rest = ENTRY_REF.sub("X", expect)
    rest = re.sub(r"len\((X|entries)\)", "X", rest)
    words = set(re.findall(r"\b[A-Za-z_]\w*\b", re.sub(r"'[^']*'|\"[^\"]*\"", "", rest)))
    return None if words - ALLOWED_WORDS else group


def about_title_markup(expect, original):
    """Whether an expectation wants a title in HTML form (with tags or
    character references) where feedparser reads the title as HTML:
    thbwatch's titles are plain text by design."""
    entries = original.get("entries") or []
    html = any(
        e.get("title_detail", {}).get("type") in ("text/html", "application/xhtml+xml") for e in entries
    )
    literals = re.findall(r"'[^']*'|\"[^\"]*\"", expect)
    markup = re.compile(r"<[A-Za-z!/]|&#?\w+;")
    return "title" in expect and html and any(markup.search(literal) for literal in literals)


def select(corpus):
    """(relative path, expectation, content type, group) of each selected file."""
    chosen = []
    for root, _, files in os.walk(corpus):
        for name in sorted(files):
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
            expect, content_type = expectation(text)
            group = expect and classify(expect)
            if group:
                chosen.append((os.path.relpath(path, corpus), expect, content_type, group))
    return sorted(chosen)


def evaluate(expect, result, bozo=None):
    """Evaluates an expectation as feedparser's suite does; False on error."""
    scope = dict(result)
    if bozo is not None:
        scope["bozo"] = bozo
    try:
        return bool(eval(expect, {}, scope))  # noqa: S307 - the corpus's own expressions
    except Exception:
        return False


def serve(corpus, port, content_types):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            relative = self.path.split("?")[0].lstrip("/")
            path = os.path.join(corpus, relative)
            if ".." in relative.split("/") or not os.path.isfile(path):
                self.send_error(404)
                return
            with open(path, "rb") as f:
                body = f.read()
            self.send_response(200)
            self.send_header("Content-Type", content_types.get(relative) or "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


CONFIG = """[server]
listen = "127.0.0.1:0"
[storage]
path = "thb.db"
[poll]
schedule = "0 0 1 1 *"
host_interval = "0s"
[sources.case]
url = "{url}"
[tags.none]
terms = ["no such term in any test file"]
"""


def thbwatch_reading(binary, url):
    """(exported Atom, whether thbwatch repaired the document, poll line)."""
    with tempfile.TemporaryDirectory() as dir:
        config = os.path.join(dir, "config.toml")
        with open(config, "w") as f:
            f.write(CONFIG.format(url=url))
        run = lambda *args: subprocess.run(  # noqa: E731
            [binary, "--config", config, *args], capture_output=True, text=True, timeout=60
        )
        poll = run("poll")
        health = json.loads(run("sources", "--json").stdout or "{}")
        source = (health.get("sources") or [{}])[0]
        exported = run("export", "--all").stdout
        return exported, bool(source.get("warning")), poll.stdout.strip() or poll.stderr.strip()


def folder_of(relative):
    parts = relative.split(os.sep)
    return os.sep.join(parts[:2]) if parts[0] == "wellformed" and len(parts) > 2 else parts[0]


def table(title, results):
    """Selected, passed by feedparser, agreed by thbwatch: by folder."""
    by_folder = collections.OrderedDict()
    for r in results:
        counts = by_folder.setdefault(folder_of(r["file"]), [0, 0, 0])
        counts[0] += 1
        counts[1] += r["feedparser"]
        counts[2] += r["feedparser"] and r["thbwatch"]
    print(f"\n{title}\n{'folder':<28} {'selected':>8} {'feedparser':>10} {'thbwatch':>8} {'agreement':>9}")
    total = [0, 0, 0]
    for folder, counts in sorted(by_folder.items()):
        print(row(folder, counts))
        total = [t + c for t, c in zip(total, counts)]
    print(row("all", total))


def row(name, counts):
    selected, passes, agrees = counts
    share = f"{100 * agrees / passes:.1f} %" if passes else "-"
    return f"{name:<28} {selected:>8} {passes:>10} {agrees:>8} {share:>9}"


GROUPS = [
    ("basics", "Entry titles, links, parsed dates and counts"),
    ("title markup", "Apart: HTML markup inside titles (thbwatch's titles are plain text)"),
    ("date text", "Apart: dates as written, creation dates (republished as RFC 3339 Atom 1.0)"),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", help="feedparser's tests/ folder, or a folder below it")
    parser.add_argument("--thbwatch", default=os.path.join(REPO, "target", "debug", "thbwatch"))
    parser.add_argument("--port", type=int, default=8097)
    parser.add_argument("--details", action="store_true", help="print every disagreement")
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument("--min", type=float, help="fail when the headline agreement is below this (percent)")
    parser.add_argument("--list", action="store_true", help="print the files agreed on, by group")
    args = parser.parse_args()
    if not os.path.exists(args.thbwatch):
        sys.exit(f"no thbwatch binary at {args.thbwatch} (run cargo build, or pass --thbwatch)")

    corpus = os.path.abspath(args.corpus)
    chosen = select(corpus)
    content_types = {relative.replace(os.sep, "/"): ct for relative, _, ct, _ in chosen if ct}
    server = serve(corpus, args.port, content_types)
    base = f"http://127.0.0.1:{args.port}/"

    def score(case):
        relative, expect, _, group = case
        url = base + relative.replace(os.sep, "/")
        original = feedparser.parse(url)
        if group == "basics" and about_title_markup(expect, original):
            group = "title markup"
        exported, repaired, poll = thbwatch_reading(args.thbwatch, url)
        republished = feedparser.parse(exported)
        return {
            "file": relative,
            "expect": expect,
            "group": group,
            "feedparser": evaluate(expect, original),
            "thbwatch": evaluate(expect, republished, bozo=repaired),
            "poll": poll,
            "got": [{"title": e.get("title"), "link": e.get("link")} for e in republished.entries[:2]],
        }

    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(score, chosen))
    server.shutdown()

    for group, title in GROUPS:
        table(title, [r for r in results if r["group"] == group])
    if args.list:
        print("\nAgreed on:")
        for r in results:
            if r["feedparser"] and r["thbwatch"]:
                print(f"{r['group']}\t{r['file']}")
    if args.details:
        print("\nDisagreements on files feedparser passes:")
        for r in results:
            if r["feedparser"] and not r["thbwatch"]:
                print(f"- [{r['group']}] {r['file']}\n    expect: {r['expect'][:160]}")
                print(f"    poll: {r['poll'][:200]}\n    got: {r['got']}")
    basics = [r for r in results if r["group"] == "basics" and r["feedparser"]]
    agreement = 100 * sum(r["thbwatch"] for r in basics) / len(basics) if basics else 0.0
    if args.min is not None and agreement < args.min:
        print(f"\nagreement {agreement:.1f} % is below {args.min} %")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
