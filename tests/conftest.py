"""Shared fixtures: one real SecantusDB server per test session (in memory), a fresh database
per test, settings that point at it, and a simulated clock."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest

from agent import embedded_mongo
from agent.clock import SimulatedClock
from agent.settings import Settings
from agent.store import Store, connect_store

if TYPE_CHECKING:
    from agent.runtime import AgentRuntime

MSK = ZoneInfo("Europe/Moscow")
WED_NOON = datetime(2026, 11, 25, 12, 0, tzinfo=MSK)  # a Wednesday


@pytest.fixture(scope="session")
def mongo_uri() -> Iterator[str]:
    """A real MongoDB-wire server: $TEST_MONGODB_URI if given, else SecantusDB started here."""
    if uri := os.environ.get("TEST_MONGODB_URI"):
        yield uri
        return
    with embedded_mongo.running(":memory:") as server:
        yield server.uri


@pytest.fixture
def db_name() -> str:
    return f"t_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, mongo_uri: str, db_name: str, tmp_path) -> Iterator[None]:
    """The CLI's environment: this test's database and data directory, run from an empty folder (no
    stray .env); the database and its `_chat` twin are dropped afterwards."""
    from pymongo import MongoClient

    monkeypatch.setenv("MONGODB_URI", mongo_uri)
    monkeypatch.setenv("MONGODB_DB", db_name)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    yield
    client: MongoClient = MongoClient(mongo_uri)
    for name in (db_name, db_name + "_chat"):
        client.drop_database(name)
    client.close()


@pytest.fixture
def settings(mongo_uri: str, db_name: str, tmp_path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        mongodb_uri=mongo_uri,
        mongodb_db=db_name,
        data_dir=tmp_path / "data",
        llm_provider="rules",
        retry_backoff_s=0.0,
    )


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[Store]:
    store = connect_store(settings.mongodb_uri.get_secret_value(), settings.mongodb_db)  # type: ignore[union-attr]
    await store.init()
    yield store
    await store.client.drop_database(settings.mongodb_db)
    await store.close()


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(WED_NOON)


@pytest.fixture
async def runtime(settings: Settings, clock: SimulatedClock) -> AsyncIterator[AgentRuntime]:
    from agent.runtime import open_runtime

    async with open_runtime(settings, clock=clock, provider="rules") as rt:
        yield rt
        await rt.store.client.drop_database(settings.mongodb_db)
