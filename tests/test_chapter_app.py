"""The chapter's server: the step list and content, step 1's comparison, and how bad requests are answered."""

import numpy as np
import pytest

pytest.importorskip("fastapi")

from elman.chapter.steps import STEPS  # noqa: E402
from elman.chapter.steps.sequences import compare  # noqa: E402
from elman.errors import InvalidInput, MissingFile  # noqa: E402


def test_eight_steps_in_the_chapter_order(client):
    steps = client.get("/api/steps").json()
    assert [s["label"] for s in steps] == [
        "Sequences",
        "Recurrence",
        "Hidden state",
        "BPTT",
        "Vanishing",
        "Tasks",
        "Embeddings",
        "Summary",
    ]
    assert [s["number"] for s in steps] == list(range(1, 9))
    assert len({s["icon"] for s in steps}) == 8


@pytest.mark.parametrize("number", range(1, 9))
def test_every_step_has_words_formula_and_real_source(client, number):
    step = client.get(f"/api/steps/{number}").json()
    assert step["title"] and step["subtitle"] and step["paragraphs"] and step["formula"] and step["torch_code"]
    assert step["callout"]["text"]
    for source in step["sources"]:
        assert source["code"].lstrip().startswith(("def ", "class ", "@"))
        assert source["name"].startswith("elman.")


@pytest.mark.parametrize("number", [0, 9, -1])
def test_a_step_out_of_range_is_a_404_with_the_range(client, number):
    response = client.get(f"/api/steps/{number}")
    assert response.status_code == 404
    assert "between 1 and 8" in response.json()["detail"]


def test_step_keys_route_their_endpoints():
    assert len({s.key for s in STEPS}) == 8


def test_bag_of_words_cannot_see_order_but_the_rnn_can(client):
    r = client.get("/api/sequences/compare", params={"a": "the dog bit the man", "b": "the man bit the dog"}).json()
    assert r["bag_of_words"]["identical"] and r["bag_of_words"]["cosine"] == pytest.approx(1.0)
    assert not r["rnn"]["identical"] and r["rnn"]["cosine"] < 0.999
    assert all(s["accepted"] for s in r["feedforward"]["sentences"])


def test_the_page_numbers_are_the_library_numbers(client):
    r = client.get("/api/sequences/compare", params={"a": "not good", "b": "good not", "seed": 7}).json()
    assert r == compare("not good", "good not", 7)
    assert r != compare("not good", "good not", 8)


def test_a_feedforward_network_refuses_a_second_length(client):
    r = client.get("/api/sequences/compare", params={"a": "the dog bit the man", "b": "the man bit the dog today"})
    a, b = r.json()["feedforward"]["sentences"]
    assert a["accepted"] and not b["accepted"]
    assert "Expected 40, got 48" in b["error"]


@pytest.mark.parametrize(
    "params, fragment",
    [
        ({"a": "x" * 201}, "at most 200 characters"),
        ({"a": "   "}, "of at least one word, got none"),
        ({"b": "w " * 41}, "at most 40 words"),
        ({"seed": -1}, "seed"),
        ({"seed": "abc"}, "seed"),
    ],
)
def test_bad_input_is_a_4xx_that_says_what_was_expected(client, params, fragment):
    response = client.get("/api/sequences/compare", params=params)
    assert response.status_code in (400, 422)
    assert fragment in response.json()["detail"]


def test_the_page_and_its_assets_come_from_the_package(client):
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert "http://" not in page.text and "https://" not in page.text
    for asset in (
        "/static/js/player.js",
        "/static/chapter.css",
        "/static/vendor/katex/katex.min.js",
        "/static/icons/school.svg",
    ):
        assert client.get(asset).status_code == 200, asset


def test_no_file_outside_the_package_is_served(client):
    for path in ("/static/../app.py", "/static/..%2Fapp.py", "/static/%2e%2e/%2e%2e/pyproject.toml"):
        assert client.get(path).status_code == 404, path


def test_summary_timeline_runs_from_1986_to_2017(client):
    years = [row["year"] for row in client.get("/api/summary/timeline").json()]
    assert years[0] == 1986 and years[-1] == 2017 and years == sorted(years)


def test_same_seed_same_numbers_across_requests(client):
    first = client.get("/api/sequences/compare", params={"seed": 3}).json()
    second = client.get("/api/sequences/compare", params={"seed": 3}).json()
    assert np.array_equal(first["rnn"]["final_states"], second["rnn"]["final_states"])


@pytest.mark.parametrize("argv", [["--workers", "0"], ["--port", "70000"], ["--port", "0"]])
def test_elman_chapter_refuses_bad_options_before_starting(capsys, argv):
    from elman.cli import main

    assert main(["chapter", "--no-browser", *argv]) == 2
    assert "expected --workers >= 1 and --port in 1..65535" in capsys.readouterr().err


def test_every_answer_carries_the_security_headers(client):
    for path in ("/api/steps", "/api/steps/99", "/api/sequences/compare?seed=-1", "/static/chapter.css"):
        headers = client.get(path).headers
        assert "default-src 'self'" in headers["content-security-policy"], path
        assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "no-referrer", path


@pytest.mark.parametrize(
    "raised, status",
    [
        (lambda: InvalidInput("a: expected a word"), 400),  # the request asked wrongly: its sentence
        (lambda: MissingFile("the chapter's model 'x' is not shipped"), 503),  # something is not there
        (lambda: ValueError("index 3 is out of bounds"), 500),  # the server's own bug: never passed off as 400
        (lambda: KeyError("rnn.weight_hh_l0"), 500),
    ],
)
def test_expected_errors_are_4xx_or_503_and_the_servers_own_bugs_are_500(monkeypatch, raised, status):
    from fastapi.testclient import TestClient

    from elman.chapter.app import create_app
    from elman.chapter.steps import sequences

    def fail(*args):
        raise raised()

    monkeypatch.setattr(sequences, "compare", fail)
    with TestClient(create_app(), base_url="http://127.0.0.1", raise_server_exceptions=False) as client:
        answer = client.get("/api/sequences/compare", params={"a": "a b", "b": "b a"})
    assert answer.status_code == status
    if status < 500 or isinstance(raised(), MissingFile):
        assert answer.json()["detail"] == str(raised()).strip("'")
