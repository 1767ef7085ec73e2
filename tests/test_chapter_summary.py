"""Step 8's server side: each thumbnail is its step's own answer (the same numbers, not a copy of the maths), the
claims table and the lab's registry name the same experiments, a claim run here returns the lab's own verdict,
and every refusal is one plain sentence."""

import re

import pytest

pytest.importorskip("fastapi")

from elman.analysis.claims import EXPERIMENTS, run_experiment  # noqa: E402
from elman.chapter.steps import STEPS, bptt, recurrence, sequences, summary_claims, summary_recap, vanishing  # noqa: E402
from elman.chapter.steps.summary import TIMELINE  # noqa: E402

RAW = re.compile(r"Input should|String should|Field required|value_error")


def test_every_step_but_the_last_has_a_thumbnail():
    assert list(summary_recap.RECAPS) == [s.key for s in STEPS[:-1]]


def test_the_compute_thumbnails_are_their_steps_answers(client):
    seq = client.get("/api/summary/recap/sequences", params={"seed": 3}).json()
    r = sequences.compare(sequences.DEFAULT_A, sequences.DEFAULT_B, 3)
    assert [c["cosine"] for c in seq["cosines"]] == [
        r["bag_of_words"]["cosine"],
        r["feedforward"]["cosine"],
        r["rnn"]["cosine"],
    ]
    rec = client.get("/api/summary/recap/recurrence", params={"seed": 3}).json()
    assert rec["states"] == [s["h"] for s in recurrence.unroll(summary_recap.WORD, "chars", 3)["steps"]]
    bp = client.get("/api/summary/recap/bptt", params={"seed": 3}).json()
    assert bp["truncated"] == bptt.backward_pass(**bptt.DEFAULTS, seed=3)["truncated_norms"]
    va = client.get("/api/summary/recap/vanishing", params={"seed": 3}).json()
    assert va["tanh"] == vanishing.decay(vanishing.DEFAULT["rho"], vanishing.DEFAULT["T"], 3)["tanh"]
    assert client.get("/api/summary/recap/vanishing", params={"seed": 4}).json()["tanh"] != va["tanh"]


def test_the_claims_table_names_every_experiment_of_the_lab_once(client):
    listed = client.get("/api/summary/claims").json()
    registry = sorted((e.claim_id, e.name) for e in EXPERIMENTS.values())
    assert sorted((c["id"], c["experiment"]) for c in listed) == registry
    numbers = {s.key: n for n, s in enumerate(STEPS, 1)}
    for c in listed:
        assert c["command"] == f"elman experiment {c['experiment']} --out runs/experiments"
        assert c["step_number"] == numbers[c["step"]]
        assert "verdict" not in c  # no verdict unless one was run
    assert {c["experiment"] for c in listed if c["runs_here"]} == set(summary_claims.RUN_HERE)


def test_the_commands_are_the_cli_s_own():
    from elman.cli import build_parser

    parser = build_parser()
    for _, name, _, _ in summary_claims.CLAIMS:
        args = parser.parse_args(summary_claims.command(name).split()[1:] + ["--quick"])
        assert args.name == name and args.quick
    assert parser.parse_args(summary_claims.ALL.split()[1:]).quick


def test_a_claim_run_here_is_the_lab_s_own_verdict(client):
    got = client.get("/api/summary/claims/weight_sharing", params={"seed": 2}).json()
    lab = run_experiment("weight_sharing", quick=True, seed=2)
    assert (got["verdict"], got["measured"], got["claim"], got["id"]) == (lab.verdict, lab.measured, lab.claim, lab.id)


@pytest.mark.parametrize(
    "path, said",
    [
        ("/api/summary/claims/long_range", "too long to wait for here; run it with: elman experiment long_range"),
        ("/api/summary/claims/nothing", "There is no experiment called 'nothing'"),
        ("/api/summary/recap/nothing", "There is no step called 'nothing'"),
        ("/api/summary/recap/sequences?seed=-1", "The seed must be a whole number from 0 to"),
        ("/api/summary/claims/order?seed=-1", "The seed must be a whole number from 0 to"),
    ],
)
def test_refusals_are_plain_sentences(client, path, said):
    response = client.get(path)
    assert response.status_code == 400
    assert said in response.json()["detail"] and not RAW.search(response.json()["detail"])


def test_the_timeline_has_the_chapter_s_dates_and_bengio_1994():
    years = {(y, who.split()[0].rstrip(",")) for y, who, _ in TIMELINE}
    assert {
        (1986, "Rumelhart"),
        (1990, "Elman"),
        (1991, "Hochreiter"),
        (1994, "Bengio"),
        (1997, "Hochreiter"),
        (2013, "Mikolov"),
        (2014, "Cho"),
        (2014, "Sutskever"),
        (2015, "Bahdanau"),
        (2017, "Vaswani"),
    } == years


def test_without_the_lab_extra_the_claims_show_their_commands_and_run_nothing(client, monkeypatch):
    monkeypatch.setattr(summary_claims, "lab_installed", lambda: False)  # a chapter installed without matplotlib
    assert not any(c["runs_here"] for c in client.get("/api/summary/claims").json())
    answer = client.get("/api/summary/claims/weight_sharing", params={"seed": 12345})
    assert answer.status_code == 503 and "pip install 'elman[lab]'" in answer.json()["detail"]
