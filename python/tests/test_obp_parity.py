# bundlerl.ope against Open Bandit Pipeline's own numbers (tests/fixtures/obp_reference.npz,
# made by scripts/make_obp_fixture.py with OBP): equal to 1e-9 on the same arrays.
import numpy as np
import pytest

import bundlerl
from bundlerl import ope

TOLERANCE = 1e-9


@pytest.fixture(scope="module")
def reference(source_dir):
    return dict(np.load(source_dir / "tests" / "fixtures" / "obp_reference.npz"))


def check(reference, case, arrays):
    specs = sorted(k.split("__value__")[1] for k in reference if k.startswith(f"{case}__value__"))
    assert len(specs) == 8
    ours = ope.estimate_policy_value(specs, **arrays)
    for spec in specs:
        obp = float(reference[f"{case}__value__{spec}"])
        assert abs(ours[spec] - obp) <= TOLERANCE, (case, spec, ours[spec], obp)


def stored(reference, case):
    keys = ("reward", "action", "position", "pscore", "action_dist", "estimated_rewards_by_reg_model")
    return {k: reference[f"{case}__{k}"] for k in keys if f"{case}__{k}" in reference}


def test_obd_sample_with_bernoulli_ts(reference, obd_men):
    logs = bundlerl.read_logs(obd_men[0])
    n = logs["n_rounds"]
    arrays = dict(reward=logs["reward"], action=logs["action"], position=logs["position"], pscore=logs["pscore"],
                  action_dist=np.broadcast_to(reference["obd__table"], (n, 34, 3)),
                  estimated_rewards_by_reg_model=np.broadcast_to(reference["obd__q"], (n, 34, 3)))
    checksum = [n, logs["reward"].sum(), logs["pscore"].sum(), logs["action"].sum(), logs["position"].sum()]
    assert np.allclose(checksum, reference["obd__checksum"], rtol=1e-12), "the OBD sample differs from the fixture's"
    check(reference, "obd", arrays)


def test_synthetic_logs_with_bernoulli_ts_and_regression_model(reference):
    check(reference, "synthetic", stored(reference, "synthetic"))


def test_random_logs_with_positions(reference):
    check(reference, "positions", stored(reference, "positions"))
