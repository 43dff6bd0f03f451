# Sourced by the fleet benches (fleet.sh, fleet-score.sh, fleet-write.sh):
# serves $W/site on HOSTS loopback ports (`earshot debug-serve`), one
# `[[source]]` per port in $sources, each server's pid in pids.
serve_sites() {
  sources=""
  local h addr
  for h in $(seq 1 "$HOSTS"); do
    "$BIN" debug-serve "$W/site" > "$W/serve$h.log" 2>&1 & pids+=($!)
    for _ in $(seq 100); do grep -qs listening "$W/serve$h.log" && break; sleep 0.05; done
    addr=$(sed -n 's/.*listening \(http[^ ]*\).*/\1/p' "$W/serve$h.log" | head -1)
    sources+="[[source]]
name = \"site$h\"
start_urls = [\"$addr/index.html\"]
follow = ['^/p/']
allow_private = true
timezone = \"UTC\"
"
  done
}
