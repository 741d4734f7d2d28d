"""The follow-up cadence after silence (defaults from ../shared/DIALOGS.md, all in settings):
first nudge after N working days, a second M days later, then close K days later."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from agent.tools import effects
from agent.tools.calendar import add_working_days, next_in_window

if TYPE_CHECKING:
    from agent.context import AgentContext
    from agent.state import ConversationState


def first_nudge_at(ctx: AgentContext, contact: dict[str, Any], now: datetime) -> datetime:
    tz = ctx.tz(contact)
    return next_in_window(add_working_days(now, ctx.settings.follow_up_1_working_days, tz, ctx.settings), tz,
                         ctx.settings)


def cadence_timer(ctx: AgentContext, state: ConversationState) -> effects.ScheduleTimer:
    """After the agent writes: nudge after silence, counting from now."""
    return effects.timer("follow_up", first_nudge_at(ctx, state["contact"], ctx.now()))


def after_nudge(ctx: AgentContext, contact: dict[str, Any], nudges_sent: int) -> effects.ScheduleTimer:
    """The timer after nudge number `nudges_sent` (1-based): a second nudge, then close."""
    tz, now = ctx.tz(contact), ctx.now()
    if nudges_sent < 2:
        due = next_in_window(now + timedelta(days=ctx.settings.follow_up_2_days), tz, ctx.settings)
        return effects.timer("follow_up", due)
    return effects.timer("close", now + timedelta(days=ctx.settings.close_after_days))
