"""Pages of contacts for the web desk: filters, search and keyset pagination that stay fast at
10,000+ contacts on the embedded server as well as on MongoDB.

Newest first by (`created_at`, `_id`). A page never skips over earlier rows: it starts at the
previous page's last key. The embedded server examines every document an index range matches
(it does not stop at `limit`) and an `$or` defeats the index, so a page is read through bounded
windows of `created_at` on an index — 10 s, then 8× wider each time until the page is full — and
the tie-break on `_id` is applied here. A page costs about what its window holds, not what the
collection holds. Search uses a multikey index on `search_terms` (lower-cased words of the name,
company, email and Telegram handle): a prefix range per word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection

FILTER_FIELDS = ("status", "stage", "channel", "tags", "import_batch")
SELECTIVE_FIRST = ("import_batch", "tags", "stage", "status", "channel")  # which index leads with two filters
SEARCH_FIELDS = ("name", "company", "email", "telegram")
LIST_FIELDS = {"name": 1, "company": 1, "email": 1, "telegram": 1, "phone": 1, "channel": 1, "status": 1,
               "stage": 1, "created_at": 1, "updated_at": 1, "next_timer": 1, "tags": 1, "import_batch": 1,
               "taken_by": 1}
FIRST_WINDOW = timedelta(seconds=10)
WIDEN = 8
MAX_WINDOWS = 9  # 10 s … ~5 years; then one query without a bound
WORD = re.compile(r"[\w@.+-]+")


def search_terms(doc: dict[str, Any]) -> list[str]:
    """The words a contact is found by (lower case): name, company, email (whole and local part),
    Telegram handle (with and without @)."""
    terms: set[str] = set()
    for name in ("name", "company"):
        terms.update(w.strip(".-") for w in WORD.findall(str(doc.get(name) or "").lower()))
    if email := str(doc.get("email") or "").lower():
        terms.update({email, email.split("@")[0]})
    if handle := str(doc.get("telegram") or "").lower():
        terms.update({handle, handle.lstrip("@")})
    return sorted(t for t in terms if t)


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
    await col.create_index([("search_terms", ASCENDING)])
    for name in FILTER_FIELDS:
        await col.create_index([(name, ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)])
    async for doc in col.find({"search_terms": {"$exists": False}}, {f: 1 for f in SEARCH_FIELDS}):
        await col.update_one({"_id": doc["_id"]}, {"$set": {"search_terms": search_terms(doc)}})


def _words(text: str) -> list[str]:
    return sorted({w.strip(".-") for w in WORD.findall(text.lower()) if w.strip(".-")}, key=len, reverse=True)


def _match(query: ContactQuery) -> dict[str, Any]:
    match: dict[str, Any] = {k: v for k, v in query.filters.items() if k in FILTER_FIELDS and v}
    if words := _words(query.search):  # the longest word through the index; the others checked here
        match["search_terms"] = {"$gte": words[0], "$lt": words[0] + "\uffff"}
    return match


def _all_words(doc: dict[str, Any], words: list[str]) -> bool:
    return all(any(t.startswith(w) for t in doc.get("search_terms", [])) for w in words[1:])


def _beyond(row: dict[str, Any], key: tuple[datetime, str], older: bool) -> bool:
    at = row["created_at"] if row["created_at"].tzinfo else row["created_at"].replace(tzinfo=UTC)
    key_at = key[0] if key[0].tzinfo else key[0].replace(tzinfo=UTC)
    if at != key_at:
        return at < key_at if older else at > key_at
    return row["_id"] < key[1] if older else row["_id"] > key[1]


def _has(row: dict[str, Any], field_: str, value: str) -> bool:
    have = row.get(field_)
    return value in have if isinstance(have, list) else have == value


async def _fetch(col: AsyncCollection, match: dict[str, Any], bound: dict[str, Any], older: bool,
                 key: tuple[datetime, str] | None, words: list[str], want: int) -> list[dict[str, Any]]:
    direction = DESCENDING if older else ASCENDING
    # With two or more filters the embedded server scans a whole index: ask it for the most
    # selective one (on its own compound index with the window) and check the others here.
    filters = [f for f in SELECTIVE_FIRST if f in match]
    extra = {f: match[f] for f in filters[1:]} if "search_terms" not in match else {}
    server = {k: v for k, v in match.items() if k not in extra}
    query = {**server, "created_at": bound} if bound else server
    cursor = col.find(query, {**LIST_FIELDS, "search_terms": 1}).sort([("created_at", direction), ("_id", direction)])
    if not extra:
        cursor = cursor.limit(want + 64)  # + ties at the key, dropped here
    elif bound:
        cursor = cursor.limit(want * 20 + 64)  # too few after the checks here: the caller widens the window
    rows = [r async for r in cursor if (key is None or _beyond(r, key, older)) and _all_words(r, words)
            and all(_has(r, f, v) for f, v in extra.items())]
    return rows[:want]


async def contact_page(col: AsyncCollection, query: ContactQuery, now: datetime | None = None) -> ContactPage:
    match, words = _match(query), _words(query.search)
    older = not (query.before is not None and query.after is None)
    key = query.after if older else query.before
    want = query.limit + 1
    if words:  # a search matches few contacts: one indexed query, no windows
        bound = {} if key is None else {"$lte" if older else "$gte": key[0]}
        rows = await _fetch(col, match, bound, older, key, words, want)
    else:
        edge = key[0] if key else (now or datetime.now(UTC))
        window, rows = FIRST_WINDOW, []
        for _ in range(MAX_WINDOWS):
            if older:
                bound = {"$gte": edge - window} | ({"$lte": key[0]} if key else {})
            else:
                bound = {"$gte": key[0] if key else edge, "$lte": edge + window}
            rows = await _fetch(col, match, bound, older, key, words, want)
            if len(rows) >= want:
                break
            window *= WIDEN
        else:
            rows = await _fetch(col, match, {"$lte": key[0]} if key and older else
                                {"$gte": key[0]} if key else {}, older, key, words, want)
    more = len(rows) > query.limit
    rows = rows[:query.limit]
    if not older:
        rows.reverse()
        return ContactPage(rows, has_next=True, has_prev=more)
    return ContactPage(rows, has_next=more, has_prev=query.after is not None)
