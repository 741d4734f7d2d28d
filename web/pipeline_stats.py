"""The pipeline page's figures from `events` and `contacts`: the funnel with conversion per step,
outcomes per week, and time to first reply. Filters: import batch, tag, date range."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from agent.store import Store

STEPS = (("contacted", "outreach_sent"), ("replied", "replied"), ("deck sent", "deck_sent"),
         ("demo booked", "demo_booked"))
OUTCOMES = (("demo", "demo_booked"), ("referral", "referral_created"), ("pause", "paused"),
            ("opt-out", "opted_out"), ("silent, closed", "closed"), ("bounced", "bounced"), ("hand-off", "handoff"))
REPLY_BUCKETS = ((1, "< 1 h"), (4, "1–4 h"), (24, "4–24 h"), (72, "1–3 days"), (float("inf"), "> 3 days"))


@dataclass
class PipelineFilter:
    batch: str = ""
    tag: str = ""
    since: datetime | None = None
    until: datetime | None = None


@dataclass
class Pipeline:
    contacts: int
    steps: list[dict[str, Any]]
    outcomes: list[dict[str, Any]]
    weeks: list[str] = field(default_factory=list)
    weekly: dict[str, list[int]] = field(default_factory=dict)
    reply_hours_p50: float | None = None
    reply_hours_p90: float | None = None
    reply_buckets: list[int] = field(default_factory=list)

    def chart_data(self) -> dict[str, Any]:
        return {"funnel": {"labels": [s["label"] for s in self.steps], "counts": [s["count"] for s in self.steps]},
                "weekly": {"labels": self.weeks, "series": self.weekly},
                "reply": {"labels": [b[1] for b in REPLY_BUCKETS], "counts": self.reply_buckets}}


async def _scope(store: Store, flt: PipelineFilter) -> set[str] | None:
    """The contact ids the filter keeps (None: every contact)."""
    query = {k: v for k, v in (("import_batch", flt.batch), ("tags", flt.tag)) if v}
    if not query:
        return None
    return await store.contacts.ids_where(query)


def _week(at: datetime) -> str:
    monday = (at - timedelta(days=at.weekday())).date()
    return monday.isoformat()


async def pipeline(store: Store, flt: PipelineFilter) -> Pipeline:
    scope = await _scope(store, flt)
    types = {t for _, t in STEPS} | {t for _, t in OUTCOMES}
    events = [e for e in await store.events.of_types(types, flt.since, flt.until)
              if scope is None or e["contact_id"] in scope]
    reached: dict[str, set[str]] = {t: set() for t in types}
    first: dict[tuple[str, str], datetime] = {}
    for e in events:
        reached[e["type"]].add(e["contact_id"])
        first.setdefault((e["type"], e["contact_id"]), e["at"])
    total = len(scope) if scope is not None else sum((await store.contacts.count_by_status()).values())
    steps, previous = [], total
    for label, type_ in STEPS:
        count = len(reached[type_])
        steps.append({"label": label, "count": count, "of_previous": _pct(count, previous), "of_all": _pct(count, total)})
        previous = count
    contacted = len(reached["outreach_sent"])
    outcomes = [{"label": label, "count": len(reached[t]), "of_contacted": _pct(len(reached[t]), contacted)}
                for label, t in OUTCOMES]
    result = Pipeline(contacts=total, steps=steps, outcomes=outcomes)
    _weekly(result, events)
    _reply_times(result, first)
    return result


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _weekly(result: Pipeline, events: list[dict[str, Any]]) -> None:
    labels = {t: label for label, t in OUTCOMES}
    counts: dict[str, dict[str, int]] = {}
    for e in events:
        if e["type"] in labels:
            counts.setdefault(_week(e["at"]), {}).setdefault(labels[e["type"]], 0)
            counts[_week(e["at"])][labels[e["type"]]] += 1
    result.weeks = sorted(counts)
    result.weekly = {label: [counts[w].get(label, 0) for w in result.weeks] for label, _ in OUTCOMES}


def _reply_times(result: Pipeline, first: dict[tuple[str, str], datetime]) -> None:
    hours = []
    for (type_, contact_id), replied_at in first.items():
        sent_at = first.get(("outreach_sent", contact_id))
        if type_ == "replied" and sent_at is not None and replied_at >= sent_at:
            hours.append((replied_at - sent_at).total_seconds() / 3600)
    result.reply_buckets = [0] * len(REPLY_BUCKETS)
    for h in hours:
        result.reply_buckets[next(i for i, (limit, _) in enumerate(REPLY_BUCKETS) if h < limit)] += 1
    if hours:
        result.reply_hours_p50 = round(statistics.median(hours), 1)
        result.reply_hours_p90 = round(statistics.quantiles(hours, n=10)[-1], 1) if len(hours) > 1 else result.reply_hours_p50
