"""elman.data.batching and elman.data.streams: padding, index batches, bucketing, truncated-BPTT streams."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from elman.data import LMStreams, batches, bucket_batches, pad_sequences

int_seqs = st.lists(st.lists(st.integers(-5, 50), min_size=1, max_size=9), min_size=1, max_size=6)

# --- pad_sequences ------------------------------------------------------------------------------------------


def test_pad_sequences_batch_and_time_major():
    seqs = [np.array([1, 2, 3]), np.array([4], dtype=np.int32), np.array([5, 6])]
    padded, lengths, mask = pad_sequences(seqs, pad_id=-1)
    assert padded.dtype == np.int64 and lengths.dtype == np.int64 and mask.dtype == bool
    assert padded.tolist() == [[1, 2, 3], [4, -1, -1], [5, 6, -1]]
    assert lengths.tolist() == [3, 1, 2]
    assert mask.tolist() == [[True, True, True], [True, False, False], [True, True, False]]
    tm_padded, tm_lengths, tm_mask = pad_sequences(seqs, pad_id=-1, time_major=True)
    assert tm_padded.shape == (3, 3) and np.array_equal(tm_padded, padded.T)
    assert np.array_equal(tm_mask, mask.T) and np.array_equal(tm_lengths, lengths)


def test_pad_sequences_max_len_truncates():
    seqs = [np.arange(5), np.arange(2)]
    padded, lengths, mask = pad_sequences(seqs, max_len=3)
    assert padded.tolist() == [[0, 1, 2], [0, 1, 0]] and lengths.tolist() == [3, 2]
    assert pad_sequences(seqs, max_len=10)[0].shape == (2, 5)  # T is the longest, not max_len


@settings(max_examples=60, deadline=None)
@given(int_seqs, st.integers(-3, 3), st.booleans(), st.one_of(st.none(), st.integers(1, 10)))
def test_unpadding_with_lengths_recovers_the_inputs(seqs, pad_id, time_major, max_len):
    arrays = [np.array(s, dtype=np.int64) for s in seqs]
    padded, lengths, mask = pad_sequences(arrays, pad_id, time_major=time_major, max_len=max_len)
    rows, m = (padded.T, mask.T) if time_major else (padded, mask)
    assert rows.shape == (len(seqs), lengths.max()) and mask.shape == padded.shape
    for row, row_mask, n, s in zip(rows, m, lengths, arrays):
        assert np.array_equal(row[:n], s[:max_len]) and np.all(row[n:] == pad_id)
        assert row_mask.sum() == n and row_mask[:n].all()


@pytest.mark.parametrize(
    "seqs,err,match",
    [
        ([], ValueError, "at least one"),
        (np.zeros((2, 3), dtype=np.int64), TypeError, "list of 1-D"),
        ([np.array([1]), np.array([], dtype=np.int64)], ValueError, r"seqs\[1\] is empty"),
        ([np.array([1.0])], TypeError, "integer dtype, got float64"),
        ([[1, 2]], TypeError, r"seqs\[0\] must be a numpy.ndarray"),
        ([np.zeros((1, 2), dtype=np.int64)], ValueError, "1-D"),
    ],
)
def test_pad_sequences_rejects_bad_input(seqs, err, match):
    with pytest.raises(err, match=match):
        pad_sequences(seqs)


def test_pad_sequences_rejects_bad_options():
    with pytest.raises(ValueError, match="max_len"):
        pad_sequences([np.array([1])], max_len=0)
    with pytest.raises(TypeError, match="pad_id"):
        pad_sequences([np.array([1])], pad_id=0.5)


# --- batches ------------------------------------------------------------------------------------------------


def test_batches_in_order_and_drop_last():
    assert [b.tolist() for b in batches(7, 3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in batches(7, 3, drop_last=True)] == [[0, 1, 2], [3, 4, 5]]
    assert batches(0, 3) == [] and all(b.dtype == np.int64 for b in batches(7, 3))


def test_batches_shuffle_is_reproducible():
    def run(seed):
        return np.concatenate(batches(20, 6, np.random.default_rng(seed)))

    assert np.array_equal(run(0), run(0)) and not np.array_equal(run(0), run(1))
    assert sorted(run(0).tolist()) == list(range(20))


def test_batches_rejects_bad_arguments():
    with pytest.raises(ValueError, match="batch_size"):
        batches(5, 0)
    with pytest.raises(TypeError, match="Generator"):
        batches(5, 2, rng=0)


# --- bucket_batches -----------------------------------------------------------------------------------------

LENGTHS = np.random.default_rng(123).integers(1, 200, size=503)


def padding(lengths, groups):
    return sum(int(lengths[g].max() * len(g) - lengths[g].sum()) for g in groups)


@pytest.mark.parametrize("rng", [None, np.random.default_rng(0)])
def test_bucket_batches_cover_every_index_once(rng):
    groups = bucket_batches(LENGTHS, 16, rng, bucket_size=64)
    assert np.array_equal(np.sort(np.concatenate(groups)), np.arange(len(LENGTHS)))
    assert all(1 <= len(g) <= 16 and g.dtype == np.int64 for g in groups)


def test_one_bucket_gives_length_homogeneous_batches():
    groups = bucket_batches(LENGTHS, 16, np.random.default_rng(0), bucket_size=len(LENGTHS))
    spans = sorted((LENGTHS[g].min(), LENGTHS[g].max()) for g in groups)
    assert all(hi <= next_lo for (_, hi), (next_lo, _) in zip(spans, spans[1:]))  # the ranges do not overlap
    assert sum(len(g) < 16 for g in groups) == 1


def test_bucketing_reduces_padding():
    rng = np.random.default_rng(0)
    assert padding(LENGTHS, bucket_batches(LENGTHS, 16, rng)) < padding(LENGTHS, batches(len(LENGTHS), 16, rng)) / 5


def test_bucket_batches_shuffle_is_reproducible():
    def run(seed):
        return [g.tolist() for g in bucket_batches(LENGTHS, 8, np.random.default_rng(seed), bucket_size=40)]

    assert run(0) == run(0) and run(0) != run(1)
    assert [g.tolist() for g in bucket_batches(LENGTHS.tolist(), 8)] == [g.tolist() for g in bucket_batches(LENGTHS, 8)]


def test_bucket_batches_rejects_bad_arguments():
    with pytest.raises(ValueError, match="bucket_size must be >= batch_size"):
        bucket_batches(LENGTHS, 8, bucket_size=4)
    with pytest.raises(TypeError, match="1-D integers"):
        bucket_batches(np.array([1.5, 2.0]), 2)
    assert bucket_batches([], 4) == []


# --- LMStreams ----------------------------------------------------------------------------------------------


def test_streams_are_contiguous_slices_of_the_stream():
    ids = np.arange(103, dtype=np.int32)
    streams = LMStreams(ids, 4)
    L = len(ids) // 4
    assert len(streams) == L and streams.data.shape == (L, 4) and streams.data.dtype == np.int64
    for b in range(4):
        assert np.array_equal(streams.data[:, b], ids[b * L : (b + 1) * L])  # the last 103 % 4 tokens are dropped


def read_epoch(streams, ks):
    xs, ys, ks = [], [], iter(ks)
    for _ in range(10**6):
        x, y = streams.next_window(next(ks))
        xs.append(x), ys.append(y)
        if streams.position == streams.steps_per_epoch:
            return np.concatenate(xs), np.concatenate(ys)
    raise AssertionError("the epoch never ended")


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 120), st.integers(1, 6), st.lists(st.integers(1, 9), min_size=1, max_size=10))
def test_windows_of_one_epoch_reconstruct_each_stream(n, batch_size, ks):
    L = n // batch_size
    if L < 2:
        return
    ids = np.random.default_rng(n).integers(0, 1000, size=n)
    streams = LMStreams(ids, batch_size)
    X, Y = read_epoch(streams, ks * 200)
    for b in range(batch_size):
        stream = ids[b * L : (b + 1) * L]
        assert np.array_equal(X[:, b], stream[:-1]) and np.array_equal(Y[:, b], stream[1:])
    assert streams.epoch == 0 and streams.epochs_completed == 1


def test_window_sizes_epoch_wrap_and_windows_per_epoch():
    streams = LMStreams(np.arange(22), 2)  # L = 11: 10 steps per epoch
    assert streams.windows_per_epoch(4) == 3 and streams.windows_per_epoch(10) == 1
    sizes = [streams.next_window(4)[0].shape for _ in range(3)]
    assert sizes == [(4, 2), (4, 2), (2, 2)] and streams.epoch == 0 and streams.epochs_completed == 1
    x, y = streams.next_window(4)
    assert streams.epoch == 1 and streams.position == 4
    assert x[:, 0].tolist() == [0, 1, 2, 3] and y[:, 1].tolist() == [12, 13, 14, 15]


def test_state_dict_resumes_at_exactly_the_same_window():
    ids = np.random.default_rng(0).integers(0, 50, size=1000)
    ks = np.random.default_rng(1).integers(3, 30, size=80).tolist()
    a = LMStreams(ids, 7)
    for k in ks[:40]:
        a.next_window(k)
    state = json.loads(json.dumps(a.state_dict()))  # it survives a JSON checkpoint
    assert set(state) == {"position", "epoch"}
    b = LMStreams(ids, 7)
    b.load_state_dict(state)
    for k in ks[40:]:
        (xa, ya), (xb, yb) = a.next_window(k), b.next_window(k)
        assert np.array_equal(xa, xb) and np.array_equal(ya, yb)
    assert a.state_dict() == b.state_dict() and a.epoch >= 1


def test_windows_are_copies():
    streams = LMStreams(np.arange(10), 2)
    x, _ = streams.next_window(2)
    x[:] = -1
    assert streams.data.min() == 0


@pytest.mark.parametrize(
    "args,err,match",
    [
        ((np.arange(10).tolist(), 2), TypeError, "numpy.ndarray"),
        ((np.arange(10.0), 2), TypeError, "integer dtype"),
        ((np.zeros((2, 5), dtype=np.int64), 2), ValueError, "1-D"),
        ((np.arange(10), 0), ValueError, "batch_size"),
        ((np.arange(5), 3), ValueError, "at least 2 tokens"),
    ],
)
def test_streams_reject_bad_input(args, err, match):
    with pytest.raises(err, match=match):
        LMStreams(*args)


def test_load_state_dict_validates_without_mutating():
    streams = LMStreams(np.arange(22), 2)
    streams.next_window(3)
    for bad, match in [
        ({"position": 11, "epoch": 0}, r"\[0, 10\]"),
        ({"position": 1}, "keys"),
        ({"position": -1, "epoch": 0}, "position"),
        ({"position": 1, "epoch": 1.5}, "epoch"),
    ]:
        with pytest.raises(ValueError, match=match):
            streams.load_state_dict(bad)
        assert streams.state_dict() == {"position": 3, "epoch": 0}
    with pytest.raises(ValueError, match="k must be"):
        streams.next_window(0)
