"""The chapter's server under a flood of slow requests: do the cheap endpoints still answer at once?

    python benchmarks/chapter_load.py [--slow 100] [--slow-requests 600] [--cheap 4] [--workers 2]

Starts ``elman chapter --no-browser`` in its own process group on a free loopback port, warms every endpoint
class once, then keeps SLOW clients sending the slow request (German → English, beam 3, a freshly shuffled
sentence each time so no per-input cache answers) until SLOW_REQUESTS of them were sent, while CHEAP clients
send the cheap requests (the timeline, the step list, one step's words) one after another for as long as the
slow load lasts. A client that gets 503/429 waits the Retry-After it was given (``--no-wait`` retries at once).
Every request is a fresh HTTP/1.1 connection from one asyncio client, so the client costs little CPU.

Prints, per endpoint class, the count, p50, p95 and max in milliseconds and the answers by status; the resident
memory of the server's processes (all workers) after the warm-up and after the load; and whether the cheap
endpoints kept their p95 at or under 100 ms. Bounded: every request times out after 60 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections import Counter

import numpy as np

GERMAN = ("ein mann in einem roten hemd steht mit einer frau und zwei kindern vor einem großen haus am see").split()
CHEAP = ("/api/summary/timeline", "/api/steps", "/api/steps/6")
TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def slow_path(rng: random.Random, beam: int) -> str:
    words = GERMAN[:]
    rng.shuffle(words)
    return "/api/tasks/translate?" + urllib.parse.urlencode({"text": " ".join(words) + " .", "beam": beam})


async def get(port: int, path: str) -> tuple[float, int, float]:
    """(milliseconds, status, Retry-After seconds or 0) of one GET on a fresh connection; status 0 when the
    connection failed or timed out."""
    start = time.perf_counter()
    try:
        async with asyncio.timeout(TIMEOUT):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            try:
                writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
                await writer.drain()
                answer = await reader.read()  # the server closes after the answer (Connection: close)
            finally:
                writer.close()
    except (OSError, TimeoutError):
        return (time.perf_counter() - start) * 1000, 0, 0.0
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    status = int(head[0].split()[1]) if head and len(head[0].split()) > 1 else 0
    retry = next((float(line.split(":", 1)[1]) for line in head[1:] if line.lower().startswith("retry-after:")), 0.0)
    return (time.perf_counter() - start) * 1000, status, retry


async def load(port: int, args) -> dict:
    results = {"slow": [], "cheap": []}  # (ms, status)
    left = [args.slow_requests]
    done = asyncio.Event()

    async def slow_client(seed: int):
        rng = random.Random(seed)
        while left[0] > 0:
            left[0] -= 1
            ms, status, retry = await get(port, slow_path(rng, args.beam))
            results["slow"].append((ms, status))
            if status in (429, 503) and not args.no_wait:
                await asyncio.sleep(retry)

    async def cheap_client(offset: int):
        n = offset
        while not done.is_set():
            ms, status, _ = await get(port, CHEAP[n % len(CHEAP)])
            results["cheap"].append((ms, status))
            n += 1
            await asyncio.sleep(args.cheap_pause)

    cheap = [asyncio.create_task(cheap_client(i)) for i in range(args.cheap)]
    start = time.perf_counter()
    await asyncio.gather(*(slow_client(i) for i in range(args.slow)))
    seconds = time.perf_counter() - start
    done.set()
    await asyncio.gather(*cheap)
    return {**results, "seconds": seconds}


def rss_mb(root: int) -> float:
    """Resident memory of process ``root`` and all its descendants (the uvicorn workers), in MB."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parents[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        children = [p for p, parent in parents.items() if parent == pid]
        tree.update(children)
        frontier += children
    total = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/status") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            continue
    return total / 1024


def summary(name: str, rows: list) -> dict:
    ms = np.array([m for m, _ in rows]) if rows else np.zeros(1)
    return {
        "class": name,
        "count": len(rows),
        "p50": float(np.median(ms)),
        "p95": float(np.percentile(ms, 95)),
        "max": float(ms.max()),
        "status": dict(sorted(Counter(s for _, s in rows).items())),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--slow", type=int, default=100, help="concurrent clients sending the slow request")
    parser.add_argument("--slow-requests", type=int, default=600, help="slow requests in all")
    parser.add_argument("--beam", type=int, default=3, help="beam width of the slow translation")
    parser.add_argument("--cheap", type=int, default=4, help="concurrent clients sending cheap requests")
    parser.add_argument("--cheap-pause", type=float, default=0.01, help="seconds between a cheap client's requests")
    parser.add_argument("--workers", type=int, default=2, help="server processes (elman chapter --workers)")
    parser.add_argument("--no-wait", action="store_true", help="retry a 503/429 at once, ignoring Retry-After")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args(argv)

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "elman", "chapter", "--no-browser", "--port", str(port), "--workers", str(args.workers)],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while asyncio.run(get(port, "/api/steps"))[1] != 200:
            if server.poll() is not None:
                raise SystemExit(f"the chapter server exited with status {server.returncode} before answering")
            if time.monotonic() > deadline:
                raise SystemExit("the chapter server did not answer within 60 s of its start")
            time.sleep(0.2)
        for _ in range(2 * args.workers):  # each worker loads the translator on its first request
            asyncio.run(get(port, slow_path(random.Random(-1), args.beam)))
        rss_before = rss_mb(server.pid)
        measured = asyncio.run(load(port, args))
        rss_after = rss_mb(server.pid)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=20)

    rows = [summary("slow", measured["slow"]), summary("cheap", measured["cheap"])]
    report = {
        "slow_clients": args.slow,
        "slow_requests": args.slow_requests,
        "cheap_clients": args.cheap,
        "workers": args.workers,
        "beam": args.beam,
        "seconds": measured["seconds"],
        "rows": rows,
        "rss_mb_before": rss_before,
        "rss_mb_after": rss_after,
    }
    if args.json:
        print(json.dumps(report))
        return 0
    print(
        f"{args.slow} slow clients ({args.slow_requests} translations, beam {args.beam}) and {args.cheap} cheap "
        f"clients, {args.workers} server process(es), {measured['seconds']:.1f} s; milliseconds"
    )
    print(f"{'class':<6} {'count':>6} {'p50':>8} {'p95':>8} {'max':>8}  answers by status")
    for row in rows:
        print(
            f"{row['class']:<6} {row['count']:>6} {row['p50']:>8.1f} {row['p95']:>8.1f} {row['max']:>8.1f}  "
            f"{row['status']}"
        )
    print(f"server RSS (all processes): {rss_before:.0f} MB after warm-up, {rss_after:.0f} MB after the load")
    verdict = "met" if rows[1]["p95"] <= 100 and set(rows[1]["status"]) == {200} else "MISSED"
    print(f"cheap endpoints p95 <= 100 ms, all 200: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
