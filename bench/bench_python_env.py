#!/usr/bin/env python3
"""Shopper steps per second through bundlerl.VectorEnv from Python: the C++ batch step,
the Python call and the observation arrays included; the policy excluded (slates drawn
from 16 precomputed batches, as bench_env's batch cells do).

World: sim_configs/default.ini with items = candidates (default 1,000) and 20 categories,
as bench/bench_env.cpp builds its world; K = 3; state observation unless --observation full.
Usage: PYTHONPATH=build/python python3 bench/bench_python_env.py [--seconds 3] [--num-envs 256]
       [--candidates 1000] [--threads 1] [--observation state]
"""
import argparse
import os
import pathlib
import time

import numpy as np

import bundlerl

ROOT = pathlib.Path(__file__).resolve().parents[1]


def precomputed_slates(rounds, N, K, C, seed=17):
    rng = np.random.default_rng(seed)
    out = np.empty((rounds, N, K), dtype=np.int32)
    for r in range(rounds):
        for i in range(N):
            out[r, i] = rng.choice(C, size=K, replace=False)
    return out


def run(env, slates, seconds):
    """Steps per wall-clock second and per CPU second of this process (all its threads): on
    a machine shared with other work the second is the rate of one busy core."""
    env.reset(seed=9)
    rounds, N = slates.shape[0], env.num_envs
    steps, r = 0, 0
    t0, c0 = time.perf_counter(), time.process_time()
    end = t0 + seconds
    while time.perf_counter() < end:
        for _ in range(16):
            env.step(slates[r % rounds])
            r += 1
        steps += 16 * N
    return steps / (time.perf_counter() - t0), steps / (time.process_time() - c0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--num-envs", type=int, default=256)
    ap.add_argument("--candidates", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--observation", default="state", choices=["state", "full"])
    a = ap.parse_args()
    env = bundlerl.VectorEnv(ROOT / "sim_configs" / "default.ini", num_envs=a.num_envs, observation=a.observation,
                             threads=a.threads, world__items=a.candidates, world__categories=20,
                             session__candidates=a.candidates)
    slates = precomputed_slates(16, a.num_envs, env.slate_size, env.num_candidates)
    rate, cpu_rate = run(env, slates, a.seconds)
    print(f"VectorEnv: {a.num_envs} sessions, K = {env.slate_size}, {env.num_candidates} candidates, "
          f"{a.observation} observation, {a.threads} thread(s), {a.seconds:.1f} s, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"shopper steps per second: {rate:,.0f} wall-clock ({rate / a.threads:,.0f} per thread); "
          f"{cpu_rate:,.0f} per CPU second")


if __name__ == "__main__":
    main()
