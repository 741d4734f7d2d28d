"""Replay dialogs through the real agent: graph, store, channel parsing, frozen clock.

Each dialog gets its own fresh database on one MongoDB-wire server and a `SimulatedClock` at the
dialog's `now`. `after`/`wait` move the clock step by step to every timer due on the way, so
follow-ups and pause reminders fire when they would in production. Every outbound message is
captured by `ConsoleChannel` recorders named after the real channels, so nothing is really sent.
What each turn caused is read back from the store (inbox results, outbox, events).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from pydantic import SecretStr
from rich.console import Console

from agent.clock import SimulatedClock
from agent.contracts import InboundMessage, OutboundMessage
from agent.llm import StructuredLlm
from agent.operations import add_contact, schedule_outreach
from agent.pump import pump
from agent.runtime import AgentRuntime, open_runtime
from agent.settings import Settings
from agent.store import Store
from agent.understanding.language import conversation_language
from channels.console import ConsoleChannel
from evals.loader import Dialog, Expect, Turn
from evals.recording import Tape

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

log = logging.getLogger(__name__)

CHANNEL_NAMES = ("console", "email", "telegram")
MAX_TIMER_STEPS = 500


@dataclass
class Sent:
    """One message a channel was asked to send during the run."""

    channel: str
    contact_id: str
    to: str
    kind: str
    text: str
    subject: str | None = None

    @classmethod
    def of(cls, message: OutboundMessage) -> Sent:
        return cls(channel=message.channel, contact_id=message.contact_id, to=message.to, kind=message.kind,
                   text=message.text, subject=message.subject)

    def as_dict(self) -> dict[str, Any]:
        return {"channel": self.channel, "contact_id": self.contact_id, "to": self.to, "kind": self.kind,
                "subject": self.subject, "text": self.text}


@dataclass
class TurnResult:
    """What one turn (or the opening outreach, index 0) caused."""

    index: int
    kind: str  # start | client | client_email | wait
    expect: Expect
    text: str = ""  # the client's words as the agent got them (parsed for client_email)
    language: str = "ru"  # the language replies must be in
    intent: str | None = None
    source: str | None = None
    actions: list[str] = field(default_factory=list)
    replied: bool = False  # a message (not a team note) was queued to the contact
    reply_texts: list[str] = field(default_factory=list)  # those messages, in order
    sent: list[Sent] = field(default_factory=list)  # every message sent during the turn
    background: list[Sent] = field(default_factory=list)  # sent while `after` moved the clock
    demo_at: date | datetime | None = None
    pause_until: date | datetime | None = None
    referral: dict[str, Any] | None = None
    agreed: list[datetime] = field(default_factory=list)  # times the agent set for this contact (slots, demo, pause)
    opted_out_before: bool = False  # an opt-out (asked or done) came earlier in the dialog
    opt_out_turn: bool = False  # this message asks to opt out, or the agent opted the contact out
    stop_possible: bool = False  # held for a person as a possible request to stop (nothing sent)
    llm_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    model_s: float = 0.0
    errors: list[str] = field(default_factory=list)
    ran: bool = True


@dataclass
class DialogResult:
    dialog: Dialog
    start: TurnResult | None
    turns: list[TurnResult]
    error: str | None = None
    duration_s: float = 0.0
    contact_id: str = ""

    @property
    def id(self) -> str:
        return self.dialog.id

    def all_turns(self) -> list[TurnResult]:
        return ([self.start] if self.start else []) + self.turns


Progress = Callable[[DialogResult], None]


def telegram_chat_id(handle: str) -> str:
    """The chat id the Telegram listener would bind to a handle; stable, for replays."""
    return str(10**9 + int(hashlib.sha1(handle.lower().lstrip("@").encode()).hexdigest()[:8], 16) % 10**9)


def reply_language(text: str, previous: str) -> str:
    """The client's language: by letters, once there are enough of them (commands ignored)."""
    return conversation_language([text], fallback=previous)


def _tz_date(value: Any) -> date | datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return value
    text = str(value)
    try:
        return datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
    except ValueError:
        return None


