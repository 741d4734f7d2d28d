"""Copy a whole store to another MongoDB (`sales-agent db copy --to URI`), e.g. from the laptop's
embedded server to a production replica set.

Every collection is copied, LangGraph's checkpoints included, in batches of upserts by `_id`, so
running it again is safe and fills in what a stopped run missed. Suppressions go first: if the
copy stops half-way, the target already knows every opt-out. The target gets the agent's indexes
(`Store.init`) and every index the source has. Then each collection is verified: document counts,
and a sample of documents compared field by field. Stop the agent's processes before copying.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pymongo import ReplaceOne
from pymongo.asynchronous.database import AsyncDatabase

FIRST = ("suppressions", "contacts", "inbox", "outbox", "timers", "events")
SKIP_INDEX_KEYS = ("v", "ns", "key", "name", "background")


@dataclass
class CollectionReport:
    name: str
    source: int = 0
    target: int = 0
    copied: int = 0
    sampled: int = 0
    mismatched: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.source == self.target and not self.mismatched


Progress = Callable[[str, int, int], None]  # (collection, documents done, documents in it)


def copy_order(names: list[str]) -> list[str]:
    """Suppressions first, then the agent's main collections, then the rest by name."""
    present = [n for n in names if not n.startswith("system.")]
    return [n for n in FIRST if n in present] + sorted(n for n in present if n not in FIRST)


async def copy_indexes(source: AsyncDatabase, target: AsyncDatabase, name: str) -> int:
    created = 0
    for index_name, spec in (await source[name].index_information()).items():
        if index_name == "_id_":
            continue
        options = {k: v for k, v in spec.items() if k not in SKIP_INDEX_KEYS}
        await target[name].create_index(list(spec["key"]), name=index_name, **options)
        created += 1
    return created


async def copy_collection(source: AsyncDatabase, target: AsyncDatabase, name: str, batch: int,
                          progress: Progress | None = None) -> int:
    total = await source[name].count_documents({})
    copied = 0
    ops: list[ReplaceOne] = []
    async for doc in source[name].find({}).sort("_id", 1).batch_size(batch):
        ops.append(ReplaceOne({"_id": doc["_id"]}, doc, upsert=True))
        if len(ops) >= batch:
            await target[name].bulk_write(ops, ordered=False)
            copied += len(ops)
            ops = []
            if progress:
                progress(name, copied, total)
    if ops:
        await target[name].bulk_write(ops, ordered=False)
        copied += len(ops)
    if progress:
        progress(name, copied, total)
    return copied


def differences(a: dict[str, Any], b: dict[str, Any] | None) -> list[str]:
    """Field names whose values differ (missing document: ['<missing>'])."""
    if b is None:
        return ["<missing>"]
    return sorted(k for k in a.keys() | b.keys() if a.get(k, ...) != b.get(k, ...))


async def verify_collection(source: AsyncDatabase, target: AsyncDatabase, name: str, sample: int,
                            rng: random.Random) -> CollectionReport:
    report = CollectionReport(name, await source[name].count_documents({}), await target[name].count_documents({}))
    if report.source == 0:
        return report
    picks = sorted(set(rng.sample(range(report.source), min(sample, report.source))))
    for skip in picks:
        async for doc in source[name].find({}).sort("_id", 1).skip(skip).limit(1):
            other = await target[name].find_one({"_id": doc["_id"]})
            report.sampled += 1
            if diff := differences(doc, other):
                report.mismatched.append(f"{doc['_id']}: {', '.join(diff)}")
    return report


async def copy_store(source: AsyncDatabase, target: AsyncDatabase, *, batch: int = 500, sample: int = 20,
                     progress: Progress | None = None, seed: int | None = None) -> list[CollectionReport]:
    """Copy every collection of `source` into `target`, then verify. The caller creates the agent's
    indexes on the target first (`Store.init`)."""
    names = copy_order(await source.list_collection_names())
    copied: dict[str, int] = {}
    for name in names:
        await copy_indexes(source, target, name)
        copied[name] = await copy_collection(source, target, name, batch, progress)
    rng = random.Random(seed)
    reports = []
    for name in names:
        report = await verify_collection(source, target, name, sample, rng)
        report.copied = copied[name]
        reports.append(report)
    return reports
