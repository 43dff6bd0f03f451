#!/usr/bin/env bash
# The coordinator's write ceiling in mentions/s: how fast `earshot crawl
# --fleet` stores results when it, not the workers, is the bound.
#
# HOSTS static loopback sites (`earshot debug-serve`) of PAGES pages, each
# page one post naming all WATCHES watched brands (so WATCHES mentions a
# page); N `earshot worker`s and a local `nats-server -js -m` (its
# monitoring port gives the streams' depths). Scoring off, limits off.
#   1. The coordinator starts; once it has published every page's fetch job
#      it is stopped (SIGSTOP). The workers fetch everything and fill
#      EARSHOT_RESULTS, then wait with nothing to do.
#   2. The coordinator is resumed (SIGCONT) and drains the full results
#      queue with the workers idle: pages and mentions stored per second
#      while draining is its write ceiling.
# Prints the depth of EARSHOT_FETCH and EARSHOT_RESULTS over time, the
# drain, the crawl's own summary, and one machine's crawl of the same
# sites without the fleet for reference.
#
#   benches/fleet-write.sh [EARSHOT_BINARY]   (default target/release/earshot)
set -euo pipefail
BIN=${1:-target/release/earshot}
HOSTS=${HOSTS:-4}
PAGES=${PAGES:-100}
WATCHES=${WATCHES:-40}
N=${N:-2}
NATS=$(command -v nats-server || echo /usr/sbin/nats-server)
W=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done; rm -rf "$W"; }
trap cleanup EXIT

mkdir -p "$W/site/p"
python3 - "$W" "$PAGES" "$WATCHES" <<'PY'
import itertools, string, sys
w, n, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
names = ["Qx" + a + b for a, b in itertools.islice(itertools.product(string.ascii_lowercase, repeat=2), k)]
open(f"{w}/watches.toml", "w").write("".join(f'[[watch]]\nname = "{b}"\n\n' for b in names))
links = " ".join(f'<a href="/p/{i}.html">{i}</a>' for i in range(n))
open(f"{w}/site/index.html", "w").write(f"<html><body><nav>{links}</nav></body></html>")
for i in range(n):
    said = " ".join(f"<p>Day {i}: the {b} desk lamp gives a warm light in the evening.</p>" for b in names)
    open(f"{w}/site/p/{i}.html", "w").write(
        f"<html><head><title>Page {i}</title></head><body><article><h1>Page {i}</h1>{said}</article></body></html>")
PY
. "$(dirname "$0")/fleet-sites.sh"
serve_sites
free() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free); mon=$(free)
cat > "$W/c.toml" <<EOT
[store]
path = "$W/store"
[crawl]
user_agent = "earshot-bench (+https://github.com/earshot-dev/earshot)"
rate_per_host = 1000.0
burst = 1000
max_pages_per_source = 100000
[sentiment]
enabled = false
[fleet]
shards = 64
$(cat "$W/watches.toml")
$sources
EOT
"$NATS" -js -a 127.0.0.1 -p "$port" -m "$mon" -sd "$W/nats" > /dev/null 2>&1 & pids+=($!)
sleep 0.5
for _ in $(seq 1 "$N"); do "$BIN" --config "$W/c.toml" worker --fleet "nats://127.0.0.1:$port" 2>/dev/null & pids+=($!); done
"$BIN" --config "$W/c.toml" crawl --json --fleet "nats://127.0.0.1:$port" > "$W/crawl.json" 2> "$W/crawl.err" & coord=$!; pids+=($coord)

python3 - "$mon" "$coord" "$HOSTS" "$PAGES" "$WATCHES" <<'PY'
import json, os, signal, sys, time, urllib.request
mon, coord, hosts, pages, watches = (int(a) for a in sys.argv[1:])
def depth():
    j = json.load(urllib.request.urlopen(f"http://127.0.0.1:{mon}/jsz?accounts=true&streams=true", timeout=2))
    s = {}
    for a in j.get("account_details", []):
        for d in a.get("stream_detail", []):
            s[d["name"]] = d["state"]
    f, r = s.get("EARSHOT_FETCH", {}), s.get("EARSHOT_RESULTS", {})
    return f.get("last_seq", 0), f.get("messages", 0), r.get("last_seq", 0), r.get("messages", 0)
t0 = time.time()
def show(tag, d):
    print(f"{time.time()-t0:6.2f} s  fetch jobs published {d[0]:5}  waiting {d[1]:5}   results published {d[2]:5}  waiting {d[3]:5}  {tag}", flush=True)
def alive():
    try:
        return open(f"/proc/{coord}/stat").read().split(") ")[1][0] != "Z"
    except OSError:
        return False
while True:  # 1. until every page's fetch job is out
    d = depth(); show("", d)
    if d[0] >= hosts * pages:
        break
    if not alive():
        sys.exit("the coordinator finished before every job was out: raise PAGES")
    time.sleep(0.1)
os.kill(coord, signal.SIGSTOP); show("coordinator stopped", depth())
last, still = None, 0
while still < 4:  # the workers fill the results queue, then idle
    time.sleep(0.25)
    d = depth(); show("", d)
    still = still + 1 if (d[1] == 0 and d == last) else 0
    last = d
full = d[3]
os.kill(coord, signal.SIGCONT); t1 = time.time(); show("coordinator resumed", d)
# Until the queue is empty or the coordinator is done (results redelivered
# after the stop may stay behind as duplicates it no longer needs).
while d[3] > 0 and alive():
    time.sleep(0.5)
    d = depth()
    show("", d)
dt = time.time() - t1
show("drained", d)
# Every page but the HOSTS index pages names WATCHES brands; the results
# left waiting may include index pages (none of their mentions).
full -= d[3]
m = min(full, hosts * pages) * watches
print(f"drain: {full} pages (~{m} mentions) in {dt:.2f} s = {full/dt:.1f} pages/s, {m/dt:.0f} mentions/s stored by the coordinator")
print("load average:", open("/proc/loadavg").read().split()[:3])
PY
wait "$coord" || true
# What the coordinator left in the results queue when it exited (acks it
# sent, or not, before the process ended).
python3 - "$mon" <<'PY'
import json, sys, urllib.request
j = json.load(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/jsz?accounts=true&streams=true", timeout=2))
left = sum(d["state"]["messages"] for a in j.get("account_details", []) for d in a.get("stream_detail", []) if d["name"] == "EARSHOT_RESULTS")
print(f"results left in EARSHOT_RESULTS after the coordinator exited: {left}")
PY
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print("crawl summary: pages_fetched", s["pages_fetched"], "mentions_new", s["mentions_new"], "pages_failed", s["pages_failed"], "elapsed", s["elapsed_ms"]/1000, "s (includes the stop)")' "$W/crawl.json" || cat "$W/crawl.err"
# For reference, the same site crawled by one machine without the fleet.
sed "s|^path = \"$W/store\"|path = \"$W/store1\"|" "$W/c.toml" > "$W/c1.toml"
"$BIN" --config "$W/c1.toml" crawl --json > "$W/single.json"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); t=s["elapsed_ms"]/1000; m=s["mentions_new"]; n=s["pages_fetched"]; print(f"one machine (earshot crawl, no fleet): {n} pages, {m} mentions in {t:.2f} s = {m/t:.0f} mentions/s end to end")' "$W/single.json"
