"""Signed per-contact unsubscribe tokens (RFC 8058 one-click links).

`make_token` is used when a mail is composed; `verify_token` by the web endpoint that receives the
one-click POST. The token is `<contact id>.<signature>`: HMAC-SHA256 of the contact id under
`UNSUBSCRIBE_SECRET`, base64url without padding. A token signed for one contact never verifies
for another, and comparison is constant-time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote

SEPARATOR = "."
CONTEXT = b"seed-unsubscribe-v1:"


def _signature(contact_id: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), CONTEXT + contact_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def make_token(contact_id: str, secret: str) -> str:
    """The token for this contact (URL-safe when the contact id is)."""
    if not secret:
        raise ValueError("UNSUBSCRIBE_SECRET is empty")
    return f"{contact_id}{SEPARATOR}{_signature(contact_id, secret)}"


def verify_token(token: str, secret: str) -> str | None:
    """The contact id the token was made for, or None when it is forged, altered or malformed."""
    if not secret or SEPARATOR not in token:
        return None
    contact_id, _, signature = token.rpartition(SEPARATOR)
    if not contact_id:
        return None
    if not hmac.compare_digest(signature.encode(), _signature(contact_id, secret).encode()):
        return None
    return contact_id


def unsubscribe_url(base_url: str, contact_id: str, secret: str) -> str:
    """`<base>/u/<token>`: the one-click address for this contact."""
    return f"{base_url.rstrip('/')}/u/{quote(make_token(contact_id, secret), safe='')}"
