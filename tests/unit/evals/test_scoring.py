"""The scorer: DIALOGS.md checks per turn, aggregated overall, per set and per intent."""

from __future__ import annotations

from datetime import date, datetime

from evals.loader import Expect, ReferralExpect
from evals.scoring import Scorer, same_pause, summarise
from evals.thresholds import breaches
from tests.unit.evals.helpers import MSK, dialog_result, reply, turn

FACTS = "Цена: зависит от числа точек; онлайн-демо 30 минут."


def scorer() -> Scorer:
    return Scorer(FACTS, max_words=120)


def test_a_turn_that_matches_everything_has_no_failures() -> None:
    expect = Expect(intent="demo", actions=frozenset({"book_demo", "send_presentation"}),
                    demo_at=datetime(2026, 11, 26, 15, tzinfo=MSK), reply=True, reply_must=("15:00",))
    got = turn(1, expect, intent="demo", actions=["send_presentation", "book_demo"],
               demo_at=datetime(2026, 11, 26, 12, 0, tzinfo=MSK).replace(hour=15),
               sent=[reply("Договорились: четверг, 15:00.")])
    summary = summarise(scorer().score([dialog_result("d1", got)]))
    assert summary.failures == []
    s = summary.overall
    assert (s.intent_accuracy, s.action_match, s.field_accuracy, s.reply_match) == (1.0, 1.0, 1.0, 1.0)
    assert s.messages_checked == 1 and s.rule_violations == 0


def test_mismatches_are_listed_with_expected_and_got() -> None:
    expect = Expect(intent="presentation", actions=frozenset({"send_presentation"}), reply=True)
    got = turn(2, expect, intent="question", actions=[], sent=[])
    failures = summarise(scorer().score([dialog_result("d2", got)])).failures
    assert [(f.dialog_id, f.turn, f.check, f.expected, f.got) for f in failures] == [
        ("d2", 2, "intent", "presentation", "question"),
        ("d2", 2, "actions", "[send_presentation]", "[]"),
        ("d2", 2, "reply", "True", "False"),
    ]


def test_invented_prices_and_other_rule_violations_are_counted() -> None:
    expect = Expect(intent="question", actions=frozenset(), reply=True, reply_must=("менеджер",),
                    reply_must_not=("скидк",))
    text = "Стоимость 15 000 руб. в месяц, а скидка 20% до пятницы."
    got = turn(1, expect, intent="question", actions=[], sent=[reply(text)], language="ru")
    s = summarise(scorer().score([dialog_result("d3", got)])).overall
    # the eval's own checker (evals/grounding.py) counts each ungrounded mark: 15, 000, руб, 20, %, пятница
    assert s.violations["price"] == 6 and s.violations["promise"] == 1
    assert s.invented_prices == 7
    assert s.violations["reply_must"] == 1 and s.violations["reply_must_not"] == 1
    assert any("invented" in line for line in breaches(s))


def test_the_eval_grounds_figures_in_the_client_words_and_the_booking() -> None:
    from datetime import datetime

    from evals.grounding import invented

    facts = "Онлайн-демо с менеджером на 30 минут."
    assert invented("Демо займёт 30 минут.", facts=facts) == []
    assert invented("Для 40 точек подойдёт.", facts=facts, client="У нас сорок точек") != []  # by form, not value
    assert invented("Для 40 точек подойдёт.", facts=facts, client="У нас 40 точек") == []
    assert invented("Ждём вас 5 марта в 15:00.", facts=facts, dates=[datetime(2026, 3, 5, 15, 0)]) == []
    assert invented("пятнадцать тысяч рублей", facts=facts) != []
    assert invented("скидка для Вас", facts=facts) == ["promise 'скидк'"]


def test_language_and_length_are_checked_on_every_client_facing_message() -> None:
    long_text = "Добрый день! " + "слово " * 130
    got = turn(1, Expect(), intent="question", language="en",
               sent=[reply("Спасибо за вопрос!"), reply(long_text), reply("team note", kind="team")])
    s = summarise(scorer().score([dialog_result("d4", got)])).overall
    assert s.messages_checked == 2  # the team note is not client-facing
    assert s.violations == {"language": 2, "length": 1}


