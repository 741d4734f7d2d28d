"""Opt-out in three bands, and the held-out targets of the phrase bank."""

from __future__ import annotations

import subprocess
import sys

import pytest

from agent.understanding.morphology import fuzzy_lookup, lemma, parse, tokens
from agent.understanding.stop_signal import STRONG, opt_out_band, signals, stop_outcome

CERTAIN = [
    "Просьба не беспокоить",
    "Мы не нуждаемся в ваших услугах, просьба больше не писать",
    "без рассылок, спасибо",
    "я против обработки моих персональных данных, удалите их",
    "жалоба в ФАС на ваш спам",
    "No thanks, please remove me",
    "unsubscribe",
    "stop emailing me",
    "не пиши сюда",
    "бот, отстань",
    "заблокирую",
    "ОТПИШИТЕ МЕНЯ",
]
NOT_CERTAIN = [
    "Посмотрю и отпишусь",
    "Ваше письмо попало в спам",
    "Не пишите до января, сейчас не до этого",
    "Не звоните, лучше пишите на почту",
    "Можно ли удалить плохие отзывы?",
    "Есть ли защита от спам-отзывов?",
    "Удалите меня из копии, пишите Ивану: ivan@romashka.ru",
    "Случайно нажал «отписаться», верните меня",
]


@pytest.mark.parametrize("text", CERTAIN)
def test_certain(text):
    verdict = opt_out_band(text)
    assert verdict.band == "certain", verdict
    assert verdict.reason


@pytest.mark.parametrize("text", NOT_CERTAIN)
def test_near_misses_are_not_certain(text):
    assert opt_out_band(text).band != "certain"


# Round three (2026-12-03): near-miss families of the train split's out-of-fold errors. None of them
# asks us to stop, and the stop words in them are read as what they are.
NO_STOP_SIGNAL = [
    "Кнопка «отписаться» в вашем письме ведёт на пустую страницу, имейте в виду.",  # a mention
    "Хватит рассказывать — пришлите цену.",  # enough of something else
    "Хватит и того, что есть: у нас уже стоит похожий модуль в CRM. Не нужно.",
    "Нам хватит, спасибо.",
    "Перестаньте расписывать, дайте прайс на три салона.",  # stopping something else
    "Рассылку вашу получил. Ответ — нет, нам такое не нужно.",  # our mailing read
    "Простите, удалила ваше письмо не глядя. О чём оно было?",  # the client deleted our letter
    "Письмо удалено из очереди.",
    "Сначала подумал, что спам, но прочитал — и заинтересовался.",  # our letter judged as spam
    "Как я понимаю, это платная подписка. На сколько месяцев минимум?",  # a paid subscription
]
# ... while the requests themselves stay certain
STILL_CERTAIN = ["Хватит.", "хватит мне писать", "Хватит спамить!", "Перестаньте писать мне.", "Я вас удалила из контактов",
                 "Удалить мой адрес", "Рассылку получил, больше не присылайте", "Спасибо, но рассылка не нужна"]


@pytest.mark.parametrize("text", NO_STOP_SIGNAL)
def test_round_three_near_misses_have_no_stop_signal(text):
    assert not any(s.defused_by is None for s in signals(text)), signals(text)


@pytest.mark.parametrize("text", STILL_CERTAIN)
def test_round_three_requests_stay_certain(text):
    assert opt_out_band(text).band == "certain"


@pytest.mark.parametrize("text", ["Вон.", "уйди", "в игнор вас", "No. Forget us.", "zabudte moy nomer i pochtu, spasibo",
                                  "Спасибо, не нужно. Прошу в будущем не предлагать."])
def test_stops_without_a_stop_word_are_at_least_possible(text):
    assert opt_out_band(text).band in {"possible", "certain"}


