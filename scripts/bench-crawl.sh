#!/usr/bin/env bash
# Engine-overhead benchmark: earshot's crawler against Scrapy on the same
# local static site, in one run.
#
#   scripts/bench-crawl.sh [PAGES] [--json]      (from the repo root; PAGES=3000)
#
# Generates PAGES pages (+ index.html) with scripts/bench_site.py, serves
# them with `earshot debug-serve` on 127.0.0.1, crawls them once with
# earshot (`crawl --json`, fresh store) and once with Scrapy
# (scripts/scrapy_bench.py), and prints pages fetched, seconds and pages/s
# for each and the earshot/scrapy ratio. Politeness limits are OFF on both
# sides: this measures engine overhead on loopback, and is not a setting
# for real sites. See scripts/README.md.
#
# Environment:
#   EARSHOT_BIN   earshot binary to use (default target/release/earshot,
#                 built with `make build` when missing or older than the
#                 sources; a binary named here is used as it is)
#   CONCURRENCY   requests in flight, both crawlers (default 16)
#   PYTHON        Python for the Scrapy venv and the site generator (python3)
#   KEEP_TMP=1    keep the temp dir (site, store, logs) and print its path
#
# Exit status: 0 when both crawlers fetched every page exactly once, 1 on a
# page-count mismatch or failed pages (figures are still printed), 2 on bad
# usage, other non-zero when a step could not run.
set -euo pipefail

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; }

PAGES=3000
JSON=0
for arg in "$@"; do
    case "$arg" in
        --json) JSON=1 ;;
        -h | --help) usage; exit 0 ;;
        '' | *[!0-9]*) echo "bench-crawl: unknown argument \`$arg\`" >&2; usage >&2; exit 2 ;;
        *) PAGES=$arg ;;
    esac
done
if [ "$PAGES" -lt 1 ]; then
    echo "bench-crawl: PAGES must be at least 1" >&2
    exit 2
fi

cd "$(dirname "$0")/.."
ROOT=$PWD
PYTHON=${PYTHON:-python3}
CONCURRENCY=${CONCURRENCY:-16}
VENV=scripts/.venv-scrapy
REQS=scripts/scrapy-requirements.txt

log() { echo "bench-crawl: $*" >&2; }
die() { echo "bench-crawl: error: $*" >&2; exit 1; }

# --- earshot binary -----------------------------------------------------------
if [ -n "${EARSHOT_BIN:-}" ]; then
    BIN=$EARSHOT_BIN
    [ -x "$BIN" ] || die "EARSHOT_BIN=$BIN is not an executable"
    log "using $BIN as it is (EARSHOT_BIN)"
else
    BIN=target/release/earshot
    stale=""
    if [ ! -x "$BIN" ]; then
        stale="missing"
    else
        newer=$(find src crates crawlers demo/site config/earshot.toml Cargo.toml Cargo.lock .cargo \
            -newer "$BIN" -type f -print -quit 2>/dev/null || true)
        [ -n "$newer" ] && stale="older than $newer"
    fi
    if [ -n "$stale" ]; then
        log "$BIN is $stale: make build (release; the first build takes a while)"
        make build >&2 || die "make build failed"
    fi
