#!/usr/bin/env bash
# The 10 M figures of issue #30: `cargo bench --bench store -- --big` at
# 10,000,000 mentions (texts of 200–1,000 characters, 600 on average),
# crawl state skipped (it does not depend on the mention count: the 1 M
# `--big` run measures it).
#
#   benches/store-10m.sh [DIR]   (default: a fresh directory under target/)
#
# Prints what the bench prints (ingest rate, bytes per mention after
# ingest, restart and `store compact`, then the reads before and after
# compaction: timeline of one watch over 30 days p50/p99, newest 100 p50/p99,
# full-text filter over one watch's month, report gathering of 100,000
# mentions) and how long the run took. The store lives in DIR (set as
# TMPDIR for the bench), which is removed at the end, even on failure or
# Ctrl-C.
#
# Cost: 12.8 GB for the store after ingest and up to as much again for
# the compacted copy, so 30 GB free in DIR. How long (release, one shared
# 2-core machine under `nice -n 5`, load average 5-9 from other builds,
# 2026-12-07): ingest 62 min (3,726 s), the reopen 33 s, the reads about
# 2 min; `store compact` copied about 140 MB a minute, so the copy alone
# would take over an hour more: that run was stopped during compaction
# (docs/store.md). Give it three hours on a machine like that one.
set -euo pipefail
DIR=${1:-target/store-10m}
export TMPDIR
mkdir -p "$DIR"
TMPDIR=$(cd "$DIR" && pwd)/run.$$
mkdir -p "$TMPDIR"
trap 'rm -rf "$TMPDIR"' EXIT
cargo bench --bench store --no-run
start=$(date +%s)
EARSHOT_BENCH_MENTIONS=${EARSHOT_BENCH_MENTIONS:-10000000} EARSHOT_BENCH_URLS=0 \
    cargo bench --bench store -- --big
echo "store-10m.sh: $(( $(date +%s) - start )) s in all (build excluded)"
