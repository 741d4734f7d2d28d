"""What the sales team does to contacts from the CLI, as plain functions over the store."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from agent.clock import Clock
from agent.contracts import InboundMessage
from agent.pacing import plan_outreach
from agent.settings import Settings
from agent.store import Store
from agent.store.errors import StoreError
from agent.store.suppressions import opt_out_addresses
from agent.tools.calendar import booked_demo, zone
from agent.tools.contacts import move_email


async def schedule_outreach(store: Store, settings: Settings, contact: dict[str, Any], now: datetime,
                            immediately: bool = False) -> datetime:
    """Set the outreach timer: the contact's slot in the campaign's pace (`agent.pacing`), inside
    the send window in the contact's zone (or right away)."""
    await store.timers.cancel_for_contact(contact["_id"], now, keep=f"t:outreach:{contact['_id']}")
    slots = await plan_outreach(store, settings, [contact], now, immediately=immediately, spread=False)
    return slots[0].due_at


async def add_contact(store: Store, settings: Settings, clock: Clock, fields: dict[str, Any],
                      start: bool = True) -> tuple[dict[str, Any], datetime | None]:
    if not any(fields.get(f) for f in ("email", "telegram", "phone")) and fields.get("channel") != "console":
        raise StoreError("a contact needs an email, a Telegram handle or a phone number")
    if fields.get("timezone"):
        zone_name = fields["timezone"]
        if zone(zone_name, settings).key != zone_name:
            raise StoreError(f"unknown time zone {zone_name!r} (use a name like Europe/Moscow)")
    now = clock.now()
    contact = await store.contacts.create(fields, now)
    due = await schedule_outreach(store, settings, contact, now) if start else None
    return contact, due


@dataclass(frozen=True)
class OptedOut:
    stopped: int  # queued messages that will not go out
    cancelled_demo_at: datetime | None  # the booked demo dropped, for the person to take out of the calendar


async def opt_out(store: Store, clock: Clock, contact_id: str, reason: str = "opt-out by the sales team",
                  by: str = "cli") -> OptedOut:
    """Suppress every address of the contact now and drop a demo still booked (as the agent's own
    opt-out does; the client is sent nothing, not even a cancellation)."""
    contact = await store.contacts.require(contact_id)
    now = clock.now()
    booked = booked_demo(contact, now)
    await store.suppressions.add(opt_out_addresses(contact), contact_id, reason, now)
    await store.timers.cancel_for_contact(contact_id, now)
    stopped = await store.outbox.suppress_pending_for(contact_id, now, reason)
    if draft := await store.drafts.pending_for(contact_id):  # a waiting draft is never sent now
        await store.drafts.supersede(draft["_id"], now, "opt-out")
        await store.contacts.update(contact_id, now, draft_waiting=None)
    dropped: dict[str, Any] = {"demo_at": None, "cancelled_demo_at": booked} if booked is not None else {}
    await store.contacts.update(contact_id, now, status="opted_out", stage="opted_out", next_timer=None,
                                opted_out_at=now, **dropped)
    await store.events.record(f"cli-opt-out:{contact_id}", contact_id, "opted_out", now, {"by": by, "reason": reason})
    if booked is not None:
        await store.events.record(f"cli-opt-out-demo:{contact_id}", contact_id, "demo_cancelled", now,
                                  {"demo_at": booked.isoformat(), "reason": "opt_out", "by": by})
    return OptedOut(stopped, booked)


async def restart(store: Store, clock: Clock, contact_id: str, by: str = "cli") -> str:
    """Queue a restart event: the agent starts over with this contact (refused after opt-out)."""
    contact = await store.contacts.require(contact_id)
    if contact["status"] == "opted_out":
        raise StoreError(f"{contact_id} opted out; the agent will not write to them again")
    now = clock.now()
    event = InboundMessage(key=f"restart:{contact_id}:{uuid.uuid4().hex[:8]}", kind="restart", channel="system",
                           contact_id=contact_id, received_at=now)
    await store.inbox.ingest(event, now)
    await store.events.record(f"restart-by:{event.key}", contact_id, "restart_requested", now, {"by": by})
    return event.key


