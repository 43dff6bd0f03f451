#!/usr/bin/env python3
"""Experiment (issue 24, not adopted): weigh the part of a text after its last contrast or summing-up marker
(但是/不过/可惜/总体来说/总的来说/but/however/overall...) into its probabilities at inference.

Scores each text whole and, where it has a marker, its tail from the last marker on, with a model exported by
train.py (PyTorch, bf16 autocast, text prepared as earshot prepares it: traditional -> simplified, lower-cased),
then prints per-file figures for p = (1 - w) p(whole) + w p(tail) at several w (w = 0: what earshot does).
CSV files: `label,text` (and optionally `section`, for tests/fixtures/sentiment/mixed-reviews.csv).

    .venv/bin/python scripts/sentiment/contrast-tail.py tests/fixtures/sentiment/mixed-reviews.csv \\
        target/transfer/shipped/zh_car_forum.csv target/transfer/shipped/en_tweets_2016.csv
"""
import argparse
import csv
import os
import re
import sys

import numpy as np
import opencc
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import spm  # noqa: E402
import train  # noqa: E402

ZH = ["总体来说", "总的来说", "总体而言", "总而言之", "整体来说", "整体而言", "综合来看", "总之", "但是", "不过", "可惜",
      "可是", "然而", "但"]
EN = [r"\bbut\b(?! also)", r"\bhowever\b", r"\boverall\b", r"\bthat said\b", r"\bunfortunately\b",
      r"\ball in all\b", r"\bin the end\b"]
PAT = re.compile("|".join([re.escape(z) for z in ZH] + EN), re.I)


def tail(t):
    """The text from its last marker on ("不但" is no contrast), or None."""
    last = None
    for m in PAT.finditer(t):
        if m.group(0) == "但" and t[max(0, m.start() - 1):m.start()] == "不":
            continue
        last = m
    if last is None or last.start() == 0:
        return None
    tl = t[last.start():]
    return tl if len(tl.strip()) >= 4 else None


def figures(y, p):
    pn = y != 1
    binary = ((p[pn, 2] > p[pn, 0]) == (y[pn] == 2)).mean()
    pred = p.argmax(1)
    return binary, np.mean([(pred[y == c] == c).mean() for c in sorted(set(y))]), int(((p[pn, 2] > p[pn, 0]) == (y[pn] == 2)).sum())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="models/sentiment")
    ap.add_argument("--weights", default="0,0.33,0.5,0.67")
    ap.add_argument("csv", nargs="+")
    a = ap.parse_args()
    torch.set_num_threads(1)
    cc = opencc.OpenCC("t2s")
    model, cfgd, proto = train.load_trained(a.model)
    tok = spm.Unigram([(p, s) for p, s, _ in proto], lower=cfgd.get("earshot_lower_case", False))
    for path in a.csv:
        rows = list(csv.DictReader(open(path, encoding="utf-8")))
        texts = [cc.convert(r["text"]) for r in rows]
        tails = [tail(t) for t in texts]
        with torch.autocast("cpu", dtype=torch.bfloat16):
            whole = np.array(train.predict(model, [(tok.encode(t)[:126], 0) for t in texts], 128))
            idx = [i for i, t in enumerate(tails) if t]
            tp = train.predict(model, [(tok.encode(tails[i])[:126], 0) for i in idx], 128)
        y = np.array([int(r["label"]) for r in rows])
        sections = sorted({r.get("section", "") for r in rows})
        print(f"{path}: {len(rows)} rows, {len(idx)} with a marker")
        for w in (float(x) for x in a.weights.split(",")):
            p = whole.copy()
            for i, t in zip(idx, tp):
                p[i] = (1 - w) * whole[i] + w * np.array(t)
            parts = []
            for s in sections:
                m = np.array([r.get("section", "") == s for r in rows])
                b, mr, k = figures(y[m], p[m])
                parts.append(f"{s or 'all'} {k}/{m.sum()} binary {b:.3f} macro recall {mr:.3f}")
            print(f"  w={w:.2f}: " + "; ".join(parts))


if __name__ == "__main__":
    main()
