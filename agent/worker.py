"""The worker: claims inbox events, runs the contact's graph, marks the event done.

A crash at any point leaves the event claimed with a lease; when the lease runs out another
claim picks it up and the turn runs again, idempotently (see nodes/deliver.py). After
`worker_max_attempts` failed tries an event is quarantined with the reason. The only worker on a
database (`exclusive`) takes events with one read instead of a claim: after a crash they are still
pending and are taken again; a failed try is counted when it is recorded.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import socket
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.types import Command

from agent.checkpoints import TurnSaver
from agent.clock import aware
from agent.context import AgentContext
from agent.contracts import InboundMessage
from agent.graph import ConversationGraph
from agent.llm import LlmCallFailed, LlmUnavailable
from agent.resilience import LoopGuard, is_db_error
from agent.store import Store
from agent.store.contacts import ADDRESS_FIELDS
from agent.tools.outbox import queue_team_note
from agent.worker_presence import WorkerPresence

log = logging.getLogger(__name__)

TIMER_KINDS = ("timer", "outreach")  # triggers that wait while a draft of the contact waits
SENDER_FIELDS = {"email": "email", "telegram": "telegram_chat_id", "console": "_id"}
BUSY_RETRY_S = 0.5


def model_outage(exc: BaseException) -> LlmUnavailable | None:
    """The model-host outage behind `exc` (raised as is, or wrapped), if that is what it is."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return None
        if isinstance(seen, LlmCallFailed):  # not the host being down: waiting would not help
            return None
        if isinstance(seen, LlmUnavailable):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Worker:
    def __init__(self, store: Store, graph: ConversationGraph, make_context: Callable[[bool], AgentContext],
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
        if self.exclusive:  # the only worker: a read, no claim (a crash leaves the event pending)
            doc = await self.store.inbox.take(ctx.now())
        else:
            doc = await self.store.inbox.claim(self.name, ctx.now(), settings.worker_lease_s)
        if doc is None:
            return False
        key = doc["_id"]
        claimed = not self.exclusive
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
                await self.store.inbox.postpone(key, ctx.now(), BUSY_RETRY_S, claimed)
                return True
            try:
                if contact.get("draft_waiting") == key:
                    # this event already reached its draft (the worker stopped before marking it done)
                    await self.store.inbox.complete(key, ctx.now(), {"draft": key, "replied": False},
                                                    self.store.retention_days)
                    return True
                if doc.get("kind") in TIMER_KINDS and contact.get("draft_waiting"):
                    # timers wait while a person decides on a draft (the draft may change them)
                    await self.store.inbox.postpone(key, ctx.now(), settings.draft_timer_wait_s, claimed)
                    return True
                if doc.get("kind") != "decision" and (not self.exclusive or contact.get("llm_waiting")) \
                        and await self.store.inbox.earlier_unfinished(
                        contact["_id"], key, doc.get("received_at")):
                    # keep the order of arrival (also behind an event of this contact that waits for the model)
                    await self.store.inbox.postpone(key, ctx.now(), BUSY_RETRY_S, claimed)
                    return True
                since = aware(doc["llm_wait_since"]) if doc.get("llm_wait_since") else None
                waited_out = since is not None and (ctx.now() - since).total_seconds() >= settings.llm_outage_max_wait_s
                final = doc["attempts"] >= settings.worker_max_attempts or waited_out
                try:
                    result = await self.run_turn(doc, contact, final=final)
                except Exception as exc:
                    outage = model_outage(exc)
                    if outage is None or final:
                        raise
                    since = since or ctx.now()
                    if (ctx.now() - since).total_seconds() >= settings.llm_outage_max_wait_s:
                        result = await self.run_turn(doc, contact, final=True)  # waited long enough: hand off
                    else:
                        await self.wait_for_model(doc, contact, since, outage, ctx)
                        return True
                if contact.get("llm_waiting"):
                    await self.store.contacts.update(contact["_id"], ctx.now(), llm_waiting=None)
            finally:
                if locked:
                    await self.unlock_contact(contact["_id"])
            await self.store.inbox.complete(key, ctx.now(), result, self.store.retention_days)
            self.processed += 1
        except Exception as exc:  # one bad event must never stop the worker
            if is_db_error(exc):  # the database, not the event: the loop's guard waits for it, no try counted
                raise
            reason = f"{type(exc).__name__}: {exc}"
            status = await self.store.inbox.fail(key, ctx.now(), reason, max_attempts=settings.worker_max_attempts,
                                                 backoff_s=settings.retry_backoff_s, claimed=claimed)
            log.warning("event %s failed (%s), now %s", key, reason, status)
        return True

    async def wait_for_model(self, doc: dict[str, Any], contact: dict[str, Any], since: datetime,
                             outage: LlmUnavailable, ctx: AgentContext) -> None:
        """The model host is down: the event waits (not a failed try, no hand-off) and is taken again
        with backoff; later events of the contact wait behind it (the contact's `llm_waiting`)."""
        settings = ctx.settings
        waits = int(doc.get("llm_waits") or 0)
        delay = min(max(settings.retry_backoff_s, 0.1) * (2 ** min(waits, 16)), settings.llm_outage_retry_max_s)
        await self.store.inbox.wait_for_model(doc["_id"], ctx.now(), since, delay, f"{type(outage).__name__}: {outage}",
                                              claimed=not self.exclusive)
        if not contact.get("llm_waiting"):
            await self.store.contacts.update(contact["_id"], ctx.now(), llm_waiting=True)
        if waits == 0:
            log.warning("model host down (%s): event %s waits for it (up to %.0f s)", outage, doc["_id"],
                        settings.llm_outage_max_wait_s)

    async def run_turn(self, doc: dict[str, Any], contact: dict[str, Any], final: bool) -> dict[str, Any]:
        """Run the graph on one event; `contact` was read after the lock, so load_context uses it."""
        contact_id = contact["_id"]
        config: RunnableConfig = {"configurable": {"thread_id": contact_id}}
        ctx = dataclasses.replace(self.make_context(final), contact=contact)
        if doc.get("kind") == "decision":
            return await self.resume_draft(doc, contact_id, config, ctx)
        if contact.get("draft_waiting") and (draft := await self.store.drafts.pending_for(contact_id)):
            await self.supersede(draft, doc, contact_id, ctx)
        fields = {k: v for k, v in doc.items() if k in InboundMessage.model_fields}
        event = InboundMessage(key=doc["_id"], **{**fields, "contact_id": contact_id}).model_dump()
        if doc.get("understanding"):
            event["meta"] = {**event["meta"], "understanding": doc["understanding"]}
        if doc.get("contact_id") is None:
            await self.store.inbox.set_contact(doc["_id"], contact_id)
        state = await self.graph.ainvoke({"event": event}, config, context=ctx, durability="exit")
        return await self.outcome(doc["_id"], contact_id, state, ctx)

    async def outcome(self, key: str, contact_id: str, state: dict[str, Any], ctx: AgentContext) -> dict[str, Any]:
        """The inbox result of a turn; a turn stopped for review records its draft for the team."""
        reading = state.get("understanding") or {}
        result: dict[str, Any] = {
            "intent": reading.get("intent"),
            "source": reading.get("source"),
            "actions": state.get("actions", []),
            "replied": bool(state.get("reply")),
            "skip": state.get("skip"),
        }
        waiting = state.get("__interrupt__") or []
        if waiting:
            payload = waiting[0].value
            draft_id = payload["action_request"]["args"]["draft_id"]
            if await self.store.drafts.open(draft_id, contact_id, payload, ctx.now()):
                contact = await self.store.contacts.get(contact_id) or {"_id": contact_id}
                await queue_team_note(ctx, key=f"{draft_id}:team:draft", contact=contact, template="draft_team",
                                      values={"reason": payload["description"],
                                              "text": payload["action_request"]["args"]["text"][:1500],
                                              "draft_id": draft_id})
            # last: once the contact says a draft waits, a replay of this event only marks it done
            await self.store.contacts.update(contact_id, ctx.now(), draft_waiting=draft_id)
            result.update(replied=False, draft=draft_id)
        return result

    async def resume_draft(self, doc: dict[str, Any], contact_id: str, config: RunnableConfig,
                           ctx: AgentContext) -> dict[str, Any]:
        """A person's decision: resume the waiting turn with it, once. A decision for a draft that
        no longer waits (decided, superseded, or this event replayed after its turn ended) is a no-op."""
        meta = doc.get("meta", {})
        draft_id, response = meta.get("draft"), meta.get("decision")
        snapshot = await self.graph.aget_state(config)
        waiting = [i for i in snapshot.interrupts
                   if (i.value or {}).get("action_request", {}).get("args", {}).get("draft_id") == draft_id]
        if not waiting or not isinstance(response, dict):
            return {"skip": f"draft {draft_id} is not waiting for a decision"}
        state = await self.graph.ainvoke(Command(resume=response), config, context=ctx, durability="exit")
        await self.store.drafts.mark(draft_id, {"resolved_by_event": doc["_id"], "sent": bool(state.get("reply"))})
        await self.store.contacts.update(contact_id, ctx.now(), draft_waiting=None)
        return {**await self.outcome(doc["_id"], contact_id, state, ctx), "draft": draft_id}

    async def supersede(self, draft: dict[str, Any], doc: dict[str, Any], contact_id: str, ctx: AgentContext) -> None:
        """A new trigger while a draft waits: the draft is dropped (the new turn drafts again)."""
        now = ctx.now()
        await self.store.contacts.update(contact_id, now, draft_waiting=None)
        if await self.store.drafts.supersede(draft["_id"], now, doc["_id"]):
            await self.store.events.record(f"{draft['_id']}:draft_superseded", contact_id, "draft_superseded", now,
                                           {"by_event": doc["_id"], "kind": doc.get("kind")})
            log.info("draft %s superseded by %s", draft["_id"], doc["_id"])

    async def drain(self, limit: int = 10_000) -> int:
        """Process ready events until none is left (demo, tests, evals)."""
        done = 0
        while done < limit and await self.process_one():
            done += 1
        return done

    async def run(self, stop: asyncio.Event) -> None:
        """Process events until `stop`; outlives a lost database (see `agent.resilience`)."""
        poll = self.make_context(False).settings.worker_poll_s
        guard = LoopGuard(f"worker {self.name}", report=self.store.health.report, logger=log)
        presence = WorkerPresence(self.store.workers, self.name, self.exclusive, self.share)
        self.exclusive = False  # single only once no other worker is seen (the first check decides)
        joined = False

        async def step() -> bool:
            nonlocal joined
            if not joined:
                await presence.join(stop)
                self.exclusive = presence.exclusive
                await presence.check(force=True)
                joined = True
            else:
                await presence.check()
            return await self.process_one()

        beat = asyncio.create_task(presence.beat(stop))
        try:
            await guard.run(step, stop, idle_s=poll)
        finally:
            beat.cancel()
            await presence.leave()

    def share(self) -> None:
        """Another worker runs on this database: claims, contact locks, checkpoints from the database."""
        self.exclusive = False
        saver = getattr(self.graph, "checkpointer", None)
        if isinstance(saver, TurnSaver):
            saver.remember_own(False)
