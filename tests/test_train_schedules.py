import math

import pytest

from elman.train.schedules import make_schedule


def test_step_and_cosine():
    step = make_schedule("step", 1.0, step_size=10, gamma=0.1)
    assert [step.lr(t) for t in (0, 9, 10, 25)] == pytest.approx([1.0, 1.0, 0.1, 0.01])
    cos = make_schedule("cosine", 2.0, total_steps=10, min_lr=0.5)
    assert cos.lr(0) == 2.0 and cos.lr(10) == 0.5 and cos.lr(20) == 0.5 and cos.lr(5) == pytest.approx(1.25)


def test_plateau_reduces_after_patience_and_round_trips():
    s = make_schedule("plateau", 1.0, factor=0.5, patience=1)
    for loss in (3.0, 2.0, 2.5, 2.6):
        s.observe(loss)
    assert s.lr(0) == 0.5
    t = make_schedule("plateau", 1.0, factor=0.5, patience=1)
    t.load_state_dict(s.state_dict())
    assert t.lr(0) == 0.5 and t.best == 2.0
    assert make_schedule("plateau", 1.0).state_dict()["best"] is None  # JSON has no infinity
    assert math.isinf(make_schedule("plateau", 1.0).best)


@pytest.mark.parametrize(
    "kw, message",
    [({"name": "warm"}, "Unknown schedule 'warm'"), ({"name": "cosine"}, "needs the total number of steps")],
)
def test_bad_schedules(kw, message):
    with pytest.raises(ValueError, match=message):
        make_schedule(kw["name"], 1.0)
