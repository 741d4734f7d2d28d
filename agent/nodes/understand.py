"""understand: rules first (certain answers win, opt-out above all), then one model call."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langgraph.runtime import Runtime

from agent.context import AgentContext
from agent.nodes.compose import reply_language
from agent.state import ConversationState
from agent.tools import effects
from agent.understanding import learned, rules
from agent.understanding.new_address import NewAddress, own_new_address, without_move
from agent.understanding.reading import read_with_model
from agent.understanding.redirect import stop_and_refer
from agent.understanding.schema import Understanding
from agent.understanding.stop_signal import StopVerdict, stop_outcome
from agent.understanding.zones import MOSCOW, named_zone

RULES_ENOUGH = {"presentation", "demo", "pause", "not_interested", "referral"}
MOVABLE = {"interested", "question", "presentation", "demo", "other"}  # what the rest of a move message may ask


async def understand(state: ConversationState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    ctx = runtime.context
    event, contact = state["event"], state["contact"]
    reckoned = reckoned_in(ctx, event, contact)
    if reckoned:  # «в 11 по Новосибирску»: read the times in that zone, and answer in it from now on
        contact = {**contact, "timezone": reckoned}
    cached = event.get("meta", {}).get("understanding")
    if cached:  # a replay after a crash reads the message exactly as the first try did
        return {"understanding": cached["reading"], "handoff_reason": cached.get("handoff_reason"),
                **with_zone(contact, reckoned)}
    text, flags = event.get("text", ""), list(event.get("flags", []))
    now, tz = ctx.now(), ctx.tz(contact)
    reading: Understanding | None = rules.detect_certain(text, flags, now, tz)
    handoff_reason = None
    by_rules: Understanding | None = None
    verdict = stop_outcome(text) if reading is None or reading.intent != "opt_out" else None
    redirect = None
    if reading is None:
        by_rules = learned.refine(rules.classify(text, now, tz, flags), text, now, tz)
        redirect = stop_and_refer(verdict, by_rules) if verdict is not None else None
        if ctx.llm is None or redirect or settled_without_model(by_rules):
            reading = by_rules
        else:
            reading, handoff_reason = await read_with_model(ctx, state, text, now, tz)
    if reading.intent != "opt_out" and verdict is not None:
        if redirect and by_rules is not None:  # "stop writing to me, write to X": no person is needed for either wish
            reading, handoff_reason = by_rules.model_copy(update={"opt_out_redirect": redirect}), None
        elif by_rules is not None and contact.get("status") not in ("handoff", "opted_out") and (
                moved := own_new_address(text, by_rules, verdict, contact.get("email"))):
            if reading is by_rules and reading.wants_pause and verdict.band == "none":
                # «ящик в декабре отключат, пишите мне на новый: …» is not «write in December»
                rest = without_move(text, moved.email)
                reading = without_false_pause(reading, learned.refine(rules.classify(rest, now, tz, flags), rest, now, tz))
            reading, handoff_reason = to_new_address(reading, moved, verdict, contact, handoff_reason)
        elif verdict.band != "none":  # possible: send nothing, a person decides
            reading = reading.model_copy(update={"opt_out_possible": verdict.reason})
    # one detector for the whole conversation: a short «ok» keeps the language the client writes in
    reading = reading.model_copy(update={"language": reply_language(state)})
    dumped = reading.model_dump(mode="json")
    update: dict[str, Any] = {"understanding": dumped, "handoff_reason": handoff_reason}
    # deliver caches it on the inbox event (before the move: a replay must not re-read against the moved contact)
    if reading.source == "llm" or handoff_reason or reading.new_address:
        update["effects"] = [effects.RememberReading(reading=dumped, handoff_reason=handoff_reason)]
    return {**update, **with_zone(contact, reckoned, update.get("effects", []))}


def reckoned_in(ctx: AgentContext, event: dict[str, Any], contact: dict[str, Any]) -> str | None:
    """The zone a client message names for its times, when it is not the contact's zone already."""
    if event.get("kind") != "message":
        return None
    zone = named_zone(str(event.get("text") or ""))
    if zone is None or zone.key in (MOSCOW, ctx.tz(contact).key):  # «по мск»: converted, the contact keeps its zone
        return None
    return zone.key


def with_zone(contact: dict[str, Any], reckoned: str | None, turn_effects: Sequence[Any] = ()) -> dict[str, Any]:
    """The state update that moves the contact to the zone they reckon in: this turn and after."""
    if reckoned is None:
        return {}
    return {"contact": contact, "effects": [*turn_effects, effects.contact_update(order=0, timezone=reckoned)]}


def to_new_address(reading: Understanding, moved: NewAddress, verdict: StopVerdict, contact: dict[str, Any],
                   handoff_reason: str | None) -> tuple[Understanding, str | None]:
    """The client's own new email («мой новый адрес: …»): with no stop signal the conversation moves
    there, once; beside a live stop signal («сюда больше не пишите») it is a possible stop and a
    person decides, as does a second move. The person is given the one command that moves it."""
    if verdict.band == "none" and not contact.get("former_emails"):
        return reading.model_copy(update={"new_address": moved.email, "new_address_stop_here": moved.stop_here}), \
            handoff_reason
    command = move_command(contact["_id"], moved)
    if verdict.band == "none":
        former = ", ".join(contact["former_emails"])
        return reading, f"клиент снова даёт новый адрес {moved.email} (прежние: {former}). {command}"
    why = f"{verdict.reason}; клиент дал свой новый адрес {moved.email}. Если это не отказ: {command}"
    return reading.model_copy(update={"opt_out_possible": why}), handoff_reason


def without_false_pause(reading: Understanding, rest: Understanding) -> Understanding:
    """The rules' reading without a pause that only the words giving the new address made (their
    «пишите» beside a date); `rest` is the reading of the message without those words."""
    if rest.wants_pause:
        return reading
    intent = reading.intent if reading.intent != "pause" else rest.intent if rest.intent in MOVABLE else "other"
    return reading.model_copy(update={"wants_pause": False, "pause_until": None, "intent": intent})


def move_command(contact_id: str, moved: NewAddress) -> str:
    """What a person runs to move the conversation to the client's own new email."""
    stop_old = " --stop-old" if moved.stop_here else ""
    return (f"Перевести на него: sales-agent contacts move-email {contact_id} {moved.email}{stop_old}, "
            f"затем sales-agent contacts give-back {contact_id}")


def settled_without_model(reading: Understanding) -> bool:
    """A confident rules reading that needs no written answer: a plain request for the deck, a
    definite demo time, a dated pause, a refusal. Questions always go to the model."""
    return reading.certain and reading.intent in RULES_ENOUGH and not reading.topics and not reading.question


def reading_of(state: ConversationState) -> Understanding:
    return Understanding.model_validate(state["understanding"])
