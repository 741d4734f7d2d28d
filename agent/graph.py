"""The conversation graph: one thread per contact. This module only wires nodes and routes.

load_context → understand → route → action nodes (one or several) → compose → guard → review → deliver
Timers, outreach and restarts enter at load_context as inbox events like client messages.
"""

from __future__ import annotations

from typing import Any, Literal

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from agent.clock import aware
from agent.context import AgentContext
from agent.nodes.acknowledge import acknowledge
from agent.nodes.book_demo import book_demo
from agent.nodes.close import close
from agent.nodes.compose import compose
from agent.nodes.deliver import deliver
from agent.nodes.follow_up import follow_up
from agent.nodes.guard import guard
from agent.nodes.handoff import handoff
from agent.nodes.hold import hold
from agent.nodes.load_context import load_context
from agent.nodes.moved import moved
from agent.nodes.operator_reply import operator_reply
from agent.nodes.opt_out import opt_out
from agent.nodes.opted_out_wrote import opted_out_wrote
from agent.nodes.outreach import outreach
from agent.nodes.pause import pause
from agent.nodes.pitch import pitch
from agent.nodes.present import present
from agent.nodes.refer import refer
from agent.nodes.restart import restart
from agent.nodes.review import review
from agent.nodes.thank import thank
from agent.nodes.to_telegram import to_telegram
from agent.nodes.understand import understand
from agent.state import ConversationState, InputState
from agent.understanding.calendar_ru import normalize
from agent.understanding.dates import booked_shift, slot_by_position
from agent.understanding.entities import own_telegram
from agent.understanding.patterns import (
    DECK,
    DECK_SEND,
    DEMO,
    asks_to_buy,
    is_acknowledgement,
    is_positive_reaction,
    is_thanks,
)
from agent.understanding.promise import promises_reply
from agent.understanding.schema import Understanding

ActionNode = Literal[
    "pitch", "present", "book_demo", "refer", "pause", "opt_out", "handoff", "hold", "close", "restart", "to_telegram",
    "opted_out_wrote", "thank", "moved", "deliver",
]
TimerNode = Literal["outreach", "follow_up", "close"]
TIMER_NODES: dict[str, TimerNode] = {"outreach": "outreach", "follow_up": "follow_up", "pause_end": "follow_up",
                                     "close": "close"}
ConversationGraph = CompiledStateGraph[ConversationState, AgentContext, InputState, ConversationState]


def route_after_load_context(
    state: ConversationState,
) -> Literal["understand", "outreach", "follow_up", "close", "restart", "acknowledge", "operator_reply", "__end__"]:
    if state.get("skip"):
        return "__end__"
    event = state["event"]
    if event["kind"] == "timer":
        return TIMER_NODES[event.get("timer_kind") or "follow_up"]
    if event["kind"] == "outreach":
        return "outreach"
    if event["kind"] == "restart":
        return "restart"
    if event["kind"] == "notice":
        return "acknowledge"
    if event["kind"] == "operator":
        return "operator_reply"
    return "understand"


def event_text(state: ConversationState) -> str:
    """The client's words in this event ("" for events without text)."""
    return str((state.get("event") or {}).get("text") or "")


def has_booking(contact: dict[str, Any]) -> bool:
    return contact.get("stage") == "demo_booked" and bool(contact.get("demo_at"))


# a reading that is never a wish about the call, whatever words it shares with one
NOT_ABOUT_THE_CALL = ("opt_out", "not_interested", "referral", "bounce", "auto_reply")


def thanks_after_booking(state: ConversationState, reading: Understanding) -> bool:
    """A plain thanks or «приглашение получил» from a contact with a booked demo."""
    contact = state["contact"]
    if not has_booking(contact):
        return False
    if reading.demo_at or reading.demo_day or reading.demo_invalid:  # a new time: a reschedule
        return False
    if reading.wants_presentation or reading.wants_pause or reading.referral or reading.question:
        return False
    return reading.intent in ("other", "interested", "demo") and _acknowledges(event_text(state))


def _acknowledges(text: str) -> bool:
    return is_acknowledgement(normalize(text)) or is_positive_reaction(text)


