"""The memory claims (stacking, bottleneck, next word, initialisation) in quick mode, each run once.

What is checked here is the run: its record is decided by its own verdict function from its own numbers, on five
seeds with an interval and a figure, and what it measured that is the library's behaviour rather than a verdict
(a tanh stack's gradient fades, a longer lag is harder to learn). Which verdict a set of numbers gives, and that
each verdict can come out the other way, is tested by feeding numbers in tests/test_claims_verdicts.py: no verdict
is pinned to a seed here.
"""

from pathlib import Path

import pytest

from claims_checks import assert_record
from data_marks import missing_data
from elman.analysis.claims import memory, next_word

RUNS = {
    "stacking": (memory.stacking, memory.verdict_stacking, 8),
    "bottleneck": (memory.bottleneck, memory.verdict_bottleneck, 9),
    "initialisation": (memory.initialisation, memory.verdict_initialisation, 0),
}


def _measured_as_expected(name: str, m: dict) -> None:
    if name == "stacking":  # on every seed's fresh networks, ‖∂L/∂h‖ falls back in time and down the layers
        assert m["time_ok"] and m["depth_ok"], m
    if name == "bottleneck":  # items after the first cost its recall, and not through the delay alone
        assert m["falls"]["interval"][0] > 0.2 and m["load"]["interval"][0] > 0.2, m
    if name == "initialisation":
        # every initialisation learns the shorter lag better, and the default learns nothing at the longer one
        # (the case the claim is about: without it the verdict has no long length to judge)
        for kind, by_T in m["mse"].items():
            assert by_T["20"]["mean"] < by_T["40"]["mean"], (kind, by_T)
        assert m["mse"]["default tanh"]["40"]["mean"] > memory.FAILED, m["mse"]["default tanh"]


@pytest.mark.parametrize("name", list(RUNS))
def test_quick_run_is_decided_by_its_own_numbers(name, tmp_path):
    run, decide, claim_id = RUNS[name]
    result = run(True, tmp_path, 0)
    assert result.id == claim_id
    assert_record(result, decide, figure_dir=tmp_path)
    _measured_as_expected(name, result.numbers)


def test_next_word_on_the_brown_model(tmp_path):
    result = next_word.next_word(True, tmp_path, 0)
    assert result.id == 11 and Path(result.figure).is_file()
    assert next_word.verdict_next_word(result.numbers)[0] == result.verdict
    assert len(result.data["pairs"]) == len(next_word.CONTRASTS)  # every contrast's words are in the vocabulary
    if missing_data("brown"):  # measured without held-out text: no gain, and the verdict cannot claim one
        assert result.numbers["gain"] is None and result.verdict != "reproduced"
    else:  # Brown is local: the RNN beats a last-word-only model on held-out text
        assert result.numbers["gain"]["interval"][0] > 0.05, result.numbers["gain"]
