"""Creating contacts from a conversation (referrals) without ever creating one twice."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from agent.contacts_import import TELEGRAM, is_email
from agent.store import Store
from agent.store.contacts import normalise_address
from agent.store.errors import StoreError
from agent.store.suppressions import address_key
from agent.understanding.entities import find_emails, find_phones, find_telegram
from agent.understanding.schema import Person


def derived_contact_id(event_key: str) -> str:
    return "c-" + hashlib.sha1(event_key.encode()).hexdigest()[:8]


async def find_existing(store: Store, fields: dict[str, Any]) -> dict[str, Any] | None:
    for field in ("email", "telegram", "phone"):
        if fields.get(field) and (found := await store.contacts.find_by_address(field, fields[field])):
            return found
    return None


MOVE_REFUSED = {"invalid": "это не адрес электронной почты", "taken": "этот адрес уже у другого контакта",
                "suppressed": "на этом адресе стоп-лист", "ours": "это наш собственный адрес"}


async def move_email(store: Store, contact: dict[str, Any], email: str, now: datetime, stop_old: bool,
                     sender_email: str) -> str | None:
    """Move the contact to its own new email (the old one is kept in `former_emails` and, with
    `stop_old`, suppressed). Returns why it cannot be done (a key of MOVE_REFUSED), or None when
    done. Never an address on the suppression list or another contact's. Idempotent."""
    old, new = contact.get("email"), normalise_address("email", email)
    if new is not None and old == new:
        return None
    if new is None or not is_email(new):
        return "invalid"
    if is_ours(new, sender_email):
        return "ours"
    other = await store.contacts.find_by_address("email", new)
    if other is not None and other["_id"] != contact["_id"]:
        return "taken"
    if await store.suppressions.any_suppressed([address_key("email", new)]):
        return "suppressed"
    if stop_old and old:  # before the move: a replay after a crash finds the contact moved already
        await store.suppressions.add([address_key("email", old)], contact["_id"], "moved", now)
    return None if await store.contacts.replace_email(contact["_id"], new, now) else "taken"


async def create_referred(store: Store, event_key: str, fields: dict[str, Any], now: datetime
                          ) -> tuple[dict[str, Any], bool]:
    """The referred contact and whether it is new. The id is derived from the event, so a replay
    finds the contact it created the first time."""
    contact_id = derived_contact_id(event_key)
    if existing := await store.contacts.get(contact_id):
        return existing, False
    if existing := await find_existing(store, fields):
        return existing, False
    try:
        return await store.contacts.create({**fields, "_id": contact_id}, now), True
    except (DuplicateKeyError, StoreError):
        existing = await store.contacts.get(contact_id) or await find_existing(store, fields)
        if existing is None:
            raise
        return existing, False


@dataclass
class ReferralPlan:
    """Who a referral message may really create, and what was refused and why."""

    people: list[dict[str, Any]] = dc_field(default_factory=list)  # address fields (+ name) per new contact
    refused: list[tuple[str, str]] = dc_field(default_factory=list)  # (address, reason)
    invented: list[str] = dc_field(default_factory=list)  # addresses the model gave that the client never wrote


def _own_domain(sender_email: str) -> str:
    return sender_email.rsplit("@", 1)[-1].lower() if "@" in sender_email else ""


def is_ours(email: str, sender_email: str) -> bool:
    """The agent's own address or any address in its domain (or a subdomain of it)."""
    own, domain = _own_domain(sender_email), email.rsplit("@", 1)[-1].lower()
    return email.lower() == sender_email.lower() or bool(own and (domain == own or domain.endswith("." + own)))


def plan_referral(text: str, person: Person | None, *, sender_email: str, room: int) -> ReferralPlan:
    """The contacts a referral message may create: only addresses the client wrote (a model's
    invented one is dropped), strictly valid, never the agent's own address or domain; at most
    `room` people. One person with all their addresses when the message has one of each, else
    one contact per address."""
    plan = ReferralPlan()
    lowered, digits = text.lower(), re.sub(r"\D", "", text)
    if person is not None:
        for value in (person.email, person.telegram):
            if value and value.lower().lstrip("@") not in lowered:
                plan.invented.append(value)
        if person.phone and re.sub(r"\D", "", person.phone)[-10:] not in digits:
            plan.invented.append(person.phone)
    emails, handles, phones = find_emails(text), find_telegram(text), find_phones(text)
    for raw in re.findall(r"[^\s,;<>()\"']*@[^\s,;<>()\"']*", text):  # tried to be an address, and is not one
        token = raw.strip(".:!?«»").lower()
        if token and token not in emails and token not in handles and "@" + token.lstrip("@") not in handles:
            plan.refused.append((token, "invalid"))
    valid_emails, valid_handles = [], []
    for email in emails:
        if not is_email(email):
            plan.refused.append((email, "invalid"))
        elif is_ours(email, sender_email):
            plan.refused.append((email, "own"))
        else:
            valid_emails.append(email)
    for handle in handles:
        if TELEGRAM.match(handle):
            valid_handles.append(handle)
        else:
            plan.refused.append((handle, "invalid"))
    name = person.name if person else None
    role = person.role if person else None
    if len(valid_emails) <= 1 and len(valid_handles) <= 1 and len(phones) <= 1:
        one = {"email": valid_emails[0] if valid_emails else None,
               "telegram": valid_handles[0] if valid_handles else None,
               "phone": phones[0] if phones else None}
        if any(one.values()):
            plan.people.append({**one, "name": name, "role": role})
    else:
        plan.people += [{"email": e, "telegram": None, "phone": None, "name": None, "role": role} for e in valid_emails]
        plan.people += [{"email": None, "telegram": h, "phone": None, "name": None, "role": role}
                        for h in valid_handles]
    for extra in plan.people[max(room, 0):]:
        plan.refused.append((extra["email"] or extra["telegram"] or extra["phone"], "limit"))
    plan.people = plan.people[:max(room, 0)]
    return plan
