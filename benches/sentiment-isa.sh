#!/usr/bin/env bash
# int8 scoring speed on this CPU's own kernels against the AVX2-only
# kernels an older CPU would run (issue #24: ≥ 150 mentions/s at batch 16
# on an AVX2-only CPU).
#
#     benches/sentiment-isa.sh            # ROUNDS=3 N=600 BATCH=16
#
# It runs the scorer's sentiment bench (`EARSHOT_BENCH_PRECISION=int8`)
# alternately as is and with every kernel library libtorch links held to
# AVX2: fbgemm (the int8 GEMMs: FBGEMM_ENABLE_INSTRUCTIONS), ATen's own
# vector kernels (ATEN_CPU_CAPABILITY), oneDNN (ONEDNN_MAX_CPU_ISA and its older
# name DNNL_MAX_CPU_ISA) and MKL
# (MKL_ENABLE_INSTRUCTIONS). Each library reads its variable once at start,
# so each side is its own process; alternating them shares the machine's
# load fairly between the two. It prints each run and the medians.
#
# What this is and is not: the same CPU running the code paths an AVX2-only
# CPU runs (same clock, caches and memory). A real AVX2-only CPU (Haswell to
# Skylake client, Zen 1-3) has its own clock and caches, so the figure is an
# estimate of that machine, not a measurement on it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
N=${N:-600}
BATCH=${BATCH:-16}

bin=$(cargo bench --quiet -p earshot-scorer --bench sentiment --no-run --message-format=json 2>/dev/null |
    python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "sentiment":
        print(m["executable"])' | tail -1)
[ -x "$bin" ] || { echo "sentiment-isa: could not build the sentiment bench" >&2; exit 1; }

AVX2=(FBGEMM_ENABLE_INSTRUCTIONS=AVX2 ATEN_CPU_CAPABILITY=avx2 DNNL_MAX_CPU_ISA=AVX2 ONEDNN_MAX_CPU_ISA=AVX2 MKL_ENABLE_INSTRUCTIONS=AVX2)
declare -a native avx2
run() {
    # The bench's own line: "int8  batch 16:  225.0 mentions/s (…)".
    env "$@" EARSHOT_PRECISION_CACHE= EARSHOT_BENCH_PRECISION=int8 EARSHOT_BENCH_N="$N" \
        "$bin" --bench 2>&1 | awk -v b="$BATCH" '$1 == "int8" && $3 == b":" { print $4 }' | head -1
}
for r in $(seq "$ROUNDS"); do
    a=$(run) && native+=("$a")
    b=$(run "${AVX2[@]}") && avx2+=("$b")
    echo "round $r: native ${a:-?} / AVX2 only ${b:-?} mentions/s (int8, batch $BATCH, $N texts; load $(cut -d' ' -f1-3 /proc/loadavg))"
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "median: native $(median "${native[@]}") / AVX2 only $(median "${avx2[@]}") mentions/s"
