#!/usr/bin/env bash
# Pages/s of one crawl pass on one machine (`earshot crawl`) against the
# fleet path (`earshot crawl --fleet` with 1, 2 and 4 `earshot worker`s and a
# local `nats-server -js`), all on this machine, over loopback, limits off
# (rate_per_host 1000/s), scoring off. HOSTS static sites of PAGES pages
# each (`earshot debug-serve`), one source per site: the fleet runs one job
# per host at a time, as one machine does with per_host_concurrency = 1.
#
#   benches/fleet.sh [EARSHOT_BINARY]   (default target/release/earshot)
#
# Prints one line per setup: pages, seconds, pages/s.
set -euo pipefail
BIN=${1:-target/release/earshot}
HOSTS=${HOSTS:-4}
PAGES=${PAGES:-150}
NATS=$(command -v nats-server || echo /usr/sbin/nats-server)
W=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$W"; }
trap cleanup EXIT

mkdir -p "$W/site/p"
python3 - "$W/site" "$PAGES" <<'PY'
import sys
d, n = sys.argv[1], int(sys.argv[2])
links = " ".join(f'<a href="/p/{i}.html">{i}</a>' for i in range(n))
open(f"{d}/index.html", "w").write(f"<html><body><nav>{links}</nav></body></html>")
for i in range(n):
    open(f"{d}/p/{i}.html", "w").write(
        f"<html><head><title>Page {i}</title></head><body><article><h1>Page {i}</h1>"
        f"<p>Day {i} with the Lumio Aura desk lamp: the warm light is pleasant in the evening.</p>"
        "<p>The base is heavy enough and the arm holds its position.</p></article></body></html>")
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
enabled = false
[fleet]
shards = 64
[[watch]]
name = "Lumio"
$sources
EOT
}
report() { python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); n=s["pages_fetched"]; t=s["elapsed_ms"]/1000; print(f"{sys.argv[2]:<22} {n:>5} pages {t:7.2f} s {n/t:8.1f} pages/s")' "$1" "$2"; }

config single
"$BIN" --config "$W/c.toml" crawl --json > "$W/single.json"
report "$W/single.json" "one machine"
for n in 1 2 4; do
  config "fleet$n"
  "$NATS" -js -a 127.0.0.1 -p "$port" -sd "$W/nats$n" > /dev/null 2>&1 & np=$!; pids+=($np)
  sleep 0.5
  wp=()
  for _ in $(seq 1 "$n"); do "$BIN" --config "$W/c.toml" worker --fleet "nats://127.0.0.1:$port" 2>/dev/null & wp+=($!); pids+=($!); done
  "$BIN" --config "$W/c.toml" crawl --json --fleet "nats://127.0.0.1:$port" > "$W/fleet$n.json"
  report "$W/fleet$n.json" "fleet, $n worker(s)"
  kill "${wp[@]}" "$np" 2>/dev/null || true; wait "${wp[@]}" "$np" 2>/dev/null || true
done
