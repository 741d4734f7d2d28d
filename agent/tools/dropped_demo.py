"""A booked demo that will not happen (an opt-out, a refusal, a bounce, a cancel): the booking is
dropped from the contact, the fact recorded and the team told, so no manager waits at the call."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from agent.tools import effects
from agent.tools.calendar import format_when


def drop_demo(booked: datetime, tz: ZoneInfo, reason: str, team_template: str,
              **team_values: Any) -> tuple[dict[str, Any], list[effects.BaseEffect]]:
    """The contact fields to set and the effects (fact, team note) for dropping the booking."""
    return ({"demo_at": None, "cancelled_demo_at": booked},
            [effects.notify_team(team_template, when_text=format_when(booked, tz), **team_values),
             effects.fact("demo_cancelled", demo_at=booked.isoformat(), reason=reason)])
