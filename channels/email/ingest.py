"""Raw mail → inbox event, in two steps so fetching never depends on parsing.

1. `store_raw` (the listener): the raw bytes go into `inbox` as a `received` document whose `_id`
   is deterministic (`email:<Message-ID>`, or a hash of the bytes), so fetching twice stores once.
   The worker only claims `pending` events and never sees `received` ones.
2. `EmailIngest.process_received`: parse, resolve the contact (In-Reply-To / References → our
   Message-IDs, then bounce data, then the sender) and turn the document into a normalised
   `pending` event. The raw bytes stay in the document's top-level `raw` field (not in `meta`,
   which the worker hands to the graph and its checkpoints). A message that cannot be parsed is
   quarantined with the reason. Soft bounces re-queue the bounced message instead of reaching the
   graph; a mail to the List-Unsubscribe address is an opt-out.
"""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import datetime, timedelta
from email.parser import BytesHeaderParser
from typing import Any

from agent.clock import Clock
from agent.contracts import domain_of
from agent.settings import Settings
from agent.store import Store
from agent.store.suppressions import opt_out_addresses
from channels.email.compose import normalise_id, unsubscribe_address
from channels.email.parsing import EmailParseError, ParsedEmail, parse_message, to_inbound
from channels.email.settings import EmailSettings

log = logging.getLogger(__name__)

UNSUBSCRIBE_SUBJECT = re.compile(r"^\s*unsubscribe\b", re.IGNORECASE)
UNSUBSCRIBE_TOKEN = re.compile(r"unsubscribe\s+([0-9a-f]{24})\b", re.IGNORECASE)
MAX_KEY_ID = 250
# a delay warning, not a failure: the remote server is still trying, so resending would double it
DELAY_WARNING = re.compile(rb"^action:\s*delayed|will (?:continue to )?retry|delivery attempts will continue|"
                           rb"has not yet been delivered", re.IGNORECASE | re.MULTILINE)


def raw_key(raw: bytes) -> str:
    """`email:<Message-ID>` when the message has one, else `email:sha256:<hash of the bytes>`."""
    try:
        header = BytesHeaderParser().parsebytes(raw[:65536]).get("Message-ID")
    except Exception:  # a header this broken is the parser's to report
        header = None
    message_id = normalise_id(str(header)) if header else None
    if message_id and len(message_id) <= MAX_KEY_ID and " " not in message_id:
        return f"email:{message_id}"
    return "email:sha256:" + hashlib.sha256(raw).hexdigest()[:40]


async def store_raw(store: Store, raw: bytes, now: datetime, source: dict[str, Any], max_bytes: int) -> str:
    """Step 1: keep the raw bytes in `inbox` (status `received`). Idempotent; returns the key."""
    key = raw_key(raw)
    await store.inbox.store_raw(key, "email", raw, now, source, max_bytes)
    return key