def test_opt_out_recall_and_messages_after_opt_out() -> None:
    missed = turn(1, Expect(intent="opt_out", actions=frozenset({"opt_out"}), reply=False), intent="question",
                  actions=[], opt_out_turn=True, sent=[reply("Стоимость обсудим на демо.")])
    later = turn(2, Expect(actions=frozenset(), reply=False), kind="wait", opted_out_before=True,
                 actions=["follow_up"], sent=[reply("Напоминаю о себе."), reply("to someone else", contact="c-other")])
    s = summarise(scorer().score([dialog_result("d5", missed, later)])).overall
    assert (s.opt_out_done, s.opt_out_asked, s.opt_out_recall) == (0, 1, 0.0)
    assert s.messages_after_opt_out == 2  # the reply to the opt-out and the nudge; not the other contact
    lines = breaches(s)
    assert any("opt-out recall" in line for line in lines) and any("after opt-out" in line for line in lines)


def test_pause_dates_compare_by_day_datetimes_by_instant() -> None:
    assert same_pause(date(2026, 12, 7), date(2026, 12, 7), MSK)
    assert same_pause(date(2026, 12, 7), datetime(2026, 12, 7, 9, tzinfo=MSK), MSK)
    assert not same_pause(date(2026, 12, 7), date(2026, 12, 8), MSK)
    assert not same_pause(datetime(2026, 12, 7, 10, tzinfo=MSK), date(2026, 12, 7), MSK)
    assert same_pause(datetime(2026, 12, 7, 10, tzinfo=MSK), datetime(2026, 12, 7, 7, tzinfo=MSK).replace(hour=10), MSK)
    assert not same_pause(date(2026, 12, 7), None, MSK)


def test_referral_fields_are_normalised_before_comparing() -> None:
    expect = Expect(intent="referral", actions=frozenset({"create_contact"}),
                    referral=ReferralExpect(name="Артём Ёлкин", email="A.Elkin@Volna.ru", telegram="@Artem_E",
                                            phone="+7 (916) 123-45-67"))
    got = turn(1, expect, intent="referral", actions=["create_contact"],
               referral={"name": "артем  елкин", "email": "a.elkin@volna.ru", "telegram": "artem_e",
                         "phone": "89161234567"})
    s = summarise(scorer().score([dialog_result("d6", got)])).overall
    assert (s.referral_correct, s.referral_checked) == (4, 4)
    wrong = turn(1, expect, intent="referral", actions=["create_contact"], referral={"name": "Артёма Ёлкина"})
    failures = summarise(scorer().score([dialog_result("d7", wrong)])).failures
    assert {f.check for f in failures} == {"referral.name", "referral.email", "referral.telegram", "referral.phone"}


def test_groups_by_set_and_by_expected_intent_and_counts_llm_use() -> None:
    a = dialog_result("a", turn(1, Expect(intent="demo"), intent="demo", llm_calls=1, prompt_tokens=900,
                                completion_tokens=40, latency_s=1.5),
                      turn(2, Expect(actions=frozenset()), kind="wait", latency_s=0.5), set_name="own")
    b = dialog_result("b", turn(1, Expect(intent="question"), intent="other", latency_s=0.1), set_name="samples",
                      start=turn(0, Expect(), kind="start", sent=[reply("Добрый день!")], latency_s=9.0))
    summary = summarise(scorer().score([a, b]))
    assert set(summary.by_set) == {"own", "samples"}
    assert list(summary.by_intent) == ["question", "demo", "wait", "start"]
    assert summary.by_intent["demo"].intent_accuracy == 1.0
    assert summary.by_intent["question"].intent_accuracy == 0.0
    overall = summary.overall
    assert overall.turns == 3  # the opening outreach is not a turn for the per-turn figures
    assert overall.per_turn(overall.llm_calls) == 1 / 3
    assert overall.as_dict()["llm"]["tokens_per_turn"] == round(940 / 3, 1)
    assert overall.as_dict()["latency_s"]["max"] == 1.5


def test_a_crashed_dialog_counts_its_unrun_turns_as_failures() -> None:
    result = dialog_result("crash", turn(1, Expect(intent="demo", actions=frozenset({"book_demo"})), ran=False,
                                        errors=["not run: the dialog crashed"]))
    result.error = "RuntimeError: boom"
    summary = summarise(scorer().score([result]))
    assert summary.overall.errors == 2
    assert {f.check for f in summary.failures} == {"error", "intent", "actions"}
    assert summary.overall.intent_accuracy == 0.0


def test_thresholds_hold_for_a_clean_run() -> None:
    ok = turn(1, Expect(intent="opt_out", actions=frozenset({"opt_out"}), reply=False), intent="opt_out",
              actions=["opt_out"], opt_out_turn=True)
    assert breaches(summarise(scorer().score([dialog_result("ok", ok)])).overall) == []
