"""refer: the client named the right person. Only addresses the client wrote count (a model's
invented one is dropped); each is validated, never the agent's own address or domain, never a
suppressed one; one new contact per valid address, within the limits per message and per
conversation. The reply says what really happened; a thread with a new contact is closed."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import AgentContext
from agent.nodes.compose import reply_language
from agent.nodes.hold import held
from agent.nodes.understand import reading_of
from agent.state import ConversationState
from agent.store.contacts import ADDRESS_FIELDS, normalise_address
from agent.store.suppressions import opt_out_addresses
from agent.tools import effects
from agent.tools.cadence import cadence_timer
from agent.tools.contacts import plan_referral

ENDED = ("closed", "opted_out")


async def refer(state: ConversationState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    ctx = runtime.context
    contact, reading = state["contact"], reading_of(state)
    person = reading.referral
    name = (person.name if person else None) or ""
    text = state["event"].get("text", "") or ""
    lang = reply_language(state)
    words = ctx.prompts.words(lang)
    settings = ctx.settings
    made = int(contact.get("referrals_made") or 0)
    room = min(settings.referral_max_per_message, settings.referral_max_per_conversation - made)
    if contact.get("status") in ENDED:
        room = 0  # a closed or opted-out conversation creates no one
    plan = plan_referral(text, person, sender_email=settings.sender_email, room=room)
    # a writer who asked us to stop is never a new contact under an address they already have
    own = set(opt_out_addresses(contact)) if reading.opt_out_redirect else set()
    people = []
    for fields in plan.people:  # a read, not a write: deliver checks the suppression list again
        keys = [f"{f}:{normalise_address(f, fields[f])}" for f in ADDRESS_FIELDS if fields.get(f)]
        address = fields.get("email") or fields.get("telegram") or fields.get("phone") or ""
        if own & set(keys):
            plan.refused.append((address, "own"))
        elif await ctx.store.suppressions.any_suppressed(keys):
            plan.refused.append((address, "suppressed"))
        else:
            people.append(fields)
    refused = ", ".join(address for address, _ in plan.refused)
    facts = [effects.fact("referral_checked", created=len(people), refused=[list(r) for r in plan.refused],
                          invented=plan.invented)]
    if reading.opt_out_redirect:
        return suppress_and_refer(state, ctx, people, common_fields(contact, text), made, facts)
    if not people:
        if plan.refused:
            text_out = ctx.prompts.render("refer_refused", lang, addresses=refused,
                                          referral_name=name or words["colleague_of"])
        else:
            text_out = ctx.prompts.render("refer_no_address", lang, referral_name=name or words["colleague_to"])
        return {"parts": [effects.part(text_out, "ack")],
                "effects": [cadence_timer(ctx, state), effects.fact("replied", intent="referral"), *facts]}
    common = common_fields(contact, text)
    calls: list[Any] = []
    if len(people) == 1 and not (people[0].get("email") or people[0].get("telegram")):
        # a phone only: no channel the agent can write on, so a person calls (the contact waits for them)
        only = people[0]
        shown = only.get("name") or only["phone"]
        text_out = ctx.prompts.render("refer_phone", lang, referral_name=shown)
        calls.append(effects.notify_team("refer_call_team", referral_name=only.get("name") or "—",
                                         phone=only["phone"], last_message=text[:1000]))
    elif len(people) == 1:
        only = people[0]
        shown = only.get("name") or only.get("email") or only.get("telegram") or words["colleague_to"]
        text_out = ctx.prompts.render("refer_thanks", lang, referral_name=shown)
    else:
        addresses = ", ".join(p.get("email") or p.get("telegram") or p.get("phone") or "" for p in people)
        text_out = ctx.prompts.render("refer_thanks_many", lang, addresses=addresses)
    if plan.refused:
        text_out += "\n\n" + ctx.prompts.render("refer_partly_refused", lang, addresses=refused)
    return {
        "actions": ["create_contact"],
        "parts": [effects.part(text_out, "ack"), effects.part(ctx.prompts.render("refer_closing", lang), "close")],
        "effects": [
            *new_contacts(people, common),
            effects.contact_update(order=3, status="closed", stage="referred", outcome="referral",
                                   referrals_made=made + len(people)),
            effects.no_timer(),
            *facts,
            *calls,
        ],
    }


def common_fields(contact: dict[str, Any], text: str) -> dict[str, Any]:
    """What every contact created from this referral carries over."""
    return {
        "company": contact.get("company"),
        "timezone": contact.get("timezone"),
        "referred_by": contact["_id"],
        "referrer_name": contact.get("name"),
        "referral_note": text[:1000],
        "source": "referral",
    }


def new_contacts(people: list[dict[str, Any]], common: dict[str, Any]) -> list[effects.CreateContact]:
    return [effects.create_contact({**{k: v for k, v in p.items() if v is not None}, **common,
                                    "name": p.get("name") or None}, slot=i)
            for i, p in enumerate(people)]


def suppress_and_refer(state: ConversationState, ctx: AgentContext, people: list[dict[str, Any]],
                       common: dict[str, Any], made: int, facts: list[Any]) -> dict[str, Any]:
    """"Stop writing to me, write to X": the sender is suppressed on every channel and gets nothing,
    not even a thanks; X is created and written to. When no address of X can be used (invalid, ours,
    suppressed or the sender's own), or the message names several people (one of them may be the
    writer at another address), a person decides, as for any possible stop."""
    reason = reading_of(state).opt_out_redirect or ""
    if not people or len(people) > 1:  # what was checked is recorded either way
        why = "адрес того, кого назвали, использовать нельзя" if not people else \
            "названо несколько адресов, кому писать — решает человек"
        hold = held(state, f"{reason}; {why}")
        return {**hold, "effects": [*hold["effects"], *facts]}
    return {
        "actions": ["opt_out", "create_contact"],
        "effects": [
            effects.suppress(),
            *new_contacts(people, common),
            effects.contact_update(order=9, status="opted_out", stage="opted_out", outcome="referral",
                                   opted_out_at=ctx.now(), referrals_made=made + len(people)),
            effects.fact("opted_out", via="redirect", reason=reason, text=state["event"].get("text", "")[:500]),
            effects.notify_team("redirect_team", reason=reason, last_message=state["event"].get("text", "")[:1000],
                                referral=", ".join(p.get("email") or p.get("telegram") or p.get("phone") or ""
                                                   for p in people)),
            effects.no_timer(),
            *facts,
        ],
    }
