"""The worker: claims inbox events, runs the contact's graph, marks the event done.

A crash at any point leaves the event claimed with a lease; when the lease runs out another
claim picks it up and the turn runs again, idempotently (see nodes/deliver.py). After
`worker_max_attempts` failed tries an event is quarantined with the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import socket
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from langgraph.graph.state import CompiledStateGraph

from agent.context import AgentContext
from agent.contracts import InboundMessage
from agent.store import Store
from agent.store.contacts import ADDRESS_FIELDS

log = logging.getLogger(__name__)

SENDER_FIELDS = {"email": "email", "telegram": "telegram_chat_id", "console": "_id"}
BUSY_RETRY_S = 0.5


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Worker:
    def __init__(self, store: Store, graph: CompiledStateGraph, make_context: Callable[[bool], AgentContext],
                 name: str | None = None, exclusive: bool = False) -> None:
        """`exclusive`: this is the only worker on the database (one worker on the embedded server),
        so no other process can run a contact's turn and the contact lock is skipped."""
        self.store = store
        self.exclusive = exclusive
        self.graph = graph
        self.make_context = make_context
        self.name = name or worker_id()
        self.processed = 0

    async def resolve_contact(self, doc: dict[str, Any]) -> str | None:
        if doc.get("contact_id"):
            return doc["contact_id"]
        field = SENDER_FIELDS.get(doc.get("channel", ""))
        if not field or not doc.get("sender"):
            return None
        if field == "_id":
            return doc["sender"]
        found = await self.store.contacts.find_by_address(field, doc["sender"]) if field in ADDRESS_FIELDS else None
        return found["_id"] if found else None

    async def lock_contact(self, contact_id: str, lease_s: float) -> bool:
        """Take the contact's lock: free or already ours (one round trip), else expired. Two `_id`
        filters instead of a top-level `$or`, which some servers answer with a collection scan."""
        now = self.make_context(False).now()
        lock = {"$set": {"lock_until": now + timedelta(seconds=lease_s), "locked_by": self.name}}
        for guard in ({"locked_by": {"$in": [None, self.name]}}, {"lock_until": {"$lt": now}}):
            result = await self.store.contacts.col.update_one({"_id": contact_id, **guard}, lock)
            if result.matched_count == 1:
                return True
        return False

    async def unlock_contact(self, contact_id: str) -> None:
        await self.store.contacts.col.update_one({"_id": contact_id, "locked_by": self.name},
                                                 {"$set": {"lock_until": None, "locked_by": None}})

    async def process_one(self) -> bool:
        """Claim and process one event. Returns False when nothing was ready."""
        ctx = self.make_context(False)
        settings = ctx.settings
        doc = await self.store.inbox.claim(self.name, ctx.now(), settings.worker_lease_s)
        if doc is None:
            return False
        key = doc["_id"]
        try:
            contact_id = await self.resolve_contact(doc)
            locked = False
            if contact_id is not None and not self.exclusive:
                locked = await self.lock_contact(contact_id, settings.worker_lease_s)
            contact = await self.store.contacts.get(contact_id) if contact_id is not None else None
            if contact is None:
                await self.store.inbox.complete(key, ctx.now(), {"skip": "unknown sender: recorded, not answered"},
                                                self.store.retention_days)
                return True
            if not (self.exclusive or locked):
                await self.store.inbox.postpone(key, ctx.now(), BUSY_RETRY_S)
                return True
            try:
                result = await self.run_turn(doc, contact, final=doc["attempts"] >= settings.worker_max_attempts)
            finally:
                if locked:
                    await self.unlock_contact(contact_id)
            await self.store.inbox.complete(key, ctx.now(), result, self.store.retention_days)
            self.processed += 1
        except Exception as exc:  # one bad event must never stop the worker
            reason = f"{type(exc).__name__}: {exc}"
            status = await self.store.inbox.fail(key, ctx.now(), reason, max_attempts=settings.worker_max_attempts,
                                                 backoff_s=settings.retry_backoff_s)
            log.warning("event %s failed (%s), now %s", key, reason, status)
        return True

    async def run_turn(self, doc: dict[str, Any], contact: dict[str, Any], final: bool) -> dict[str, Any]:
        """Run the graph on one event; `contact` was read after the lock, so load_context uses it."""
        contact_id = contact["_id"]
        fields = {k: v for k, v in doc.items() if k in InboundMessage.model_fields}
        event = InboundMessage(key=doc["_id"], **{**fields, "contact_id": contact_id}).model_dump()
        if doc.get("understanding"):
            event["meta"] = {**event["meta"], "understanding": doc["understanding"]}
        if doc.get("contact_id") is None:
            await self.store.inbox.col.update_one({"_id": doc["_id"]}, {"$set": {"contact_id": contact_id}})
        config = {"configurable": {"thread_id": contact_id}}
        context = dataclasses.replace(self.make_context(final), contact=contact)
        state = await self.graph.ainvoke({"event": event}, config, context=context,
                                         durability="exit")
        reading = state.get("understanding") or {}
        return {
            "intent": reading.get("intent"),
            "source": reading.get("source"),
            "actions": state.get("actions", []),
            "replied": bool(state.get("reply")),
            "skip": state.get("skip"),
        }

    async def drain(self, limit: int = 10_000) -> int:
        """Process ready events until none is left (demo, tests, evals)."""
        done = 0
        while done < limit and await self.process_one():
            done += 1
        return done

    async def run(self, stop: asyncio.Event) -> None:
        poll = self.make_context(False).settings.worker_poll_s
        while not stop.is_set():
            if not await self.process_one():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=poll)
