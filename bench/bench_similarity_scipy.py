#!/usr/bin/env python3
"""`bundlerl similarity --kind cooccurrence` (Jaccard over the bundles) against scipy, side by
side in one run, each timed as a whole process (start to exit, best of --repeat by wall time; its CPU
time, all threads, beside it):

  ours:  bundlerl similarity --data youshu.h5 --kind cooccurrence --top N --out ours.csv
  scipy: python3 this_file --worker ...: reads bundle_item.txt, X^T X of the binary
         bundle x item matrix (scipy.sparse), Jaccard c_ij / (c_i + c_j - c_ij), per row the N
         best by score then lower index (rows with fewer than N positive scores filled with
         zero-score items by lowest index, as bundlerl does; per row an argpartition, then the exact
         order among the few kept), saved as .npy (cheaper than CSV,
         so scipy is not charged for text output).

Then checks that both give the same neighbours and the same scores (printed as %.10g, as the
CLI writes them) and prints both wall times and the ratio. The HDF5 input is imported once
(`bundlerl import bundles`, not timed). Without numpy/scipy the scipy side is skipped with a
message.

Usage: python3 bench/bench_similarity_scipy.py [--bundlerl build/bundlerl]
       [--data $BUNDLERL_DATA/bundles/Youshu] [--top 10] [--repeat 3] [--threads 2] [--work DIR]
"""
import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time


def worker(data_dir, top, out):
    """The scipy version (runs in its own process, timed from outside)."""
    import numpy as np
    import scipy.sparse as sp

    with open(os.path.join(data_dir, os.path.basename(data_dir.rstrip("/")) + "_data_size.txt")) as f:
        num_items = int(f.read().split()[2])
    with open(os.path.join(data_dir, "bundle_item.txt")) as f:
        pairs = np.array(f.read().split(), dtype=np.int64).reshape(-1, 2)
    num_baskets = int(pairs[:, 0].max()) + 1
    X = sp.csr_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(num_baskets, num_items))
    X.sum_duplicates()
    X.data[:] = 1.0  # an item counts once per basket
    C = (X.T @ X).tocsr()
    counts = C.diagonal()
    rows = np.repeat(np.arange(num_items), np.diff(C.indptr))
    cols = C.indices
    keep = (rows != cols) & (C.data > 0)
    rows, cols, cij = rows[keep], cols[keep], C.data[keep]
    score = cij / (counts[rows] + counts[cols] - cij)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=num_items))])
    index = np.full((num_items, top), -1, dtype=np.int64)
    value = np.zeros((num_items, top))
    for i in range(num_items):  # per row: argpartition, then the exact order among the few kept
        a, b = indptr[i], indptr[i + 1]
        s, c = score[a:b], cols[a:b]
        if b - a > top:
            part = np.argpartition(-s, top - 1)[:top]
            sel = np.nonzero(s >= s[part].min())[0]  # ties at the boundary: lowest index wins
            keep = sel[np.lexsort((c[sel], -s[sel]))[:top]]
        else:
            keep = np.lexsort((c, -s))
        index[i, :len(keep)] = c[keep]
        value[i, :len(keep)] = s[keep]
        if len(keep) < top:  # fill with zero-score items by lowest index
            taken = set(c.tolist())
            taken.add(i)
            k, j = len(keep), 0
            while k < top and j < num_items:
                if j not in taken:
                    index[i, k] = j
                    k += 1
                j += 1
    np.save(out + ".index.npy", index)
    np.save(out + ".score.npy", value)


def timed(cmd):
    """Wall seconds of the process, and its CPU seconds (user + system, all threads)."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), r.stderr.decode()))
    return dt, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def compare(ours_csv, scipy_out, top):
    """Number of (item, rank) entries where the two disagree, and the entries compared."""
    import numpy as np

    index = np.load(scipy_out + ".index.npy")
    value = np.load(scipy_out + ".score.npy")
    expected = []
    for i in range(index.shape[0]):
        for k in range(top):
            if index[i, k] < 0:
                break
            expected.append("%d,%d,%d,%.10g" % (i, k, index[i, k], value[i, k]))
    with open(ours_csv) as f:
        got = f.read().split("\n")[1:]
    got = [g for g in got if g]
    bad = sum(1 for a, b in zip(expected, got) if a != b) + abs(len(expected) - len(got))
    return bad, len(expected)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--bundlerl", default="build/bundlerl")
    ap.add_argument("--data", default=os.path.join(os.environ.get("BUNDLERL_DATA", "../shared/data"),
                                                   "bundles", "Youshu"))
    ap.add_argument("--top", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--work", default=None, help="folder for the .h5 and outputs (default: a temporary one)")
    a = ap.parse_args()
    if a.worker:
        return worker(a.data, a.top, a.out)
    if not os.path.isfile(os.path.join(a.data, "bundle_item.txt")):
        print("bench_similarity_scipy: no Youshu data at %s (set BUNDLERL_DATA or --data); skipped" % a.data)
        return
    work = a.work or tempfile.mkdtemp(prefix="bench_similarity_")
    os.makedirs(work, exist_ok=True)
    h5 = os.path.join(work, "youshu.h5")
    if not os.path.exists(h5):
        subprocess.run([a.bundlerl, "import", "bundles", "--dir", a.data, "--out", h5], check=True,
                       stdout=subprocess.DEVNULL)
    ours_csv = os.path.join(work, "ours.csv")
    ours_cmd = [a.bundlerl, "similarity", "--data", h5, "--kind", "cooccurrence", "--top", str(a.top),
                "--threads", str(a.threads), "--out", ours_csv]
    try:
        import numpy  # noqa: F401
        import scipy  # noqa: F401
        have_scipy = True
    except ImportError:
        have_scipy = False
        print("bench_similarity_scipy: numpy/scipy not importable; the scipy side is skipped")
    scipy_out = os.path.join(work, "scipy")
    scipy_cmd = [sys.executable, os.path.abspath(__file__), "--worker", "--data", a.data, "--top", str(a.top),
                 "--out", scipy_out]
    ours, theirs = [], []
    for _ in range(a.repeat):  # interleaved, so that background load hits both alike
        ours.append(timed(ours_cmd))
        if have_scipy:
            theirs.append(timed(scipy_cmd))
    print("Youshu cooccurrence (jaccard over bundles) top-%d, whole process, best of %d:" % (a.top, a.repeat))
    def show(label, runs):
        print("  %s %.3f s wall, %.3f s CPU   (wall of each run: %s)"
              % (label, min(runs)[0], min(runs)[1], " ".join("%.3f" % t for t, _ in runs)))

    show("bundlerl similarity:", ours)
    if not have_scipy:
        return
    show("scipy X^T X + top-N:", theirs)
    print("  ratio scipy / ours:  %.2fx wall, %.2fx CPU" % (min(theirs)[0] / min(ours)[0], min(theirs)[1] / min(ours)[1]))
    bad, total = compare(ours_csv, scipy_out, a.top)
    print("  neighbours and scores: %s (%d entries, %d differ)" % ("identical" if bad == 0 else "DIFFER", total, bad))
    if bad:
        sys.exit(1)


if __name__ == "__main__":
    main()
