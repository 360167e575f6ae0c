#!/usr/bin/env python3
"""Your own slate logs, from a DataFrame to a comparison table and a trained agent.

Runs the README's "Your own logs" on a real log: the Open Bandit Dataset sample's uniform-random
men campaign, converted to the generic layout (one row per shown slot) by
scripts/slates_from_obd.py. Any log with the columns of docs/FORMATS.md ("The generic slate
layout") goes the same way.

  PYTHONPATH=build/python python3 examples/your_logs.py [DATA/obd/random/men]
"""
import os
import subprocess
import sys
import tempfile

import pandas as pd

import bundlerl

here = os.path.dirname(os.path.abspath(__file__))
campaign = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.environ.get("BUNDLERL_DATA", os.path.join(here, "..", "..", "shared", "data")), "obd", "random", "men")
work = tempfile.mkdtemp()
subprocess.run([sys.executable, os.path.join(here, "..", "scripts", "slates_from_obd.py"), campaign, work],
               check=True, stdout=subprocess.DEVNULL)

# 1. The log: one row per shown slot; the OBD's user features are categorical context.
df = pd.read_csv(os.path.join(work, "rounds.csv"))
items = pd.read_csv(os.path.join(work, "items.csv"), dtype={"category": str})
logs = bundlerl.Logs.from_dataframe(
    df, items=items, text=[c for c in items.columns if c.startswith("item_feature_")],
    categorical=[c for c in df.columns if c.startswith("context_user_feature_")],
    source="obd/men", logging_policy="uniform", slate_size=3)
print(logs)

# 2. Strategies compared off-policy, each estimate judged.
ev = bundlerl.evaluate(logs, ["uniform", "popularity"], estimators=["ipw", "snipw", "dr"], bootstrap=200)
print(ev.to_dataframe()[["policy", "estimator", "value", "ci_low", "ci_high", "reliable"]].to_string(index=False))
print(ev.judged)

# 3. An agent trained in the shopper world fitted to the log, and its value off-policy.
policy, curve = bundlerl.train(logs=logs, agent="reinforce", train__updates=100)
print(f"reinforce: {len(curve)} updates in the fitted world, last value {curve[-1]:.4f}")
ev = bundlerl.evaluate(logs, [policy, "uniform"], estimators=["ipw", "snipw"])
print(ev.to_dataframe()[["policy", "estimator", "value", "ci_low", "ci_high", "reliable"]].to_string(index=False))
