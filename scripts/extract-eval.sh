#!/usr/bin/env bash
# Article-extraction quality and speed: earshot's extractor against
# trafilatura on the extraction development set.
#
#   scripts/extract-eval.sh [DIR]          # DIR defaults to ../shared/data/extraction
#   SKIP_TRAFILATURA=1 scripts/extract-eval.sh     # earshot only
#   THREADS=1,2 REPEAT=3 scripts/extract-eval.sh   # timing runs (best of REPEAT)
#   COMPARE="main=/tmp/scores-main.tsv" scripts/extract-eval.sh
#       # other earshot versions' per-page scores (evaluate.py --per-page) to
#       # choose among, leave-one-source-out (scripts/extract_loso.py)
#
# The overall and per-source figures are in-sample: earshot's heuristics
# were developed on this set. The last table holds each source out in turn:
# the version (this build or one of COMPARE) is chosen on the other
# sources and scored on the held-out one, beside trafilatura.
#
# Run from the repository root. The data set is not part of the repository
# (its pages are AGPL / research-only); without it this exits with a message.
# Outputs go to $EVAL_OUT (default target-dir/extract-eval/): predictions
# and per-page scores of both extractors.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${1:-../shared/data/extraction}"
if [[ ! -f "$DIR/ground-truth.jsonl" || ! -d "$DIR/pages" || ! -f "$DIR/evaluate.py" ]]; then
    echo "extract-eval: no development set at $DIR (needs ground-truth.jsonl, pages/, evaluate.py);" >&2
    echo "  give its directory as the first argument. The set is not part of the repository." >&2
    exit 2
fi
DIR="$(cd "$DIR" && pwd)"
TARGET="${CARGO_TARGET_DIR:-target}"
OUT="${EVAL_OUT:-$TARGET/extract-eval}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
THREADS="${THREADS:-1,2}"
REPEAT="${REPEAT:-1}"

echo "== earshot (release, decode + extract, threads $THREADS) =="
cargo bench --quiet --no-default-features --bench extract -- \
    "$DIR" --out "$OUT/pred-earshot.jsonl" --threads "$THREADS" --repeat "$REPEAT"
python3 "$DIR/evaluate.py" "$DIR/ground-truth.jsonl" "$OUT/pred-earshot.jsonl" \
    --per-page "$OUT/scores-earshot.tsv"

if [[ -z "${SKIP_TRAFILATURA:-}" ]]; then
    VENV=.venv-bench
    REQ=scripts/trafilatura-requirements.txt
    if [[ ! -x "$VENV/bin/python" || ! -f "$VENV/.req" ]] || ! cmp -s "$REQ" "$VENV/.req" \
        || ! "$VENV/bin/python" -c 'import trafilatura' 2>/dev/null; then
        echo "== installing trafilatura into $VENV (git-ignored, pinned in $REQ) =="
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQ"
        cp "$REQ" "$VENV/.req"
    fi
    echo
    echo "== trafilatura (defaults, 1 process) =="
    "$VENV/bin/python" scripts/extract_trafilatura.py "$DIR" "$OUT/pred-trafilatura.jsonl"
    python3 "$DIR/evaluate.py" "$DIR/ground-truth.jsonl" "$OUT/pred-trafilatura.jsonl" \
        --per-page "$OUT/scores-trafilatura.tsv"
fi
echo
echo "== leave-one-source-out =="
REFS=()
if [[ -f "$OUT/scores-trafilatura.tsv" && -z "${SKIP_TRAFILATURA:-}" ]]; then
    REFS=(--reference "trafilatura=$OUT/scores-trafilatura.tsv")
fi
# shellcheck disable=SC2086
python3 scripts/extract_loso.py "$DIR/ground-truth.jsonl" "earshot=$OUT/scores-earshot.tsv" \
    ${COMPARE:-} "${REFS[@]}"
echo
echo "nproc: $(nproc); CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "outputs in $OUT"
