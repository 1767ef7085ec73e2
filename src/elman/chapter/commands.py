"""``elman chapter``: serve the interactive chapter on this machine and open it in the browser."""

from __future__ import annotations

import os
import sys
import threading
import webbrowser

MISSING = (
    "the chapter needs FastAPI and uvicorn: expected them installed, got {error}. "
    "Install them with: pip install 'elman[chapter]' (or pip install '.[chapter]' in a clone)"
)


def run_chapter(args) -> int:
    if args.workers < 1 or not 0 < args.port < 65536:
        print(
            f"elman chapter: expected --workers >= 1 and --port in 1..65535, got {args.workers} and {args.port}",
            file=sys.stderr,
        )
        return 2
    try:
        import uvicorn

        import elman.chapter.app  # noqa: F401  (fails here, with the message below, when FastAPI is missing)
    except ImportError as error:
        print(f"elman chapter: {MISSING.format(error=error)}", file=sys.stderr)
        return 2
    from elman.chapter import hosts, server

    # The worker processes build their app from this variable: the Host names this server answers.
    os.environ[hosts.ENV] = hosts.to_env(hosts.allowed_for(args.host, args.allow_host or ()))
    url = f"http://{f'[{args.host}]' if ':' in args.host else args.host}:{args.port}/"
    print(f"elman chapter: serving on {url} (Ctrl-C to stop)")
    if not args.no_browser:
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    # Several worker processes: the steps' Python loops (beam search, sampling) then run in parallel, not in turn
    # under one interpreter lock. Each worker loads the shipped models once (a few MB) and holds its own queues
    # (elman.chapter.admission) and connection bounds (elman.chapter.server).
    uvicorn.run(
        "elman.chapter.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        **server.uvicorn_options(),
    )
    return 0


def register(commands) -> None:
    chapter = commands.add_parser("chapter", help="the interactive chapter in the browser, every number live")
    chapter.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind: 127.0.0.1 is this machine only, 0.0.0.0 every interface (the LAN)",
    )
    chapter.add_argument("--port", type=int, default=8000, help="port to listen on")
    chapter.add_argument("--no-browser", action="store_true", help="do not open a browser")
    chapter.add_argument(
        "--workers",
        type=int,
        default=2,
        help="server processes; each holds its own bounds on queued work and connections",
    )
    chapter.add_argument(
        "--allow-host",
        action="append",
        metavar="NAME",
        help="another name the server may be reached by (a Host header it answers); repeatable",
    )
    chapter.set_defaults(run=run_chapter)
