#!/usr/bin/env python3
"""Checks earshot's import graph (no cycles, no upward imports) and that
no source file is over MAX_LINES lines.

Reads every `crate::a::b`, `super::x` and `earshot::a` path in the Rust
sources (comments and doc comments left out) and builds two graphs:

* modules: the library's top-level modules (crates/earshot/src/<m>) and
  the application's (src/<m>). Each has a layer (LAYERS below); a module
  may use modules of its own layer or below, never above, and the graph
  must have no cycle.
* files: every source file, an edge where one file names an item of
  another. Sibling files of one module must not form a cycle either (a
  child naming its parent through `super::` is how Rust modules work and
  is not counted).

Prints the module graph, then the problems; exits 1 when there is one.
ARCHITECTURE.md explains the layers. Run from the repository root:
`python3 scripts/check-layers.py`.
"""

import pathlib
import re
import sys

# Layer of each top-level module; lower layers never use higher ones.
LAYERS = {
    # library: crates/earshot/src
    "util": 0,
    "store": 1,
    "fetch": 2,
    "extract": 2,
    "watch": 2,
    "cluster": 2,
    "sentiment": 2,
    "detect": 2,
    "crawl": 3,
    "alert": 3,
    "report": 3,
    "fleet": 4,
    # application: src
    "app:config": 5,
    "app:daemon": 6,
    "app:serve": 6,
    "app:demo": 6,
    "app:cli": 7,
}

MAX_LINES = 800
ROOTS = {"lib": pathlib.Path("crates/earshot/src"), "app": pathlib.Path("src")}
PATH = re.compile(r"\b(crate|super|earshot)((?:::[A-Za-z_][A-Za-z0-9_]*)+)")


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return "\n".join(re.sub(r"//.*$", "", line) for line in text.splitlines())


USE = re.compile(r"\buse\s+((?:crate|super|earshot)\s*::[^;]*);", re.S)


def expand_use(tree):
    """`super::{a, b::{c, d}}` -> ["super::a", "super::b::c", "super::b::d"]."""
    tree = re.sub(r"\s+", "", re.sub(r"\s+as\s+", "@", tree))
    i = tree.find("{")
    if i < 0:
        return [tree]
    prefix, inner = tree[:i], tree[i + 1 : tree.rfind("}")]
    parts, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        depth += ch == "{"
        depth -= ch == "}"
        cur += ch
    parts.append(cur)
    out = []
    for part in filter(None, parts):
        out.extend(expand_use(prefix + part) if part != "self" else [prefix.rstrip(":")])
    return out


def paths_in(text):
    """Every crate/super/earshot path a file names, use groups expanded."""
    for m in USE.finditer(text):
        yield from expand_use(m.group(1))
    for m in PATH.finditer(USE.sub("", text)):
        yield m.group(0)


def module_of(path):
    """(kind, [segments]) of a source file: src/serve/api.rs -> app, [serve, api]."""
    for kind, root in ROOTS.items():
        try:
            rel = path.relative_to(root)
        except ValueError:
            continue
        parts = list(rel.with_suffix("").parts)
        if parts[-1] in ("mod", "lib", "main"):
            parts = parts[:-1]
        return kind, parts
    return None, None


def file_of(kind, segments):
    """The deepest existing file for a module path, and its segments."""
    root = ROOTS[kind]
    best = (None, [])
    for i in range(1, len(segments) + 1):
        base = root.joinpath(*segments[:i])
        for f in (base.with_suffix(".rs"), base / "mod.rs"):
            if f.exists():
                best = (f, segments[:i])
    return best


def top(kind, segments):
    if not segments:
        return None
    name = segments[0]
    key = name if kind == "lib" else f"app:{name}"
    return key if key in LAYERS else None


def main():
    files = {}
    for kind, root in ROOTS.items():
        for f in sorted(root.rglob("*.rs")):
            files[f] = module_of(f)
    mod_edges = {}
    file_edges = {}
    problems = []
    for f, (kind, me) in files.items():
        text = strip_comments(f.read_text(encoding="utf-8"))
        src_top = top(kind, me)
        for path in paths_in(text):
            head, *rest = [x for x in path.split("::") if x and x not in ("*", "self")]
            rest = [x.split("@")[0] for x in rest]
            if head == "crate":
                tkind, target = kind, rest
            elif head == "earshot":
                if kind == "lib":
                    continue
                tkind, target = "lib", rest
            else:  # super::
                tkind, target = kind, me[:-1] + rest
            tfile, tseg = file_of(tkind, target)
            if tfile is None or tfile == f:
                continue
            dst_top = top(tkind, tseg)
            if src_top and dst_top and src_top != dst_top:
                mod_edges.setdefault(src_top, set()).add(dst_top)
                if LAYERS[dst_top] > LAYERS[src_top]:
                    problems.append(
                        f"{f}: upward import: `{path}` ({src_top}, layer "
                        f"{LAYERS[src_top]}) uses {dst_top} (layer {LAYERS[dst_top]})"
                    )
            # Sibling files only: a child using its parent is not an edge.
            if tkind == kind and tseg[:-1] == me[:-1] and tseg != me[: len(tseg)]:
                file_edges.setdefault(f, set()).add(tfile)
        if src_top is None and me:
            problems.append(f"{f}: module `{me[0]}` has no layer in scripts/check-layers.py")
    for top_dir in ("src", "crates", "tests", "benches", "fuzz/fuzz_targets"):
        for f in sorted(pathlib.Path(top_dir).rglob("*.rs")):
            n = len(f.read_text(encoding="utf-8").splitlines())
            if n > MAX_LINES:
                problems.append(f"{f}: {n} lines; split it (at most {MAX_LINES})")
    for name, graph in (("module", mod_edges), ("file", file_edges)):
        cycle = find_cycle(graph)
        if cycle:
            problems.append(f"{name} import cycle: " + " -> ".join(str(c) for c in cycle))
    print("module graph (layer: module -> modules it uses):")
    for m in sorted(LAYERS, key=lambda k: (LAYERS[k], k)):
        print(f"  {LAYERS[m]}: {m} -> {', '.join(sorted(mod_edges.get(m, ()))) or '-'}")
    for p in sorted(set(problems)):
        print(f"error: {p}", file=sys.stderr)
    if problems:
        print(f"{len(set(problems))} layering problems; see ARCHITECTURE.md", file=sys.stderr)
        return 1
    print(f"no cycles, no upward imports, no file over {MAX_LINES} lines")
    return 0


def find_cycle(graph):
    state = {}
    stack = []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ()), key=str):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state:
                c = visit(m)
                if c:
                    return c
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph, key=str):
        if n not in state:
            c = visit(n)
            if c:
                return c
    return None


if __name__ == "__main__":
    sys.exit(main())