def test_phrase_rules_need_the_classifier_not_to_contradict_them(monkeypatch):
    """The stop words and the phrase rules both read a stop; a classifier that reads it as something
    else (opt-out 0.05, as it does for «а отписаться потом легко?») keeps it from being a silent
    certain stop — a person decides; a classifier that does not contradict (0.5) lets it stand."""
    from agent.understanding import stop_signal

    text = "Отпишите меня от рассылки"
    monkeypatch.setattr(stop_signal.classifier, "probability", lambda _text, _intent: 0.05)
    assert stop_signal.stop_outcome(text).band == "possible"
    monkeypatch.setattr(stop_signal.classifier, "probability", lambda _text, _intent: 0.5)
    assert stop_signal.stop_outcome(text).band == "certain"


def test_plain_messages_are_none():
    assert opt_out_band("Пришлите презентацию, пожалуйста").band == "none"
    assert opt_out_band("Давайте созвонимся в четверг в 15").band == "none"


def test_morphology_tools():
    assert tokens("Ёлки, не пишите!") == ["елки", "не", "пишите"]
    assert lemma("Отпишусь") == "отписаться"
    assert fuzzy_lookup(parse("атпишите"), STRONG) == "отписать"
    assert fuzzy_lookup(parse("опишите"), STRONG) is None  # a real word is never "corrected"


def test_analyzer_is_lazy():
    code = "import agent.understanding.morphology as m, agent.understanding.stop_signal; print(m._ANALYZER is None)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


# ---- the held-out split (hash split + the fresh file): never tuned on -------------------------

# Measured on the held-out split (never tuned on); CI fails below these (regression floors).
# 2026-12-03, round three: the bank grew by 13,824 messages (s20*), a quarter of them held out, so
# "held-out" is now 5,729 messages, harder than before (hidden stops, near-misses, soft replies):
# recall and the stop-word band's precision are lower on the whole set than on the earlier 2,180,
# where every figure held or improved. The earlier set keeps its own floors (EARLIER_FLOORS), so a
# regression on like-for-like messages fails CI too. Stop 21: the reader's floors rose (0.881 → 0.898,
# 0.911 → 0.927) when an empty referral and a known-topic question the classifier reads as `other`
# became the classifier's to read (`agent/understanding/learned.py`). Stop 22: "stop writing to me,
# write to X" became a redirect (`redirect.py`), not a hold (reader 0.899 → 0.905), and the freed
# budget lowered the possible threshold 0.20 → 0.15 on train CV (recall 1,123 → 1,124 of 1,133; the
# reader, which counts a hold as opt-out, 0.905 → 0.902), and four stop-reading changes chosen on
# train made 11 more held-out stops certain (662 → 673, none false) for 4 more held (reader 0.901).
# Stop 23: a stop phrased only by the phrase rules ("take me off this thread") next to a referral is
# a redirect too (44 held-out referrals followed instead of 39; reader 0.9009 → 0.9018).
# Stop 24: the classifier's vocabulary cut is the same on every CPU (retrained: classifier 0.928 →
# 0.931, 0.936 → 0.941 on the earlier set), and with that model the train-CV rule gives the possible
# threshold 0.12 (recall 1,124 → 1,125 of 1,133; ordinary held 4.3 → 4.6 %; reader 0.9034 → 0.9011).
# Stop 26: the rules beside the classifier (a product's own app, quarters, "ping me") raised the
# reader 0.9013 → 0.9020 (0.9338 → 0.9342 on the earlier set); no other figure moved.
FLOORS = {"intent_accuracy": 0.931, "opt_out_recall": 0.992, "certain_precision": 0.910,
          "agent_intent_accuracy": 0.902, "agent_certain_share": 0.59}
EARLIER_FLOORS = {"intent_accuracy": 0.941, "opt_out_recall": 0.996, "agent_certain_precision": 0.997,
                  "agent_intent_accuracy": 0.934}
# The targets not reached yet (strict: they fail the build the day they pass). Its other
# two, certain precision ≥ 99 % and ordinary messages held ≤ 5 %, are met by what the agent acts
# on and asserted below; the stop-word band alone (`certain_precision` above) is only a floor.
TARGETS = {"intent_accuracy": 0.95, "opt_out_recall": 1.0}


