"""The chapter's web application: the steps' content and endpoints, and the static page, all from the package."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from elman import __version__
from elman.chapter.steps import STEPS
from elman.chapter.validation import on_invalid_request, on_missing_file, on_value_error

STATIC = Path(__file__).parent / "static"

# Everything the page loads comes from this server: no CDN, nothing fetched elsewhere.
CONTENT_SECURITY_POLICY = ("default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                           "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
                           "frame-ancestors 'none'")


def create_app() -> FastAPI:
    app = FastAPI(title="elman chapter", version=__version__, docs_url=None, redoc_url=None)
    app.add_exception_handler(RequestValidationError, on_invalid_request)
    app.add_exception_handler(ValueError, on_value_error)
    app.add_exception_handler(FileNotFoundError, on_missing_file)

    @app.middleware("http")
    async def security_headers(request, call_next):
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    @app.get("/api/steps")
    def steps() -> list[dict]:
        """The eight steps in order: number, key, icon, label, title."""
        return [step.summary(n) for n, step in enumerate(STEPS, 1)]

    @app.get("/api/steps/{number}")
    def step(number: int) -> dict:
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
    return app
