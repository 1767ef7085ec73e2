"""How fast the chapter answers: every live endpoint under concurrent clients, and the page's time to ready.

    python benchmarks/chapter_latency.py [--clients 8] [--rounds 6] [--pages 10]

Starts ``elman chapter --no-browser`` in its own process, discovers every GET endpoint of the steps, and has
CLIENTS threads call all of them ROUNDS times each in a shuffled order, each call with its heaviest accepted
input (HEAVIEST below), a fresh seed where the endpoint takes one and shuffled words where it reads text (so
no per-input cache flatters the numbers). Prints p50, p95 and
max per endpoint and overall. Then loads the page in Chromium PAGES times (fresh context, cold cache) and
times navigation start → step 1 ready (``body[data-ready="1"]``), and each step's ready time after a key press.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import numpy as np

# The heaviest request each endpoint accepts (its bounds at their maximum); the words of TEXT parameters are
# shuffled on every call so that no per-input cache answers. Endpoints not named here get their defaults.
FORTY = (
    "the old man saw a small dog near the river and the children ran to the park while the rain fell on "
    "the town and a woman in a red coat read the news to her friend at the door of the house"
).split()
HEAVIEST = {
    "/api/bptt/backward": ({"T": 64, "K": 1, "L": 64, "rho": 1.5}, None),
    "/api/bptt/live": ({"updates": 10, "K": 10, "tau": 1}, None),
    "/api/bptt/influence": (
        {
            "text": "Thou liest, malignant thing! Hast thou forgot The foul witch Sycorax, who with "
            "age and envy Was grown into a hoop? hast thou forgot her? No, sir. Thou hast. "
            "Where was she born? speak; tell me.",
            "K": 1,
        },
        "text",
    ),
    "/api/hidden_state/read": ({"text": " ".join(FORTY[:40]), "units": 128, "top": 20}, "text"),
    "/api/recurrence/unroll": ({"text": "hello world!"}, None),
    "/api/sequences/compare": ({"a": " ".join(FORTY[:20]), "b": " ".join(FORTY[20:40])}, "a"),
    "/api/tasks/sentiment": ({"text": " ".join(FORTY[:40])}, "text"),
    "/api/tasks/pos": ({"text": " ".join(FORTY[:40])}, "text"),
    "/api/tasks/names": ({"count": 12, "temperature": 1.5}, None),
    "/api/tasks/translate": (
        {
            "text": "ein mann in einem roten hemd steht mit einer frau und zwei kindern vor einem großen haus am see .",
            "beam": 3,
        },
        "text",
    ),
    "/api/tasks/gradients": ({"layers": 6, "steps": 60}, None),
    "/api/vanishing/decay": ({"rho": 1.5, "T": 200}, None),
    "/api/vanishing/clipping": ({"rho": 1.5, "T": 200, "nonlinearity": "relu", "max_norm": 1.0}, None),
    "/api/embeddings/map": (
        {
            "words": "king queen man woman paris france london england berlin germany rome italy "
            "cat dog horse cow red green blue yellow"
        },
        "words",
    ),
    "/api/embeddings/similarity": (
        {
            "words": "king queen man woman paris france london england berlin germany "
            "rome italy cat dog horse cow red green blue yellow"
        },
        "words",
    ),
}

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def endpoints() -> list[tuple[str, set[str]]]:
    """(path, query parameter names) of every GET endpoint of the steps (those a step includes from its widget
    modules too), read from the app's own schema."""
    from elman.chapter.app import create_app
    from elman.chapter.steps import STEPS

    prefixes = tuple(f"/api/{step.key}/" for step in STEPS)
    return [
        (path, {p["name"] for p in operations["get"].get("parameters", [])})
        for path, operations in create_app().openapi()["paths"].items()
        if path.startswith(prefixes) and "{" not in path and "get" in operations
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[float, int]:
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return (time.perf_counter() - start) * 1000, status


def hammer(base: str, routes, clients: int, rounds: int, inputs: dict) -> dict[str, list[float]]:
    jobs = [(path, params) for path, params in routes for _ in range(rounds)]
    random.Random(0).shuffle(jobs)
    times: dict[str, list[float]] = {path: [] for path, _ in routes}
    failures: list[str] = []
    lock, seeds = threading.Lock(), iter(range(1, 10**9))

    def worker(share):
        for path, params in share:
            with lock:
                seed = next(seeds)
            query, shuffled = inputs.get(path, ({}, None))
            query = dict(query)
            if "seed" in params:
                query["seed"] = seed
            if shuffled:
                words = query[shuffled].split()
                random.Random(seed).shuffle(words)
                query[shuffled] = " ".join(words)
            query = f"?{urllib.parse.urlencode(query)}" if query else ""
            ms, status = get(base + path + query)
            with lock:
                times[path].append(ms)
                if status != 200:
                    failures.append(f"{path}{query}: {status}")

    threads = [threading.Thread(target=worker, args=(jobs[i::clients],)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        print("non-200 answers:", *failures[:10], sep="\n  ")
    return times


def page_ready(base: str, pages: int) -> dict:
    from playwright.sync_api import sync_playwright

    first, steps = [], {n: [] for n in range(2, 9)}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("ELMAN_CHROMIUM", "/usr/bin/chromium"), args=ARGS
        )
        for _ in range(pages):
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            page = context.new_page()
            start = time.perf_counter()
            page.goto(base + "/")
            page.wait_for_selector('body[data-ready="1"]')
            first.append((time.perf_counter() - start) * 1000)
            for n in range(2, 9):
                start = time.perf_counter()
                page.keyboard.press("ArrowRight")
                page.wait_for_selector(f'body[data-ready="{n}"]')
                steps[n].append((time.perf_counter() - start) * 1000)
            context.close()
        browser.close()
    return {"first": first, "steps": steps}


def row(name: str, ms: list[float]) -> str:
    a = np.asarray(ms)
    return f"{name:<34} {len(a):>5} {np.median(a):>8.1f} {np.percentile(a, 95):>8.1f} {a.max():>8.1f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=6, help="calls of each endpoint per client pool")
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--defaults",
        action="store_true",
        help="call every endpoint with its defaults (what a widget asks when it opens), not HEAVIEST",
    )
    args = parser.parse_args(argv)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "elman", "chapter", "--no-browser", "--port", str(port)], stdout=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                get(base + "/api/steps")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("the chapter server did not start in 60 s") from None
                time.sleep(0.1)
        routes = endpoints()
        for path, _ in routes:  # warm: the first call of each endpoint may load a shipped model
            get(base + path)
        times = hammer(base, routes, args.clients, args.rounds, {} if args.defaults else HEAVIEST)
        ready = page_ready(base, args.pages) if args.pages else None
    finally:
        server.terminate()
        server.wait(timeout=10)

    if args.json:
        print(json.dumps({"endpoints": times, "page": ready}))
        return 0
    every = [ms for values in times.values() for ms in values]
    inputs = "defaults" if args.defaults else "heaviest inputs"
    print(f"{args.clients} concurrent clients, {args.rounds} calls per endpoint each round, {inputs}; milliseconds")
    print(f"{'endpoint':<34} {'calls':>5} {'p50':>8} {'p95':>8} {'max':>8}")
    for path, ms in sorted(times.items()):
        print(row(path, ms))
    print(row("all endpoints", every))
    if ready:
        print(
            f"\npage ready (navigation -> step 1 drawn), {args.pages} cold loads: "
            f"median {np.median(ready['first']):.0f} ms, max {max(ready['first']):.0f} ms"
        )
        for n, ms in ready["steps"].items():
            print(row(f"step {n} ready after →", ms))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
