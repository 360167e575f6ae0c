#!/usr/bin/env python3
"""Seconds per CrossCBR training epoch in PyTorch-Python: the published model
(github.com/mysbupt/CrossCBR, models/CrossCBR.py and utility.py, fetched beside this tree and
never committed) run on Youshu with its published settings, to put beside `bench_graph` on the
same machine.

An epoch here is what CrossCBR's train.py does per epoch: the edge dropout redrawn once, then
for each of the 16 batches of 2,048 (user, positive, negative) triples (drop_last) the forward
propagation, BPR plus 0.04 x the two InfoNCE losses, backward() and an Adam step. The
negatives are drawn before the clock starts (train.py draws them in DataLoader worker
processes), so the figure leaves the sampling out, in the reference's favour.

Usage: bench_crosscbr_reference.py CROSSCBR_DIR [--data DIR] [--epochs 5] [--threads 2]
  CROSSCBR_DIR  a checkout of github.com/mysbupt/CrossCBR (its models/ and utility.py)
  --data        the folder holding Youshu/ (default: $BUNDLERL_DATA/bundles)
Needs Debian's python3-torch, python3-scipy and python3-numpy.
"""
import argparse
import contextlib
import io
import os
import statistics
import sys
import time
import warnings


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("crosscbr", help="a checkout of github.com/mysbupt/CrossCBR")
    ap.add_argument("--data", default=os.path.join(os.environ.get("BUNDLERL_DATA", "../shared/data"), "bundles"))
    ap.add_argument("--epochs", type=int, default=5, help="timed epochs after one warm-up epoch")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    for f in ("models/CrossCBR.py", "utility.py"):
        if not os.path.isfile(os.path.join(a.crosscbr, f)):
            sys.exit(f"bench_crosscbr_reference: {a.crosscbr} has no {f} (a CrossCBR checkout expected)")
    if not os.path.isfile(os.path.join(a.data, "Youshu", "Youshu_data_size.txt")):
        sys.exit(f"bench_crosscbr_reference: no Youshu folder in {a.data} (set --data or BUNDLERL_DATA)")
    sys.path.insert(0, a.crosscbr)
    import numpy as np
    import torch
    from models.CrossCBR import CrossCBR
    from utility import Datasets

    torch.set_num_threads(a.threads)
    np.random.seed(a.seed)
    torch.manual_seed(a.seed)
    conf = {"data_path": a.data, "dataset": "Youshu", "batch_size_train": 2048, "batch_size_test": 2048,
            "neg_num": 1, "aug_type": "ED", "embedding_size": 64, "num_layers": 1, "item_level_ratio": 0.2,
            "bundle_level_ratio": 0.2, "bundle_agg_ratio": 0.2, "l2_reg": 1e-4, "c_lambda": 0.04,
            "c_temp": 0.25, "device": torch.device("cpu")}
    warnings.filterwarnings("ignore", module="torch.utils.data")  # its DataLoaders are never iterated here
    with contextlib.redirect_stdout(io.StringIO()):  # the loader prints graph statistics
        data = Datasets(conf)
    conf["num_users"], conf["num_bundles"], conf["num_items"] = data.num_users, data.num_bundles, data.num_items
    model = CrossCBR(conf, data.graphs)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=conf["l2_reg"])
    train = data.bundle_train_data
    batches = len(train) // conf["batch_size_train"]

    def sampled_epoch():
        order = np.random.permutation(len(train))
        out = []
        for b in range(batches):
            rows = [train[i] for i in order[b * 2048:(b + 1) * 2048]]
            out.append((torch.stack([r[0] for r in rows]), torch.stack([r[1] for r in rows])))
        return out

    seconds = []
    for epoch in range(a.epochs + 1):
        epoch_batches = sampled_epoch()
        start = time.perf_counter()
        for i, batch in enumerate(epoch_batches):
            optimizer.zero_grad()
            bpr, c = model(batch, ED_drop=(i == 0))
            (bpr + conf["c_lambda"] * c).backward()
            optimizer.step()
        if epoch > 0:
            seconds.append(time.perf_counter() - start)
    print(f"CrossCBR reference (PyTorch {torch.__version__}, {a.threads} threads): {batches} batches of 2048, "
          f"median {statistics.median(seconds):.3f} s per epoch over {len(seconds)} epochs "
          f"(min {min(seconds):.3f}, max {max(seconds):.3f})")


if __name__ == "__main__":
    main()
