"""A message typed with the keyboard left in English mode is read on the Russian layout by the stop
reading only, and only when the decoded words are Russian."""

import pytest

from agent.understanding.layout import as_russian_layout
from agent.understanding.stop_signal import opt_out_band


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("cnjg", "стоп"),
        ("yt gbibnt vyt ,jkmit", "не пишите мне больше"),
        ("Jngbibnt vtyz jn hfccskrb.", "Отпишите меня от рассылки."),
        ("crjkmrj cnjbn?", "сколько стоит?"),
    ],
)
def test_decodes_a_wrong_layout(typed, meant):
    assert as_russian_layout(typed) == meant


@pytest.mark.parametrize("text", ["Please stop emailing me", "Let's reconnect next month.", "ok", "Привет", "12:30"])
def test_english_cyrillic_and_digits_are_not_decoded(text):
    assert as_russian_layout(text) is None


@pytest.mark.parametrize("typed", ["cnjg", "yt gbibnt vyt ,jkmit", "jngbibnt vtyz jn hfccskrb", "elfkbnt vjq flhtc"])
def test_a_stop_in_the_wrong_layout_is_at_least_possible(typed):
    verdict = opt_out_band(typed)
    assert verdict.band in {"possible", "certain"}


def test_a_question_in_the_wrong_layout_is_not_a_stop():
    assert opt_out_band("crjkmrj cnjbn?").band == "none"
