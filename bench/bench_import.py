#!/usr/bin/env python3
"""Import speed of the generic slate layout beside pandas.read_csv, and its peak memory.

Writes a ROUNDS file of N rows (3 slots a round, string ids, a user, a time, a click and a
propensity: round_id,position,item_id,user_id,timestamp,click,propensity), then times, in the
same run and on the same file:
  pandas  pandas.read_csv of the file (parsing only, into a DataFrame);
  import  `bundlerl import slates --rounds FILE --out F.h5` (parsing, grouping the rows into
          rounds, ordering them by time, building the histories, writing compressed HDF5),
          with its peak resident memory from /usr/bin/time.
Each is run `--repeat` times; the table gives every run and the rows per second of the best.

  python3 bench/bench_import.py --rows 10000000 --bundlerl build/bundlerl
"""
import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np


def write_rounds(path, rows, seed=0):
    rng = np.random.default_rng(seed)
    rounds = rows // 3
    with open(path, "w") as f:
        f.write("round_id,position,item_id,user_id,timestamp,click,propensity\n")
        step = 200_000
        for start in range(0, rounds, step):
            r = np.arange(start, min(rounds, start + step))
            m = len(r)
            a = rng.integers(0, 1000, size=m)
            items = np.stack([a, (a + 1 + rng.integers(0, 300, size=m)) % 1000,
                              (a + 400 + rng.integers(0, 300, size=m)) % 1000], axis=1)
            users = rng.integers(0, 50000, size=m)
            clicks = (rng.random((m, 3)) < 0.05).astype(int)
            lines = [f"r{r[i]},{k},item{items[i, k]},u{users[i]},{1_600_000_000 + 3 * r[i]},{clicks[i, k]},0.001"
                     for i in range(m) for k in range(3)]
            f.write("\n".join(lines))
            f.write("\n")
    return rounds * 3


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--bundlerl", default=os.path.join(os.path.dirname(__file__), "..", "build", "bundlerl"))
    ap.add_argument("--keep", help="reuse (or keep) the ROUNDS file at this path")
    a = ap.parse_args()
    import pandas as pd

    tmp = tempfile.mkdtemp()
    path = a.keep or os.path.join(tmp, "rounds.csv")
    if not os.path.exists(path):
        t = time.time()
        rows = write_rounds(path, a.rows)
        print(f"wrote {rows} rows ({os.path.getsize(path) / 2**20:.0f} MiB) in {time.time() - t:.1f} s", file=sys.stderr)
    rows = sum(1 for _ in open(path)) - 1
    size = os.path.getsize(path)
    print(f"rows {rows}, file {size / 2**20:.0f} MiB, CPU {os.cpu_count()} cores")
    print("| tool | run | seconds | rows/s | MB/s | peak RSS |")
    print("|---|---|---|---|---|---|")
    best = {}
    for run in range(a.repeat):
        t = time.time()
        df = pd.read_csv(path)
        s = time.time() - t
        assert len(df) == rows
        del df
        best["pandas"] = min(best.get("pandas", 1e9), s)
        print(f"| pandas.read_csv | {run + 1} | {s:.2f} | {rows / s:,.0f} | {size / 2**20 / s:.0f} | (in this process) |")
    for run in range(a.repeat):
        out = os.path.join(tmp, f"out{run}.h5")
        t = time.time()
        r = subprocess.run(["/usr/bin/time", "-f", "%M", a.bundlerl, "import", "slates", "--rounds", path, "--out", out],
                           capture_output=True, text=True)
        s = time.time() - t
        if r.returncode != 0:
            sys.exit(r.stdout + r.stderr)
        peak_kb = int(r.stderr.strip().splitlines()[-1])
        best["import"] = min(best.get("import", 1e9), s)
        print(f"| bundlerl import slates | {run + 1} | {s:.2f} | {rows / s:,.0f} | {size / 2**20 / s:.0f} | "
              f"{peak_kb / 2**20:.2f} GiB |")
        os.remove(out)
    print(f"\nbest: pandas {rows / best['pandas']:,.0f} rows/s, import {rows / best['import']:,.0f} rows/s "
          f"({best['pandas'] / best['import']:.2f}x pandas' rate)")
    if not a.keep:
        os.remove(path)


if __name__ == "__main__":
    main()
