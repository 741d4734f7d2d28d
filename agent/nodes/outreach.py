"""outreach: the first message, personalised from the contact's fields."""

from __future__ import annotations

import re
from typing import Any

from langgraph.runtime import Runtime

from agent.context import AgentContext
from agent.nodes.compose import reply_language
from agent.state import ConversationState
from agent.tools import deep_links, effects
from agent.tools.cadence import cadence_timer
from agent.tools.outbox import address_for
from agent.tools.personalise import company_of, industry_hint


async def telegram_invite(ctx: AgentContext, contact: dict[str, Any]
                          ) -> tuple[str, effects.IssueTelegramLink | None] | None:
    """The contact's Telegram deep link for the email, and the effect that stores a new token
    (None when an unused one is reused); None when there is no bot or it makes no sense for them."""
    config = ctx.deep_links
    if config is None or contact.get("status") == "opted_out":
        return None
    if contact.get("telegram_chat_id") or "telegram" in contact.get("unreachable", []):
        return None
    username = await deep_links.bot_username(ctx.store, config)
    if not username:
        return None
    if token := await ctx.store.telegram_links.usable(contact["_id"], ctx.now()):
        return deep_links.link_url(username, token), None
    token = deep_links.new_token()
    return deep_links.link_url(username, token), effects.IssueTelegramLink(token=token, ttl_days=config.ttl_days)


async def outreach(state: ConversationState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    ctx = runtime.context
    contact = state["contact"]
    if contact.get("status") not in ("new", "active") or contact.get("outreach_sent_at"):
        return {"skip": "outreach already sent or contact not open"}
    channel = contact.get("channel") or "console"
    if address_for(contact, channel) is None or channel in contact.get("unreachable", []):
        # e.g. a Telegram handle with no chat yet: a bot cannot write first; the lead must /start it
        return {
            "skip": f"no reachable address on {channel}",
            "effects": [effects.contact_update(stage=f"awaiting_{channel}_start" if channel == "telegram"
                                               else "unreachable"), effects.no_timer()],
        }
    lang = reply_language(state)  # the contact's own language, Russian unless set
    company = contact.get("company") or ctx.prompts.words(lang)["your_company"]
    if contact.get("referred_by"):
        text = ctx.prompts.render("outreach_referral", lang,
                                  referrer_name=contact.get("referrer_name") or ctx.prompts.words(lang)["colleague"],
                                  company=company)
    else:
        hint = industry_hint(ctx.prompts, contact.get("company"))
        text = re.sub(r" {2,}", " ", ctx.prompts.render("outreach", lang, company=company, industry_hint=hint,
                                                        company_of=company_of(ctx.prompts, contact.get("company"))))
    subject = ctx.prompts.render("outreach_subject", lang, company=company)
    parts = [effects.part(text, "answer")]
    turn_effects: list[effects.BaseEffect] = []
    if channel == "email" and (invite := await telegram_invite(ctx, contact)):
        url, issue = invite
        parts.append(effects.part(ctx.prompts.render("telegram/email_invite", lang, telegram_link=url), "offer"))
        turn_effects += [issue] if issue else []
    return {
        "actions": [],
        "parts": parts,
        "followups_sent": 0,
        "effects": [
            effects.contact_update(status="active", stage="outreach_sent", outreach_sent_at=ctx.now(),
                                   thread_subject=subject),
            effects.fact("outreach_sent"),
            cadence_timer(ctx, state),
            effects.subject(subject),
            *turn_effects,
        ],
    }
