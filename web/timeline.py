"""One contact's timeline for the conversation page: messages in and out, what was understood,
the actions, facts (booking, hand-off, who did what), drafts and the next timer — in time order."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from agent.store import Store
from agent.store.outbox import status_note

SYSTEM_LABELS = {"outreach": "timer: start of outreach", "follow_up": "timer: follow-up",
                 "pause_end": "timer: pause over", "close": "timer: close"}
HIDDEN_FACTS = {"replied", "sent", "outreach_sent", "follow_up"}  # shown by the messages themselves


def _raw(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, default=str)


def _inbound(doc: dict[str, Any]) -> dict[str, Any] | None:
    result = doc.get("result") or {}
    kind = doc.get("kind")
    item: dict[str, Any] = {"at": doc.get("received_at"), "channel": doc.get("channel"), "status": doc.get("status"),
                            "actions": result.get("actions") or [], "error": doc.get("error")}
    if kind == "message":
        cached = doc.get("understanding") or {}
        item.update(who="client", side="in", text=doc.get("text", ""), intent=result.get("intent"),
                    source=result.get("source"), subject=doc.get("subject"),
                    model=_raw(cached) if cached else None)
        return item
    if kind == "operator":
        return None  # the person's message appears as the outbound message it became
    if kind == "decision":
        decision = (doc.get("meta") or {}).get("decision") or {}
        item.update(who="system", side="sys", text=f"decision on draft: {decision.get('type')}",
                    by=(doc.get("meta") or {}).get("by"))
        return item
    if not (result.get("actions") or kind == "restart" or doc.get("status") == "quarantined"):
        return None
    item.update(who="system", side="sys", text=SYSTEM_LABELS.get(doc.get("timer_kind") or "", kind or "event"))
    return item


def _outbound(doc: dict[str, Any], people: dict[str, str]) -> dict[str, Any]:
    team = doc.get("kind") == "team"
    by = people.get(str(doc["_id"]).removesuffix(":reply"))  # a person's message: written by whom
    who = "team note" if team else (f"person: {by}" if by else "agent")
    return {"at": doc.get("created_at"), "who": who, "side": "team" if team else "out", "channel": doc.get("channel"),
            "text": doc.get("text", ""), "subject": doc.get("subject"), "status": doc.get("status"),
            "error": status_note(doc), "attachments": doc.get("attachments") or [], "sent_at": doc.get("sent_at")}


def _fact(doc: dict[str, Any]) -> dict[str, Any] | None:
    if doc.get("type") in HIDDEN_FACTS:
        return None
    data = {k: v for k, v in (doc.get("data") or {}).items() if k != "by"}
    return {"at": doc.get("at"), "who": "fact", "side": "fact", "text": str(doc.get("type", "")).replace("_", " "),
            "by": (doc.get("data") or {}).get("by"), "details": ", ".join(f"{k}: {v}" for k, v in data.items())}


async def timeline(store: Store, contact_id: str) -> list[dict[str, Any]]:
    inbox = await store.inbox.for_contact(contact_id)
    outbox = await store.outbox.for_contact(contact_id)
    facts = await store.events.for_contact(contact_id)
    people = {d["_id"]: (d.get("meta") or {}).get("by") or "team" for d in inbox if d.get("kind") == "operator"}
    items = [i for i in map(_inbound, inbox) if i] + [_outbound(d, people) for d in outbox]
    items += [f for f in map(_fact, facts) if f]
    epoch = datetime.min.replace(tzinfo=None)
    return sorted(items, key=lambda i: (i["at"].replace(tzinfo=None) if isinstance(i.get("at"), datetime) else epoch))