def _scores(phrases):
    from evals.phrases_report import evaluate

    scores = evaluate(phrases)
    agent = scores["agent_outcome"]
    return {
        "intent_accuracy": scores["classifier"]["accuracy"],
        "agent_intent_accuracy": scores["agent_intent"]["accuracy"],
        "opt_out_recall": scores["opt_out"]["recall_certain_or_possible"],
        "certain_precision": scores["opt_out"]["certain_precision"],
        # exact, not the rounded ratio: 230 of 4,596 is over 5 % even though it rounds to 0.05
        "ordinary_in_possible": scores["opt_out"]["ordinary_in_possible_n"] / scores["opt_out"]["ordinary"],
        "agent_certain_precision": agent["certain_precision"],
        "agent_ordinary_in_possible": agent["ordinary_in_possible_n"] / agent["ordinary"],
        "agent_opt_out_recall": agent["recall_certain_or_possible"],
        # stops the agent acts on at once, without a person's minute
        "agent_certain_share": agent["opt_outs_certain"] / agent["opt_outs"],
        "agent_redirects": agent["referrals_in_redirect"],
        "agent_stops_redirected": agent["opt_outs_redirect"],
        "agent_moves": agent["ordinary_moved_n"],
        "agent_stops_moved": agent["opt_outs_moved"],
    }


@pytest.fixture(scope="module")
def heldout():
    from evals.phrase_bank import load, select

    return _scores(select(load(), "heldout", "fresh"))


@pytest.fixture(scope="module")
def heldout_earlier():
    """The held-out messages as they were before the s20 files: like-for-like with earlier rounds."""
    from evals.phrase_bank import load, select
    from evals.phrases_report import EARLIER_EXCLUDES

    return _scores([p for p in select(load(), "heldout", "fresh") if not p.source.startswith(EARLIER_EXCLUDES)])


def test_what_the_agent_acts_on_meets_the_certain_precision_and_ordinary_targets(heldout):
    """`stop_outcome` (certain only when both readers agree): a silent stop is a real stop in at
    least 99 % of held-out cases, and at most 5 % of ordinary messages are held for a person."""
    assert heldout["agent_certain_precision"] >= 0.99
    assert heldout["agent_ordinary_in_possible"] <= 0.05
    assert heldout["agent_opt_out_recall"] >= heldout["opt_out_recall"]


def test_stop_writing_to_me_write_to_x_is_followed_without_a_person(heldout):
    """Held-out referrals whose writer also asked us to stop writing to them are followed (the
    sender suppressed) instead of held; a message labelled opt-out lands there rarely (measured 1
    of 1,133: its sender is suppressed, so it still counts for recall). Measured 44 referrals."""
    assert heldout["agent_redirects"] >= 42
    assert heldout["agent_stops_redirected"] <= 2


def test_a_move_to_the_clients_own_new_address_never_takes_a_stop(heldout):
    """The conversation moves to the client's own new email only with no stop signal beside it
    (`new_address.py`); a move never lands on a held-out stop (measured 0 of 1,133, 2 ordinary)."""
    assert heldout["agent_stops_moved"] == 0
    assert heldout["agent_moves"] >= 1


def test_ordinary_messages_in_possible_at_most_5_percent(heldout):
    assert heldout["ordinary_in_possible"] <= 0.05


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_heldout_floor(heldout, name):
    assert heldout[name] >= FLOORS[name]


@pytest.mark.parametrize("name", sorted(EARLIER_FLOORS))
def test_earlier_heldout_floor(heldout_earlier, name):
    assert heldout_earlier[name] >= EARLIER_FLOORS[name]


@pytest.mark.xfail(strict=True, reason="below the issue-10 target on held-out; see evals/phrases/README.md")
@pytest.mark.parametrize("name", sorted(TARGETS))
def test_heldout_target(heldout, name):
    assert heldout[name] >= TARGETS[name]


