#!/usr/bin/env python3
"""The best recall any detector can reach at a given false-alert rate.

An oracle that knows a watch's exact hourly rate of negative mentions (no
seasonality to learn, no over-dispersion) and may raise at most `--false`
false alerts per 30 days of hourly buckets alerts when an hour holds at
least k negatives, k the smallest count that rare under the watch's usual
rate. This prints, per volume and burst size, the share of bursts that
oracle catches within the burst's first hour and within its first two.
Real detectors must also learn the rate and its swings, so they do worse:
`cargo bench --bench alert` puts them beside these figures.

    python3 scripts/alert_bound.py [--share 0.2] [--false 1]
"""

import argparse
import math


def sf(k, lam):
    """P(X >= k) for X ~ Poisson(lam)."""
    if k <= 0:
        return 1.0
    term, cdf = math.exp(-lam), 0.0
    for i in range(k):
        cdf += term
        term *= lam / (i + 1)
    return max(0.0, 1.0 - cdf)


def threshold(lam, alpha):
    k = 0
    while sf(k, lam) > alpha:
        k += 1
    return k


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--share", type=float, default=0.2, help="negative share (0.2)")
    ap.add_argument("--false", type=float, default=1.0, help="false alerts per 30 days (1)")
    args = ap.parse_args()
    alpha = args.false / (30 * 24)
    print(f"negative share {args.share}, at most {args.false} false alert(s) per 30 days")
    print("mentions/h  negatives/h  burst  first hour  first two hours")
    for rate in (5, 20, 50, 100, 200, 1000):
        lam = rate * args.share
        k1, k2 = threshold(lam, alpha), threshold(2 * lam, alpha)
        for mult in (3, 5, 10):
            one, two = sf(k1, lam * mult), sf(k2, 2 * lam * mult)
            print(f"{rate:>10}  {lam:>11.1f}  x{mult:<4}  {one:>10.3f}  {two:>15.3f}")


if __name__ == "__main__":
    main()
