#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Which kmod/ file uses which: an edge a -> b when a.c names a function or
variable that b.c defines (not static). Prints the edges with the symbols
behind them, and every cycle (a strongly connected set of files);
`--check` fails when there is one. `--dot` prints a Graphviz graph instead.

A generated file, X-gen.c, counts as part of X.c: its ops table names the
handlers X.c defines, whose family names the table, as in the kernel's own
generated netlink code.

The files are read as text: comments, strings and preprocessor lines are
dropped and bodies skipped, which the kernel coding style makes reliable
enough to find the top-level definitions of a module's own files.
"""
import argparse
import glob
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KMOD = os.path.join(ROOT, "kmod")
IDENT = re.compile(r"\b[A-Za-z_]\w*\b")
# Words that can come before a definition's name and its "(".
NOT_NAMES = {"__acquires", "__releases", "__must_hold", "__printf",
             "__attribute__", "__aligned", "__section"}


def strip(text):
    """@text without comments, string and char literals, and # lines."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    text = re.sub(r'"(\\.|[^"\\\n])*"', '""', text)
    text = re.sub(r"'(\\.|[^'\\\n])*'", "''", text)
    text = re.sub(r"^[ \t]*#(.*\\\n)*.*$", " ", text, flags=re.M)
    return text


def top_level(text):
    """@text with what is between braces dropped: "f(void) {}"."""
    out, depth = [], 0
    for ch in text:
        if ch == "{":
            if depth == 0:
                out.append("{")
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                out.append("}")
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def definitions(text):
    """({names defined here}, {of those, the ones not static})."""
    names, public = set(), set()
    top = re.sub(r"\)\s*((?:__\w+\s*\([^)]*\)\s*)*)\{\}", ");@DEF;",
                 top_level(text))
    items = [i.strip() for i in top.split(";")]
    for i, item in enumerate(items):
        if not item or item == "@DEF" or item.startswith("typedef") or \
           re.fullmatch(r"(struct|union|enum)\s*\w*\s*\{\}", item):
            continue
        is_def = i + 1 < len(items) and items[i + 1] == "@DEF"
        head = re.split(r"[\[=]", item, maxsplit=1)[0]
        paren = item.find("(")
        if paren >= 0 and (paren < len(head)):
            if not is_def:
                continue	# a prototype, or a top-level macro call
            words = [w for w in IDENT.findall(item[:paren])
                     if w not in NOT_NAMES]
        else:
            if "extern" in item.split():
                continue
            words = IDENT.findall(head)
        if not words:
            continue
        name = words[-1]
        names.add(name)
        if "static" not in item.split():
            public.add(name)
    return names, public


def graph():
    files = {}
    for p in sorted(glob.glob(os.path.join(KMOD, "*.c"))):
        name = os.path.basename(p)[:-2].removesuffix("-gen")
        files[name] = files.get(name, "") + strip(open(p).read()) + "\n"
    own, owner = {}, {}
    for f, text in files.items():
        own[f], public = definitions(text)
        for name in public:
            owner[name] = f
    edges = {}
    for f, text in files.items():
        for name in set(IDENT.findall(text)) - own[f]:
            if name in owner:
                edges.setdefault((f, owner[name]), set()).add(name)
    return sorted(files), edges


def cycles(nodes, edges):
    """The strongly connected sets of more than one file (Tarjan)."""
    succ = {n: sorted(b for a, b in edges if a == n) for n in nodes}
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in succ[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = []
            while True:
                w = stack.pop()
                on.discard(w)
                scc.append(w)
                if w == v:
                    break
            if len(scc) > 1:
                out.append(sorted(scc))

    sys.setrecursionlimit(10000)
    for n in nodes:
        if n not in index:
            visit(n)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--check", action="store_true",
                    help="fail if the files' dependencies form a cycle")
    ap.add_argument("--dot", action="store_true", help="print Graphviz")
    args = ap.parse_args()
    nodes, edges = graph()
    sccs = cycles(nodes, edges)
    if args.dot:
        print("digraph kmod {")
        for (a, b), syms in sorted(edges.items()):
            print(f'\t"{a}" -> "{b}";')
        print("}")
    elif not args.check:
        for (a, b), syms in sorted(edges.items()):
            print(f"{a} -> {b}: {', '.join(sorted(syms))}")
    for scc in sccs:
        print(f"cycle: {' '.join(scc)}", file=sys.stderr)
    return 1 if sccs and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
