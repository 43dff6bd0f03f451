#!/usr/bin/env python3
"""A per-class logit bias for the sentiment model, chosen on corpora held out (issue 24, item 3).

earshot adds `earshot_logit_bias` ([negative, neutral, positive], in the model's config.json) to each
window's logits before the softmax (crates/earshot-scorer/src/model.rs). This script chooses that bias by
leave-one-corpus-out: for each three-class corpus the shipped recipe never trains on, the bias that maximises
the mean 3-class macro recall of the *other* corpora (a grid over b_neg and b_neu, b_pos = 0: only
differences matter) is applied to it, and the table sets its figures beside "no bias". Financial PhraseBank
(CC BY-NC-SA, evaluation only) is never a corpus a bias is chosen on alone.

Input: each row's probabilities as `earshot eval-sentiment --rows FILE` writes them (label, p_negative,
p_neutral, p_positive; a text's probabilities are its windows' averaged). A bias is applied to a row as
p_c * exp(b_c) renormalised: exact for single-window texts (tweets, news sentences, most posts), an
approximation for long ones (earshot biases each window before averaging); check a chosen bias with
earshot itself (`calibrate.py write` and `eval-transfer.sh calib`).

  calibrate.py sets --data DIR --out DIR      write the held-out test CSVs (car forum 3-class, stratified)
  calibrate.py table NAME=ROWS.csv ...        the rotation table (three-class sets) and the binary guards
      [--guard NAME=ROWS.csv ...] [--choose-on NAME,NAME] [--min-neg-recall-drop X]
  calibrate.py write --model DIR --out DIR --bias B_NEG,B_NEU,B_POS   a model copy with the bias set
"""
import argparse
import csv
import json
import math
import os
import random
import shutil
import sys

# the held-out three-class corpora (files under the rows folder) and which may choose a bias
EVAL_ONLY = {"en_financial_phrasebank"}
GRID = [round(-1.5 + 0.05 * i, 2) for i in range(61)]
CLASSES = ("negative", "neutral", "positive")


def read_rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        r = list(csv.DictReader(f))
    gold = [int(x["label"]) for x in r]
    p = [(float(x["p_negative"]), float(x["p_neutral"]), float(x["p_positive"])) for x in r]
    return gold, p


def biased(p, b):
    out = []
    for row in p:
        q = [x * math.exp(y) for x, y in zip(row, b)]
        s = sum(q)
        out.append([x / s for x in q])
    return out


def argmax(q):
    return max(range(3), key=lambda c: q[c])


def figures(gold, p, b=(0.0, 0.0, 0.0)):
    q = biased(p, b)
    pred = [argmax(x) for x in q]
    present = sorted(set(gold))
    recall, prec = {}, {}
    for c in present:
        gold_c = [k for k, g in enumerate(gold) if g == c]
        pred_c = [k for k, y in enumerate(pred) if y == c]
        recall[c] = sum(pred[k] == c for k in gold_c) / len(gold_c)
        prec[c] = sum(gold[k] == c for k in pred_c) / len(pred_c) if pred_c else 0.0
    pn = [k for k, g in enumerate(gold) if g != 1]
    return {
        "macro_recall": sum(recall.values()) / len(recall),
        "recall": recall,
        "precision": prec,
        # p(positive) vs p(negative) on the positive and negative rows, as eval-sentiment's binary accuracy
        "binary": sum((q[k][2] > q[k][0]) == (gold[k] == 2) for k in pn) / len(pn) if pn else None,
        # what alerts count: rows labelled negative
        "neg_predicted": sum(y == 0 for y in pred),
        # the score's scale: mean |p(positive) - p(negative)|
        "score_mean_abs": sum(abs(x[2] - x[0]) for x in q) / len(q),
    }


def macro_grid(gold, p):
    """Macro recall for every (b_neg, b_neu) of GRID (b_pos = 0): {(i, j): macro recall}."""
    logp = [[math.log(max(x, 1e-12)) for x in row] for row in p]
    present = sorted(set(gold))
    n = {c: gold.count(c) for c in present}
    out = {}
    for i, bn in enumerate(GRID):
        for j, bu in enumerate(GRID):
            hit = dict.fromkeys(present, 0)
            for g, (a, u, q) in zip(gold, logp):
                a += bn
                u += bu
                y = 0 if a >= u and a >= q else (1 if u >= q else 2)
                if y == g:
                    hit[g] += 1
            out[i, j] = sum(hit[c] / n[c] for c in present) / len(present)
    return out


def choose(grids, names):
    """The bias maximising the mean macro recall over `names`; ties go to the smallest bias."""
    mean = {k: sum(grids[n][k] for n in names) / len(names) for k in grids[names[0]]}
    best = max(mean.values())
    _, i, j = min((abs(GRID[i]) + abs(GRID[j]), i, j) for (i, j), v in mean.items() if v >= best - 1e-12)
    return (GRID[i], GRID[j], 0.0), best


def preds(p, b):
    return [argmax(q) for q in biased(p, b)]


