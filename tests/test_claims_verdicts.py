"""Every verdict is a pure function of measured numbers, and each can come out the other way.

Each test feeds its verdict function the numbers of a world where the claim holds, then counterfactual numbers
(what a failed experiment would measure) and expects "not reproduced" — and "nuanced" where a middle is honest.
No model is trained here: the functions read numbers only.
"""

import copy

import pytest

from elman.analysis.claims import foundations, long_range, memory, next_word


def iv(mean, low, high):
    return {"mean": mean, "interval": [low, high]}


def changed(base, **parts):
    m = copy.deepcopy(base)
    m.update(parts)
    return m


def check(fn, base, cases):
    assert fn(base)[0] == "reproduced", fn(base)
    for expected, numbers in cases:
        verdict, reason = fn(numbers)
        assert verdict == expected, (numbers, verdict, reason)
        assert reason


def test_vanishing():
    base = {
        "max_rate_below": 0.8,
        "min_rate_above": 1.2,
        "rate_error": 0.01,
        "tanh_below_linear": True,
        "factor_100": iv(0.3, 0.1, 0.4),
    }
    check(
        foundations.verdict_vanishing,
        base,
        [
            ("not reproduced", changed(base, max_rate_below=1.01)),  # a ρ < 1 whose gradient does not shrink
            ("not reproduced", changed(base, min_rate_above=0.99)),
            ("not reproduced", changed(base, tanh_below_linear=False)),
            ("nuanced", changed(base, factor_100=iv(1.5, 1.2, 1.8))),  # transient growth: 100 steps off by > 10x
        ],
    )


def test_weight_sharing():
    base = {
        "counts": [416],
        "finite": True,
        "grads_shaped": True,
        "params_unchanged": True,
        "feedforward_counts": [656, 64016],
    }
    check(
        foundations.verdict_weight_sharing,
        base,
        [
            ("not reproduced", changed(base, counts=[416, 480])),
            ("not reproduced", changed(base, params_unchanged=False)),
        ],
    )


def test_unrolled():
    base = {"max_abs_diff": 3e-15, "tolerance": 1e-12, "per_layer_spread": 0.3}
    check(
        foundations.verdict_unrolled,
        base,
        [
            ("not reproduced", changed(base, max_abs_diff=1e-6)),
            ("nuanced", changed(base, per_layer_spread=0.0)),
        ],
    )


def test_order():
    base = {
        "rnn": iv(1.0, 0.95, 1.0),
        "bow": iv(0.5, 0.45, 0.55),
        "gap": iv(0.5, 0.45, 0.55),
        "mlp_rejects_other_length": True,
        "bow_equal": True,
    }
    check(
        foundations.verdict_order,
        base,
        [
            ("not reproduced", changed(base, gap=iv(0.0, -0.05, 0.0))),  # the RNN does no better on unseen pairs
            ("not reproduced", changed(base, mlp_rejects_other_length=False)),
            ("not reproduced", changed(base, bow_equal=False)),
            ("nuanced", changed(base, rnn=iv(0.7, 0.6, 0.8), gap=iv(0.2, 0.1, 0.3))),
        ],
    )


def test_analogy():
    base = {"queen_rank": 1, "accuracy": iv(0.5, 0.49, 0.51)}
    check(
        foundations.verdict_analogy,
        base,
        [
            ("not reproduced", changed(base, queen_rank=None, accuracy=iv(0.05, 0.04, 0.06))),
            ("nuanced", changed(base, queen_rank=3)),  # the benchmark works, the chapter's example misses
            ("nuanced", changed(base, accuracy=iv(0.1, 0.09, 0.11))),  # a lucky example on a weak benchmark
            ("nuanced", {"queen_rank": "missing", "accuracy": None}),
        ],
    )


def test_one_hot():
    base = {"onehot_ok": True, "gap": iv(0.48, 0.47, 0.49), "king_queen": 0.78, "king_pizza": 0.22}
    check(
        foundations.verdict_one_hot,
        base,
        [
            ("not reproduced", changed(base, gap=iv(0.0, -0.02, 0.0))),
            ("not reproduced", changed(base, onehot_ok=False)),
            ("nuanced", changed(base, king_pizza=0.9)),
            ("nuanced", changed(base, gap=iv(0.1, 0.05, 0.15))),
        ],
    )


def test_long_range():
    base = {
        "agree_short": iv(1.0, 1.0, 1.0),
        "agree_long": iv(0.51, 0.5, 0.53),
        "add_short": iv(0.1, 0.05, 0.15),
        "add_long": iv(1.05, 1.0, 1.1),
        "budget": 600,
    }
    check(
        long_range.verdict_long_range,
        base,
        [
            ("not reproduced", changed(base, agree_long=iv(0.99, 0.97, 1.0))),  # the long dependency was learned
            ("not reproduced", changed(base, agree_short=iv(0.5, 0.45, 0.55), add_short=iv(1.0, 0.9, 1.1))),
            ("nuanced", changed(base, agree_long=iv(0.7, 0.4, 1.0))),  # one seed of five learns it (the case)
        ],
    )
    assert "within 600 updates" in long_range.verdict_long_range(base)[1]