fi
case "$BIN" in /*) ;; *) BIN=$ROOT/$BIN ;; esac

# --- Scrapy venv --------------------------------------------------------------
want_sum=$(sha256sum "$REQS" | cut -d' ' -f1)
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$VENV/.requirements.sha256" 2>/dev/null || true)" != "$want_sum" ] \
    || ! "$VENV/bin/python" -c 'import scrapy' 2>/dev/null; then
    log "installing Scrapy into $VENV (pinned in $REQS)"
    [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV" || die "cannot create $VENV"
    "$VENV/bin/pip" install --disable-pip-version-check --quiet -r "$REQS" >&2 || die "pip install -r $REQS failed"
    echo "$want_sum" > "$VENV/.requirements.sha256"
fi
SCRAPY_VERSION=$("$VENV/bin/python" -c 'import scrapy; print(scrapy.__version__)')

# --- temp dir, cleanup --------------------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/earshot-bench.XXXXXX")
SERVER_PID=""
CHILD_PID=""
# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
    if [ -n "$CHILD_PID" ]; then
        kill "$CHILD_PID" 2>/dev/null || true
        wait "$CHILD_PID" 2>/dev/null || true
    fi
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [ "${KEEP_TMP:-0}" = 1 ]; then
        log "kept $TMP"
    else
        rm -rf "$TMP"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Runs a crawler in the background and waits, so that a signal to this
# script reaches the trap (and the crawler is killed) at once.
run_child() {
    "$@" &
    CHILD_PID=$!
    local rc=0
    wait "$CHILD_PID" || rc=$?
    CHILD_PID=""
    return "$rc"
}

# --- site ---------------------------------------------------------------------
SITE=$TMP/site
"$PYTHON" scripts/bench_site.py "$SITE" --pages "$PAGES"
EXPECTED=$((PAGES + 1)) # the /p/ pages and index.html

# --- server -------------------------------------------------------------------
"$BIN" debug-serve "$SITE" --addr 127.0.0.1:0 > "$TMP/serve.out" 2> "$TMP/serve.err" &
SERVER_PID=$!
PORT=""
for _ in $(seq 1 600); do # up to 60 s: a debug build takes a few to start
    PORT=$(sed -n 's|^listening http://127\.0\.0\.1:\([0-9][0-9]*\)$|\1|p' "$TMP/serve.out" | head -n1)
    [ -n "$PORT" ] && break
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        cat "$TMP/serve.err" >&2
        die "earshot debug-serve exited before it printed \`listening http://127.0.0.1:PORT\`"
    fi
    sleep 0.1
done
if [ -z "$PORT" ]; then
    cat "$TMP/serve.out" "$TMP/serve.err" >&2
    die "earshot debug-serve printed no \`listening http://127.0.0.1:PORT\` line within 60 s"
fi
START_URL="http://127.0.0.1:$PORT/index.html"
log "serving $SITE at http://127.0.0.1:$PORT/"

now() { "$PYTHON" -c 'import time; print(repr(time.time()))'; }
# Bash 5 has EPOCHREALTIME; fall back to Python elsewhere.
if [ -n "${EPOCHREALTIME:-}" ]; then now() { echo "${EPOCHREALTIME/,/.}"; }; fi

# --- earshot ------------------------------------------------------------------
STORE=$TMP/store
CFG=$TMP/earshot-bench.toml
cat > "$CFG" <<EOF
# Written by scripts/bench-crawl.sh: politeness OFF, for a loopback benchmark only.
[store]
path = "$STORE"

[crawl]
user_agent = "earshot-bench (+https://github.com/earshot-dev/earshot)"
rate_per_host = 1000000.0
burst = 1000
per_host_concurrency = $CONCURRENCY
concurrency = $CONCURRENCY
max_depth = 1000
max_pages_per_source = 1000000
allow_private = true

[[source]]
name = "bench"
start_urls = ["$START_URL"]
follow = ['^/p/']
allow_private = true
rate_per_host = 1000000.0
EOF
if ! "$BIN" config check "$CFG" > "$TMP/check.out" 2>&1; then
    cat "$TMP/check.out" >&2
    die "earshot rejected the benchmark config (above); adapt the config in scripts/bench-crawl.sh"
fi

log "earshot: crawling $EXPECTED pages (concurrency $CONCURRENCY)"
t0=$(now)
set +e
run_child "$BIN" --config "$CFG" --store "$STORE" -q crawl --json > "$TMP/earshot.json" 2> "$TMP/earshot.err"
ES_RC=$?
set -e
t1=$(now)
if [ "$ES_RC" -ne 0 ] && [ "$ES_RC" -ne 4 ]; then # 4: finished, some pages failed
    cat "$TMP/earshot.err" >&2
    die "earshot crawl exited with $ES_RC"
fi
read -r ES_PAGES ES_FAILED ES_MS < <("$PYTHON" - "$TMP/earshot.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
print(int(s["pages_fetched"]), int(s.get("pages_failed", 0)), float(s["elapsed_ms"]))
EOF
) || { cat "$TMP/earshot.json" "$TMP/earshot.err" >&2; die "cannot read pages_fetched/elapsed_ms from earshot's --json output"; }
ES_WALL=$("$PYTHON" -c "print($t1 - $t0)")

# --- Scrapy -------------------------------------------------------------------
log "scrapy $SCRAPY_VERSION: crawling $EXPECTED pages (concurrency $CONCURRENCY)"
t0=$(now)
set +e
run_child "$VENV/bin/python" scripts/scrapy_bench.py "$START_URL" --concurrency "$CONCURRENCY" \
    > "$TMP/scrapy.out" 2> "$TMP/scrapy.err"
SC_RC=$?
set -e
t1=$(now)
line=$(grep -E '^pages=[0-9]+ seconds=[0-9.]+' "$TMP/scrapy.out" | tail -n1 || true)
if [ "$SC_RC" -ne 0 ] || [ -z "$line" ]; then
    tail -n 40 "$TMP/scrapy.err" >&2
    die "scrapy_bench.py exited with $SC_RC and printed no \`pages=N seconds=S\` line"
fi
SC_PAGES=$(sed -E 's/^pages=([0-9]+).*/\1/' <<< "$line")
SC_SECS=$(sed -E 's/^pages=[0-9]+ seconds=([0-9.]+).*/\1/' <<< "$line")
SC_FAILED=$(sed -nE 's/.* failed=([0-9]+).*/\1/p' <<< "$line")
SC_FAILED=${SC_FAILED:-0}
SC_WALL=$("$PYTHON" -c "print($t1 - $t0)")