class EmailIngest:
    """Step 2: `received` documents → `pending` events (or quarantined / recorded)."""

    def __init__(self, store: Store, settings: Settings, email: EmailSettings, clock: Clock) -> None:
        self.store, self.settings, self.email, self.clock = store, settings, email, clock
        self.index = store.mail
        self.own = settings.sender_email.strip().lower()
        self.unsubscribe = unsubscribe_address(settings.sender_email, email.email_unsubscribe_mailbox).lower()

    async def process_received(self, limit: int = 500) -> int:
        """Process every `received` document (also the ones a crashed listener left behind)."""
        done = 0
        for doc in await self.store.inbox.received(limit):
            await self.process(doc)
            done += 1
        return done

    async def process(self, doc: dict[str, Any]) -> str:
        """Parse one raw document; returns its new status."""
        key, now = doc["_id"], self.clock.now()
        raw = bytes(doc["raw"])
        try:
            parsed = parse_message(raw)
        except EmailParseError as exc:
            return await self._quarantine(key, now, f"unparseable email: {exc}")
        except Exception as exc:  # a parser bug must not stop the listener either
            log.exception("parser failed on %s", key)
            return await self._quarantine(key, now, f"parser error: {type(exc).__name__}: {exc}")
        message_id = normalise_id(parsed.message_id)
        references = [r for r in (normalise_id(x) for x in parsed.references) if r]
        in_reply_to = normalise_id(parsed.in_reply_to)
        if in_reply_to and in_reply_to not in references:
            references.append(in_reply_to)
        contact_id, matched_by = await self.resolve(parsed, references)
        inbound = to_inbound(parsed, raw_key=key, received_at=doc["received_at"], contact_id=contact_id)
        fields = inbound.model_dump()
        fields.pop("key", None)
        meta = {**fields.pop("meta", {}), **doc["meta"], "message_id": message_id, "in_reply_to": in_reply_to,
                "references": references, "from_name": parsed.from_name, "to": parsed.to,
                "matched_by": matched_by}
        status, result = "pending", None
        if (parsed.from_address or "").lower() == self.own and not parsed.flags:
            status, result = "done", {"skip": "our own message"}
        elif self.is_unsubscribe(parsed):
            fields.update(text="unsubscribe", quoted="", flags=[])
            meta["unsubscribe"] = True
            await self._suppress_now(contact_id, parsed.from_address, now)
        elif "bounce_soft" in parsed.flags and DELAY_WARNING.search(raw):
            status, result = "done", {"skip": "delivery delayed: the remote server is still trying"}
        elif "bounce_soft" in parsed.flags and await self._retry_soft_bounce(parsed, now):
            status, result = "done", {"skip": "soft bounce: the message is sent again later"}
        elif "bounce_soft" in parsed.flags:
            fields["flags"] = [f for f in fields["flags"] if f != "bounce_soft"] + ["bounce"]
        update: dict[str, Any] = {**fields, "meta": meta, "status": status, "available_at": now,
                                  "ingested_at": now, "lease_until": None}
        if result is not None:
            update.update(result=result, processed_at=now,
                          expire_at=now + timedelta(days=self.store.retention_days))
        await self.store.inbox.finish_received(key, update)
        if message_id:
            await self.index.remember(message_id, contact_id=contact_id, direction="in", key=key,
                                      references=references, subject=parsed.subject, at=doc["received_at"])
        log.info("email %s → %s (contact %s by %s)", key, status, contact_id or "unknown", matched_by)
        return status

    async def resolve(self, parsed: ParsedEmail, references: list[str]) -> tuple[str | None, str]:
        """The contact: our thread ids first, then bounce data, then the sender address."""
        bounce = bool({"bounce", "bounce_soft"} & set(parsed.flags))
        if bounce and (hit := await self.index.first_known([normalise_id(parsed.bounced_message_id) or ""])):
            return hit["contact_id"], "bounced_message_id"
        if hit := await self.index.first_known(list(reversed(references))):
            return hit["contact_id"], "thread"
        token = UNSUBSCRIBE_TOKEN.search(parsed.subject or "")
        if token and (hit := await self.index.first_known([f"<{token.group(1).lower()}@{domain_of(self.own)}>"])):
            return hit["contact_id"], "unsubscribe_token"
        if bounce:
            for address in parsed.bounce_recipients:
                if found := await self.store.contacts.find_by_address("email", address):
                    return found["_id"], "bounce_recipient"
            return None, "none"
        if parsed.from_address and (found := await self.store.contacts.find_by_address("email", parsed.from_address)):
            return found["_id"], "sender"
        return None, "none"

    def is_unsubscribe(self, parsed: ParsedEmail) -> bool:
        recipients = {a.lower() for a in parsed.to}
        return self.unsubscribe in recipients or bool(UNSUBSCRIBE_SUBJECT.match(parsed.subject or ""))

    async def _suppress_now(self, contact_id: str | None, sender: str | None, now: datetime) -> None:
        """The suppression list is updated at once; the graph then records the opt-out itself."""
        keys = [f"email:{sender.lower()}"] if sender else []
        contact = await self.store.contacts.get(contact_id) if contact_id else None
        if contact:
            keys += opt_out_addresses(contact)
            await self.store.outbox.suppress_pending_for(contact["_id"], now, "opted out (List-Unsubscribe)")
        if keys:
            await self.store.suppressions.add(keys, contact_id or "", "opt_out: List-Unsubscribe", now)

    async def _retry_soft_bounce(self, parsed: ParsedEmail, now: datetime) -> bool:
        """Re-queue the bounced outbox message; False when unknown or bounced too often (→ hard)."""
        sent = await self.index.get(normalise_id(parsed.bounced_message_id))
        if not sent or sent.get("direction") != "out":
            return False
        doc = await self.store.outbox.get(sent["key"])
        if not doc or doc.get("soft_bounces", 0) + 1 >= self.email.email_soft_bounce_max:
            return False
        due = now + timedelta(seconds=self.email.email_soft_bounce_retry_s)
        return await self.store.outbox.requeue_sent(doc["_id"], due, now, "soft bounce: " + (parsed.subject or "")[:200])

    async def _quarantine(self, key: str, now: datetime, reason: str) -> str:
        log.warning("email %s quarantined: %s", key, reason)
        await self.store.inbox.quarantine(key, now, reason)
        return "quarantined"