def _times_of(contact: dict[str, Any]) -> list[datetime]:
    """Every time stored on the contact (demo, proposed slots, pause), in the contact's zone."""
    zone = ZoneInfo(contact.get("timezone") or "Europe/Moscow")
    out: list[datetime] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, datetime):
            out.append((value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(zone))
        elif isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+(?:[+-]\d\d:\d\d|Z)?", value):
            walk(datetime.fromisoformat(value))

    walk(contact)
    return out


class DialogDriver:
    """Drives one dialog on an open runtime and reads back what each turn caused."""

    def __init__(self, rt: AgentRuntime, dialog: Dialog) -> None:
        assert isinstance(rt.clock, SimulatedClock)
        self.rt = rt
        self.clock: SimulatedClock = rt.clock
        self.dialog = dialog
        self.tz = dialog.zone(rt.settings.default_timezone)
        self.channels = [ConsoleChannel(Console(file=io.StringIO(), width=100), name=n) for n in CHANNEL_NAMES]
        self.contact_id = ""
        self.language = "ru"
        self.opted_out = False

    @property
    def store(self) -> Store:
        return self.rt.store

    async def create_contact(self) -> None:
        spec = self.dialog.contact
        fields: dict[str, Any] = {"name": spec.name, "company": spec.company, "email": spec.email,
                                  "phone": spec.phone, "timezone": spec.timezone, "channel": self.dialog.channel}
        if spec.telegram:
            if re.fullmatch(r"-?\d+", spec.telegram):
                fields["telegram_chat_id"] = spec.telegram
            else:  # a handle only: the bot cannot write first; the chat is bound when the lead writes
                fields["telegram"] = spec.telegram
        if any(fields.get(f) for f in ("email", "telegram", "phone")) or self.dialog.channel == "console":
            contact, _ = await add_contact(self.store, self.rt.settings, self.clock, fields, start=False)
        else:  # only a Telegram chat id: created the way the Telegram listener creates a lead
            contact = await self.store.contacts.create(fields, self.clock.now())
        self.contact_id = contact["_id"]

    async def pump(self) -> None:
        await pump(self.rt, self.channels)

    async def advance_to(self, end: datetime) -> None:
        """Move the clock to `end`, stopping at every timer due on the way."""
        for _ in range(MAX_TIMER_STEPS):
            due = await self.store.timers.next_due()
            if due is None or due > end:
                break
            self.clock.set(due)
            await self.pump()
        self.clock.set(end)
        await self.pump()

    # --- one phase: snapshot, act, read back -----------------------------------------------------

    async def _snapshot(self) -> dict[str, Any]:
        cid = self.contact_id
        return {
            "inbox": {d["_id"] for d in await self.store.inbox.for_contact(cid)},
            "outbox": {d["_id"] for d in await self.store.outbox.for_contact(cid)},
            "events": {d["_id"] async for d in self.store.events.col.find({}, {"_id": 1})},
            "sent": [len(c.sent) for c in self.channels],
            "llm": self._llm_counters(),
        }

    def _llm_counters(self) -> tuple[int, int, int]:
        llm = self.rt.llm
        return (llm.calls, llm.prompt_tokens, llm.completion_tokens) if llm else (0, 0, 0)

    def _sent_since(self, counts: list[int]) -> list[Sent]:
        return [Sent.of(m) for c, n in zip(self.channels, counts, strict=True) for m in c.sent[n:]]

    async def run_phase(self, result: TurnResult, act: Callable[[], Awaitable[str | None]]) -> None:
        position = Tape.begin(self.dialog.id, "start" if result.index == 0 else f"t{result.index:02d}")
        before = await self._snapshot()
        started = time.perf_counter()
        key = await act()
        await self.pump()
        result.latency_s = time.perf_counter() - started
        result.model_s = position.model_s
        result.errors.extend(position.problems)
        calls, prompt, completion = self._llm_counters()
        result.llm_calls = calls - before["llm"][0]
        result.prompt_tokens = prompt - before["llm"][1]
        result.completion_tokens = completion - before["llm"][2]
        result.sent = self._sent_since(before["sent"])
        await self._read_back(result, before, key)

    async def _read_back(self, result: TurnResult, before: dict[str, Any], key: str | None) -> None:
        store, cid = self.store, self.contact_id
        new_docs = [d for d in await store.inbox.for_contact(cid) if d["_id"] not in before["inbox"]]
        if key is not None and not any(d["_id"] == key for d in new_docs):
            result.errors.append("the client's message was not taken in (duplicate Message-ID?)")
        for doc in new_docs:
            if doc.get("status") != "done":
                why = doc.get("error") or (doc.get("errors") or [{}])[-1].get("reason") or ""
                result.errors.append(f"event {doc['_id']} left {doc.get('status')}: {why}".rstrip(": "))
                continue
            outcome = doc.get("result") or {}
            result.actions.extend(outcome.get("actions") or [])
            if doc["_id"] == key:
                result.intent, result.source = outcome.get("intent"), outcome.get("source")
        queued = [d for d in await store.outbox.for_contact(cid)
                  if d["_id"] not in before["outbox"] and d.get("kind") != "team"]
        result.replied = bool(queued)
        result.reply_texts = [d.get("text", "") for d in queued]
        async for event in store.events.col.find({"contact_id": cid}):
            if event["_id"] in before["events"]:
                continue
            data = event.get("data") or {}
            if event["type"] == "demo_booked":
                result.demo_at = _tz_date(data.get("demo_at"))
            elif event["type"] == "paused":
                result.pause_until = _tz_date(data.get("until"))
            elif event["type"] == "referral_created" and data.get("new_contact_id"):
                new = await store.contacts.get(data["new_contact_id"]) or {}
                result.referral = {k: new.get(k) for k in ("_id", "name", "email", "telegram", "phone")}
            elif event["type"] == "opted_out":
                self.opted_out = True
            elif event["type"] == "possible_opt_out":
                result.stop_possible = True
        if "opt_out" in result.actions:
            self.opted_out = result.opt_out_turn = True
        result.agreed = _times_of(await store.contacts.get(cid) or {})

    # --- the dialog ------------------------------------------------------------------------------

    async def start(self) -> TurnResult:
        result = TurnResult(index=0, kind="start", expect=Expect(), language=self.language)

        async def act() -> None:
            contact = await self.store.contacts.require(self.contact_id)
            await schedule_outreach(self.store, self.rt.settings, contact, self.clock.now(), immediately=True)
            return None

        await self.run_phase(result, act)
        return result

    async def turn(self, turn: Turn) -> TurnResult:
        result = TurnResult(index=turn.index, kind=turn.kind, expect=turn.expect)
        if turn.kind == "wait":
            assert turn.wait is not None
            end = turn.wait.after(self.clock.now(), self.tz)
            result.opted_out_before = self.opted_out
            result.language = self.language

            async def wait() -> None:
                await self.advance_to(end)
                return None

            await self.run_phase(result, wait)
            return result
        if turn.after is not None:
            counts = [len(c.sent) for c in self.channels]
            await self.advance_to(turn.after.after(self.clock.now(), self.tz))
            result.background = self._sent_since(counts)
        result.opted_out_before = self.opted_out
        message = await self.inbound(turn, result)
        if message is None:
            return result
        self.language = result.language = reply_language(message.text, self.language)
        result.text = message.text
        if turn.expect.intent == "opt_out" or (turn.expect.actions and "opt_out" in turn.expect.actions):
            self.opted_out = result.opt_out_turn = True  # nothing may be sent from here on, even if missed

        async def say() -> str:
            await self.store.inbox.ingest(message, self.clock.now())
            return message.key

        await self.run_phase(result, say)
        return result

    async def inbound(self, turn: Turn, result: TurnResult) -> InboundMessage | None:
        now = self.clock.now()
        key = f"eval:{self.dialog.id}:t{turn.index:02d}"
        contact = await self.store.contacts.require(self.contact_id)
        channel = self.dialog.channel
        if turn.kind == "client_email":
            try:
                return email_inbound(turn.text, key, now, self.contact_id)
            except Exception as exc:  # the email channel refused the message: a finding, not a crash
                result.errors.append(f"the email parser refused the message: {type(exc).__name__}: {exc}")
                result.ran = False
                return None
        meta: dict[str, Any] = {}
        subject = None
        sender = self.contact_id
        if channel == "email":
            sender = contact.get("email") or ""
            meta["message_id"] = f"<{key.replace(':', '.')}@client.eval>"
            if contact.get("thread_subject"):
                subject = "Re: " + str(contact["thread_subject"])
        elif channel == "telegram":
            if not contact.get("telegram_chat_id"):  # what the listener does with a known @username
                chat = telegram_chat_id(str(contact.get("telegram") or self.contact_id))
                await self.store.contacts.update(self.contact_id, now, telegram_chat_id=chat, channel="telegram")
                contact["telegram_chat_id"] = chat
            sender = str(contact["telegram_chat_id"])
        flags = ["start"] if channel != "email" and turn.text.strip().lower().startswith("/start") else []
        return InboundMessage(key=key, channel=channel, contact_id=self.contact_id, sender=sender,
                              text=turn.text, subject=subject, flags=flags, received_at=now, meta=meta)


def email_inbound(raw_text: str, key: str, received_at: datetime, contact_id: str) -> InboundMessage:
    """A `client_email` turn through the real email channel parser (bytes in, InboundMessage out)."""
    from channels.email.parsing import parse_message, to_inbound  # the email channel's own code

    raw = raw_text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")
    parsed = parse_message(raw)
    message = to_inbound(parsed, key, received_at, contact_id)
    return message.model_copy(update={"contact_id": contact_id})


async def run_dialog(dialog: Dialog, settings: Settings, mongo_uri: str,
                     chat_model: BaseChatModel | None = None) -> DialogResult:
    """One dialog in its own database; never raises for a problem inside the dialog."""
    db_name = f"eval_{uuid.uuid4().hex[:12]}"
    local = settings.model_copy(update={"mongodb_uri": SecretStr(mongo_uri), "mongodb_db": db_name,
                                        "retry_backoff_s": 0.0})
    clock = SimulatedClock(dialog.now)
    llm = StructuredLlm.from_settings(local, model=chat_model) if chat_model is not None else None
    started = time.perf_counter()
    result = DialogResult(dialog=dialog, start=None, turns=[])
    async with open_runtime(local, clock=clock, provider="rules" if llm is None else "ollama", llm=llm) as rt:
        try:
            driver = DialogDriver(rt, dialog)
            await driver.create_contact()
            result.contact_id = driver.contact_id
            if dialog.start == "outreach":
                result.start = await driver.start()
            for turn in dialog.turns:
                result.turns.append(await driver.turn(turn))
        except Exception as exc:  # a crash is reported with the dialog, the suite goes on
            log.exception("dialog %s crashed", dialog.id)
            result.error = f"{type(exc).__name__}: {exc}"
            done = len(result.turns)
            result.turns.extend(TurnResult(index=t.index, kind=t.kind, expect=t.expect, ran=False,
                                           errors=["not run: the dialog crashed"]) for t in dialog.turns[done:])
        finally:
            await rt.store.client.drop_database(db_name)
    result.duration_s = time.perf_counter() - started
    return result


async def run_suite(dialogs: Sequence[Dialog], settings: Settings, mongo_uri: str, *,
                    chat_model: BaseChatModel | None = None, progress: Progress | None = None,
                    concurrency: int = 1) -> list[DialogResult]:
    """Every dialog, each on its own database and clock; up to `concurrency` at a time (the store
    is another process, so dialogs overlap while it works). Results keep the input order."""
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(dialog: Dialog) -> DialogResult:
        async with gate:
            result = await run_dialog(dialog, settings, mongo_uri, chat_model)
        if progress is not None:
            progress(result)
        return result

    return list(await asyncio.gather(*(one(d) for d in dialogs)))