def acknowledged_just_now(state: ConversationState) -> bool:
    """This message only acknowledges, and so did the client's previous one, which the agent answered
    last: «спасибо» → our answer → 👍 ends there, without a reply (no ping-pong of thanks)."""
    history = state.get("history") or []
    if len(history) < 3 or [h.get("role") for h in history[-3:]] != ["client", "agent", "client"]:
        return False
    return _acknowledges(str(history[-1].get("text") or "")) and _acknowledges(str(history[-3].get("text") or ""))


def bare_acknowledgement(state: ConversationState, reading: Understanding) -> bool:
    """«Ок», «понял», 👍 read as `other`, with nothing asked or wished: a short answer (the deck and
    the demo offered again if the deck has not gone out) and the usual cadence, not a hand-off."""
    if (reading.intent != "other" or reading.question or reading.topics or reading.wants_demo
            or reading.wants_presentation or reading.wants_pause or reading.referral or reading.demo_day):
        return False
    return _acknowledges(event_text(state))


def plain_thanks(state: ConversationState, reading: Understanding) -> bool:
    """A thanks or «презентацию получил» at any stage: a short human answer, not a hand-off and not
    the deck again (every word is from the acknowledgement vocabulary, so nothing is asked)."""
    if reading.demo_at or reading.demo_day or reading.demo_invalid or reading.wants_pause or reading.referral:
        return False
    text = event_text(state)
    return (reading.intent in ("other", "interested", "demo", "presentation")
            and not reading.question and is_thanks(normalize(text)))


def promised_reply(state: ConversationState, reading: Understanding) -> bool:
    """«Посмотрю и отпишусь», «I'll get back to you»: nothing asked, nothing wished but to write
    again later; a short answer and the usual cadence, not a hand-off and not another pitch. After
    the deck was sent, «посмотрю презентацию и вернусь с вопросами» is such a promise too, not a
    request for the deck again (unless it asks to send something: «пришлите ещё раз»)."""
    text = event_text(state)
    deck_in_hand = (reading.wants_presentation and bool(state["contact"].get("deck_sent_at"))
                    and not DECK_SEND.search(normalize(text)))
    undated_pause = reading.wants_pause and reading.pause_until is None and deck_in_hand  # «вернусь с вопросами»
    if (reading.question or reading.topics or reading.wants_demo or (reading.wants_presentation and not deck_in_hand)
            or (reading.wants_pause and not undated_pause) or reading.referral or reading.demo_at or reading.demo_day
            or reading.demo_invalid):
        return False
    return (reading.intent in ("other", "interested") or deck_in_hand) and promises_reply(text)


def question_about_booked_call(state: ConversationState, reading: Understanding) -> bool:
    """«А кто будет на звонке с вашей стороны?», «к встрече нужно что-то подготовить?» with a demo
    booked: no new time, no topic the answers cover — the booking stands and the manager who runs
    the call answers (book_demo), instead of a hand-off or «уточню у специалиста»."""
    if not has_booking(state["contact"]):
        return False
    if (reading.demo_at or reading.demo_day or reading.demo_invalid or reading.wants_presentation
            or reading.wants_pause or reading.referral or set(reading.topics) - {"unknown"}):
        return False
    text = event_text(state)
    return (reading.intent in ("other", "question", "demo") and "?" in text
            and DEMO.search(normalize(text)) is not None)


def picks_a_proposed_slot(state: ConversationState, reading: Understanding) -> bool:
    """«Первый подходит», «давайте вариант 3» after slots were proposed: a booking, whatever else
    the words alone look like."""
    offered = state["contact"].get("proposed_slots") or []
    if not offered or reading.intent in NOT_ABOUT_THE_CALL:
        return False
    return slot_by_position(normalize(event_text(state)), [aware(s) for s in offered]) is not None


def shifts_the_booked_call(state: ConversationState, reading: Understanding) -> bool:
    """«А можно на полчаса позже?» with a demo booked: a move of the booking by that much."""
    if not has_booking(state["contact"]) or reading.intent in NOT_ABOUT_THE_CALL:
        return False
    return booked_shift(normalize(event_text(state))) is not None


