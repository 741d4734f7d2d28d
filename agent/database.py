"""Opening the store: on MONGODB_URI, or on the embedded server (started or adopted here).

Kept apart from `agent.runtime` (which builds the graph and the model) so that commands that only
read or write documents start without importing LangGraph and LangChain.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from agent import embedded_mongo
from agent.resilience import is_db_error
from agent.settings import Settings
from agent.store import Store, connect_store
from agent.store.db import check_reachable, where
from agent.store.errors import StoreError

INIT_WAIT_S = 30.0
log = logging.getLogger(__name__)


@asynccontextmanager
async def open_store(settings: Settings, listeners: Sequence[Any] | None = None
                     ) -> AsyncIterator[tuple[Store, str, bool]]:
    """The store on MONGODB_URI, or on the embedded server (started here, stopped on exit).
    `listeners` are pymongo command listeners (tests and benchmarks count round trips)."""
    server = None
    if settings.mongodb_uri:
        uri = settings.mongodb_uri.get_secret_value()
    else:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        server = embedded_mongo.start(settings.storage_path(), settings.embedded_mongo_port,
                                      log_path=settings.data_dir / "mongo.log")
        uri = server.uri
    if server is None:
        await check_reachable(uri, settings.mongodb_connect_timeout_s)
    store = connect_store(uri, settings.mongodb_db, settings.mongodb_timeout_s, embedded=server is not None,
                          listeners=listeners)
    store.owns_server = server is not None and server.process is not None
    try:
        await _init(store, uri)
        yield store, uri, server is not None
    finally:
        await store.close()
        if server is not None:
            embedded_mongo.stop(server)


async def _init(store: Store, uri: str, wait_s: float = INIT_WAIT_S) -> None:
    """Create the indexes. A database that goes away meanwhile (restarted, killed) is waited for
    up to `wait_s` (logged once), then one line, never a traceback."""
    deadline, delay, said = time.monotonic() + wait_s, 0.5, False
    while True:
        try:
            await store.init()
            if said:
                log.warning("database reachable again; starting")
            return
        except Exception as exc:
            if not is_db_error(exc):
                raise
            if time.monotonic() > deadline:
                raise StoreError(f"MongoDB at {where(uri)} went away while starting and did not come back "
                                 f"within {wait_s:g} s ({type(exc).__name__})") from None
            if not said:
                log.warning("database unreachable while starting (%s); waiting up to %g s", type(exc).__name__, wait_s)
                said = True
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
