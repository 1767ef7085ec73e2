"""Series loading, chronological windows, the regressor's shapes, gradients and learning, and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest

from data_marks import needs_data
from elman.cli import main
from elman.data.series import chronological_split, load_series, make_windows, parse_stock, parse_sunspots
from elman.gradcheck import gradcheck
from elman.io.checkpoint import load_model, save_model
from elman.models.regressor import SeriesRegressor
from elman.nn.losses import mse
from elman.optim import Adam
from elman.train.supervised import fit

needs_sunspots = needs_data("timeseries")
needs_stocks = needs_data("stocks")

STOCKS = """Ticker,Date,Open,High,Low,Close,Volume,Adj Close
IBM,2000-01-03,1,1,1,1,1,10.0
AAPL,2000-01-04,1,1,1,1,1,2.0
AAPL,2000-01-03,1,1,1,1,1,1.0
AAPL,2000-01-05,1,1,1,1,1,4.0
"""


def test_parsers():
    s = parse_sunspots('"YEAR","SUNACTIVITY"\n1700,5\n1701,11\n')
    assert s.kind == "level" and s.values.tolist() == [5.0, 11.0] and s.index == ("1700", "1701")
    a = parse_stock(STOCKS, "AAPL")
    assert a.kind == "log_return" and np.allclose(a.values, np.log(2)) and a.base.tolist() == [1.0, 2.0]
    assert a.index == ("2000-01-04", "2000-01-05")
    with pytest.raises(ValueError, match="no rows of ticker 'XYZ'"):
        parse_stock(STOCKS, "XYZ")
    with pytest.raises(ValueError, match="expected the header YEAR,SUNACTIVITY"):
        parse_sunspots("year,value\n1,2\n")


def test_windows_split_and_errors():
    x, y = make_windows(np.arange(10.0), 4, 6, 10)
    assert x.shape == (4, 4) and x[0].tolist() == [2, 3, 4, 5] and y.tolist() == [6, 7, 8, 9]
    bounds = chronological_split(100, 10)
    assert bounds == {"train": (10, 70), "dev": (70, 85), "test": (85, 100)}
    with pytest.raises(ValueError, match="series is empty"):
        make_windows(np.array([]), 3, 0, 1)
    with pytest.raises(ValueError, match="series is empty"):
        chronological_split(0, 3)
    with pytest.raises(ValueError, match=r"window \(T=12\) is longer than the series: expected T < 10"):
        make_windows(np.arange(10.0), 12, 0, 10)
    with pytest.raises(ValueError, match=r"window \(T=40\) is longer than the series: expected T < 30"):
        chronological_split(30, 40)
    with pytest.raises(ValueError, match="too short for window T=25"):
        chronological_split(30, 25)


def test_shapes_and_bad_input():
    model = SeriesRegressor(1, 5, 2, rng=np.random.default_rng(0))
    assert model(np.zeros((7, 3, 1), np.float32)).shape == (3, 1)
    with pytest.raises(ValueError, match=r"x must be time-major \(T, B, 1\), got shape \(7, 3\)"):
        model(np.zeros((7, 3), np.float32))


@pytest.mark.parametrize("layers", [1, 3])
def test_regressor_gradients(layers):
    model = SeriesRegressor(2, 4, layers, output_size=2, dtype="float64", rng=np.random.default_rng(0))
    for value in model.params.values():
        value += np.random.default_rng(1).normal(0, 0.3, value.shape)
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(6, 3, 2)), rng.normal(size=(3, 2))
    model.zero_grad()
    _, d = mse(model(x), y)
    norms = model.backward(d, return_dh_norms=True)
    assert norms.shape == (layers, 1, 6)
    errors = gradcheck(
        lambda: mse(model(x), y)[0], dict(model.params), {k: model.grads[k].copy() for k in model.params}
    )
    assert max(errors.values()) < 1e-5


def test_learns_a_sine_and_round_trip(tmp_path):
    t = np.arange(300)
    x, y = make_windows(np.sin(0.3 * t), 12, 0, 300)
    x, y = np.ascontiguousarray(x.T[:, :, None], np.float32), y[:, None].astype(np.float32)
    model = SeriesRegressor(1, 16, rng=np.random.default_rng(0))
    before = mse(model.predict(x), y)[0]

    def batches(epoch, rng):
        for idx in np.array_split(rng.permutation(len(y)), 9):
            yield (x[:, idx],), y[idx]

    fit(
        model,
        batches,
        mse,
        lambda m: {"mse": float(mse(m.predict(x), y)[0])},
        optimizer=Adam(model.params, lr=0.01),
        epochs=30,
        out_dir=tmp_path,
        metric="mse",
        higher_is_better=False,
    )
    after = mse(model.predict(x), y)[0]
    assert after < 0.01 * before and after < 1e-3
    save_model(tmp_path / "m.safetensors", model)
    again = load_model(tmp_path / "m.safetensors", SeriesRegressor(**model.config()))
    assert np.array_equal(again.predict(x), model.predict(x))


@needs_sunspots
def test_cli_quick_sunspots_and_eval(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", "series", "--data", "sunspots", "--quick", "--seed", "0", "--out", str(run)]) == 0
    trained = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert trained["data"] == "sunspots" and trained["test"]["last"] == "2008"
    assert json.loads((run / "config.json").read_text())["task"] == "series"
    assert main(["eval", str(run)]) == 0
    evaluated = json.loads(capsys.readouterr().out)
    assert evaluated["rnn"]["mse"] == pytest.approx(trained["test"]["rnn"]["mse"], rel=1e-6)
    assert evaluated["persistence"] == trained["test"]["persistence"]
    assert main(["train", "series", "--quick", "--window", "400", "--out", str(tmp_path / "bad")]) == 2
    assert "longer than the series" in capsys.readouterr().err
    assert main(["eval", str(tmp_path / "bad")]) == 2


@needs_stocks
def test_cli_quick_stocks(tmp_path, capsys):
    assert load_series("stocks", ticker="MSFT").values.shape == (3269,)
    assert main(["train", "series", "--data", "stocks", "--ticker", "IBM", "--quick", "--out", str(tmp_path)]) == 0
    trained = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert trained["data"] == "stocks:IBM" and {"rnn", "persistence"} <= set(trained["test"]["price"])