def route_after_understand(state: ConversationState) -> list[ActionNode]:
    """The action nodes for this message; several run side by side for a mixed message."""
    reading = Understanding.model_validate(state["understanding"])
    intent, status = reading.intent, state["contact"].get("status")
    if intent == "opt_out":
        return ["opt_out"]
    if intent == "restart":
        return ["deliver"] if status == "opted_out" else ["restart"]
    if reading.opt_out_redirect and status not in ("handoff", "opted_out"):
        return ["refer"]  # "stop writing to me, write to X": the sender is suppressed, X is written to
    if reading.opt_out_possible and status not in ("handoff", "opted_out") and intent != "bounce":
        return ["hold"]  # maybe a request to stop: nothing is sent, a person decides
    if intent in ("bounce", "auto_reply"):  # never answered
        if intent == "auto_reply":
            return ["pause"] if reading.pause_until else ["deliver"]
        return ["close"]
    if status == "opted_out":  # send nothing; only the contact can lift it, so a person is told
        return ["opted_out_wrote"]
    if status == "handoff":  # a person has the thread: record, do not reply
        return ["deliver"]
    nodes = action_nodes(state, reading)
    if reading.new_address:  # the client's own new email: the reply and the conversation move there
        plain = not state.get("handoff_reason")
        nodes = [n for n in nodes if n not in ("thank", "refer") and not (n == "handoff" and plain)]
        nodes.append("moved")
    return nodes


def action_nodes(state: ConversationState, reading: Understanding) -> list[ActionNode]:
    """What the message asks for, for a contact the agent may answer."""
    intent = reading.intent
    if (not state.get("handoff_reason") and intent not in ("opt_out", "not_interested") and reading.referral is None
            and not state["contact"].get("telegram_chat_id")
            and own_telegram(event_text(state))):
        return ["to_telegram"]  # «мой телеграм @ivan, там быстрее отвечу»
    if not state.get("handoff_reason") and (thanks_after_booking(state, reading) or plain_thanks(state, reading)
                                              or promised_reply(state, reading) or bare_acknowledgement(state, reading)):
        return ["deliver"] if acknowledged_just_now(state) else ["thank"]
    if not state.get("handoff_reason") and (question_about_booked_call(state, reading)
                                            or picks_a_proposed_slot(state, reading)
                                            or shifts_the_booked_call(state, reading)):
        return ["book_demo"]
    said = normalize(event_text(state))
    if (not state.get("handoff_reason") and intent not in ("opt_out", "not_interested") and not reading.wants_demo
            and asks_to_buy(said)):
        # «пришлите договор и счёт»: a person closes the deal; a deck named beside it still goes
        return ["present", "handoff"] if reading.wants_presentation and DECK.search(said) else ["handoff"]
    if state.get("handoff_reason") or intent == "other":
        return ["handoff"]
    if intent == "referral":  # «пишите Сергею @…, а мне пришлите презентацию»: the deck goes out too
        return ["refer", "present"] if reading.wants_presentation else ["refer"]
    if intent == "not_interested":
        return ["close"]
    nodes: list[ActionNode] = []
    if reading.wants_demo or intent == "demo":
        nodes.append("book_demo")
    if reading.wants_presentation or intent == "presentation":
        nodes.append("present")
    if intent == "pause" or (reading.wants_pause and (reading.pause_until or not nodes)):
        nodes.append("pause")
    if intent in ("question", "interested") or (reading.topics and intent != "pause"):
        nodes.append("pitch")
    return nodes or ["pitch"]


def build_graph(checkpointer: BaseCheckpointSaver | None = None) -> ConversationGraph:
    builder = StateGraph(ConversationState, context_schema=AgentContext, input_schema=InputState)
    for node in (load_context, understand, acknowledge, operator_reply, outreach, follow_up, close, restart, pitch,
                 present, book_demo, refer, pause, opt_out, handoff, hold, opted_out_wrote, thank, moved, to_telegram,
                 compose, guard,
                 review,
                 deliver):
        builder.add_node(node)
    builder.add_edge(START, "load_context")
    builder.add_conditional_edges("load_context", route_after_load_context)
    builder.add_conditional_edges("understand", route_after_understand)
    for name in ("acknowledge", "operator_reply", "outreach", "follow_up", "close", "restart", "pitch", "present",
                 "book_demo", "refer", "pause", "opt_out", "handoff", "hold", "opted_out_wrote", "thank", "moved",
                 "to_telegram"):
        builder.add_edge(name, "compose")
    builder.add_edge("compose", "guard")
    builder.add_edge("guard", "review")
    builder.add_edge("review", "deliver")
    builder.add_edge("deliver", END)
    return builder.compile(checkpointer=checkpointer)
