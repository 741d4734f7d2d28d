"""The learned layer: where the rules are unsure the classifier names the intent, and a reading is
settled without the model only when both readers agree."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from agent.nodes.understand import settled_without_model
from agent.understanding import learned, rules

TZ = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=TZ)
DECK = "Пришлите, пожалуйста, презентацию."


def _refined(monkeypatch, text, label, probability):
    rest = (1.0 - probability) / 2
    others = [i for i in ("other", "question", "interested") if i != label][:2]
    monkeypatch.setattr(learned.classifier, "predict",
                        lambda _text: [(label, probability), (others[0], rest), (others[1], rest)])
    return learned.refine(rules.classify(text, NOW, TZ), text, NOW, TZ)


def test_the_rules_read_a_plain_deck_request():
    assert rules.classify(DECK, NOW, TZ).intent == "presentation"


@pytest.mark.parametrize(("probability", "settled"), [(0.99, True), (0.9, True), (0.8, False)])
def test_settled_without_the_model_only_when_the_classifier_agrees_and_is_sure(monkeypatch, probability, settled):
    reading = _refined(monkeypatch, DECK, "presentation", probability)
    assert reading.intent == "presentation"
    assert settled_without_model(reading) is settled


def test_a_disagreeing_classifier_names_the_intent_and_the_model_is_asked(monkeypatch):
    reading = _refined(monkeypatch, DECK, "demo", 0.6)
    assert reading.intent == "demo" and reading.wants_demo
    assert not settled_without_model(reading)


def test_a_classifier_label_the_rules_never_take_from_it_leaves_the_reading_unsettled(monkeypatch):
    reading = _refined(monkeypatch, DECK, "auto_reply", 0.95)
    assert reading.intent == "presentation"
    assert not settled_without_model(reading)


def test_a_demo_time_the_rules_resolved_is_not_overruled(monkeypatch):
    text = "Можем созвониться в четверг в 15:00."
    reading = _refined(monkeypatch, text, "other", 0.6)
    assert reading.intent == "demo" and reading.demo_at is not None
    assert not settled_without_model(reading)  # the readers disagree: the model may look again


def test_a_referral_the_rules_resolved_to_a_person_is_not_overruled(monkeypatch):
    text = "Это не ко мне, напишите Марии, maria@example.com"
    reading = _refined(monkeypatch, text, "other", 0.8)
    assert reading.intent == "referral" and reading.referral is not None and reading.referral.email


@pytest.mark.parametrize("text", ["Спасибо, передам руководству.", "ок передала"])
def test_a_referral_that_names_nobody_is_the_classifiers_to_read(monkeypatch, text):
    assert rules.classify(text, NOW, TZ).intent == "referral"  # «передам» with nobody to write to
    assert _refined(monkeypatch, text, "other", 0.8).intent == "other"
    assert _refined(monkeypatch, text, "referral", 0.8).intent == "referral"


@pytest.mark.parametrize(("label", "probability", "intent"), [
    ("other", learned.OFF_TOPIC_OVER_QUESTION, "other"),  # sure it is off-topic: a person reads it
    ("other", learned.OFF_TOPIC_OVER_QUESTION - 0.01, "question"),  # unsure: the template answers
    ("interested", 0.95, "question"),  # only `other` overrules a known topic
])
def test_a_question_on_a_known_topic_keeps_its_template_unless_sure_it_is_off_topic(monkeypatch, label,
                                                                                   probability, intent):
    text = "Мы ваши клиенты, у меня не открывается отчёт, подскажите, что с ценой в этом месяце?"
    assert rules.classify(text, NOW, TZ).topics  # the rules see a known topic
    assert _refined(monkeypatch, text, label, probability).intent == intent


def test_an_acknowledgement_with_a_question_of_its_own_keeps_the_answer(monkeypatch):
    """The whole message may read as `other` (an acknowledgement); its own question sentence is
    still answered."""
    text = "Здравствуйте! Получил ссылку на бота в письме. Что умеет ваш сервис?"
    whole = [("other", 0.96), ("question", 0.02), ("interested", 0.02)]
    monkeypatch.setattr(learned.classifier, "predict",
                        lambda t: [("question", 0.99), ("other", 0.01)] if t == "Что умеет ваш сервис?" else whole)
    assert learned.refine(rules.classify(text, NOW, TZ), text, NOW, TZ).intent == "question"
    monkeypatch.setattr(learned.classifier, "predict", lambda t: whole)  # no sentence reads as a question
    assert learned.refine(rules.classify(text, NOW, TZ), text, NOW, TZ).intent == "other"


def test_a_referral_only_the_classifier_sees_carries_the_person_the_message_names(monkeypatch):
    text = ("Игорь на связи. Решения по маркетингу у нас принимает Дарья Кононова, d.kononova@puls-fitness.ru — "
            "лучше сразу к ней.")
    reading = _refined(monkeypatch, text, "referral", 0.9)
    assert reading.intent == "referral" and reading.referral is not None
    assert (reading.referral.name, reading.referral.email) == ("Дарья Кононова", "d.kononova@puls-fitness.ru")


def test_a_name_with_no_trigger_before_it_is_the_one_next_to_the_address() -> None:
    from agent.understanding.entities import find_person_name

    assert find_person_name("Игорь на связи. У нас этим Дарья Кононова заведует, d.kononova@puls.ru") == "Дарья Кононова"
    assert find_person_name("Please don't write to me, I only volunteer on Sundays. Margaret runs it: m@x.org") == "Margaret"


@pytest.mark.parametrize(("text", "until"), [
    ("Мы сейчас работаем с другим сервисом, но договор заканчивается в марте. Тогда и поговорим.", "2027-03-01"),
    ("Пингуйте меня 21 декабря", "2026-12-21"),
    ("Please send the deck and ping me again on December 21", "2026-12-21"),
    ("Маякните мне 15 января, тогда обсудим", "2027-01-15"),
])
def test_a_later_talk_on_a_named_day_is_a_pause_not_a_refusal_or_a_call(text, until):
    reading = learned.refine(rules.classify(text, NOW, TZ), text, NOW, TZ)
    assert reading.intent in ("pause", "presentation") and reading.wants_pause and not reading.wants_demo
    assert str(reading.pause_until) == until
