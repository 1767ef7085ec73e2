"""A FastAPI TestClient over the chapter app, shared by the chapter's API tests (through tests/conftest.py)."""

import pytest


@pytest.fixture(scope="session")
def client():
    from fastapi.testclient import TestClient

    from elman.chapter.app import create_app

    with TestClient(create_app()) as test_client:
        yield test_client
