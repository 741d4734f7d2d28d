"""The worker: claims inbox events, runs the contact's graph, marks the event done.

A crash at any point leaves the event claimed with a lease; when the lease runs out another
claim picks it up and the turn runs again, idempotently (see nodes/deliver.py). After
`worker_max_attempts` failed tries an event is quarantined with the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from langchain_core.runnables import RunnableConfig

from agent.context import AgentContext
from agent.contracts import InboundMessage
from agent.graph import ConversationGraph
from agent.store import Store
from agent.store.contacts import ADDRESS_FIELDS

log = logging.getLogger(__name__)

SENDER_FIELDS = {"email": "email", "telegram": "telegram_chat_id", "console": "_id"}
BUSY_RETRY_S = 0.5


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Worker:
    def __init__(self, store: Store, graph: ConversationGraph, make_context: Callable[[bool], AgentContext],
                 name: str | None = None) -> None:
        self.store = store
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
        now = self.make_context(False).now()
        result = await self.store.contacts.col.update_one(
            {"_id": contact_id, "$or": [{"lock_until": None}, {"lock_until": {"$lt": now}}, {"locked_by": self.name}]},
            {"$set": {"lock_until": now + timedelta(seconds=lease_s), "locked_by": self.name}},
        )
        return result.matched_count == 1

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
            if contact_id is None or await self.store.contacts.get(contact_id) is None:
                await self.store.inbox.complete(key, ctx.now(), {"skip": "unknown sender: recorded, not answered"},
                                                self.store.retention_days)
                return True
            if not await self.lock_contact(contact_id, settings.worker_lease_s):
                await self.store.inbox.postpone(key, ctx.now(), BUSY_RETRY_S)
                return True
            try:
                if await self.store.inbox.earlier_unfinished(contact_id, key, doc.get("received_at")):
                    await self.store.inbox.postpone(key, ctx.now(), BUSY_RETRY_S)  # keep the order of arrival
                    return True
                result = await self.run_turn(doc, contact_id, final=doc["attempts"] >= settings.worker_max_attempts)
            finally:
                await self.unlock_contact(contact_id)
            await self.store.inbox.complete(key, ctx.now(), result, self.store.retention_days)
            self.processed += 1
        except Exception as exc:  # one bad event must never stop the worker
            reason = f"{type(exc).__name__}: {exc}"
            status = await self.store.inbox.fail(key, ctx.now(), reason, max_attempts=settings.worker_max_attempts,
                                                 backoff_s=settings.retry_backoff_s)
            log.warning("event %s failed (%s), now %s", key, reason, status)
        return True

    async def run_turn(self, doc: dict[str, Any], contact_id: str, final: bool) -> dict[str, Any]:
        fields = {k: v for k, v in doc.items() if k in InboundMessage.model_fields}
        event = InboundMessage(key=doc["_id"], **{**fields, "contact_id": contact_id}).model_dump()
        if doc.get("understanding"):
            event["meta"] = {**event["meta"], "understanding": doc["understanding"]}
        if doc.get("contact_id") is None:
            await self.store.inbox.set_contact(doc["_id"], contact_id)
        config: RunnableConfig = {"configurable": {"thread_id": contact_id}}
        state = await self.graph.ainvoke({"event": event}, config, context=self.make_context(final),
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
