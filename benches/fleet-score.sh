#!/usr/bin/env bash
# Scoring through the fleet: one crawl pass with the shipped sentiment
# model on one machine (`earshot crawl`), then through a local
# `nats-server -js` with one worker that scores its own pages, and with one
# `--no-score` fetch worker plus 1 and 2 `--score-only` workers, all on this
# machine, over loopback, limits off. HOSTS static sites of PAGES pages,
# one mention each (`earshot debug-serve`).
#
#   benches/fleet-score.sh [EARSHOT_BINARY]   (default target/release/earshot)
#
# Prints one line per setup: pages, mentions, seconds, pages/s, mentions/s;
# and for each score-only worker its own line (mentions, batches, seconds
# in the model: the model's mentions/s on that worker).
set -euo pipefail
BIN=${1:-target/release/earshot}
HOSTS=${HOSTS:-2}
PAGES=${PAGES:-100}
MODEL=${MODEL:-$(cd "$(dirname "$0")/.." && pwd)/models/sentiment}
NATS=$(command -v nats-server || echo /usr/sbin/nats-server)
W=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$W"; }
trap cleanup EXIT

mkdir -p "$W/site/p"
python3 - "$W/site" "$PAGES" <<'PY'
import sys
d, n = sys.argv[1], int(sys.argv[2])
says = [
    "The Lumio Aura lamp is wonderful, the warm light is lovely and I am very happy with it.",
    "My Lumio Aura broke after two days and support never answered. Awful, a waste of money.",
    "The Lumio Aura lamp ships in a white box with a USB-C cable and a manual.",
    "The Lumio Aura looks great, but the dimmer flickers and the arm wobbles.",
]
links = " ".join(f'<a href="/p/{i}.html">{i}</a>' for i in range(n))
open(f"{d}/index.html", "w").write(f"<html><body><nav>{links}</nav></body></html>")
for i in range(n):
    open(f"{d}/p/{i}.html", "w").write(
        f"<html><head><title>Review {i}</title></head><body><article><h1>Review {i}</h1>"
        f"<p>{says[i % len(says)]}</p><p>Written on day {i}, after using the lamp every "
        "evening at my desk for reading, writing and a little drawing.</p></article></body></html>")
PY
. "$(dirname "$0")/fleet-sites.sh"
serve_sites
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
config() {
  cat > "$W/c.toml" <<EOT
[store]
path = "$W/store-$1"
[crawl]
user_agent = "earshot-bench (+https://github.com/earshot-dev/earshot)"
rate_per_host = 1000.0
burst = 1000
max_pages_per_source = 100000
[sentiment]
model = "$MODEL"
[fleet]
shards = 64
[[watch]]
name = "Lumio"
$sources
EOT
}
report() { python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); n=s["pages_fetched"]; m=s["mentions_new"]; t=s["elapsed_ms"]/1000; print(f"{sys.argv[2]:<34} {n:>5} pages {m:>5} mentions {t:7.2f} s {n/t:7.1f} pages/s {m/t:7.1f} mentions/s")' "$1" "$2"; }

config single
"$BIN" --config "$W/c.toml" crawl --json > "$W/single.json"
report "$W/single.json" "one machine"
run() { # name, fetch worker flags, score-only workers
  config "$1"
  "$NATS" -js -a 127.0.0.1 -p "$port" -sd "$W/nats-$1" > /dev/null 2>&1 & np=$!; pids+=($np)
  sleep 0.5
  wp=(); sp=()
  "$BIN" --config "$W/c.toml" worker $2 --fleet "nats://127.0.0.1:$port" 2>/dev/null & wp+=($!); pids+=($!)
  for i in $(seq 1 "$3"); do
    "$BIN" --config "$W/c.toml" worker --score-only --fleet "nats://127.0.0.1:$port" 2> "$W/score-$1-$i.log" & sp+=($!); pids+=($!)
  done
  "$BIN" --config "$W/c.toml" crawl --json --fleet "nats://127.0.0.1:$port" > "$W/$1.json"
  report "$W/$1.json" "$4"
  kill "${wp[@]}" "${sp[@]}" 2>/dev/null || true; wait "${wp[@]}" "${sp[@]}" 2>/dev/null || true
  for i in $(seq 1 "$3"); do
    sed -n 's/^earshot worker: \(.*pages scored (\([0-9]*\) mentions in \([0-9]*\) batches, \([0-9.]*\)s in the scorer)\)/\2 \3 \4/p' "$W/score-$1-$i.log" |
      awk -v w="$i" '{ printf "  score-only worker %s: %5d mentions, %3d batches, %6.2f s in the model, %7.1f mentions/s\n", w, $1, $2, $3, ($3 > 0 ? $1 / $3 : 0) }'
  done
  kill "$np" 2>/dev/null || true; wait "$np" 2>/dev/null || true
}
run scoring "" 0 "fleet, 1 worker scoring"
run split1 --no-score 1 "fleet, 1 --no-score + 1 --score-only"
run split2 --no-score 2 "fleet, 1 --no-score + 2 --score-only"
