"""Which protocol answers on a port: read the server's first line before speaking to it.

IMAP and SMTP servers both speak first ("* OK …" / "220 …"), so a swapped IMAP_PORT and SMTP_PORT
shows in a second, instead of a client waiting its whole timeout for a greeting it cannot read.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import ssl

SMTP_GREETING = re.compile(rb"^[2-5]\d\d[ -]")
GREETINGS: tuple[tuple[str, re.Pattern[bytes]], ...] = (
    ("IMAP", re.compile(rb"^\* (OK|PREAUTH|BYE)\b", re.IGNORECASE)),
    ("POP3", re.compile(rb"^\+OK\b")),
    ("SMTP", SMTP_GREETING),
)


def protocol_of(line: bytes) -> str | None:
    return next((name for name, pattern in GREETINGS if pattern.match(line)), None)


async def first_line(host: str, port: int, use_tls: bool, timeout: float) -> bytes | None:
    """The server's greeting line, or None when nothing readable came within `timeout`."""
    context: ssl.SSLContext | None = None
    if use_tls:
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # only reading the greeting
    writer: asyncio.StreamWriter | None = None
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, ssl=context, server_hostname=host if use_tls else None), timeout)
        return await asyncio.wait_for(reader.readline(), timeout) or None
    except ssl.SSLError:
        return await first_line(host, port, False, timeout) if use_tls else None
    except (OSError, TimeoutError):
        return None
    finally:
        if writer is not None:
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 1.0)


async def answering_protocol(host: str, port: int, use_tls: bool, timeout: float = 3.0) -> str | None:
    """"IMAP", "SMTP", "POP3", or None (nothing answered, or something else did)."""
    line = await first_line(host, port, use_tls, timeout)
    return protocol_of(line) if line else None


def swapped_hint(port: int, expected: str, answered: str | None) -> str | None:
    """The one-line diagnosis when another protocol answered on this port."""
    if answered is None or answered == expected:
        return None
    if {expected, answered} == {"IMAP", "SMTP"}:
        return f"port {port} answered like {answered}: did you swap IMAP_PORT and SMTP_PORT?"
    return f"port {port} answered like {answered}, not {expected}: check {expected}_PORT"
