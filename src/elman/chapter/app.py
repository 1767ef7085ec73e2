"""The chapter's web application: the steps' content and endpoints, and the static page, all from the package."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from elman import __version__
from elman.chapter import hosts
from elman.chapter.admission import Busy
from elman.chapter.steps import STEPS
from elman.chapter.validation import on_busy, on_expected_error, on_invalid_request
from elman.errors import ElmanError

STATIC = Path(__file__).parent / "static"

# Everything the page loads comes from this server: no CDN, nothing fetched elsewhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


class SecurityHeaders:
    """ASGI middleware: every answer says where the page may load from; a plain wrapper of ``send`` (no task and
    no stream per request, unlike ``@app.middleware``)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), *SECURITY_HEADERS]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(allowed_hosts: Iterable[str] | None = None) -> FastAPI:
    """The chapter's app. It answers only requests whose Host is in ``allowed_hosts`` (see
    ``elman.chapter.hosts``); by default the list ``elman chapter`` passed in $ELMAN_CHAPTER_HOSTS, else the
    loopback names."""
    app = FastAPI(title="elman chapter", version=__version__, docs_url=None, redoc_url=None)
    app.add_exception_handler(RequestValidationError, on_invalid_request)
    app.add_exception_handler(ElmanError, on_expected_error)
    app.add_exception_handler(Busy, on_busy)

    # Cheap answers are coroutines: they never wait for a thread, however busy the computing endpoints are.
    @app.get("/api/steps")
    async def steps() -> list[dict]:
        """The eight steps in order: number, key, icon, label, title."""
        return [step.summary(n) for n, step in enumerate(STEPS, 1)]

    @app.get("/api/steps/{number}")
    async def step(number: int) -> dict:
        """One step's words, formula, PyTorch form and the source of the library functions it calls."""
        if not 1 <= number <= len(STEPS):
            raise HTTPException(404, f"step must be between 1 and {len(STEPS)}, got {number}")
        return STEPS[number - 1].payload(number)

    for item in STEPS:
        app.include_router(item.router, prefix=f"/api/{item.key}", tags=[item.key])

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(SecurityHeaders)
    # Outermost, so that no other code (a redirect, an error page) ever sees a foreign Host.
    app.add_middleware(hosts.HostCheck, allowed=hosts.from_env() if allowed_hosts is None else allowed_hosts)
    return app
