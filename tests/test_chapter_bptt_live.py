"""Step 4, train it here: full BPTT learns the recall task and truncated BPTT cannot on every seed, clipping caps
the norm each step uses, and the stream is bounded, refuses beyond its places and stops when the client leaves."""

import http.client
import json
import time

import pytest

from chapter_browser import free_port, serving
from elman.chapter.steps import bptt_live
from elman.chapter.steps.bptt_live import DEFAULTS, MAX_UPDATES, L, train


@pytest.mark.parametrize("seed", range(10))
def test_at_the_defaults_full_bptt_learns_and_truncated_cannot_and_clipping_caps_the_norm(seed):
    # the two runs that carry both claims (the other two differ only in their clipping flag): full BPTT clipped,
    # truncated unclipped; L = 15 > K = 10
    assert L > DEFAULTS["K"]
    r = train(seed=seed, variants=("full_clip", "truncated"))
    full, truncated = r["end"]["full_clip"], r["end"]["truncated"]
    assert full < 0.1 and truncated > 0.5 and truncated > 10 * full, (seed, full, truncated)
    tau = DEFAULTS["tau"]
    # clipping on: every step uses at most tau, and it fires at the defaults; off: the norm is what backprop gave,
    # and it goes above tau (so the cap is visible against it)
    assert max(r["after"]["full_clip"]) <= tau * (1 + 1e-12) and r["clips"]["full_clip"] >= 10
    assert [min(b, tau) for b in r["before"]["full_clip"]] == pytest.approx(r["after"]["full_clip"], rel=1e-12)
    assert r["after"]["truncated"] == r["before"]["truncated"] and max(r["before"]["truncated"]) > 2 * tau


def test_with_the_pulse_inside_the_window_truncated_learns_too():
    r = train(K=20, updates=120, seed=0, variants=("truncated",))
    assert r["end"]["truncated"] < 0.1


def records(client, **params):
    with client.stream("GET", "/api/bptt/live", params=params) as response:
        assert response.status_code == 200 and response.headers["content-type"] == "application/x-ndjson"
        return [json.loads(line) for line in response.iter_lines() if line]


def test_the_stream_sends_one_record_per_update_between_a_start_and_an_end(client):
    lines = records(client, updates=12, K=10, tau=1, seed=3)
    assert [r["kind"] for r in lines] == ["start"] + ["update"] * 12 + ["end"]
    assert [r["step"] for r in lines[1:-1]] == list(range(1, 13))
    assert lines[0]["variants"] == list(bptt_live.VARIANTS) and lines[0]["window"] == [21, 30]
    expected = train(K=10, tau=1.0, updates=12, seed=3)
    for v in bptt_live.VARIANTS:
        assert [r["loss"][v] for r in lines[1:-1]] == pytest.approx(expected["loss"][v], rel=1e-12)
    profiled = [r for r in lines[1:-1] if "profile" in r]
    assert [r["step"] for r in profiled] == [1, 5, 10, 12]
    cut = profiled[-1]["profile"]["truncated"]
    assert all(v == 0 for v in cut[:20]) and all(v > 0 for v in cut[20:])
    assert all(v > 0 for v in profiled[-1]["profile"]["full"])
    assert lines[-1]["end"] == pytest.approx(expected["end"]) and not lines[-1]["stopped"]


@pytest.mark.parametrize(
    "params,detail",
    [
        ({"updates": MAX_UPDATES + 1}, "updates: expected a whole number from 1 to 300"),
        ({"K": "ten"}, "K: expected a whole number from 1 to 30, got 'ten'"),
        ({"tau": "nan"}, "tau: expected a number from 0.01 to 100"),
    ],
)
def test_bad_settings_get_one_plain_sentence(client, params, detail):
    response = client.get("/api/bptt/live", params=params)
    assert response.status_code == 400 and response.json()["detail"].startswith(detail)


def test_more_live_runs_than_places_are_refused_with_a_retry(client, monkeypatch):
    monkeypatch.setattr(bptt_live, "_active", bptt_live.RUNS)
    response = client.get("/api/bptt/live")
    assert response.status_code == 503 and "Retry-After" in response.headers
    assert "live-training" in response.json()["detail"]


def test_the_server_stops_computing_when_the_client_leaves(monkeypatch):
    from elman.chapter.app import create_app

    runs, slow = [], bptt_live.Run.advance

    def advance(self, n):  # a slice takes 50 ms: a whole run would take 1.5 s
        runs.append(self)
        time.sleep(0.05)
        return slow(self, n)

    monkeypatch.setattr(bptt_live.Run, "advance", advance)
    port = free_port()
    with serving(create_app(), port, log_level="warning"):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/api/bptt/live?updates=300")
        response = connection.getresponse()
        assert response.status == 200
        got = [json.loads(response.readline()) for _ in range(3)]  # the start and two updates: then leave
        connection.sock.shutdown(2)
        connection.close()
        time.sleep(0.6)
        stopped_at = runs[-1].step
        time.sleep(0.4)
        assert runs[-1].step == stopped_at < 300, "the server kept training after the client left"
        deadline = time.monotonic() + 5
        while bptt_live._active and time.monotonic() < deadline:
            time.sleep(0.05)
        assert bptt_live._active == 0, "the run's place was not given back"
    assert got[0]["kind"] == "start" and got[2]["step"] == 2
