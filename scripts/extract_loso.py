#!/usr/bin/env python3
"""Leave-one-source-out table for the extraction development set.

earshot's extractor has no trained weights; what gets "tuned" is the choice
between versions of its heuristics (a rule kept or dropped, a threshold). So
the protocol is about choices: for each source S of the set, the version
is chosen by its mean F1 on the pages of every *other* source, and its F1
on S is S's held-out figure. The in-sample figure (best version chosen on
all pages, S included) is printed beside it, and so is trafilatura's.

    extract_loso.py GROUND_TRUTH.jsonl NAME=scores.tsv [NAME=scores.tsv ...]
        [--reference trafilatura=scores-trafilatura.tsv]

Each NAME=scores.tsv is one earshot version's per-page scores, written by
the set's `evaluate.py --per-page` (columns id, source, lang, precision,
recall, f1). A page missing from a file scores 0. With one version the
held-out and in-sample figures are the same number: the table then says
how each source fares, and the protocol only bites when versions compete.
Stdlib only.
"""

import json
import sys


def read_scores(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        col = {name: i for i, name in enumerate(header)}
        for line in f:
            row = line.rstrip("\n").split("\t")
            if len(row) < len(header):
                continue
            out[row[col["id"]]] = float(row[col["f1"]])
    return out


def mean(xs):
    xs = list(xs)
    return sum(xs) / len(xs) if xs else float("nan")


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    truth = argv[1]
    candidates, references = [], []
    args = argv[2:]
    i = 0
    while i < len(args):
        a = args[i]
        target = candidates
        if a == "--reference":
            i += 1
            if i >= len(args):
                print("--reference needs NAME=FILE", file=sys.stderr)
                return 2
            a = args[i]
            target = references
        name, sep, path = a.partition("=")
        if not sep:
            print(f"{a}: expected NAME=scores.tsv", file=sys.stderr)
            return 2
        target.append((name, read_scores(path)))
        i += 1
    if not candidates:
        print("give at least one earshot version as NAME=scores.tsv", file=sys.stderr)
        return 2

    pages = []  # (id, source, lang)
    with open(truth, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                v = json.loads(line)
                pages.append((v["id"], v["source"], v.get("lang") or "?"))
    sources = sorted({s for _, s, _ in pages})

    def f1(scores, subset):
        return mean(scores.get(pid, 0.0) for pid, _, _ in subset)

    def choose(subset):
        return max(candidates, key=lambda c: f1(c[1], subset))

    names = [n for n, _ in candidates]
    head = f"{'held-out source':<18} {'pages':>5}  " + "  ".join(
        f"{n:>12}" for n in names
    )
    head += f"  {'chosen w/o it':>14}  {'held-out F1':>11}"
    head += "".join(f"  {n:>12}" for n, _ in references)
    print("F1 per source; a version is chosen on the other sources, then scored on this one")
    print(head)
    held = {}
    for s in sources:
        on_s = [p for p in pages if p[1] == s]
        rest = [p for p in pages if p[1] != s]
        chosen_name, chosen = choose(rest)
        for pid, _, _ in on_s:
            held[pid] = chosen.get(pid, 0.0)
        row = f"{s:<18} {len(on_s):>5}  " + "  ".join(
            f"{f1(c, on_s):>12.4f}" for _, c in candidates
        )
        row += f"  {chosen_name:>14}  {f1(chosen, on_s):>11.4f}"
        row += "".join(f"  {f1(r, on_s):>12.4f}" for _, r in references)
        print(row)
    best_name, best = choose(pages)
    zh = [p for p in pages if p[2] == "zh"]
    for label, subset in (("all (macro/page)", pages), ("lang zh", zh)):
        row = f"{label:<18} {len(subset):>5}  " + "  ".join(
            f"{f1(c, subset):>12.4f}" for _, c in candidates
        )
        row += f"  {'':>14}  {mean(held.get(p[0], 0.0) for p in subset):>11.4f}"
        row += "".join(f"  {f1(r, subset):>12.4f}" for _, r in references)
        print(row)
    print(
        f"in-sample (chosen on all pages, the figure tuning on the set gives): "
        f"{best_name} {f1(best, pages):.4f}; held-out (each source scored by the "
        f"version chosen without it): {mean(held.values()):.4f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