async def take_over(store: Store, clock: Clock, contact_id: str, by: str) -> dict[str, Any]:
    """A person takes the thread: the agent records the client's messages and answers none."""
    contact = await store.contacts.require(contact_id)
    if contact["status"] == "opted_out":
        raise StoreError(f"{contact_id} opted out; nobody may write to them again")
    now = clock.now()
    await store.contacts.update(contact_id, now, status="handoff", stage="taken_over", taken_by=by, taken_at=now,
                                status_before_take=contact.get("status"))
    await store.events.record(f"take:{contact_id}:{uuid.uuid4().hex[:8]}", contact_id, "taken_over", now, {"by": by})
    return await store.contacts.require(contact_id)


ENGLISH_REFUSALS = {"invalid": "is not an email address", "taken": "belongs to another contact",
                    "suppressed": "is on the suppression list", "ours": "is our own address"}


async def move_contact_email(store: Store, clock: Clock, contact_id: str, email: str, stop_old: bool, by: str,
                             sender_email: str) -> dict[str, Any]:
    """The contact's own new email (the client wrote «мой новый адрес: …»): later messages go there.
    The old address is kept in `former_emails`, so a reply from it still reaches this conversation;
    with `stop_old` it is also suppressed. Refused for an opted-out contact, an invalid or
    suppressed address, or one that belongs to another contact."""
    contact = await store.contacts.require(contact_id)
    if contact["status"] == "opted_out":
        raise StoreError(f"{contact_id} opted out; the agent will not write to them again")
    now = clock.now()
    if refused := await move_email(store, contact, email.strip(), now, stop_old, sender_email):
        raise StoreError(f"{email.strip()} {ENGLISH_REFUSALS[refused]}; {contact_id} keeps {contact.get('email') or 'no email'}")
    await store.events.record(f"move-email:{contact_id}:{uuid.uuid4().hex[:8]}", contact_id, "address_moved", now,
                              {"by": by, "from": contact.get("email"), "to": email.strip().lower(),
                               "old_suppressed": bool(stop_old and contact.get("email"))})
    return await store.contacts.require(contact_id)


async def give_back(store: Store, clock: Clock, contact_id: str, by: str) -> dict[str, Any]:
    """The person gives the thread back: the agent continues, with the person's messages in its history."""
    contact = await store.contacts.require(contact_id)
    if contact["status"] == "opted_out":
        raise StoreError(f"{contact_id} opted out; the agent will not write to them again")
    if contact["status"] != "handoff":
        raise StoreError(f"{contact_id} is not taken over (status {contact['status']})")
    now = clock.now()
    await store.contacts.update(contact_id, now, status="active", stage="given_back", taken_by=None,
                                handoff_reason=None, given_back_at=now)
    await store.events.record(f"give-back:{contact_id}:{uuid.uuid4().hex[:8]}", contact_id, "given_back", now,
                              {"by": by})
    return await store.contacts.require(contact_id)


async def send_as_person(store: Store, clock: Clock, contact_id: str, text: str, by: str) -> str:
    """Queue a person's message to the contact (taking the thread if nobody has). Returns the event key."""
    text = text.strip()
    if not text:
        raise StoreError("the message is empty")
    contact = await store.contacts.require(contact_id)
    if contact["status"] == "opted_out":
        raise StoreError(f"{contact_id} opted out; nothing is sent to them")
    if contact["status"] != "handoff":
        await take_over(store, clock, contact_id, by)
    now = clock.now()
    event = InboundMessage(key=f"operator:{contact_id}:{uuid.uuid4().hex[:12]}", kind="operator", channel="system",
                           contact_id=contact_id, text=text, received_at=now, meta={"by": by})
    await store.inbox.ingest(event, now)
    await store.events.record(f"sent-by:{event.key}", contact_id, "person_message", now, {"by": by})
    return event.key


