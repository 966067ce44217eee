#!/usr/bin/env python3
"""Folders of a target that refer to each other, both ways or round a longer loop (issue 22:
"no two folders refer to each other both ways").

For each folder under Sources/TARGET (default DevenvKit): the types it declares (struct, enum,
class, actor, protocol, typealias at the top level) and the other folders' type names its code
uses (comments and string literals left out). Prints every pair A <-> B with a few of the names
each side uses, then every longer loop A -> B -> C -> A (the shortest one through each folder of
a group that reaches itself, pairs left out), then the counts. Exit 1 when there is a pair or a
loop and --check is given.

    python3 packaging/folder-cycles.py [--target DevenvKit] [--check] [--names N]
"""
import argparse
import os
import re
import sys
from collections import defaultdict, deque

# Top-level declarations only: a nested `Entry` or `Result` is named through its outer type.
DECL = re.compile(r"^(?:(?:public|package|internal|fileprivate|private|final|indirect)\s+)*"
                  r"(?:struct|enum|class|actor|protocol|typealias)\s+([A-Z][A-Za-z0-9_]*)", re.M)
IDENT = re.compile(r"\b[A-Z][A-Za-z0-9_]*\b")


def strip(code):
    """Code without comments and string literals (multi-line ones included)."""
    code = re.sub(r'"""[\s\S]*?"""', '""', code)
    code = re.sub(r"/\*[\s\S]*?\*/", "", code)
    code = re.sub(r"//[^\n]*", "", code)
    return re.sub(r'"(?:\\.|[^"\\\n])*"', '""', code)


def scan(root):
    """folder -> declared names, folder -> used identifiers (name -> files)."""
    declared, used = defaultdict(set), defaultdict(lambda: defaultdict(set))
    for dirpath, _, files in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        folder = rel.split(os.sep)[0] if rel != "." else "."
        for f in files:
            if not f.endswith(".swift"):
                continue
            code = strip(open(os.path.join(dirpath, f), encoding="utf-8").read())
            declared[folder].update(DECL.findall(code))
            for name in set(IDENT.findall(code)):
                used[folder][name].add(f)
    return declared, used


def groups(edges):
    """The folders that reach each other (strongly connected components of more than one), by
    Tarjan's algorithm; each group sorted, the groups sorted."""
    index, low, stack, on, out = {}, {}, [], set(), []
    nodes = sorted(set(edges) | {b for a in edges for b in edges[a]})

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in nodes:
        if v not in index:
            visit(v)
    return sorted(out)


def shortest_loop(edges, start, within):
    """The shortest path start -> ... -> start inside `within` (breadth first), as a list."""
    back, queue = {start: None}, deque([start])
    while queue:
        v = queue.popleft()
        for w in sorted(edges.get(v, ())):
            if w not in within:
                continue
            if w == start:
                path = [v]                              # v, back to start
                while back[path[-1]] is not None:
                    path.append(back[path[-1]])
                return list(reversed(path)) + [start]
            if w not in back:
                back[w] = v
                queue.append(w)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", default="DevenvKit")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--names", type=int, default=4)
    args = ap.parse_args()
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Sources", args.target)
    declared, used = scan(root)
    owner = {}
    for folder, names in declared.items():
        for n in names:
            owner.setdefault(n, set()).add(folder)
    edges = defaultdict(lambda: defaultdict(set))   # a -> b -> names of b that a uses
    for a, names in used.items():
        for n in names:
            for b in owner.get(n, ()):
                if b != a and n not in declared[a]:
                    edges[a][b].add(n)
    pairs = sorted({tuple(sorted((a, b))) for a in edges for b in edges[a] if a in edges.get(b, {})})
    for a, b in pairs:
        ab, ba = sorted(edges[a][b]), sorted(edges[b][a])
        print(f"{a} <-> {b}: {a} uses {', '.join(ab[:args.names])}{' …' if len(ab) > args.names else ''};"
              f" {b} uses {', '.join(ba[:args.names])}{' …' if len(ba) > args.names else ''}")
    loops, tangled = set(), groups(edges)
    for group in tangled:
        for start in group:
            loop = shortest_loop(edges, start, set(group))
            if loop and len(loop) > 3:
                i = loop.index(min(loop[:-1]))          # one spelling per loop: from its least name
                loops.add(tuple(loop[i:-1] + loop[:i + 1]))
    for loop in sorted(loops):
        steps = [f"{a} -> {b} ({', '.join(sorted(edges[a][b])[:args.names])})" for a, b in zip(loop, loop[1:])]
        print("loop: " + "; ".join(steps))
    print(f"{len(pairs)} folder pair(s) of {args.target} refer to each other both ways;"
          f" {len(loops)} longer loop(s)")
    return 1 if args.check and tangled else 0


if __name__ == "__main__":
    sys.exit(main())
