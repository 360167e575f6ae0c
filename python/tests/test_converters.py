# The converters of scripts/ into the generic slate layout (slates_from_obd.py,
# slates_from_amazon.py) against the dedicated importers: an OBD campaign converted and imported
# with `bundlerl import slates` evaluates to the very same CSV as `bundlerl import obd`, and an
# Amazon domain's shopper choices keep their items, users, times, titles and categories.
import csv
import shlex
import subprocess
import sys

import numpy as np
import pytest

import bundlerl


def _convert(source_dir, script, source, out_dir):
    """Runs a converter; returns the arguments of the import command it prints (without the
    executable's name)."""
    r = subprocess.run([sys.executable, str(source_dir / "scripts" / script), str(source), str(out_dir)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.fail(f"{script} {source} failed:\n{r.stdout}\n{r.stderr}")
    command = shlex.split(r.stdout.strip().splitlines()[-1])
    assert command[:3] == ["bundlerl", "import", "slates"], r.stdout
    return command[1:]


def _option(args, name):
    return args[args.index(name) + 1]


def test_obd_men_converted_evaluates_as_the_dedicated_import(tmp_path, source_dir, data_dir, obd_men, cli):
    dedicated, bts_table = obd_men
    args = _convert(source_dir, "slates_from_obd.py", data_dir / "obd" / "random" / "men", tmp_path)
    assert _option(args, "--source") == "obd/men" and _option(args, "--logging-policy") == "uniform"
    assert _option(args, "--slate-size") == "3"
    cli(*args)
    converted = _option(args, "--out")
    runs = [("--target", bts_table, "--estimators", "dm,ipw,snipw,dr,sndr,switch-dr,dros", "--bootstrap", 200),
            ("--policy", f"uniform,popularity,{bts_table}", "--estimators", "ipw,snipw,dm,dr")]
    for run in runs:
        a = cli("evaluate", "--logs", dedicated, *run, "--format", "csv")
        b = cli("evaluate", "--logs", converted, *run, "--format", "csv")
        assert a.count("\n") >= 5, a
        assert a == b, run
    # The context keeps the dedicated importer's names and category codes.
    x, y = bundlerl.read_logs(dedicated), bundlerl.read_logs(converted)
    assert y["context_columns"] == x["context_columns"]
    assert y["context_vocab"] == x["context_vocab"]
    assert np.array_equal(y["context"], x["context"]) and np.array_equal(y["pscore"], x["pscore"])
    assert np.array_equal(y["items"]["category"], x["items"]["category"])


def _read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))[1:]


def test_amazon_food_converted_keeps_the_sessions_and_the_catalog(tmp_path, source_dir, data_dir, cli):
    domain = data_dir / "bundles" / "amazon" / "food"
    args = _convert(source_dir, "slates_from_amazon.py", domain, tmp_path)
    cli(*args)
    cli("import", "amazon", "--dir", domain, "--out", tmp_path / "dedicated.h5")
    logs = bundlerl.read_logs(_option(args, "--out"))
    dedicated = bundlerl.read_logs(tmp_path / "dedicated.h5")

    # Rounds: one per item of every session with a user and a time.
    timed = {int(s): (int(u), int(t)) for u, s, t in _read(domain / "user_session.csv")}
    expected = sorted((int(i), *timed[int(s)]) for s, i in _read(domain / "session_item.csv") if int(s) in timed)
    assert logs["n_rounds"] == len(expected) and logs["len_list"] == 1
    item_key = np.array(logs["items"]["original_key"])
    user_key = np.array(logs["users"]["original_key"])
    action = logs["action"].reshape(logs["n_rounds"], -1)[:, 0]  # one slot per round
    got = list(zip(item_key[action].astype(int).tolist(), user_key[logs["user_id"]].astype(int).tolist(),
                   logs["timestamp"].astype(int).tolist()))
    assert sorted(got) == expected
    assert np.all(np.diff(logs["timestamp"]) >= 0) and np.all(logs["click"] == 1)
    assert len(set(logs["session_id"].tolist())) == len({s for s, _ in _read(domain / "session_item.csv")
                                                          if int(s) in timed})

    # Items: the same catalog, item by item, matched by the original id.
    items, ref = logs["items"], dedicated["items"]
    at = {int(k): i for i, k in enumerate(items["original_key"])}
    assert sorted(at) == ref["original_id"].tolist()
    order = [at[int(k)] for k in ref["original_id"]]
    assert [items["title"][i] for i in order] == list(ref["title"])
    # The converted category is the first of the dedicated importer's paths.
    assert [items["category_path"][i] for i in order] == [p.split(" | ")[0] for p in ref["category_path"]]
    # Both group the items alike, except the items whose list is "[[]]" (an empty path): the
    # generic layout reads an empty category as unknown (-1), ImportAmazon codes "" as one.
    known = np.array([p.split(" | ")[0] != "" for p in ref["category_path"]])
    mine, theirs = items["category"][order][known], ref["category"][known]
    assert np.all(mine >= 0) and np.all(theirs >= 0)
    assert len(set(zip(mine.tolist(), theirs.tolist()))) == len(set(mine.tolist())) == len(set(theirs.tolist()))
    assert np.all(items["category"][order][~known] == -1)
