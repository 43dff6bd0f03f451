#!/usr/bin/env python3
"""trafilatura over the extraction development set, for scripts/extract-eval.sh.

Usage: extract_trafilatura.py DIR OUT.jsonl

Reads every pages/<id>.html.gz listed in DIR/ground-truth.jsonl into memory
(gunzipped before the clock starts, as the earshot bench does), runs
trafilatura.extract(html_bytes) with its defaults on each, writes
{"id", "articleBody"} lines to OUT.jsonl and prints docs/s.
"""
import gzip
import json
import os
import sys
import time

import trafilatura


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    d, out = sys.argv[1], sys.argv[2]
    pages = []
    with open(os.path.join(d, "ground-truth.jsonl"), encoding="utf-8") as f:
        for line in f:
            if line.strip():
                pid = json.loads(line)["id"]
                with gzip.open(os.path.join(d, "pages", pid + ".html.gz"), "rb") as g:
                    pages.append((pid, g.read()))
    results = []
    start = time.perf_counter()
    for pid, html in pages:
        try:
            text = trafilatura.extract(html)
        except Exception:  # noqa: BLE001 - a failed page is a missing prediction
            text = None
        results.append((pid, text))
    secs = time.perf_counter() - start
    with open(out, "w", encoding="utf-8") as f:
        for pid, text in results:
            f.write(json.dumps({"id": pid, "articleBody": text}, ensure_ascii=False) + "\n")
    print(f"trafilatura {trafilatura.__version__}: {len(pages)} docs in {secs:.2f} s = "
          f"{len(pages) / secs:.1f} docs/s")


if __name__ == "__main__":
    main()
