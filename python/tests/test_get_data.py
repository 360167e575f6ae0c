# scripts/get-data.sh against a mirror of its sources built from the datasets already here
# (file:// URLs laid out as the original repositories): every file arrives and matches
# scripts/data.sha256, the BTS tables are rebuilt from the prior bit for bit, a second run
# downloads nothing, and a source whose bytes changed is refused and leaves no file.
import csv
import os
import shutil
import subprocess

import pytest


def prior_yaml(data_dir):
    """The BTS prior in the pipeline's YAML layout, from the prior tables."""
    lines = []
    for campaign in ("all", "men", "women"):
        with open(data_dir / "obd" / "bts_policy" / f"bts_prior_{campaign}.csv") as f:
            rows = list(csv.DictReader(f))
        lines.append(f"{campaign}:")
        for key in ("alpha", "beta"):
            lines.append(f"  {key}:")
            lines += [f"    - {float(r[key])}" for r in rows]
    return "\n".join(lines) + "\n"


def mirror(data_dir, root):
    """obp/ (zr-obp), youshu/ (MultiCBR's datasets/Youshu) and amazon/ (bundle_recommendation's dataset/)."""
    shutil.copytree(data_dir / "obd", root / "obp" / "obd", ignore=shutil.ignore_patterns("bts_policy", "README*"))
    conf = root / "obp" / "obp" / "policy" / "conf"
    conf.mkdir(parents=True)
    (conf / "prior_bts.yaml").write_text(prior_yaml(data_dir))
    shutil.copytree(data_dir / "bundles" / "Youshu", root / "youshu")
    shutil.copytree(data_dir / "bundles" / "amazon", root / "amazon")
    return {"BUNDLERL_OBP_URL": f"file://{root}/obp", "BUNDLERL_YOUSHU_URL": f"file://{root}/youshu",
            "BUNDLERL_AMAZON_URL": f"file://{root}/amazon"}


def run(source_dir, env, *args):
    return subprocess.run(["bash", str(source_dir / "scripts" / "get-data.sh"), *map(str, args)],
                          capture_output=True, text=True, env={**os.environ, **env})


def test_get_data_from_a_mirror(tmp_path, data_dir, source_dir):
    if shutil.which("curl") is None and shutil.which("wget") is None:
        pytest.skip("neither curl nor wget is installed")
    urls = mirror(data_dir, tmp_path / "mirror")
    dest = tmp_path / "data"
    r = run(source_dir, urls, "--dest", dest)
    assert r.returncode == 0, r.stdout + r.stderr
    sums = (source_dir / "scripts" / "data.sha256").read_text().splitlines()
    assert f"all {len(sums)} files in {dest} match" in r.stdout
    assert "obd/bts_policy (Monte Carlo" in r.stdout
    for line in sums:
        rel = line.split("  ", 1)[1]
        assert (dest / rel).read_bytes() == (data_dir / rel).read_bytes(), rel

    again = run(source_dir, urls, "--dest", dest)
    assert again.returncode == 0 and "get-data.sh: bundles/" not in again.stdout, again.stdout

    changed = tmp_path / "mirror" / "youshu" / "user_bundle_tune.txt"
    changed.write_text(changed.read_text() + "1\t1\n")
    (dest / "bundles" / "Youshu" / "user_bundle_tune.txt").unlink()
    bad = run(source_dir, urls, "--dest", dest)
    assert bad.returncode == 1
    assert "does not match the SHA-256 of bundles/Youshu/user_bundle_tune.txt" in bad.stderr
    assert not (dest / "bundles" / "Youshu" / "user_bundle_tune.txt").exists()
    assert not (dest / "bundles" / "Youshu" / "user_bundle_tune.txt.part").exists()

    check = run(source_dir, {}, "--check", "--dest", dest)
    assert check.returncode == 1 and "user_bundle_tune.txt missing or changed" in check.stderr
