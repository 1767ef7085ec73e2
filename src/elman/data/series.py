"""Real time series for sequence regression: yearly sunspots and one stock's daily closes, cut into windows.

``load_series("sunspots")`` is the yearly mean sunspot number 1700–2008 (statsmodels' ``sunspots.csv``, registry
"timeseries"), modelled as it is (kind "level"). ``load_series("stocks", ticker="AAPL")`` reads one ticker's
``Adj Close`` from ``stocks.csv.gz`` and models its daily log returns r_j = log(p_{j+1} / p_j) (kind
"log_return"), because prices are not stationary: AAPL's adjusted close goes from 4.19 (March 2000) down to 0.84
(2003) and up to 90.6 (2012), and the unadjusted ``Close`` jumps at each split, so a network fitted on the early
years would be asked about prices it has never seen, while returns keep roughly one scale throughout. A predicted
return gives a predicted price, p̂_{j+1} = p_j · exp(r̂_j), so prices can still be compared with persistence
(p̂_{j+1} = p_j).

``chronological_split`` cuts the target positions in time order (train first, test last) and ``make_windows``
gives, for each target position t of a range, the T values before it and the value at t: inputs may reach
back into an earlier split (the past is known when predicting), targets never cross.

    >>> x, y = make_windows(np.arange(6.0), 3, 0, 6)
    >>> x.tolist(), y.tolist()
    ([[0.0, 1.0, 2.0], [1.0, 2.0, 3.0], [2.0, 3.0, 4.0]], [3.0, 4.0, 5.0])
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import numpy as np

from elman.data.sources import open_text

DATASETS = ("sunspots", "stocks")
TICKERS = ("AAPL", "GOOG", "IBM", "MSFT", "FB")
SPLITS = ("train", "dev", "test")


@dataclass(frozen=True)
class Series:
    """A series to model: ``values`` (N,) float64, ``index`` the year or date of each value, ``kind`` "level" or
    "log_return"; for log returns ``base[j]`` is the price p_j before return j, so p_{j+1} = base[j]·exp(values[j])."""

    name: str
    kind: str
    values: np.ndarray
    index: tuple[str, ...]
    base: np.ndarray | None = None


def parse_sunspots(text: str) -> Series:
    """The "YEAR","SUNACTIVITY" CSV as a level series indexed by year."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or [c.strip() for c in rows[0]] != ["YEAR", "SUNACTIVITY"]:
        raise ValueError(f"sunspots.csv: expected the header YEAR,SUNACTIVITY, got {rows[0] if rows else 'nothing'}")
    body = [r for r in rows[1:] if r]
    years = tuple(str(int(float(r[0]))) for r in body)
    return Series("sunspots", "level", np.array([float(r[1]) for r in body], dtype=np.float64), years)


def parse_stock(text: str, ticker: str = "AAPL", column: str = "Adj Close") -> Series:
    """One ticker's daily log returns of ``column`` (rows ordered by date), indexed by the later day's date."""
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or "Ticker" not in reader.fieldnames or column not in reader.fieldnames:
        raise ValueError(f"stocks.csv: expected the columns Ticker, Date and {column!r}, got {reader.fieldnames}")
    rows = sorted((r["Date"], float(r[column])) for r in reader if r["Ticker"] == ticker)
    if not rows:
        raise ValueError(f"stocks.csv holds no rows of ticker {ticker!r}; expected one of {', '.join(TICKERS)}")
    prices = np.array([p for _, p in rows], dtype=np.float64)
    if np.any(prices <= 0):
        raise ValueError(f"{ticker} {column}: prices must be positive to take log returns")
    return Series(f"stocks:{ticker}", "log_return", np.diff(np.log(prices)), tuple(d for d, _ in rows[1:]), prices[:-1])


def load_series(data: str, *, ticker: str = "AAPL", download: bool = True) -> Series:
    """``"sunspots"`` (yearly levels) or ``"stocks"`` (``ticker``'s daily log returns of Adj Close)."""
    if data == "sunspots":
        return parse_sunspots(open_text("timeseries", "sunspots.csv", download=download))
    if data == "stocks":
        if ticker not in TICKERS:
            raise ValueError(f"unknown ticker {ticker!r}; expected one of {', '.join(TICKERS)}")
        return parse_stock(open_text("stocks", download=download), ticker)
    raise ValueError(f"unknown series {data!r}; expected one of {', '.join(DATASETS)}")


def chronological_split(n: int, window: int, *, dev: float = 0.15, test: float = 0.15) -> dict[str, tuple[int, int]]:
    """{"train"|"dev"|"test": (start, stop)} target positions in time order: the last ``round(test·n)`` positions
    are test, the ``round(dev·n)`` before them dev, the rest train. Train targets start at ``window`` (the first
    position with a full window before it). Errors when the series is too short for a window and three splits."""
    if not isinstance(window, (int, np.integer)) or isinstance(window, bool) or window < 1:
        raise ValueError(f"window must be an integer >= 1, got {window!r}")
    if not (0 < dev < 1 and 0 < test < 1 and dev + test < 1):
        raise ValueError(f"dev and test must be fractions in (0, 1) with dev + test < 1, got {dev!r}, {test!r}")
    if n < 1:
        raise ValueError(f"the series is empty: expected at least {window + 3} values, got {n}")
    if window >= n:
        raise ValueError(
            f"the window (T={window}) is longer than the series: expected T < {n} (its length), got T={window}"
        )
    n_test, n_dev = max(1, int(round(test * n))), max(1, int(round(dev * n)))
    train_stop = n - n_test - n_dev
    if train_stop <= window:
        raise ValueError(
            f"the series is too short for window T={window}: its training part has {train_stop} "
            f"values, expected more than T (use a shorter window or a longer series)"
        )
    return {"train": (window, train_stop), "dev": (train_stop, n - n_test), "test": (n - n_test, n)}


def make_windows(values, window: int, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
    """(x (N, T), y (N,)): for every target position t in [max(start, T), stop), x = values[t−T:t], y = values[t]."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"values must be a 1-D series, got shape {values.shape}")
    if values.size == 0:
        raise ValueError("the series is empty: expected at least one value before each target, got 0 values")
    if not isinstance(window, (int, np.integer)) or isinstance(window, bool) or window < 1:
        raise ValueError(f"window must be an integer >= 1, got {window!r}")
    if window >= values.size:
        raise ValueError(
            f"the window (T={window}) is longer than the series: expected T < {values.size} "
            f"(its length), got T={window}"
        )
    start, stop = max(int(start), window), min(int(stop), values.size)
    if stop <= start:
        raise ValueError(f"no target position in [{start}, {stop}): expected start < stop within the series")
    targets = np.arange(start, stop)
    x = values[targets[:, None] - window + np.arange(window)[None, :]]
    return x, values[targets]