# --- report -------------------------------------------------------------------
NPROC=$(nproc)
CPU=$(grep -m1 -E '^(model name|Model|cpu model)[[:space:]]*:' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || true)
CPU=${CPU:-unknown}
ES_VERSION=$("$BIN" --version 2>/dev/null | head -n1 || echo earshot)

set +e
BENCH_JSON=$JSON PAGES=$PAGES EXPECTED=$EXPECTED CONCURRENCY=$CONCURRENCY NPROC=$NPROC CPU=$CPU \
ES_VERSION=$ES_VERSION ES_BIN=$BIN ES_RC=$ES_RC ES_PAGES=$ES_PAGES ES_FAILED=$ES_FAILED ES_MS=$ES_MS ES_WALL=$ES_WALL \
SCRAPY_VERSION=$SCRAPY_VERSION SC_PAGES=$SC_PAGES SC_FAILED=$SC_FAILED SC_SECS=$SC_SECS SC_WALL=$SC_WALL \
"$PYTHON" - <<'EOF'
import json, os, sys

e = os.environ
expected = int(e["EXPECTED"])
es_pages, sc_pages = int(e["ES_PAGES"]), int(e["SC_PAGES"])
es_secs, sc_secs = float(e["ES_MS"]) / 1000.0, float(e["SC_SECS"])
es_rate = es_pages / es_secs if es_secs > 0 else float("nan")
sc_rate = sc_pages / sc_secs if sc_secs > 0 else float("nan")
ratio = es_rate / sc_rate if sc_rate > 0 else float("nan")

problems = []
if es_pages != expected:
    problems.append("earshot fetched %d pages, expected %d" % (es_pages, expected))
if int(e["ES_FAILED"]):
    problems.append("earshot: %s pages failed (exit %s)" % (e["ES_FAILED"], e["ES_RC"]))
if sc_pages != expected:
    problems.append("scrapy fetched %d pages, expected %d" % (sc_pages, expected))
if int(e["SC_FAILED"]):
    problems.append("scrapy: %s requests failed" % e["SC_FAILED"])
if es_pages != sc_pages:
    problems.append("page counts differ: earshot %d, scrapy %d" % (es_pages, sc_pages))

summary = {
    "pages": int(e["PAGES"]),
    "expected_pages": expected,
    "concurrency": int(e["CONCURRENCY"]),
    "nproc": int(e["NPROC"]),
    "cpu": e["CPU"],
    "earshot": {
        "version": e["ES_VERSION"], "binary": e["ES_BIN"],
        "pages_fetched": es_pages, "pages_failed": int(e["ES_FAILED"]),
        "seconds": round(es_secs, 3), "pages_per_s": round(es_rate, 1),
        "process_wall_s": round(float(e["ES_WALL"]), 3),
    },
    "scrapy": {
        "version": e["SCRAPY_VERSION"],
        "pages_fetched": sc_pages, "pages_failed": int(e["SC_FAILED"]),
        "seconds": round(sc_secs, 3), "pages_per_s": round(sc_rate, 1),
        "process_wall_s": round(float(e["SC_WALL"]), 3),
    },
    "ratio_earshot_over_scrapy": round(ratio, 2),
    "ok": not problems,
    "problems": problems,
}

if e["BENCH_JSON"] == "1":
    print(json.dumps(summary, indent=2))
else:
    print()
    print("crawl benchmark: %d pages + index.html on 127.0.0.1, concurrency %s, politeness off"
          % (summary["pages"], summary["concurrency"]))
    print("machine: %s cores (nproc), %s" % (summary["nproc"], summary["cpu"]))
    print()
    rows = [("crawler", "pages", "seconds", "pages/s", "process wall s")]
    for name, label in (("earshot", e["ES_VERSION"]), ("scrapy", "scrapy " + e["SCRAPY_VERSION"])):
        s = summary[name]
        rows.append((label, str(s["pages_fetched"]), "%.3f" % s["seconds"], "%.1f" % s["pages_per_s"],
                     "%.3f" % s["process_wall_s"]))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for n, r in enumerate(rows):
        print("  " + r[0].ljust(widths[0]) + "  " + "  ".join(c.rjust(w) for c, w in zip(r[1:], widths[1:])))
        if n == 0:
            print("  " + "  ".join("-" * w for w in widths))
    print()
    print("earshot/scrapy: %.2fx pages/s" % ratio)
    print("(seconds: earshot's elapsed_ms and spider open-to-close; process wall includes start-up)")

if problems:
    bar = "!" * 72
    print(bar, file=sys.stderr)
    print("PAGE COUNT MISMATCH / FAILURES: the figures above are not comparable", file=sys.stderr)
    for p in problems:
        print("  - " + p, file=sys.stderr)
    print(bar, file=sys.stderr)
    sys.exit(1)
EOF
STATUS=$?
set -e
exit "$STATUS"
