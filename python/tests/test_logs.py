# bundlerl.read_logs: a logged HDF5 file as numpy arrays in OBP's names.
import numpy as np
import pytest

import bundlerl


def test_read_logs_of_the_obd_sample(obd_men):
    path, _ = obd_men
    logs = bundlerl.read_logs(path)
    n = logs["n_rounds"]
    assert n == 10000 and logs["n_actions"] == 34 and logs["len_list"] == 3
    assert logs["meta"]["source"].startswith("obd")
    for key in ("action", "position", "reward", "pscore", "click", "timestamp"):
        assert logs[key].shape == (n,), key
    assert logs["reward"].dtype == np.float64 and logs["action"].dtype == np.int32
    assert logs["action"].min() >= 0 and logs["action"].max() < 34
    assert set(np.unique(logs["position"])) == {0, 1, 2}
    assert np.all((logs["pscore"] > 0) & (logs["pscore"] <= 1))
    assert np.array_equal(logs["reward"], logs["click"].astype(np.float64))
    assert logs["context"].shape[0] == n and len(logs["context_columns"]) == logs["context"].shape[1]
    assert logs["items"]["n"] == 34


def test_to_dataframe(obd_men):
    pd = pytest.importorskip("pandas")
    logs = bundlerl.read_logs(obd_men[0])
    df = bundlerl.to_dataframe(logs)
    assert isinstance(df, pd.DataFrame) and len(df) == 10000
    assert np.array_equal(df["action"].to_numpy(), logs["action"])


def test_missing_file_raises_value_error(tmp_path):
    with pytest.raises(ValueError, match="nothing.h5"):
        bundlerl.read_logs(tmp_path / "nothing.h5")
