"""Signed one-click unsubscribe tokens (RFC 8058 links in outreach emails).

A token is `<contact id, base64url>.<HMAC-SHA256 of the contact id, base64url>` under
`UNSUBSCRIBE_SECRET`. It names exactly one contact: changing the id part breaks the signature, so a
token cannot be forged or reused for another contact. No secret, no valid token.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(contact_id: str, secret: str) -> bytes:
    return hmac.new(secret.encode("utf-8"), contact_id.encode("utf-8"), hashlib.sha256).digest()


def make_token(contact_id: str, secret: str) -> str:
    if not secret:
        raise ValueError("UNSUBSCRIBE_SECRET is not set")
    return f"{_b64(contact_id.encode('utf-8'))}.{_b64(_mac(contact_id, secret))}"


def verify_token(token: str, secret: str) -> str | None:
    """The contact id the token was made for, or None (malformed, forged, or no secret)."""
    if not secret or token.count(".") != 1 or len(token) > 512:
        return None
    id_part, mac_part = token.split(".")
    try:
        contact_id = _unb64(id_part).decode("utf-8")
        given = _unb64(mac_part)
    except (binascii.Error, ValueError):
        return None
    if not contact_id or not hmac.compare_digest(given, _mac(contact_id, secret)):
        return None
    return contact_id
