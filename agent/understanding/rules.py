"""The deterministic understanding layer: what rules can tell about a client message without an LLM.

`detect_certain` settles what needs no model (opt-out, Telegram /start and /stop, auto-replies and
bounces flagged by the channel); `classify` is the complete rules-mode classification used when no
LLM is configured, and marks `certain=False` whatever an LLM should look at again.
Intent of a mixed message follows INTENT_PRIORITY (opt_out > referral > demo > presentation > pause >
question > the rest); every wish is kept in the `wants_*` flags.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from agent.understanding import patterns as p
from agent.understanding.calendar_ru import normalize
from agent.understanding.dates import names_a_time, only_a_moment, pause_until, resolve_when
from agent.understanding.entities import (
    EMAIL_RE,
    PHONE_RE,
    TG_HANDLE_RE,
    TG_LINK_RE,
    extract_person,
    find_role,
)
from agent.understanding.language import language_of
from agent.understanding.schema import INTENT_PRIORITY, Person, Understanding
from agent.understanding.stop_signal import stop_outcome
from agent.understanding.topics import topics_in

_START = re.compile(r"^\s*/start(?:@\w+)?(?:\s|$)", re.IGNORECASE)
_STOP = re.compile(r"^\s*/(?:stop|unsubscribe)(?:@\w+)?(?:\s|$)", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_CERTAIN_MAX_WORDS = 30

AUTO_REPLY_FLAGS = frozenset({"auto_reply"})
BOUNCE_FLAGS = frozenset({"bounce", "bounce_soft"})
OPT_OUT_FLAGS = frozenset({"opt_out", "unsubscribe"})
RESTART_FLAGS = frozenset({"start"})  # channels/base.py InboundFlag: Telegram /start


def detect_certain(text: str, flags: Sequence[str], now: datetime, tz: ZoneInfo) -> Understanding | None:
    """Opt-out, /start, /stop, auto-reply and bounce: settled by rules alone (certain=True), else None.

    Opt-out wins over everything, flags included; then bounce, auto-reply (paused until the return
    date in its text, when there is one) and Telegram /start.
    """
    language = language_of(text)
    flag_set = set(flags)
    if _STOP.match(text) or flag_set & OPT_OUT_FLAGS or stop_outcome(text).band == "certain":
        return Understanding(intent="opt_out", language=language, certain=True)
    if flag_set & BOUNCE_FLAGS:
        return Understanding(intent="bounce", language=language, certain=True)
    if flag_set & AUTO_REPLY_FLAGS:
        until = pause_until(text, now, tz)
        return Understanding(
            intent="auto_reply",
            wants_pause=until is not None,
            pause_until=until,
            language=language,
            certain=True,
        )
    if _START.match(text) or flag_set & RESTART_FLAGS:
        return Understanding(intent="restart", language=language, certain=True)
    return None


def _referral(text: str, norm: str) -> Person | None:
    """The referred person when the client points to someone else (not their own new address)."""
    person = extract_person(text)
    named = person is not None and person.name is not None and person.has_address()
    if not (p.REFERRAL.search(norm) or (named and p.affirmed(p.POINT_TO, norm))):
        return None
    if person is None:
        return Person(role=find_role(text))
    own = [m for pattern in (EMAIL_RE, TG_LINK_RE, TG_HANDLE_RE, PHONE_RE) for m in pattern.finditer(text)]
    if not person.name and own and all(p.OWN_ADDRESS.search(normalize(text[: m.start()])) for m in own):
        return None  # «пишите мне на ivan@…»: the client's own address, not a referral
    return person


_ACTIONS = (p.DEMO, p.DECK, p.PAUSE, p.REFERRAL, p.SCHEDULING, p.MOVE_CALL)


def _asks_for_an_action(low: str) -> bool:
    """A sentence that asks for something the agent does (a call, the deck, a pause, a referral, a
    time, a move), not for an answer."""
    return any(pattern.search(low) for pattern in _ACTIONS)


# «11 или 15?», "11 or 3?": a choice of hours beside a wish for a call, not a product question
_ONLY_CLOCKS = re.compile(r"\s*(?:(?:в|at)\s+)?\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm)?\s*(?:или|либо|or)\s*(?:(?:в|at)\s+)?"
                          r"\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm)?\s*\??\s*")


def _questions(text: str, norm: str, wishes: set[str], now: datetime, tz: ZoneInfo) -> tuple[str | None, list[str]]:
    """The question sentences (client's words) and their topics; requests alone are not questions
    («а послезавтра после обеда?» beside a wish for a call asks for a time, not an answer)."""
    asked: list[str] = []
    for sentence in (s.strip() for s in _SENTENCE_END.split(text)):
        low = normalize(sentence)
        if not sentence or p.NOT_A_QUESTION.match(low):
            continue
        if "?" in sentence or p.QUESTION_START.match(low) or (p.ASK_INSIDE.search(low) and topics_in(sentence, low)):
            request_only = not topics_in(sentence, low) and (
                _asks_for_an_action(low) or _ONLY_CLOCKS.fullmatch(low) is not None or ("demo" in wishes and (
                    p.SLOT_AGREEMENT.search(low) or names_a_time(sentence, now, tz))))
            if not request_only:
                asked.append(sentence)
    if not asked:
        return None, []
    topics = topics_in(text, norm) or ["unknown"]
    if wishes & {"presentation", "demo"} and "unknown" not in topics:
        joined = " ".join(asked)
        topics = topics_in(joined, normalize(joined)) or topics
    return " ".join(asked), topics


def unanswered_questions(text: str, now: datetime, tz: ZoneInfo) -> list[str]:
    """Question sentences (with «?», four words or more) that name no known topic and ask for nothing
    the agent does (deck, demo, a time, pause, referral): beside questions answered from templates,
    these still need a person («Отчёты можно выгружать в Excel? И есть ли мобильное приложение?»)."""
    found: list[str] = []
    for sentence in (s.strip() for s in _SENTENCE_END.split(text)):
        low = normalize(sentence)
        if "?" not in sentence or sentence.startswith(">") or len(low.split()) < 4 or p.NOT_A_QUESTION.match(low):
            continue
        if topics_in(sentence, low):
            continue
        if _asks_for_an_action(low):
            continue
        if names_a_time(sentence, now, tz):  # «А можно в четверг в 15?»: a time, not a question
            continue
        found.append(sentence)
    return found


def classify(text: str, now: datetime, tz: ZoneInfo, flags: Sequence[str] = ()) -> Understanding:
    """The complete rules-mode classification of one client message (no LLM)."""
    settled = detect_certain(text, flags, now, tz)
    if settled is not None:
        return settled
    language = language_of(text)
    norm = p.neutralise(normalize(text))
    if not norm.strip():
        return Understanding(intent="other", language=language)

    wishes: set[str] = set()
    referral = _referral(text, norm)
    if referral is not None:
        wishes.add("referral")
    when = resolve_when(text, now, tz)
    named = bool(when.at or when.day or when.invalid)
    if (p.affirmed(p.DEMO, norm) or (named and p.affirmed(p.SLOT_AGREEMENT, norm))
            or (named and p.RESCHEDULE.search(norm)) or only_a_moment(text, now, tz)):
        wishes.add("demo")
    only_seen = p.DECK_SEEN.search(norm) and not p.DECK_SEND.search(norm)  # «презентацию посмотрел»
    if p.affirmed(p.DECK, norm) and p.DECK_REQUEST.search(norm) and not only_seen:
        wishes.add("presentation")
    until = pause_until(text, now, tz)
    write_later = "demo" not in wishes and until is not None and p.affirmed(p.WRITE_LATER, norm)
    same_moment = "demo" in wishes and when.at is not None and until == when.at  # «давайте через час»
    # «давайте на следующей неделе созвонимся»: the call's period, not a pause (no «напишите»)
    soon = type(until) is date and until - now.astimezone(tz).date() <= timedelta(days=14)
    call_period = "demo" in wishes and soon and not p.PAUSE_VERB.search(norm)
    if (p.PAUSE.search(norm) or write_later) and not same_moment and not call_period:
        wishes.add("pause")
    question, topics = _questions(text, norm, wishes, now, tz)
    if question is not None:
        wishes.add("question")
    if p.names_off_topic(norm) and (set(topics) <= {"company", "unknown"} or p.JOB.search(norm)):
        wishes.discard("question")
        wishes.add("other")
    if p.NOT_INTERESTED.search(norm):
        wishes.add("not_interested")
    interested = p.affirmed(p.INTERESTED, norm) is not None
    if not wishes and interested:
        wishes.add("interested")
    intent = next((i for i in INTENT_PRIORITY if i in wishes), "other")

    result = Understanding(
        intent=intent,
        wants_presentation="presentation" in wishes,
        wants_demo="demo" in wishes,
        wants_pause="pause" in wishes,
        referral=referral,
        question=question,
        topics=topics,
        language=language,
        source="rules",
    )
    if result.wants_demo:
        result.demo_at, result.demo_day = when.at, when.day
        result.demo_until, result.demo_invalid = when.until, when.invalid
        if call_period and not when.at and not when.day and type(until) is date:
            result.demo_day = until  # slots from the start of the period the client named
    if result.wants_pause:
        result.pause_until = until
    result.certain = _is_certain(result, wishes, text, interested)
    return result


def _is_certain(result: Understanding, wishes: set[str], text: str, interested: bool) -> bool:
    """Rules are sure only of a short message with one clear wish."""
    if len(wishes) != 1 or len(text.split()) > _CERTAIN_MAX_WORDS:
        return False
    intent = result.intent
    if intent == "referral":
        return bool(result.referral and result.referral.has_address())
    if intent == "question":
        return "unknown" not in result.topics
    if intent == "not_interested":
        return not interested
    return intent in ("demo", "presentation", "pause", "interested")
