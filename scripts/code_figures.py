#!/usr/bin/env python3
"""Figures about the shape of the code, for a checkout of thbwatch.

Prints, for the checkout at ROOT (default: the one holding this script):

- Rust files over 400 lines (src/, tests/, benches/, build.rs);
- functions over 80 lines, from the line of `fn` to the line of the brace
  that closes its body (test functions included; a nested function is
  counted on its own and inside its parent);
- `pub` items of the library (items of the files reachable from
  src/lib.rs, outside `#[cfg(test)]` code): those declared `pub` without a
  restriction, and `pub(crate)`, `pub(super)` and `pub(in ...)`/`pub(self)`
  apart; `pub` fields are counted apart from items;
- the integration-test binaries (tests/*.rs, tests/*/main.rs and [[test]]
  targets) and the bench binaries (the same for benches/ and [[bench]]);
- the imports between the top-level modules of src/ (`crate::x`, `super::`
  chains that leave a top-level module, `thbwatch::x` from src/main.rs),
  and the cycles among them. References from test code are listed apart and
  do not make a cycle.

`--check-cycles` exits with status 1 when the modules' imports (test code
aside) have a cycle; CI runs it. `--summary` prints only the figures.

The scanner reads Rust tokens: comments (nested block comments too),
strings, raw strings, byte strings, and character literals are skipped, so
a brace or `pub` inside them counts for nothing; lifetimes are told from
character literals by what follows the quote. Macro bodies are read as
ordinary tokens. Standard library only (Python 3.11+).
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

FILE_LINES = 400
FN_LINES = 80

ITEM_KEYWORDS = {
    "fn", "struct", "enum", "union", "trait", "type", "const", "static",
    "mod", "use", "extern", "macro",
}
# Words that may stand between a visibility and the item's keyword.
QUALIFIERS = {"async", "unsafe", "const", "extern", "default", "safe"}


# ---------------------------------------------------------------- tokens


@dataclass(frozen=True)
class Token:
    kind: str  # "ident", "punct", "lit", "life"
    text: str
    line: int


class ScanError(Exception):
    pass


def _ident_start(c: str) -> bool:
    return c == "_" or c.isalpha()


def _ident_char(c: str) -> bool:
    return c == "_" or c.isalnum()


def tokenize(src: str) -> list[Token]:
    """Rust source ─▶ tokens, comments and the insides of literals dropped."""
    toks: list[Token] = []
    i, n, line = 0, len(src), 1
    while i < n:
        c = src[i]
        if c == "\n":
            line += 1
            i += 1
            continue
        if c.isspace():
            i += 1
            continue
        if src.startswith("//", i):
            j = src.find("\n", i)
            i = n if j < 0 else j
            continue
        if src.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if src.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif src.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            line += src.count("\n", i, j)
            i = j
            continue
        start_line = line
        # Raw strings: r"..", r#".."#, br#".."#, cr#".."#.
        raw = _raw_string_end(src, i)
        if raw is not None:
            line += src.count("\n", i, raw)
            toks.append(Token("lit", "str", start_line))
            i = raw
            continue
        # Byte and C strings and byte characters: b"..", c"..", b'.'.
        if c in "bc" and i + 1 < n and src[i + 1] == '"':
            i += 1
            c = '"'
        elif c == "b" and i + 1 < n and src[i + 1] == "'":
            j = _char_end(src, i + 1)
            if j is not None:
                toks.append(Token("lit", "char", start_line))
                i = j
                continue
        if c == '"':
            j = i + 1
            while j < n and src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            line += src.count("\n", i, j)
            toks.append(Token("lit", "str", start_line))
            i = j + 1
            continue
        if c == "'":
            j = _char_end(src, i)
            if j is not None:
                toks.append(Token("lit", "char", start_line))
                i = j
                continue
            # A lifetime or a loop label.
            j = i + 1
            while j < n and _ident_char(src[j]):
                j += 1
            toks.append(Token("life", src[i:j], start_line))
            i = j
            continue
        if src.startswith("r#", i) and i + 2 < n and _ident_start(src[i + 2]):
            j = i + 2
            while j < n and _ident_char(src[j]):
                j += 1
            toks.append(Token("ident", src[i + 2 : j], start_line))
            i = j
            continue
        if _ident_start(c):
            j = i + 1
            while j < n and _ident_char(src[j]):
                j += 1
            toks.append(Token("ident", src[i:j], start_line))
            i = j
            continue
        if c.isdigit():
            j = i + 1
            while j < n and (_ident_char(src[j]) or (
                src[j] == "." and j + 1 < n and src[j + 1].isdigit()
                and src[j - 1] != "."
            )):
                j += 1
            toks.append(Token("lit", "num", start_line))
            i = j
            continue
        if src.startswith("::", i):
            toks.append(Token("punct", "::", start_line))
            i += 2
            continue
        toks.append(Token("punct", c, start_line))
        i += 1
    return toks


def _raw_string_end(src: str, i: int) -> int | None:
    """The index after a raw string starting at i, or None if none starts."""
    j = i
    if src.startswith(("br", "cr"), j):
        j += 2
    elif src.startswith("r", j):
        j += 1
    else:
        return None
    hashes = 0
    while j < len(src) and src[j] == "#":
        hashes, j = hashes + 1, j + 1
    if j >= len(src) or src[j] != '"':
        return None
    if i > 0 and _ident_char(src[i - 1]):
        return None  # the tail of an identifier, such as `bar"`
    close = '"' + "#" * hashes
    end = src.find(close, j + 1)
    if end < 0:
        raise ScanError("unterminated raw string")
    return end + len(close)


def _char_end(src: str, i: int) -> int | None:
    """The index after a character literal starting at the quote at i."""
    n = len(src)
    if i + 1 < n and src[i + 1] == "\\":
        j = i + 2
        if j < n and src[j] == "u" and j + 1 < n and src[j + 1] == "{":
            j = src.find("}", j) + 1
        else:
            j += 1
            # \x41 and friends
            while j < n and src[j] != "'" and j - i < 6:
                j += 1
        return j + 1 if j < n and src[j] == "'" else None
    if i + 2 < n and src[i + 2] == "'" and src[i + 1] != "\n":
        return i + 3
    return None


def match_brackets(toks: list[Token]) -> dict[int, int]:
    """Index of each opening (, [, { ─▶ index of its closing partner."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    closing = {v: k for k, v in pairs.items()}
    stack: list[int] = []
    match: dict[int, int] = {}
    for k, t in enumerate(toks):
        if t.kind != "punct":
            continue
        if t.text in pairs:
            stack.append(k)
        elif t.text in closing:
            # Tolerate imbalance (a macro's odd tokens) by unwinding to the
            # nearest opener of the same kind.
            while stack and toks[stack[-1]].text != closing[t.text]:
                stack.pop()
            if stack:
                match[stack.pop()] = k
    return match


# ---------------------------------------------------------------- files


@dataclass
class RustFile:
    path: Path  # relative to the root
    text: str
    lines: int
    toks: list[Token]
    match: dict[int, int]
    test_ranges: list[tuple[int, int]] = field(default_factory=list)
    whole_test: bool = False

    def is_test(self, k: int) -> bool:
        return self.whole_test or any(a <= k <= b for a, b in self.test_ranges)


def load(root: Path, rel: Path) -> RustFile:
    text = (root / rel).read_text(encoding="utf-8")
    try:
        toks = tokenize(text)
    except ScanError as e:
        raise SystemExit(f"{rel}: {e}")
    lines = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
    f = RustFile(rel, text, lines, toks, match_brackets(toks))
    mark_test_code(f)
    return f


def rust_files(root: Path) -> list[Path]:
    out = []
    for top in ("src", "tests", "benches", "examples"):
        d = root / top
        if d.is_dir():
            out += [
                p.relative_to(root)
                for p in d.rglob("*.rs")
                if "node_modules" not in p.parts
            ]
    if (root / "build.rs").is_file():
        out.append(Path("build.rs"))
    return sorted(out)


# ------------------------------------------------------------- attributes


def attributes_at(f: RustFile, k: int) -> tuple[list[tuple[int, int]], int]:
    """Outer attributes starting at token k: their (start, end) and the
    index of the first token after them."""
    toks, attrs = f.toks, []
    while (
        k + 1 < len(toks)
        and toks[k].text == "#"
        and toks[k + 1].text == "["
        and k + 1 in f.match
    ):
        end = f.match[k + 1]
        attrs.append((k, end))
        k = end + 1
    return attrs, k


def is_cfg_test(f: RustFile, start: int, end: int) -> bool:
    words = [t.text for t in f.toks[start:end] if t.kind == "ident"]
    return (
        len(words) >= 2
        and words[0] == "cfg"
        and "test" in words
        and "not" not in words
    )


def item_end(f: RustFile, k: int) -> int:
    """The index of the last token of the item starting at k."""
    toks = f.toks
    j = k
    # `use a::{b, c};` ends at its semicolon, not at the group's brace.
    is_use = any(t.text == "use" for t in toks[k : k + 4])
    while j < len(toks):
        t = toks[j]
        if t.kind == "punct":
            if t.text == ";":
                return j
            if t.text == "{" and j in f.match:
                if is_use:
                    j = f.match[j] + 1
                    continue
                return f.match[j]
            if t.text in "([" and j in f.match:
                j = f.match[j] + 1
                continue
        j += 1
    return len(toks) - 1


def mark_test_code(f: RustFile) -> None:
    toks = f.toks
    if (
        len(toks) > 3
        and toks[0].text == "#"
        and toks[1].text == "!"
        and toks[2].text == "["
        and 2 in f.match
        and is_cfg_test(f, 3, f.match[2])
    ):
        f.whole_test = True
    k = 0
    while k < len(toks):
        if toks[k].text == "#" and k + 1 < len(toks) and toks[k + 1].text == "[":
            attrs, after = attributes_at(f, k)
            if attrs and any(is_cfg_test(f, a + 2, b) for a, b in attrs):
                end = item_end(f, after)
                f.test_ranges.append((after, end))
                k = end + 1
                continue
            k = after if attrs else k + 1
            continue
        k += 1


# ------------------------------------------------------------- functions


@dataclass
class Function:
    path: Path
    name: str
    line: int
    lines: int


def functions(f: RustFile) -> list[Function]:
    toks, out = f.toks, []
    for k, t in enumerate(toks):
        if not (t.kind == "ident" and t.text == "fn"):
            continue
        if k + 1 >= len(toks) or toks[k + 1].kind != "ident":
            continue  # a function-pointer type such as `fn(u8) -> u8`
        if k > 0 and toks[k - 1].text == "$":
            continue
        j = k + 2
        while j < len(toks):
            u = toks[j]
            if u.kind == "punct" and u.text in "([" and j in f.match:
                j = f.match[j] + 1
                continue
            if u.kind == "punct" and u.text in "{;":
                break
            j += 1
        if j >= len(toks) or toks[j].text == ";" or j not in f.match:
            continue  # a declaration without a body
        end = toks[f.match[j]].line
        out.append(Function(f.path, toks[k + 1].text, t.line, end - t.line + 1))
    return out


# ------------------------------------------------------------ visibility


@dataclass
class Visibility:
    items: dict[str, int] = field(default_factory=dict)  # restriction ─▶ count
    by_kind: dict[str, int] = field(default_factory=dict)  # kind of `pub` item
    associated: int = 0  # `pub` items inside `impl` blocks
    fields: dict[str, int] = field(default_factory=dict)


def impl_bodies(f: RustFile) -> list[tuple[int, int]]:
    """The token ranges of `impl` blocks' bodies (not `impl Trait` types:
    an item's `impl` follows the end of an item or attribute)."""
    out = []
    for k, t in enumerate(f.toks):
        if t.text != "impl" or t.kind != "ident":
            continue
        prev = f.toks[k - 1].text if k else ";"
        if prev not in (";", "}", "{", "]", "unsafe", "default"):
            continue
        j = k + 1
        while j < len(f.toks) and f.toks[j].text not in ("{", ";"):
            j = f.match.get(j, j) + 1 if f.toks[j].text in "([" else j + 1
        if j < len(f.toks) and j in f.match:
            out.append((j, f.match[j]))
    return out


def visibility(files: list[RustFile], v: Visibility) -> None:
    for f in files:
        toks = f.toks
        impls = impl_bodies(f)
        for k, t in enumerate(toks):
            if not (t.kind == "ident" and t.text == "pub") or f.is_test(k):
                continue
            restriction = "pub"
            j = k + 1
            if j < len(toks) and toks[j].text == "(" and j in f.match:
                inner = [u.text for u in toks[j + 1 : f.match[j]]]
                if inner and inner[0] in ("crate", "super", "self", "in"):
                    restriction = {
                        "crate": "pub(crate)",
                        "super": "pub(super)",
                    }.get(inner[0], "pub(in/self)")
                    j = f.match[j] + 1
            # Skip qualifiers: `pub async fn`, `pub const unsafe fn`,
            # `pub extern "C" fn`.
            m = j
            while m < len(toks) and (
                toks[m].text in QUALIFIERS and toks[m].kind == "ident"
                or toks[m].kind == "lit"
            ):
                m += 1
            kw = toks[m].text if m < len(toks) else ""
            if toks[j].text == "const" and m < len(toks) and kw not in ITEM_KEYWORDS:
                kw = "const"  # `pub const NAME: T = ...`
            if kw in ITEM_KEYWORDS and toks[m].kind == "ident":
                v.items[restriction] = v.items.get(restriction, 0) + 1
                if restriction == "pub":
                    v.by_kind[kw] = v.by_kind.get(kw, 0) + 1
                    if any(a < k < b for a, b in impls):
                        v.associated += 1
            else:
                v.fields[restriction] = v.fields.get(restriction, 0) + 1


# ---------------------------------------------------------- module tree


def module_path(rel: Path) -> list[str]:
    """src/a/b.rs ─▶ [a, b]; src/a/mod.rs ─▶ [a]; src/lib.rs ─▶ []."""
    parts = list(rel.parts[1:])
    parts[-1] = parts[-1][:-3]
    if parts[-1] in ("mod", "lib", "main") and len(parts) >= 1:
        parts.pop()
    return parts


def library_files(root: Path, entry: str) -> tuple[list[RustFile], list[str]]:
    """The files of the crate rooted at src/ENTRY, with test-only files
    marked (declared by `#[cfg(test)] mod x;`), and declarations whose
    file is missing."""
    seen: dict[Path, RustFile] = {}
    missing: list[str] = []
    todo: list[tuple[Path, bool]] = [(Path("src") / entry, False)]
    while todo:
        rel, test = todo.pop()
        if rel in seen:
            continue
        f = load(root, rel)
        f.whole_test = f.whole_test or test
        seen[rel] = f
        here = rel.parent if rel.name in ("mod.rs", "lib.rs", "main.rs") else rel.with_suffix("")
        for name, inline, decl_test, path_attr in mod_declarations(f):
            base = here.joinpath(*inline)
            if path_attr:
                cands = [rel.parent / path_attr]
            else:
                cands = [base / f"{name}.rs", base / name / "mod.rs"]
            found = next((c for c in cands if (root / c).is_file()), None)
            if found is None:
                missing.append(f"{rel}: mod {name}")
            else:
                todo.append((found, f.whole_test or decl_test))
    return [seen[p] for p in sorted(seen)], missing


def mod_declarations(f: RustFile):
    """(name, enclosing inline modules, is test, #[path]) of each `mod x;`."""
    toks = f.toks
    inline: list[tuple[str, int]] = []  # (name, index of closing brace)
    k = 0
    while k < len(toks):
        while inline and k > inline[-1][1]:
            inline.pop()
        attrs, after = attributes_at(f, k)
        j = after
        while j < len(toks) and toks[j].text in ("pub",):
            j += 1
            if j < len(toks) and toks[j].text == "(" and j in f.match:
                j = f.match[j] + 1
        if j + 1 < len(toks) and toks[j].text == "mod" and toks[j + 1].kind == "ident":
            name = toks[j + 1].text
            nxt = toks[j + 2].text if j + 2 < len(toks) else ""
            test = f.is_test(j) or any(is_cfg_test(f, a + 2, b) for a, b in attrs)
            if nxt == ";":
                yield name, [m for m, _ in inline], test, _path_attr(f, attrs)
                k = j + 3
                continue
            if nxt == "{" and j + 2 in f.match:
                inline.append((name, f.match[j + 2]))
                k = j + 3
                continue
        k = after + 1 if attrs else k + 1


def _path_attr(f: RustFile, attrs) -> str | None:
    """The file a `#[path = "..."]` attribute names (the scanner drops
    strings' contents, so it is read from the attribute's line)."""
    for a, b in attrs:
        if b > a + 2 and f.toks[a + 2].text == "path":
            line = f.text.splitlines()[f.toks[a].line - 1]
            if line.count('"') >= 2:
                return line.split('"')[1]
    return None


# ---------------------------------------------------------------- imports


@dataclass
class Edge:
    count: int = 0
    where: str = ""


def imports(files: list[RustFile], lib: bool):
    """(source module, target module, is test) ─▶ Edge."""
    edges: dict[tuple[str, str, bool], Edge] = {}
    for f in files:
        base = module_path(f.path) if lib else ["main"]
        if lib and not base:
            continue  # lib.rs only declares the modules
        toks = f.toks
        inline: list[tuple[str, int]] = []
        for k, t in enumerate(toks):
            while inline and k > inline[-1][1]:
                inline.pop()
            if (
                t.text == "mod"
                and k + 2 < len(toks)
                and toks[k + 1].kind == "ident"
                and toks[k + 2].text == "{"
                and k + 2 in f.match
            ):
                inline.append((toks[k + 1].text, f.match[k + 2]))
            here = base + [m for m, _ in inline]
            targets = _targets(f, k, here, lib)
            for target in targets:
                src = base[0]
                if target == src or not target:
                    continue
                key = (src, target, f.is_test(k))
                e = edges.setdefault(key, Edge(where=f"{f.path}:{t.line}"))
                e.count += 1
    return edges


def _targets(f: RustFile, k: int, here: list[str], lib: bool) -> list[str]:
    toks = f.toks
    t = toks[k]
    if t.kind != "ident" or k + 1 >= len(toks) or toks[k + 1].text != "::":
        return []
    if k > 0 and toks[k - 1].text in ("::", "$"):
        return []  # the middle of a path, or `$crate`
    if lib and t.text == "crate":
        at: list[str] = []
        j = k + 2
    elif lib and t.text == "super":
        at = list(here)
        j = k
        while j + 1 < len(toks) and toks[j].text == "super" and toks[j + 1].text == "::":
            at = at[:-1]
            j += 2
    elif not lib and t.text == "thbwatch":
        at, j = [], k + 2
    else:
        return []
    if at:
        return [at[0]]
    if j >= len(toks):
        return []
    if toks[j].kind == "ident":
        return [toks[j].text]
    if toks[j].text == "{" and j in f.match:
        out, expect = [], True
        for m in range(j + 1, f.match[j]):
            u = toks[m]
            if expect and u.kind == "ident" and u.text != "self":
                out.append(u.text)
            expect = u.text == "," and _depth(f, j, m) == 1
        return out
    return []


def _depth(f: RustFile, start: int, m: int) -> int:
    depth = 0
    for u in f.toks[start:m]:
        if u.kind == "punct" and u.text in "{([":
            depth += 1
        elif u.kind == "punct" and u.text in "})]":
            depth -= 1
    return depth


def cycles(nodes: set[str], edges: set[tuple[str, str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    succ: dict[str, list[str]] = {n: [] for n in nodes}
    for a, b in edges:
        succ.setdefault(a, []).append(b)
        succ.setdefault(b, [])
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(succ[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(succ):
        if v not in index:
            visit(v)
    return sorted(out)


def shortest_cycle(comp: list[str], edges: set[tuple[str, str]]) -> list[str]:
    """One shortest cycle through the first module of a component."""
    start = comp[0]
    inside = set(comp)
    prev: dict[str, str] = {}
    queue = [start]
    for v in queue:
        for a, b in sorted(edges):
            if a != v or b not in inside:
                continue
            if b == start:
                path = [v]
                while path[-1] != start:
                    path.append(prev[path[-1]])
                return list(reversed(path)) + [start]
            if b not in prev:
                prev[b] = v
                queue.append(b)
    return comp


# ---------------------------------------------------------------- targets


def binaries(root: Path, kind: str) -> list[str]:
    """Cargo's auto-discovered and declared targets of a kind
    ("test" ─▶ tests/, "bench" ─▶ benches/)."""
    folder = "tests" if kind == "test" else "benches"
    manifest = tomllib.loads((root / "Cargo.toml").read_text(encoding="utf-8"))
    package = manifest.get("package", {})
    found: dict[str, str] = {}
    if package.get(f"auto{folder}", True):
        d = root / folder
        if d.is_dir():
            for p in sorted(d.glob("*.rs")):
                found[p.stem] = str(p.relative_to(root))
            for p in sorted(d.glob("*/main.rs")):
                found[p.parent.name] = str(p.relative_to(root))
    for t in manifest.get(kind, []):
        name = t.get("name")
        path = t.get("path") or f"{folder}/{name}.rs"
        found[name] = path
    return sorted(found.values())


# ------------------------------------------------------------------ main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("root", nargs="?", default=str(Path(__file__).resolve().parent.parent),
                    help="the checkout (default: the one holding this script)")
    ap.add_argument("--check-cycles", action="store_true",
                    help="exit 1 when the top-level modules' imports have a cycle")
    ap.add_argument("--summary", action="store_true", help="only the figures")
    ap.add_argument("--json", action="store_true", help="the figures and lists as JSON")
    ap.add_argument("--file-lines", type=int, default=FILE_LINES)
    ap.add_argument("--fn-lines", type=int, default=FN_LINES)
    args = ap.parse_args()
    root = Path(args.root)
    if not (root / "Cargo.toml").is_file() or not (root / "src" / "lib.rs").is_file():
        print(f"{root}: not a checkout of the crate (no Cargo.toml or src/lib.rs)", file=sys.stderr)
        return 2

    all_files = [load(root, p) for p in rust_files(root)]
    lib_files, missing = library_files(root, "lib.rs")
    bin_files = [load(root, Path("src/main.rs"))] if (root / "src/main.rs").is_file() else []

    long_files = sorted(
        ((f.lines, str(f.path)) for f in all_files if f.lines > args.file_lines),
        reverse=True,
    )
    fns = [fn for f in all_files for fn in functions(f)]
    long_fns = sorted(
        (fn for fn in fns if fn.lines > args.fn_lines),
        key=lambda fn: (-fn.lines, str(fn.path), fn.line),
    )
    vis = Visibility()
    visibility(lib_files, vis)
    tests = binaries(root, "test")
    benches = binaries(root, "bench")

    edges = imports(lib_files, lib=True)
    edges.update(imports(bin_files, lib=False))
    modules = sorted({module_path(f.path)[0] for f in lib_files if module_path(f.path)})
    real = {(a, b) for (a, b, test) in edges if not test}
    comps = cycles(set(modules), real)
    test_only = sorted(
        (a, b) for (a, b, test) in edges if test and (a, b) not in real
    )
    lib_rs_files = [f for f in all_files if str(f.path).startswith("src/")]
    orphans = sorted(
        str(f.path) for f in lib_rs_files
        if f.path not in {g.path for g in lib_files} and str(f.path) != "src/main.rs"
    )

    figures = {
        "rust_files": len(all_files),
        "rust_lines": sum(f.lines for f in all_files),
        "files_over_limit": len(long_files),
        "functions": len(fns),
        "functions_over_limit": len(long_fns),
        "pub_items": vis.items.get("pub", 0),
        "pub_items_in_impls": vis.associated,
        "pub_crate_items": vis.items.get("pub(crate)", 0),
        "pub_super_items": vis.items.get("pub(super)", 0),
        "pub_in_items": vis.items.get("pub(in/self)", 0),
        "pub_fields": vis.fields.get("pub", 0),
        "test_binaries": len(tests),
        "bench_binaries": len(benches),
        "modules": len(modules),
        "module_edges": len(real),
        "module_cycles": len(comps),
    }
    if args.json:
        print(json.dumps({
            "figures": figures,
            "files_over_limit": [{"path": p, "lines": n} for n, p in long_files],
            "functions_over_limit": [
                {"path": str(fn.path), "name": fn.name, "line": fn.line, "lines": fn.lines}
                for fn in long_fns
            ],
            "pub_by_kind": vis.by_kind,
            "test_binaries": tests,
            "bench_binaries": benches,
            "edges": sorted(f"{a} -> {b}" for a, b in real),
            "test_only_edges": [f"{a} -> {b}" for a, b in test_only],
            "cycles": comps,
        }, indent=2))
    else:
        report(args, figures, long_files, long_fns, vis, tests, benches,
               modules, edges, real, test_only, comps, missing, orphans)
    if args.check_cycles and comps:
        print(f"error: {len(comps)} import cycle(s) among the modules of src/", file=sys.stderr)
        return 1
    return 0


def report(args, figures, long_files, long_fns, vis, tests, benches,
           modules, edges, real, test_only, comps, missing, orphans) -> None:
    w = print
    w(f"checkout: {Path(args.root).resolve()}")
    w(f"Rust files: {figures['rust_files']} ({figures['rust_lines']} lines); "
      f"functions: {figures['functions']}")
    w()
    w("| figure | value |")
    w("| --- | ---: |")
    w(f"| Rust files over {args.file_lines} lines | {figures['files_over_limit']} |")
    w(f"| functions over {args.fn_lines} lines | {figures['functions_over_limit']} |")
    w(f"| `pub` items (library) | {figures['pub_items']} |")
    w(f"| … of them in `impl` blocks | {figures['pub_items_in_impls']} |")
    w(f"| `pub(crate)` items | {figures['pub_crate_items']} |")
    w(f"| `pub(super)` items | {figures['pub_super_items']} |")
    w(f"| `pub(in …)`/`pub(self)` items | {figures['pub_in_items']} |")
    w(f"| `pub` fields | {figures['pub_fields']} |")
    w(f"| integration-test binaries | {figures['test_binaries']} |")
    w(f"| bench binaries | {figures['bench_binaries']} |")
    w(f"| top-level modules / import edges | {figures['modules']} / {figures['module_edges']} |")
    w(f"| module cycles | {figures['module_cycles']} |")
    if args.summary:
        return
    w()
    w(f"Files over {args.file_lines} lines ({len(long_files)}):")
    for n, p in long_files:
        w(f"  {n:5}  {p}")
    w()
    w(f"Functions over {args.fn_lines} lines ({len(long_fns)}):")
    for fn in long_fns:
        w(f"  {fn.lines:5}  {fn.path}:{fn.line}  {fn.name}")
    w()
    w("`pub` items by kind: " + ", ".join(
        f"{k} {n}" for k, n in sorted(vis.by_kind.items(), key=lambda kv: -kv[1])))
    w()
    w(f"Integration-test binaries ({len(tests)}): " + " ".join(tests))
    w(f"Bench binaries ({len(benches)}): " + " ".join(benches))
    w()
    w("Imports between top-level modules (test code aside; `a: b c` means a uses b and c):")
    for m in ["main"] + modules:
        outs = sorted(b for a, b in real if a == m)
        if outs:
            w(f"  {m}: " + " ".join(outs))
    if test_only:
        w("Imports from test code only: " + ", ".join(f"{a} -> {b}" for a, b in test_only))
    w()
    if comps:
        w(f"Cycles ({len(comps)}):")
        for comp in comps:
            w(f"  {{{', '.join(comp)}}}, for one: " + " -> ".join(shortest_cycle(comp, real)))
            w("    its imports (cut one of each cycle to break it):")
            for a, b in sorted(real):
                if a in comp and b in comp:
                    e = edges[(a, b, False)]
                    w(f"      {a} -> {b}: {e.count} reference(s), first at {e.where}")
    else:
        w("Cycles: none")
    for m in missing:
        w(f"warning: module declared but its file not found: {m}")
    for o in orphans:
        w(f"warning: file under src/ not reached from src/lib.rs: {o}")


if __name__ == "__main__":
    sys.exit(main())
