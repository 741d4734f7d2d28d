"""Pages of contacts for the web desk: filters and search, keyset pagination on an index.

Newest first by (`created_at`, `_id`); the next page starts after the last row's key, the
previous page before the first row's key, so no page ever skips over earlier rows — page 400 of
10,000 contacts costs what page 1 costs. Each filter field has its own compound index ending in
(`created_at`, `_id`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection

FILTER_FIELDS = ("status", "stage", "channel", "tags", "import_batch")
SEARCH_FIELDS = ("name", "company", "email", "telegram")
LIST_FIELDS = {"name": 1, "company": 1, "email": 1, "telegram": 1, "phone": 1, "channel": 1, "status": 1,
               "stage": 1, "created_at": 1, "updated_at": 1, "next_timer": 1, "tags": 1, "import_batch": 1,
               "taken_by": 1}


@dataclass
class ContactQuery:
    filters: dict[str, str] = field(default_factory=dict)
    search: str = ""
    after: tuple[datetime, str] | None = None  # the key of the last row of the previous page
    before: tuple[datetime, str] | None = None  # the key of the first row of the next page
    limit: int = 50


@dataclass
class ContactPage:
    rows: list[dict[str, Any]]
    has_next: bool
    has_prev: bool

    def key(self, row: dict[str, Any]) -> tuple[datetime, str]:
        return row["created_at"], row["_id"]


async def ensure_page_indexes(col: AsyncCollection) -> None:
    await col.create_index([("created_at", DESCENDING), ("_id", DESCENDING)])
    for name in FILTER_FIELDS:
        await col.create_index([(name, ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)])


def _match(query: ContactQuery) -> dict[str, Any]:
    match: dict[str, Any] = {k: v for k, v in query.filters.items() if k in FILTER_FIELDS and v}
    if query.search.strip():
        pattern = re.escape(query.search.strip())
        match["$or"] = [{f: {"$regex": pattern, "$options": "i"}} for f in SEARCH_FIELDS]
    return match


def _beyond(key: tuple[datetime, str], op: str) -> dict[str, Any]:
    at, cid = key
    return {"$or": [{"created_at": {op: at}}, {"created_at": at, "_id": {op: cid}}]}


async def contact_page(col: AsyncCollection, query: ContactQuery) -> ContactPage:
    match = _match(query)
    backwards = query.before is not None and query.after is None
    if query.after is not None:
        match = {"$and": [match, _beyond(query.after, "$lt")]}
    elif query.before is not None:
        match = {"$and": [match, _beyond(query.before, "$gt")]}
    direction = ASCENDING if backwards else DESCENDING
    cursor = col.find(match, LIST_FIELDS).sort([("created_at", direction), ("_id", direction)])
    rows = [doc async for doc in cursor.limit(query.limit + 1)]
    more = len(rows) > query.limit
    rows = rows[:query.limit]
    if backwards:
        rows.reverse()
        return ContactPage(rows, has_next=True, has_prev=more)
    return ContactPage(rows, has_next=more, has_prev=query.after is not None)


async def count_matching(col: AsyncCollection, query: ContactQuery) -> int:
    return await col.count_documents(_match(query))
