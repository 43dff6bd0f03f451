#!/usr/bin/env bash
# The model card's held-out table in one command: writes the held-out test rows
# (train.py --write-test, seeded, the same rows every time) unless they are
# there, then runs `earshot eval-sentiment` on each set with the model in
# MODEL_DIR (default: the shipped one).
#
#   scripts/sentiment/eval-heldout.sh [MODEL_DIR] [PRECISION]
#
# Needs `make setup` plus scripts/sentiment/requirements.txt in .venv (for the
# test rows), a release build, and the training data in DATA.
set -euo pipefail
cd "$(dirname "$0")/../.."
model=${1:-models/sentiment}
precision=${2:-auto}
data=${DATA:-../shared/data/sentiment}
rows=${HELDOUT:-target/heldout}
earshot=./target/release/earshot

[ -x "$earshot" ] || { echo "no $earshot: run cargo build --release --locked first" >&2; exit 1; }
[ -f "$model/config.json" ] || { echo "$model: no config.json, not a model directory" >&2; exit 1; }
if [ ! -f "$rows/en_sst2_dev.csv" ]; then
  [ -d "$data" ] || { echo "training data not found in $data: set DATA=/path/to/sentiment" >&2; exit 1; }
  .venv/bin/python scripts/sentiment/train.py --data "$data" --write-test "$rows" >/dev/null
fi

printf '%-40s %6s %8s %8s %8s\n' set n binary 3-class macro-rec
for f in "$rows"/*.csv; do
  EARSHOT_LOG=error "$earshot" eval-sentiment --json --precision "$precision" --model "$model" --data "$f" |
    .venv/bin/python -c '
import json, sys
r = json.load(sys.stdin)
b = r["binary_accuracy"]
print("%-40s %6d %8s %8.3f %8.3f" % (sys.argv[1], r["n"], "-" if b is None else "%.3f" % b, r["accuracy"], r["macro_recall"]))
' "$(basename "$f" .csv)"
done
