# Shared fixtures of the Python tests: where the shared data, the bundlerl executable and
# the source tree are (set by CTest; the defaults fit a build in <checkout>/build), and a
# runner for the command line.
import os
import pathlib
import subprocess

import pytest

SOURCE = pathlib.Path(os.environ.get("BUNDLERL_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))


@pytest.fixture(scope="session")
def data_dir():
    """The public datasets (scripts/get-data.sh): $BUNDLERL_DATA, else ../shared/data beside the
    checkout, else data/ in it. Missing: the test is skipped naming the script, or fails where
    BUNDLERL_REQUIRE_DATA=1 (CI)."""
    d = os.environ.get("BUNDLERL_DATA")
    if not d:
        d = os.environ.get("BUNDLERL_DATA_DEFAULT") or str(SOURCE.parent / "shared" / "data")
        if not os.path.isdir(d):
            d = str(SOURCE / "data")
    for sub in ("obd", "bundles/Youshu", "bundles/amazon"):
        if not os.path.isdir(os.path.join(d, sub)):
            why = (f"no dataset folder '{os.path.join(d, sub)}': run scripts/get-data.sh "
                   "(or set BUNDLERL_DATA to the folder holding obd/ and bundles/)")
            if os.environ.get("BUNDLERL_REQUIRE_DATA") == "1":
                pytest.fail(why + " [BUNDLERL_REQUIRE_DATA=1]")
            pytest.skip(why)
    return pathlib.Path(d)


@pytest.fixture(scope="session")
def source_dir():
    return SOURCE


@pytest.fixture(scope="session")
def cli():
    """Runs the bundlerl executable; returns its stdout, fails the test on a non-zero exit."""
    binary = os.environ.get("BUNDLERL_BINARY", str(SOURCE / "build" / "bundlerl"))

    def run(*args):
        r = subprocess.run([binary, *map(str, args)], capture_output=True, text=True)
        if r.returncode != 0:
            pytest.fail(f"bundlerl {' '.join(map(str, args))} failed:\n{r.stdout}\n{r.stderr}")
        return r.stdout
    return run


@pytest.fixture(scope="session")
def obd_men(tmp_path_factory, data_dir, cli):
    """The OBD sample's uniform-random men campaign imported to HDF5, and the BTS table."""
    out = tmp_path_factory.mktemp("obd") / "men.h5"
    cli("import", "obd", "--dir", data_dir / "obd" / "random" / "men", "--out", out)
    return out, data_dir / "obd" / "bts_policy" / "bts_action_dist_men.csv"
