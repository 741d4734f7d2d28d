"""The pipeline: funnel, outcomes per week, time to first reply; filters by batch, tag and dates."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response

from agent.settings import Settings
from web.deps import DeskDep, StoreDep, Viewer, render
from web.pipeline_stats import PipelineFilter, pipeline

router = APIRouter(tags=["pipeline"])


def _day(text: str, settings: Settings, end: bool = False) -> datetime | None:
    try:
        day = datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        return None
    start = datetime.combine(day, time(), ZoneInfo(settings.default_timezone))
    return start + timedelta(days=1) if end else start


@router.get("/pipeline")
async def pipeline_page(request: Request, user: Viewer, desk: DeskDep, store: StoreDep, batch: str = "",
                        tag: str = "", since: str = "", until: str = "") -> Response:
    flt = PipelineFilter(batch=batch, tag=tag, since=_day(since, desk.settings),
                         until=_day(until, desk.settings, end=True))
    data = await pipeline(store, flt)
    return render(request, "pipeline.html", {
        "user": user, "data": data, "chart": data.chart_data(), "batch": batch, "tag": tag, "since": since,
        "until": until, "batches": await store.contacts.distinct_values("import_batch"),
        "tags": await store.contacts.distinct_values("tags")})