def test_truncation():
    base = {
        "inside": iv(1.0, 1.0, 1.0),
        "outside": iv(0.15, 0.13, 0.17),
        "full": iv(1.0, 1.0, 1.0),
        "clean": iv(0.14, 0.12, 0.16),
        "chance": 0.125,
    }
    check(
        long_range.verdict_truncation,
        base,
        [
            ("not reproduced", changed(base, outside=iv(0.95, 0.9, 1.0))),  # truncated BPTT learns beyond the window
            ("nuanced", changed(base, full=iv(0.85, 0.44, 1.0))),  # the full-BPTT control fails on a seed: inconclusive
            ("nuanced", changed(base, clean=iv(0.77, 0.44, 1.0))),  # without the noise it is learned: today's result
        ],
    )


def test_clipping():
    base = {
        "n": 5,
        "explodes": 5,
        "tamed": 5,
        "vanish_clip_share": 0.8,
        "vanish_ratio_clipped": 1e-6,
        "log_change": iv(0.1, -0.1, 0.3),
    }
    check(
        long_range.verdict_clipping,
        base,
        [
            ("not reproduced", changed(base, tamed=2)),
            ("nuanced", changed(base, tamed=4)),  # the full run's case: one clipped run still blew up
            ("not reproduced", changed(base, vanish_ratio_clipped=0.5)),  # clipping cured the vanishing
            ("nuanced", changed(base, vanish_clip_share=0.0)),  # a threshold that never clips proves nothing
            ("nuanced", changed(base, log_change=iv(1.2, 0.9, 1.5))),
            ("nuanced", changed(base, explodes=1)),
        ],
    )


def test_stacking():
    base = {"time_ok": True, "depth_ok": True, "slower": iv(0.02, 0.01, 0.03)}
    check(
        memory.verdict_stacking,
        base,
        [
            ("not reproduced", changed(base, time_ok=False, depth_ok=False, slower=iv(-0.02, -0.03, -0.01))),
            ("nuanced", changed(base, slower=iv(-0.02, -0.04, -0.004))),  # today's: the deeper stack trains faster
            ("nuanced", changed(base, slower=iv(0.0, -0.01, 0.01))),
        ],
    )


def test_bottleneck():
    base = {"falls": iv(0.6, 0.5, 0.7), "load": iv(0.58, 0.5, 0.66), "grows": iv(0.1, 0.08, 0.12)}
    check(
        memory.verdict_bottleneck,
        base,
        [
            ("not reproduced", changed(base, load=iv(-0.01, -0.05, 0.03), grows=iv(0.0, -0.02, 0.02))),
            ("nuanced", changed(base, load=iv(0.0, -0.05, 0.05))),  # the delay alone explains the fall
        ],
    )


def test_next_word():
    base = {"contrast": iv(0.9, 0.3, 1.5), "gain": iv(0.2, 0.18, 0.22)}
    check(
        next_word.verdict_next_word,
        base,
        [
            ("not reproduced", changed(base, contrast=iv(-0.1, -0.5, 0.0))),  # what any bigram model measures
            ("nuanced", changed(base, contrast=iv(0.5, -0.2, 1.2))),
            ("nuanced", changed(base, gain=iv(-0.1, -0.2, 0.0))),
            ("nuanced", changed(base, gain=None)),
            ("nuanced", changed(base, mat_log_ratio=-0.2)),  # the rebuilt Brown model: P(mat | cat) < P(mat | dog)
        ],
    )


def test_initialisation():
    mse = {
        "default tanh": {"20": iv(0.45, 0.05, 0.9), "40": iv(1.0, 0.95, 1.05)},
        "orthogonal tanh": {"20": iv(0.48, 0.1, 0.8), "40": iv(0.97, 0.8, 1.1)},
        "identity relu": {"20": iv(0.4, 0.05, 0.8), "40": iv(1.05, 0.8, 1.3)},
    }
    base = {"mse": mse, "budget": 1200}
    rescued = copy.deepcopy(base)
    rescued["mse"]["identity relu"]["40"] = iv(0.1, 0.05, 0.2)  # the IRNN learns T=40 where the default fails
    helped = copy.deepcopy(base)
    helped["mse"]["orthogonal tanh"]["40"] = iv(0.6, 0.55, 0.65)  # clearly better, not learned
    easy = copy.deepcopy(base)
    easy["mse"]["default tanh"]["40"] = iv(0.8, 0.4, 1.2)  # the default learns T=40 on some seeds: nothing is long
    overlap = copy.deepcopy(base)
    overlap["mse"]["identity relu"]["40"] = iv(0.3, 0.0, 0.96)  # learned on average, but not clearly better
    check(memory.verdict_initialisation, base, [("not reproduced", rescued), ("nuanced", helped), ("nuanced", easy)])
    assert memory.verdict_initialisation(overlap)[0] == "reproduced"
    assert "within 1200 updates" in memory.verdict_initialisation(base)[1]


@pytest.mark.parametrize("fn", [foundations.verdict_order, long_range.verdict_truncation, memory.verdict_bottleneck])
def test_verdicts_do_not_touch_their_input(fn):
    numbers = {
        "rnn": iv(1.0, 0.95, 1.0),
        "bow": iv(0.5, 0.45, 0.55),
        "gap": iv(0.5, 0.45, 0.55),
        "mlp_rejects_other_length": True,
        "bow_equal": True,
        "inside": iv(1, 1, 1),
        "outside": iv(0.1, 0.1, 0.1),
        "full": iv(1, 1, 1),
        "clean": iv(0.1, 0.1, 0.1),
        "chance": 0.125,
        "falls": iv(0.6, 0.5, 0.7),
        "load": iv(0.5, 0.4, 0.6),
        "grows": iv(0.1, 0.05, 0.15),
    }
    before = copy.deepcopy(numbers)
    assert fn(numbers) == fn(numbers)
    assert numbers == before
