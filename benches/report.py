#!/usr/bin/env python3
"""Tabulates criterion's results for benches/peers.rs as Markdown.

Reads target/criterion/<group>/<peer>/<n>/new/estimates.json (the median of each benchmark)
and prints, per group, a table of the median per peer and N with each peer's ratio to
snapjobs. Run after `cargo bench --bench peers`:

    python3 benches/report.py > /tmp/tables.md
"""
import json
import os
import sys

ROOT = os.path.join(os.path.dirname(__file__), "..", "target", "criterion")
GROUPS = ["window_7d_page1", "status_30d_page1", "status_30d_deep_page", "keyword_rare",
          "keyword_common_3byte", "keyword_job_id", "window_1d_100_asc",
          "keyword_2byte_deep_page", "keyword_two_words", "keyword_1byte",
          "insert", "insert_now", "insert_90d_back", "set_status", "rename", "remove", "load"]
PEERS = ["snapjobs", "naive", "sqlite", "sqlite_fts5"]


def fmt(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def size_key(param):
    """Sorts `N` and `N-realistic` parameters: by data set, then by N."""
    n, _, names = param.partition("-")
    return (names, int(n))


def median(group, peer, n):
    path = os.path.join(ROOT, group, peer, str(n), "new", "estimates.json")
    try:
        with open(path) as f:
            return json.load(f)["median"]["point_estimate"]
    except (OSError, KeyError, ValueError):
        return None


def main():
    for group in GROUPS:
        gdir = os.path.join(ROOT, group)
        if not os.path.isdir(gdir):
            continue
        peers = [p for p in PEERS if os.path.isdir(os.path.join(gdir, p))]
        sizes = sorted({n for p in peers for n in os.listdir(os.path.join(gdir, p))
                        if n.partition("-")[0].isdigit()}, key=size_key)
        print(f"### {group}\n")
        print("| N | " + " | ".join(peers) + " |")
        print("|---:|" + "---:|" * len(peers))
        for n in sizes:
            ours = median(group, "snapjobs", n)
            cells = []
            for p in peers:
                m = median(group, p, n)
                if m is None:
                    cells.append("–")
                elif p == "snapjobs" or ours is None:
                    cells.append(fmt(m))
                else:
                    cells.append(f"{fmt(m)} ({m / ours:,.0f}×)" if m / ours >= 10 else f"{fmt(m)} ({m / ours:.2g}×)")
            count, _, names = n.partition("-")
            label = f"{int(count):,}" + (f" ({names})" if names else "")
            print(f"| {label} | " + " | ".join(cells) + " |")
        print()


if __name__ == "__main__":
    sys.exit(main())
