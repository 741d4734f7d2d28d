"""The learned second layer: where the rules are not certain, the intent classifier trained on the
phrase bank (`evals/phrases/`, `agent/understanding/classifier.py`) names the intent.

The rules stay for what they are sure of (opt-out, /start, auto-reply and bounce flags, dates,
entities, topics); the classifier generalises to how people really write, where hand-written
patterns only know the phrasings they were written for. It never decides an opt-out (that is the
stop detector's job, `stop_signal.py`) nor a channel flag.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from agent.understanding import classifier
from agent.understanding import patterns as p
from agent.understanding.calendar_ru import normalize
from agent.understanding.dates import names_a_time, pause_until, resolve_when
from agent.understanding.entities import extract_person
from agent.understanding.morphology import sentences
from agent.understanding.schema import Understanding

# Intents the classifier may name; the others come from certain rules or the channel.
CONVERSATIONAL = frozenset({"interested", "question", "presentation", "demo", "referral", "pause",
                            "not_interested", "other"})
# Where the rules are unsure, the classifier's top label names the intent, however likely: on
# out-of-fold predictions of the training split (2026-12-03) the rules-mode reader scored
# 90.9 / 90.8 / 90.7 / 90.1 % with this floor at 0.0 / 0.3 / 0.4 / 0.5.
OVERRIDE_AT = 0.0
# The learned layer decides when the model is needed: a reading is `certain` (settled without the
# model, see `agent/nodes/understand.py settled_without_model`) only when the classifier names the
# same intent as the rules with at least this probability. Out-of-fold on the train split
# (2026-12-03): 621 deck/demo/pause/refusal/referral readings settled this way, 99.8 % right (1
# wrong), against 733 at 98.8 % (9 wrong) when the rules' own certainty decided. On the round-three
# bank (15,834 train messages): 2,241 settle at 0.9, 99.3 % right; 2,076 at 0.95, 99.5 %.
AGREE_AT = 0.9
# A question on a topic the rules know is answered from its template unless the classifier reads
# `other` with at least this probability. Out-of-fold on the train split (2026-12-03, 15,834
# messages): rules-mode reader 88.9 % when the template always won; 89.61 / 89.64 / 89.48 % with
# this at 0.5 / 0.7 / 0.9 (at 0.7: 128 fewer off-topic messages answered with a product
# template, 13 more real questions handed to a person, such as «почем?»). A message with a question
# sentence of its own that the classifier reads as a question keeps its answer: 89.62 %, and an
# acknowledgement followed by a question («Получил ссылку… Что умеет ваш сервис?») is answered.
OFF_TOPIC_OVER_QUESTION = 0.7


def known_question(reading: Understanding, text: str, label: str, probability: float) -> bool:
    """A question whose topic the rules know (price, platforms, …) is answered from its template,
    unless the classifier is sure the message is something else, `other` at `OFF_TOPIC_OVER_QUESTION`
    or more (a customer's support request, «вы кто?», an offer of their own that names our topics),
    and none of its own question sentences reads as a question («Получил ссылку на бота. Что умеет
    ваш сервис?» is an acknowledgement and a question: the question is answered)."""
    if reading.intent != "question" or not reading.topics or "unknown" in reading.topics:
        return False
    if not (label == "other" and probability >= OFF_TOPIC_OVER_QUESTION):
        return True
    return any(reads_as_question(sentence) for sentence in sentences(text)
               if "?" in sentence and sentence != text.strip())


def reads_as_question(sentence: str) -> bool:
    label, probability = classifier.predict(sentence)[0]
    return label == "question" and probability >= 0.5


def off_topic(reading: Understanding, text: str) -> bool:
    """An off-topic request the rules recognised by name (a job application, an SEO or app offer)
    stays off-topic: a hand-off costs a person's minute, a product answer to it looks careless. The
    rules' *default* "other" (nothing matched) is what the classifier is for."""
    return reading.intent == "other" and p.names_off_topic(p.neutralise(normalize(text)))


def backed_by_entity(reading: Understanding) -> bool:
    """A wish the rules resolved into something concrete — a demo time or day, a dated pause, a
    person to write to — is a certain reading of dates and entities: the classifier does not
    overrule it (it may only confirm it)."""
    if reading.intent == "demo":
        return bool(reading.demo_at or reading.demo_day or reading.demo_invalid)
    if reading.intent == "pause":
        return reading.pause_until is not None
    if reading.intent == "referral":  # a name or an address; «передам руководству» names nobody
        person = reading.referral
        return person is not None and bool(person.name or person.has_address())
    return False


def refine(reading: Understanding, text: str, now: datetime, tz: ZoneInfo) -> Understanding:
    """The rules' reading with the classifier's intent where the rules are unsure; the wishes the
    rules found stay, and the one the new intent implies is added so routing acts on it. The
    reading is `certain` only when both readers agree (the classifier at `AGREE_AT` or more)."""
    if reading.intent not in CONVERSATIONAL or not text.strip() or off_topic(reading, text):
        return reading
    (label, probability), *_ = classifier.predict(text)
    if known_question(reading, text, label, probability):
        return reading
    if label == reading.intent:  # two readers agree: settled without the model when the classifier is sure
        return reading.model_copy(update={"certain": probability >= AGREE_AT})
    if label not in CONVERSATIONAL or probability < OVERRIDE_AT or backed_by_entity(reading):
        return reading.model_copy(update={"certain": False})
    update: dict[str, object] = {"intent": label, "certain": False}
    if label == "presentation":
        update["wants_presentation"] = True
    elif label == "demo" and not reading.wants_demo:
        when = resolve_when(text, now, tz)
        update.update(wants_demo=True, demo_at=when.at, demo_day=when.day if not when.at else None,
                      demo_until=when.until, demo_invalid=when.invalid)
        if reading.topics == ["unknown"] and reading.question:  # «а послезавтра после обеда?» asks for a time
            asked = [s for s in sentences(reading.question) if not names_a_time(s, now, tz)]
            update.update(question=" ".join(asked) or None, topics=["unknown"] if asked else [])
    elif label == "pause" and not reading.wants_pause:
        update.update(wants_pause=True, pause_until=pause_until(text, now, tz))
    elif label == "question" and not reading.topics:
        update["topics"] = ["unknown"]
    elif label == "referral" and reading.referral is None:  # the person and the addresses the message gives
        update["referral"] = extract_person(text)
    return reading.model_copy(update=update)