async def decide_draft(store: Store, clock: Clock, draft_id: str, response: dict[str, Any], by: str) -> str:
    """Record a person's decision on a draft (once) and queue it for the worker, which resumes the turn."""
    draft = await store.drafts.get(draft_id)
    if draft is None:
        raise StoreError(f"no draft {draft_id}")
    kind = response.get("type")
    status = {"accept": "approved", "edit": "edited", "ignore": "rejected"}.get(str(kind))
    if status is None:
        raise StoreError(f"unknown decision {kind!r}")
    now = clock.now()
    text = None
    if kind == "edit":
        text = ((response.get("args") or {}).get("args") or {}).get("text")
    note = str(response.get("args")) if kind == "ignore" else None
    if not await store.drafts.decide(draft_id, status, now, by, note=note, text=text):
        raise StoreError(f"draft {draft_id} was already {draft['status']}; nothing more is done")
    event = InboundMessage(key=f"decision:{draft_id}", kind="decision", channel="system",
                           contact_id=draft["contact_id"], received_at=now,
                           meta={"draft": draft_id, "decision": response, "by": by})
    await store.inbox.ingest(event, now)
    await store.events.record(f"decision:{draft_id}", draft["contact_id"], f"draft_{status}", now, {"by": by})
    return status


async def retry_quarantined(store: Store, clock: Clock, key: str, by: str) -> None:
    """A person sends a quarantined inbox event back to the worker (after fixing what broke it)."""
    doc = await store.inbox.get(key)
    now = clock.now()
    if doc is None or not await store.inbox.requeue_quarantined(key, now):
        raise StoreError(f"inbox event {key} is not quarantined")
    await store.events.record(f"retry:{key}:{uuid.uuid4().hex[:8]}", doc.get("contact_id") or "", "event_retried",
                              now, {"by": by, "event": key, "error": doc.get("error")})


IMPORT_CHUNK = 200  # contacts written and planned together (a few round trips per chunk)


@dataclass
class ChunkResult:
    created: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (row, why): already imported


async def import_chunk(store: Store, settings: Settings, clock: Clock, rows: list[tuple[int, dict[str, Any]]],
                       start: bool = True) -> ChunkResult:
    """Write a chunk of validated rows in one insert, then plan their first messages
    (`agent.pacing`). A row whose address exists is skipped; if that contact's first message was
    never planned (an import interrupted between the two writes), it is planned now."""
    now = clock.now()
    created, refused = await store.contacts.create_many([fields for _, fields in rows], now)
    result = ChunkResult(created=created)
    waiting = []
    for index, exc in sorted(refused.items()):
        result.skipped.append((rows[index][0], str(exc)))
        if start and (contact := await never_planned(store, rows[index][1])):
            waiting.append(contact)
    if start:
        await plan_outreach(store, settings, [*created, *waiting], now)
    return result


async def never_planned(store: Store, fields: dict[str, Any]) -> dict[str, Any] | None:
    """The contact with one of these addresses, if it is new and its first message was never planned."""
    for name in ("email", "telegram", "phone"):
        if fields.get(name) and (contact := await store.contacts.find_by_address(name, fields[name])):
            return contact if contact.get("status") == "new" and not contact.get("next_timer") else None
    return None


async def import_contacts(store: Store, settings: Settings, clock: Clock,
                          rows: Iterable[tuple[int, dict[str, Any] | None, str | None]], by: str, batch: str,
                          start: bool = True) -> tuple[int, list[str]]:
    """Add the good rows of a CSV (tagged with the import batch); returns (imported, row errors).
    Rows are written in chunks and their first messages paced to the mailboxes (`agent.pacing`)."""
    imported = 0
    errors: list[str] = []
    chunk: list[tuple[int, dict[str, Any]]] = []

    async def flush() -> None:
        nonlocal imported
        result = await import_chunk(store, settings, clock, chunk, start)
        imported += len(result.created)
        errors.extend(f"row {number}: {why}" for number, why in result.skipped)
        await store.events.record_many([(f"imported:{c['_id']}", c["_id"], "imported", clock.now(),
                                         {"by": by, "batch": batch}) for c in result.created])
        chunk.clear()

    for number, fields, error in rows:
        if error or fields is None:
            errors.append(f"row {number}: {error}")
            continue
        chunk.append((number, {**fields, "import_batch": batch}))
        if len(chunk) >= IMPORT_CHUNK:
            await flush()
    if chunk:
        await flush()
    return imported, sorted(errors, key=lambda line: int(line.split()[1].rstrip(":")))
