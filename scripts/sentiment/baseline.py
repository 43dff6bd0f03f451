#!/usr/bin/env python3
"""The n-gram baseline of the corpus-held-out table: character 1-3-gram TF-IDF + logistic regression
(scikit-learn), trained on a `label,text` CSV (the rows a model trained on: train.py --transfer writes
train-rows.csv, --write-train the shipped recipe's), tested on others. Prints one JSON object per test
file, with the figures train.py and `earshot eval-sentiment` give (binary accuracy on the positive and
negative rows, 3-class accuracy, macro recall).

    .venv/bin/python scripts/sentiment/baseline.py --train target/transfer/zh_weibo/train-rows.csv \\
        target/transfer/zh_weibo/test-rows.csv
"""
import argparse
import csv
import json
import sys
import time

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = [(int(r["label"]), r["text"]) for r in csv.DictReader(f)]
    return [t for _, t in rows], np.array([y for y, _ in rows])


def figures(y, p):
    """p: probabilities (n, 3) in the order negative, neutral, positive."""
    pred = p.argmax(1)
    labels = sorted(set(y.tolist()))
    rec = {c: float((pred[y == c] == c).mean()) for c in labels}
    out = {"n": int(len(y)), "accuracy": float((pred == y).mean()), "macro_recall": float(np.mean(list(rec.values()))),
           "recall": {["negative", "neutral", "positive"][c]: r for c, r in rec.items()}}
    pn = y != 1
    out["binary_accuracy"] = float(((p[pn, 2] > p[pn, 0]) == (y[pn] == 2)).mean()) if pn.any() else None
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True)
    ap.add_argument("--c", type=float, default=2.0, help="inverse regularisation strength")
    ap.add_argument("--max-features", type=int, default=400000)
    ap.add_argument("test", nargs="+")
    a = ap.parse_args()
    t0 = time.time()
    x, y = read(a.train)
    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), lowercase=True, sublinear_tf=True, min_df=2,
                          max_features=a.max_features)
    xv = vec.fit_transform(x)
    clf = LogisticRegression(C=a.c, max_iter=300)
    clf.fit(xv, y)
    # always three columns (a training set may lack neutral)
    def proba(texts):
        p = np.zeros((len(texts), 3))
        p[:, clf.classes_] = clf.predict_proba(vec.transform(texts))
        return p

    for path in a.test:
        tx, ty = read(path)
        r = figures(ty, proba(tx))
        r.update(test=path, train=a.train, train_rows=len(y), seconds=round(time.time() - t0, 1))
        print(json.dumps(r, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    sys.exit(main())
