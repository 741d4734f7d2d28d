"""`sales-agent email check`: log in to IMAP and SMTP with the configured settings and say, in one
line per server, what works or what is wrong (host, port, TLS, auth). Passwords are never shown."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from dataclasses import dataclass

import aiosmtplib

from channels.email.greeting import answering_protocol, swapped_hint
from channels.email.listener import ImapError, connect, last_text, select
from channels.email.settings import EmailSettings

GREETING_TIMEOUT_S = 3.0


@dataclass
class CheckLine:
    server: str
    ok: bool
    text: str

    def __str__(self) -> str:
        return f"{self.server}: {'ok' if self.ok else 'FAILED'} — {self.text}"


def network_reason(exc: BaseException, tls: str, timeout: float) -> str:
    """A one-line cause for a connection failure, with the setting most likely to fix it."""
    if isinstance(exc, socket.gaierror):
        return "cannot resolve the host name (check the *_HOST setting)"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (wrong port, or the server is down)"
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return f"TLS failed ({getattr(exc, 'reason', None) or exc}); does {tls} match this port?"
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return f"no answer within {timeout:.0f} s (firewall, or TLS setting not matching the port: {tls})"
    return f"{type(exc).__name__}: {exc}"


async def check_imap(email: EmailSettings) -> CheckLine:
    tls = f"IMAP_SSL={'true' if email.imap_ssl else 'false'}"
    server = f"IMAP {email.imap_host}:{email.imap_port} {'SSL' if email.imap_ssl else 'plain'}"
    if not email.imap_configured:
        return CheckLine("IMAP", False, "not configured: set IMAP_HOST, IMAP_USER and IMAP_PASSWORD")
    server += f", user {email.imap_user}"
    answered = await answering_protocol(email.imap_host or "", email.imap_port, email.imap_ssl,
                                        min(GREETING_TIMEOUT_S, email.imap_timeout_s))
    if hint := swapped_hint(email.imap_port, "IMAP", answered):
        return CheckLine(server, False, hint)
    try:
        client = await connect(email)
    except ImapError as exc:
        return CheckLine(server, False, str(exc))
    except Exception as exc:
        return CheckLine(server, False, network_reason(exc, tls, email.imap_timeout_s))
    try:
        await select(client, email.imap_mailbox)
        notes = [f"logged in, {email.imap_mailbox} opened",
                 "IDLE supported" if client.has_capability("IDLE") else "no IDLE: polling every "
                 f"{email.imap_poll_s:.0f} s"]
        status = await client.status(email.imap_sent_folder, "(MESSAGES)")
        if status.result == "OK":
            notes.append(f"Sent folder {email.imap_sent_folder!r} found")
        else:
            notes.append(f"Sent folder {email.imap_sent_folder!r} missing ({last_text(status)}); it is created "
                         "on the first send, or set IMAP_SENT_FOLDER")
        return CheckLine(server, True, ", ".join(notes))
    except ImapError as exc:
        return CheckLine(server, False, str(exc))
    except Exception as exc:
        return CheckLine(server, False, network_reason(exc, tls, email.imap_timeout_s))
    finally:
        with contextlib.suppress(Exception):
            await client.logout()


async def check_smtp(email: EmailSettings) -> CheckLine:
    mode = "SSL" if email.smtp_ssl else "STARTTLS" if email.smtp_starttls else "plain"
    tls = f"SMTP_SSL={'true' if email.smtp_ssl else 'false'}, SMTP_STARTTLS={'true' if email.smtp_starttls else 'false'}"
    if not email.smtp_configured:
        return CheckLine("SMTP", False, "not configured: set SMTP_HOST (and SMTP_PORT, SMTP_USER, SMTP_PASSWORD)")
    user, password = email.smtp_login()
    server = f"SMTP {email.smtp_host}:{email.smtp_port} {mode}" + (f", user {user}" if user else ", no AUTH")
    answered = await answering_protocol(email.smtp_host or "", email.smtp_port, email.smtp_ssl,
                                        min(GREETING_TIMEOUT_S, email.smtp_timeout_s))
    if hint := swapped_hint(email.smtp_port, "SMTP", answered):
        return CheckLine(server, False, hint)
    client = aiosmtplib.SMTP(hostname=email.smtp_host, port=email.smtp_port, use_tls=email.smtp_ssl,
                             start_tls=email.smtp_starttls and not email.smtp_ssl, timeout=email.smtp_timeout_s)
    try:
        await client.connect()
        if user:
            await client.login(user, password or "")
        await client.noop()
        return CheckLine(server, True, "logged in" if user else "connected (no SMTP_USER: sending without AUTH)")
    except aiosmtplib.SMTPAuthenticationError as exc:
        return CheckLine(server, False, f"login failed: {exc.code} {exc.message}")
    except aiosmtplib.SMTPResponseException as exc:
        return CheckLine(server, False, f"server said {exc.code} {exc.message}")
    except (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPTimeoutError, aiosmtplib.SMTPServerDisconnected,
            OSError) as exc:
        cause = exc.__cause__ if isinstance(exc.__cause__, OSError) else exc
        return CheckLine(server, False, network_reason(cause, tls, email.smtp_timeout_s))
    except aiosmtplib.SMTPException as exc:  # e.g. STARTTLS asked for but not offered
        return CheckLine(server, False, f"{str(exc).rstrip('.')} (check {tls})")
    finally:
        with contextlib.suppress(Exception):
            await client.quit()


async def check_all(email: EmailSettings) -> list[CheckLine]:
    return list(await asyncio.gather(check_imap(email), check_smtp(email)))
