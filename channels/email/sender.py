"""The email channel for the shared sender loop (`agent.sending`): outbox → SMTP → Sent folder.

Never twice (at most once): right before the SMTP DATA command the outbox document gets
`smtp_started_at`; after the server's 250 the exact bytes are appended to the IMAP Sent folder.
A message found in `sending` after a crash is checked by `was_delivered`:
  * no `smtp_started_at` → DATA was never issued, nothing can have gone out → sent normally;
  * its Message-ID is in the Sent folder → it went out → marked sent, not resent;
  * otherwise the crash fell between DATA and the Sent copy → `uncertain`, never resent.
A connection lost while the DATA answer is awaited is the same ambiguity: the message is failed
with that reason instead of retried. 4xx answers and timeouts before DATA are retried; 5xx fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import aiosmtplib

from agent.clock import Clock
from agent.contracts import OutboundMessage, SendResult, domain_of, message_id_for
from agent.pacing import mailbox_for, mailboxes
from agent.resilience import LoopGuard
from agent.sending import send_one
from agent.settings import Settings
from agent.store import Store
from agent.tools.unsubscribe_token import unsubscribe_url
from channels.email.compose import (
    Envelope,
    build_email,
    normalise_id,
    reference_chain,
    to_bytes,
    unsubscribe_address,
)
from channels.email.ics import cancel_ics, invite_ics
from channels.email.invites import Invites
from channels.email.listener import imap_session, last_text, search_uids, select
from channels.email.settings import EmailSettings

log = logging.getLogger(__name__)

UNPROMPTED = frozenset({"outreach", "follow_up", "pause_end", "close", "restart"})
AUTH_RETRY_S = 300.0


class EmailChannel:
    """`Channel` for email: `send` and the crash check `was_delivered`."""

    name = "email"

    def __init__(self, store: Store, settings: Settings, email: EmailSettings, clock: Clock) -> None:
        self.store, self.settings, self.email, self.clock = store, settings, email, clock
        self.index = store.mail
        self.sender_email = settings.sender_email
        self.from_name = email.email_from_name or f"{settings.sender_name}, {settings.sender_company}"
        self.tz = ZoneInfo(email.email_timezone)
        self.invites = Invites(store, settings, self.sender_email, self.from_name)

    def message_id(self, message: OutboundMessage) -> str:
        return normalise_id(message.meta.get("message_id")) or message_id_for(message.key, self.sender_email)

    # --- the mailboxes' send window and daily limits ----------------------------------------
    def mailbox(self, message: OutboundMessage) -> str:
        """The From address: the mailbox the contact's campaign assigned (`agent.pacing`), else SENDER_EMAIL."""
        if message.kind == "team":
            return self.sender_email
        return str(message.meta.get("mailbox") or self.sender_email)

    def daily_limit(self, address: str, now: datetime) -> int:
        """A listed mailbox's limit on this day (warm-up ramp included); otherwise EMAIL_DAILY_LIMIT."""
        box = mailbox_for(self.settings, address) if self.settings.sending_mailboxes else None
        if box is None:
            return self.email.email_daily_limit
        return box.limit_on(now.astimezone(self.tz).date(), self.settings)

    def total_limit(self, now: datetime) -> int:
        if not self.settings.sending_mailboxes:
            return self.email.email_daily_limit
        return sum(box.limit_on(now.astimezone(self.tz).date(), self.settings) for box in mailboxes(self.settings))

    async def sent_today(self, now: datetime, address: str | None = None) -> int:
        """Messages sent today (the mailbox's day), by one mailbox or (None) by all."""
        start = datetime.combine(now.astimezone(self.tz).date(), time(0), self.tz)
        if address is None or not self.settings.sending_mailboxes:
            return await self.store.outbox.count_sent_since("email", start)
        default = address.lower() == self.sender_email.lower()
        return await self.store.outbox.count_sent_since("email", start, mailbox=address, or_unset=default)

    async def deferral(self, message: OutboundMessage, now: datetime) -> tuple[float, str] | None:
        """(seconds to wait, why) when the message may not go out now."""
        local = now.astimezone(self.tz)
        address = self.mailbox(message)
        if await self.sent_today(now, address) >= self.daily_limit(address, now):
            tomorrow = datetime.combine(local.date() + timedelta(days=1), time(0), self.tz)
            return (tomorrow - local).total_seconds() + 1, f"daily limit of the mailbox {address} reached"
        start, end = self.email.email_send_window_start_hour, self.email.email_send_window_end_hour
        if message.kind in UNPROMPTED and not start <= local.hour < end:
            day = local.date() + timedelta(days=1 if local.hour >= end else 0)
            opens = datetime.combine(day, time(min(start, 23)), self.tz)
            return max((opens - local).total_seconds(), 1.0), "outside the mailbox send window"
        return None

    # --- composing -----------------------------------------------------------------------------
    async def envelope(self, message: OutboundMessage, now: datetime) -> tuple[Envelope, list[str]]:
        """Headers and extra envelope recipients (the sales team gets demo invites as Bcc)."""
        env = Envelope(sender_email=self.mailbox(message), from_name=self.from_name, message_id=self.message_id(message),
                       unsubscribe=unsubscribe_address(self.sender_email, self.email.email_unsubscribe_mailbox),
                       now=now)
        if message.kind == "team":  # an opt-out or a bounce dropped a booked demo: the team's copy goes
            env.cancel = await self.invites.withdrawn(message, now)
            return env, []
        env.unsubscribe_url = self.one_click_url(message.contact_id)
        parent = normalise_id(message.in_reply_to)
        if parent:
            known = await self.index.get(parent)
        else:  # a follow-up continues the contact's latest thread (never replying to itself)
            known = await self.index.latest_for(message.contact_id, exclude=env.message_id)
        if known is not None or parent:
            env.in_reply_to = parent or (known or {}).get("_id")
            env.references = (known or {}).get("references", [])
            env.thread_subject = (known or {}).get("subject")
        if env.in_reply_to:
            env.references = await self.with_our_thread(message.contact_id, env, list(env.references))
        bcc: list[str] = []
        invite = await self.invites.booked(message)
        if invite is not None:
            env.invite = invite_ics(invite, now)
            env.cancel = cancel_ics(invite, now)
        else:  # a cancel by message or a refusal dropped the booked demo: both calendars lose it
            env.cancel = await self.invites.withdrawn(message, now)
        if env.invite is not None or env.cancel is not None:
            bcc.append(self.settings.sales_team_email)
        return env, bcc

    async def with_our_thread(self, contact_id: str, env: Envelope, references: list[str]) -> list[str]:
        """A reply matched by sender only carries none of our ids: put our latest mail to the
        contact at the head of References, so the answer joins the thread we started."""
        ours = f"@{domain_of(self.sender_email)}>"
        if any(ref.lower().endswith(ours) for ref in [*references, env.in_reply_to or ""]):
            return references
        latest = await self.index.latest_for(contact_id, exclude=env.message_id, direction="out")
        return [latest["_id"], *references] if latest is not None else references

    def one_click_url(self, contact_id: str) -> str | None:
        """The RFC 8058 https link, when PUBLIC_BASE_URL and UNSUBSCRIBE_SECRET are both set."""
        base, secret = self.settings.public_base_url, self.settings.unsubscribe_secret
        if not base or secret is None or not secret.get_secret_value():
            return None
        return unsubscribe_url(base, contact_id, secret.get_secret_value())

    # --- sending -------------------------------------------------------------------------------
    async def send(self, message: OutboundMessage) -> SendResult:
        now = self.clock.now()
        if wait := await self.deferral(message, now):
            # not a failed try: give back the attempt the claim counted
            await self.store.outbox.give_back_attempt(message.key)
            return SendResult(ok=False, retry_after_s=wait[0], error=wait[1])
        env, bcc = await self.envelope(message, now)
        data = to_bytes(build_email(message, env))
        references = reference_chain(env.references, env.in_reply_to)
        await self.index.remember(env.message_id, contact_id=message.contact_id if message.kind != "team" else None,
                                  direction="out", key=message.key, references=references,
                                  subject=message.subject, at=now)
        result = await self.smtp(message.key, env.message_id, [message.to, *bcc], data, env.sender_email)
        if result.ok:
            await self.copy_to_sent(data, env.message_id)
        return result

    async def smtp(self, key: str, message_id: str, recipients: list[str], data: bytes,
                   sender: str | None = None) -> SendResult:
        email = self.email
        user, password = email.smtp_login()
        client = aiosmtplib.SMTP(hostname=email.smtp_host, port=email.smtp_port, use_tls=email.smtp_ssl,
                                 start_tls=email.smtp_starttls and not email.smtp_ssl, timeout=email.smtp_timeout_s)
        stage = "connect"
        try:
            await client.connect()
            if user:
                stage = "auth"
                await client.login(user, password or "")
            stage = "envelope"
            await client.mail(sender or self.sender_email)
            for address in recipients:
                try:
                    await client.rcpt(address)
                except aiosmtplib.SMTPRecipientRefused as exc:
                    if address == recipients[0]:
                        raise
                    log.warning("extra recipient %s refused: %s %s", address, exc.code, exc.message)
            await self.store.outbox.set_progress(key, smtp_started_at=self.clock.now(), message_id=message_id)
            stage = "data"
            await client.data(data)
        except aiosmtplib.SMTPResponseException as exc:
            return await self.refused(key, stage, exc.code, exc.message)
        except (aiosmtplib.SMTPException, OSError) as exc:
            reason = f"{type(exc).__name__}: {exc}"
            if stage == "data":  # DATA went out; the server may have accepted it
                log.error("outbox %s: connection lost after DATA (%s); not retried", key, reason)
                return SendResult(ok=False, permanent=True,
                                  error=f"uncertain: connection lost after the message data was sent ({reason})")
            await self.clear_started(key)
            return SendResult(ok=False, error=f"SMTP {stage}: {reason}")
        finally:
            with contextlib.suppress(Exception):
                await client.quit()
        log.info("outbox %s sent as %s", key, message_id)
        return SendResult(ok=True, provider_id=message_id)

    async def refused(self, key: str, stage: str, code: int, text: str) -> SendResult:
        """A definite answer: nothing was accepted. 4xx (and login/connect trouble) retry; 5xx fail."""
        await self.clear_started(key)
        reason = f"SMTP {stage}: {code} {text}".strip()
        if stage in ("connect", "auth"):
            return SendResult(ok=False, error=reason, retry_after_s=AUTH_RETRY_S if stage == "auth" else None)
        return SendResult(ok=False, error=reason, permanent=500 <= code < 600)

    async def clear_started(self, key: str) -> None:
        await self.store.outbox.clear_progress(key, "smtp_started_at")

    async def copy_to_sent(self, data: bytes, message_id: str) -> None:
        """APPEND the sent bytes to the Sent folder (what `was_delivered` looks for)."""
        if not self.email.imap_configured:
            return
        folder = self.email.imap_sent_folder
        try:
            async with imap_session(self.email) as client:
                response = await client.append(data, mailbox=folder, flags=r"(\Seen)")
                if response.result != "OK" and "TRYCREATE" in last_text(response).upper():
                    await client.create(folder)
                    response = await client.append(data, mailbox=folder, flags=r"(\Seen)")
                if response.result != "OK":
                    log.warning("copy of %s to %s failed: %s", message_id, folder, last_text(response))
        except Exception as exc:  # the message is sent; only the crash check loses its evidence
            log.warning("copy of %s to %s failed: %s", message_id, folder, exc)

    async def was_delivered(self, message: OutboundMessage) -> bool | None:
        """After a crash: False = never reached DATA (send it), True = in Sent, None = cannot tell."""
        doc = await self.store.outbox.get(message.key) or {}
        if not doc.get("smtp_started_at"):
            return False
        if not self.email.imap_configured:
            return None
        return True if await self.in_sent(doc.get("message_id") or self.message_id(message)) else None

    async def in_sent(self, message_id: str) -> bool:
        async with imap_session(self.email) as client:
            await select(client, self.email.imap_sent_folder)
            response = await client.uid_search("HEADER", "Message-ID", f'"{message_id}"', charset=None)
            return response.result == "OK" and bool(search_uids(response))


async def run_email_sender(store: Store, channel: EmailChannel, clock: Clock, stop: asyncio.Event,
                           poll_s: float = 1.0) -> None:
    """The sender loop for email: like `agent.sending.run_sender`, paused while the daily limit is hit."""
    indexed = False

    async def step() -> bool:
        nonlocal indexed
        if not indexed:
            await channel.index.ensure_indexes()
            indexed = True
        if await channel.sent_today(clock.now()) >= channel.total_limit(clock.now()):
            return False
        return await send_one(store, channel, clock)

    await LoopGuard("sender email", report=store.health.report, logger=log).run(step, stop, idle_s=poll_s)

