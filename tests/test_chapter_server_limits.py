"""The chapter's server under abuse, on a real uvicorn server on a loopback port: a flood of slow requests
queues per model and never starves the cheap endpoints; a foreign Host is refused; idle, slow and oversized
requests are answered and closed instead of held for ever or reset.

No timings are asserted: a socket timeout only bounds how long a test waits for something that must happen.
"""

import json
import os
import select
import socket
import threading
import time
import urllib.parse

import pytest

uvicorn = pytest.importorskip("uvicorn")

from chapter_browser import free_port, serving  # noqa: E402
from elman.chapter import hosts  # noqa: E402
from elman.chapter.admission import MODEL_WAITING  # noqa: E402
from elman.chapter.app import create_app  # noqa: E402
from elman.chapter.server import BoundedH11Protocol, uvicorn_options  # noqa: E402
from elman.chapter.steps import tasks  # noqa: E402

WAIT = 20.0  # seconds a test waits for what must happen before it calls it a failure
GERMAN = "ein mann in einem roten hemd steht mit einer frau vor einem großen haus".split()


class ShortBounds(BoundedH11Protocol):
    request_deadline = 1.0
    linger = 0.5


@pytest.fixture(scope="module")
def port():
    number = free_port()
    options = {**uvicorn_options(), "http": ShortBounds, "timeout_keep_alive": 0.5}
    with serving(create_app(), number, **options):
        yield number


