#!/usr/bin/env python3
"""Judges a soak's samples (benchmarks/soak.sh) for growth after the warm-up.

  soak-judge.py samples.csv WARMUP_MINUTES

For each metric, over the samples after the warm-up: the least-squares slope (per 10 min),
the growth it predicts over the window, and the mean of the first third against the last
third. A metric GROWS when both the predicted growth and the last third's excess over the
first exceed its tolerance (RSS and heap 10 % of the first third's mean, metaspace 2 %, with
floors; threads 3, open files 10, temporary files 2); a single spike moves the slope but
not the thirds, a step at the start moves the thirds but not a steady slope. Prints a table
and one verdict line; exits 1 when something grows.
"""

import csv
import sys

TOLERANCE = {
    "rss_kb": (0.10, 16384),
    "heap_after_gc_kb": (0.10, 4096),
    "metaspace_kb": (0.02, 1024),
    "threads": (0, 3),
    "open_files": (0, 10),
    "temp_files": (0, 2),
}


def slope(xs, ys):
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else 0.0


def main():
    path, warmup = sys.argv[1], float(sys.argv[2])
    with open(path) as f:
        rows = [r for r in csv.DictReader(f) if float(r["minute"]) >= warmup]
    if len(rows) < 6:
        print("verdict: too few samples after the warm-up (%d)" % len(rows))
        sys.exit(2)
    xs = [float(r["minute"]) for r in rows]
    window = xs[-1] - xs[0]
    third = len(rows) // 3
    grows = []
    print("window: minute %.1f to %.1f (%d samples)" % (xs[0], xs[-1], len(rows)))
    print("%-17s %12s %12s %12s %14s %12s  %s" % ("metric", "first 1/3", "last 1/3", "max",
                                                  "slope/10min", "fit growth", "verdict"))
    for metric, (fraction, floor) in TOLERANCE.items():
        ys = [float(r[metric]) for r in rows]
        first = sum(ys[:third]) / third
        last = sum(ys[-third:]) / third
        s = slope(xs, ys)
        tolerance = max(fraction * first, floor)
        growing = s * window > tolerance and last - first > tolerance
        if growing:
            grows.append(metric)
        print("%-17s %12.0f %12.0f %12.0f %14.1f %12.0f  %s" % (metric, first, last, max(ys), s * 10,
                                                             s * window,
                                                             "GROWS" if growing else "flat (tol %.0f)" % tolerance))
    print("verdict: " + ("growth in " + ", ".join(grows) if grows else "no metric keeps growing"))
    sys.exit(1 if grows else 0)


if __name__ == "__main__":
    main()
