"""A FastAPI TestClient over the chapter app, shared by the chapter's API tests (through tests/conftest.py)."""

import pytest


@pytest.fixture(scope="session")
def client():
    from fastapi.testclient import TestClient

    from elman.chapter.app import create_app

    # The app answers only the Host names it is served under; TestClient would say "testserver".
    with TestClient(create_app(), base_url="http://127.0.0.1") as test_client:
        yield test_client