def macro(gold, pred, idx):
    hit, n = [0, 0, 0], [0, 0, 0]
    for k in idx:
        n[gold[k]] += 1
        hit[gold[k]] += pred[k] == gold[k]
    return sum(h / m for h, m in zip(hit, n) if m) / sum(1 for m in n if m)


def delta_interval(gold, p, b, reps=400, seed=1):
    """A paired bootstrap 95 % interval of the macro-recall change a bias makes on one corpus."""
    p0, p1 = preds(p, (0.0, 0.0, 0.0)), preds(p, b)
    rng = random.Random(seed)
    n = len(gold)
    ds = []
    for _ in range(reps):
        idx = [rng.randrange(n) for _ in range(n)]
        ds.append(macro(gold, p1, idx) - macro(gold, p0, idx))
    ds.sort()
    return ds[int(0.025 * reps)], ds[int(0.975 * reps) - 1]


def fmt_bias(b):
    return "[%+.2f, %+.2f, %+.2f]" % b


# train.py's seed and test-set cap: `sets` writes the rows train.py --write-test writes (eval-transfer.sh
# shipped), without torch
SEED = 20261123
MAX_TEST = 2000


def cmd_sets(args):
    """The test sets, as CSVs (label,text) in --out: the held-out corpora as eval-transfer.sh shipped
    writes them (car forum binary rows, SemEval 2016 tweets, Financial PhraseBank), the car forum's every
    class (a seeded sample of up to --per-class posts of each label), and the in-distribution binary
    guards (tablets, NLPCC 2014 test half, SST-2 dev, UCI), drawn as train.py draws them."""
    def rows(name):
        with open(os.path.join(args.data, name), newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))

    def cap(v):
        return random.Random(SEED).sample(v, min(len(v), MAX_TEST))

    car = rows("zh_car_forum_bdci2018.csv")
    shopping = rows("zh_shopping_reviews.csv")
    nlpcc = rows("zh_nlpcc2014.csv")
    # train.py split(): NLPCC shuffled with seed + 1, the first half (--nlpcc-train 0.5) trained on
    random.Random(SEED + 1).shuffle(nlpcc)
    uci = rows("en_uci_sentences.csv")
    sets = {
        "zh_car_forum": cap([r for r in car if r["label"] != "1"]),
        "en_tweets_2016": cap([r for r in rows("en_semeval_tweets.csv") if r["split"].startswith("2016")]),
        "en_financial_phrasebank": rows("en_financial_phrasebank.csv"),
        "zh_shopping_平板": cap([r for r in shopping if r["category"] == "平板"]),
        "zh_nlpcc2014": cap(nlpcc[int(len(nlpcc) * 0.5):]),
        "en_sst2_dev": cap(rows("en_sst2_dev.csv")),
    }
    for src in ("amazon", "imdb", "yelp"):
        sets[f"en_uci_{src}"] = cap([r for r in uci if r["source"] == src])
    rng = random.Random(args.seed)
    three = []
    for c in ("0", "1", "2"):
        rs = [r for r in car if r["label"] == c]
        three += rng.sample(rs, min(len(rs), args.per_class))
    rng.shuffle(three)
    sets["zh_car_forum_3class"] = three
    os.makedirs(args.out, exist_ok=True)
    for name, v in sets.items():
        with open(os.path.join(args.out, name + ".csv"), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["label", "text"])
            w.writerows([r["label"], r["text"]] for r in v)
        print(f"{name}: {len(v)} rows")


def named(specs):
    out = {}
    for s in specs:
        name, _, path = s.partition("=")
        if not path:
            sys.exit(f"{s}: give NAME=ROWS.csv")
        out[name] = read_rows(path)
    return out


def line(name, f, extra=""):
    r = f["recall"]
    rec = " / ".join("%.3f" % r.get(c, float("nan")) for c in range(3))
    negp = f["precision"].get(0, float("nan"))
    b = "%.3f" % f["binary"] if f["binary"] is not None else "-"
    return "%-26s %6.3f  %-21s %6.3f  %6s  %5d  %5.3f%s" % (
        name, f["macro_recall"], rec, negp, b, f["neg_predicted"], f["score_mean_abs"], extra)


HEAD = "%-26s %6s  %-21s %6s  %6s  %5s  %5s" % (
    "set", "macro", "recall neg/neu/pos", "negP", "binary", "#neg", "|s|")


