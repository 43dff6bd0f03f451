#!/usr/bin/env python3
"""Recall per family, volume and period of a watch's life, from the alert
bench's trace.

    ALERT_BENCH_TRACE=1 cargo bench --bench alert 2> trace.txt
    python3 scripts/alert_trace.py trace.txt

Each cell is `recall/recall within one bucket f<false alerts>` for the
bursts that started (and the alerts that opened) in that period: weeks
1-3 (the cold start), 4-6 (where the seasonal baseline takes over on a
busy watch) and 7-12.
"""

import collections
import sys

RATES = (5, 20, 50, 100, 200, 1000)
PERIODS = ("all", "w1-3", "w4-6", "w7+")


def period(hour):
    week = hour // 168
    return "w1-3" if week < 3 else ("w4-6" if week < 6 else "w7+")


def main():
    bursts = collections.defaultdict(lambda: [0, 0, 0])
    false = collections.Counter()
    for line in open(sys.argv[1], encoding="utf-8"):
        f = line.split()
        if not f or f[0] not in ("burst", "alert"):
            continue
        fam, rate = f[1], int(float(f[2]))
        keys = lambda hour: [(x, rate, p) for x in (fam, "ALL") for p in ("all", period(hour))]
        if f[0] == "burst":
            delay = f[7]
            for k in keys(int(f[4])):
                bursts[k][0] += 1
                if delay != "-":
                    bursts[k][1] += 1
                    bursts[k][2] += int(delay) <= 1
        elif f[7] == "false":
            for k in keys(int(f[4])):
                false[k] += 1
    fams = sorted({k[0] for k in bursts}, key=lambda x: (x == "ALL", x))
    print("family   period " + "  ".join(f"{r:>6}/h        " for r in RATES))
    for fam in fams:
        for p in PERIODS:
            cells = []
            for r in RATES:
                n, found, early = bursts[(fam, r, p)]
                cells.append(
                    f"{found / n:.2f}/{early / n:.2f} f{false[(fam, r, p)]:<3}" if n else " " * 15
                )
            print(f"{fam:<8} {p:<6} " + "  ".join(cells))


if __name__ == "__main__":
    main()