def request(port: int, path: str, host: str | None = None) -> tuple[int, dict, bytes]:
    """(status, headers, body) of one GET on a fresh connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host or f'127.0.0.1:{port}'}\r\nConnection: close\r\n\r\n".encode())
        return parse(read_all(s))


def read_all(s: socket.socket) -> bytes:
    chunks = []
    while chunk := s.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def parse(answer: bytes) -> tuple[int, dict, bytes]:
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


def translate_path(n: int, beam: int = 3) -> str:
    words = GERMAN[n % len(GERMAN) :] + GERMAN[: n % len(GERMAN)] + [str(n)]  # a different text each time
    return "/api/tasks/translate?" + urllib.parse.urlencode({"text": " ".join(words), "beam": beam})


# --- one slow endpoint must never starve the others ------------------------------------------------------------
def test_cheap_endpoints_answer_while_a_hundred_translations_wait(port, monkeypatch):
    gate, entered = threading.Event(), threading.Event()

    def held(text, beam):  # the translation model, stuck until the test lets it go
        entered.set()
        assert gate.wait(WAIT)
        return {"text": text, "beam": beam}

    monkeypatch.setattr(tasks, "translate", held)
    answers = []
    slow = [threading.Thread(target=lambda n=n: answers.append(request(port, translate_path(n)))) for n in range(100)]
    for thread in slow:
        thread.start()
    try:
        # Beyond the one translating and MODEL_WAITING waiting, every request is refused at once.
        refused = 100 - 1 - MODEL_WAITING
        deadline = time.monotonic() + WAIT
        while not (entered.is_set() and len(answers) >= refused):
            assert time.monotonic() < deadline, f"{len(answers)} of 100 translations answered while the model is held"
            time.sleep(0.05)
        # While translations hold the model and fill its queue, the cheap endpoints, the page and its files answer.
        for n in range(30):
            path = ("/api/summary/timeline", "/api/steps", "/api/steps/6", "/", "/static/chapter.css")[n % 5]
            status, _, _ = request(port, path)
            assert status == 200, path
    finally:
        gate.set()
        for thread in slow:
            thread.join(WAIT)
    statuses = sorted(status for status, _, _ in answers)
    assert statuses == [200] * (1 + MODEL_WAITING) + [503] * refused
    for status, headers, body in answers:
        if status == 503:
            assert headers["retry-after"] == "1"
            detail = json.loads(body)["detail"]
            assert "translation" in detail and "retry in 1 s" in detail


def test_a_real_flood_of_beam_search_gets_answers_or_a_retry_after(port):
    answers, cheap = [], []
    slow = [threading.Thread(target=lambda n=n: answers.append(request(port, translate_path(n)))) for n in range(100)]
    for thread in slow:
        thread.start()
    while any(t.is_alive() for t in slow):
        cheap.append(request(port, "/api/summary/timeline")[0])
    for thread in slow:
        thread.join(WAIT)
    assert len(answers) == 100 and cheap and set(cheap) == {200}
    for status, headers, body in answers:
        assert status in (200, 503)
        if status == 503:
            assert headers["retry-after"] == "1" and "retry" in json.loads(body)["detail"]
        else:
            assert json.loads(body)["translation"]


# --- the Host header -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/api/steps", "/api/steps/", "/static", "/"])
def test_a_foreign_host_is_refused_and_never_echoed_into_a_redirect(port, path):
    status, headers, body = request(port, path, host="attacker.example")
    assert status == 400 and "location" not in headers
    detail = json.loads(body)["detail"]
    assert "localhost, 127.0.0.1, [::1]" in detail and "'attacker.example'" in detail and "--allow-host" in detail


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost:8000", "LOCALHOST", "[::1]:9000", "127.0.0.1:1"])
def test_the_loopback_names_are_answered_on_any_port(port, host):
    assert request(port, "/api/steps", host=host)[0] == 200


@pytest.mark.parametrize(
    "host", ["attacker.example:8000", "127.0.0.1.attacker.example", "192.168.1.5", "[::1", "localhost@attacker.example"]
)
def test_other_names_and_malformed_hosts_are_refused(port, host):
    assert request(port, "/api/steps", host=host)[0] == 400


def test_a_request_without_a_host_is_refused(port):
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as s:
        s.sendall(b"GET /api/steps HTTP/1.0\r\n\r\n")
        status, _, body = parse(read_all(s))
    assert status == 400 and "no Host header" in json.loads(body)["detail"]


def test_bound_to_every_interface_the_machine_names_and_addresses_are_answered():
    allowed = hosts.allowed_for("0.0.0.0", ["lab.example"])
    for header in ("192.168.1.5:8000", "[fe80::1]:8000", f"{socket.gethostname()}:8000", "lab.example", "localhost"):
        assert hosts.accepts(allowed, header), header
    assert not hosts.accepts(allowed, "attacker.example")
    assert not hosts.accepts(hosts.allowed_for("127.0.0.1"), "192.168.1.5")
    assert hosts.accepts(hosts.allowed_for("192.168.1.5"), "192.168.1.5:8000")


def test_the_app_takes_its_names_from_elman_chapter(monkeypatch):
    from fastapi.testclient import TestClient

    monkeypatch.setenv(hosts.ENV, hosts.to_env(hosts.allowed_for("127.0.0.1", ["lab.example"])))
    with TestClient(create_app(), base_url="http://lab.example:8000") as client:
        assert client.get("/api/steps").status_code == 200
        assert client.get("/api/steps", headers={"host": "other.example"}).status_code == 400


def test_elman_chapter_hands_its_names_and_bounds_to_uvicorn(monkeypatch, capsys):
    from elman.cli import main

    started = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: started.update(options, app=app))
    monkeypatch.setenv(hosts.ENV, "")
    assert main(["chapter", "--no-browser", "--host", "0.0.0.0", "--allow-host", "Lab.Example."]) == 0
    allowed = hosts.from_env()
    assert os.environ[hosts.ENV] and "lab.example" in allowed and hosts.ANY_ADDRESS in allowed
    assert (
        started["http"] is BoundedH11Protocol
        and started["timeout_keep_alive"] == uvicorn_options()["timeout_keep_alive"]
    )
    assert started["factory"] and started["host"] == "0.0.0.0"
    assert "serving on http://0.0.0.0:8000/" in capsys.readouterr().out


# --- idle, slow and oversized requests ---------------------------------------------------------------------------
def test_a_connection_that_never_sends_a_byte_is_closed(port):
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as s:
        assert s.recv(1024) == b""  # closed by the server, not by our timeout (which raises)


def test_an_idle_keep_alive_connection_is_closed_after_its_answer(port):
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as s:
        s.sendall(f"GET /api/steps HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        status, _, _ = parse(read_all(s))  # read_all returns only once the server closes
    assert status == 200


def test_a_half_sent_request_head_gets_408_and_is_closed(port):
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as s:
        s.sendall(f"GET /api/steps HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n".encode())
        status, headers, body = parse(read_all(s))
    assert status == 408 and headers["connection"] == "close"
    assert "did not arrive whole within 1 s" in json.loads(body)["detail"]


def test_a_trickled_request_head_is_cut_at_the_deadline_however_busy(port):
    head = f"GET /api/steps HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Slow: {'a' * 200}\r\n\r\n".encode()
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as s:
        for byte in head:  # one byte every 20 ms (5 s for the whole head) until answered
            try:
                s.sendall(bytes([byte]))
            except OSError:
                break
            if select.select([s], [], [], 0.02)[0]:
                break
        answer = read_all(s)
    assert parse(answer)[0] == 408


def _send_in_background(s: socket.socket, data: bytes) -> threading.Thread:
    def send():
        try:
            s.sendall(data)
        except OSError:
            pass

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize(
    "kind, status, fragment",
    [
        ("header", 431, "headers are larger than 64 KB"),
        ("url", 414, "request line is longer than 8192 bytes"),
    ],
)
def test_a_megabyte_header_or_url_gets_its_status_not_a_reset(port, kind, status, fragment):
    big = "a" * 1_000_000
    path, extra = ("/api/steps", f"X-Big: {big}\r\n") if kind == "header" else (f"/api/steps?q={big}", "")
    data = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{extra}\r\n".encode()
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as s:
        sender = _send_in_background(s, data)
        got, headers, body = parse(read_all(s))
        sender.join(WAIT)
    assert got == status and headers["connection"] == "close"
    assert fragment in json.loads(body)["detail"]


def test_a_large_head_sent_in_one_piece_is_refused_too(port):
    data = f"GET /api/steps HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Big: {'a' * 100_000}\r\n\r\n".encode()
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as s:
        sender = _send_in_background(s, data)
        got = parse(read_all(s))[0]
        sender.join(WAIT)
    assert got == 431


def test_heads_within_the_bounds_are_answered(port):
    cookies = "; ".join(f"c{n}={'v' * 3000}" for n in range(15))  # 45 KB of cookies
    text = " ".join(["mädchen"] * 20)  # 20 words, each percent-encoded
    path = "/api/tasks/translate?" + urllib.parse.urlencode({"text": text, "beam": 3})
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as s:
        s.sendall(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookies}\r\nConnection: close\r\n\r\n".encode()
        )
        assert parse(read_all(s))[0] == 200


def test_a_malformed_request_gets_a_sentence(port):
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as s:
        s.sendall(b"GET /api/steps HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n")
        status, _, body = parse(read_all(s))
    assert status == 400 and "not valid HTTP/1.1" in json.loads(body)["detail"]