def cmd_table(args):
    sets = named(args.sets)
    guards = named(args.guard or [])
    grids = {n: macro_grid(*sets[n]) for n in sets}
    chooser = [n for n in sets if n not in EVAL_ONLY]
    print("three-class corpora the shipped recipe never trains on; macro = 3-class macro recall, negP = "
          "negative precision, #neg = rows labelled negative (what alerts count), |s| = mean |p(pos)-p(neg)|\n")
    print("no bias")
    print(HEAD)
    for n in sets:
        print(line(n, figures(*sets[n])))
    for n in guards:
        print(line(n, figures(*guards[n])))

    # leave one corpus out: the bias chosen on every other corpus, reported on this one
    print("\nleave one corpus out (bias chosen on the others' mean macro recall; grid step %.2f)" % (GRID[1] - GRID[0]))
    print(HEAD + "  delta macro [95 % paired bootstrap], chosen on")
    rotation = []
    for target in sets:
        on = [n for n in sets if n != target]
        if all(n in EVAL_ONLY for n in on):
            continue
        b, fit = choose(grids, on)
        f0, f1 = figures(*sets[target]), figures(*sets[target], b)
        rotation.append((target, on, b, f1["macro_recall"] - f0["macro_recall"]))
        lo, hi = delta_interval(*sets[target], b)
        print(line(target, f1, "  %+.3f [%+.3f, %+.3f]  %s %s (training figure %.3f)" % (
            f1["macro_recall"] - f0["macro_recall"], lo, hi, "+".join(on), fmt_bias(b), fit)))
    # one corpus chooses, every other is held out
    print("\none corpus chooses, the others are held out")
    print(HEAD + "  delta macro [95 % paired bootstrap]")
    for src in sets:
        b, fit = choose(grids, [src])
        print("chosen on %s: %s (training figure %.3f)%s" % (src, fmt_bias(b), fit, "" if src in chooser else
              "  (evaluation-only corpus: shown for the symmetry, never a candidate)"))
        for n in sets:
            if n == src:
                continue
            f0, f1 = figures(*sets[n]), figures(*sets[n], b)
            lo, hi = delta_interval(*sets[n], b)
            print(line("  " + n, f1, "  %+.3f [%+.3f, %+.3f]" % (f1["macro_recall"] - f0["macro_recall"], lo, hi)))
    # the candidate to ship: chosen on --choose-on (never PhraseBank alone), with the binary guards
    on = args.choose_on.split(",") if args.choose_on else chooser
    b, fit = choose(grids, on)
    print("\ncandidate: chosen on %s: %s (training figure %.3f)" % ("+".join(on), fmt_bias(b), fit))
    print(HEAD + "  delta macro / binary")
    for n in list(sets) + list(guards):
        g, p = (sets if n in sets else guards)[n]
        f0, f1 = figures(g, p), figures(g, p, b)
        tag = "" if n not in on else "  (chose it: training figure)"
        db = (f1["binary"] - f0["binary"]) if f0["binary"] is not None else float("nan")
        print(line(n, f1, "  %+.3f / %+.3f%s" % (f1["macro_recall"] - f0["macro_recall"], db, tag)))
    consistent = all(d > 0 for _, _, _, d in rotation)
    print("\nleave-one-corpus-out gain on every corpus: %s" % ("yes" if consistent else "no"))
    if args.json:
        json.dump({"candidate": {"bias": b, "chosen_on": on},
                   "rotation": [{"target": t, "chosen_on": o, "bias": bb, "delta_macro": d}
                                for t, o, bb, d in rotation]}, open(args.json, "w"), indent=1)


def cmd_write(args):
    b = [float(x) for x in args.bias.split(",")]
    if len(b) != 3:
        sys.exit("--bias: three numbers, negative,neutral,positive")
    os.makedirs(args.out, exist_ok=True)
    for f in os.listdir(args.model):
        if f != "config.json" and os.path.isfile(os.path.join(args.model, f)):
            dst = os.path.join(args.out, f)
            if not os.path.exists(dst):
                try:
                    os.link(os.path.join(args.model, f), dst)
                except OSError:
                    shutil.copy(os.path.join(args.model, f), dst)
    with open(os.path.join(args.model, "config.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    cfg["earshot_logit_bias"] = b
    # the stored version names the bias: the same weights score differently with it
    base = cfg["earshot_model_version"].split("-cb")[0]
    cfg["earshot_model_version"] = base + ("-cb%s" % "_".join("%g" % x for x in b) if any(b) else "")
    with open(os.path.join(args.out, "config.json"), "w", encoding="utf-8") as f:
        json.dump(cfg, f, indent=2, ensure_ascii=False)
    print(f"{args.out}: earshot_logit_bias {b}, version {cfg['earshot_model_version']}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sets")
    s.add_argument("--data", default="../shared/data/sentiment")
    s.add_argument("--out", required=True)
    s.add_argument("--per-class", type=int, default=1000)
    s.add_argument("--seed", type=int, default=SEED)
    t = sub.add_parser("table")
    t.add_argument("sets", nargs="+", help="NAME=ROWS.csv, three-class held-out corpora")
    t.add_argument("--guard", action="append", help="NAME=ROWS.csv: binary sets the bias must not hurt")
    t.add_argument("--choose-on", default="", help="corpora the candidate bias is chosen on (default: all "
                                                   "but the evaluation-only ones)")
    t.add_argument("--json", default="")
    w = sub.add_parser("write")
    w.add_argument("--model", default="models/sentiment")
    w.add_argument("--out", required=True)
    w.add_argument("--bias", required=True)
    args = ap.parse_args()
    {"sets": cmd_sets, "table": cmd_table, "write": cmd_write}[args.cmd](args)


if __name__ == "__main__":
    main()
