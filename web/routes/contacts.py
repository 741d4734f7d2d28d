"""Contacts: filter by status, stage, channel, tag and batch; search; keyset pages on an index."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from functools import partial

from fastapi import APIRouter, Request
from fastapi.responses import Response

from agent.store import Store
from agent.store.contact_pages import ContactQuery
from agent.store.contacts import CONTACT_STATUSES
from web.deps import Desk, DeskDep, StoreDep, Viewer, render

router = APIRouter(tags=["contacts"])
CHANNELS = ("email", "telegram", "console")
PAGE_SIZE = 50


def encode_key(key: tuple[datetime, str]) -> str:
    return base64.urlsafe_b64encode(f"{key[0].isoformat()}|{key[1]}".encode()).decode().rstrip("=")


def decode_key(text: str) -> tuple[datetime, str] | None:
    if not text:
        return None
    try:
        at, _, cid = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode().partition("|")
        return datetime.fromisoformat(at), cid
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None


@router.get("/contacts")
async def contacts_page(request: Request, user: Viewer, desk: DeskDep, store: StoreDep, status: str = "",
                        stage: str = "", channel: str = "", tag: str = "", batch: str = "", q: str = "",
                        after: str = "", before: str = "") -> Response:
    filters = {"status": status, "stage": stage, "channel": channel, "tags": tag, "import_batch": batch}
    query = ContactQuery(filters=filters, search=q[:100], after=decode_key(after), before=decode_key(before),
                         limit=PAGE_SIZE)
    page = await store.contacts.page(query)
    params = {k: v for k, v in {"status": status, "stage": stage, "channel": channel, "tag": tag, "batch": batch,
                                "q": q}.items() if v}
    return render(request, "contacts.html", {
        "user": user, "page": page, "params": params,
        "next_key": encode_key(page.key(page.rows[-1])) if page.rows and page.has_next else "",
        "prev_key": encode_key(page.key(page.rows[0])) if page.rows and page.has_prev else "",
        "statuses": CONTACT_STATUSES, "channels": CHANNELS, **await menus(desk, store), "settings": desk.settings})


async def menus(desk: Desk, store: Store) -> dict[str, list[str]]:
    """Stages, tags and import batches for the filter menus (cached for a few minutes)."""
    values: dict[str, list[str]] = {}
    for name, field_ in (("stages", "stage"), ("tags", "tags"), ("batches", "import_batch")):
        values[name] = await desk.menus.get(name, partial(store.contacts.distinct_values, field_))
    return values
