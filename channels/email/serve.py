"""The email channel's loops: the IMAP listener and the SMTP sender, until `stop`."""

from __future__ import annotations

import asyncio
import logging

from agent.clock import Clock
from agent.settings import Settings
from agent.store import Store
from channels.email.settings import EmailSettings

log = logging.getLogger("channels.email")


async def serve_email(store: Store, settings: Settings, email: EmailSettings, clock: Clock, stop: asyncio.Event,
                      listen: bool = True, send: bool = True) -> None:
    """Run the listener and/or the email sender until `stop` (also used by `sales-agent run`)."""
    from channels.email.listener import ImapListener
    from channels.email.sender import EmailChannel, run_email_sender

    tasks = []
    parts = [f"listening to {email.imap_mailbox} on {email.imap_host}:{email.imap_port}" if listen else "",
             f"sending through {email.smtp_host}:{email.smtp_port} as {settings.sender_email}" if send else ""]
    log.info("email: %s", ", ".join(p for p in parts if p))
    if listen:
        tasks.append(asyncio.create_task(ImapListener(store, settings, email, clock).run(stop)))
    if send:
        channel = EmailChannel(store, settings, email, clock)
        tasks.append(asyncio.create_task(run_email_sender(store, channel, clock, stop)))
    await asyncio.gather(*tasks)