@pytest.mark.parametrize(("score", "band"), [(0.99, "certain"), (0.97, "certain"), (0.9, "possible"), (0.1, "possible")])
def test_the_classifier_can_be_the_second_reader_of_a_certain_stop(monkeypatch, score, band):
    """«Ваш спам достал»: the stop words say certain, the phrase rules do not match; a very sure
    classifier confirms it (certain), a less sure one leaves it to a person (possible)."""
    from agent.understanding import stop_signal
    from agent.understanding.opt_out import is_opt_out

    text = "Ваш спам достал."
    assert not is_opt_out(text)
    monkeypatch.setattr(stop_signal.classifier, "probability", lambda _text, _intent: score)
    assert stop_signal.opt_out_band(text).band == "certain"
    verdict = stop_signal.stop_outcome(text)
    assert verdict.band == band
    assert ("classifier agrees" in verdict.reason) == (band == "certain")


def test_a_stop_above_a_quoted_letter_is_read_without_the_quote():
    from agent.understanding.stop_signal import stop_outcome

    quote = "\n".join(["> Добрый день! Хотели бы показать, как сеть автомоек увеличила рейтинг.",
                       "> Удобно созвониться в четверг? Пришлю презентацию."])
    assert stop_outcome("Стоп.\n\n" + quote).band != "none"
    assert stop_outcome("Спасибо, посмотрю.\n\n" + quote).band == "none"



@pytest.mark.parametrize("text", [
    "Ни сейчас, ни летом, ни осенью. Просто не пишите мне.",
    "Отчёт сдаём в пятницу. Перестаньте уже.",
    "Прошу не писать весь март. В апреле обсудим.",
])
def test_a_time_in_another_sentence_only_weakens_a_stop(text):
    """Only a time limit in the stop's own sentence makes it a pause; one elsewhere leaves the signal
    live but weak (never a silent stop on its own), so at least a person sees it."""
    live = [s for s in signals(text) if s.defused_by is None]
    assert live and not any(s.strong for s in live)
    assert stop_outcome(text).band != "none"


def test_a_time_limit_in_the_same_sentence_is_a_pause():
    text = "Пожалуйста, не пишите до конца месяца, мы на инвентаризации."
    assert [s.defused_by for s in signals(text)] == ["a time limit (pause)"]
    assert stop_outcome(text).band == "none"


@pytest.mark.parametrize("text", ["удали меня из базы", "мы не будем работать, номер удали"])
def test_a_command_behind_a_likelier_noun_reading_is_a_stop_signal(text):
    """pymorphy3 reads «удали» as the noun «удаль» first; the stop reading takes the command."""
    assert [s.lemma for s in signals(text) if s.defused_by is None] == ["удалить"]


def test_an_unknown_verb_form_keeps_its_own_reading():
    """«не спамите» (you don't spam) is not turned into the command «не спамьте»."""
    assert not [s for s in signals("Хорошо, что вы не спамите по десять раз.") if s.defused_by is None and s.strong]


def test_a_bare_blocked_is_a_weak_signal_and_blocking_something_named_is_not():
    assert [(s.strong, s.defused_by) for s in signals("Заблокировала.")] == [(False, None)]
    assert [s.defused_by for s in signals("заблокировал карту")] == ["something else was blocked"]


@pytest.mark.parametrize("text,phrase", [
    ("Забудь обо мне, пожалуйста.", True),
    ("Нас забудьте, мы закрываем этот ящик.", True),
    ("Не забудьте меня предупредить о демо.", False),
    ("Вы меня забыли? Жду презентацию.", False),
])
def test_forget_me_is_a_stop_phrase_only_as_a_command(text, phrase):
    from agent.understanding.stop_signal import _POSSIBLE_PHRASES

    assert bool(_POSSIBLE_PHRASES.search(text.lower())) is phrase
